"""Dependencies: what routes receive."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastwasm.fastapi import Kernel, Kernels  # fastwasm

from shop.database import Database
from shop.settings import settings  # fastwasm


def get_database(request: Request) -> Database:
    database: Database = request.state.database
    return database


DatabaseDep = Annotated[Database, Depends(get_database)]
kernels = Kernels(settings.kernels_dir)  # fastwasm
ImageKernel = Annotated[Kernel, kernels.depends("image")]  # fastwasm

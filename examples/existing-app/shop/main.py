"""The shop's app factory: `uvicorn --factory shop.main:create_app`."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response

from shop import orders, products
from shop.database import Database
from shop.deps import kernels  # fastwasm


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
    database = Database.open()
    yield {"database": database}
    database.orders.clear()


def create_app() -> FastAPI:
    app = FastAPI(title="shop", lifespan=lifespan)

    @app.middleware("http")
    async def timing(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        response.headers["X-Process-Time"] = f"{time.perf_counter() - started:.6f}"
        return response

    app.include_router(products.router)
    app.include_router(orders.router)
    kernels.install(app)  # fastwasm
    app.include_router(kernels.router, prefix="/kernels")  # fastwasm
    return app

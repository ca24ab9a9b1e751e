"""A kit app for the disconnect test: one route that spins in the guest
until its client leaves (or for 10 s), and one that reports the pool."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Request

from fastwasm.fastapi import Kernel, Kernels, Loaded

FAULT = Path(__file__).resolve().parents[2] / "components" / "fault.wasm"
kernels = Kernels(files={"fault": FAULT}, timeout_s=10)
Fault = Annotated[Kernel, kernels.depends("fault")]


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/spin")
    async def spin(fault: Fault) -> None:
        await fault.acall("spin")

    @app.get("/stats")
    async def stats(request: Request) -> dict[str, int]:
        loaded: Loaded = kernels.loaded(request.app)
        pool = loaded.components["fault"].pool_stats()
        return {"busy": pool.busy, "cancelled": pool.cancelled, "slots_busy": loaded.admission.busy}

    kernels.install(app)
    return app

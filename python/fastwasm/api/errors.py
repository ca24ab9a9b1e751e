"""Failures as HTTP errors with a JSON body, one meaning per status.

fastwasm's own exceptions (a WASM call's failure, no heavy-work slot, a
client that left) are answered by the kit's handlers
(`fastwasm.fastapi.install_error_handlers`, installed by `Kernels.install`):
every status comes from the runtime's one table (docs/errors.md), as
fastwasm-server's do. The service's own failures:

- 400: n above its limit (refused in `deps`).
- 502: a Python worker process died.
- 504: a heavy Python computation ran past FASTWASM_PYTHON_TIMEOUT_S.
- 500: anything unplanned; `middleware.ObservabilityMiddleware` answers
  `{"detail": "internal error", "request_id": ...}` and logs the traceback.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

from fastwasm.api.python_workers import PythonTimeout, PythonWorkerDied


def install(app: FastAPI) -> None:
    @app.exception_handler(PythonTimeout)
    async def python_timeout(_: Request, error: PythonTimeout) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status.HTTP_504_GATEWAY_TIMEOUT)

    @app.exception_handler(PythonWorkerDied)
    async def python_worker_died(_: Request, error: PythonWorkerDied) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status.HTTP_502_BAD_GATEWAY)

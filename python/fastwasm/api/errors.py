"""Failures as HTTP errors with a JSON body, one meaning per status.

- 400: the request asks for more than a limit allows. n above its limit is
  refused in `deps`; a WASM call that needs more memory than the cap is
  deterministic for that n, so it is a 400 too, never a retryable 5xx.
- 499 (logs and metrics only): the client left before its answer.
- 502: the sandboxed guest, or a Python worker process, failed.
- 503 with Retry-After: transient, retry later (no heavy-work slot, or no
  WASM instance slot).
- 504: the computation ran past its deadline.
- 500: anything unplanned; `observability.ObservabilityMiddleware` answers
  `{"detail": "internal error", "request_id": ...}` and logs the traceback.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

import fastwasm
from fastwasm.api.admission import Overloaded
from fastwasm.api.compute import ClientDisconnected
from fastwasm.api.python_workers import PythonTimeout, PythonWorkerDied

#: nginx's "client closed request": logged and counted, never seen by the client.
CLIENT_CLOSED_REQUEST = 499
#: Seconds a client should wait before retrying when no WASM instance slot was free.
INSTANCE_RETRY_AFTER_S = 1


def install(app: FastAPI) -> None:
    @app.exception_handler(Overloaded)
    async def overloaded(_: Request, error: Overloaded) -> JSONResponse:
        return JSONResponse(
            {"detail": str(error)},
            status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(error.retry_after_s)},
        )

    @app.exception_handler(ClientDisconnected)
    async def client_disconnected(_: Request, error: ClientDisconnected) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, CLIENT_CLOSED_REQUEST)

    @app.exception_handler(fastwasm.WasmTimeout)
    async def timeout(_: Request, error: fastwasm.WasmTimeout) -> JSONResponse:
        return JSONResponse({"detail": f"{error} (set by FASTWASM_WASM_TIMEOUT_S)"}, status.HTTP_504_GATEWAY_TIMEOUT)

    @app.exception_handler(PythonTimeout)
    async def python_timeout(_: Request, error: PythonTimeout) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status.HTTP_504_GATEWAY_TIMEOUT)

    @app.exception_handler(fastwasm.WasmMemoryLimit)
    async def memory_limit(_: Request, error: fastwasm.WasmMemoryLimit) -> JSONResponse:
        return JSONResponse({"detail": f"{error} (set by FASTWASM_WASM_MAX_MEMORY_MB)"}, status.HTTP_400_BAD_REQUEST)

    @app.exception_handler(fastwasm.WasmInstanceLimit)
    async def instance_limit(_: Request, error: fastwasm.WasmInstanceLimit) -> JSONResponse:
        return JSONResponse(
            {"detail": f"{error}; retry later"},
            status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(INSTANCE_RETRY_AFTER_S)},
        )

    @app.exception_handler(PythonWorkerDied)
    async def python_worker_died(_: Request, error: PythonWorkerDied) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status.HTTP_502_BAD_GATEWAY)

    @app.exception_handler(fastwasm.WasmError)
    async def wasm_error(_: Request, error: fastwasm.WasmError) -> JSONResponse:
        # A trap or ABI fault in the sandbox: the guest failed, not the request.
        return JSONResponse({"detail": f"the WASM guest failed: {error}"}, status.HTTP_502_BAD_GATEWAY)

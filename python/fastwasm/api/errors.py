"""Failures as HTTP errors with a JSON body, one meaning per status.

A WASM call's failure answers as the runtime's one table says
(`fastwasm_runtime::ErrorKind`, docs/errors.md): every `fastwasm.WasmError`
carries its status, detail and Retry-After, so there is nothing to map here
and nothing that can drift from fastwasm-server. The service's own failures:

- 400: n above its limit (refused in `deps`).
- 499 (logs and metrics only): the client left before its answer.
- 502: a Python worker process died.
- 503 with Retry-After: no heavy-work slot freed up in time.
- 504: a heavy Python computation ran past FASTWASM_PYTHON_TIMEOUT_S.
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

    @app.exception_handler(fastwasm.WasmError)
    async def wasm_error(_: Request, error: fastwasm.WasmError) -> JSONResponse:
        # The status, detail and Retry-After of each kind come from the
        # runtime's one table (fastwasm_runtime::ErrorKind), as fastwasm-server's do.
        headers = None if error.retry_after_s is None else {"Retry-After": str(error.retry_after_s)}
        return JSONResponse({"detail": error.detail}, error.http_status, headers=headers)

    @app.exception_handler(PythonTimeout)
    async def python_timeout(_: Request, error: PythonTimeout) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status.HTTP_504_GATEWAY_TIMEOUT)

    @app.exception_handler(PythonWorkerDied)
    async def python_worker_died(_: Request, error: PythonWorkerDied) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status.HTTP_502_BAD_GATEWAY)

"""WASM failures as HTTP errors with a JSON body: never a bare 500."""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

import fastwasm
from fastwasm.api.admission import Overloaded
from fastwasm.api.compute import ClientDisconnected

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

    @app.exception_handler(fastwasm.WasmTimeout)
    async def timeout(_: Request, error: fastwasm.WasmTimeout) -> JSONResponse:
        return JSONResponse({"detail": f"{error} (set by FASTWASM_WASM_TIMEOUT_S)"}, status.HTTP_504_GATEWAY_TIMEOUT)

    @app.exception_handler(fastwasm.WasmLimitError)
    async def limit(_: Request, error: fastwasm.WasmLimitError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status.HTTP_503_SERVICE_UNAVAILABLE)

    @app.exception_handler(fastwasm.WasmError)
    async def wasm_error(_: Request, error: fastwasm.WasmError) -> JSONResponse:
        # A trap or ABI fault in the sandbox: the guest failed, not the request.
        return JSONResponse({"detail": f"the WASM guest failed: {error}"}, status.HTTP_502_BAD_GATEWAY)

    @app.exception_handler(ValueError)
    async def value_error(_: Request, error: ValueError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status.HTTP_400_BAD_REQUEST)

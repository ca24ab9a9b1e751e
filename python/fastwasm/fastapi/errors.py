"""fastwasm's exceptions as HTTP answers, installed on an app in one call.

Every status comes from one table, fastwasm-http's: a `fastwasm.WasmError`
carries the status, detail and `Retry-After` its kind maps to
(docs/errors.md), the same ones fastwasm-server sends; the kit adds its own
few. A detail names the setting behind a limit in a library user's words
(`timeout_s`), or in fastwasm's service's (`FASTWASM_WASM_TIMEOUT_S`).
Bodies are FastAPI's shapes: `{"detail": "..."}`, and for 422 a list of
`{"type", "loc", "msg", "input"}` entries.

| exception | status |
|---|---|
| `GuestError` (the guest's own `err`) | 400 |
| `WasmMemoryLimit` | 400 |
| `BodyTooLarge` | 413 |
| `ArgumentError` (a value does not fit its WIT type) | 422 |
| `WasmTrap` and other guest failures | 502 |
| `Overloaded`, `WasmInstanceLimit` | 503, with `Retry-After` |
| `WasmTimeout`, `NotAnswered` (a kernel without a deadline) | 504 |
| `ClientDisconnected` | 499 (logged; nobody reads it) |
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

import fastwasm
from fastwasm.fastapi.admission import Overloaded
from fastwasm.fastapi.body import BodyTooLarge
from fastwasm.fastapi.disconnect import CLIENT_CLOSED_REQUEST, ClientDisconnected
from fastwasm.fastapi.unstoppable import NotAnswered
from fastwasm.http import error_detail

SettingNames = Literal["library", "service"]


def wasm_error(setting_names: SettingNames) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    """The handler of `WasmError`, its detail naming settings in `setting_names`' words."""

    async def handle(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, fastwasm.WasmError)
        headers = None if error.retry_after_s is None else {"Retry-After": str(error.retry_after_s)}
        # `detail` is in a library user's words already.
        detail = error.detail if setting_names == "library" else error_detail(error.kind, error.message, setting_names)
        return JSONResponse({"detail": detail}, error.http_status, headers=headers)

    return handle


async def argument_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, fastwasm.ArgumentError)
    entry = {"type": error.type, "loc": list(error.loc), "msg": error.msg, "input": None}
    return JSONResponse({"detail": [entry]}, 422)


async def overloaded(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, Overloaded)
    return JSONResponse({"detail": str(error)}, 503, headers={"Retry-After": str(error.retry_after_s)})


async def body_too_large(_: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(error)}, 413)


async def not_answered(_: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(error)}, 504)


async def client_disconnected(_: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(error)}, CLIENT_CLOSED_REQUEST)


def install_error_handlers(app: FastAPI, *, setting_names: SettingNames = "library") -> None:
    """Adds a handler for each of fastwasm's exceptions to `app` (see the
    table above). A handler of your own for one of them, added later, wins."""
    app.add_exception_handler(fastwasm.WasmError, wasm_error(setting_names))
    app.add_exception_handler(fastwasm.ArgumentError, argument_error)
    app.add_exception_handler(Overloaded, overloaded)
    app.add_exception_handler(BodyTooLarge, body_too_large)
    app.add_exception_handler(ClientDisconnected, client_disconnected)
    app.add_exception_handler(NotAnswered, not_answered)

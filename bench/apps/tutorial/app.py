"""The tutorial's server, as its README wrote it, for the HTTP benchmark only.

Every request builds an Engine and a Store, reads and compiles the module and
instantiates it, inside an `async def`, as ../shared/seed/README.md does.
Run: uvicorn bench.apps.tutorial.app:app --port 8100
"""

from __future__ import annotations

from pathlib import Path

import wasmtime
from fastapi import FastAPI, HTTPException

WASM_PATH = Path(__file__).with_name("fibonacci_tutorial.wasm")


def build_module() -> None:
    """The tutorial shipped a .wasm file; this one is built from the WAT beside it."""
    wat = WASM_PATH.with_suffix(".wat").read_text()
    WASM_PATH.write_bytes(wasmtime.wat2wasm(wat))


def calculate_fibonacci_wasm(n: int) -> int:
    """Calculate Fibonacci number using WASM module (the tutorial's wasm_service.py)."""
    if n < 0:
        raise ValueError("Fibonacci is not defined for negative numbers")
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    wasm_bytes = WASM_PATH.read_bytes()
    module = wasmtime.Module(engine, wasm_bytes)
    instance = wasmtime.Instance(store, module, [])
    calculate_fibonacci_func = instance.exports(store)["calculate_fibonacci"]
    assert isinstance(calculate_fibonacci_func, wasmtime.Func)
    result = calculate_fibonacci_func(store, n)
    assert isinstance(result, int)
    return result


build_module()
app = FastAPI()


@app.get("/fibonacci-wasm/{n}")
async def get_fibonacci_wasm(n: int) -> dict[str, object]:
    try:
        result = calculate_fibonacci_wasm(n)
        return {"number": n, "fibonacci": result, "method": "WASM"}
    except Exception as e:
        raise HTTPException(status_code=400, detail=str(e)) from e

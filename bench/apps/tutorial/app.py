"""The tutorial's server, as its README wrote it, for the HTTP benchmark only.

Every request builds an Engine and a Store, reads and compiles the module and
instantiates it, inside an `async def`, as ../shared/seed/README.md does.
Run: uvicorn bench.apps.tutorial.app:app --port 8100
"""

from __future__ import annotations

from pathlib import Path

import wasmtime
from fastapi import FastAPI, HTTPException

#: The tutorial's own module, built from its README's `lib.rs` and `Cargo.toml`
#: (bench/apps/tutorial/guest) by `make tutorial-guest`.
WASM_PATH = Path(__file__).with_name("fibonacci_tutorial.wasm")
if not WASM_PATH.is_file():
    raise RuntimeError(f"{WASM_PATH} is missing: `make tutorial-guest` builds the tutorial's guest")


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


app = FastAPI()


@app.get("/fibonacci-wasm/{n}")
async def get_fibonacci_wasm(n: int) -> dict[str, object]:
    try:
        result = calculate_fibonacci_wasm(n)
        return {"number": n, "fibonacci": result, "method": "WASM"}
    except Exception as e:
        raise HTTPException(status_code=400, detail=str(e)) from e

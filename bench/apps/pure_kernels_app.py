"""The contenders of bench/suite/kernel_http.py that are not fastwasm's kernel
route, as a FastAPI app of their own (`uvicorn bench.apps.pure_kernels_app:app`):

- `POST /python/image/grayscale`: the same kernel in pure Python, behind
  FastAPI the way its docs write an endpoint (a pydantic body, `def` in the
  threadpool);
- `POST /dict/image/grayscale`: the WebAssembly kernel, but FastAPI parses the
  body into a pydantic model and Python converts both ways (base64, a dict),
  as a hand-written endpoint over `Component.call` would: what handing the
  raw body to Rust saves.

Both take and give the kernel route's JSON: `{"rgba": base64}` in,
`{"kernel", "function", "result", "execution_time"}` out.
"""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

import fastwasm

IMAGE = Path(fastwasm.__file__).with_name("components") / "image.wasm"

app = FastAPI()
component = fastwasm.Runtime().load(IMAGE)
assert isinstance(component, fastwasm.Component)


class Grayscale(BaseModel):
    rgba: str  # base64, as the kernel route takes it


def grayscale_python(rgba: bytes) -> bytes:
    """BT.601 luma with the guest's rounding, alpha kept."""
    out = bytearray(rgba)
    for i in range(0, len(out) - 3, 4):
        luma = (299 * out[i] + 587 * out[i + 1] + 114 * out[i + 2] + 500) // 1000
        out[i] = out[i + 1] = out[i + 2] = luma
    return bytes(out)


def answer(result: bytes, started: float) -> dict[str, Any]:
    return {
        "kernel": "image",
        "function": "grayscale",
        "result": base64.b64encode(result).decode(),
        "execution_time": time.perf_counter() - started,
    }


@app.post("/python/image/grayscale")
def python_grayscale(body: Grayscale) -> dict[str, Any]:
    rgba = base64.b64decode(body.rgba)
    started = time.perf_counter()
    return answer(grayscale_python(rgba), started)


@app.post("/dict/image/grayscale")
def dict_grayscale(body: Grayscale) -> dict[str, Any]:
    rgba = base64.b64decode(body.rgba)
    started = time.perf_counter()
    return answer(component.call("grayscale", rgba), started)


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}

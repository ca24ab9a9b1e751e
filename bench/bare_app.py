"""The honest ceiling of a FastAPI endpoint: a bare app with one no-op route,
served by the same uvicorn settings as `fastwasm serve` (uvloop, httptools,
no access log). `make bench-http` runs it side by side with fastwasm.

Run: uvicorn bench.bare_app:app --port 8200
"""

from __future__ import annotations

from enum import StrEnum

from fastapi import FastAPI
from fastapi.responses import Response

import fastwasm

app = FastAPI()


@app.get("/noop")
async def noop() -> dict[str, int]:
    return {"ok": 1}


# The same endpoint shape as fastwasm's /fibonacci-wasm/{n}, and nothing
# else: a path int, the algorithm as an enum query, the guest's compute and a
# pre-rendered JSON body; no middleware, no dependency, no limits, no
# metrics, no log. It isolates what FastAPI's parameter handling costs from
# what fastwasm's own features cost.
class Algorithm(StrEnum):
    iterative = "iterative"
    recursive = "recursive"
    fast_doubling = "fast_doubling"


GUEST = fastwasm.default_fibonacci_module()


@app.get("/fibonacci-wasm/{n}")
async def same_shape(n: int, algorithm: Algorithm = Algorithm.iterative) -> Response:
    value = GUEST.compute(n, algorithm.value)
    return Response(f'{{"number":{n},"fibonacci":{value}}}', media_type="application/json")

"""The honest ceiling of a FastAPI endpoint: a bare app with one no-op route,
served by the same uvicorn settings as `fastwasm serve` (uvloop, httptools,
no access log). `make bench-http` runs it side by side with fastwasm.

Run: uvicorn bench.apps.bare_app:app --port 8200
"""

from __future__ import annotations

from enum import StrEnum

import orjson
from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

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


# Response classes for the same body as /fibonacci-wasm/39's, built per
# request from the same values (bench/suite/asgi_choice.py compares them).
class Body(BaseModel):
    number: int
    fibonacci: int
    digits: str
    method: str
    algorithm: str
    message: str
    execution_time: float


def body_fields(n: int) -> dict[str, object]:
    value = GUEST.compute(n)
    return {
        "number": n,
        "fibonacci": value,
        "digits": str(value),
        "method": "WASM",
        "algorithm": "iterative",
        "message": f"Fibonacci of {n} is {value} (calculated using WASM)",
        "execution_time": 3.1e-06,
    }


@app.get("/body/pre-rendered/{n}")
async def pre_rendered(n: int) -> Response:
    f = body_fields(n)
    return Response(
        f'{{"number":{n},"fibonacci":{f["fibonacci"]},"digits":"{f["digits"]}","method":"WASM",'
        f'"algorithm":"iterative","message":"{f["message"]}","execution_time":{f["execution_time"]!r}}}',
        media_type="application/json",
    )


@app.get("/body/json-response/{n}")
async def json_response(n: int) -> JSONResponse:
    return JSONResponse(body_fields(n))


@app.get("/body/orjson/{n}")
async def orjson_body(n: int) -> Response:
    # FastAPI 0.165 deprecates ORJSONResponse; this is what it did.
    return Response(orjson.dumps(body_fields(n)), media_type="application/json")


@app.get("/body/response-model/{n}", response_model=Body)
async def response_model(n: int) -> dict[str, object]:
    return body_fields(n)

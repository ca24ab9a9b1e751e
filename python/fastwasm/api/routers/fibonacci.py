"""F(n) by one method: /fibonacci (Python), /fibonacci-wasm, /fibonacci-native."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from fastwasm.api.compute import compute, fibonacci_body
from fastwasm.api.deps import AlgorithmQuery, NPath, fibonacci_query
from fastwasm.api.models import Algorithm, ErrorResponse, FibonacciResponse, Method
from fastwasm.api.routing import PlainParamsRoute

router = APIRouter(tags=["fibonacci"], route_class=PlainParamsRoute)

# The hottest routes take n and the algorithm as their own parameters, check
# them with a plain call (`fibonacci_query`) rather than a dependency, are
# added to the app itself (`app.include_flat`), and read plainly valid
# parameters without FastAPI's solver (`PlainParamsRoute`): a level of
# dependency solving, a lazily included router and the solving of two
# parameters each cost these requests a measurable share (the "FastAPI
# layers" section of docs/benchmarks.md).

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "n is negative, or above its algorithm's limit"},
    422: {"description": "n is not an integer, or the algorithm is unknown"},
    503: {
        "model": ErrorResponse,
        "description": "heavy work is at FASTWASM_MAX_CONCURRENT_HEAVY; retry after Retry-After seconds "
        "(for WASM also: a resource limit was hit)",
    },
}
WASM_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    502: {"model": ErrorResponse, "description": "the WASM guest trapped"},
    504: {"model": ErrorResponse, "description": "the WASM call ran past FASTWASM_WASM_TIMEOUT_S"},
}


@router.get(
    "/fibonacci/{n}",
    response_model=FibonacciResponse,
    responses=ERRORS,
    summary="F(n) in pure Python",
    description="The same algorithm as the other methods, written in Python.",
)
async def fibonacci_python(request: Request, n: NPath, algorithm: AlgorithmQuery = Algorithm.iterative) -> Response:
    return fibonacci_body(await compute(Method.python, fibonacci_query(request, n, algorithm)))


@router.get(
    "/fibonacci-wasm/{n}",
    response_model=FibonacciResponse,
    responses=WASM_ERRORS,
    summary="F(n) in the WASM sandbox",
    description="The Rust kernels compiled to WebAssembly, run by fastwasm's runtime under a deadline "
    "and a memory cap. The tutorial's endpoint, exact for every n.",
)
async def fibonacci_wasm(request: Request, n: NPath, algorithm: AlgorithmQuery = Algorithm.iterative) -> Response:
    return fibonacci_body(await compute(Method.wasm, fibonacci_query(request, n, algorithm)))


@router.get(
    "/fibonacci-native/{n}",
    response_model=FibonacciResponse,
    responses=ERRORS,
    summary="F(n) in native Rust",
    description="The same Rust kernels compiled into the extension: no sandbox, no deadline.",
)
async def fibonacci_native(request: Request, n: NPath, algorithm: AlgorithmQuery = Algorithm.iterative) -> Response:
    return fibonacci_body(await compute(Method.native, fibonacci_query(request, n, algorithm)))

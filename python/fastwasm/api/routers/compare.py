"""/compare/{n}: the three methods side by side."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from fastwasm.api.compute import compare_body, compute
from fastwasm.api.deps import FibonacciQueryDep
from fastwasm.api.models import CompareResponse, Method
from fastwasm.api.routers.fibonacci import WASM_ERRORS

router = APIRouter(tags=["compare"])


@router.get(
    "/compare/{n}",
    response_model=CompareResponse,
    responses=WASM_ERRORS,
    summary="Python, WASM and native on the same n and algorithm",
    description="Runs the three methods one after another, and reports each value and time, "
    "whether they agree, and the speed-ups of WASM and native over Python.",
)
async def compare(query: FibonacciQueryDep) -> Response:
    results = [await compute(method, query) for method in Method]
    return compare_body(query.n, query.algorithm, results)

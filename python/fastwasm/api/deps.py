"""Dependencies: what handlers receive, created once in the app's lifespan.

All are `async def`: FastAPI runs a plain `def` dependency in the threadpool,
which would cost a thread hop per request for no work at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Query, Request, status
from starlette.types import Receive

import fastwasm
from fastwasm.api.admission import Admission
from fastwasm.api.models import Algorithm
from fastwasm.api.observability import Metrics
from fastwasm.api.python_workers import PythonWorkers
from fastwasm.api.settings import Settings

NEGATIVE_MESSAGE = "Fibonacci is not defined for negative numbers"


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_guest(request: Request) -> fastwasm.FibonacciModule:
    guest: fastwasm.FibonacciModule = request.app.state.guest
    return guest


async def get_modules(request: Request) -> fastwasm.ModuleSet:
    modules: fastwasm.ModuleSet = request.app.state.modules
    return modules


SettingsDep = Annotated[Settings, Depends(get_settings)]
ModulesDep = Annotated[fastwasm.ModuleSet, Depends(get_modules)]
GuestDep = Annotated[fastwasm.FibonacciModule, Depends(get_guest)]
AlgorithmQuery = Annotated[
    Algorithm, Query(description="The algorithm, the same in every method.", examples=["iterative"])
]
NPath = Annotated[int, Path(description="n: F(n) is computed.", examples=[39])]


@dataclass(frozen=True, slots=True)
class FibonacciQuery:
    n: int
    algorithm: Algorithm
    # Carried here rather than as its own dependency: one dependency less on
    # the hottest path.
    admission: Admission
    metrics: Metrics
    python_workers: PythonWorkers
    # The ASGI receive channel, to notice a client that disconnects.
    receive: Receive


def fibonacci_query(request: Request, n: int, algorithm: Algorithm) -> FibonacciQuery:
    """n and the algorithm, refused with 400 when n is negative or above its
    algorithm's limit. A plain function: the Fibonacci routes call it
    directly (see routers/fibonacci.py), /compare through FibonacciQueryDep."""
    # Settings straight from the app state, not through SettingsDep: one level
    # of dependency less on the hottest path.
    settings: Settings = request.app.state.settings
    if n < 0:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, NEGATIVE_MESSAGE)
    limit, setting = settings.max_n(algorithm)
    if n > limit:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            f"n = {n} is above the limit of {limit} for {algorithm.value} (set by {setting})",
        )
    state = request.app.state
    return FibonacciQuery(n, algorithm, state.admission, state.metrics, state.python_workers, request.receive)


async def fibonacci_query_dep(
    request: Request, n: NPath, algorithm: AlgorithmQuery = Algorithm.iterative
) -> FibonacciQuery:
    """`fibonacci_query` as a dependency."""
    return fibonacci_query(request, n, algorithm)


FibonacciQueryDep = Annotated[FibonacciQuery, Depends(fibonacci_query_dep)]

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
from fastwasm.api.models import Algorithm
from fastwasm.api.observability import Metrics
from fastwasm.api.python_workers import PythonWorkers
from fastwasm.api.settings import Settings
from fastwasm.fastapi import Admission

NEGATIVE_MESSAGE = "Fibonacci is not defined for negative numbers"


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]
AlgorithmQuery = Annotated[
    Algorithm, Query(description="The algorithm, the same in every method.", examples=["iterative"])
]
NPath = Annotated[int, Path(description="n: F(n) is computed.", examples=[39])]


@dataclass(frozen=True, slots=True)
class FibonacciService:
    """What every Fibonacci request uses, made once in the app's lifespan and
    kept as `app.state.fibonacci`: one state lookup per request, not one per
    part (each costs a Python-level `State.__getattr__`)."""

    guest: fastwasm.FibonacciModule
    admission: Admission
    metrics: Metrics
    python_workers: PythonWorkers
    #: Per algorithm: its n limit, and the setting that sets it.
    limits: dict[Algorithm, tuple[int, str]]

    @staticmethod
    def limits_of(settings: Settings) -> dict[Algorithm, tuple[int, str]]:
        return {algorithm: settings.max_n(algorithm) for algorithm in Algorithm}


@dataclass(frozen=True, slots=True)
class FibonacciQuery:
    n: int
    algorithm: Algorithm
    service: FibonacciService
    # The ASGI receive channel, to notice a client that disconnects.
    receive: Receive


def fibonacci_query(request: Request, n: int, algorithm: Algorithm) -> FibonacciQuery:
    """n and the algorithm, refused with 400 when n is negative or above its
    algorithm's limit. A plain function, not a dependency: in FastAPI 0.165
    each level of dependency solving costs about a third of a no-op request
    (bench/fastapi_layers.py), so the Fibonacci routes call it directly and
    /compare through FibonacciQueryDep."""
    service: FibonacciService = request.app.state.fibonacci
    if n < 0:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, NEGATIVE_MESSAGE)
    limit, setting = service.limits[algorithm]
    if n > limit:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            f"n = {n} is above the limit of {limit} for {algorithm.value} (set by {setting})",
        )
    return FibonacciQuery(n, algorithm, service, request.receive)


async def fibonacci_query_dep(
    request: Request, n: NPath, algorithm: AlgorithmQuery = Algorithm.iterative
) -> FibonacciQuery:
    """`fibonacci_query` as a dependency."""
    return fibonacci_query(request, n, algorithm)


FibonacciQueryDep = Annotated[FibonacciQuery, Depends(fibonacci_query_dep)]

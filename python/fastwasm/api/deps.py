"""What handlers receive: the service's parts, made once in the app's
lifespan and kept in its lifespan state (`request.scope["state"]`).

Dependencies are `async def`: FastAPI runs a plain `def` dependency in the
threadpool, a thread hop per request for no work at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Query, Request, status
from starlette.types import Receive

import fastwasm
from fastwasm.api.metrics import Metrics
from fastwasm.api.models import Algorithm, ExportInfo
from fastwasm.api.python_workers import PythonWorkers
from fastwasm.api.settings import Settings
from fastwasm.fastapi import Admission


@dataclass(frozen=True, slots=True)
class FibonacciService:
    """What every Fibonacci request uses: one lookup in the lifespan state
    per request, not one per part."""

    guest: fastwasm.FibonacciModule
    admission: Admission
    metrics: Metrics
    python_workers: PythonWorkers
    settings: Settings


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    """What /health and /metrics report, made once at start-up."""

    settings: Settings
    metrics: Metrics
    module_path: FilePath
    exports: list[ExportInfo]
    versions: dict[str, str]


def fibonacci_service(request: Request) -> FibonacciService:
    service: FibonacciService = request.scope["state"]["fibonacci"]
    return service


async def get_service_info(request: Request) -> ServiceInfo:
    info: ServiceInfo = request.scope["state"]["service"]
    return info


ServiceInfoDep = Annotated[ServiceInfo, Depends(get_service_info)]
AlgorithmQuery = Annotated[
    Algorithm, Query(description="The algorithm, the same in every method.", examples=["iterative"])
]
NPath = Annotated[int, Path(description="n: F(n) is computed.", examples=[39])]


@dataclass(frozen=True, slots=True)
class FibonacciQuery:
    n: int
    algorithm: Algorithm
    service: FibonacciService
    # The ASGI receive channel, to notice a client that disconnects.
    receive: Receive


def fibonacci_query(request: Request, n: int, algorithm: Algorithm) -> FibonacciQuery:
    """n and the algorithm, refused with 400 when n is negative or above its
    algorithm's limit (fastwasm-http's rule, `Settings.refusal`). A plain
    function, not a dependency: the Fibonacci routes call it directly (a
    dependency level costs them a measurable share: bench/apps, the bare
    app's rows), and /compare through FibonacciQueryDep."""
    service = fibonacci_service(request)
    refusal = service.settings.refusal(n, algorithm)
    if refusal is not None:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, refusal)
    return FibonacciQuery(n, algorithm, service, request.receive)


async def fibonacci_query_dep(
    request: Request, n: NPath, algorithm: AlgorithmQuery = Algorithm.iterative
) -> FibonacciQuery:
    """`fibonacci_query` as a dependency."""
    return fibonacci_query(request, n, algorithm)


FibonacciQueryDep = Annotated[FibonacciQuery, Depends(fibonacci_query_dep)]

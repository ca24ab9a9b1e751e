"""Runs F(n) by one method and times the computation alone.

Results carry decimal digits: that is what reaches the wire, and for n > 93
the WASM and native methods produce digits directly.

Where the work runs: cheap work inline on the event loop; heavy WASM work on
the runtime's call threads (`FibonacciModule.acompute`, the same hand-off as
any kernel's `acall`); heavy native work in the threadpool, where the Rust
side releases the GIL; heavy Python work in worker processes
(`python_workers`), because Python code holds the GIL and would take it from
the event loop. Heavy work of every method takes a slot from the kit's
admission control and stops when its client leaves.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

import fastwasm
from fastwasm import http, python_worker
from fastwasm.api.deps import FibonacciQuery
from fastwasm.api.models import Algorithm, Method
from fastwasm.fastapi import until_disconnected


@dataclass(frozen=True, slots=True)
class Computation:
    method: Method
    n: int
    algorithm: Algorithm
    digits: str
    seconds: float


def compute_sync(
    method: Method,
    n: int,
    algorithm: Algorithm,
    guest: fastwasm.FibonacciModule,
) -> Computation:
    """F(n) as digits, in this thread. The timer brackets only the call that
    computes."""
    name: str = algorithm  # a StrEnum is its value; `.value` is a Python-level property
    if method is Method.python:
        digits, seconds = python_worker.timed_digits(n, name)
    elif method is Method.wasm:
        if n <= fastwasm.MAX_U64_N:
            start = time.perf_counter()
            small = guest.compute(n, name)
            seconds = time.perf_counter() - start
            digits = str(small)
        else:
            start = time.perf_counter()
            digits = guest.digits(n, name)
            seconds = time.perf_counter() - start
    else:
        if n <= fastwasm.MAX_U64_N:
            start = time.perf_counter()
            small = fastwasm.fibonacci(n, "native", name)
            seconds = time.perf_counter() - start
            digits = str(small)
        else:
            start = time.perf_counter()
            digits = fastwasm.fibonacci_digits(n, "native", name)
            seconds = time.perf_counter() - start
    return Computation(method, n, algorithm, digits, seconds)


async def compute(method: Method, query: FibonacciQuery) -> Computation:
    """As `compute_sync`: inline when cheap; otherwise with a slot from
    admission control, off the event loop, watching for the client to leave.
    The time goes to the histogram."""
    n, algorithm, service = query.n, query.algorithm, query.service
    # Cheap enough for the event loop: the one rule of fib_kernels::Algorithm::is_cheap.
    if fastwasm.is_cheap(n, algorithm):
        result = compute_sync(method, n, algorithm, service.guest)
    else:
        result = await compute_heavy(method, query)
    metrics = service.metrics
    metrics.compute(method, algorithm, result.seconds)
    return result


async def compute_heavy(method: Method, query: FibonacciQuery) -> Computation:
    """Heavy work that stops when its client disconnects: a request still
    queued for a slot leaves the queue, a WASM call is cancelled within an
    epoch tick, and a Python worker process is stopped (and replaced). A
    native call cannot be interrupted; it runs to its end (bounded by the n
    limits) and keeps its slot until then."""
    n, algorithm, service = query.n, query.algorithm, query.service

    async def work() -> Computation:
        async with service.admission.slot():
            name: str = algorithm
            if method is Method.python:
                # A plain str: a pickled enum would make the worker import the API's models.
                digits, seconds = await service.python_workers.timed_digits(n, algorithm.value)
            elif method is Method.wasm:
                start = time.perf_counter()
                if n <= fastwasm.MAX_U64_N:
                    digits = str(await service.guest.acompute(n, name))
                else:
                    digits = await service.guest.adigits(n, name)
                seconds = time.perf_counter() - start
            else:
                return await run_in_threadpool(compute_sync, method, n, algorithm, service.guest)
            return Computation(method, n, algorithm, digits, seconds)

    return await until_disconnected(query.receive, work(), f"F({n})")


class JSONBody(Response):
    media_type = "application/json"


def fibonacci_body(result: Computation) -> JSONBody:
    """The answer of `/fibonacci*/{n}`, rendered by fastwasm-http (as
    fastwasm-server renders it)."""
    body = http.fibonacci_body(result.n, result.method, result.algorithm, result.digits, result.seconds)
    return JSONBody(body)


def compare_body(n: int, algorithm: Algorithm, results: list[Computation]) -> JSONBody:
    """The answer of `/compare/{n}`, Python first: the baseline."""
    rows = [(r.method.value, r.digits, r.seconds) for r in results]
    return JSONBody(http.compare_body(n, algorithm, rows))

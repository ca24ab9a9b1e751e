"""Runs F(n) by one method and times the computation alone.

Results carry decimal digits: that is what reaches the wire, and for n > 93
the WASM and native methods produce digits directly.

Where the work runs: cheap work inline on the event loop; heavy WASM and
native work in the threadpool, where the Rust side releases the GIL; heavy
Python work in worker processes (`python_workers`), because Python code holds
the GIL and would take it from the event loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.types import Receive

import fastwasm
from fastwasm import python_worker
from fastwasm._native import is_cheap, native_digits, native_fibonacci
from fastwasm.api.deps import FibonacciQuery
from fastwasm.api.models import Algorithm, Method

T = TypeVar("T")


class ClientDisconnected(Exception):
    """The client closed the connection before its heavy computation finished."""

    def __init__(self, what: str) -> None:
        super().__init__(f"the client closed the connection before {what} was computed")


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
    cancel: fastwasm.CancelToken | None = None,
) -> Computation:
    """F(n) as digits, in this thread. The timer brackets only the call that
    computes. `cancel` stops a WASM call."""
    name: str = algorithm  # a StrEnum is its value; `.value` is a Python-level property
    if method is Method.python:
        digits, seconds = python_worker.timed_digits(n, name)
    elif method is Method.wasm:
        if n <= fastwasm.MAX_U64_N:
            start = time.perf_counter()
            small = guest.compute(n, name, cancel=cancel)
            seconds = time.perf_counter() - start
            digits = str(small)
        else:
            start = time.perf_counter()
            digits = guest.digits(n, name, cancel=cancel)
            seconds = time.perf_counter() - start
    else:
        if n <= fastwasm.MAX_U64_N:
            start = time.perf_counter()
            small = native_fibonacci(n, name)
            seconds = time.perf_counter() - start
            digits = str(small)
        else:
            start = time.perf_counter()
            digits = native_digits(n, name)
            seconds = time.perf_counter() - start
    return Computation(method, n, algorithm, digits, seconds)


async def compute(method: Method, query: FibonacciQuery) -> Computation:
    """As `compute_sync`: inline when cheap; otherwise with a slot from
    admission control, off the event loop, watching for the client to leave.
    The time goes to the histogram."""
    n, algorithm, service = query.n, query.algorithm, query.service
    # Cheap enough for the event loop: the one rule of fib_kernels::Algorithm::is_cheap.
    if is_cheap(n, algorithm):
        result = compute_sync(method, n, algorithm, service.guest)
    else:
        result = await compute_heavy(method, query)
    metrics = service.metrics
    metrics.bound(metrics.compute_seconds, method, algorithm).observe(result.seconds)
    return result


async def compute_heavy(method: Method, query: FibonacciQuery) -> Computation:
    """Heavy work that stops when its client disconnects: a request still
    queued for a slot leaves the queue, a WASM call is cancelled within an
    epoch tick, and a Python worker process is stopped (and replaced). A
    native call cannot be interrupted; it runs to its end (bounded by the n
    limits) and keeps its slot until then."""
    n, algorithm, service = query.n, query.algorithm, query.service
    cancel = fastwasm.CancelToken()

    async def work() -> Computation:
        async with service.admission.slot():
            if method is Method.python:
                # A plain str: a pickled enum would make the worker import the API's models.
                digits, seconds = await service.python_workers.timed_digits(n, algorithm.value)
                return Computation(method, n, algorithm, digits, seconds)
            return await run_in_threadpool(compute_sync, method, n, algorithm, service.guest, cancel)

    return await until_client_leaves(work(), query.receive, cancel, f"F({n})")


async def until_client_leaves(
    work: Coroutine[Any, Any, T], receive: Receive, cancel: fastwasm.CancelToken, what: str
) -> T:
    """`work`'s result, unless the client disconnects first: then `cancel`
    is cancelled, the work is awaited until it has stopped (a thread cannot
    be abandoned mid-call, so its slot counts as busy until then), and
    `ClientDisconnected` is raised, naming `what`."""
    working = asyncio.ensure_future(work)
    leaving = asyncio.ensure_future(client_gone(receive))
    try:
        done, _ = await asyncio.wait((working, leaving), return_when=asyncio.FIRST_COMPLETED)
    finally:
        leaving.cancel()
        if not working.done():
            cancel.cancel()
            working.cancel()
            # This wait never raises the work's own outcome; a cancellation
            # of this task still propagates, before or after it.
            await asyncio.wait((working,))
    if leaving in done:
        if not working.cancelled():
            working.exception()  # retrieved: how the abandoned work ended does not matter
        raise ClientDisconnected(what)
    return working.result()


async def client_gone(receive: Receive) -> None:
    """Returns when the server reports that the client disconnected.

    A GET's body has been received already, so the next message the ASGI
    server sends is `http.disconnect` (or, after the response, nothing that
    matters: this task is cancelled by then)."""
    while (await receive())["type"] != "http.disconnect":
        pass

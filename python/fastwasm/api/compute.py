"""Runs F(n) by one method and times the computation alone.

Results carry decimal digits: that is what reaches the wire, and for n > 93
the WASM and native methods produce digits directly.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

import fastwasm
from fastwasm import pure
from fastwasm.api.deps import FibonacciQuery
from fastwasm.api.models import Algorithm, Method

#: Cheap enough to run on the event loop: u64 results with a linear or
#: logarithmic algorithm, or a tiny recursion. Everything else goes to the
#: threadpool, where the Rust side releases the GIL.
INLINE_MAX_N = fastwasm.MAX_U64_N
INLINE_MAX_N_RECURSIVE = 12


@dataclass(frozen=True, slots=True)
class Computation:
    method: Method
    n: int
    algorithm: Algorithm
    digits: str
    seconds: float


def is_cheap(n: int, algorithm: Algorithm) -> bool:
    if algorithm is Algorithm.recursive:
        return n <= INLINE_MAX_N_RECURSIVE
    return n <= INLINE_MAX_N


def compute_sync(method: Method, n: int, algorithm: Algorithm, guest: fastwasm.FibonacciModule) -> Computation:
    """F(n) as digits. The timer brackets only the call that computes."""
    name = algorithm.value
    if method is Method.python:
        start = time.perf_counter()
        value = pure.fibonacci(n, name)
        seconds = time.perf_counter() - start
        # Outside the timer: CPython's str() refuses past 4300 digits, so the
        # extension converts (linear int.to_bytes, then Rust).
        digits = str(value) if n <= INLINE_MAX_N else fastwasm.int_to_decimal(value)
    elif method is Method.wasm:
        if n <= INLINE_MAX_N:
            start = time.perf_counter()
            small = guest.compute(n, name)
            seconds = time.perf_counter() - start
            digits = str(small)
        else:
            start = time.perf_counter()
            digits = guest.digits(n, name)
            seconds = time.perf_counter() - start
    else:
        if n <= INLINE_MAX_N:
            start = time.perf_counter()
            small = fastwasm.fibonacci(n, "native", name)
            seconds = time.perf_counter() - start
            digits = str(small)
        else:
            start = time.perf_counter()
            digits = fastwasm.fibonacci_digits(n, "native", name)
            seconds = time.perf_counter() - start
    return Computation(method, n, algorithm, digits, seconds)


async def compute(method: Method, query: FibonacciQuery, guest: fastwasm.FibonacciModule) -> Computation:
    """As `compute_sync`: inline when cheap; otherwise with a slot from
    admission control, in the threadpool. The time goes to the histogram."""
    n, algorithm = query.n, query.algorithm
    if is_cheap(n, algorithm):
        result = compute_sync(method, n, algorithm, guest)
    else:
        async with query.admission.slot():
            result = await run_in_threadpool(compute_sync, method, n, algorithm, guest)
    query.metrics.compute_seconds.labels(method.value, algorithm.value).observe(result.seconds)
    return result

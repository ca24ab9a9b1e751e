"""The pure-Python Fibonacci kernels: the same algorithms as fib-kernels, so
that every comparison pits like against like."""

from __future__ import annotations

from collections.abc import Callable

#: The largest n whose F(n) fits in a u64; the recursive algorithm stops here.
MAX_U64_N = 93


def iterative(n: int) -> int:
    """F(n) by a loop of additions."""
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def recursive(n: int) -> int:
    """F(n) by the naive exponential recursion, the CPU-heavy case."""
    if n < 2:
        return n
    return recursive(n - 1) + recursive(n - 2)


def fast_doubling(n: int) -> int:
    """F(n) in O(log n) steps: F(2k) = F(k)(2F(k+1) - F(k)), F(2k+1) = F(k)^2 + F(k+1)^2."""
    a, b = 0, 1
    for bit in bin(n)[2:]:
        c = a * (2 * b - a)
        d = a * a + b * b
        a, b = (d, c + d) if bit == "1" else (c, d)
    return a


ALGORITHMS: dict[str, Callable[[int], int]] = {
    "iterative": iterative,
    "recursive": recursive,
    "fast_doubling": fast_doubling,
}


def fibonacci(n: int, algorithm: str = "iterative") -> int:
    """F(n) with the named algorithm.

    Raises ValueError for n < 0, an unknown algorithm, or recursive past F(93).
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    try:
        kernel = ALGORITHMS[algorithm]
    except KeyError:
        raise ValueError(
            f"unknown algorithm {algorithm!r}: expected one of iterative, recursive, fast_doubling"
        ) from None
    if kernel is recursive and n > MAX_U64_N:
        raise ValueError(f"F({n}) does not fit in a u64: the largest that does is F(93)")
    return kernel(n)

"""The pure-Python Fibonacci kernels: the same algorithms as fib-kernels, so
that every comparison pits like against like."""

from __future__ import annotations

from collections.abc import Callable

from fastwasm._native import check_request


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

    n and the algorithm are checked by the extension's rules, the same for
    every method (fib-kernels): ValueError for n < 0, n past u32, an unknown
    algorithm, or recursive past F(93).
    """
    check_request(n, algorithm)
    return ALGORITHMS[algorithm](n)

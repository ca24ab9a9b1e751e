"""Crossover sweep: time against n for Python, WASM and native, per algorithm,
decimal digits included, and the first n at which WASM beats Python.

Run: .venv/bin/python -m bench.suite.sweep   (part of make bench; BENCH_QUICK=1 for a smoke run)

Each point times one method producing the decimal digits of F(n): Python runs
the pure-Python kernel and `str()` (with CPython's digit limit lifted, as a
user would); WASM and native run `fastwasm.fibonacci_digits`. At each n the
three methods are interleaved over the rounds; a sample repeats the call
until it has run for at least a minimum time. Every round's sample is kept,
so the report judges WASM against Python at each n by its one rule.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import fastwasm
from bench.common import QUICK, machine, write_results
from bench.suite.report_micro import crossover, sweep_verdicts
from fastwasm import pure

sys.set_int_max_str_digits(0)

ROUNDS = 2 if QUICK else 5
MIN_SAMPLE_S = 0.002 if QUICK else 0.02

if QUICK:
    POINTS = {
        "recursive": [5, 10, 15, 20],
        "iterative": [10, 100, 1_000, 10_000],
        "fast_doubling": [10, 100, 1_000, 10_000, 100_000],
    }
else:
    POINTS = {
        "recursive": [5, 8, 11, 14, 17, 20, 23, 26, 29, 32, 35],
        "iterative": [10, 30, 100, 300, 1_000, 3_000, 10_000, 30_000, 100_000],
        "fast_doubling": [10, 100, 1_000, 10_000, 100_000, 300_000, 1_000_000],
    }

METHODS = ("Python", "WASM", "native")


def contender(method: str, algorithm: str, n: int) -> Callable[[], str]:
    if method == "Python":
        kernel = pure.ALGORITHMS[algorithm]
        return lambda: str(kernel(n))
    name = "wasm" if method == "WASM" else "native"
    return lambda: fastwasm.fibonacci_digits(n, name, algorithm)


def sample(call: Callable[[], str]) -> float:
    """Seconds per call, over enough calls to last MIN_SAMPLE_S."""
    calls, start = 0, time.perf_counter()
    while True:
        call()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= MIN_SAMPLE_S:
            return elapsed / calls


def sweep(algorithm: str) -> dict[str, object]:
    points = []
    for n in POINTS[algorithm]:
        calls = {m: contender(m, algorithm, n) for m in METHODS}
        answers = {m: call() for m, call in calls.items()}
        if len(set(answers.values())) != 1:
            raise AssertionError(f"methods disagree on F({n}) by {algorithm}")
        samples: dict[str, list[float]] = {m: [] for m in METHODS}
        for _ in range(ROUNDS):
            for m, call in calls.items():
                samples[m].append(sample(call))
        points.append({"n": n, "seconds": {m: statistics.median(v) for m, v in samples.items()}, "samples": samples})
    return {"points": points}


def main() -> None:
    payload = {"machine": machine("make bench (bench/suite/sweep.py)"), "sweeps": {a: sweep(a) for a in POINTS}}
    for algorithm, result in payload["sweeps"].items():
        verdicts = sweep_verdicts(result["points"])
        print(f"{algorithm}: WASM against Python at each n: {verdicts}; {crossover(verdicts)}")
    print(f"wrote {write_results('sweep', payload)}")


if __name__ == "__main__":
    main()

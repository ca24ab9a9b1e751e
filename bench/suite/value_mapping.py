"""The cost of the one value mapping (`fastwasm_runtime::mapping`), in
process: `Component.call` on its general path (Python values in and out) and
`KernelSet.call` (JSON in and out), over the echo component's shapes.

Each row is the median of 9 repeats of the mean per call. It measures the
build in `.venv`; to compare two commits of the Rust side, build each in
turn and run the rounds interleaved, for example:

    for round in 1 2; do
      git checkout -q OLD -- crates && make build >/dev/null && .venv/bin/python -m bench.suite.value_mapping old$round
      git checkout -q HEAD -- crates && make build >/dev/null && .venv/bin/python -m bench.suite.value_mapping new$round
    done

Run: `make bench-mapping` (label "now"); `make bench-quick` runs it once in
BENCH_QUICK=1 mode (a smoke run: few calls, no figures to quote).
"""

from __future__ import annotations

import json
import statistics
import sys
import timeit
from pathlib import Path
from typing import Any

import fastwasm
from bench.common import QUICK

COMPONENTS = Path(fastwasm.__file__).with_name("components")
POINTS = [{"x": float(i), "y": 2.0} for i in range(100)]
TEN = {"a": 1, "b": -2, "c": 3, "d": -4, "e": 5, "f": -6, "g": 2**64 - 1, "h": -(2**63), "i": 0.5, "j": "ten"}

PYTHON: dict[str, tuple[str, tuple[Any, ...]]] = {
    "u32": ("echo-u32", (7,)),
    "4 scalars": ("describe", ("x", 2, 0.5, True)),
    "record of 2": ("echo-point", ({"x": 1.0, "y": 2.0},)),
    "record, dashed names": ("echo-person", ({"first_name": "Ada", "age_years": 36},)),
    "record of 10": ("echo-ten", (TEN,)),
    "variant": ("echo-shape", ({"rect": {"x": 1.0, "y": 1.0}},)),
    "flags": ("echo-perms", ({"read", "exec"},)),
    "100 records in, f64 out": ("sum-points", (POINTS,)),
    "100 records both ways": ("echo-points", (POINTS,)),
    "1,000 ints both ways": ("echo-list", (list(range(1000)),)),
}

JSON: dict[str, tuple[str, dict[str, Any]]] = {
    "JSON: record, dashed names": ("echo-person", {"v": {"first_name": "Ada", "age_years": 36}}),
    "JSON: 100 records both ways": ("echo-points", {"v": POINTS}),
    "JSON: 1,000 ints both ways": ("echo-list", {"v": list(range(1000))}),
}


def per_call_us(call: Any, calls: int) -> float:
    calls = max(1, calls // 100) if QUICK else calls
    repeats = [timeit.timeit(call, number=calls) / calls * 1e6 for _ in range(3 if QUICK else 9)]
    return statistics.median(repeats)


def main(label: str) -> None:
    runtime = fastwasm.Runtime(use_cache=False)
    echo = runtime.load(COMPONENTS / "echo.wasm")
    assert isinstance(echo, fastwasm.Component)
    modules = fastwasm.KernelSet(runtime, COMPONENTS, timeout_s=10.0, max_memory_mb=64, max_body_bytes=8 << 20)
    print("| build | shape | µs per call |\n|---|---|---:|")
    for shape, (function, args) in PYTHON.items():
        calls = 200 if "100" in shape else 2000
        us = per_call_us(lambda f=function, a=args: echo.call(f, *a), calls)
        print(f"| {label} | {shape} | {us:.2f} |")
    for shape, (function, arguments) in JSON.items():
        body = json.dumps(arguments).encode()
        answer = modules.call("echo", function, body)
        assert answer.status == 200, answer.body[:200]
        calls = 200 if "100" in shape else 2000
        us = per_call_us(lambda f=function, b=body: modules.call("echo", f, b), calls)
        print(f"| {label} | {shape} | {us:.2f} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "now")

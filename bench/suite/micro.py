"""Per-call cost of every way to compute Fibonacci from Python, side by side.

Run: make bench-micro   (or: .venv/bin/python -m bench.suite.micro)
BENCH_QUICK=1 shortens every block (a smoke run, not numbers to quote).

Every contender of a table runs in the same process, interleaved round by
round, so they share the machine's state. Each figure is the median over the
rounds of the mean time per call within a round; the spread is min-max over
the rounds. Ratios are of medians. Results: a Markdown report on stdout and
JSON in bench/results/micro.json.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import extism
import wasmtime

import fastwasm
from bench.apps.tutorial.app import calculate_fibonacci_wasm
from bench.common import (
    EXTISM_PLUGIN,
    QUICK,
    ROOT,
    Row,
    calls_for,
    machine,
    run_table,
    table,
    thread_rates,
    write_results,
)
from bench.suite.component_micro import blur_thread_scaling, component_overhead_lines, component_tables, scaling_lines
from fastwasm import pure

BIG_RECURSIVE_N = 22 if QUICK else 30
DIGITS_N = 10**5 if QUICK else 10**6
GUEST = Path(fastwasm.__file__).with_name("guest") / "fibonacci_wasm.wasm"

# Python's own int -> str refuses past 4300 digits; a user who wants the
# digits lifts the limit, so the Python row does too.
sys.set_int_max_str_digits(0)


def wasmtime_py_cached() -> tuple[wasmtime.Store, dict[str, wasmtime.Func]]:
    # The guest uses wasm's wide arithmetic, as fastwasm's runtime allows.
    config = wasmtime.Config()
    config.wasm_wide_arithmetic = True
    engine = wasmtime.Engine(config)
    store = wasmtime.Store(engine)
    module = wasmtime.Module.from_file(engine, str(GUEST))
    instance = wasmtime.Instance(store, module, [])
    exports = instance.exports(store)
    funcs = {}
    for name in ("calculate_fibonacci", "fib_iterative", "fib_recursive"):
        func = exports[name]
        assert isinstance(func, wasmtime.Func)
        funcs[name] = func
    return store, funcs


def extism_rustflags() -> str:
    """The RUSTFLAGS the Extism plug-in was built with (`make peers` records them)."""
    flags = EXTISM_PLUGIN.with_name(EXTISM_PLUGIN.name + ".rustflags")
    if not flags.is_file():
        raise SystemExit(f"{flags} is missing: `make peers` builds the plug-in and records its flags")
    return flags.read_text().strip()


def extism_plugin() -> extism.Plugin:
    """The same kernels built with extism-pdk (bench/peers/extism-fib, `make peers`)."""
    return extism.Plugin(EXTISM_PLUGIN.read_bytes(), wasi=False)


def tutorial_per_call(n: int) -> int:
    """The tutorial's wasm_service.py: everything built on every call, on a
    the tutorial's own module (bench/apps/tutorial/guest)."""
    return calculate_fibonacci_wasm(n)


def python_dispatch(guest: fastwasm.FibonacciModule, n: int, method: str = "wasm", algorithm: str = "iterative") -> int:
    """`fastwasm.fibonacci`'s WASM branch as Python code: the Python frame in
    front of the call that the extension's own dispatch avoids."""
    if method == "wasm":
        return guest.compute(n, algorithm)
    raise ValueError(method)


def fib39_rows() -> list[Row]:
    store, funcs = wasmtime_py_cached()
    fast = funcs["calculate_fibonacci"]
    guest = fastwasm.default_fibonacci_module()
    module = guest.module
    per_call = fastwasm.Runtime(isolation="per-call").fibonacci_module()
    plugin = extism_plugin()
    assert plugin.call("fib_iterative", b"39") == b"63245986"
    k = 0.05 if QUICK else 0.3
    rows = [
        Row("pure Python iterative", lambda: pure.iterative(39), calls_for(1.5e-6, k)),
        Row(
            "wasmtime-py, tutorial pattern (new Engine+Module+Instance per call)",
            lambda: tutorial_per_call(39),
            20 if QUICK else 200,
        ),
        Row("wasmtime-py, cached instance", lambda: fast(store, 39), calls_for(15e-6, k)),
        Row(
            'Extism Python SDK, plugin.call("fib_iterative", b"39")',
            lambda: plugin.call("fib_iterative", b"39"),
            calls_for(15e-6, k),
        ),
        Row('fastwasm.fibonacci(39, "wasm")', lambda: fastwasm.fibonacci(39, "wasm"), calls_for(0.2e-6, k)),
        Row(
            'fastwasm.fibonacci(39, "wasm", release_gil=True)',
            lambda: fastwasm.fibonacci(39, "wasm", release_gil=True),
            calls_for(0.4e-6, k),
        ),
        Row('fastwasm.fibonacci(39, "native")', lambda: fastwasm.fibonacci(39, "native"), calls_for(0.1e-6, k)),
        # The same guest without fastwasm.fibonacci's method dispatch (in the extension).
        Row("FibonacciModule.compute(39), the default guest", lambda: guest.compute(39), calls_for(0.15e-6, k)),
        # The dispatch as a Python function in front, as `fastwasm.methods` had it
        # before it moved into the extension: what that frame costs.
        Row(
            "Python-level dispatch in front of FibonacciModule.compute(39) (before: fastwasm.methods)",
            lambda: python_dispatch(guest, 39, "wasm"),
            calls_for(0.25e-6, k),
        ),
        Row(
            'Module.call("calculate_fibonacci", 39)',
            lambda: module.call("calculate_fibonacci", 39),
            calls_for(0.3e-6, k),
        ),
        Row(
            'isolation="per-call": FibonacciModule.compute(39)',
            lambda: per_call.compute(39),
            calls_for(6e-6, k),
        ),
    ]
    results = [tutorial_per_call(39), fast(store, 39), fastwasm.fibonacci(39, "wasm"), pure.iterative(39)]
    assert len(set(results)) == 1, results
    return run_table(rows)


def recursive_rows(n: int) -> list[Row]:
    store, funcs = wasmtime_py_cached()
    rec = funcs["fib_recursive"]
    plugin = extism_plugin()
    expected = pure.recursive(n)
    assert plugin.call("fib_recursive", str(n).encode()) == str(expected).encode()
    assert rec(store, n) == fastwasm.fibonacci(n, "wasm", "recursive") == expected
    scale = 1.6 ** (n - 25)
    k = 0.1 if QUICK else 0.5
    return run_table(
        [
            Row(f"pure Python recursive fib({n})", lambda: pure.recursive(n), calls_for(25e-3 * scale, k)),
            Row(f"wasmtime-py cached, fib_recursive({n})", lambda: rec(store, n), calls_for(0.5e-3 * scale, k)),
            Row(
                f'Extism plugin.call("fib_recursive", b"{n}")',
                lambda: plugin.call("fib_recursive", str(n).encode()),
                calls_for(0.5e-3 * scale, k),
            ),
            Row(
                f'fastwasm.fibonacci({n}, "wasm", "recursive")',
                lambda: fastwasm.fibonacci(n, "wasm", "recursive"),
                calls_for(0.5e-3 * scale, k),
            ),
            Row(
                f'fastwasm.fibonacci({n}, "native", "recursive")',
                lambda: fastwasm.fibonacci(n, "native", "recursive"),
                calls_for(0.4e-3 * scale, k),
            ),
        ]
    )


def digits_rows(n: int) -> list[Row]:
    expected = fastwasm.fibonacci_digits(n, "native", "fast_doubling")
    assert fastwasm.fibonacci_digits(n, "wasm", "fast_doubling") == expected
    value = pure.fast_doubling(n)
    assert str(value) == expected == fastwasm.int_to_decimal(value)
    plugin = extism_plugin()
    assert plugin.call("fib_fast_doubling", str(n).encode()) == expected.encode()
    return run_table(
        [
            Row(f"pure Python fast doubling fib({n}) + str()", lambda: str(pure.fast_doubling(n)), 1),
            # The two halves of that row: CPython's int -> str is quadratic.
            Row(f"pure Python fast doubling fib({n}), compute only", lambda: pure.fast_doubling(n), 1),
            Row(f"str() of F({n}) alone (CPython's int -> str)", lambda: str(value), 1),
            Row(f"fastwasm.int_to_decimal(F({n})) alone (Rust)", lambda: fastwasm.int_to_decimal(value), 1),
            Row(
                f'Extism plugin.call("fib_fast_doubling", b"{n}")',
                lambda: plugin.call("fib_fast_doubling", str(n).encode()),
                1,
            ),
            Row(
                f'fastwasm.fibonacci_digits({n}, "wasm", "fast_doubling")',
                lambda: fastwasm.fibonacci_digits(n, "wasm", "fast_doubling"),
                1,
            ),
            Row(
                f'fastwasm.fibonacci_digits({n}, "native", "fast_doubling")',
                lambda: fastwasm.fibonacci_digits(n, "native", "fast_doubling"),
                1,
            ),
        ]
    )


def cargo_example(package: str, example: str, *args: str) -> dict[str, Any]:
    """The JSON last line of a Rust example, built in release mode."""
    out = subprocess.run(
        ["cargo", "run", "--release", "--locked", "-q", "-p", package, "--example", example, "--", *args],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def python_calls(n: int) -> int:
    """Calls of pure.recursive in one run of recursive fib(n), counted by a profile hook."""
    code, calls = pure.recursive.__code__, 0

    def hook(frame: Any, event: str, _arg: Any) -> None:
        nonlocal calls
        if event == "call" and frame.f_code is code:
            calls += 1

    sys.setprofile(hook)
    try:
        pure.recursive(n)
    finally:
        sys.setprofile(None)
    return calls


def shaped_calls(n: int) -> int:
    """Calls of one self-call in a loop, the shape recursion_shape finds:
    `acc = 0; while n >= 2: acc += f(n - 1); n -= 2` then `acc + n`."""
    memo: dict[int, int] = {}
    for m in range(n + 1):
        memo[m] = 1 + sum(memo[k - 1] for k in range(m, 1, -2))
    return memo[n]


def recursion_facts(n: int) -> dict[str, Any]:
    """What recursive fib(n) does: calls per run (Python measured, the
    compiled guest derived from its code), and the deadline's cost."""
    shape = cargo_example("fib-guest", "recursion_shape")
    facts: dict[str, Any] = {
        "n": n,
        "python_calls_measured": python_calls(n),
        "python_calls_formula": 2 * pure.iterative(n + 1) - 1,
        "guest_shape": shape,
        "deadline": cargo_example("fib-host", "deadline_cost", str(n)),
    }
    if shape["self_calls"] == 1 and shape["loops"] >= 1:
        facts["guest_calls_derived"] = shaped_calls(n)
    return facts


def thread_scaling(n: int, seconds: float) -> dict[int, list[float]]:
    """Calls per second of recursive fib(n) through WASM with 1 and 2 threads."""
    return thread_rates(lambda: fastwasm.fibonacci(n, "wasm", "recursive"), seconds, 3 if QUICK else 5)


LOAD_SNIPPET = """
import sys, fastwasm
module = fastwasm.Runtime(cache_dir=sys.argv[1]).load(sys.argv[2])
info = module.load_info
print(info.cache, info.load_time_s)
"""


def module_load(rounds: int) -> dict[str, list[float]]:
    """Compiled-module load time in a fresh process: cache cold, then warm."""
    out: dict[str, list[float]] = {"miss": [], "hit": []}
    with tempfile.TemporaryDirectory() as scratch:
        cache = Path(scratch) / "cache"
        for _ in range(rounds):
            shutil.rmtree(cache, ignore_errors=True)
            for _expected in ("miss", "hit"):
                line = subprocess.run(
                    [sys.executable, "-c", LOAD_SNIPPET, str(cache), str(GUEST)],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout.split()
                out[line[0]].append(float(line[1]) * 1e3)
    return out


def main() -> None:
    info = machine("make bench-micro")
    tables = {
        "fib(39), iterative: per-call cost": fib39_rows(),
        "recursive fib(25)": recursive_rows(25),
        f"recursive fib({BIG_RECURSIVE_N})": recursive_rows(BIG_RECURSIVE_N),
        f"fast doubling fib({DIGITS_N:,}) with its decimal digits": digits_rows(DIGITS_N),
    }
    scaling_n = 25 if QUICK else 30
    scaling = thread_scaling(scaling_n, 0.3 if QUICK else 2.0)
    one, two = statistics.median(scaling[1]), statistics.median(scaling[2])
    loads = module_load(2 if QUICK else 5)
    recursion = recursion_facts(BIG_RECURSIVE_N)
    components = component_tables()
    blur_scaling = blur_thread_scaling(0.3 if QUICK else 2.0)

    report = [
        "## Micro benchmark: per-call cost from Python",
        "",
        "Command: `make bench-micro` (`bench/suite/micro.py`). "
        + ", ".join(f"{k}: {v}" for k, v in info.items())
        + ".",
        "Medians over rounds; contenders of a table interleaved in one process.",
        "",
    ]
    for title, rows in tables.items():
        report += [table(title, rows), ""]
    report += [
        f"### Threads: recursive fib({scaling_n}) through WASM",
        "",
        "| threads | calls/s (median) | spread (min–max) |",
        "|---:|---:|---:|",
        f"| 1 | {one:,.0f} | {min(scaling[1]):,.0f} – {max(scaling[1]):,.0f} |",
        f"| 2 | {two:,.0f} | {min(scaling[2]):,.0f} – {max(scaling[2]):,.0f} |",
        "",
        f"2 threads / 1 thread: {two / one:.2f}×",
        "",
        f"### Loading the guest ({GUEST.stat().st_size} bytes) in a fresh process",
        "",
        "| compiled-module cache | median ms | spread (min–max) |",
        "|---|---:|---:|",
    ]
    for outcome, label in (("miss", "cold (compile + write)"), ("hit", "warm (deserialize)")):
        ms = loads[outcome]
        report.append(f"| {label} | {statistics.median(ms):.2f} | {min(ms):.2f} – {max(ms):.2f} |")
    report += ["", "## Components: typed calls from Python (`bench/suite/component_micro.py`)", ""]
    for title, rows in components.items():
        report += [table(title, rows), ""]
    report += [*component_overhead_lines(components), "", *scaling_lines(blur_scaling)]
    report += ["", f"Recursion facts: {json.dumps(recursion)}"]
    print("\n".join(report))

    payload = {
        "machine": info,
        "params": {
            "big_recursive_n": BIG_RECURSIVE_N,
            "digits_n": DIGITS_N,
            "extism_rustflags": extism_rustflags(),
        },
        "tables": {
            title: [{"name": r.name, "median_us": r.median, "samples_us": r.samples_us} for r in rows]
            for title, rows in tables.items()
        },
        "thread_scaling": {"n": scaling_n, "calls_per_s": {str(k): v for k, v in scaling.items()}},
        "module_load_ms": loads,
        "recursion": recursion,
        "component_tables": {
            title: [{"name": r.name, "median_us": r.median, "samples_us": r.samples_us} for r in rows]
            for title, rows in components.items()
        },
        "component_thread_scaling": {str(k): v for k, v in blur_scaling.items()},
    }
    write_results("micro", payload)


if __name__ == "__main__":
    main()

"""Calling a component from Python, side by side: fastwasm, wasmtime-py's
component API and Extism's bytes call, with pure Python, numpy and Pillow
where they do the same job, and the same calls made from Rust.

Part of `make bench-micro` (bench/suite/micro.py prints these tables after its
own). Every Python contender runs in one process, interleaved round by round;
once per round the Rust example `component_call_cost` runs in its own
process (wasmtime's typed call on its own, and fastwasm's Rust API), so the
Rust rows share the machine's state of that round. Figures are medians over
rounds of the mean per call; ratios are of medians.
"""

from __future__ import annotations

import os
import statistics
import subprocess
from pathlib import Path

import extism
import numpy as np
import wasmtime
from wasmtime import component as wc

import fastwasm
from bench.common import EXTISM_PLUGIN, QUICK, ROOT, ROUNDS, Row, calls_for, run_table, thread_rates
from bench.suite.image_filters import blur_pillow, blur_python

COMPONENTS = Path(fastwasm.__file__).with_name("components")
ECHO = COMPONENTS / "echo.wasm"
IMAGE = COMPONENTS / "image.wasm"
FAULT = ROOT / "tests" / "components" / "fault.wasm"
COUNTERS = "fastwasm:echo/counters@0.1.0"
RUST_EXAMPLE = ROOT / "target" / "release" / "examples" / "component_call_cost"

ASCII = "a" * 1024  # 1 KiB of ASCII
TEXT = "é" * 512  # 1 KiB of 2-byte characters: Python decodes the result into 2 bytes a character
BYTES_LEN = (64 << 10) if QUICK else (1 << 20)
BYTES_LABEL = "64 KiB" if QUICK else "1 MiB"
KEY = 0x5A
SIDE = 64 if QUICK else 256  # the blurred image is SIDE × SIDE RGBA
RADIUS = 4
BUDGET_S = 0.02 if QUICK else 0.25

TITLES = {
    "nothing": "component: a call with no arguments, `nothing() -> u32`",
    "reverse": "component: reversing a 1 KiB string of ASCII, `reverse(text: string) -> string`",
    "reverse-e": "component: reversing a 1 KiB string of 2-byte characters (`é` × 512)",
    "xor": f"component: {BYTES_LABEL} of bytes in and out, `xor-bytes(data: list<u8>, key: u8) -> list<u8>`",
    "ten": "component: a record with 10 fields, `echo-ten(v: ten) -> ten`",
    "points": "component: a list of 1,000 records, `echo-points(v: list<point>) -> list<point>`",
    "blur": f"component: box blur of a {SIDE}×{SIDE} RGBA image, radius {RADIUS}",
    "method": "resource: a method on a live object, `counter.value() -> u32`, against a function of the same "
    "shape, `nothing() -> u32`",
    "construct": "resource: constructing a `counter` and dropping it (its destructor runs)",
    "grant": 'instantiation: a fresh instance per call (`isolation="per-call"`) of a component granted '
    "one read-only directory, against the same component granted none",
}

# The Rust example's rows (its output names them), by table.
RUST_ROWS = {
    "nothing": ("wasmtime typed: nothing()", "fastwasm Component::call_fast: nothing()"),
    "reverse": ("wasmtime typed: reverse(1 KiB ASCII)", "fastwasm Component::call_fast: reverse(1 KiB ASCII)"),
    "reverse-e": ("wasmtime typed: reverse(1 KiB of é)", "fastwasm Component::call_fast: reverse(1 KiB of é)"),
    "xor": ("wasmtime typed: xor-bytes(data)", "fastwasm Component::call_fast: xor-bytes(data)"),
    "ten": ("wasmtime Val: echo-ten(record of 10)", "fastwasm Component::call: echo-ten(record of 10)"),
    "points": (
        "wasmtime Val: echo-points(1,000 records)",
        "fastwasm Component::call: echo-points(1,000 records)",
    ),
    "method": ("wasmtime Val: [method]counter.value()", "fastwasm Pinned::call: [method]counter.value()"),
    "construct": ("wasmtime Val: construct and drop a counter", "fastwasm Pinned: construct and drop a counter"),
}


def wasmtime_py_echo() -> tuple[wasmtime.Store, wc.Instance]:
    """wasmtime-py's component API on the echo component: one cached
    instance, WASI p2 linked with an empty configuration."""
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    store.set_wasi(wasmtime.WasiConfig())
    linker = wc.Linker(engine)
    linker.add_wasip2()
    return store, linker.instantiate(store, wc.Component.from_file(engine, str(ECHO)))


def py_record(**fields: object) -> wc.Record:
    record = wc.Record()
    for name, value in fields.items():
        setattr(record, name, value)
    return record


def rust_row(name: str) -> Row:
    return Row(f"Rust: {name}", None)


def run_rust_example(rows: dict[str, Row]) -> None:
    """One round of the Rust example: one sample per Rust row."""
    out = subprocess.run(
        [str(RUST_EXAMPLE), str(ECHO), str(BUDGET_S / 2), str(BYTES_LEN)],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout
    for line in out.splitlines():
        name, micros = line.split("\t")
        if name in rows:
            rows[name].samples_us.append(float(micros))


def component_tables() -> dict[str, list[Row]]:
    """Every table, timed in one interleaved run."""
    store, instance = wasmtime_py_echo()

    def wpy(name: str) -> wc.Func:
        func = instance.get_func(store, name)
        assert func is not None, name
        return func

    wpy_nothing, wpy_reverse, wpy_xor = wpy("nothing"), wpy("reverse"), wpy("xor-bytes")
    wpy_ten, wpy_points = wpy("echo-ten"), wpy("echo-points")
    plugin = extism.Plugin(EXTISM_PLUGIN.read_bytes(), wasi=False)
    runtime = fastwasm.Runtime()
    echo = runtime.load(ECHO)
    image = runtime.load(IMAGE)
    assert isinstance(echo, fastwasm.Component)
    assert isinstance(image, fastwasm.Component)

    data = bytes(range(256)) * (BYTES_LEN // 256)
    extism_xor_input = data + bytes([KEY])
    data_np = np.frombuffer(data, dtype=np.uint8)
    ten = {"a": 1, "b": -2, "c": 3, "d": -4, "e": 5, "f": -6, "g": 7, "h": -8, "i": 1.5, "j": "ten"}
    ten_wpy = py_record(**ten)
    points = [{"x": float(i), "y": -float(i)} for i in range(1000)]
    points_wpy = [py_record(**p) for p in points]
    rgba = bytes((i * 7919) % 251 for i in range(SIDE * SIDE * 4))
    counter = echo.resource("counter")
    live = counter(0)
    per_call = fastwasm.Runtime(isolation="per-call")
    bare_fault = per_call.load(FAULT)
    granted_fault = per_call.load(FAULT, dirs={ROOT / "docs": "/docs"})
    assert isinstance(bare_fault, fastwasm.Component)
    assert isinstance(granted_fault, fastwasm.Component)

    # Every contender answers the same before it is timed.
    xored = bytes(b ^ KEY for b in data)
    assert echo.call("nothing") == wpy_nothing(store) == 42
    assert plugin.call("nothing", b"") == (42).to_bytes(4, "little")
    for text in (ASCII, TEXT):
        assert echo.call("reverse", text) == wpy_reverse(store, text) == text[::-1]
        assert plugin.call("reverse", text.encode()) == text[::-1].encode()
    assert echo.call("xor-bytes", data, KEY) == plugin.call("xor_bytes", extism_xor_input) == xored
    assert np.bitwise_xor(data_np, KEY).tobytes() == xored
    if QUICK:  # one 1 MiB call through wasmtime-py takes seconds: checked in quick mode only
        assert wpy_xor(store, data, KEY) == xored
    assert echo.call("echo-ten", ten) == ten == vars(wpy_ten(store, ten_wpy))
    assert echo.call("echo-points", points) == points == [vars(p) for p in wpy_points(store, points_wpy)]
    assert live.value() == 0
    assert granted_fault.call("read-file", "/docs/errors.md").startswith("# Errors")
    try:
        bare_fault.call("read-file", "/docs/errors.md")
        raise AssertionError("a component granted nothing read a file")
    except fastwasm.GuestError:
        pass
    blurred = blur_pillow(rgba, SIDE, SIDE, RADIUS)
    assert image.call("blur", rgba, SIDE, SIDE, RADIUS) == blurred == blur_python(rgba, SIDE, SIDE, RADIUS)

    k = BUDGET_S
    rust = {name: rust_row(name) for pair in RUST_ROWS.values() for name in pair}
    tables: dict[str, list[Row]] = {
        "nothing": [
            Row("wasmtime-py component API, cached instance", lambda: wpy_nothing(store), calls_for(15e-6, k)),
            Row(
                'Extism Python SDK, plugin.call("nothing", b"")',
                lambda: plugin.call("nothing", b""),
                calls_for(15e-6, k),
            ),
            Row('fastwasm Component.call("nothing")', lambda: echo.call("nothing"), calls_for(0.6e-6, k)),
        ],
        **{
            key: [
                Row(
                    "wasmtime-py component API, cached instance",
                    lambda t=text: wpy_reverse(store, t),
                    calls_for(25e-6, k),
                ),
                Row(
                    'Extism Python SDK, plugin.call("reverse", text.encode())',
                    lambda t=text: plugin.call("reverse", t.encode()),
                    calls_for(25e-6, k),
                ),
                Row(
                    'fastwasm Component.call("reverse", text)',
                    lambda t=text: echo.call("reverse", t),
                    calls_for(5e-6, k),
                ),
                Row("pure Python text[::-1] (no call at all)", lambda t=text: t[::-1], calls_for(1e-6, k)),
            ]
            for key, text in (("reverse", ASCII), ("reverse-e", TEXT))
        },
        "xor": [
            Row("wasmtime-py component API, cached instance", lambda: wpy_xor(store, data, KEY), 1),
            Row(
                'Extism Python SDK, plugin.call("xor_bytes", data + key)',
                lambda: plugin.call("xor_bytes", extism_xor_input),
                calls_for(2e-3, k),
            ),
            Row(
                'fastwasm Component.call("xor-bytes", data, key)',
                lambda: echo.call("xor-bytes", data, KEY),
                calls_for(0.5e-3, k),
            ),
            Row("pure Python bytes(b ^ key for b in data)", lambda: bytes(b ^ KEY for b in data), 1),
            Row(
                "numpy bitwise_xor(...).tobytes() (C)",
                lambda: np.bitwise_xor(data_np, KEY).tobytes(),
                calls_for(0.2e-3, k),
            ),
        ],
        "ten": [
            Row("wasmtime-py component API, cached instance", lambda: wpy_ten(store, ten_wpy), calls_for(50e-6, k)),
            Row('fastwasm Component.call("echo-ten", {...})', lambda: echo.call("echo-ten", ten), calls_for(5e-6, k)),
        ],
        "points": [
            Row("wasmtime-py component API, cached instance", lambda: wpy_points(store, points_wpy), 1),
            Row(
                'fastwasm Component.call("echo-points", [...])',
                lambda: echo.call("echo-points", points),
                calls_for(1e-3, k),
            ),
        ],
        "blur": [
            Row("pure Python (the same algorithm)", lambda: blur_python(rgba, SIDE, SIDE, RADIUS), 1),
            Row(
                "Pillow Image.filter(BoxBlur) (C), with frombytes/tobytes",
                lambda: blur_pillow(rgba, SIDE, SIDE, RADIUS),
                calls_for(1e-3, k),
            ),
            Row(
                'fastwasm Component.call("blur", rgba, w, h, r)',
                lambda: image.call("blur", rgba, SIDE, SIDE, RADIUS),
                calls_for(2e-3, k),
            ),
        ],
        "method": [
            Row("fastwasm counter.value(), a method on a live object", live.value, calls_for(1e-6, k)),
            Row('fastwasm Component.call("nothing"), a function', lambda: echo.call("nothing"), calls_for(0.6e-6, k)),
        ],
        "construct": [
            Row(
                "fastwasm counter.beside(obj, 0).close(): in a live object's instance",
                lambda: counter.beside(live, 0).close(),
                calls_for(5e-6, k),
            ),
            Row(
                "fastwasm counter(0).close(): pins an instance, and gives it back",
                lambda: counter(0).close(),
                calls_for(10e-6, k),
            ),
        ],
        "grant": [
            Row('fastwasm Component.call("random"), no grant', lambda: bare_fault.call("random"), calls_for(50e-6, k)),
            Row(
                'fastwasm Component.call("random"), one read-only directory',
                lambda: granted_fault.call("random"),
                calls_for(50e-6, k),
            ),
        ],
    }
    if QUICK:
        # A smoke run: the wasmtime-py rows that take seconds a call stay out.
        tables["xor"].pop(0)
        tables["points"].pop(0)
    for key, names in RUST_ROWS.items():
        tables[key] += [rust[name] for name in names]
    python_rows = [row for rows in tables.values() for row in rows if row.call is not None]
    run_table(python_rows, between_rounds=lambda: run_rust_example(rust))
    return {TITLES[key]: rows for key, rows in tables.items()}


def blur_thread_scaling(seconds: float) -> dict[int, list[float]]:
    """Calls per second of a CPU-heavy export (a 512×512 blur, radius 8)
    from 1 and 2 Python threads: the GIL is released around the call."""
    side = 128 if QUICK else 512
    rgba = bytes(side * side * 4)
    image = fastwasm.Runtime().load(IMAGE)
    assert isinstance(image, fastwasm.Component)
    return thread_rates(lambda: image.call("blur", rgba, side, side, 8), seconds, ROUNDS)


def scaling_lines(scaling: dict[int, list[float]]) -> list[str]:
    one, two = statistics.median(scaling[1]), statistics.median(scaling[2])
    side = 128 if QUICK else 512
    return [
        f"### Threads: a CPU-heavy export (`blur`, {side}×{side}, radius 8) from Python threads",
        "",
        "| threads | calls/s (median) | spread (min–max) |",
        "|---:|---:|---:|",
        f"| 1 | {one:,.1f} | {min(scaling[1]):,.1f} – {max(scaling[1]):,.1f} |",
        f"| 2 | {two:,.1f} | {min(scaling[2]):,.1f} – {max(scaling[2]):,.1f} |",
        "",
        f"2 threads / 1 thread: {two / one:.2f}× on {os.cpu_count()} cores",
    ]


def component_overhead_lines(tables: dict[str, list[Row]]) -> list[str]:
    """fastwasm's cost over the bare typed call in Rust, per shape."""
    lines = [
        "### fastwasm's overhead over the same call made from Rust with wasmtime alone",
        "",
        "| call | wasmtime from Rust (typed, or `Val` for records) | fastwasm from Python | overhead |",
        "|---|---:|---:|---:|",
    ]
    # The Python row each Rust row is the ceiling of: the call, or the
    # resource operation in one live object's instance.
    ours_prefix = {"method": "fastwasm counter.value()", "construct": "fastwasm counter.beside"}
    for key, (bare_name, _) in RUST_ROWS.items():
        rows = {row.name: row for row in tables[TITLES[key]]}
        bare = rows[f"Rust: {bare_name}"].median
        prefix = ours_prefix.get(key, "fastwasm Component.call")
        ours = next(row for name, row in rows.items() if name.startswith(prefix)).median
        lines.append(f"| {key} | {bare:,.3f} µs | {ours:,.3f} µs | {ours - bare:+,.3f} µs |")
    return lines

"""The report's section on lists of numbers, SIMD and the deadline switch
(`bench/suite/arrays.py`, `make bench-arrays`): its tables, and its targets
judged round by round under the report's one rule for "faster"."""

from __future__ import annotations

from typing import Any

from bench.suite.report_format import (
    compare,
    conditions,
    fmt_time,
    met_every_round,
    micro_table,
    rows_of,
    versus,
)


def _table(data: dict[str, Any], start: str) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in rows_of(data, start)}


def _row(table: dict[str, dict[str, Any]], start: str) -> dict[str, Any]:
    for name, row in table.items():
        if name.startswith(start):
            return row
    raise SystemExit(f"arrays results have no row starting {start!r}")


def _ratio(row: dict[str, Any], other: dict[str, Any]) -> float:
    return float(row["median_us"]) / float(other["median_us"])


def _met(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _versus(row: dict[str, Any], other: dict[str, Any]) -> str:
    return versus(row["samples_us"], other["samples_us"])


def arrays_section(data: dict[str, Any] | None) -> list[str]:
    if data is None:
        return []
    lines = [
        "## Lists of numbers, SIMD, and the deadline switched off",
        "",
        f"`bench/suite/arrays.py` (`make bench-arrays`): {data['conditions']}."
        f" Conditions: {conditions(data['machine'])}.",
        "",
    ]
    for title, rows in data["tables"].items():
        lines += [*micro_table(title, rows), ""]
    scale, images = _table(data, "scale over"), _table(data, "image kernels")
    markdown = _table(data, "pulldown-cmark")
    numpy_in = scale["fastwasm: numpy in, numpy out"]
    trusted_in = scale["fastwasm: numpy in, numpy out, deadline off"]
    bytes_call, wasmtime_py = _row(scale, "fastwasm: xor-bytes"), _row(scale, "wasmtime-py")
    rust_epochs = _row(scale, "Rust: wasmtime typed, epoch")
    rust_bare = scale["Rust: wasmtime typed: scale(list<f64>)"]
    md_on, md_off = markdown["fastwasm, deadline on"], markdown["fastwasm, deadline off"]
    md_py = markdown["wasmtime-py, no deadline"]
    s = "samples_us"
    targets = [
        (
            "numpy in → numpy out at most 2× the bytes call of the same size",
            f"{_ratio(numpy_in, bytes_call):.2f}×",
            met_every_round(numpy_in[s], bytes_call[s], 2.0),
        ),
        (
            "at least 150× faster than wasmtime-py",
            f"{1 / _ratio(numpy_in, wasmtime_py):,.0f}×",
            met_every_round(numpy_in[s], wasmtime_py[s], 1 / 150),
        ),
        (
            "at most 1.5× the same typed call from Rust (both with epoch interruption)",
            f"{_ratio(numpy_in, rust_epochs):.2f}×",
            met_every_round(numpy_in[s], rust_epochs[s], 1.5),
        ),
        (
            "deadline off: at most 1.5× the same typed call from Rust (both without)",
            f"{_ratio(trusted_in, rust_bare):.2f}×",
            met_every_round(trusted_in[s], rust_bare[s], 1.5),
        ),
        (
            "pulldown-cmark, deadline off: at least as fast as wasmtime-py without a deadline",
            _versus(md_off, md_py),
            compare(md_off[s], md_py[s]) != "slower",
        ),
        (
            "pulldown-cmark, deadline on: within 1.15× of wasmtime-py without a deadline",
            f"{_ratio(md_on, md_py):.2f}×",
            met_every_round(md_on[s], md_py[s], 1.15),
        ),
    ]
    for kernel, prefix in (("blur", "blur radius 8"), ("grayscale", "grayscale")):
        simd, scalar = _row(images, f"{prefix}: simd128"), _row(images, f"{prefix}: scalar")
        targets.append(
            (f"{kernel}: simd128 faster than scalar", _versus(simd, scalar), compare(simd[s], scalar[s]) == "faster")
        )
    lines += [
        "Targets, each judged in every round (a ratio) or by the one rule (faster, tie):",
        "",
        "| target | measured (median) | |",
        "|---|---|---|",
        *(f"| {name} | {measured} | {_met(ok)} |" for name, measured, ok in targets),
        "",
        "Where numpy and Pillow still win, and by how much (median time of ours / theirs):",
        "",
    ]
    sums = _table(data, "sum and histogram")
    wins = [
        ("scale: numpy's own `v * k` against numpy in → out", numpy_in, _row(scale, "numpy: v * k")),
        ("sum: numpy's `v.sum()`", _row(sums, "fastwasm: sum-f32"), _row(sums, "numpy: v.sum()")),
        ("histogram: numpy's `bincount`", _row(sums, "fastwasm: histogram"), _row(sums, "numpy: bincount")),
        ("blur: Pillow's `BoxBlur`", _row(images, "blur radius 8: simd128"), _row(images, "blur radius 8: Pillow")),
        ("grayscale: numpy's luma", _row(images, "grayscale: simd128"), _row(images, "grayscale: numpy")),
    ]
    for what, ours, theirs in wins:
        lines.append(
            f"- {what}: ours {fmt_time(ours['median_us'] / 1e6)}, theirs {fmt_time(theirs['median_us'] / 1e6)};"
            f" {_versus(ours, theirs)}."
        )
    lines += [
        "",
        "A 1,000,000-element call copies 8 MB in and 8 MB out; the bytes call of the same size is the floor of"
        " that copy. numpy's own `v * k` copies nothing across a boundary, so it is the ceiling, not a peer.",
        "",
    ]
    return lines

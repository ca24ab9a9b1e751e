"""The report's section on lists of numbers, SIMD and the deadline switch
(`bench/suite/arrays.py`, `make bench-arrays`): its tables, and its targets
judged round by round under the report's one rule for "faster"."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.suite.report_format import (
    compare,
    conditions,
    fmt_time,
    judge,
    median_range,
    micro_table,
    noise_reason,
    ratios,
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


def _versus(row: dict[str, Any], other: dict[str, Any]) -> str:
    return versus(row["samples_us"], other["samples_us"])


@dataclass(frozen=True)
class Target:
    """One target of this section: a ratio judged round by round (`values`,
    `op`, `threshold`), or a verdict of the one rule (`values` empty)."""

    what: str
    measured: str
    met: bool
    values: list[float] = field(default_factory=list)
    op: str = "<="
    threshold: float = 0.0
    why: str = ""


def _ratio_target(
    what: str, row: dict[str, Any], other: dict[str, Any], op: str, threshold: float, why: str = ""
) -> Target:
    values = ratios(row["samples_us"], other["samples_us"])
    fmt = "{:,.0f}" if threshold >= 10 else "{:.2f}"
    return Target(what, f"{median_range(values, fmt)}×", judge(values, op, threshold), values, op, threshold, why)


def arrays_targets(data: dict[str, Any]) -> list[Target]:
    """The section's targets, each with what this run says about its gap."""
    scale, images = _table(data, "scale over"), _table(data, "image kernels")
    markdown = _table(data, "pulldown-cmark")
    numpy_in = scale["fastwasm: numpy in, numpy out"]
    trusted_in = scale["fastwasm: numpy in, numpy out, deadline off"]
    bytes_call = _row(scale, "fastwasm: xor-bytes")
    wasmtime_py = _row(scale, "wasmtime-py")
    rust_epochs = _row(scale, "Rust: wasmtime typed, epoch")
    rust_bare = scale["Rust: wasmtime typed: scale(list<f64>)"]
    rust_fastwasm_off = _row(scale, "Rust: fastwasm Component::call_fast, deadline off")
    md_on, md_off = markdown["fastwasm, deadline on"], markdown["fastwasm, deadline off"]
    md_py = markdown["wasmtime-py, no deadline"]
    median = "median_us"
    python_side = trusted_in[median] - rust_fastwasm_off[median]
    targets = [
        _ratio_target(
            "scale, numpy in → numpy out: at most 2× the bytes call of the same size", numpy_in, bytes_call, "<=", 2
        ),
        _ratio_target(
            "scale, numpy in → numpy out: at least 150× faster than wasmtime-py", wasmtime_py, numpy_in, ">=", 150
        ),
        _ratio_target(
            "scale, numpy in → numpy out: at most 1.5× the same typed call from Rust (both with epoch interruption)",
            numpy_in,
            rust_epochs,
            "<=",
            1.5,
        ),
        _ratio_target(
            "scale, numpy in → numpy out, deadline off: at most 1.5× the same typed call from Rust (both without)",
            trusted_in,
            rust_bare,
            "<=",
            1.5,
            why=f"From Rust alone, fastwasm's own call with the deadline off (`Component::call_fast`) takes"
            f" {rust_fastwasm_off[median] / rust_bare[median]:.2f}× the bare typed call, and the Python side"
            f" (numpy's buffer in, a new array out) adds {fmt_time(python_side / 1e6)}"
            " at the median. With the deadline on, the bare call pays the epoch checks too, and the ratio is the"
            " target above.",
        ),
        Target(
            "pulldown-cmark, deadline off: at least as fast as wasmtime-py without a deadline",
            _versus(md_off, md_py),
            compare(md_off["samples_us"], md_py["samples_us"]) != "slower",
        ),
        _ratio_target(
            "pulldown-cmark, deadline on: within 1.15× of wasmtime-py without a deadline",
            md_on,
            md_py,
            "<=",
            1.15,
            why="The deadline's epoch checks sit in pulldown-cmark's parsing loops; with the deadline off the"
            f" same call is {_versus(md_off, md_py)} against wasmtime-py (the target above).",
        ),
    ]
    for kernel, prefix in (("blur", "blur radius 8"), ("grayscale", "grayscale")):
        simd, scalar = _row(images, f"{prefix}: simd128"), _row(images, f"{prefix}: scalar")
        verdict = compare(simd["samples_us"], scalar["samples_us"])
        targets.append(Target(f"{kernel}: simd128 faster than scalar", _versus(simd, scalar), verdict == "faster"))
    return targets


def arrays_missed(data: dict[str, Any] | None) -> list[str]:
    """What the missed targets of this section are, for the headline."""
    return [] if data is None else [t.what for t in arrays_targets(data) if not t.met]


def _why(target: Target) -> str:
    """A reason for a missed target: the noise when its median meets it,
    else what this run says about the gap."""
    if target.values:
        noise = noise_reason(target.what, target.values, target.op, target.threshold, target.measured)
        if noise is not None:
            return noise
    cause = target.why or "No cause is known to this report; the tables above have the rows."
    return f"- **{target.what}.** {cause}"


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
    targets = arrays_targets(data)
    missed = [t for t in targets if not t.met]
    lines += [
        "Targets: a ratio is met only when every round meets it (measured: the median over the rounds,"
        " min–max); a comparison by the one rule (faster, tie):",
        "",
        "| target | measured | met? |",
        "|---|---|---|",
        *(f"| {t.what} | {t.measured} | {'yes' if t.met else '**no**'} |" for t in targets),
        "",
        *(
            [f"Why {len(missed)} of them {'is' if len(missed) == 1 else 'are'} missed:", "", *map(_why, missed), ""]
            if missed
            else []
        ),
        "Where numpy and Pillow still win, and by how much (median time of ours / theirs):",
        "",
    ]
    scale, images = _table(data, "scale over"), _table(data, "image kernels")
    numpy_in = scale["fastwasm: numpy in, numpy out"]
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

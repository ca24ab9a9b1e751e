"""How the report writes a figure: times, spreads, conditions, and the one
rule for "faster" (`compare`: a contender is faster only when its whole
spread beats the other's and its median by MARGIN; otherwise the two tie),
and targets judged by the same rule round by round (`judge`)."""

from __future__ import annotations

import statistics
from typing import Any


def conditions(machine: dict[str, str]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in machine.items())


def fmt_time(seconds: float) -> str:
    us = seconds * 1e6
    if us >= 1e6:
        return f"{us / 1e6:.2f} s"
    if us >= 1000:
        return f"{us / 1000:.2f} ms"
    return f"{us:.3f} µs" if us < 10 else f"{us:.1f} µs"


def spread(row: dict[str, Any]) -> str:
    samples = row["samples_us"]
    return f"{fmt_time(min(samples) / 1e6)} – {fmt_time(max(samples) / 1e6)}"


def micro_table(title: str, table: list[dict[str, Any]]) -> list[str]:
    """One table of micro.json, with each row against the first under the one rule."""
    first = table[0]["samples_us"]
    lines = [f"### {title}", "", "| contender | median | spread | vs the first row |", "|---|---:|---:|---:|"]
    for row in table:
        against = "–" if row is table[0] else versus(row["samples_us"], first)
        lines.append(f"| {row['name']} | {fmt_time(row['median_us'] / 1e6)} | {spread(row)} | {against} |")
    return lines


def rows_of(results: dict[str, Any], title_start: str) -> list[dict[str, Any]]:
    """The rows of the results' first table whose title starts with `title_start`."""
    for title, rows in results["tables"].items():
        if title.startswith(title_start):
            return list(rows)
    raise SystemExit(f"the results have no table starting {title_start!r}")


def find(rows: list[dict[str, Any]], *needles: str) -> float:
    """The median of the first row whose name holds every needle."""
    return float(find_row(rows, *needles)["median_us"])


def find_row(rows: list[dict[str, Any]], *needles: str) -> dict[str, Any]:
    """The first row whose name holds every needle: a missing row stops the report."""
    for row in rows:
        if all(needle in row["name"] for needle in needles):
            return row
    raise SystemExit(f"the results have no row with {needles}")


#: The margin of the one rule: a contender is faster only when its whole
#: spread beats the other's *and* its median is this much better, so that
#: two spreads that happen not to touch on a 0.1% difference are a tie.
MARGIN = 0.05


def compare(samples: list[float], other: list[float], *, higher_is_better: bool = False) -> str:
    """The one rule for "faster": "faster" or "slower" only when the whole
    spread of `samples` is beyond the other's and the medians differ by at
    least MARGIN, else "tie". Times by default; rates with `higher_is_better`."""
    if higher_is_better:
        samples, other = [-x for x in samples], [-x for x in other]
    a, b = statistics.median(samples), statistics.median(other)
    if max(samples) < min(other) and a <= b - MARGIN * abs(b):
        return "faster"
    if min(samples) > max(other) and a >= b + MARGIN * abs(b):
        return "slower"
    return "tie"


def versus(samples: list[float], other: list[float], *, higher_is_better: bool = False) -> str:
    """`2.3× faster`, `1.2× slower` or `1.01×, a tie`: the speed ratio of the
    medians, worded by `compare`."""
    a, b = statistics.median(samples), statistics.median(other)
    speed = a / b if higher_is_better else b / a
    verdict = compare(samples, other, higher_is_better=higher_is_better)
    if verdict == "tie":
        return f"{speed:,.2f}×, a tie"
    return f"{speed:,.2f}× faster" if verdict == "faster" else f"{1 / speed:,.2f}× slower"


def ratios(samples: list[float], other: list[float]) -> list[float]:
    """`samples[i] / other[i]`, round by round (both interleaved in one run)."""
    if len(samples) != len(other):
        raise SystemExit(f"{len(samples)} rounds against {len(other)}: not one interleaved run")
    return [a / b for a, b in zip(samples, other, strict=True)]


def judge(per_round: list[float], op: str, threshold: float) -> bool:
    """A target is met only when every round meets it: the one rule applied
    to a threshold instead of a contender."""
    checks = {"<=": lambda v: v <= threshold, ">=": lambda v: v >= threshold, ">": lambda v: v > threshold}
    return bool(per_round) and all(checks[op](v) for v in per_round)


def noise_reason(what: str, values: list[float], op: str, threshold: float, measured: str) -> str | None:
    """Why a missed target is missed when its median meets it: some rounds
    miss, and the one rule counts every round. None when the median misses too."""
    if not judge([statistics.median(values)], op, threshold):
        return None
    short = [v for v in values if not judge([v], op, threshold)]
    weakest = min(short) if op.startswith(">") else max(short)
    return (
        f"- **{what}.** The median over the rounds meets it ({measured}), but {len(short)} of {len(values)}"
        f" rounds miss it (the weakest: {weakest:.3g}): the one rule counts every round, and this shared"
        " 2-core machine is noisy."
    )


def median_range(values: list[float], fmt: str = "{:.2f}") -> str:
    """`1.23 (1.10–1.40)`: a median and its spread."""
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"

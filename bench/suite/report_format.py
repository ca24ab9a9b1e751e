"""How the report writes a figure: times, spreads, conditions, and the one
rule for "faster" (a contender is faster only when its whole spread beats
the other's; otherwise the two tie)."""

from __future__ import annotations

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
    """One table of micro.json, with each row's speed against the first."""
    base = float(table[0]["median_us"])
    lines = [f"### {title}", "", "| contender | median | spread | vs the first row |", "|---|---:|---:|---:|"]
    for row in table:
        ratio = base / row["median_us"]
        text = f"{ratio:,.1f}× faster" if ratio >= 1 else f"{1 / ratio:,.1f}× slower"
        lines.append(f"| {row['name']} | {fmt_time(row['median_us'] / 1e6)} | {spread(row)} | {text} |")
    return lines


def rows_of(results: dict[str, Any], title_start: str) -> list[dict[str, Any]]:
    """The rows of the results' first table whose title starts with `title_start`."""
    for title, rows in results["tables"].items():
        if title.startswith(title_start):
            return list(rows)
    raise SystemExit(f"the results have no table starting {title_start!r}")


def compare(samples: list[float], other: list[float]) -> str:
    """How a time's samples compare with another's: "faster" or "slower"
    only when the whole spread is below or above the other's, else "tie"."""
    if max(samples) < min(other):
        return "faster"
    if min(samples) > max(other):
        return "slower"
    return "tie"


def met_every_round(samples: list[float], other: list[float], limit: float) -> bool:
    """Whether `samples[i] / other[i] <= limit` in every round (the samples
    of one run, interleaved round by round)."""
    return len(samples) == len(other) and all(a / b <= limit for a, b in zip(samples, other, strict=True))

"""The report's section on what moved from one wasmtime to the next: the
in-process tables of `bench/results/micro.json` against the same tables of a
run kept from the earlier version (`bench/results/wasmtime-<version>/`).

The two runs are days apart on a shared machine, so a row moved only when
its whole spread in one run is outside its whole spread in the other (the
report's one rule, `report_format.compare`); otherwise it held. Code changed
between the runs too; the section says which commits it compares."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.suite.report_format import compare, fmt_time


def _tables(micro: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {**micro["tables"], **micro.get("component_tables", {})}


def moved_section(micro: dict[str, Any], before_dir: Path) -> list[str]:
    path = before_dir / "micro.json"
    if not path.exists():
        return []
    before: dict[str, Any] = json.loads(path.read_text())
    old_version, new_version = before["machine"]["wasmtime (fastwasm)"], micro["machine"]["wasmtime (fastwasm)"]
    if old_version == new_version:
        return []
    lines = [
        f"## What moved from wasmtime {old_version} to {new_version}",
        "",
        f"`bench/results/micro.json` (commit {micro['machine']['commit']}, {micro['machine']['date']}) against the"
        f" same tables of `{before_dir.relative_to(before_dir.parents[2])}/micro.json` (commit"
        f" {before['machine']['commit']}, {before['machine']['date']}), row by row. The code changed between the"
        " two commits as well as wasmtime. A row moved only when its whole spread in one run is outside its whole"
        " spread in the other.",
        "",
        "| table | row | before | now | now / before | |",
        "|---|---|---:|---:|---:|---|",
    ]
    counts = {"faster": 0, "slower": 0, "tie": 0}
    # Rows that run no WebAssembly: how much the machine itself moved.
    control: list[float] = []
    old_tables = _tables(before)
    for title, rows in _tables(micro).items():
        old_rows = {row["name"]: row for row in old_tables.get(title, [])}
        for row in rows:
            old = old_rows.get(row["name"])
            if old is None:
                continue
            verdict = compare(row["samples_us"], old["samples_us"])
            if row["name"].startswith(("pure Python", "str() of")):
                control.append(row["median_us"] / old["median_us"])
            counts[verdict] += 1
            words = {"faster": "faster", "slower": "**slower**", "tie": "held"}[verdict]
            lines.append(
                f"| {title} | {row['name']} | {fmt_time(old['median_us'] / 1e6)} | {fmt_time(row['median_us'] / 1e6)}"
                f" | {row['median_us'] / old['median_us']:.2f} | {words} |"
            )
    lines += [
        "",
        f"Of {sum(counts.values())} rows in both runs: {counts['faster']} faster, {counts['slower']} slower,"
        f" {counts['tie']} held.",
    ]
    if control:
        lines[-1] += (
            f" The rows that run no WebAssembly (pure Python, CPython's `str()`) moved by {min(control):.2f}–"
            f"{max(control):.2f}× (now / before): that much is the machine's own drift between the two days, so a"
            " WebAssembly row that moved by no more than that says nothing about wasmtime."
        )
    lines.append("")
    return lines

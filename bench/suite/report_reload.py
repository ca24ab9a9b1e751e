"""The reload section of docs/benchmarks.md, from reload.json
(bench/suite/reload_bench.py): a kernel route under `hey -c 20` while its
file is replaced and reloaded, beside the same run with no reloads."""

from __future__ import annotations

import statistics
from typing import Any

from bench.suite.report_format import compare, conditions


def median_and_spread(samples: list[float], unit: str) -> str:
    return f"{statistics.median(samples):,.1f} {unit} ({min(samples):,.1f}–{max(samples):,.1f})"


def reload_section(data: dict[str, Any] | None) -> list[str]:
    if data is None:
        return []
    lines = [
        "## Reloads under load",
        "",
        "`python -m bench.suite.reload_bench` (`make bench-reload`): `hey -c 20` against the markdown kernel's"
        " route while its file is replaced and reloaded through `POST /admin/reload`, beside the same run with no"
        " reloads ([deploy.md](deploy.md#rolling-out-a-kernel)). Every version is a distinct file and the cache"
        " starts empty, so every reload compiles. Answered, non-2xx and errors (no answer) are summed over the"
        " rounds; p99 and a reload's time are medians (min–max) of the rounds.",
        "",
        f"Conditions: {data['conditions']}; {conditions(data['machine'])}.",
        "",
        "| server | reloads per block | answered | non-2xx | errors | p99 | p99 vs no reloads | one reload |",
        "|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    quiet = {row["server"]: row for row in data["rows"] if row["reloads"] == 0}
    for row in data["rows"]:
        rounds = row["rounds"]
        p99 = [r["p99_ms"] for r in rounds]
        if row["reloads"]:
            verdict = compare(p99, [r["p99_ms"] for r in quiet[row["server"]]["rounds"]])
            judged = {"faster": "lower", "slower": "higher", "tie": "tie"}[verdict]
            took = median_and_spread([r["reload_ms"] for r in rounds], "ms")
        else:
            judged, took = "", ""
        lines.append(
            f"| {row['server']} | {row['reloads']} | {sum(r['answered'] for r in rounds):,} |"
            f" {sum(r['non_2xx'] for r in rounds)} | {sum(r['errors'] for r in rounds)} |"
            f" {median_and_spread(p99, 'ms')} | {judged} | {took} |"
        )
    lines += [
        "",
        '"Higher" or "lower" only when every round\'s p99 is beyond every round of the run with no reloads;'
        " else a tie. A reload compiles on the core the server is pinned to, while it serves:"
        " what a reload costs a replica.",
        "",
    ]
    return lines

"""The start-up section of docs/benchmarks.md, from startup.json
(bench/suite/startup_bench.py): time to the first answer and resident
memory, cold, warm and precompiled, for both servers."""

from __future__ import annotations

import statistics
from typing import Any

from bench.suite.report_format import compare, conditions

STATES = ("cold", "warm", "precompiled")


def cell(samples: list[float], scale: float, unit: str) -> str:
    median = statistics.median(samples) * scale
    return f"{median:,.0f} {unit} ({min(samples) * scale:,.0f}–{max(samples) * scale:,.0f})"


def startup_kernels_section(data: dict[str, Any] | None) -> list[str]:
    if data is None:
        return []
    lines = [
        "## Start-up with kernels: cold, warm, precompiled",
        "",
        "`python -m bench.suite.startup_bench`: time from a server's start to its first answer"
        " (its kernels load first), median (min–max), and resident memory then. Cold: every kernel"
        " compiles; warm: the compiled-code cache a previous start filled; precompiled: `fastwasm"
        " compile`'s artifacts beside the kernels and an empty cache ([deploy.md](deploy.md#precompiled-kernels)).",
        "",
        f"Conditions: {data['conditions']}; {conditions(data['machine'])}.",
        "",
        "| server | kernels | cold | warm | precompiled | precompiled vs cold | resident memory, precompiled |",
        "|---|---|---:|---:|---:|---|---:|",
    ]
    for server, sets in data["samples"].items():
        for name, states in sets.items():
            seconds = {s: states[s]["seconds"] for s in STATES}
            ratio = statistics.median(seconds["cold"]) / statistics.median(seconds["precompiled"])
            verdict = compare(seconds["precompiled"], seconds["cold"])
            judged = f"{ratio:.1f}× faster" if verdict == "faster" else f"{verdict} ({ratio:.2f}×)"
            lines.append(
                f"| {server} | {name} | "
                + " | ".join(cell(seconds[s], 1e3, "ms") for s in STATES)
                + f" | {judged} | {cell(states['precompiled']['rss_mb'], 1, 'MiB')} |"
            )
    lines += [
        "",
        '"Faster" only when every precompiled start beat every cold one (the whole spreads apart), else a tie.',
        "",
    ]
    return lines

"""The report's sections on load: cheap requests under floods of heavy work,
how soon a disconnected client's work stops, and the soak."""

from __future__ import annotations

from typing import Any

from bench.suite.report_format import conditions


def cheap_under_heavy_section(data: dict[str, Any]) -> list[str]:
    target = data["target_p99_ms"]
    rows = data["rows"]
    met = [row for row in rows if row["cheap_ms"]["p99"] < target]
    lines = [
        "## Cheap requests under a heavy flood",
        "",
        f"`bench/suite/cheap_under_heavy.py`: {data['conditions']}."
        f" Target: a cheap p99 under {target:g} ms under every kind of heavy work; met under {len(met)} of the"
        f" {len(rows)} floods in this run.",
        f"Conditions: {conditions(data['machine'])}.",
        "",
        "| server | flood | cheap route | cheap p50 | cheap p99 | cheap requests | heavy status codes | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        cheap = row["cheap_ms"]
        verdict = "met" if row in met else "**missed**"
        codes = ", ".join(f"{k}: {v:,}" for k, v in sorted(row["heavy_status_codes"].items()))
        lines.append(
            f"| {row['server']} | {row['flood']} (`{row['heavy']}`) | `{row['cheap']}` | {cheap['p50']:.2f} ms"
            f" | {cheap['p99']:.2f} ms | {row['cheap_requests']} | {codes} | {verdict} |"
        )
    return [*lines, ""]


def floods_summary(data: dict[str, Any]) -> list[str]:
    """One sentence for the README: the worst cheap p99 over every flood kind
    (indented: it closes a list item there)."""
    target = data["target_p99_ms"]
    rows = data["rows"]
    worst = max(rows, key=lambda row: row["cheap_ms"]["p99"])
    met = sum(row["cheap_ms"]["p99"] < target for row in rows)
    kinds = ", ".join(dict.fromkeys(row["flood"] for row in rows))
    return [
        f"  Under floods of heavy work ({kinds}), on both servers and in a user's app, the cheap route's p99 was at"
        f" most {worst['cheap_ms']['p99']:.1f} ms ({worst['server']}, {worst['flood']}); the target of"
        f" {target:g} ms was met under {met} of {len(rows)} floods"
        " ([docs/benchmarks.md](docs/benchmarks.md#cheap-requests-under-a-heavy-flood))."
    ]


def cancel_section(data: dict[str, Any]) -> list[str]:
    lines = [
        "## How soon a disconnected client's work stops",
        "",
        f"`bench/suite/cancel_latency.py`: {data['conditions']}. Conditions: {conditions(data['machine'])}.",
        "",
        "| server | the whole call | trials cancelled | stop time, median | stop time, worst |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in data["rows"]:
        stop = row["stop_ms"]
        lines.append(
            f"| {row['server']} | {row['full_call_ms']:,.0f} ms | {row['cancelled']}/{row['trials']}"
            f" | {stop['median']:.1f} ms | {stop['max']:.1f} ms |"
        )
    return [*lines, ""]


def soak_section(data: dict[str, Any] | None) -> list[str]:
    """`make soak`'s full run: absent until it has run (`make test` runs a short one)."""
    if data is None:
        return []
    lines = [
        "## Soak",
        "",
        f"`make soak` (`tests/soak/test_soak.py`): {data['conditions']}."
        " It fails on an unintended 5xx, an inexact value, or RSS growth above 10%.",
        f"Conditions: {conditions(data['machine'])}.",
        "",
        "| server | requests | unintended statuses | exact spot checks | RSS start → end | growth | cheap p99"
        " | result |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in data["servers"]:
        rss, spot = r["rss_mb"], r["spot_checks"]
        result = "failed: " + "; ".join(r["failures"]) if r["failures"] else "passed"
        lines.append(
            f"| {r['server']} | {r['requests']:,} | {sum(r['unintended'].values())} | {spot['exact']}/{spot['checked']}"
            f" | {rss['start']:.1f} → {rss['end']:.1f} MiB | {rss['growth']:+.1%}"
            f" | {r['cheap_latency_under_load_ms']['p99']:.2f} ms | {result} |"
        )
    return [*lines, ""]

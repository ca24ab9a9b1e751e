"""The in-process sections of the report: the peers' per-call cost, typed
component calls, recursion's call counts, and the crossover sweep."""

from __future__ import annotations

import statistics
from typing import Any

import matplotlib.pyplot as plt

from bench.suite.report_charts import METHOD_COLORS, footnote, save
from bench.suite.report_format import (
    compare,
    conditions,
    find,
    find_row,
    fmt_time,
    median_range,
    micro_table,
    ratios,
    rows_of,
    versus,
)


def sweep_verdicts(points: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """WASM against Python at each n of a sweep, by the one rule."""
    return [(p["n"], compare(p["samples"]["WASM"], p["samples"]["Python"])) for p in points]


def digits_caveats(micro: dict[str, Any], table: list[dict[str, Any]]) -> list[str]:
    """What the digits table's ratios depend on, printed under it."""
    wasm = find_row(table, '"wasm"')["samples_us"]
    python = micro["machine"]["python"]
    return [
        f"- Against Python's compute alone, WASM's whole path (compute and digits) is"
        f" {versus(wasm, find_row(table, 'compute only')['samples_us'])}; against compute + `str()`,"
        f" {versus(wasm, find_row(table, 'pure Python', '+ str()')['samples_us'])}. The difference is CPython's"
        f" `str()` of the result (its own row), quadratic on CPython {python}; CPython 3.12 and later convert"
        " large ints to decimal with a subquadratic algorithm, so there the second ratio shrinks.",
        "- The Extism plug-in is the same fib-kernels, built with RUSTFLAGS"
        f" `{micro['params']['extism_rustflags']}`, the guest's own (the Makefile's GUEST_RUSTFLAGS: 64-bit"
        " bigint words, wide arithmetic), so its row and fastwasm's compare the runtimes, not two bigint builds;"
        " [bigint-choice.md](bigint-choice.md) shows what the build flags alone change.",
    ]


def first_win(verdicts: list[tuple[int, str]]) -> int | None:
    """The n from which WASM is faster at every later point of the sweep."""
    first = None
    for n, verdict in verdicts:
        if verdict != "faster":
            first = None
        elif first is None:
            first = n
    return first


def crossover(verdicts: list[tuple[int, str]]) -> str:
    """WASM against Python over a sweep, in words: `from n = 5`, or, when no
    point starts a run of wins to the end, where it wins and ties."""
    first = first_win(verdicts)
    if first is not None:
        return f"faster from n = {first:,}"
    by = {v: [f"{n:,}" for n, verdict in verdicts if verdict == v] for v in ("faster", "tie", "slower")}
    said = [f"{v} at n = {', '.join(ns)}" for v, ns in by.items() if ns]
    return f"not faster up to the sweep's end ({'; '.join(said)})"


def peers_section(micro: dict[str, Any]) -> list[str]:
    machine = micro["machine"]
    rows = rows_of(micro, "fib(39)")
    python = find(rows, "pure Python")
    fig, ax = plt.subplots(figsize=(11, 4.6))
    names = [r["name"] for r in rows]
    values = [r["median_us"] for r in rows]
    colors = ["#654ff0" if "fastwasm" in n or "per-call" in n or "Module.call" in n else "#999999" for n in names]
    ax.barh(names, values, color=colors)
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.set_xlabel("µs per call (median, log scale)")
    ax.set_title("fib(39), iterative: the cost of one call from Python")
    for i, v in enumerate(values):
        ax.text(v, i, f" {fmt_time(v / 1e6)}", va="center", fontsize=8)
    ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    footnote(fig, machine)
    chart = save(fig, "peers.png")
    lines = [
        "## 1. Peers: the cost of one call",
        "",
        f"![µs per call for every peer]({chart})",
        "",
        f"Conditions: {conditions(machine)}. Contenders of each table interleaved round by round in one process;"
        " medians over the rounds, spread min–max.",
        "",
    ]
    for title, table in micro["tables"].items():
        lines += [*micro_table(title, table), ""]
        if title.startswith("fast doubling"):
            lines += [*digits_caveats(micro, table), ""]
    lines.append(f"Pure Python's iterative fib(39) took {fmt_time(python / 1e6)} in this run.")
    lines.append("")
    return lines


def components_section(micro: dict[str, Any]) -> list[str]:
    """The component tables of `make bench-micro` (bench/suite/component_micro.py)."""
    tables = micro.get("component_tables")
    if not tables:
        return []
    lines = [
        "## 1b. Components: typed calls from Python",
        "",
        "The same run as section 1. What each table measures, and how to read it, is in"
        " [components.md](components.md#benchmarks).",
        "",
    ]
    for title, table in tables.items():
        lines += [*micro_table(title, table), ""]
    scaling = micro.get("component_thread_scaling")
    if scaling:
        one, two = statistics.median(scaling["1"]), statistics.median(scaling["2"])
        lines += [f"2 Python threads calling the `blur` export: {two / one:.2f}× the calls per second of one.", ""]
    return lines


def recursion_section(micro: dict[str, Any]) -> list[str]:
    """Call counts and the deadline's cost for recursive fib(n)."""
    facts = micro.get("recursion")
    if not facts:
        return []
    n, shape, deadline = facts["n"], facts["guest_shape"], facts["deadline"]
    rows = rows_of(micro, f"recursive fib({n})")
    wasm_vs_py = versus(find_row(rows, '"wasm"')["samples_us"], find_row(rows, "wasmtime-py")["samples_us"])
    lines = [
        f"## 1c. Recursive fib({n}): calls per run, and what the deadline costs",
        "",
        f"Conditions: {conditions(micro['machine'])}.",
        "",
        "| | calls in one run | how we know |",
        "|---|---:|---|",
        f"| pure Python | {facts['python_calls_measured']:,} | counted by a profile hook; 2F(n+1) - 1 ="
        f" {facts['python_calls_formula']:,} |",
    ]
    if "guest_calls_derived" in facts:
        lines.append(
            f"| the WASM guest (Rust) | {facts['guest_calls_derived']:,} | derived from its compiled code"
            f" (`recursion_shape`): the recursive function has {shape['self_calls']} call to itself and"
            f" {shape['loops']} loop, so LLVM made the second call loop iterations |"
        )
    on, off, native = deadline["epoch_on_us"], deadline["epoch_off_us"], deadline["native_us"]
    lines += [
        "",
        "So Rust does about half the calls of Python's recursion, and 'one call per step' is not what runs.",
        "",
        f"| recursive fib({deadline['n']}) in Rust, no Python | median | / native |",
        "|---|---:|---:|",
        f"| guest, epoch deadline on (as fastwasm runs it) | {fmt_time(on / 1e6)} | {on / native:.2f}× |",
        f"| guest, epoch deadline off | {fmt_time(off / 1e6)} | {off / native:.2f}× |",
        f"| native kernel | {fmt_time(native / 1e6)} | 1.00× |",
        "",
        f"`cargo run --release -p fib-host --example deadline_cost -- {deadline['n']}`. The deadline"
        f" costs {on / off:.2f}× here; the rest of the gap to native ({off / native:.2f}×) is Cranelift's code"
        " against LLVM's. From Python, wasmtime-py (no deadline) runs the same guest"
        f" and fastwasm's call is {wasm_vs_py} (section 1, this table). The large ratios over wasmtime-py elsewhere"
        " are its per-call wrapper, not its generated code. A deadline-free mode is not offered: the numbers"
        " above bound what it could gain, and every call keeps its deadline.",
        "",
    ]
    return lines


def sweep_section(sweep: dict[str, Any]) -> list[str]:
    machine = sweep["machine"]
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.4))
    lines = [
        "## 2. Crossover sweep: time against n",
        "",
        "Each point: one method producing the decimal digits of F(n). Python is the pure-Python kernel plus"
        " `str()`; WASM and native are `fastwasm.fibonacci_digits`. Methods interleaved at each n over"
        f" {len(next(iter(sweep['sweeps'].values()))['points'][0]['samples']['WASM'])} rounds; medians. WASM is"
        ' faster or slower than Python at an n only by the report\'s one rule, else a tie. "Faster from n" is the'
        " grid point from which WASM is faster at every later one: a grid point, not a measured threshold, and"
        " for this digits path; on the u64 path (n ≤ 93) see section 1.",
        "",
    ]
    crossover_lines = [
        "| algorithm | WASM faster than Python from n | WASM faster at n = | a tie at n = |",
        "|---|---:|---|---|",
    ]
    for ax, (algorithm, result) in zip(axes, sweep["sweeps"].items(), strict=True):
        points = result["points"]
        ns = [p["n"] for p in points]
        for method, color in METHOD_COLORS.items():
            ax.plot(ns, [p["seconds"][method] for p in points], marker="o", ms=3, label=method, color=color)
        verdicts = sweep_verdicts(points)
        first = first_win(verdicts)
        if first is not None:
            ax.axvline(first, color="#654ff0", ls=":", lw=1)
            ax.annotate(f"WASM faster\nfrom n={first}", (first, ax.get_ylim()[0]), fontsize=7, color="#654ff0")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(algorithm)
        ax.set_xlabel("n")
        ax.set_ylabel("seconds per call")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=8)
        wins = ", ".join(str(n) for n, v in verdicts if v == "faster") or "none"
        ties = ", ".join(str(n) for n, v in verdicts if v == "tie") or "none"
        crossover_lines.append(
            f"| {algorithm} | {first if first is not None else 'never, in this range'} | {wins} | {ties} |"
        )
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    footnote(fig, machine)
    chart = save(fig, "sweep.png")
    lines += [f"![time against n, log-log]({chart})", "", *crossover_lines, ""]
    lines += [
        "| algorithm | n | Python | WASM | native | WASM/Python, per round (median; min–max) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for algorithm, result in sweep["sweeps"].items():
        for p in result["points"]:
            s = p["seconds"]
            lines.append(
                f"| {algorithm} | {p['n']:,} | {fmt_time(s['Python'])} | {fmt_time(s['WASM'])} | "
                f"{fmt_time(s['native'])} | {median_range(ratios(p['samples']['WASM'], p['samples']['Python']))} |"
            )
    lines += ["", f"Conditions: {conditions(machine)}.", ""]
    return lines

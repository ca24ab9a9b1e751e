"""Turns bench/results/*.json into docs/benchmarks.md and the PNG charts in docs/img/.

Run: make bench (after the measurements), or .venv/bin/python -m bench.suite.report.
With BENCH_QUICK=1 it reads the *-quick.json files and writes to
bench/results/quick/ instead, so a smoke run never touches the docs.
Every number in the report comes from the JSON; nothing is typed in by hand.
"""

from __future__ import annotations

import json
import statistics
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from bench.common import QUICK, RESULTS, ROOT
from bench.suite.report_arrays import arrays_section
from bench.suite.report_format import conditions, fmt_time, micro_table, rows_of
from bench.suite.report_moved import moved_section
from bench.suite.report_reload import reload_section
from bench.suite.report_startup import startup_kernels_section

SUFFIX = "-quick" if QUICK else ""
OUT_DIR = RESULTS / "quick" if QUICK else ROOT / "docs"
IMG_DIR = OUT_DIR / "img"
METHOD_COLORS = {"Python": "#3776ab", "WASM": "#654ff0", "native": "#dea584"}


def load(name: str, required: tuple[str, ...]) -> dict[str, Any]:
    path = RESULTS / f"{name}{SUFFIX}.json"
    data: dict[str, Any] = json.loads(path.read_text())
    missing = [key for key in ("machine", *required) if key not in data]
    if missing:
        raise SystemExit(f"{path}: malformed, missing {missing}")
    return data


def footnote(fig: Any, machine: dict[str, str]) -> None:
    text = (
        f"{machine['cpu']}, {machine['cores']} cores · Python {machine['python']} · "
        f"fastwasm {machine['fastwasm']} (wasmtime {machine['wasmtime (fastwasm)']}) · "
        f"{machine['date']} · `{machine['command']}` · {machine['mode']}"
    )
    fig.text(0.01, 0.005, text, fontsize=7, color="#555555", ha="left", va="bottom")


def save(fig: Any, name: str) -> str:
    IMG_DIR.mkdir(parents=True, exist_ok=True)
    fig.savefig(IMG_DIR / name, dpi=110)
    plt.close(fig)
    return f"img/{name}"


def find(rows: list[dict[str, Any]], *needles: str) -> float:
    for row in rows:
        if all(needle in row["name"] for needle in needles):
            return float(row["median_us"])
    raise SystemExit(f"no row with {needles}")


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
        "The same run as section 1. What each table measures, and why two of the issue's targets are"
        " missed, is in [components.md](components.md#benchmarks).",
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
    py_rate = find(rows, "wasmtime-py") / find(rows, '"wasm"')
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
        f" {times(py_rate)} than fastwasm (section 1, this table). The large ratios over wasmtime-py elsewhere"
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
        " `str()`; WASM and native are `fastwasm.fibonacci_digits`. Methods interleaved at each n; medians."
        " The crossovers below are the sweep's grid points, not measured thresholds, and they are for this"
        " digits path; on the u64 path (n ≤ 93) see section 1.",
        "",
    ]
    crossover_lines = ["| algorithm | WASM first beats Python at n | WASM faster at n = |", "|---|---:|---|"]
    for ax, (algorithm, result) in zip(axes, sweep["sweeps"].items(), strict=True):
        points = result["points"]
        ns = [p["n"] for p in points]
        for method, color in METHOD_COLORS.items():
            ax.plot(ns, [p["seconds"][method] for p in points], marker="o", ms=3, label=method, color=color)
        first = result["wasm_beats_python_from_n"]
        if first is not None:
            ax.axvline(first, color="#654ff0", ls=":", lw=1)
            ax.annotate(f"WASM < Python\nfrom n={first}", (first, ax.get_ylim()[0]), fontsize=7, color="#654ff0")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(algorithm)
        ax.set_xlabel("n")
        ax.set_ylabel("seconds per call")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=8)
        wins = ", ".join(str(n) for n in result["wasm_faster_at_n"]) or "none"
        crossover_lines.append(f"| {algorithm} | {first if first is not None else 'never, in this range'} | {wins} |")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    footnote(fig, machine)
    chart = save(fig, "sweep.png")
    lines += [f"![time against n, log-log]({chart})", "", *crossover_lines, ""]
    lines += ["| algorithm | n | Python | WASM | native | WASM/Python |", "|---|---:|---:|---:|---:|---:|"]
    for algorithm, result in sweep["sweeps"].items():
        for p in result["points"]:
            s = p["seconds"]
            lines.append(
                f"| {algorithm} | {p['n']:,} | {fmt_time(s['Python'])} | {fmt_time(s['WASM'])} | "
                f"{fmt_time(s['native'])} | {s['WASM'] / s['Python']:.2f} |"
            )
    lines += ["", f"Conditions: {conditions(machine)}.", ""]
    return lines


def scaling_section(http: dict[str, Any], micro: dict[str, Any]) -> list[str]:
    machine = http["machine"]
    data = http["scaling"]["req_per_s"]
    configs = list(data)
    paths = list(next(iter(data.values())))
    fig, axes = plt.subplots(1, len(paths), figsize=(11, 4))
    for ax, path in zip(axes, paths, strict=True):
        values = [data[c][path] for c in configs]
        ax.bar(range(len(configs)), values, color="#654ff0")
        ax.set_xticks(range(len(configs)), configs, rotation=15, fontsize=7)
        ax.set_title(path, fontsize=9)
        ax.set_ylabel("req/s")
        for i, v in enumerate(values):
            ax.text(i, v, f"{v:,.0f}", ha="center", va="bottom", fontsize=8)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    footnote(fig, machine)
    chart = save(fig, "scaling.png")
    lines = [
        "## 3. Scaling: threads and workers",
        "",
        f"![req/s by threads and workers]({chart})",
        "",
        "| configuration | " + " | ".join(paths) + " |",
        "|---|" + "---:|" * len(paths),
    ]
    for config in configs:
        lines.append(f"| {config} | " + " | ".join(f"{data[config][p]:,.0f}" for p in paths) + " |")
    threads = micro["thread_scaling"]
    one, two = (statistics.median(threads["calls_per_s"][k]) for k in ("1", "2"))
    lines += [
        "",
        f"`FASTWASM_THREADPOOL_SIZE` sets the threads of one worker. {http['scaling']['conditions']}."
        f" Conditions: {conditions(machine)}.",
        f"In-process, without HTTP (`make bench-micro`): 2 Python threads calling recursive fib({threads['n']})"
        f" through WASM made {two / one:.2f}× the calls per second of 1 thread ({one:,.0f} against {two:,.0f}).",
        "",
    ]
    return lines


def startup_section(http: dict[str, Any], micro: dict[str, Any]) -> list[str]:
    machine = http["machine"]
    serve = {k: statistics.median(v) for k, v in http["startup"]["seconds"].items()}
    load = {k: statistics.median(v) / 1e3 for k, v in micro["module_load_ms"].items()}
    fig, ax = plt.subplots(figsize=(8, 3.4))
    labels = [
        "fastwasm serve → first answer, cache cold",
        "fastwasm serve → first answer, cache warm",
        "module load in a fresh process, cold",
        "module load in a fresh process, warm",
    ]
    values = [serve["cold"], serve["warm"], load["miss"], load["hit"]]
    ax.barh(labels, values, color=["#999999", "#654ff0", "#999999", "#654ff0"])
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.set_xlabel("seconds (median, log scale)")
    for i, v in enumerate(values):
        ax.text(v, i, f" {fmt_time(v)}", va="center", fontsize=8)
    ax.tick_params(axis="y", labelsize=8)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    footnote(fig, machine)
    chart = save(fig, "startup.png")
    return [
        "## 4. Start-up: compiled-module cache cold and warm",
        "",
        f"![start-up times]({chart})",
        "",
        "| what | cache cold | cache warm |",
        "|---|---:|---:|",
        f"| process start to the first answered `/fibonacci-wasm/39` | {fmt_time(serve['cold'])} |"
        f" {fmt_time(serve['warm'])} |",
        f"| loading the guest in a fresh Python process (compile + write, or deserialize) | {fmt_time(load['miss'])} |"
        f" {fmt_time(load['hit'])} |",
        "",
        "Most of a server's start-up is importing Python and starting uvicorn; the cache removes the compile.",
        f"Conditions: {conditions(machine)}.",
        "",
    ]


def memory_section(http: dict[str, Any]) -> list[str]:
    machine = http["machine"]
    rss = http["memory"]["rss"]
    fig, ax = plt.subplots(figsize=(9, 3.8))
    names = list(rss)
    ax.barh(names, [rss[n]["peak_mb"] for n in names], color="#654ff0", label="peak under load")
    ax.barh(names, [rss[n]["idle_mb"] for n in names], color="#bbbbbb", label="after start-up")
    ax.invert_yaxis()
    ax.set_xlabel("RSS, MiB")
    ax.legend(fontsize=8)
    ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    footnote(fig, machine)
    chart = save(fig, "memory.png")
    lines = [
        "## 5. Memory: peak RSS under load",
        "",
        f"![peak RSS per endpoint]({chart})",
        "",
        "| endpoint | RSS after start-up | peak RSS under load | requests |",
        "|---|---:|---:|---:|",
    ]
    for name in names:
        r = rss[name]
        lines.append(f"| {name} | {r['idle_mb']:.1f} MiB | {r['peak_mb']:.1f} MiB | {r['requests']:,} |")
    lines += ["", f"{http['memory']['conditions']}. Conditions: {conditions(machine)}.", ""]
    return lines


def http_section(http: dict[str, Any]) -> list[str]:
    rows = http["throughput"]["endpoints"]
    rate = {r["name"]: r["req_per_s_median"] for r in rows}
    bare = rate.get("bare FastAPI app: /noop")
    lines = [
        "## The HTTP endpoints, one worker, FastAPI and fastwasm-server (axum)",
        "",
        f"{http['throughput']['conditions']}. Conditions: {conditions(http['machine'])}. The bare FastAPI app"
        ' (bench/apps/bare_app.py: one `@app.get` returning `{"ok": 1}`, the same uvicorn settings) is the ceiling'
        " of an endpoint whose parameters FastAPI solves. fastwasm's `/fibonacci*` routes are a `PlainParamsRoute`"
        " (fastwasm/api/routing.py): a plainly valid n and algorithm are read without FastAPI's solver, everything"
        " else goes to it, with the same answers (tests/fastwasm/api/test_routing.py); that is how"
        " `/fibonacci-wasm/39` can come near the bare no-op, which pays the solver. The tutorial app"
        " (bench/apps/tutorial/app.py) compiles a module the size of"
        " the tutorial's own on every request, as the tutorial did. CPU columns: cores busy on average while the"
        " row ran (1.00 is one core), for the server's processes and for hey.",
        "",
        "| endpoint | req/s (median) | spread | vs bare FastAPI | p50 ms | p99 ms | non-2xx | server CPU | hey CPU |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        rates = r["req_per_s"]
        ratio = f"{r['req_per_s_median'] / bare:.2f}×" if bare else "–"
        cpu = f"{r['server_cores']:.2f} | {r['hey_cores']:.2f}" if "server_cores" in r else "– | –"
        lines.append(
            f"| {r['name']} | {r['req_per_s_median']:,.0f} | {min(rates):,.0f} – {max(rates):,.0f} | {ratio} | "
            f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['non_2xx']} | {cpu} |"
        )
    python, wasm = rate.get("/fibonacci/39"), rate.get("/fibonacci-wasm/39")
    if python and wasm:
        lines += [
            "",
            f"At n = 39 over HTTP, Python's `/fibonacci/39` serves {python / wasm:.2f}× the req/s of"
            " `/fibonacci-wasm/39`: both are cheap enough to run inline, and the per-request cost of the"
            " server, not the computation, sets the rate. WASM's lead shows in-process (section 1) and for heavy"
            " work (the recursive rows).",
        ]
    return [*lines, ""]


#: (what, headline key, comparison, threshold): the targets the issues set.
TARGETS = [
    ('`fastwasm.fibonacci(39, "wasm")` ≤ 0.2 µs', "wasm_us", "<=", 0.2),
    ("… ≥ 75× faster than wasmtime-py with a cached instance", "vs_wasmtime_py", ">=", 75),
    ("… faster than pure Python's iterative fib(39)", "vs_python", ">", 1),
    ("recursive fib(30): WASM within 1.4× of native", "rec_vs_native", "<=", 1.4),
    ("recursive fib(30): WASM ≥ 20× faster than Python", "rec_vs_python", ">=", 20),
    ("2 threads ≥ 1.7× the calls/s of 1 (recursive fib(30), WASM)", "threads", ">=", 1.7),
    ("fib(10^6) with digits: WASM ≥ 3× faster than Python", "digits_vs_python", ">=", 3),
    ("fib(10^6) with digits: WASM ≤ 2× native", "digits_vs_native", "<=", 2),
    ("iterative sweep (digits path): WASM no slower than Python at any n", "iterative_sweep", "<=", 1),
    ("HTTP `/fibonacci-wasm/39` ≥ 0.8× the req/s of a bare FastAPI no-op", "http_vs_bare", ">=", 0.8),
    ("HTTP `/fibonacci-wasm/39` ≥ 7× the tutorial pattern", "http_vs_tutorial", ">=", 7),
    ("HTTP recursive fib(30): WASM ≥ 10× Python's req/s", "http_rec_vs_python", ">=", 10),
    ("fastwasm-server `/fibonacci-wasm/39` ≥ 5× FastAPI's req/s", "rust_vs_fastapi", ">=", 5),
]


def targets(
    micro: dict[str, Any], http: dict[str, Any], sweep: dict[str, Any]
) -> tuple[list[str], dict[str, float], list[str]]:
    fib39 = rows_of(micro, "fib(39)")
    big_n = micro["params"]["big_recursive_n"]
    rec30 = rows_of(micro, f"recursive fib({big_n})")
    digits = rows_of(micro, "fast doubling")
    wasm39 = find(fib39, 'fastwasm.fibonacci(39, "wasm")')
    rate = {r["name"]: r["req_per_s_median"] for r in http["throughput"]["endpoints"]}
    cores = {r["name"]: (r["server_cores"], r["hey_cores"]) for r in http["throughput"]["endpoints"]}
    threads = micro["thread_scaling"]["calls_per_s"]
    headline = {
        "wasm_us": wasm39,
        "vs_python": find(fib39, "pure Python") / wasm39,
        "vs_wasmtime_py": find(fib39, "wasmtime-py, cached") / wasm39,
        "vs_extism": find(fib39, "Extism") / wasm39,
        "vs_native": wasm39 / find(fib39, '"native"'),
        "rec_vs_native": find(rec30, '"wasm"') / find(rec30, '"native"'),
        "rec_vs_python": find(rec30, "pure Python") / find(rec30, '"wasm"'),
        "rec_vs_extism": find(rec30, "Extism") / find(rec30, '"wasm"'),
        "threads": statistics.median(threads["2"]) / statistics.median(threads["1"]),
        "digits_vs_python": find(digits, "pure Python", "+ str()") / find(digits, '"wasm"'),
        "digits_vs_native": find(digits, '"wasm"') / find(digits, '"native"'),
        "digits_python_compute_us": find(digits, "compute only"),
        "digits_python_str_us": find(digits, "str() of"),
        "digits_rust_str_us": find(digits, "int_to_decimal"),
        "wasm_vs_wasmtime_py_recursive": find(rec30, "wasmtime-py") / find(rec30, '"wasm"'),
        "iterative_sweep": max(
            p["seconds"]["WASM"] / p["seconds"]["Python"] for p in sweep["sweeps"]["iterative"]["points"]
        ),
        "iterative_slower_below": max(
            (p["n"] for p in sweep["sweeps"]["iterative"]["points"] if p["seconds"]["WASM"] > p["seconds"]["Python"]),
            default=0,
        ),
        "http_vs_bare": rate["/fibonacci-wasm/39"] / rate["bare FastAPI app: /noop"],
        "http_shape_vs_bare": rate["bare FastAPI app, same endpoint shape: /fibonacci-wasm/39"]
        / rate["bare FastAPI app: /noop"],
        "tutorial_ceiling": rate["bare FastAPI app: /noop"] / rate["tutorial app: /fibonacci-wasm/39"],
        "http_vs_health": rate["/fibonacci-wasm/39"] / rate["/health"],
        "http_python_vs_wasm": rate["/fibonacci/39"] / rate["/fibonacci-wasm/39"],
        "http_vs_tutorial": rate["/fibonacci-wasm/39"] / rate["tutorial app: /fibonacci-wasm/39"],
        "http_rec_vs_python": rate["/fibonacci-wasm/30?algorithm=recursive"]
        / rate["/fibonacci/30?algorithm=recursive"],
        "rust_vs_fastapi": rate["fastwasm-server: /fibonacci-wasm/39"] / rate["/fibonacci-wasm/39"],
        "rust_rate": rate["fastwasm-server: /fibonacci-wasm/39"],
        "rust_server_cores": cores["fastwasm-server: /fibonacci-wasm/39"][0],
        "rust_hey_cores": cores["fastwasm-server: /fibonacci-wasm/39"][1],
    }
    checks = []
    missed = []
    for what, key, op, threshold in TARGETS:
        value = headline[key]
        ok = value <= threshold if op == "<=" else value >= threshold if op == ">=" else value > threshold
        shown = f"{value:.3f} µs" if key == "wasm_us" else f"{value:.2f}×"
        if key == "iterative_sweep":
            shown = f"WASM/Python at most {value:.2f}"
        checks.append((what, shown, ok))
        if not ok:
            missed.append(key)
    lines = ["## Targets of the earlier issues, from this run", "", "| target | measured | met? |", "|---|---:|---|"]
    lines += [f"| {what} | {value} | {'yes' if ok else '**no**'} |" for what, value, ok in checks]
    return [*lines, ""], headline, missed


#: Why a target can be missed, shown only for the targets this run missed.
WHY_MISSED = {
    "wasm_us": '**fib(39) at 0.2 µs.** The floor is the Python call itself: the `"native"` row, which runs'
    " no WASM at all, is in the same table. In Rust alone a pooled WASM call costs less; `make bench-runtime`"
    " measures it.",
    "rec_vs_native": "**Recursion within 1.4× of native.** Every call runs under a deadline, enforced by"
    " wasmtime's epoch interruption: Cranelift checks the epoch at every function entry and loop back-edge."
    " The deadline explains part of the gap, not all of it: section 1c puts the guest with epochs on and off"
    " beside native. We keep the deadline.",
    "http_vs_bare": "**0.8× a bare FastAPI no-op.** The HTTP table has a third row between the two: a bare app"
    " with the same endpoint shape (a path int and an enum query, the guest's compute, a pre-rendered body) and"
    " nothing else. It serves {http_shape_vs_bare:.2f}× the no-op's req/s in this run: that share of the gap"
    " is FastAPI's own handling of the two parameters, which fastwasm keeps (it is what makes the 422s and the"
    " OpenAPI true). The rest is fastwasm's features, kept as the issue asks: the n limits, the compute"
    " histogram, the rendering, and the middleware's request id, access-log line and request counter. The"
    " in-process table 'Where a FastAPI request's time goes' measures each layer apart.",
    "http_vs_tutorial": "**7× the tutorial pattern over HTTP.** The ceiling of any FastAPI endpoint here, the"
    " bare no-op app, serves {tutorial_ceiling:.1f}× the tutorial's req/s in this run, so 7× asks for"
    " {needed:.2f}× of the bare app's rate; `/fibonacci-wasm/39` reaches {http_vs_bare:.2f}× (the target"
    " above, and the table 'Where a FastAPI request's time goes').",
    "rust_vs_fastapi": "**fastwasm-server at 5× FastAPI.** fastwasm-server served {rust_rate:,.0f} req/s on"
    " `/fibonacci-wasm/39` while using {rust_server_cores:.2f} of its core, and hey used {rust_hey_cores:.2f} of"
    " the other: on this 2-core machine the load generator is the limit, not the server. The ratio also shrinks"
    " as FastAPI's own rate rises (the HTTP table).",
    "digits_vs_python": "**fib(10^6) digits 3× faster than Python.** See the digits table of section 1 and"
    " [bigint-choice.md](bigint-choice.md): the compute, the conversion to decimal and the bigint's word size"
    " are measured apart.",
    "digits_vs_native": "**fib(10^6) digits within 2× of native.** [bigint-choice.md](bigint-choice.md)"
    " measures compute and decimal conversion apart, in 32- and 64-bit words.",
    "iterative_sweep": "**Iterative WASM no slower than Python at every n.** It is slower up to n ="
    " {iterative_slower_below:.0f} in this run: there Python's whole loop and `str()` cost less than one call"
    " into the guest (for n ≤ 93 its u64 export, formatted in Rust; above, its digits path: allocate, compute,"
    " copy out, free). From the next grid point up WASM is faster.",
}


def load_optional(name: str, required: tuple[str, ...]) -> dict[str, Any] | None:
    """Results that `make soak`, not `make bench`, writes: absent until it has run."""
    if not (RESULTS / f"{name}{SUFFIX}.json").exists():
        return None
    return load(name, required)


def cheap_under_heavy_section(data: dict[str, Any] | None) -> list[str]:
    if data is None:
        return []
    lines = [
        "## Cheap requests under a heavy flood",
        "",
        f"`bench/suite/cheap_under_heavy.py` (in `make soak`): {data['conditions']}."
        f" Target: a cheap p99 under {data['target_p99_ms']:g} ms under every kind of heavy work.",
        f"Conditions: {conditions(data['machine'])}.",
        "",
        "| server | flood | cheap p50 | cheap p99 | cheap requests | heavy status codes | target |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in data["rows"]:
        cheap = row["cheap_ms"]
        met = "met" if cheap["p99"] < data["target_p99_ms"] else "**missed**"
        codes = ", ".join(f"{k}: {v:,}" for k, v in sorted(row["heavy_status_codes"].items()))
        lines.append(
            f"| {row['server']} | {row['flood']} (`{row['heavy']}`) | {cheap['p50']:.2f} ms | {cheap['p99']:.2f} ms"
            f" | {row['cheap_requests']} | {codes} | {met} |"
        )
    return [*lines, ""]


def fastapi_layers_section(data: dict[str, Any] | None) -> list[str]:
    """`bench/suite/fastapi_layers.py`: what each layer of a request costs, in-process."""
    if data is None:
        return []
    lines = [
        "## Where a FastAPI request's time goes (in-process, no HTTP)",
        "",
        f"`bench/suite/fastapi_layers.py` (in `make bench-http`): {data['conditions']}."
        f" Conditions: {conditions(data['machine'])}. Each row is one ASGI app called as uvicorn would call it;"
        " the differences between rows are what each layer costs. Over HTTP, uvicorn's own cost per request is"
        " added to every row alike, which moves the ratios towards 1.",
        "",
        "| variant | µs a request (median) | spread | the bare no-op's rate / this one's |",
        "|---|---:|---:|---:|",
    ]
    for row in data["rows"]:
        lines.append(
            f"| {row['name']} | {row['median_us']:.1f} | {min(row['samples_us']):.1f} – {max(row['samples_us']):.1f}"
            f" | {row['vs_bare']:.2f} |"
        )
    return [*lines, ""]


def asgi_choice_section(data: dict[str, Any] | None) -> list[str]:
    """`bench/suite/asgi_choice.py`: another ASGI server, and other response classes."""
    if data is None:
        return []
    rows = {row["name"]: row for row in data["rows"]}
    lines = [
        "## Another ASGI server, another response class?",
        "",
        f"`bench/suite/asgi_choice.py` (in `make bench-http`): {data['conditions']}."
        f" Conditions: {conditions(data['machine'])}. granian runs one worker with its single-threaded runtime and"
        " uvloop; the response-class rows build the same body as `/fibonacci-wasm/39`'s per request, in the bare"
        " app under uvicorn.",
        "",
        "| row | compares | req/s (median) | spread | server CPU | vs |",
        "|---|---|---:|---:|---:|---|",
    ]
    for name, row in rows.items():
        values, versus = row["req_per_s"], rows[row["versus"]]
        ratio = row["req_per_s_median"] / versus["req_per_s_median"]
        lines.append(
            f"| {name} | {row['compares']} | {row['req_per_s_median']:,.0f} | {min(values):,.0f} – {max(values):,.0f}"
            f" | {row['server_cores']:.2f} | {ratio:.2f}× {versus['name']} |"
        )

    def verdict(row: dict[str, Any]) -> str:
        """How `row` compares with its `versus` row: faster only when its
        whole spread is above the other's."""
        versus = rows[row["versus"]]
        ratio = row["req_per_s_median"] / versus["req_per_s_median"]
        if min(row["req_per_s"]) > max(versus["req_per_s"]):
            return f"{ratio:.2f}×, measurably faster"
        if max(row["req_per_s"]) < min(versus["req_per_s"]):
            return f"{ratio:.2f}×, measurably slower"
        return f"{ratio:.2f}×, within the spread"

    granian = rows["granian: fastwasm /fibonacci-wasm/39"]
    others = [row for row in rows.values() if row["compares"] == "response class" and row["name"] != row["versus"]]
    bodies = "; ".join(f"`{row['name'].split('/')[2]}` {verdict(row)}" for row in others)
    lines += [
        "",
        f"Against uvicorn, granian serves fastwasm's `/fibonacci-wasm/39` at {verdict(granian)}. Against the"
        f" pre-rendered body (what fastwasm sends): {bodies}. fastwasm adopts another server or response class"
        " only when it is measurably faster.",
    ]
    return [*lines, ""]


def ray_http_section(data: dict[str, Any] | None) -> list[str]:
    """`bench/suite/ray_http.py`: Ray Serve's proxy against plain uvicorn, one box."""
    if data is None:
        return []
    base = data["rows"][0]["req_per_s_median"]
    lines = [
        "## Ray Serve against plain uvicorn (one machine: the proxy's cost, not scale)",
        "",
        f"`bench/suite/ray_http.py` (in `make bench-http`): {data['conditions']}."
        f" Conditions: {conditions(data['machine'])}.",
        "",
        "| server | req/s (median) | spread | vs uvicorn | p50 ms | p99 ms | non-2xx | server CPU | hey CPU"
        " | ready after |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in data["rows"]:
        rates = row["req_per_s"]
        lines.append(
            f"| {row['name']} | {row['req_per_s_median']:,.0f} | {min(rates):,.0f} – {max(rates):,.0f}"
            f" | {row['req_per_s_median'] / base:.2f}× | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | {row['non_2xx']}"
            f" | {row['server_cores']:.2f} | {row['hey_cores']:.2f} | {row['ready_s']:.1f} s |"
        )
    return [*lines, ""]


def kernel_http_section(data: dict[str, Any] | None) -> list[str]:
    """`bench/suite/kernel_http.py`: a bytes kernel on a kernel route, against pure
    Python and a hand-written endpoint, over HTTP and in-process."""
    if data is None:
        return []
    lines = [
        "## A bytes kernel on a kernel route (`POST /kernels/image/grayscale`)",
        "",
        f"`bench/suite/kernel_http.py` (in `make bench-http`): {data['http']['conditions']}."
        f" Conditions: {conditions(data['machine'])}.",
        "",
        "| contender | req/s (median) | p50 | p99 | requests | non-2xx |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in data["http"]["rows"]:
        lines.append(
            f"| {row['name']} | {row['req_per_s_median']:,.0f} | {row['p50_ms']:.2f} ms | {row['p99_ms']:.2f} ms"
            f" | {row['requests']:,} | {row['non_2xx']} |"
        )
    lines += ["", "In-process, without HTTP (medians over the rounds, interleaved):", ""]
    for size, table in data["in_process"].items():
        lines += [*micro_table(f"grayscale of {size}", table), ""]
    return lines


def kernels_section(data: dict[str, Any] | None) -> list[str]:
    """`bench/suite/acall_bench.py`: kernels in a user's FastAPI app."""
    if data is None:
        return []
    floods = data["http"]["floods"]
    alone = next(r for r in floods["rows"] if r["name"] == "/ping alone")
    lines = [
        "## Kernels in your own FastAPI app",
        "",
        f"`bench/suite/acall_bench.py` ([fastapi.md](fastapi.md)). Conditions: {conditions(data['machine'])}.",
        "",
        f"### /ping beside a flood of blurs ({floods['conditions']})",
        "",
        "| the blur route | blurs, req/s (rounds) | /ping p50 | /ping p99 | p99 / alone | pings | non-2xx |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in floods["rows"]:
        rates = ", ".join(f"{r:,.0f}" for r in row["blur_req_per_s"]) or "–"
        ratio = row["ping_p99_ms"] / alone["ping_p99_ms"]
        lines.append(
            f"| {row['name']} | {rates} | {row['ping_p50_ms']:.2f} ms | {row['ping_p99_ms']:.2f} ms"
            f" | {ratio:.2f}× | {row['pings']:,} | {row['non_2xx']} |"
        )
    cheap = data["http"]["cheap"]
    lines += [
        "",
        f"### Cheap routes against a bare FastAPI no-op ({cheap['conditions']})",
        "",
        "| route | req/s (median) | vs the no-op, per round (median; min–max) | non-2xx |",
        "|---|---:|---:|---:|",
    ]
    for row in cheap["rows"]:
        ratios = row["vs_noop"]
        lines.append(
            f"| {row['name']} | {statistics.median(row['req_per_s']):,.0f} | {statistics.median(ratios):.2f}×"
            f" ({min(ratios):.2f}–{max(ratios):.2f}) | {row['non_2xx']} |"
        )
    process = data["in_process"]
    lines += ["", "### In process", ""]
    for title, table in process["tables"].items():
        lines += [*micro_table(f"`call` and `acall`: {title}", table), ""]
    lag = process["loop_lag"]["worst_ms"]
    lines += [
        f"The event loop's worst lag, a 1 ms ticker, while 8 calls of about 200 ms run on"
        f" {process['loop_lag']['call_threads']} call threads: {statistics.median(lag):.2f} ms (median over"
        f" {len(lag)} rounds; {min(lag):.2f}–{max(lag):.2f} ms).",
        "",
        "Where a call runs (the inline threshold's data): the event loop's CPU time per call of `xor-bytes`,"
        " inline and on a call thread, 8 calls at a time:",
        "",
        "| input | the call alone | loop CPU, inline | loop CPU, a call thread |",
        "|---:|---:|---:|---:|",
    ]
    for row in process["placement"]:
        lines.append(
            f"| {row['bytes'] >> 10} KiB | {row['call_us']:.1f} µs | {row['loop_us']['inline']:.1f} µs"
            f" | {row['loop_us']['threads']:.1f} µs |"
        )
    lines += ["", *micro_table("The blocking-call guard on fib(39)", process["guard"]), ""]
    return lines


def soak_section(data: dict[str, Any] | None) -> list[str]:
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


def why_missed(missed: list[str], headline: dict[str, float]) -> list[str]:
    if not missed:
        return []
    facts = {**headline, "needed": 7 / headline["tutorial_ceiling"]}
    reasons = (f"- {WHY_MISSED[k].format(**facts)}" for k in missed if k in WHY_MISSED)
    return ["## Why some targets are missed", "", *reasons, ""]


def times(ratio: float) -> str:
    """`2.3× faster` or `1.2× slower`, from a speed ratio."""
    return f"{ratio:.2f}× faster" if ratio >= 1 else f"{1 / ratio:.2f}× slower"


def headline_lines(
    h: dict[str, float], micro: dict[str, Any], sweep: dict[str, Any], http: dict[str, Any]
) -> list[str]:
    """The headline: in docs/benchmarks.md and, between its markers, in the README."""
    big_n, digits_n = micro["params"]["big_recursive_n"], micro["params"]["digits_n"]
    crossovers = ", ".join(f"{a} from n = {r['wasm_beats_python_from_n']}" for a, r in sweep["sweeps"].items())
    return [
        f'- `fastwasm.fibonacci(39, "wasm")`: {h["wasm_us"]:.3f} µs a call; **{h["vs_python"]:.1f}×** faster than'
        f" pure Python, **{h['vs_wasmtime_py']:.0f}×** faster than wasmtime-py with a cached instance (that is the"
        f" cost of wasmtime-py's per-call wrapper), **{h['vs_extism']:.0f}×** faster than Extism's Python SDK, and"
        f" {h['vs_native']:.1f}× the time of native.",
        f"- Recursive fib({big_n}): WASM is **{h['rec_vs_python']:.1f}×** faster than Python (which makes about"
        f" twice the calls: section 1c), {times(h['rec_vs_extism'])} than Extism,"
        f" {times(h['wasm_vs_wasmtime_py_recursive'])} than wasmtime-py's cached instance (no deadline), and"
        f" {h['rec_vs_native']:.2f}× the time of native; the deadline check is part of that gap (section 1c).",
        f"- fib({digits_n:,}) with its digits: WASM is **{h['digits_vs_python']:.1f}×** faster than Python's compute"
        f" + `str()`, and {h['digits_vs_native']:.2f}× the time of native. Python's compute alone takes"
        f" {fmt_time(h['digits_python_compute_us'] / 1e6)}; CPython's `str()` of the result"
        f" {fmt_time(h['digits_python_str_us'] / 1e6)}, and `fastwasm.int_to_decimal`"
        f" {fmt_time(h['digits_rust_str_us'] / 1e6)}.",
        f"- Over HTTP: `/fibonacci-wasm/39` serves **{h['http_vs_bare']:.2f}×** the req/s of a bare FastAPI no-op"
        f" app (its parameters, when plainly valid, are read without FastAPI's solver: `PlainParamsRoute`),"
        f" {h['http_vs_health']:.2f}× `/health`, and {h['http_vs_tutorial']:.1f}× the tutorial's pattern;"
        f" recursive fib(30) {h['http_rec_vs_python']:.1f}× Python's. At n = 39 Python's `/fibonacci/39` serves"
        f" {h['http_python_vs_wasm']:.2f}× WASM's req/s: the server's cost per request dominates there.",
        f"- The same API served natively by fastwasm-server (axum): **{h['rust_vs_fastapi']:.1f}×** FastAPI's req/s"
        f" on `/fibonacci-wasm/39`, each server on one core; fastwasm-server used {h['rust_server_cores']:.2f} of"
        f" its core and hey {h['rust_hey_cores']:.2f} of the other"
        + (", so hey is the limit there." if h["rust_hey_cores"] > 0.85 > h["rust_server_cores"] + 0.1 else "."),
        f"- WASM first beats Python, at the sweep's grid points on the digits path: {crossovers}.",
        f"- Measured {micro['machine']['date']} (micro, commit {micro['machine'].get('commit', 'unrecorded')}) and"
        f" {http['machine']['date']} (HTTP, commit {http['machine'].get('commit', 'unrecorded')}), on"
        f" {micro['machine']['cpu']}, {micro['machine']['cores']} cores.",
    ]


README_START, README_END = "<!-- headline:start (bench/suite/report.py) -->", "<!-- headline:end -->"


def update_readme(headline: list[str]) -> None:
    """Replaces the README's headline between its markers (full runs only)."""
    readme = ROOT / "README.md"
    text = readme.read_text()
    start, end = text.index(README_START) + len(README_START), text.index(README_END)
    readme.write_text(text[:start] + "\n" + "\n".join(headline) + "\n" + text[end:])


def main() -> None:
    micro = load("micro", ("tables", "thread_scaling", "module_load_ms", "params"))
    sweep = load("sweep", ("sweeps",))
    http = load("http", ("throughput", "scaling", "startup", "memory"))
    target_lines, h, missed = targets(micro, http, sweep)
    headline = headline_lines(h, micro, sweep, http)
    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`bench/suite/report.py`) from `bench/results/*.json`; do not edit by hand.",
        "This machine is a shared 2-core VM and noisy: compare ratios within a table, not absolute numbers"
        " across runs. Every comparison runs its contenders side by side in one run.",
        "",
        "## Headline",
        "",
        *headline,
        "",
        *target_lines,
        *why_missed(missed, h),
        *peers_section(micro),
        *components_section(micro),
        *recursion_section(micro),
        *sweep_section(sweep),
        *scaling_section(http, micro),
        *startup_section(http, micro),
        *startup_kernels_section(load_optional("startup", ("samples", "conditions"))),
        *reload_section(load_optional("reload", ("rows", "conditions"))),
        *memory_section(http),
        *http_section(http),
        *fastapi_layers_section(load_optional("fastapi-layers", ("rows", "conditions"))),
        *asgi_choice_section(load_optional("asgi-choice", ("rows", "conditions"))),
        *ray_http_section(load_optional("ray-http", ("rows", "conditions"))),
        *kernel_http_section(load_optional("kernel-http", ("http", "in_process"))),
        *kernels_section(load_optional("acall", ("http", "in_process"))),
        *arrays_section(load_optional("arrays", ("tables", "conditions"))),
        # A smoke run's few rounds say nothing about what moved.
        *([] if QUICK else moved_section(micro, RESULTS / "wasmtime-48.0.8")),
        *cheap_under_heavy_section(load_optional("cheap-under-heavy", ("rows", "conditions"))),
        *soak_section(load_optional("soak", ("servers", "conditions"))),
        "## Also",
        "",
        "- The Rust runtime alone: `make bench-runtime` (criterion), discussed in [runtime.md](runtime.md).",
        "- Digits natively and as WASM, and the bigint crate: [bigint-choice.md](bigint-choice.md).",
        "",
    ]
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / "benchmarks.md"
    out.write_text("\n".join(lines))
    if not QUICK:
        update_readme(headline)
    print(f"wrote {out} and {len(list(IMG_DIR.glob('*.png')))} charts in {IMG_DIR}")


if __name__ == "__main__":
    main()

"""The HTTP sections of the report: scaling, start-up, memory, the endpoint
table, where a request's time goes, the ASGI server and response class, Ray
Serve, the kernel route, and kernels in a user's FastAPI app."""

from __future__ import annotations

import statistics
from typing import Any

import matplotlib.pyplot as plt

from bench.suite.report_charts import footnote, save
from bench.suite.report_format import conditions, fmt_time, median_range, micro_table, versus


def scaling_section(http: dict[str, Any], micro: dict[str, Any]) -> list[str]:
    machine = http["machine"]
    data = http["scaling"]["req_per_s"]
    configs = list(data)
    paths = list(next(iter(data.values())))
    fig, axes = plt.subplots(1, len(paths), figsize=(11, 4))
    for ax, path in zip(axes, paths, strict=True):
        values = [statistics.median(data[c][path]) for c in configs]
        ax.bar(range(len(configs)), values, color="#654ff0")
        ax.set_xticks(range(len(configs)), configs, rotation=15, fontsize=7)
        ax.set_title(path, fontsize=9)
        ax.set_ylabel("req/s (median)")
        for i, v in enumerate(values):
            ax.text(i, v, f"{v:,.0f}", ha="center", va="bottom", fontsize=8)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    footnote(fig, machine)
    chart = save(fig, "scaling.png")
    first = configs[0]
    lines = [
        "## 3. Scaling: threads and workers",
        "",
        f"![req/s by threads and workers]({chart})",
        "",
        "| configuration | " + " | ".join(f"{p}: req/s, median (min–max) | vs {first}" for p in paths) + " |",
        "|---|" + "---:|---|" * len(paths),
    ]
    for config in configs:
        cells = []
        for p in paths:
            rates = data[config][p]
            against = "–" if config == first else versus(rates, data[first][p], higher_is_better=True)
            cells.append(f"{median_range(rates, '{:,.0f}')} | {against}")
        lines.append(f"| {config} | " + " | ".join(cells) + " |")
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
    bare = next(r["req_per_s"] for r in rows if r["name"] == "bare FastAPI app: /noop")
    lines = [
        "## The HTTP endpoints, one worker, FastAPI and fastwasm-server (axum)",
        "",
        f"{http['throughput']['conditions']}. Conditions: {conditions(http['machine'])}. The bare FastAPI app"
        ' (bench/apps/bare_app.py: one `@app.get` returning `{"ok": 1}`, the same uvicorn settings) is the ceiling'
        " of an endpoint whose parameters FastAPI solves. fastwasm's `/fibonacci*` routes are a `PlainParamsRoute`"
        " (fastwasm/api/routing.py): a plainly valid n and algorithm are read without FastAPI's solver, everything"
        " else goes to it, with the same answers (tests/fastwasm/api/test_routing.py); that is how"
        " `/fibonacci-wasm/39` can come near the bare no-op, which pays the solver. The tutorial app"
        f" (bench/apps/tutorial/app.py) compiles the tutorial's own module ({http['tutorial_module_bytes']:,} bytes,"
        " built from its README's `lib.rs` and `Cargo.toml`: bench/apps/tutorial/guest) on every request, as the"
        " tutorial did. `/health` is the service's readiness answer, which reads the pool and admission state:"
        " no benchmark baseline, the bare app's `/noop` is. CPU columns: cores busy on average while the"
        " row ran (1.00 is one core), for the server's processes and for hey.",
        "",
        "| endpoint | req/s (median) | spread | vs bare FastAPI | p50 ms | p99 ms | non-2xx | server CPU | hey CPU |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        rates = r["req_per_s"]
        ratio = versus(rates, bare, higher_is_better=True)
        cpu = f"{r['server_cores']:.2f} | {r['hey_cores']:.2f}" if "server_cores" in r else "– | –"
        lines.append(
            f"| {r['name']} | {r['req_per_s_median']:,.0f} | {min(rates):,.0f} – {max(rates):,.0f} | {ratio} | "
            f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['non_2xx']} | {cpu} |"
        )
    per_round = {r["name"]: r["req_per_s"] for r in rows}
    python, wasm = per_round.get("/fibonacci/39"), per_round.get("/fibonacci-wasm/39")
    if python and wasm:
        lines += [
            "",
            f"At n = 39 over HTTP, `/fibonacci-wasm/39` against Python's `/fibonacci/39`:"
            f" {versus(wasm, python, higher_is_better=True)}. Both are cheap enough to run inline, and the"
            " per-request cost of the server, not the computation, sets the rate. WASM's lead shows in-process"
            " (section 1) and for heavy work (the recursive rows).",
        ]
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
        values, other = row["req_per_s"], rows[row["versus"]]
        ratio = row["req_per_s_median"] / other["req_per_s_median"]
        lines.append(
            f"| {name} | {row['compares']} | {row['req_per_s_median']:,.0f} | {min(values):,.0f} – {max(values):,.0f}"
            f" | {row['server_cores']:.2f} | {ratio:.2f}× {other['name']} |"
        )

    def verdict(row: dict[str, Any]) -> str:
        """`row` against its `versus` row, by the one rule."""
        return versus(row["req_per_s"], rows[row["versus"]]["req_per_s"], higher_is_better=True)

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
    base = data["rows"][0]["req_per_s"]
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
        vs = "–" if rates is base else versus(rates, base, higher_is_better=True)
        lines.append(
            f"| {row['name']} | {row['req_per_s_median']:,.0f} | {min(rates):,.0f} – {max(rates):,.0f}"
            f" | {vs} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | {row['non_2xx']}"
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

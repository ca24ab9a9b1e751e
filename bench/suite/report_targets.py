"""The targets the issues set, judged round by round under the report's one
rule, and the headline: in docs/benchmarks.md and, between markers, in the
README."""

from __future__ import annotations

import statistics
from typing import Any

from bench.suite.report_format import (
    MARGIN,
    find,
    find_row,
    fmt_time,
    judge,
    median_range,
    noise_reason,
    ratios,
    rows_of,
    versus,
)
from bench.suite.report_micro import crossover, sweep_verdicts

#: (what, key, comparison, threshold): the targets the issues set.
TARGETS = [
    ('`fastwasm.fibonacci(39, "wasm")` ≤ 0.2 µs', "wasm_us", "<=", 0.2),
    (
        '`fastwasm.fibonacci(39, "wasm")` ≥ 75× faster than wasmtime-py with a cached instance',
        "vs_wasmtime_py",
        ">=",
        75,
    ),
    ('`fastwasm.fibonacci(39, "wasm")` faster than pure Python\'s iterative fib(39)', "vs_python", ">", 1),
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


def samples(rows: list[dict[str, Any]], *needles: str) -> list[float]:
    return list(find_row(rows, *needles)["samples_us"])


def per_round(micro: dict[str, Any], http: dict[str, Any], sweep: dict[str, Any]) -> dict[str, list[float]]:
    """Every target's measure, one value per round of its run."""
    fib39 = rows_of(micro, "fib(39)")
    rec = rows_of(micro, f"recursive fib({micro['params']['big_recursive_n']})")
    digits = rows_of(micro, "fast doubling")
    wasm39 = samples(fib39, 'fastwasm.fibonacci(39, "wasm")')
    rate = {r["name"]: r["req_per_s"] for r in http["throughput"]["endpoints"]}
    threads = micro["thread_scaling"]["calls_per_s"]
    points = sweep["sweeps"]["iterative"]["points"]
    rounds = len(points[0]["samples"]["WASM"])
    return {
        "wasm_us": wasm39,
        "vs_python": ratios(samples(fib39, "pure Python"), wasm39),
        "vs_wasmtime_py": ratios(samples(fib39, "wasmtime-py, cached"), wasm39),
        "rec_vs_native": ratios(samples(rec, '"wasm"'), samples(rec, '"native"')),
        "rec_vs_python": ratios(samples(rec, "pure Python"), samples(rec, '"wasm"')),
        "threads": ratios(threads["2"], threads["1"]),
        "digits_vs_python": ratios(samples(digits, "pure Python", "+ str()"), samples(digits, '"wasm"')),
        "digits_vs_native": ratios(samples(digits, '"wasm"'), samples(digits, '"native"')),
        "iterative_sweep": [
            max(p["samples"]["WASM"][i] / p["samples"]["Python"][i] for p in points) for i in range(rounds)
        ],
        "http_vs_bare": ratios(rate["/fibonacci-wasm/39"], rate["bare FastAPI app: /noop"]),
        "http_vs_tutorial": ratios(rate["/fibonacci-wasm/39"], rate["tutorial app: /fibonacci-wasm/39"]),
        "http_rec_vs_python": ratios(
            rate["/fibonacci-wasm/30?algorithm=recursive"], rate["/fibonacci/30?algorithm=recursive"]
        ),
        "rust_vs_fastapi": ratios(rate["fastwasm-server: /fibonacci-wasm/39"], rate["/fibonacci-wasm/39"]),
    }


def facts(micro: dict[str, Any], http: dict[str, Any], sweep: dict[str, Any]) -> dict[str, float]:
    """Medians the headline and the reasons for a missed target quote."""
    rate = {r["name"]: r["req_per_s_median"] for r in http["throughput"]["endpoints"]}
    cores = {r["name"]: (r["server_cores"], r["hey_cores"]) for r in http["throughput"]["endpoints"]}
    digits = rows_of(micro, "fast doubling")
    return {
        "http_shape_vs_bare": rate["bare FastAPI app, same endpoint shape: /fibonacci-wasm/39"]
        / rate["bare FastAPI app: /noop"],
        "tutorial_ceiling": rate["bare FastAPI app: /noop"] / rate["tutorial app: /fibonacci-wasm/39"],
        "rust_rate": rate["fastwasm-server: /fibonacci-wasm/39"],
        "rust_server_cores": cores["fastwasm-server: /fibonacci-wasm/39"][0],
        "rust_hey_cores": cores["fastwasm-server: /fibonacci-wasm/39"][1],
        "iterative_slower_below": max(
            (
                p["n"]
                for p in sweep["sweeps"]["iterative"]["points"]
                if max(w / py for w, py in zip(p["samples"]["WASM"], p["samples"]["Python"], strict=True)) > 1
            ),
            default=0,
        ),
        "digits_python_compute_us": find(digits, "compute only"),
        "digits_python_str_us": find(digits, "str() of"),
        "digits_rust_str_us": find(digits, "int_to_decimal"),
    }


def shown(key: str, values: list[float]) -> str:
    if key == "wasm_us":
        return f"{median_range(values, '{:.3f}')} µs"
    if key == "iterative_sweep":
        return f"WASM/Python at most {median_range(values)}"
    return f"{median_range(values)}×"


def targets(
    micro: dict[str, Any], http: dict[str, Any], sweep: dict[str, Any]
) -> tuple[list[str], dict[str, float], list[str]]:
    """The targets' table, the facts the text quotes, and the keys of the missed targets."""
    rounds = per_round(micro, http, sweep)
    lines = [
        "## Targets of the earlier issues, from this run",
        "",
        "A target is met only when every round of its run meets it; measured: the median over the rounds (min–max).",
        "",
        "| target | measured | met? |",
        "|---|---:|---|",
    ]
    missed = []
    for what, key, op, threshold in TARGETS:
        ok = judge(rounds[key], op, threshold)
        lines.append(f"| {what} | {shown(key, rounds[key])} | {'yes' if ok else '**no**'} |")
        if not ok:
            missed.append(key)
    medians = {key: statistics.median(values) for key, values in rounds.items()}
    return [*lines, ""], {**medians, **facts(micro, http, sweep)}, missed


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
    " with the same endpoint shape (a path int and an enum query, the guest's compute, a pre-rendered body),"
    " its parameters solved by FastAPI. It serves {http_shape_vs_bare:.2f}× the no-op's req/s in this run: that"
    " is what FastAPI's solver costs two parameters. fastwasm's route reads plainly valid parameters without"
    " the solver (`PlainParamsRoute`) and keeps its features: the n limits, the compute histogram, the"
    " rendering, and the middleware's request id, access-log line and request counter. The in-process table"
    " 'Where a FastAPI request's time goes' measures each layer apart.",
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
    "iterative_sweep": "**Iterative WASM no slower than Python at every n.** In some round it is slower up to"
    " n = {iterative_slower_below:.0f} in this run: there Python's whole loop and `str()` cost less than one call"
    " into the guest (for n ≤ 93 its u64 export, formatted in Rust; above, its digits path: allocate, compute,"
    " copy out, free). From the next grid point up WASM is faster.",
}


def why_missed(
    missed: list[str], facts: dict[str, float], micro: dict[str, Any], http: dict[str, Any], sweep: dict[str, Any]
) -> list[str]:
    """A reason for every missed target: when its median meets it and only some
    rounds miss, the noise; otherwise what this run says about the gap."""
    if not missed:
        return []
    rounds = per_round(micro, http, sweep)
    known = {**facts, "needed": 7 / facts["tutorial_ceiling"], "http_vs_bare": facts["http_vs_bare"]}
    reasons = []
    for what, key, op, threshold in TARGETS:
        if key not in missed:
            continue
        values = rounds[key]
        noise = noise_reason(what, values, op, threshold, shown(key, values))
        if noise is not None:
            reasons.append(noise)
        elif key in WHY_MISSED:
            reasons.append(f"- {WHY_MISSED[key].format(**known)}")
        else:
            reasons.append(
                f"- **{what}.** Its median misses too ({shown(key, values)}); no cause is known to this report,"
                " and the section that measures it has the rows."
            )
    return ["## Why some targets are missed", "", *reasons, ""]


def headline_lines(
    h: dict[str, float],
    missed: list[str],
    micro: dict[str, Any],
    sweep: dict[str, Any],
    http: dict[str, Any],
    arrays_missed: list[str],
) -> list[str]:
    """The headline: in docs/benchmarks.md and, between its markers, in the README.
    `arrays_missed` names the missed targets of the lists-of-numbers section."""
    big_n, digits_n = micro["params"]["big_recursive_n"], micro["params"]["digits_n"]
    fib39, digits = rows_of(micro, "fib(39)"), rows_of(micro, "fast doubling")
    rec = rows_of(micro, f"recursive fib({big_n})")
    wasm39, rec_wasm, digits_wasm = samples(fib39, '"wasm"'), samples(rec, '"wasm"'), samples(digits, '"wasm"')
    native39 = samples(fib39, '"native"')
    rate = {r["name"]: r["req_per_s"] for r in http["throughput"]["endpoints"]}
    http_wasm, rust_wasm = rate["/fibonacci-wasm/39"], rate["fastwasm-server: /fibonacci-wasm/39"]
    crossovers = "; ".join(f"{a}: {crossover(sweep_verdicts(r['points']))}" for a, r in sweep["sweeps"].items())
    missed_what = [what for what, key, _, _ in TARGETS if key in missed]
    missed_what += arrays_missed
    python = micro["machine"]["python"]
    return [
        f'- `fastwasm.fibonacci(39, "wasm")`: {h["wasm_us"]:.3f} µs a call. Against pure Python:'
        f" {versus(wasm39, samples(fib39, 'pure Python'))}; against wasmtime-py with a cached instance:"
        f" {versus(wasm39, samples(fib39, 'wasmtime-py, cached'))} (that is the cost of wasmtime-py's per-call"
        f" wrapper); against Extism's Python SDK: {versus(wasm39, samples(fib39, 'Extism'))}; against native:"
        f" {versus(wasm39, native39)}.",
        f"- Recursive fib({big_n}) through WASM. Against Python (which makes about twice the calls: section 1c):"
        f" {versus(rec_wasm, samples(rec, 'pure Python'))}; against Extism: {versus(rec_wasm, samples(rec, 'Extism'))};"
        f" against wasmtime-py's cached instance (no deadline): {versus(rec_wasm, samples(rec, 'wasmtime-py'))};"
        f" against native: {h['rec_vs_native']:.2f}× the time, and the deadline check is part of that gap"
        " (section 1c).",
        f"- fib({digits_n:,}) with its digits through WASM. Against Python's compute + `str()`:"
        f" {versus(digits_wasm, samples(digits, 'pure Python', '+ str()'))}; against Python's compute alone:"
        f" {versus(digits_wasm, samples(digits, 'compute only'))}. The first ratio is CPython's `str()`, which"
        f" takes {fmt_time(h['digits_python_str_us'] / 1e6)} of Python's time (`fastwasm.int_to_decimal`:"
        f" {fmt_time(h['digits_rust_str_us'] / 1e6)}); that `str()` is quadratic on CPython {python}, and CPython"
        " 3.12 and later convert large ints with a subquadratic algorithm, so there the ratio shrinks. Against"
        f" native: {h['digits_vs_native']:.2f}× the time.",
        "- Over HTTP, `/fibonacci-wasm/39` against a bare FastAPI no-op app:"
        f" {versus(http_wasm, rate['bare FastAPI app: /noop'], higher_is_better=True)} in req/s (its"
        " parameters, when plainly valid, are read without FastAPI's solver: `PlainParamsRoute`); against the"
        f" tutorial's pattern {versus(http_wasm, rate['tutorial app: /fibonacci-wasm/39'], higher_is_better=True)};"
        f" recursive fib(30) {h['http_rec_vs_python']:.1f}× Python's req/s. At n = 39, against Python's"
        f" `/fibonacci/39`: {versus(http_wasm, rate['/fibonacci/39'], higher_is_better=True)}; the server's cost"
        " per request dominates there.",
        "- The same API served natively by fastwasm-server (axum), against FastAPI in req/s on"
        f" `/fibonacci-wasm/39`: {versus(rust_wasm, http_wasm, higher_is_better=True)},"
        f" each server on one core; fastwasm-server used {h['rust_server_cores']:.2f} of its core and hey"
        f" {h['rust_hey_cores']:.2f} of the other"
        + (", so hey is the limit there." if h["rust_hey_cores"] > 0.85 > h["rust_server_cores"] + 0.1 else "."),
        f'- The sweep, WASM against Python on the digits path ("from n": at every later grid point): {crossovers}.',
        "- Targets missed in this run: " + ("; ".join(missed_what) if missed_what else "none") + ".",
        "- Faster, slower or a tie by the report's one rule: a whole spread beyond the other's and a median"
        f" at least {MARGIN:.0%} apart.",
        f"- Measured {micro['machine']['date']} (micro, commit {micro['machine'].get('commit', 'unrecorded')}) and"
        f" {http['machine']['date']} (HTTP, commit {http['machine'].get('commit', 'unrecorded')}), on"
        f" {micro['machine']['cpu']}, {micro['machine']['cores']} cores.",
    ]

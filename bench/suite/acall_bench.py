"""Kernels in your own FastAPI app: `await acall` against the tutorial's
mistake, side by side; and `acall` against `call` in process.

Run: part of `make bench` (BENCH_QUICK=1: short blocks, one round).

Over HTTP (bench/apps/kit_app.py and the bare app, each server on CPU 0, hey on
CPU 1, rounds interleaved):

- Floods: the same 512×512 blur route three ways (`await kernel.acall` in
  the kit; `component.call` in an `async def` route, the mistake; and in a
  plain `def` route), each flooded by `hey -c 4` while a second `hey -c 1`
  times `/ping` on the same server; and `/ping` with no flood, the
  baseline.
- Cheap routes: a bare FastAPI no-op, a kit route that awaits a cheap
  kernel function (`echo-u32`), and fastwasm's own `POST
  /kernels/echo/echo-u32`, which nobody marked cheap.

In process: `call` and `acall` of a no-argument function and of a ~10 ms
blur; the event loop's worst lag while eight ~200 ms calls run; what each
placement costs the loop for functions of growing length (the data behind
the inline threshold); and the blocking guard's cost on fib(39).
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import fastwasm
from bench.common import (
    QUICK,
    ROOT,
    ROUNDS,
    Row,
    calls_for,
    fastwasm_server,
    free_port,
    hey,
    machine,
    percentile_ms,
    pinned,
    rate_of,
    run_table,
    serving,
    unexpected_answers,
    uvicorn_app,
    write_results,
)
from loop_lag import ticking

COMPONENTS = Path(fastwasm.__file__).with_name("components")
FAULT = ROOT / "tests" / "components" / "fault.wasm"
SECONDS = 2 if QUICK else 5
HTTP_ROUNDS = 1 if QUICK else 3
CHEAP_SECONDS = 1 if QUICK else 2
CHEAP_ROUNDS = 1 if QUICK else 9
FLOODS = {
    "await kernel.acall (the kit)": "/blur/acall",
    "component.call in async def (the mistake)": "/blur/call-in-async-def",
    "component.call in def (threadpool)": "/blur/call-in-def",
}


def latencies(rows: list[dict[str, str]]) -> list[float]:
    return [float(r["response-time"]) for r in rows]


def non_2xx(rows: list[dict[str, str]]) -> int:
    return sum(1 for r in rows if not r["status-code"].startswith("2"))


def flood(kit: str) -> dict[str, Any]:
    """/ping's latency beside each flood, and alone."""
    found: dict[str, dict[str, Any]] = {
        name: {"rates": [], "ping": [], "non_2xx": 0} for name in ["/ping alone", *FLOODS]
    }
    for _ in range(HTTP_ROUNDS):
        for name, row in found.items():
            if name not in FLOODS:
                ping = hey(kit + "/ping", SECONDS, 1)
            else:
                with tempfile.TemporaryFile() as out:
                    # Both hey on CPU 1: the flood in the background, /ping beside it.
                    command = [*pinned(1), "hey", "-z", f"{SECONDS}s", "-c", "4", "-o", "csv", kit + FLOODS[name]]
                    flooding = subprocess.Popen(command, stdout=out)
                    time.sleep(0.2)
                    ping = hey(kit + "/ping", SECONDS - 0.4, 1)
                    flooding.wait(timeout=SECONDS + 60)
                    out.seek(0)
                    blur = list(csv.DictReader(io.StringIO(out.read().decode())))
                unexpected_answers(kit + FLOODS[name], blur)
                row["rates"].append(rate_of(blur, SECONDS))
                row["non_2xx"] += non_2xx(blur)
            row["ping"] += latencies(ping)
            row["non_2xx"] += non_2xx(ping)
    return {
        "rows": [
            {
                "name": name,
                "blur_req_per_s": row["rates"],
                "ping_p50_ms": percentile_ms(row["ping"], 0.5),
                "ping_p99_ms": percentile_ms(row["ping"], 0.99),
                "pings": len(row["ping"]),
                "non_2xx": row["non_2xx"],
            }
            for name, row in found.items()
        ],
        "conditions": f"flood: hey -z {SECONDS}s -c 4 on a 512×512 blur (radius 8); /ping: hey -c 1 beside it;"
        f" {HTTP_ROUNDS} rounds interleaved; "
        + ("the server on CPU 0, both hey on CPU 1" if pinned(0) else "no pinning"),
    }


def cheap(kit: str, bare: str, service: str, body: Path) -> dict[str, Any]:
    contenders = {
        "bare FastAPI no-op (GET /noop)": (bare + "/noop", None),
        "a route with one dependency of its own, no kernel (GET /depends-noop)": (kit + "/depends-noop", None),
        "kit route awaiting a cheap kernel function (GET /nothing)": (kit + "/nothing", None),
        "the same with an int path parameter (GET /echo/{v})": (kit + "/echo/7", None),
        "fastwasm's POST /kernels/echo/echo-u32": (service + "/kernels/echo/echo-u32", body),
    }
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    bad: dict[str, int] = dict.fromkeys(contenders, 0)
    for url, post in contenders.values():  # warm-up: the measured rule moves cheap functions inline
        hey(url, 1, 8, body=post)
    # Short blocks, many rounds: on a noisy machine a contender is compared
    # with the no-op block right before it, round by round.
    for _ in range(CHEAP_ROUNDS):
        for name, (url, post) in contenders.items():
            rows = hey(url, CHEAP_SECONDS, 8, body=post)
            rates[name].append(rate_of(rows, CHEAP_SECONDS))
            bad[name] += non_2xx(rows)
    base = rates[next(iter(contenders))]
    return {
        "rows": [
            {
                "name": name,
                "req_per_s": rates[name],
                "vs_noop": [rate / noop for rate, noop in zip(rates[name], base, strict=True)],
                "non_2xx": bad[name],
            }
            for name in contenders
        ],
        "conditions": f"hey -z {CHEAP_SECONDS}s -c 8, {CHEAP_ROUNDS} rounds interleaved after a 1 s warm-up each;"
        " `vs_noop` is each round's rate over the no-op's in the same round; "
        + ("each server on CPU 0, hey on CPU 1" if pinned(0) else "no pinning"),
    }


def http() -> dict[str, Any]:
    ports = free_port(), free_port(), free_port()
    kit, bare, service = (f"http://127.0.0.1:{p}" for p in ports)
    with tempfile.TemporaryDirectory() as scratch:
        body = Path(scratch) / "echo.json"
        body.write_text('{"v": 7}')
        with (
            serving(pinned(0) + uvicorn_app("bench.apps.kit_app:app", ports[0]), f"{kit}/ping"),
            serving(pinned(0) + uvicorn_app("bench.apps.bare_app:app", ports[1]), f"{bare}/noop"),
            serving(pinned(0) + fastwasm_server(ports[2]), f"{service}/health"),
        ):
            return {"floods": flood(kit), "cheap": cheap(kit, bare, service, body)}


def in_process() -> dict[str, Any]:
    runtime = fastwasm.Runtime(use_cache=False)
    echo = runtime.load(COMPONENTS / "echo.wasm")
    image = runtime.load(COMPONENTS / "image.wasm")
    assert isinstance(echo, fastwasm.Component)
    assert isinstance(image, fastwasm.Component)
    side = 384
    rgba = bytes((i * 7919) % 251 for i in range(side * side * 4))
    loop = asyncio.new_event_loop()

    def awaited(function: str, *args: Any, inline: bool | None = None, times: int = 200) -> Any:
        # `times` awaits in one running coroutine: the loop's own start-up
        # stays out of the per-call time (the Row divides by `times`).
        async def many() -> None:
            for _ in range(times):
                await echo.acall(function, *args, inline=inline)

        return loop.run_until_complete(many())

    def blur_awaited() -> Any:
        return loop.run_until_complete(image.acall("blur", rgba, side, side, 8))

    for _ in range(64):  # past the measured rule's warm-up: `nothing` runs inline
        awaited("nothing")
    k = 0.05 if QUICK else 0.3
    tables = {
        "a no-argument function (echo's `nothing`)": run_table(
            [
                Row('echo.call("nothing")', lambda: echo.call("nothing"), calls_for(1e-6, k)),
                per_await(
                    Row('await echo.acall("nothing"): inline, as measured', lambda: awaited("nothing")),
                    200,
                    calls_for(200 * 2e-6, k),
                ),
                per_await(
                    Row(
                        'await echo.acall("nothing", inline=False): a call thread',
                        lambda: awaited("nothing", inline=False),
                    ),
                    200,
                    calls_for(200 * 60e-6, k),
                ),
            ]
        ),
        f"a blur of {side}×{side}, radius 8": run_table(
            [
                Row('image.call("blur", ...)', lambda: image.call("blur", rgba, side, side, 8), calls_for(10e-3, k)),
                Row('await image.acall("blur", ...): a call thread', blur_awaited, calls_for(10e-3, k)),
            ]
        ),
    }
    for rows in tables.values():
        for row in rows:
            if row.name in PER_AWAIT:
                row.samples_us = [us / PER_AWAIT[row.name] for us in row.samples_us]
    result: dict[str, Any] = {
        title: [{"name": r.name, "median_us": r.median, "samples_us": r.samples_us} for r in rows]
        for title, rows in tables.items()
    }
    loop.close()
    return {
        "tables": result,
        "loop_lag": loop_lag(runtime),
        "placement": placement(runtime, echo),
        "guard": guard(),
    }


#: Rows whose one call is this many awaits: their samples are divided by it.
PER_AWAIT: dict[str, int] = {}


def per_await(row: Row, awaits: int, rounds_calls: int) -> Row:
    PER_AWAIT[row.name] = awaits
    row.calls_per_round = max(1, rounds_calls // awaits)
    return row


def loop_lag(runtime: fastwasm.Runtime) -> dict[str, Any]:
    """The worst lag of a 1 ms ticker while 8 calls of ~200 ms run (each a
    spin stopped at its deadline), once per round."""
    fault = runtime.load(FAULT)
    assert isinstance(fault, fastwasm.Component)

    async def once() -> float:
        async def long_call() -> None:
            with contextlib.suppress(fastwasm.WasmTimeout):
                await fault.acall("spin", timeout_s=0.2)

        async with ticking() as lags:
            await asyncio.gather(*(long_call() for _ in range(8)))
        return max(lags) * 1e3

    worst = [asyncio.run(once()) for _ in range(ROUNDS)]
    return {"worst_ms": worst, "call_threads": runtime.call_threads}


def placement(runtime: fastwasm.Runtime, echo: fastwasm.Component) -> list[dict[str, Any]]:
    """For xor-bytes of growing size: the call's own time, and the event
    loop's CPU time per call when it runs inline and when it goes to a call
    thread (500 calls, 8 at a time)."""
    out = []
    for size in (1 << 10, 8 << 10, 32 << 10, 128 << 10, 512 << 10):
        data = b"x" * size
        echo.call("xor-bytes", data, 1)
        start = time.perf_counter()
        for _ in range(20):
            echo.call("xor-bytes", data, 1)
        call_us = (time.perf_counter() - start) / 20 * 1e6
        loop_us: dict[str, float] = {}
        for inline in (True, False):

            async def batch(data: bytes = data, inline: bool = inline) -> None:
                for _ in range(500 // 8):
                    await asyncio.gather(*(echo.acall("xor-bytes", data, 1, inline=inline) for _ in range(8)))

            cpu = time.thread_time()
            asyncio.run(batch())
            loop_us["inline" if inline else "threads"] = (time.thread_time() - cpu) / (500 // 8 * 8) * 1e6
        out.append({"bytes": size, "call_us": call_us, "loop_us": loop_us})
    return out


def guard() -> list[dict[str, Any]]:
    """fib(39) through FibonacciModule.compute with the blocking guard (the
    default) and without it (`blocking_warning_ms=0`)."""
    on = fastwasm.Runtime(use_cache=False).fibonacci_module()
    off = fastwasm.Runtime(use_cache=False, blocking_warning_ms=0).fibonacci_module()
    rows = run_table(
        [
            Row("compute(39), guard on (default)", lambda: on.compute(39), calls_for(0.2e-6, 0.2 if QUICK else 0.5)),
            Row("compute(39), guard off", lambda: off.compute(39), calls_for(0.2e-6, 0.2 if QUICK else 0.5)),
        ]
    )
    return [{"name": r.name, "median_us": r.median, "samples_us": r.samples_us} for r in rows]


def main() -> None:
    payload = {
        "machine": machine("make bench (bench/suite/acall_bench.py)"),
        "http": http(),
        "in_process": in_process(),
        "rounds": ROUNDS,
    }
    path = write_results("acall", payload)
    for row in payload["http"]["floods"]["rows"]:
        rate = statistics.median(row["blur_req_per_s"]) if row["blur_req_per_s"] else 0.0
        print(
            f"{row['name']}: blur {rate:,.0f} req/s; /ping p50 {row['ping_p50_ms']:.2f} ms, "
            f"p99 {row['ping_p99_ms']:.2f} ms; {row['non_2xx']} non-2xx"
        )
    for row in payload["http"]["cheap"]["rows"]:
        print(
            f"{row['name']}: {statistics.median(row['req_per_s']):,.0f} req/s, "
            f"{statistics.median(row['vs_noop']):.2f}× the no-op; {row['non_2xx']} non-2xx"
        )
    print(json.dumps(payload["in_process"], indent=1)[:3000])
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

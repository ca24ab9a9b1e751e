"""Soak: mixed load at 50 connections against each server in turn, as a check.

Run: make soak   (SOAK_SECONDS=N sets the measured part, default 60). Marked
`soak`: a plain `pytest` leaves it out; `pytest -m soak` runs it.

For FastAPI (`fastwasm serve`) and then fastwasm-server, each fresh with
default settings: five `hey` processes run at once, 10 connections each:
cheap valid, heavy valid (recursive through WASM; for FastAPI also pure
Python), invalid (negative n), over the limit, and huge digits. A warm-up of
WARMUP_SECONDS under the same load comes first, so that the RSS baseline is
taken once caches, pools and allocator arenas have filled. Meanwhile this
script spot-checks exact values over HTTP against its own reference and
samples the server's RSS.

It fails on any unintended 5xx (only 503, admission control's
answer, is intended), any spot check that is not exact, or RSS growth above
10% from the warmed-up start to the end. RSS is sampled every second; start
and end are the medians of the first and the last RSS_WINDOW samples of the
measured part, so that one allocator spike is not taken for a leak, while a
leak, which grows steadily, still is. It prints one table for both servers
and writes bench/results/soak.json (soak-quick.json with BENCH_QUICK=1) for
docs/benchmarks.md.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import statistics
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from bench.common import fastwasm_server, free_port, machine, percentile_ms, rust_server, serving, write_results

SECONDS = int(os.environ.get("SOAK_SECONDS", "60"))
WARMUP_SECONDS = int(os.environ.get("SOAK_WARMUP_SECONDS", "10"))
LOADS = {
    "cheap": "/fibonacci-wasm/39",
    "heavy WASM": "/fibonacci-wasm/32?algorithm=recursive",
    "invalid": "/fibonacci-wasm/-5",
    "over the limit": "/fibonacci-wasm/100001",
    "huge": "/fibonacci-native/200000?algorithm=fast_doubling",
}
PYTHON_ONLY_LOADS = {"heavy Python": "/fibonacci/27?algorithm=recursive"}
INTENDED = {
    "cheap": {"200"},
    "heavy WASM": {"200", "503"},
    "heavy Python": {"200", "503"},
    "invalid": {"400"},
    "over the limit": {"400"},
    "huge": {"200", "503"},
}
SERVERS = {"FastAPI": fastwasm_server, "fastwasm-server": rust_server}
MAX_RSS_GROWTH = 0.10
RSS_WINDOW = 5


def reference(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def flood(base: str, loads: dict[str, str], seconds: int) -> dict[str, subprocess.Popen[str]]:
    return {
        name: subprocess.Popen(
            ["hey", "-z", f"{seconds}s", "-c", "10", "-o", "csv", base + path], stdout=subprocess.PIPE, text=True
        )
        for name, path in loads.items()
    }


def soak(server: str) -> dict[str, object]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    loads = {**LOADS, **(PYTHON_ONLY_LOADS if server == "FastAPI" else {})}
    methods = ["fibonacci-wasm", "fibonacci-native"] + (["fibonacci"] if server == "FastAPI" else [])
    spot = {"checked": 0, "exact": 0}
    cheap_latencies: list[float] = []
    rss: list[float] = []
    with serving(SERVERS[server](port), f"{base}/health") as process:
        for warming in flood(base, loads, WARMUP_SECONDS).values():
            warming.communicate()
        running = flood(base, loads, SECONDS)
        stop = time.monotonic() + SECONDS
        rng = random.Random(7)

        def sample_rss() -> None:
            while time.monotonic() < stop:
                rss.append(rss_mb(process.pid))
                time.sleep(1)

        sampler = threading.Thread(target=sample_rss)
        sampler.start()
        while time.monotonic() < stop - 1:
            n = rng.randint(0, 3000)
            try:
                with urllib.request.urlopen(f"{base}/{rng.choice(methods)}/{n}", timeout=30) as response:
                    body = json.loads(response.read())
                spot["checked"] += 1
                spot["exact"] += body["digits"] == str(reference(n))
            except urllib.error.HTTPError as error:
                if error.code != 503:
                    raise
            start = time.perf_counter()
            urllib.request.urlopen(f"{base}/fibonacci-wasm/39", timeout=30).read()
            cheap_latencies.append(time.perf_counter() - start)
            time.sleep(0.05)
        outputs = {name: load.communicate()[0] for name, load in running.items()}
        sampler.join()
    per_load = {}
    unintended: dict[str, int] = {}
    for name, out in outputs.items():
        codes: dict[str, int] = {}
        for row in csv.DictReader(io.StringIO(out)):
            codes[row["status-code"]] = codes.get(row["status-code"], 0) + 1
        per_load[name] = {"path": loads[name], "requests": sum(codes.values()), "status_codes": codes}
        for code, count in codes.items():
            if code not in INTENDED[name]:
                unintended[f"{name}: {code}"] = count
    start_mb, end_mb = statistics.median(rss[:RSS_WINDOW]), statistics.median(rss[-RSS_WINDOW:])
    growth = (end_mb - start_mb) / start_mb
    failures = [f"unintended status {k} ({v}x)" for k, v in unintended.items()]
    if spot["exact"] != spot["checked"]:
        failures.append(f"{spot['checked'] - spot['exact']} spot checks not exact")
    if growth > MAX_RSS_GROWTH:
        failures.append(f"RSS grew {growth:.1%} (limit {MAX_RSS_GROWTH:.0%})")
    return {
        "server": server,
        "loads": per_load,
        "requests": sum(load["requests"] for load in per_load.values()),
        "unintended": unintended,
        "rss_mb": {"start": start_mb, "end": end_mb, "max": max(rss), "growth": growth, "samples": rss},
        "spot_checks": spot,
        "cheap_latency_under_load_ms": {
            "p50": percentile_ms(cheap_latencies, 0.5),
            "p99": percentile_ms(cheap_latencies, 0.99),
            "samples": len(cheap_latencies),
        },
        "failures": failures,
    }


@pytest.mark.soak
def test_both_servers_stay_exact_and_bounded_under_mixed_load() -> None:
    results = [soak(server) for server in SERVERS]
    payload = {
        "machine": machine("make soak"),
        "conditions": f"{WARMUP_SECONDS} s warm-up, then {SECONDS} s measured; 5 or 6 hey loads at 10 connections "
        f"each; a fresh server with default settings; nothing pinned; RSS start and end are medians of "
        f"{RSS_WINDOW} one-second samples",
        "servers": results,
    }
    path = write_results("soak", payload)
    print(f"soak: {SECONDS} s after a {WARMUP_SECONDS} s warm-up, each server in turn")
    print(
        f"{'server':<16} {'requests':>9} {'unintended':>10} {'exact':>9} {'RSS start':>10} {'RSS end':>8} "
        f"{'growth':>7} {'cheap p99':>10}  result"
    )
    for r in results:
        rss, spot, cheap = r["rss_mb"], r["spot_checks"], r["cheap_latency_under_load_ms"]
        print(
            f"{r['server']:<16} {r['requests']:>9,} {sum(r['unintended'].values()):>10} "  # type: ignore[attr-defined]
            f"{spot['exact']:>4}/{spot['checked']:<4} {rss['start']:>8.1f}MB {rss['end']:>6.1f}MB "  # type: ignore[index]
            f"{rss['growth']:>+7.1%} {cheap['p99']:>8.2f}ms  "  # type: ignore[index]
            f"{'FAIL: ' + '; '.join(r['failures']) if r['failures'] else 'ok'}"  # type: ignore[arg-type]
        )
    for r in results:
        for name, load in r["loads"].items():  # type: ignore[attr-defined]
            print(f"  {r['server']}: {name} {load['path']}: {load['requests']:,} requests, {load['status_codes']}")
    print(f"wrote {path}")
    assert {r["server"]: r["failures"] for r in results} == {server: [] for server in SERVERS}

"""Soak: 60 s of mixed load at 50 connections against one server.

Run: make soak   (a benchmark, not a test; SOAK_SECONDS=N shortens it)

Five `hey` processes run at once, 10 connections each: cheap valid, heavy
valid, invalid (negative n), over-the-limit, and huge digits. Meanwhile this
script spot-checks exact values over HTTP against its own reference, samples
the server's RSS, and measures the cheap endpoint's latency under the heavy
flood. Reported: requests, status codes (503/504 are the intended overload
answers; any other 5xx is a failure), RSS at start and end, and the spot checks.
"""

from __future__ import annotations

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

from common import fastwasm_server, free_port, machine, percentile_ms, serving, write_results

SECONDS = int(os.environ.get("SOAK_SECONDS", "60"))
LOADS = {
    "cheap: /fibonacci-wasm/39": "/fibonacci-wasm/39",
    "heavy: /fibonacci-wasm/32?algorithm=recursive": "/fibonacci-wasm/32?algorithm=recursive",
    "invalid: /fibonacci-wasm/-5": "/fibonacci-wasm/-5",
    "over the limit: /fibonacci/100001": "/fibonacci/100001",
    "huge: /fibonacci-native/200000?algorithm=fast_doubling": "/fibonacci-native/200000?algorithm=fast_doubling",
}
INTENDED_5XX = {"503", "504"}


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


def main() -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    spot = {"checked": 0, "exact": 0}
    cheap_latencies: list[float] = []
    rss: list[float] = []
    with serving(fastwasm_server(port), f"{base}/health") as server:
        # Warm up, then take the starting RSS.
        for _ in range(200):
            urllib.request.urlopen(f"{base}/fibonacci-wasm/39").read()
        rss.append(rss_mb(server.pid))
        loads = {
            name: subprocess.Popen(
                ["hey", "-z", f"{SECONDS}s", "-c", "10", "-o", "csv", base + path],
                stdout=subprocess.PIPE,
                text=True,
            )
            for name, path in LOADS.items()
        }
        stop = time.monotonic() + SECONDS
        rng = random.Random(7)

        def sample_rss() -> None:
            while time.monotonic() < stop:
                rss.append(rss_mb(server.pid))
                time.sleep(1)

        sampler = threading.Thread(target=sample_rss)
        sampler.start()
        while time.monotonic() < stop - 1:
            n = rng.randint(0, 3000)
            method = rng.choice(["fibonacci", "fibonacci-wasm", "fibonacci-native"])
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(f"{base}/{method}/{n}", timeout=30) as response:
                    body = json.loads(response.read(), parse_int=int)
                spot["checked"] += 1
                spot["exact"] += body["fibonacci"] == reference(n)
            except urllib.error.HTTPError as error:
                if error.code not in (503, 504):
                    raise
            start = time.perf_counter()
            urllib.request.urlopen(f"{base}/fibonacci-wasm/39", timeout=30).read()
            cheap_latencies.append(time.perf_counter() - start)
            time.sleep(0.05)
        outputs = {name: process.communicate()[0] for name, process in loads.items()}
        sampler.join()
        rss.append(rss_mb(server.pid))

    import csv
    import io

    per_load = {}
    statuses: dict[str, int] = {}
    for name, out in outputs.items():
        rows = list(csv.DictReader(io.StringIO(out)))
        codes: dict[str, int] = {}
        for row in rows:
            codes[row["status-code"]] = codes.get(row["status-code"], 0) + 1
            statuses[row["status-code"]] = statuses.get(row["status-code"], 0) + 1
        per_load[name] = {"requests": len(rows), "status_codes": codes}
    unintended_5xx = sum(v for k, v in statuses.items() if k.startswith("5") and k not in INTENDED_5XX)
    growth = (rss[-1] - rss[0]) / rss[0]
    payload = {
        "machine": machine("make soak"),
        "seconds": SECONDS,
        "loads": per_load,
        "status_codes": statuses,
        "unintended_5xx": unintended_5xx,
        "rss_mb": {"start": rss[0], "end": rss[-1], "max": max(rss), "growth": growth},
        "spot_checks": spot,
        "cheap_latency_under_load_ms": {
            "p50": percentile_ms(cheap_latencies, 0.5),
            "p99": percentile_ms(cheap_latencies, 0.99),
            "samples": len(cheap_latencies),
        },
    }
    path = write_results("soak", payload)
    print(f"soak: {SECONDS} s, {sum(statuses.values()):,} requests, status codes {dict(sorted(statuses.items()))}")
    print(f"unintended 5xx: {unintended_5xx}")
    print(f"RSS: {rss[0]:.1f} MiB at start, {rss[-1]:.1f} MiB at the end ({growth:+.1%}), max {max(rss):.1f} MiB")
    print(f"spot checks: {spot['exact']} exact of {spot['checked']}")
    if cheap_latencies:
        print(
            f"/fibonacci-wasm/39 under the flood: p50 {statistics.median(cheap_latencies) * 1e3:.2f} ms, "
            f"p99 {percentile_ms(cheap_latencies, 0.99):.2f} ms over {len(cheap_latencies)} requests"
        )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

"""Do cheap requests wait behind heavy ones? The latency of /fibonacci-wasm/39
while `hey` floods the same server with heavy work, one kind of heavy work at
a time, on both servers.

Run: .venv/bin/python -m bench.suite.cheap_under_heavy   (part of make soak;
HEAVY_SECONDS=N sets each flood's length; BENCH_QUICK=1 runs 3 s floods)

Floods (hey -c 8): recursive fib(30) in pure
Python (FastAPI only: fastwasm-server has no Python method), recursive fib(32)
through WASM, and recursive fib(32) natively. Each flood gets a fresh server
with default settings, nothing pinned: the server, hey and this script share
the machine's cores, as they would in production. During the flood this
script sends one cheap request every 20 ms, each on a new connection, and
times it. Reported per (server, flood): the cheap requests' p50 and p99 and
count, and the heavy requests' status codes (503 is admission control
refusing extra heavy work). The target is a cheap p99 under 50 ms.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import time
import urllib.request

from bench.common import QUICK, fastwasm_server, free_port, machine, percentile_ms, rust_server, serving, write_results

SECONDS = int(os.environ.get("HEAVY_SECONDS", "3" if QUICK else "10"))
CONNECTIONS = 8
CHEAP = "/fibonacci-wasm/39"
FLOODS = {
    "Python": "/fibonacci/30?algorithm=recursive",
    "WASM": "/fibonacci-wasm/32?algorithm=recursive",
    "native": "/fibonacci-native/32?algorithm=recursive",
}
SERVERS = {"FastAPI": fastwasm_server, "fastwasm-server": rust_server}
TARGET_P99_MS = 50.0


def one_flood(command: list[str], base: str, heavy: str) -> dict[str, object]:
    latencies: list[float] = []
    with serving(command, f"{base}/health"):
        flood = subprocess.Popen(
            ["hey", "-z", f"{SECONDS}s", "-c", str(CONNECTIONS), "-o", "csv", base + heavy],
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(1)  # let the flood build up
        stop = time.monotonic() + SECONDS - 1.5
        while time.monotonic() < stop:
            start = time.perf_counter()
            with urllib.request.urlopen(base + CHEAP, timeout=30) as response:
                assert response.status == 200
            latencies.append(time.perf_counter() - start)
            time.sleep(0.02)
        out = flood.communicate()[0]
    codes: dict[str, int] = {}
    for row in csv.DictReader(io.StringIO(out)):
        codes[row["status-code"]] = codes.get(row["status-code"], 0) + 1
    return {
        "cheap_ms": {"p50": percentile_ms(latencies, 0.5), "p99": percentile_ms(latencies, 0.99)},
        "cheap_requests": len(latencies),
        "heavy_status_codes": codes,
    }


def main() -> None:
    rows = []
    for server, command_for in SERVERS.items():
        for flood, heavy in FLOODS.items():
            if server == "fastwasm-server" and flood == "Python":
                continue  # no Python method there
            port = free_port()
            result = one_flood(command_for(port), f"http://127.0.0.1:{port}", heavy)
            rows.append({"server": server, "flood": flood, "heavy": heavy, **result})
    payload = {
        "machine": machine("make soak (bench/suite/cheap_under_heavy.py)"),
        "conditions": f"hey -z {SECONDS}s -c {CONNECTIONS} on the heavy route; one cheap {CHEAP} every 20 ms, "
        "a new connection each; a fresh server per flood, default settings, nothing pinned",
        "target_p99_ms": TARGET_P99_MS,
        "rows": rows,
    }
    path = write_results("cheap-under-heavy", payload)
    print(f"{CHEAP} under floods of heavy work (hey -c {CONNECTIONS}, {SECONDS} s each):")
    print(f"{'server':<16} {'flood':<8} {'p50 ms':>8} {'p99 ms':>8} {'cheap n':>8}  heavy status codes")
    for row in rows:
        cheap = row["cheap_ms"]
        print(
            f"{row['server']:<16} {row['flood']:<8} {cheap['p50']:>8.2f} {cheap['p99']:>8.2f} "  # type: ignore[index]
            f"{row['cheap_requests']:>8}  {row['heavy_status_codes']}"
        )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

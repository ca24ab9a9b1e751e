"""Do cheap requests wait behind heavy ones? The latency of /fibonacci-wasm/39
while `hey` floods the same server with heavy recursive requests.

Run: .venv/bin/python bench/cheap_under_heavy.py   (part of make soak; HEAVY_SECONDS=N)

One server with default settings. `hey -c 50` sends recursive fib(32) through
WASM for the whole run; this script sends one cheap request every 20 ms and
times each. Reported: the cheap requests' p50 and p99, and the heavy
requests' status codes (503 is admission control refusing extra heavy work).
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import time
import urllib.request

from common import fastwasm_server, free_port, machine, percentile_ms, serving, write_results

SECONDS = int(os.environ.get("HEAVY_SECONDS", "20"))
HEAVY = "/fibonacci-wasm/32?algorithm=recursive"
CHEAP = "/fibonacci-wasm/39"


def main() -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    latencies: list[float] = []
    with serving(fastwasm_server(port), f"{base}/health"):
        flood = subprocess.Popen(
            ["hey", "-z", f"{SECONDS}s", "-c", "50", "-o", "csv", base + HEAVY], stdout=subprocess.PIPE, text=True
        )
        time.sleep(1)  # let the flood build up
        stop = time.monotonic() + SECONDS - 2
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
    payload = {
        "machine": machine("make soak (bench/cheap_under_heavy.py)"),
        "cheap_ms": {"p50": percentile_ms(latencies, 0.5), "p99": percentile_ms(latencies, 0.99)},
        "cheap_requests": len(latencies),
        "heavy_status_codes": codes,
    }
    path = write_results("cheap-under-heavy", payload)
    print(
        f"{CHEAP} under a flood of {HEAVY} (hey -c 50, {SECONDS} s): p50 {payload['cheap_ms']['p50']:.2f} ms, "
        f"p99 {payload['cheap_ms']['p99']:.2f} ms over {len(latencies)} requests; heavy status codes {codes}"
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

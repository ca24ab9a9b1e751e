"""fastwasm on Ray Serve against plain uvicorn, on this one machine: the
cost of Serve's HTTP proxy and replica hop, not scale (one box, 2 cores).

Each contender serves `/fibonacci-wasm/39`: `fastwasm serve` (uvicorn, one
worker), then `fastwasm serve --engine ray` with 1 and with 2 replicas of 0.5
CPU, each started in turn on a fresh local cluster. As in bench/suite/http_bench.py,
the server side (every Ray process included) is pinned to CPU 0 and hey to
CPU 1; the server's CPU use is recorded.

Run: part of `make bench-http` (needs the `ray` extra: make ray-venv). In
BENCH_QUICK=1 mode it runs nothing: `make test-ray` tests the Ray path.
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
import time

from bench.common import (
    FASTWASM_BIN,
    QUICK,
    cpu_seconds,
    free_port,
    hey,
    machine,
    percentile_ms,
    pinned,
    rate_of,
    serving,
    write_results,
)

SECONDS = 5
ROUNDS = 3
CONNECTIONS = 20
PATH = "/fibonacci-wasm/39"


def contenders() -> dict[str, list[str]]:
    serve = [FASTWASM_BIN, "serve", "--log-level", "warning"]
    return {
        "uvicorn, one worker": serve,
        "Ray Serve, 1 replica": [*serve, "--engine", "ray", "--replicas", "1"],
        "Ray Serve, 2 replicas": [*serve, "--engine", "ray", "--replicas", "2"],
    }


def main() -> None:
    if QUICK or importlib.util.find_spec("ray") is None:
        print("ray_http: skipped (quick mode, or no ray: make ray-venv)")
        return
    info = machine("make bench-http (bench/suite/ray_http.py)")
    rows = []
    for name, command in contenders().items():
        port = free_port()
        url = f"http://127.0.0.1:{port}{PATH}"
        started = time.perf_counter()
        with serving([*pinned(0), *command, "--port", str(port)], url) as process:
            ready_s = time.perf_counter() - started
            rates, latencies, non_2xx, server, load, wall = [], [], 0, 0.0, 0.0, 0.0
            hey(url, 1, CONNECTIONS, cpu=1)  # warm-up
            for _ in range(ROUNDS):
                used = {"hey": 0.0}
                before, start = cpu_seconds(process.pid), time.perf_counter()
                sample = hey(url, SECONDS, CONNECTIONS, cpu=1, cpu_use=used)
                wall += time.perf_counter() - start
                server += cpu_seconds(process.pid) - before
                load += used["hey"]
                rates.append(rate_of(sample, SECONDS))
                latencies += [float(r["response-time"]) for r in sample]
                non_2xx += sum(1 for r in sample if not r["status-code"].startswith("2"))
        row = {
            "name": name,
            "ready_s": ready_s,
            "req_per_s": rates,
            "req_per_s_median": statistics.median(rates),
            "p50_ms": percentile_ms(latencies, 0.50),
            "p99_ms": percentile_ms(latencies, 0.99),
            "requests": len(latencies),
            "non_2xx": non_2xx,
            "server_cores": server / wall,
            "hey_cores": load / wall,
        }
        rows.append(row)
        print(f"{name}: {row['req_per_s_median']:,.0f} req/s, p99 {row['p99_ms']:.1f} ms, ready in {ready_s:.1f} s")
    payload = {
        "machine": info,
        "conditions": f"`{PATH}`, hey -z {SECONDS}s -c {CONNECTIONS}, {ROUNDS} rounds per contender after a 1 s"
        " warm-up; server side (all Ray processes included) on CPU 0, hey on CPU 1; each Ray contender on a fresh"
        " local cluster, replicas of 0.5 CPU",
        "rows": rows,
    }
    print(f"wrote {write_results('ray-http', payload)}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()

"""HTTP benchmarks of fastwasm's FastAPI service: throughput and latency per
endpoint (with the tutorial's per-request pattern in the same run), scaling
with threads and workers, start-up time, and peak memory.

Run: make bench-http   (BENCH_QUICK=1: short blocks, one round; a smoke run)

Throughput table: `fastwasm serve --workers 1`, fastwasm-server (axum, the
same API natively) and the tutorial app (bench/apps/tutorial/app.py) each run
pinned to CPU 0 and `hey` to CPU 1, so the load generator does not take the
server's core and each server has one core. Endpoints are interleaved across
rounds. Scaling needs both cores for the server, so there only hey is
pinned (to CPU 1), with few connections, over the same rounds.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.apps.tutorial.app import WASM_PATH as TUTORIAL_WASM
from bench.common import (
    QUICK,
    cpu_seconds,
    fastwasm_server,
    free_port,
    hey,
    machine,
    percentile_ms,
    pinned,
    rate_of,
    rust_server,
    serving,
    uvicorn_app,
    wait_until_up,
    write_results,
)

SECONDS = 1 if QUICK else 5
ROUNDS = 1 if QUICK else 3
CONNECTIONS = 20

HEAVY = "/fibonacci-wasm/30?algorithm=recursive"
CHEAP = "/fibonacci-wasm/39"
TABLE = [
    "/health",
    CHEAP,
    "/fibonacci-native/39",
    "/fibonacci/39",
    HEAVY,
    "/fibonacci/30?algorithm=recursive",
]
MEMORY = [
    "/health",
    CHEAP,
    "/fibonacci-native/39",
    "/fibonacci/39",
    HEAVY,
    "/fibonacci-native/30?algorithm=recursive",
    "/fibonacci-wasm/1000000?algorithm=fast_doubling",
    "/fibonacci-native/1000000?algorithm=fast_doubling",
]
TUTORIAL = "tutorial app: /fibonacci-wasm/39"
#: The ceiling: a bare FastAPI app (bench/apps/bare_app.py), same uvicorn settings.
BARE = "bare FastAPI app: /noop"
#: The same endpoint shape as /fibonacci-wasm/{n}, without fastwasm's features.
SHAPE = "bare FastAPI app, same endpoint shape: /fibonacci-wasm/39"
#: fastwasm-server rows: the same endpoints, minus the Python-only ones.
RUST = "fastwasm-server: "
RUST_TABLE = ["/health", CHEAP, "/fibonacci-native/39", HEAVY]


def throughput() -> dict[str, Any]:
    port, tutorial_port, rust_port, bare_port = free_port(), free_port(), free_port(), free_port()
    base, tutorial = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{tutorial_port}"
    rust, bare = f"http://127.0.0.1:{rust_port}", f"http://127.0.0.1:{bare_port}"
    urls = (
        {BARE: f"{bare}/noop", SHAPE: f"{bare}/fibonacci-wasm/39"}
        | {path: base + path for path in TABLE}
        | {RUST + path: rust + path for path in RUST_TABLE}
        | {TUTORIAL: f"{tutorial}/fibonacci-wasm/39"}
    )
    rates: dict[str, list[float]] = {name: [] for name in urls}
    latencies: dict[str, list[float]] = {name: [] for name in urls}
    non_2xx = dict.fromkeys(urls, 0)
    # CPU seconds per row: the server's process tree, and hey.
    server_cpu = dict.fromkeys(urls, 0.0)
    hey_cpu = dict.fromkeys(urls, 0.0)
    wall = dict.fromkeys(urls, 0.0)
    with (
        serving(pinned(0) + fastwasm_server(port), f"{base}/health") as fastwasm_process,
        serving(
            pinned(0) + uvicorn_app("bench.apps.tutorial.app:app", tutorial_port), f"{tutorial}/fibonacci-wasm/1"
        ) as tutorial_process,
        serving(pinned(0) + rust_server(rust_port), f"{rust}/health") as rust_process,
        serving(pinned(0) + uvicorn_app("bench.apps.bare_app:app", bare_port), f"{bare}/noop") as bare_process,
    ):

        def server_of(name: str) -> int:
            if name in (BARE, SHAPE):
                return bare_process.pid
            if name == TUTORIAL:
                return tutorial_process.pid
            return (rust_process if name.startswith(RUST) else fastwasm_process).pid

        for _ in range(ROUNDS):
            for name, url in urls.items():
                pid, used = server_of(name), {"hey": 0.0}
                cpu_before, start = cpu_seconds(pid), time.perf_counter()
                rows = hey(url, SECONDS, CONNECTIONS, cpu=1, cpu_use=used)
                wall[name] += time.perf_counter() - start
                server_cpu[name] += cpu_seconds(pid) - cpu_before
                hey_cpu[name] += used["hey"]
                rates[name].append(rate_of(rows, SECONDS))
                latencies[name] += [float(r["response-time"]) for r in rows]
                non_2xx[name] += sum(1 for r in rows if not r["status-code"].startswith("2"))
    return {
        "endpoints": [
            {
                "name": name,
                "req_per_s": rates[name],
                "req_per_s_median": statistics.median(rates[name]),
                "p50_ms": percentile_ms(latencies[name], 0.50),
                "p99_ms": percentile_ms(latencies[name], 0.99),
                "requests": len(latencies[name]),
                "non_2xx": non_2xx[name],
                # Cores busy on average while the row ran: 1.0 is one whole core.
                "server_cores": server_cpu[name] / wall[name] if wall[name] else 0.0,
                "hey_cores": hey_cpu[name] / wall[name] if wall[name] else 0.0,
            }
            for name in urls
        ],
        "conditions": f"hey -z {SECONDS}s -c {CONNECTIONS}, {ROUNDS} rounds interleaved; "
        + ("server on CPU 0, hey on CPU 1" if pinned(0) else "no pinning"),
    }


def scaling() -> dict[str, Any]:
    """req/s of a heavy and a cheap endpoint: 1 vs 2 threadpool threads in one
    worker, and 1 vs 2 worker processes; ROUNDS rounds, the configurations
    interleaved, a fresh server for each."""
    configs = {
        "1 worker, 1 thread": (1, {"FASTWASM_THREADPOOL_SIZE": "1"}),
        "1 worker, 2 threads": (1, {"FASTWASM_THREADPOOL_SIZE": "2"}),
        "1 worker (default threadpool)": (1, {}),
        "2 workers": (2, {}),
    }
    out: dict[str, dict[str, list[float]]] = {name: {HEAVY: [], CHEAP: []} for name in configs}
    for _ in range(ROUNDS):
        for name, (workers, env) in configs.items():
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            with serving(fastwasm_server(port, workers), f"{base}/health", env):
                for path, connections in ((HEAVY, 4), (CHEAP, 8)):
                    out[name][path].append(rate_of(hey(base + path, SECONDS, connections, cpu=1), SECONDS))
    return {
        "req_per_s": out,
        "conditions": f"hey -z {SECONDS}s, -c 4 (heavy) / -c 8 (cheap), {ROUNDS} rounds, the configurations"
        " interleaved; hey on CPU 1, the server unpinned (its threads and workers need both cores)",
    }


def startup() -> dict[str, Any]:
    """Process start to the first answered /fibonacci-wasm/39, cache cold then warm."""
    times: dict[str, list[float]] = {"cold": [], "warm": []}
    with tempfile.TemporaryDirectory() as scratch:
        cache = Path(scratch) / "cache"
        for _ in range(1 if QUICK else 3):
            shutil.rmtree(cache, ignore_errors=True)
            for state in ("cold", "warm"):
                port = free_port()
                env = {"FASTWASM_CACHE_DIR": str(cache)}
                process = subprocess.Popen(fastwasm_server(port), stdout=subprocess.DEVNULL, env={**os.environ, **env})
                try:
                    times[state].append(wait_until_up(f"http://127.0.0.1:{port}{CHEAP}", process))
                finally:
                    process.terminate()
                    process.wait(timeout=30)
    return {"seconds": times}


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def memory() -> dict[str, Any]:
    """Peak RSS of a fresh one-worker server after load on one endpoint."""
    out: dict[str, dict[str, float]] = {}
    for path in MEMORY:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with serving(fastwasm_server(port), f"{base}/health") as process:
            idle = peak_rss_mb(process.pid)
            rows = hey(base + path, SECONDS, CONNECTIONS, cpu=None)
            out[path] = {"idle_mb": idle, "peak_mb": peak_rss_mb(process.pid), "requests": len(rows)}
    return {"rss": out, "conditions": f"fresh server per endpoint, hey -z {SECONDS}s -c {CONNECTIONS}, VmHWM"}


def main() -> None:
    payload = {
        "machine": machine("make bench-http"),
        "tutorial_module_bytes": TUTORIAL_WASM.stat().st_size,
        "throughput": throughput(),
        "scaling": scaling(),
        "startup": startup(),
        "memory": memory(),
    }
    path = write_results("http", payload)
    for row in payload["throughput"]["endpoints"]:
        print(f"{row['name']}: {row['req_per_s_median']:,.0f} req/s, p99 {row['p99_ms']:.1f} ms")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

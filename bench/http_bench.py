"""HTTP throughput and latency of fastwasm's FastAPI service, with the tutorial's
per-request pattern in the same run.

Run: make bench-http   (BENCH_QUICK=1: 1 s per endpoint, one round; a smoke run)

`fastwasm serve --workers 1` and the tutorial app (bench/tutorial/app.py) each
run pinned to CPU 0; `hey` runs pinned to CPU 1, so the load generator does not
take the server's core (when `taskset` exists and there are two CPUs). Every
endpoint gets a `hey -z <seconds> -c 20` block per round, endpoints interleaved
across rounds. Reported: req/s (median over rounds), p50 and p99 latency (over
all requests of all rounds), and non-2xx responses.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUICK = os.environ.get("BENCH_QUICK") == "1"
SECONDS = 1 if QUICK else 5
ROUNDS = 1 if QUICK else 3
CONNECTIONS = 20
RESULTS = Path(__file__).with_name("results")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def pinned(cpu: int) -> list[str]:
    if shutil.which("taskset") and (os.cpu_count() or 1) >= 2:
        return ["taskset", "-c", str(cpu)]
    return []


@contextmanager
def serving(command: list[str], health_url: str) -> Iterator[None]:
    process = subprocess.Popen(pinned(0) + command, cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(health_url, timeout=5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{command} did not come up") from None
                time.sleep(0.1)
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


@dataclass
class Endpoint:
    name: str
    url: str
    rates: list[float] = field(default_factory=list)
    latencies_s: list[float] = field(default_factory=list)
    non_2xx: int = 0

    def run(self, hey: str) -> None:
        out = subprocess.run(
            [*pinned(1), hey, "-z", f"{SECONDS}s", "-c", str(CONNECTIONS), "-o", "csv", self.url],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        rows = list(csv.DictReader(io.StringIO(out)))
        # offset = seconds since the start at which the request was sent
        span = max(float(r["offset"]) + float(r["response-time"]) for r in rows) if rows else SECONDS
        self.rates.append(len(rows) / span)
        self.latencies_s += [float(r["response-time"]) for r in rows]
        self.non_2xx += sum(1 for r in rows if not r["status-code"].startswith("2"))

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_s)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1e3


def main() -> None:
    hey = shutil.which("hey")
    if not hey:
        sys.exit("hey is missing: `make tools` installs it")
    port, tutorial_port = free_port(), free_port()
    base, tutorial = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{tutorial_port}"
    fastwasm_bin = str(Path(sys.executable).with_name("fastwasm"))
    endpoints = [
        Endpoint("/health", f"{base}/health"),
        Endpoint("/fibonacci-wasm/39", f"{base}/fibonacci-wasm/39"),
        Endpoint("/fibonacci-native/39", f"{base}/fibonacci-native/39"),
        Endpoint("/fibonacci/39", f"{base}/fibonacci/39"),
        Endpoint("/fibonacci-wasm/30?algorithm=recursive", f"{base}/fibonacci-wasm/30?algorithm=recursive"),
        Endpoint("/fibonacci/30?algorithm=recursive", f"{base}/fibonacci/30?algorithm=recursive"),
    ]
    tutorial_endpoint = Endpoint("tutorial app: /fibonacci-wasm/39", f"{tutorial}/fibonacci-wasm/39")
    server = [fastwasm_bin, "serve", "--port", str(port), "--workers", "1", "--log-level", "warning"]
    tutorial_server = [
        sys.executable, "-m", "uvicorn", "bench.tutorial.app:app", "--port", str(tutorial_port),
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    with serving(server, f"{base}/health"), serving(tutorial_server, f"{tutorial}/fibonacci-wasm/1"):
        for _ in range(ROUNDS):
            for endpoint in [*endpoints, tutorial_endpoint]:
                endpoint.run(hey)
    all_endpoints = [*endpoints, tutorial_endpoint]
    rate = {e.name: statistics.median(e.rates) for e in all_endpoints}
    ratios = {
        "/fibonacci-wasm/39 vs /health": rate["/fibonacci-wasm/39"] / rate["/health"],
        "/fibonacci-wasm/39 vs the tutorial pattern": rate["/fibonacci-wasm/39"] / rate[tutorial_endpoint.name],
        "recursive fib(30): WASM vs Python": rate["/fibonacci-wasm/30?algorithm=recursive"]
        / rate["/fibonacci/30?algorithm=recursive"],
    }
    info = {
        "cpu": next(
            (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
             if line.startswith("model name")), "unknown"),
        "cores": str(os.cpu_count()),
        "fastwasm": metadata.version("fastwasm"),
        "uvicorn": metadata.version("uvicorn"),
        "fastapi": metadata.version("fastapi"),
        "load generator": f"hey -z {SECONDS}s -c {CONNECTIONS}",
        "pinning": "server on CPU 0, hey on CPU 1" if pinned(0) else "none",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "mode": "quick (BENCH_QUICK=1)" if QUICK else "full",
        "rounds": str(ROUNDS),
    }  # fmt: skip
    lines = [
        "## HTTP benchmark: one uvicorn worker",
        "",
        "Command: `make bench-http` (`bench/http_bench.py`). " + ", ".join(f"{k}: {v}" for k, v in info.items()) + ".",
        "",
        "| endpoint | req/s (median) | spread (min–max) | p50 ms | p99 ms | non-2xx |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for e in all_endpoints:
        lines.append(
            f"| {e.name} | {rate[e.name]:,.0f} | {min(e.rates):,.0f} – {max(e.rates):,.0f} | "
            f"{e.percentile(0.50):.2f} | {e.percentile(0.99):.2f} | {e.non_2xx} |"
        )
    lines += ["", "| ratio of req/s | value |", "|---|---:|"]
    lines += [f"| {k} | {v:.2f}× |" for k, v in ratios.items()]
    print("\n".join(lines))
    RESULTS.mkdir(exist_ok=True)
    payload = {
        "machine": info,
        "endpoints": [
            {
                "name": e.name,
                "req_per_s": e.rates,
                "p50_ms": e.percentile(0.5),
                "p99_ms": e.percentile(0.99),
                "non_2xx": e.non_2xx,
            }
            for e in all_endpoints
        ],
        "ratios": ratios,
    }
    (RESULTS / ("http-quick.json" if QUICK else "http.json")).write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()

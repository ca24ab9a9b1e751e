"""How soon does a disconnected client's WASM work stop? Both servers, side by side.

Run: .venv/bin/python bench/cancel_latency.py   (part of make soak; CANCEL_TRIALS=N;
BENCH_QUICK=1, in make test, runs 3 trials)

For each server (FastAPI, then fastwasm-server), with default settings: one
full recursive F(40) through WASM is timed first. Then, each trial opens a raw
socket, sends that request, waits 100 ms, and closes the socket. The script
then polls /metrics until `fastwasm_wasm_cancelled_total` goes up. Reported:
the median and worst time from the close to the counter rising, and how many
trials were cancelled before they finished. The time includes the poll, so it
overstates the stop time by up to one /metrics round trip.
"""

from __future__ import annotations

import os
import socket
import statistics
import time
import urllib.request

from common import QUICK, fastwasm_server, free_port, machine, rust_server, serving, write_results

TRIALS = int(os.environ.get("CANCEL_TRIALS", "3" if QUICK else "20"))
HEAVY = "/fibonacci-wasm/40?algorithm=recursive"
COUNTER = "fastwasm_wasm_cancelled_total"


def cancelled_total(base: str) -> float:
    with urllib.request.urlopen(base + "/metrics", timeout=10) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(COUNTER + " ") or line.startswith(COUNTER + "{"):
                return float(line.rsplit(" ", 1)[1])
    raise RuntimeError(f"{COUNTER} is missing from {base}/metrics")


def full_call_ms(base: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(base + HEAVY, timeout=60) as response:
        assert response.status == 200
    return (time.perf_counter() - start) * 1e3


def trial(base: str, port: int) -> float | None:
    """Milliseconds from the close to the counter rising; None if the call finished first."""
    before = cancelled_total(base)
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.sendall(f"GET {HEAVY} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        time.sleep(0.1)
    closed = time.perf_counter()
    while time.perf_counter() - closed < 30:
        if cancelled_total(base) > before:
            return (time.perf_counter() - closed) * 1e3
        time.sleep(0.001)
    return None


def measure(name: str, command: list[str], base: str, port: int) -> dict[str, object]:
    with serving(command, f"{base}/health"):
        full_call_ms(base)  # warm-up
        full = statistics.median(full_call_ms(base) for _ in range(3))
        times = [trial(base, port) for _ in range(TRIALS)]
    stopped = [t for t in times if t is not None]
    row = {
        "server": name,
        "full_call_ms": full,
        "trials": TRIALS,
        "cancelled": len(stopped),
        "stop_ms": {
            "median": statistics.median(stopped) if stopped else None,
            "max": max(stopped) if stopped else None,
        },
    }
    print(
        f"{name}: full {HEAVY} {full:.0f} ms; {len(stopped)}/{TRIALS} cancelled after the client left; "
        f"stop time median {row['stop_ms']['median']:.1f} ms, max {row['stop_ms']['max']:.1f} ms"
        if stopped
        else f"{name}: full {full:.0f} ms; no trial was cancelled"
    )
    return row


def main() -> None:
    rows = []
    for name, server in (("FastAPI", fastwasm_server), ("fastwasm-server", rust_server)):
        port = free_port()
        rows.append(measure(name, server(port), f"http://127.0.0.1:{port}", port))
    path = write_results("cancel-latency", {"machine": machine("make soak (bench/cancel_latency.py)"), "rows": rows})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

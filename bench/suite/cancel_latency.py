"""How soon does a disconnected client's WASM work stop? Both servers, side by side.

Run: .venv/bin/python -m bench.suite.cancel_latency   (part of make bench; CANCEL_TRIALS=N;
BENCH_QUICK=1, in make bench-quick, runs 3 trials; it fails when a server cancelled none)

For each server (FastAPI, then fastwasm-server), with default settings, and
for a route of a user's app through the FastAPI kit (bench/apps/kit_app.py's
`/spin`, a guest that loops until stopped, under its 2 s deadline): one
full call is timed first (the kit's runs to its deadline). Then, each trial opens a raw
socket, sends that request, waits 100 ms, and closes the socket. The script
then polls /metrics until `fastwasm_wasm_cancelled_total` goes up. Reported:
the median and worst time from the close to the counter rising, and how many
trials were cancelled before they finished. The time includes the poll, so it
overstates the stop time by up to one /metrics round trip.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import time
import urllib.error
import urllib.request
from collections.abc import Callable

from bench.common import (
    QUICK,
    fastwasm_server,
    free_port,
    machine,
    rust_server,
    serving,
    uvicorn_app,
    write_results,
)

TRIALS = int(os.environ.get("CANCEL_TRIALS", "3" if QUICK else "20"))
HEAVY = "/fibonacci-wasm/40?algorithm=recursive"
KIT_HEAVY = "/spin"
COUNTER = "fastwasm_wasm_cancelled_total"


def cancelled_total(base: str) -> float:
    with urllib.request.urlopen(base + "/metrics", timeout=10) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(COUNTER + " ") or line.startswith(COUNTER + "{"):
                return float(line.rsplit(" ", 1)[1])
    raise RuntimeError(f"{COUNTER} is missing from {base}/metrics")


def kit_cancelled(base: str) -> float:
    with urllib.request.urlopen(base + "/spin/cancelled", timeout=10) as response:
        return float(json.loads(response.read())["cancelled"])


def full_call_ms(base: str, heavy: str) -> float:
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(base + heavy, timeout=60) as response:
            assert response.status == 200
    except urllib.error.HTTPError as error:
        if error.code != 504:  # the kit's spin runs to its deadline
            raise
    return (time.perf_counter() - start) * 1e3


def trial(base: str, port: int, heavy: str, cancelled: Callable[[str], float]) -> float | None:
    """Milliseconds from the close to the counter rising; None if the call finished first."""
    before = cancelled(base)
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.sendall(f"GET {heavy} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        time.sleep(0.1)
    closed = time.perf_counter()
    while time.perf_counter() - closed < 30:
        if cancelled(base) > before:
            return (time.perf_counter() - closed) * 1e3
        time.sleep(0.001)
    return None


def measure(
    name: str,
    command: list[str],
    base: str,
    port: int,
    heavy: str = HEAVY,
    health: str = "/health",
    cancelled: Callable[[str], float] = cancelled_total,
) -> dict[str, object]:
    with serving(command, f"{base}{health}"):
        full_call_ms(base, heavy)  # warm-up
        full = statistics.median(full_call_ms(base, heavy) for _ in range(1 if heavy == KIT_HEAVY else 3))
        times = [trial(base, port, heavy, cancelled) for _ in range(TRIALS)]
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
        f"{name}: full {heavy} {full:.0f} ms; {len(stopped)}/{TRIALS} cancelled after the client left; "
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
    port = free_port()
    kit = uvicorn_app("bench.apps.kit_app:app", port)
    base = f"http://127.0.0.1:{port}"
    rows.append(measure("a user's app, FastAPI kit", kit, base, port, KIT_HEAVY, "/ping", kit_cancelled))
    command = "make bench (bench/suite/cancel_latency.py)"
    conditions = (
        f"{TRIALS} trials per server, each a request left after 100 ms; the whole call timed apart;"
        " default settings, nothing pinned; the stop time includes one /metrics poll"
    )
    path = write_results("cancel-latency", {"machine": machine(command), "conditions": conditions, "rows": rows})
    print(f"wrote {path}")
    # A cancel benchmark that cancelled nothing measured nothing: the smoke run fails on it.
    idle = [row["server"] for row in rows if row["cancelled"] == 0]
    if idle:
        raise SystemExit(f"no trial was cancelled on {', '.join(map(str, idle))}")


if __name__ == "__main__":
    main()

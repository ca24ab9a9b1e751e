"""Does another ASGI server, or another response class, serve faster here?

Run: part of `make bench-http` (BENCH_QUICK=1: one short round).

Servers: uvicorn (uvloop + httptools, as `fastwasm serve` runs it) and
granian (Rust HTTP, ASGI interface, one worker, single-threaded runtime,
uvloop), each serving the bare no-op app and fastwasm. Response classes:
the same body as `/fibonacci-wasm/39`'s, built per request from the same
values, as a pre-rendered string in a plain `Response` (what fastwasm does),
a `JSONResponse`, `orjson.dumps` into a `Response`, and FastAPI's own path
through a `response_model`. Every server is pinned to CPU 0 and `hey` to
CPU 1; every row is interleaved with the others over the rounds; medians.
"""

from __future__ import annotations

import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench.common import (
    QUICK,
    cpu_seconds,
    free_port,
    hey,
    machine,
    pinned,
    rate_of,
    serving,
    uvicorn_app,
    write_results,
)
from bench.suite.http_bench import CONNECTIONS

SECONDS = 1 if QUICK else 4
ROUNDS = 1 if QUICK else 3
BARE, FASTWASM = "bench.apps.bare_app:app", "fastwasm.api.app:create_app"


def granian_app(target: str, port: int, *, factory: bool = False) -> list[str]:
    """The app under granian, configured as close to `fastwasm serve` as it goes."""
    binary = Path(sys.executable).with_name("granian")
    if not binary.is_file():
        sys.exit("granian is missing: `make venv` installs the bench extra")
    return [
        str(binary), "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--runtime-mode", "st", "--loop", "uvloop", "--no-ws", "--log-level", "warning", "--no-access-log",
        *(["--factory"] if factory else []), target,
    ]  # fmt: skip


def main() -> None:
    servers = {
        ("uvicorn", BARE): uvicorn_app,
        ("granian", BARE): granian_app,
        ("uvicorn", FASTWASM): uvicorn_app,
        ("granian", FASTWASM): granian_app,
    }
    ports = {key: free_port() for key in servers}
    # name: (server, path, what it compares, the row it is compared with)
    rows: dict[str, tuple[tuple[str, str], str, str, str]] = {}
    for server in ("uvicorn", "granian"):
        for target, what, path in ((BARE, "bare FastAPI app", "/noop"), (FASTWASM, "fastwasm", "/fibonacci-wasm/39")):
            rows[f"{server}: {what} {path}"] = ((server, target), path, "server", f"uvicorn: {what} {path}")
    for body in ("pre-rendered", "json-response", "orjson", "response-model"):
        name, versus = f"uvicorn: bare app, /body/{body}/39", "uvicorn: bare app, /body/pre-rendered/39"
        rows[name] = (("uvicorn", BARE), f"/body/{body}/39", "response class", versus)
    rates: dict[str, list[float]] = {name: [] for name in rows}
    cores: dict[str, list[float]] = {name: [] for name in rows}
    with ExitStack() as stack:
        processes = {}
        for (server, target), command in servers.items():
            port = ports[(server, target)]
            health = f"http://127.0.0.1:{port}{'/noop' if target == BARE else '/health'}"
            argv = command(target, port, factory=target == FASTWASM)
            processes[(server, target)] = stack.enter_context(serving(pinned(0) + argv, health))
        for _ in range(ROUNDS):
            for name, (key, path, _, _) in rows.items():
                pid = processes[key].pid
                before, start = cpu_seconds(pid), time.perf_counter()
                answers = hey(f"http://127.0.0.1:{ports[key]}{path}", SECONDS, CONNECTIONS)
                cores[name].append((cpu_seconds(pid) - before) / (time.perf_counter() - start))
                if any(not row["status-code"].startswith("2") for row in answers):
                    raise RuntimeError(f"{name}: answers other than 2xx")
                rates[name].append(rate_of(answers, SECONDS))
    out: list[dict[str, Any]] = [
        {
            "name": name,
            "compares": what,
            "versus": versus,
            "req_per_s": rates[name],
            "req_per_s_median": statistics.median(rates[name]),
            "server_cores": statistics.median(cores[name]),
        }
        for name, (_, _, what, versus) in rows.items()
    ]
    payload = {
        "machine": machine("make bench-http (bench/suite/asgi_choice.py)"),
        "conditions": f"hey -z {SECONDS}s -c {CONNECTIONS}, {ROUNDS} rounds interleaved; "
        + ("servers on CPU 0, hey on CPU 1" if pinned(0) else "no pinning"),
        "rows": out,
    }
    for row in out:
        print(f"{row['name']}: {row['req_per_s_median']:,.0f} req/s, server {row['server_cores']:.2f} cores")
    print(f"wrote {write_results('asgi-choice', payload)}")


if __name__ == "__main__":
    main()

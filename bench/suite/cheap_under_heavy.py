"""Do cheap requests wait behind heavy ones? The latency of a cheap route
while `hey` floods the same server with heavy work, one kind of heavy work at
a time: both servers, and a user's app through the FastAPI kit.

Run: .venv/bin/python -m bench.suite.cheap_under_heavy   (part of make bench;
HEAVY_SECONDS=N sets each flood's length; BENCH_QUICK=1 runs 3 s floods)

Floods (hey -c 8), every kind of heavy work the servers run:
- recursive fib(30) in pure Python (FastAPI only: fastwasm-server has no
  Python method), recursive fib(32) through WASM, and natively;
- large-n digits: fast-doubling fib(10^6) through WASM, digits included;
- a heavy kernel route: `POST /kernels/image/blur`, a 256×256 blur of radius 8;
- in a user's app (bench/apps/kit_app.py), a 512×512 blur through the FastAPI
  kit's `await kernel.acall`, with `/ping` as the cheap route.

Each flood gets a fresh server with default settings, nothing pinned: the
server, hey and this script share the machine's cores, as they would in
production. During the flood this script sends one cheap request every
20 ms, each on a new connection, and times it. Reported per (server, flood):
the cheap requests' p50, p99 and count, and the heavy requests' status codes
(503 is admission control refusing extra heavy work: the only status besides
200 that does not stop the run). The target is a cheap p99 under 50 ms; the
report judges it, and this script asserts no speed.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import fastwasm
from bench.common import (
    QUICK,
    fastwasm_server,
    free_port,
    machine,
    percentile_ms,
    rust_server,
    serving,
    unexpected_answers,
    uvicorn_app,
    write_results,
)

SECONDS = int(os.environ.get("HEAVY_SECONDS", "3" if QUICK else "10"))
CONNECTIONS = 8
CHEAP = "/fibonacci-wasm/39"
TARGET_P99_MS = 50.0
COMPONENTS = Path(fastwasm.__file__).with_name("components")
BLUR_SIDE, BLUR_RADIUS = 256, 8


@dataclass(frozen=True)
class Flood:
    path: str
    #: A JSON body to POST, or None for a GET.
    body: dict[str, object] | None = None


FLOODS = {
    "recursive Python": Flood("/fibonacci/30?algorithm=recursive"),
    "recursive WASM": Flood("/fibonacci-wasm/32?algorithm=recursive"),
    "recursive native": Flood("/fibonacci-native/32?algorithm=recursive"),
    "large-n digits (WASM)": Flood("/fibonacci-wasm/1000000?algorithm=fast_doubling"),
    "kernel route: blur": Flood(
        "/kernels/image/blur",
        {
            "rgba": base64.b64encode(bytes((i * 7919) % 251 for i in range(BLUR_SIDE * BLUR_SIDE * 4))).decode(),
            "width": BLUR_SIDE,
            "height": BLUR_SIDE,
            "radius": BLUR_RADIUS,
        },
    ),
}
KIT_FLOOD = {"the kit: await kernel.acall(blur)": Flood("/blur/acall")}


@dataclass(frozen=True)
class Server:
    command: Callable[[int], list[str]]
    health: str
    cheap: str
    floods: dict[str, Flood]


SERVERS = {
    "FastAPI": Server(fastwasm_server, "/health", CHEAP, FLOODS),
    "fastwasm-server": Server(
        rust_server, "/health", CHEAP, {k: v for k, v in FLOODS.items() if k != "recursive Python"}
    ),
    "a user's app, FastAPI kit": Server(
        lambda port: uvicorn_app("bench.apps.kit_app:app", port), "/ping", "/ping", KIT_FLOOD
    ),
}


def one_flood(server: Server, port: int, flood: Flood, scratch: Path) -> dict[str, object]:
    base = f"http://127.0.0.1:{port}"
    post: list[str] = []
    if flood.body is not None:
        body = scratch / "body.json"
        body.write_text(json.dumps(flood.body))
        post = ["-m", "POST", "-T", "application/json", "-D", str(body)]
    latencies: list[float] = []
    env = {"FASTWASM_KERNELS_DIR": str(COMPONENTS)}
    with serving(server.command(port), f"{base}{server.health}", env):
        heavy = subprocess.Popen(
            ["hey", "-z", f"{SECONDS}s", "-c", str(CONNECTIONS), *post, "-o", "csv", base + flood.path],
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(1)  # let the flood build up
        stop = time.monotonic() + SECONDS - 1.5
        while time.monotonic() < stop:
            start = time.perf_counter()
            with urllib.request.urlopen(base + server.cheap, timeout=30) as response:
                response.read()
            latencies.append(time.perf_counter() - start)
            time.sleep(0.02)
        out = heavy.communicate()[0]
    answers = list(csv.DictReader(io.StringIO(out)))
    unexpected_answers(base + flood.path, answers, allowed={"503"})
    codes: dict[str, int] = {}
    for row in answers:
        codes[row["status-code"]] = codes.get(row["status-code"], 0) + 1
    return {
        "cheap_ms": {"p50": percentile_ms(latencies, 0.5), "p99": percentile_ms(latencies, 0.99)},
        "cheap_requests": len(latencies),
        "heavy_status_codes": codes,
    }


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for name, server in SERVERS.items():
            for flood_name, flood in server.floods.items():
                result = one_flood(server, free_port(), flood, Path(scratch))
                rows.append({"server": name, "flood": flood_name, "heavy": flood.path, "cheap": server.cheap, **result})
    payload = {
        "machine": machine("make bench (bench/suite/cheap_under_heavy.py)"),
        "conditions": f"hey -z {SECONDS}s -c {CONNECTIONS} on the heavy route; one cheap request every 20 ms,"
        " a new connection each; a fresh server per flood, default settings, nothing pinned",
        "target_p99_ms": TARGET_P99_MS,
        "rows": rows,
    }
    path = write_results("cheap-under-heavy", payload)
    print(f"cheap routes under floods of heavy work (hey -c {CONNECTIONS}, {SECONDS} s each):")
    for row in rows:
        cheap = row["cheap_ms"]
        print(
            f"{row['server']:<26} {row['flood']:<34} p50 {cheap['p50']:>7.2f} ms  p99 {cheap['p99']:>7.2f} ms"  # type: ignore[index]
            f"  n {row['cheap_requests']:>4}  {row['heavy_status_codes']}"
        )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

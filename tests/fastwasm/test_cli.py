"""End to end: `fastwasm serve` as a real process, real HTTP, and a real load generator."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

FASTWASM = Path(sys.executable).with_name("fastwasm")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, json.loads(response.read(), parse_int=str)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@contextlib.contextmanager
def serving(env: dict[str, str], *args: str) -> Iterator[str]:
    """`fastwasm serve` on a free port, until it answers /health."""
    port = free_port()
    process = subprocess.Popen(
        [str(FASTWASM), "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", *args],
        env={**os.environ, **env},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(f"{base}/health")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("fastwasm serve did not come up")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serving({"FASTWASM_MAX_N_RECURSIVE": "45"}) as base:
        yield base


def test_every_endpoint_over_http(server: str) -> None:
    status, data = get(f"{server}/fibonacci-wasm/39")
    assert status == 200
    assert float(data.pop("execution_time")) > 0
    assert data == {
        "number": "39",
        "fibonacci": "63245986",
        "method": "WASM",
        "algorithm": "iterative",
        "message": "Fibonacci of 39 is 63245986 (calculated using WASM)",
    }
    for route in ("fibonacci", "fibonacci-native", "fibonacci-wasm"):
        status, data = get(f"{server}/{route}/100?algorithm=fast_doubling")
        assert status == 200
        assert data["fibonacci"] == "354224848179261915075"
    status, data = get(f"{server}/compare/25?algorithm=recursive")
    assert status == 200
    assert data["agree"] is True
    assert get(f"{server}/fibonacci-wasm/-1") == (400, {"detail": "Fibonacci is not defined for negative numbers"})
    assert get(f"{server}/fibonacci-wasm/abc")[0] == 422
    assert get(f"{server}/health")[1]["status"] == "ok"
    assert "/fibonacci-wasm/{n}" in get(f"{server}/openapi.json")[1]["paths"]


def test_a_heavy_request_does_not_block_the_event_loop(server: str) -> None:
    # recursive fib(45) in WASM runs for seconds. /health must answer while it does.
    done = threading.Event()

    def heavy() -> None:
        get(f"{server}/fibonacci-wasm/45?algorithm=recursive")
        done.set()

    thread = threading.Thread(target=heavy)
    thread.start()
    time.sleep(0.2)
    status, data = get(f"{server}/health")
    answered_during = not done.is_set()
    busy = int(data["module"]["pool"]["busy"])
    thread.join()
    assert status == 200
    assert answered_during
    assert busy >= 1


def metric(base: str, line_start: str) -> float:
    with urllib.request.urlopen(f"{base}/metrics", timeout=60) as response:
        text = response.read().decode()
    values = [line.rsplit(" ", 1)[1] for line in text.splitlines() if line.startswith(line_start + " ")]
    return float(values[0]) if values else 0.0


def wait_for(condition: Any, what: str, within_s: float = 10) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        assert time.monotonic() < deadline, f"not within {within_s} s: {what}"
        time.sleep(0.05)


def test_a_client_that_disconnects_cancels_its_wasm_call(server: str) -> None:
    cancelled = "fastwasm_wasm_cancelled_total"
    closed = 'fastwasm_requests_total{route="/fibonacci-wasm/{n}",status="499"}'
    before = metric(server, cancelled), metric(server, closed)
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as client:
        # Recursive F(45) in WASM runs for seconds, far below the 10 s deadline.
        client.sendall(b"GET /fibonacci-wasm/45?algorithm=recursive HTTP/1.1\r\nHost: fastwasm\r\n\r\n")
        wait_for(lambda: int(get(f"{server}/health")[1]["module"]["pool"]["busy"]) >= 1, "the call started")
    # The client is gone: the call is cancelled, not left to run out its seconds.
    wait_for(lambda: metric(server, cancelled) == before[0] + 1, "the WASM call was cancelled")
    wait_for(lambda: metric(server, closed) == before[1] + 1, "the request was counted as 499")
    assert int(get(f"{server}/health")[1]["module"]["pool"]["busy"]) == 0
    assert metric(server, "fastwasm_heavy_busy") == 0
    status, data = get(f"{server}/fibonacci-wasm/30?algorithm=recursive")
    assert (status, data["fibonacci"]) == (200, "832040")


def test_a_short_load_with_hey_has_no_errors(server: str) -> None:
    hey = shutil.which("hey")
    assert hey, "hey is missing: `make tools` installs it"
    out = subprocess.run(
        [hey, "-z", "3s", "-c", "20", f"{server}/fibonacci-wasm/39"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    codes = dict(re.findall(r"\[(\d+)\]\s+(\d+) responses", out))
    assert codes, out
    assert set(codes) == {"200"}, out
    assert int(codes["200"]) > 0
    assert "Error distribution" not in out, out


README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_curl_commands_work(server: str) -> None:
    commands = re.findall(r"^curl (.+)$", README.read_text(), flags=re.MULTILINE)
    assert len(commands) >= 3
    for command in commands:
        url = command.strip().strip('"').replace("http://localhost:8000", server)
        status, data = get(url)
        assert status == 200, (command, data)
        if "/compare/" in url:
            assert data["agree"] is True
        else:
            assert data["fibonacci"].isdigit()


def test_metrics_sum_over_every_worker() -> None:
    with serving({"FASTWASM_MAX_CONCURRENT_HEAVY": "3"}, "--workers", "2") as base:
        for _ in range(30):
            # A new connection each time, so both workers take requests.
            assert get(f"{base}/fibonacci-wasm/39")[0] == 200
        ok = 'fastwasm_requests_total{route="/fibonacci-wasm/{n}",status="200"}'
        for _ in range(6):
            # Whichever worker answers the scrape, the count is every worker's.
            assert metric(base, ok) == 30
        # 3 slots per worker: the sum is 6 once both workers have synced.
        wait_for(lambda: metric(base, "fastwasm_heavy_slots") == 6, "both workers' slots are summed")

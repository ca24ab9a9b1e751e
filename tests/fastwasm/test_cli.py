"""End to end: `fastwasm serve` as a real process, real HTTP, and a real load generator."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator

import pytest

from fastwasm.cli import main
from servers import ROOT, get, metric, python_command, raw_request, serving, wait_for


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serving(python_command, {"FASTWASM_MAX_N_RECURSIVE": "45"}) as base:
        yield base


def test_every_endpoint_over_http(server: str) -> None:
    status, data = get(f"{server}/fibonacci-wasm/39")
    assert status == 200
    assert float(data.pop("execution_time")) > 0
    assert data == {
        "number": 39,
        "fibonacci": 63245986,
        "digits": "63245986",
        "method": "WASM",
        "algorithm": "iterative",
        "message": "Fibonacci of 39 is 63245986 (calculated using WASM)",
    }
    for route in ("fibonacci", "fibonacci-native", "fibonacci-wasm"):
        status, data = get(f"{server}/{route}/100?algorithm=fast_doubling")
        assert status == 200
        assert data["fibonacci"] == data["digits"] == "354224848179261915075"
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
    wait_for(lambda: int(get(f"{server}/health")[1]["module"]["pool"]["busy"]) >= 1, "the heavy call started")
    status, data = get(f"{server}/health")
    answered_during = not done.is_set()
    busy = int(data["module"]["pool"]["busy"])
    thread.join()
    assert status == 200
    assert answered_during
    assert busy >= 1


def test_a_client_that_disconnects_cancels_its_wasm_call(server: str) -> None:
    cancelled = "fastwasm_wasm_cancelled_total"
    closed = 'fastwasm_requests_total{route="/fibonacci-wasm/{n}",status="499"}'
    before = metric(server, cancelled), metric(server, closed)
    # Recursive F(45) in WASM runs for seconds, far below the 10 s deadline.
    with raw_request(server, ["GET /fibonacci-wasm/45?algorithm=recursive HTTP/1.1", "Host: fastwasm"]):
        wait_for(lambda: int(get(f"{server}/health")[1]["module"]["pool"]["busy"]) >= 1, "the call started")
    # The client is gone: the call is cancelled, not left to run out its seconds.
    wait_for(lambda: metric(server, cancelled) == before[0] + 1, "the WASM call was cancelled")
    wait_for(lambda: metric(server, closed) == before[1] + 1, "the request was counted as 499")
    assert int(get(f"{server}/health")[1]["module"]["pool"]["busy"]) == 0
    assert metric(server, "fastwasm_heavy_busy") == 0
    status, data = get(f"{server}/fibonacci-wasm/30?algorithm=recursive")
    assert (status, data["fibonacci"]) == (200, 832040)


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


README = ROOT / "README.md"


def test_the_shared_openapi_document_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    # fastwasm-server serves docs/openapi.json: it must be this app's schema.
    main(["openapi"])
    generated = capsys.readouterr().out
    assert json.loads(generated)["paths"], generated[:200]
    committed = (ROOT / "docs" / "openapi.json").read_text()
    assert generated == committed, "docs/openapi.json is stale: run `make openapi`"


def test_the_readme_curl_commands_work(server: str) -> None:
    # The FastAPI service's commands (8000); tests/parity runs fastwasm-server's (8001).
    commands = re.findall(r"^curl (.*8000.+)$", README.read_text(), flags=re.MULTILINE)
    assert len(commands) >= 3
    for command in commands:
        url = command.strip().strip('"').replace("http://localhost:8000", server)
        status, data = get(url)
        assert status == 200, (command, data)
        if "/compare/" in url:
            assert data["agree"] is True
        else:
            assert data["digits"].isdigit()


def test_metrics_sum_over_every_worker() -> None:
    with serving(python_command, {"FASTWASM_MAX_CONCURRENT_HEAVY": "3"}, "--workers", "2") as base:
        for _ in range(30):
            # A new connection each time, so both workers take requests.
            assert get(f"{base}/fibonacci-wasm/39")[0] == 200
        ok = 'fastwasm_requests_total{route="/fibonacci-wasm/{n}",status="200"}'
        for _ in range(6):
            # Whichever worker answers the scrape, the count is every worker's.
            assert metric(base, ok) == 30
        # 3 slots per worker: the sum is 6 once both workers have synced.
        wait_for(lambda: metric(base, "fastwasm_heavy_slots") == 6, "both workers' slots are summed")

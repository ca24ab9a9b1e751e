"""End to end: `fastwasm serve` as a real process, real HTTP, and a real load generator."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

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
    commands = re.findall(r'^curl "?(http://localhost:8000[^"\s]*)"?$', README.read_text(), flags=re.MULTILINE)
    assert len(commands) >= 3
    for command in commands:
        url = command.replace("http://localhost:8000", server)
        status, data = get(url)
        assert status == 200, (command, data)
        if "/compare/" in url:
            assert data["agree"] is True
        else:
            assert data["digits"].isdigit()


def test_the_readme_kernel_curl_commands_work(server: str) -> None:
    # `curl localhost:8000/kernels...`, run by the shell as written.
    commands = re.findall(r"^(curl localhost:8000/kernels.*)$", README.read_text(), flags=re.MULTILINE)
    assert len(commands) == 2
    outputs = [
        subprocess.run(
            ["bash", "-c", command.replace("localhost:8000", server.removeprefix("http://"))],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        for command in commands
    ]
    assert "fib" in [m["name"] for m in json.loads(outputs[0])["kernels"]]
    assert json.loads(outputs[1])["result"] == "354224848179261915075"


def test_metrics_sum_over_every_worker() -> None:
    with serving(python_command, {"FASTWASM_MAX_CONCURRENT_HEAVY": "3"}, "--workers", "2") as base:
        for _ in range(30):
            # A new connection each time, so both workers take requests.
            assert get(f"{base}/fibonacci-wasm/39")[0] == 200
        ok = 'fastwasm_requests_total{route="/fibonacci-wasm/{n}",status="200"}'
        # A request is counted once its answer is sent, so the last count
        # may land just after the client has read it.
        wait_for(lambda: metric(base, ok) == 30, "every request is counted")
        for _ in range(6):
            # Whichever worker answers the scrape, the count is every worker's.
            assert metric(base, ok) == 30
        # 3 slots per worker: the sum is 6 once both workers have synced.
        wait_for(lambda: metric(base, "fastwasm_heavy_slots") == 6, "both workers' slots are summed")


COMPONENTS = ROOT / "python" / "fastwasm" / "components"


def test_inspect_prints_wit_signatures_or_core_types(capsys: pytest.CaptureFixture[str]) -> None:
    main(["inspect", str(COMPONENTS / "image.wasm")])
    assert capsys.readouterr().out.splitlines() == [
        "image.wasm: a component",
        "  blur: func(rgba: list<u8>, width: u32, height: u32, radius: u32) -> result<list<u8>, string>",
        "  grayscale: func(rgba: list<u8>) -> list<u8>",
    ]
    main(["inspect", str(ROOT / "python" / "fastwasm" / "guest" / "fibonacci_wasm.wasm")])
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "fibonacci_wasm.wasm: a core module"
    assert "  calculate_fibonacci: (i32) -> i64" in out
    main(["inspect", str(COMPONENTS / "echo.wasm")])
    assert (
        "  fastwasm:echo/counters@0.1.0/make-counter: func() -> own<resource>"
        "  (passes a resource: callable from Python, not served over HTTP)"
    ) in capsys.readouterr().out.splitlines()
    with pytest.raises(SystemExit) as missing:
        main(["inspect", str(ROOT / "nope.wasm")])
    assert missing.value.code == 1


def test_call_prints_the_result_as_json_or_the_error(capsys: pytest.CaptureFixture[str]) -> None:
    main(["call", str(COMPONENTS / "fib.wasm"), "fib", "--json", '{"n": 100, "algorithm": "fast_doubling"}'])
    assert capsys.readouterr().out == '"354224848179261915075"\n'
    main(
        [
            "call",
            str(COMPONENTS / "echo.wasm"),
            "echo_person",
            "--json",
            '{"v": {"first-name": "Ada", "age_years": 36}}',
        ]
    )
    assert json.loads(capsys.readouterr().out) == {"first_name": "Ada", "age_years": 36}
    for arguments, message in [
        ('{"n": 100}', '422 {"detail": [{"type": "missing", "loc": ["body", "algorithm"]'),
        ('{"n": 94, "algorithm": "recursive"}', '400 {"kernel": "fib", "function": "fib", "error": '),
        ("{", '422 {"detail": [{"type": "json_invalid"'),
    ]:
        with pytest.raises(SystemExit) as failed:
            main(["call", str(COMPONENTS / "fib.wasm"), "fib", "--json", arguments])
        assert failed.value.code == 1
        assert capsys.readouterr().err.startswith(f"fastwasm: {message}")


def test_call_applies_the_sidecar(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(ROOT / "tests" / "components" / "fault.wasm", tmp_path / "fault.wasm")
    (tmp_path / "fault.toml").write_text("timeout_s = 0.2\n")
    with pytest.raises(SystemExit):
        main(["call", str(tmp_path / "fault.wasm"), "spin"])
    err = capsys.readouterr().err
    assert err.startswith("fastwasm: 504 ")
    assert "(set by fault.toml timeout_s)" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--replicas", "0"], "--replicas must be at least 1"),
        (["--cpus-per-replica", "0"], "--cpus-per-replica must be above 0"),
        (["--autoscale", "3:1"], "--autoscale takes MIN:MAX with 0 < MIN <= MAX, got '3:1'"),
        (["--autoscale", "two"], "--autoscale takes MIN:MAX with 0 < MIN <= MAX, got 'two'"),
        (["--replicas", "2", "--autoscale", "1:2"], "not allowed with argument --replicas"),
    ],
)
def test_serve_on_ray_refuses_a_bad_scale_before_starting_anything(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--engine", "ray", *args])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err

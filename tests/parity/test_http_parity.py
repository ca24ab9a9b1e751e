"""One suite, two servers: `fastwasm serve` (FastAPI) and `fastwasm-server`
(axum), each a real process on real HTTP, started with the same FASTWASM_*
settings. Every case must get the same status, headers that matter and body
from both; values are also checked against the pure-Python kernels.

Excepted by design: the Python-only route `/fibonacci/{n}` (404 on the Rust
server), the Python entry and baseline of `/compare`, `versions` in /health,
and the value of `execution_time`.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families

import fastwasm
from fastwasm import pure
from servers import (
    FASTWASM,
    FASTWASM_SERVER,
    ROOT,
    free_port,
    get,
    metric,
    python_command,
    raw_request,
    rust_command,
    serving,
    started,
    wait_for,
)

# Slow: both servers, each as a process of its own.
pytestmark = pytest.mark.slow

#: Non-default settings, so the limits in messages prove both servers read them.
SETTINGS = {
    "FASTWASM_MAX_N_ITERATIVE": "5000",
    "FASTWASM_MAX_N_FAST_DOUBLING": "30000",
    "FASTWASM_MAX_N_RECURSIVE": "60",
    "FASTWASM_MAX_CONCURRENT_HEAVY": "1",
    "FASTWASM_QUEUE_TIMEOUT_S": "0.2",
    "FASTWASM_WASM_TIMEOUT_S": "1.5",
}
SERVERS = {"python": python_command, "rust": rust_command}


@pytest.fixture(scope="module")
def both() -> Iterator[dict[str, str]]:
    with serving(python_command, SETTINGS) as python, serving(rust_command, SETTINGS) as rust:
        yield {"python": python, "rust": rust}


def fetch(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def parsed(body: bytes) -> Any:
    """The body as any client decodes it: the standard library's defaults."""
    return json.loads(body)


def without_time(data: Any) -> Any:
    """The body with each `execution_time` replaced by its type, checked to be a number."""
    if isinstance(data, dict):
        if "execution_time" in data:
            # Taken (a timer that was never read gives 0), within the request's timeout.
            assert 0 < data["execution_time"] < 60
        return {k: ("<seconds>" if k == "execution_time" else without_time(v)) for k, v in data.items()}
    if isinstance(data, list):
        return [without_time(v) for v in data]
    return data


FIB_CASES = [
    (route, n, algorithm)
    for route in ("fibonacci-wasm", "fibonacci-native")
    for n, algorithm in [
        (0, "iterative"),
        (1, "recursive"),
        (2, "fast_doubling"),
        (39, "iterative"),
        (39, "recursive"),
        (93, "fast_doubling"),
        (94, "iterative"),
        (100, "fast_doubling"),
        (1000, "iterative"),
        (5000, "iterative"),
        (30000, "fast_doubling"),
        (60, "recursive"),
    ]
]


@pytest.mark.parametrize(("route", "n", "algorithm"), FIB_CASES)
def test_the_same_exact_value_and_body(both: dict[str, str], route: str, n: int, algorithm: str) -> None:
    if (n, algorithm) == (60, "recursive"):
        n = 30  # recursive F(60) runs for minutes; 30 still runs on the heavy path
    path = f"/{route}/{n}?algorithm={algorithm}"
    answers = {name: fetch(base + path) for name, base in both.items()}
    for status, headers, _ in answers.values():
        assert status == 200
        assert headers["content-type"] == "application/json"
    python, rust = (without_time(parsed(body)) for _, _, body in answers.values())
    assert rust == python
    expected = fastwasm.int_to_decimal(pure.fast_doubling(n))
    assert python["digits"] == expected
    assert python["fibonacci"] == (int(expected) if n <= fastwasm.MAX_U64_N else expected)
    assert python["number"] == n


ERROR_CASES = [
    "/fibonacci-wasm/-1",
    "/fibonacci-native/-7?algorithm=recursive",
    "/fibonacci-wasm/-0",
    "/fibonacci-wasm/abc",
    "/fibonacci-wasm/1e3",
    "/fibonacci-wasm/5.5",
    "/fibonacci-wasm/%205%20",
    "/fibonacci-wasm/+5.0",
    "/fibonacci-wasm/1_000",
    "/fibonacci-wasm/_5",
    "/fibonacci-wasm/0x10",
    "/fibonacci-wasm/%D9%A3",
    "/fibonacci-wasm/%FF",
    "/fibonacci-wasm/%FF%205",
    "/compare/%E2%82%AC",
    "/fibonacci-wasm/%2F",
    "/fibonacci-wasm/5%2F6",
    "/fibonacci-wasm/" + "1" * 4301,
    "/fibonacci-wasm/" + "0" * 5000 + "7",
    # pydantic says int_parsing_size or int_parsing by how the string starts.
    "/fibonacci-wasm/-" + "1" * 4301,
    "/fibonacci-wasm/" + "1" * 4301 + "%20",
    "/fibonacci-wasm/" + "1" * 4301 + ".5",
    "/fibonacci-wasm/%20" + "1" * 4301 + "%20",
    "/fibonacci-wasm/+" + "1" * 4301,
    "/fibonacci-wasm/00" + "1" * 4301,
    "/fibonacci-wasm/" + "1" * 4300 + "_1",
    "/fibonacci-wasm/%20000" + "1" * 4300,
    "/fibonacci-wasm/99999999999999999999",
    "/fibonacci-wasm/4294967296",
    "/fibonacci-wasm/5001",
    "/fibonacci-native/30001?algorithm=fast_doubling",
    "/fibonacci-wasm/61?algorithm=recursive",
    "/fibonacci-wasm/5?algorithm=bogus",
    "/fibonacci-wasm/5?algorithm=",
    "/fibonacci-wasm/abc?algorithm=bogus",
    "/fibonacci-wasm/5?algorithm=bogus&algorithm=recursive",
    "/fibonacci-wasm/5?algorithm=recursive&algorithm=bogus",
    "/compare/-3",
    "/compare/70?algorithm=recursive",
    "/nope",
    "/fibonacci-wasm/",
    "/fibonacci-wasm/5/6",
]


@pytest.mark.parametrize("path", ERROR_CASES)
def test_the_same_status_and_body_for_odd_and_bad_input(both: dict[str, str], path: str) -> None:
    (ps, ph, pb), (rs, rh, rb) = (fetch(base + path) for base in both.values())
    assert (rs, without_time(parsed(rb))) == (ps, without_time(parsed(pb)))
    if ps != 200:  # a 200 carries execution_time; errors are the same byte for byte
        assert rb == pb
    assert rh["content-type"] == ph["content-type"] == "application/json"


SLASH_CASES = [
    ("GET", "/fibonacci-wasm/5/"),
    ("GET", "/fibonacci-native/5/?algorithm=recursive"),
    ("POST", "/compare/5/"),
    ("GET", "/health//"),
    ("GET", "/fibonacci-wasm/%205/"),
    ("GET", "/fibonacci-wasm/%C3%A9/?a=%20b"),
    ("GET", "/fibonacci-wasm/%FF/"),
    ("GET", "/fibonacci/5/"),
    ("GET", "/fibonacci-wasm/%2F/"),
    ("GET", "/fibonacci-wasm/"),
    ("GET", "/nope/"),
    ("GET", "//"),
]


@pytest.mark.parametrize(("method", "path"), SLASH_CASES)
def test_a_trailing_slash_redirects_as_starlette_does(both: dict[str, str], method: str, path: str) -> None:
    answers = []
    for base in both.values():
        host, port = base.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        connection.request(method, path)
        response = connection.getresponse()
        location = (response.getheader("location") or "").replace(base, "<base>")
        answers.append((response.status, location, response.read()))
        connection.close()
    assert answers[0] == answers[1]
    assert answers[0][0] in (307, 404)


def test_post_is_405_with_allow(both: dict[str, str]) -> None:
    (ps, ph, pb), (rs, rh, rb) = (fetch(base + "/fibonacci-wasm/5", "POST") for base in both.values())
    expected = (405, {"detail": "Method Not Allowed"}, "GET")
    assert (rs, parsed(rb), rh["allow"]) == (ps, parsed(pb), ph["allow"]) == expected


def test_the_python_route_is_python_only(both: dict[str, str]) -> None:
    assert get(both["python"] + "/fibonacci/10")[1]["fibonacci"] == 55
    status, body = get(both["rust"] + "/fibonacci/10")
    assert status == 404
    assert "no Python method" in body["detail"]
    assert "/fibonacci-wasm/{n}" in body["detail"]


def test_compare_agrees_on_wasm_and_native(both: dict[str, str]) -> None:
    python = without_time(get(both["python"] + "/compare/30?algorithm=recursive")[1])
    rust = without_time(get(both["rust"] + "/compare/30?algorithm=recursive")[1])
    assert [r["method"] for r in python["results"]] == ["Python", "WASM", "Native"]
    assert rust["results"] == python["results"][1:]
    assert {r["fibonacci"] for r in python["results"]} == {832040}
    for key in ("number", "algorithm", "agree"):
        assert rust[key] == python[key]
    assert (python["baseline"], rust["baseline"]) == ("Python", "WASM")
    assert float(rust["speedup_wasm"]) == 1.0
    assert rust["message"] == "Fibonacci of 30 is 832040; both methods agree"


def test_health_describes_the_same_module(both: dict[str, str]) -> None:
    python, rust = (get(base + "/health")[1] for base in both.values())
    assert python["status"] == rust["status"] == "ok"
    assert python["versions"]["wasmtime"] == rust["versions"]["wasmtime"]
    for key in ("size_bytes", "isolation", "exports"):
        assert rust["module"][key] == python["module"][key]
    # The same fields in the same order (keys as the client reads them).
    assert list(rust) == list(python)
    assert list(rust["module"]) == list(python["module"])
    assert list(rust["module"]["pool"]) == list(python["module"]["pool"])


def test_openapi_is_the_shared_document(both: dict[str, str]) -> None:
    python, rust = (get(base + "/openapi.json")[1] for base in both.values())
    assert "/fibonacci/{n}" in python["paths"]
    del python["paths"]["/fibonacci/{n}"]
    assert rust == python


def metric_families(base: str) -> dict[str, str]:
    with urllib.request.urlopen(base + "/metrics", timeout=60) as response:
        assert response.headers["content-type"] == "application/openmetrics-text; version=1.0.0; charset=utf-8"
        text = response.read().decode()
    return {f.name: f.type for f in text_string_to_metric_families(text) if f.name.startswith("fastwasm_")}


def test_metrics_have_the_same_names_and_types(both: dict[str, str]) -> None:
    for base in both.values():
        get(base + "/fibonacci-wasm/10")
        request = urllib.request.Request(base + "/kernels/fib/fib", data=b'{"n": 10, "algorithm": "iterative"}')
        with urllib.request.urlopen(request, timeout=60):
            pass
    python, rust = (metric_families(base) for base in both.values())
    assert rust == python
    assert {"fastwasm_requests", "fastwasm_compute_seconds", "fastwasm_wasm_pool_busy"} <= set(python)
    assert {"fastwasm_kernel_calls", "fastwasm_kernel_compute_seconds"} <= set(python)


def test_overload_is_503_with_retry_after(both: dict[str, str]) -> None:
    # One heavy slot: a recursive F(60) holds it until its 1.5 s deadline.
    for base in both.values():
        holder = threading.Thread(target=get, args=(base + "/fibonacci-wasm/60?algorithm=recursive",))
        holder.start()
        wait_for(lambda base=base: metric(base, "fastwasm_heavy_busy") == 1, "the slot is taken")
        status, headers, body = fetch(base + "/fibonacci-native/1000")
        holder.join()
        assert (status, headers["retry-after"]) == (503, "1")
        assert parsed(body) == {
            "detail": "all 1 slots for heavy work are busy (FASTWASM_MAX_CONCURRENT_HEAVY) and none freed up "
            "within 0.2 s (FASTWASM_QUEUE_TIMEOUT_S); retry later"
        }


def test_a_wasm_deadline_is_504_and_the_server_stays_exact(both: dict[str, str]) -> None:
    answers = [fetch(base + "/fibonacci-wasm/60?algorithm=recursive") for base in both.values()]
    (ps, _, pb), (rs, _, rb) = answers
    assert (rs, parsed(rb)) == (ps, parsed(pb))
    assert ps == 504
    assert "1.500 s (set by FASTWASM_WASM_TIMEOUT_S)" in parsed(pb)["detail"]
    for base in both.values():
        assert get(base + "/fibonacci-wasm/40?algorithm=fast_doubling")[1]["fibonacci"] == 102334155


@pytest.mark.parametrize("server", SERVERS)
def test_a_client_that_disconnects_cancels_its_wasm_call(both: dict[str, str], server: str) -> None:
    base = both[server]
    cancelled = "fastwasm_wasm_cancelled_total"
    closed = 'fastwasm_requests_total{route="/fibonacci-wasm/{n}",status="499"}'
    before = metric(base, cancelled), metric(base, closed)
    # Recursive F(45) in WASM runs for seconds, past the slot's wait but within
    # the 1.5 s deadline only if cancelled.
    with raw_request(base, ["GET /fibonacci-wasm/45?algorithm=recursive HTTP/1.1", "Host: fastwasm"]):
        wait_for(lambda: int(get(f"{base}/health")[1]["module"]["pool"]["busy"]) >= 1, "the call started")
    wait_for(lambda: metric(base, cancelled) == before[0] + 1, "the WASM call was cancelled")
    wait_for(lambda: metric(base, closed) == before[1] + 1, "the request was counted as 499")
    assert metric(base, "fastwasm_heavy_busy") == 0
    assert get(f"{base}/fibonacci-wasm/30?algorithm=recursive")[1]["fibonacci"] == 832040


@pytest.mark.parametrize("server", SERVERS)
def test_sigterm_finishes_the_request_in_flight(server: str) -> None:
    with started(SERVERS[server], {"FASTWASM_MAX_N_RECURSIVE": "45"}) as (base, process):
        answer: list[tuple[int, Any]] = []
        request = threading.Thread(target=lambda: answer.append(get(base + "/fibonacci-wasm/38?algorithm=recursive")))
        request.start()
        wait_for(lambda: int(get(f"{base}/health")[1]["module"]["pool"]["busy"]) >= 1, "the call started")
        process.send_signal(signal.SIGTERM)
        request.join()
        assert process.wait(timeout=30) in (0, -signal.SIGTERM)
    assert answer == [(200, answer[0][1])]
    assert answer[0][1]["fibonacci"] == pure.iterative(38)


def test_the_readme_curl_commands_for_fastwasm_server_work(both: dict[str, str]) -> None:
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r'^curl "?(http://localhost:8001[^"\s]*)"?$', readme, flags=re.MULTILINE)
    assert commands
    for command in commands:
        status, data = get(command.replace("http://localhost:8001", both["rust"]))
        assert status == 200, (command, data)
        assert data["digits"].isdigit()


FAULT_GUEST = ROOT / "tests" / "fastwasm" / "api" / "fault_guest.wat"
FAULT_SETTINGS = {
    "FASTWASM_WASM_MODULE": str(FAULT_GUEST),
    "FASTWASM_WASM_TIMEOUT_S": "0.5",
    "FASTWASM_WASM_MAX_MEMORY_MB": "4",
}


@pytest.fixture(scope="module")
def faulty() -> Iterator[dict[str, str]]:
    """Both servers on the fault guest (tests/fastwasm/api/fault_guest.wat)."""
    with serving(python_command, FAULT_SETTINGS) as python, serving(rust_command, FAULT_SETTINGS) as rust:
        yield {"python": python, "rust": rust}


@pytest.mark.parametrize(
    ("n", "status", "words"),
    [
        (13, 502, "(unreachable)"),
        (14, 504, "(set by FASTWASM_WASM_TIMEOUT_S)"),
        (15, 400, "(set by FASTWASM_WASM_MAX_MEMORY_MB)"),
        (16, 502, "(stack_overflow)"),
    ],
)
def test_guest_faults_get_the_same_status_and_body_then_exact_answers(
    faulty: dict[str, str], n: int, status: int, words: str
) -> None:
    (ps, ph, pb), (rs, rh, rb) = (fetch(f"{base}/fibonacci-wasm/{n}") for base in faulty.values())
    assert (rs, rb) == (ps, pb)
    assert ps == status
    assert words in parsed(pb)["detail"]
    assert "retry-after" not in ph
    assert "retry-after" not in rh
    for base in faulty.values():
        assert get(f"{base}/fibonacci-wasm/20")[1]["fibonacci"] == 6765


def test_per_call_isolation_gives_the_same_answers(both: dict[str, str]) -> None:
    env = {**SETTINGS, "FASTWASM_WASM_ISOLATION": "per-call"}
    with serving(python_command, env) as python, serving(rust_command, env) as rust:
        for path in ("/fibonacci-wasm/39", "/fibonacci-wasm/1000?algorithm=fast_doubling", "/compare/25"):
            answers = [without_time(get(base + path)[1]) for base in (python, rust)]
            reference = without_time(get(both["python"] + path)[1])  # pooled
            if path.startswith("/compare"):
                answers[0]["results"] = answers[0]["results"][1:]  # the Rust server has no Python result
                reference["results"] = reference["results"][1:]
                for answer in (*answers, reference):
                    for key in ("baseline", "speedup_wasm", "speedup_native", "message"):
                        answer.pop(key)
            assert answers[0] == answers[1] == reference
        for base in (python, rust):
            module = get(base + "/health")[1]["module"]
            assert (module["isolation"], module["pool"]["size"]) == ("per-call", 0)


@pytest.mark.parametrize(
    ("variable", "value"),
    [("FASTWASM_MAX_N_RECURSIVE", "94"), ("FASTWASM_WASM_ISOLATION", "shared"), ("FASTWASM_PORT", "http")],
)
@pytest.mark.parametrize("server", SERVERS)
def test_an_invalid_setting_stops_start_up_naming_it(server: str, variable: str, value: str) -> None:
    done = subprocess.run(
        SERVERS[server](free_port()), env={**os.environ, variable: value}, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    # fastwasm-server logs JSON lines; the CLI writes plain ones.
    lines = [json.loads(line)["message"] if line.startswith("{") else line for line in done.stderr.splitlines()]
    assert any(f"invalid setting {variable}={json.dumps(value)}: " in line for line in lines), lines


#: Settings that mean something else on each server: `workers` is processes
#: for uvicorn and threads for tokio; `wasm_module` is the bundled guest when
#: unset, which each server finds where it is installed (`kernels_dir` too, for
#: the bundled components).
SERVER_SPECIFIC = {"workers", "wasm_module", "kernels_dir"}


def effective_settings(env: dict[str, str], pin: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both servers' settings under `env`, each read by the server itself."""
    run = {**os.environ, **env}
    python = subprocess.run([*pin, str(FASTWASM), "settings"], env=run, capture_output=True, text=True, check=True)
    rust = subprocess.run([*pin, str(FASTWASM_SERVER), "--print-settings"], env=run, capture_output=True, text=True)
    assert rust.returncode == 0, rust.stderr
    return json.loads(python.stdout), json.loads(rust.stdout)


@pytest.mark.parametrize(
    ("env", "pin"),
    [
        ({}, []),
        # The CPU-dependent defaults follow one rule: the CPUs this process may use.
        ({}, ["taskset", "-c", "0"]),
        (
            {
                "FASTWASM_MAX_N_RECURSIVE": "30",
                "FASTWASM_QUEUE_TIMEOUT_S": "0.25",
                "FASTWASM_WASM_ISOLATION": "per-call",
            },
            [],
        ),
    ],
)
def test_both_servers_read_the_same_settings(env: dict[str, str], pin: list[str]) -> None:
    python, rust = effective_settings(env, pin)
    assert set(python) == set(rust)
    shared = set(rust) - SERVER_SPECIFIC
    assert {key: rust[key] for key in shared} == {key: python[key] for key in shared}
    if pin:
        assert python["max_concurrent_heavy"] == 2  # 2 × the one CPU it may use


def test_no_free_instance_slot_is_503_with_retry_after_on_both() -> None:
    env = {
        **SETTINGS,
        "FASTWASM_WASM_ISOLATION": "per-call",
        "FASTWASM_WASM_MAX_INSTANCES": "1",
        "FASTWASM_WASM_TIMEOUT_S": "2",
    }
    answers = []
    for command in (python_command, rust_command):
        with serving(command, env) as base:
            # A recursive F(60) holds the only instance until its deadline.
            holder = threading.Thread(target=get, args=(base + "/fibonacci-wasm/60?algorithm=recursive",))
            holder.start()
            wait_for(
                lambda base=base: int(get(base + "/health")[1]["module"]["pool"]["busy"]) == 1, "the slot is taken"
            )
            answers.append(fetch(base + "/fibonacci-wasm/39"))
            holder.join()
            assert get(base + "/fibonacci-wasm/39")[1]["fibonacci"] == 63245986  # free again
    (ps, ph, pb), (rs, rh, rb) = answers
    assert (rs, rh["retry-after"], rb) == (ps, ph["retry-after"], pb)
    assert (ps, ph["retry-after"]) == (503, "1")
    assert parsed(pb) == {"detail": "all 1 instance slots are in use (set by FASTWASM_WASM_MAX_INSTANCES); retry later"}

"""The kernel routes, one suite against both servers: a kernels directory of
the example components, the fault component with a sidecar, a copy with no
sidecar, and two files that do not load. Every case gets the same status,
content type and body bytes from both (only `execution_time` differs)."""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import shutil
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import fastwasm
from servers import ROOT, metric, python_command, raw_request, rust_command, serving, wait_for

# Slow: both servers, each as a process of its own.
pytestmark = pytest.mark.slow

COMPONENTS = Path(fastwasm.__file__).with_name("components")
SETTINGS = {
    "FASTWASM_MAX_CONCURRENT_HEAVY": "1",
    "FASTWASM_QUEUE_TIMEOUT_S": "0.2",
    "FASTWASM_WASM_TIMEOUT_S": "1.5",
    "FASTWASM_WASM_MAX_MEMORY_MB": "32",
    "FASTWASM_MAX_BODY_BYTES": "2000000",
}


@pytest.fixture(scope="module")
def kernels_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("kernels")
    for name in ("fib", "image", "echo"):
        shutil.copy(COMPONENTS / f"{name}.wasm", directory / f"{name}.wasm")
    shutil.copy(ROOT / "tests" / "components" / "fault.wasm", directory / "fault.wasm")
    (directory / "fault.toml").write_text("timeout_s = 0.3\nmax_body_bytes = 256\nmax_memory_mb = 16\n")
    shutil.copy(ROOT / "tests" / "components" / "fault.wasm", directory / "slow.wasm")
    (directory / "quick.toml").write_text("heavy = false\n")
    shutil.copy(COMPONENTS / "echo.wasm", directory / "quick.wasm")
    (directory / "heavy.toml").write_text("heavy = true\n")
    shutil.copy(COMPONENTS / "fib.wasm", directory / "heavy.wasm")
    # Precompiled, as the servers' runtime loads it (their memory cap).
    fastwasm.compile_kernel(fastwasm.Runtime(max_memory_mb=32, use_cache=False), directory / "heavy.wasm")
    (directory / "broken.wasm").write_bytes(b"\0asm\x0d\0\x01\0garbage")
    shutil.copy(COMPONENTS / "fib.wasm", directory / "loose.wasm")
    (directory / "loose.toml").write_text("max_memory_mb = 4096\n")
    return directory


@pytest.fixture(scope="module")
def both(kernels_dir: Path) -> Iterator[dict[str, str]]:
    env = {**SETTINGS, "FASTWASM_KERNELS_DIR": str(kernels_dir)}
    with serving(python_command, env) as python, serving(rust_command, env) as rust:
        yield {"python": python, "rust": rust}


def send(
    url: str, body: bytes | None = None, headers: dict[str, str] | None = None, method: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def send_too_large(url: str, size: int) -> tuple[int, bytes]:
    """A POST of `size` bytes that the server refuses after the headers: it
    answers 413 and closes, so sending the rest may fail; the answer is read
    all the same."""
    host, port = url.removeprefix("http://").split("/", 1)[0].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    connection.putrequest("POST", "/" + url.removeprefix("http://").split("/", 1)[1])
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(size))
    connection.endheaders()
    with contextlib.suppress(OSError):
        connection.send(b"A" * size)
    response = connection.getresponse()
    return response.status, response.read()


def without_time(body: bytes) -> Any:
    data = json.loads(body)
    if isinstance(data, dict) and "execution_time" in data:
        assert isinstance(data["execution_time"], float)
        # Taken (a timer that was never read gives 0), within the request's timeout.
        assert 0 < data["execution_time"] < 60
        data["execution_time"] = "<seconds>"
    # Whichever server starts first compiles a kernel and fills the shared
    # cache, so the other finds it there: the same code, another `load.code`.
    for kernel in data.get("kernels", [data]) if isinstance(data, dict) else []:
        load = kernel.get("load") if isinstance(kernel, dict) else None
        if isinstance(load, dict) and load.get("code") in ("hit", "miss"):
            load["code"] = "<compiled or cached>"
        # Each server loaded its kernels at its own start: a time, either way.
        if isinstance(kernel, dict) and "loaded_at" in kernel:
            assert datetime.fromisoformat(kernel["loaded_at"]).tzinfo is not None
            kernel["loaded_at"] = "<time>"
    return data


def same(
    both: dict[str, str], path: str, body: bytes | None = None, **headers: str
) -> tuple[int, dict[str, str], bytes]:
    """Both servers' answers, which must agree; returns the Python one."""
    (ps, ph, pb), (rs, rh, rb) = (send(base + path, body, headers) for base in both.values())
    assert rs == ps, (path, pb, rb)
    assert rh["content-type"] == ph["content-type"]
    for header in ("retry-after", "allow"):
        assert rh.get(header) == ph.get(header), header
    if ph["content-type"] == "application/json" and ps == 200:
        assert without_time(rb) == without_time(pb)
    else:
        assert rb == pb  # byte for byte, error bodies included
    return ps, ph, pb


def call(both: dict[str, str], kernel: str, function: str, arguments: Any, **headers: str) -> tuple[int, Any]:
    status, headers_out, body = same(
        both,
        f"/kernels/{kernel}/{function}",
        json.dumps(arguments).encode(),
        **{"content-type": "application/json", **headers},
    )
    return status, (without_time(body) if headers_out["content-type"] == "application/json" else body)


def test_the_listing_is_the_same_and_names_every_file(both: dict[str, str]) -> None:
    _, _, body = same(both, "/kernels")
    listing = json.loads(body)
    by_name = {m["name"]: m for m in listing["kernels"]}
    assert list(by_name) == ["broken", "echo", "fault", "fib", "heavy", "image", "loose", "quick", "slow"]
    assert by_name["broken"]["error"] is not None
    assert by_name["loose"]["error"] == (
        "loose.toml: max_memory_mb: 4096 is not in [1, 32] (FASTWASM_WASM_MAX_MEMORY_MB): a sidecar may only tighten"
    )
    assert by_name["fault"]["limits"] == {
        "timeout_s": 0.3,
        "max_memory_mb": 16,
        "max_body_bytes": 256,
        "placement": "measured",
        "deadline": True,
    }
    assert by_name["quick"]["limits"]["placement"] == "inline"
    assert by_name["heavy"]["load"] == {"code": "precompiled", "artifact_refused": None}
    assert by_name["heavy"]["limits"]["placement"] == "threads"
    assert by_name["fib"]["sha256"] == __import__("hashlib").sha256((COMPONENTS / "fib.wasm").read_bytes()).hexdigest()
    assert by_name["fib"]["functions"][0]["path"] == "/kernels/fib/fib"
    for name in ("fib", "nope"):
        same(both, f"/kernels/{name}")


def test_the_openapi_documents_are_the_same_with_one_operation_per_function(both: dict[str, str]) -> None:
    python, rust = (json.loads(send(base + "/openapi.json")[2]) for base in both.values())
    del python["paths"]["/fibonacci/{n}"]
    assert rust == python
    operation = python["paths"]["/kernels/fib/fib"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["required"] == ["n", "algorithm"]
    assert "/kernels/broken/x" not in json.dumps(list(python["paths"]))
    assert "/kernels/echo/fastwasm:echo/api@0.1.0/greet" in python["paths"]


VALUE_CASES: list[tuple[str, str, Any, int]] = [
    ("fib", "fib", {"n": 90, "algorithm": "fast-doubling"}, 200),
    ("fib", "fib", {"n": 94, "algorithm": "recursive"}, 400),
    ("fib", "fib", {"n": -1, "algorithm": "golden", "extra": True}, 422),
    ("fib", "fib", {"n": 1}, 422),
    ("fib", "fib", [1, 2], 422),
    ("fib", "nope", {}, 404),
    ("nope", "fib", {}, 404),
    ("broken", "fib", {}, 404),
    ("echo", "echo-person", {"first_name": "Ada", "age-years": 36}, 422),
    ("echo", "echo-shape", {"rect": {"x": 1, "y": "NaN"}}, 422),
    ("echo", "echo-perms", {"v": ["exec", "read"]}, 200),
    ("echo", "echo-results", {"v": [{"ok": 1}, {"err": "no"}, {"bad": 2}]}, 422),
    ("echo", "echo-points", {"v": [{"x": 1, "y": 2}, {"x": "one", "y": 2}]}, 422),
    ("echo", "echo-u64", {"v": 18446744073709551615}, 200),
    ("echo", "echo-u64", {"v": 18446744073709551616}, 422),
    ("echo", "echo-bytes", {"v": "AAEC/w=="}, 200),
    ("echo", "echo-bytes", {"v": "not base64!"}, 422),
    ("echo", "checked_div", {"a": 7, "b": 0}, 400),
    ("echo", "describe", {"name": "x", "count": 2, "ratio": 0.5, "on": True}, 200),
    ("echo", "fastwasm:echo/api@0.1.0/greet", {"name": "you"}, 200),
    ("echo", "fastwasm:echo/counters@0.1.0/make-counter", {}, 501),
    ("echo", "fastwasm:echo/counters@0.1.0/[method]counter.up", {"self": 1}, 501),
    ("echo", "find-byte", {"data": "AAEC", "needle": 2}, 200),
    ("echo", "checked-add-u16", {"a": 65535, "b": 1}, 400),
    ("quick", "reverse", {"text": "héllo"}, 200),
    ("echo", "echo-tuple", {"v": [7, "x", 0.5]}, 200),
    ("echo", "echo-tuple", {"v": [7, 8, 0.5]}, 422),
]


@pytest.mark.parametrize(("kernel", "function", "arguments", "expected"), VALUE_CASES)
def test_the_same_answer_for_every_value_and_error(
    both: dict[str, str], kernel: str, function: str, arguments: Any, expected: int
) -> None:
    # `call` checks that both servers send the same bytes; each case's own
    # status shows that the bytes are the answer it is about, not a 404
    # both servers share.
    status, body = call(both, kernel, function, arguments)
    assert status == expected, body
    if status == 200:
        assert set(body) == {"kernel", "function", "result", "execution_time"}


def test_results_are_exact(both: dict[str, str]) -> None:
    assert call(both, "fib", "fib", {"n": 100, "algorithm": "iterative"})[1]["result"] == "354224848179261915075"
    assert call(both, "echo", "echo-u64", {"v": 2**64 - 1})[1]["result"] == 2**64 - 1
    status, body = call(both, "echo", "checked-div", {"a": 7, "b": 0})
    assert status == 400
    assert set(body) == {"kernel", "function", "error"}


def test_bytes_travel_raw_or_as_base64(both: dict[str, str]) -> None:
    rgba = bytes(range(16))
    raw = {"content-type": "application/octet-stream"}
    status, headers, body = same(both, "/kernels/image/grayscale", rgba, **raw, accept="application/octet-stream")
    assert (status, headers["content-type"]) == (200, "application/octet-stream")
    assert float(headers["x-execution-time"]) > 0
    status, _, as_json = same(both, "/kernels/image/grayscale", rgba, **raw)
    assert base64.b64decode(json.loads(as_json)["result"]) == body
    same(both, "/kernels/image/blur", rgba, **raw)  # 415: blur takes JSON
    arguments = {"rgba": base64.b64encode(rgba).decode(), "width": 2, "height": 2, "radius": 1}
    status, blurred = call(both, "image", "blur", arguments, accept="application/octet-stream")
    assert status == 200
    assert len(blurred) == 16
    # A megabyte each way.
    big = bytes(range(256)) * 4096
    status, _, body = same(both, "/kernels/image/grayscale", big, **raw, accept="application/octet-stream")
    assert status == 200
    assert len(body) == len(big)


def test_limits_and_faults_answer_the_same_then_the_kernel_answers(both: dict[str, str]) -> None:
    assert call(both, "fault", "panic", {"message": "x" * 300})[0] == 413
    answers = [send_too_large(base + "/kernels/echo/echo-bytes", 2_000_100) for base in both.values()]
    assert answers[0] == answers[1]
    assert answers[0][0] == 413
    assert b"FASTWASM_MAX_BODY_BYTES" in answers[0][1]
    status, body = call(both, "fault", "spin", {})
    assert status == 504
    assert body["detail"].endswith("(set by fault.toml timeout_s)")
    assert call(both, "fault", "panic", {"message": "boom"})[0] == 502
    status, body = call(both, "fault", "grow", {"mib": 20})
    assert status == 400
    assert body["detail"].endswith("(set by fault.toml max_memory_mb)")
    assert call(both, "fault", "chatter", {"line": "hi", "count": 2})[1]["result"] == 2
    status, headers, _ = same(both, "/kernels/fib/fib")  # a GET
    assert (status, headers["allow"]) == (405, "POST")


def test_heavy_calls_queue_for_a_slot_and_overflow_is_503(both: dict[str, str]) -> None:
    for base in both.values():
        spinning = threading.Thread(target=send, args=(base + "/kernels/slow/spin", b"{}"))
        spinning.start()
        wait_for(lambda base=base: metric(base, "fastwasm_heavy_busy") == 1, "the slot is taken")
        # Declared heavy (`heavy = true`): it queues for the one slot, in vain.
        status, headers, body = send(base + "/kernels/heavy/fib", b'{"n": 1, "algorithm": "iterative"}')
        assert (status, headers["retry-after"]) == (503, "1")
        assert b"FASTWASM_MAX_CONCURRENT_HEAVY" in body
        # Declared cheap (`heavy = false`): inline, no queue. (A function
        # measured cheap runs inline too, but a loaded machine can make any
        # one call slower than the threshold, and then it rightly queues: the
        # measured rule is checked where the clock is the test's, in
        # fastwasm-runtime's placement tests.)
        assert send(base + "/kernels/quick/nothing", b"{}")[0] == 200
        spinning.join(timeout=30)


@pytest.mark.parametrize("server", ["python", "rust"])
def test_a_client_that_disconnects_cancels_its_kernel_call(both: dict[str, str], server: str) -> None:
    base = both[server]
    cancelled = 'fastwasm_kernel_calls_total{function="spin",kernel="slow",outcome="cancelled"}'
    before = metric(base, cancelled)
    lines = [
        "POST /kernels/slow/spin HTTP/1.1",
        "Host: fastwasm",
        "Content-Type: application/json",
        "Content-Length: 2",
    ]
    # Without a cancel, the spin would end at the 1.5 s deadline as `timeout`.
    with raw_request(base, lines) as client:
        client.sendall(b"{}")
        wait_for(lambda: metric(base, "fastwasm_heavy_busy") == 1, "the call started")
    wait_for(lambda: metric(base, cancelled) == before + 1, "the kernel call was cancelled")
    wait_for(lambda: metric(base, "fastwasm_heavy_busy") == 0, "the slot is free")
    assert call(both, "fib", "fib", {"n": 10, "algorithm": "iterative"})[1]["result"] == "55"


def test_a_made_up_function_name_never_becomes_a_metric_label(both: dict[str, str]) -> None:
    made_up = "made-up-4711"
    assert call(both, "echo", made_up, {})[0] == 404
    assert call(both, "echo", "echo_u64", {"v": 1})[0] == 200  # the snake_case spelling
    for base in both.values():
        with urllib.request.urlopen(base + "/metrics", timeout=60) as response:
            text = response.read().decode()
        assert made_up not in text
        assert 'function="echo-u64"' in text  # counted under its WIT name
        assert 'function="echo_u64"' not in text

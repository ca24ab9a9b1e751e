"""New kernel versions without a restart, on both servers: SIGHUP and the
admin route (only with a token) reload the kernels folder; 20 reloads under
20 concurrent clients answer every request with 200 and the exact result;
a broken file keeps the old version serving, listed with its error; a new
file is served and documented, a removed one stops; `--reload-kernels`
reloads on a change; and both servers answer the same bytes."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from parity.test_kernel_parity import same
from servers import (
    FASTWASM,
    FASTWASM_SERVER,
    ROOT,
    custom_section,
    metric,
    python_command,
    rust_command,
    started,
    wait_for,
)

pytestmark = pytest.mark.slow

FIB = ROOT / "python" / "fastwasm" / "components" / "fib.wasm"
TOKEN = "reload-token-0123456789"
AUTH = {"authorization": f"Bearer {TOKEN}"}
#: fib(90): what every answer must carry, whichever version served it.
FIB_90 = "2880067194370816120"
COMMANDS = {"python": python_command, "rust": rust_command}


def version(tag: int) -> bytes:
    """fib.wasm with a custom section appended: another file (another
    SHA-256) that computes the same."""
    return FIB.read_bytes() + custom_section("fastwasm-test-version", tag.to_bytes(4, "little"))


def replace(path: Path, data: bytes) -> str:
    """Writes `data` over `path` as a rollout should (beside it, then
    renamed over it); returns its SHA-256."""
    partial = path.with_suffix(".partial")
    partial.write_bytes(data)
    partial.replace(path)
    return hashlib.sha256(data).hexdigest()


def post(
    base: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.request("POST", path, body, headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def shown(base: str, kernel: str) -> dict[str, object]:
    status, _, body = get_raw(base, f"/kernels/{kernel}")
    assert status == 200, body
    listed: dict[str, object] = json.loads(body)
    return listed


def get_raw(base: str, path: str) -> tuple[int, dict[str, str], bytes]:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def kernels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("reloaded")
    shutil.copy(FIB, directory / "fib.wasm")
    return directory


@pytest.fixture(scope="module")
def servers(kernels: Path) -> Iterator[dict[str, tuple[str, subprocess.Popen[bytes]]]]:
    """Both servers on one kernels folder, with the admin token."""
    env = {"FASTWASM_KERNELS_DIR": str(kernels), "FASTWASM_ADMIN_TOKEN": TOKEN}
    with started(python_command, env) as python, started(rust_command, env) as rust:
        yield {"python": python, "rust": rust}


@pytest.fixture(scope="module")
def both(servers: dict[str, tuple[str, subprocess.Popen[bytes]]]) -> dict[str, str]:
    return {name: base for name, (base, _) in servers.items()}


def reload_both(both: dict[str, str]) -> dict[str, object]:
    """POST /admin/reload on each server: the same answer from both."""
    answers = [post(base, "/admin/reload", headers=AUTH) for base in both.values()]
    (ps, _, pb), (rs, _, rb) = answers
    assert ps == rs == 200, (pb, rb)
    python, rust = json.loads(pb), json.loads(rb)
    assert python == rust
    report: dict[str, object] = python
    return report


def test_the_admin_route_needs_the_token_and_names_its_setting(both: dict[str, str]) -> None:
    for headers in ({}, {"authorization": "Bearer not-the-token-at-all"}, {"authorization": TOKEN}):
        answers = [post(base, "/admin/reload", headers=headers) for base in both.values()]
        (ps, ph, pb), (rs, rh, rb) = answers
        assert ps == rs == 401, headers
        assert ph["www-authenticate"] == rh["www-authenticate"] == "Bearer"
        assert pb == rb
        assert b"FASTWASM_ADMIN_TOKEN" in pb
        assert TOKEN.encode() not in pb


def test_the_token_is_never_printed_with_the_settings() -> None:
    env = {**os.environ, "FASTWASM_ADMIN_TOKEN": TOKEN}
    printed = [
        subprocess.run(command, env=env, capture_output=True, check=True, timeout=60).stdout
        for command in ([str(FASTWASM), "settings"], [str(FASTWASM_SERVER), "--print-settings"])
    ]
    python, rust = (json.loads(text) for text in printed)
    assert python == rust
    assert python["admin_token"] == "(set)"
    assert all(TOKEN.encode() not in text for text in printed)
    short = {**os.environ, "FASTWASM_ADMIN_TOKEN": "short"}
    refused = subprocess.run([str(FASTWASM_SERVER), "--print-settings"], env=short, capture_output=True, timeout=60)
    assert refused.returncode != 0
    assert b"FASTWASM_ADMIN_TOKEN" in refused.stderr
    assert b"short" not in refused.stderr


def test_without_a_token_there_is_no_admin_route(kernels: Path) -> None:
    assert "FASTWASM_ADMIN_TOKEN" not in os.environ
    for command in COMMANDS.values():
        with started(command, {"FASTWASM_KERNELS_DIR": str(kernels)}) as (base, _):
            status, _, body = post(base, "/admin/reload", headers=AUTH)
            assert status == 404, body
            assert "/admin/reload" not in get_raw(base, "/openapi.json")[2].decode()


def calls_until(base: str, stop: threading.Event, outcomes: list[tuple[int, str]]) -> None:
    """One client: fib(90) over one keep-alive connection until `stop`."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    body = json.dumps({"n": 90, "algorithm": "iterative"}).encode()
    headers = {"content-type": "application/json"}
    try:
        while not stop.is_set():
            connection.request("POST", "/kernels/fib/fib", body, headers)
            response = connection.getresponse()
            data = response.read()
            result = json.loads(data).get("result", data.decode()) if response.status == 200 else data.decode()
            outcomes.append((response.status, result))
    finally:
        connection.close()


@pytest.mark.parametrize("server", ["python", "rust"])
def test_twenty_reloads_under_twenty_clients_answer_every_request_exactly(
    server: str, servers: dict[str, tuple[str, subprocess.Popen[bytes]]], kernels: Path
) -> None:
    base, process = servers[server]
    stop = threading.Event()
    outcomes: list[list[tuple[int, str]]] = [[] for _ in range(20)]
    clients = [threading.Thread(target=calls_until, args=(base, stop, mine)) for mine in outcomes]
    for client in clients:
        client.start()
    last = ""
    try:
        for tag in range(20):
            last = replace(kernels / "fib.wasm", version(1000 * (server == "rust") + tag))
            if tag % 2:
                process.send_signal(signal.SIGHUP)
            else:
                status, _, body = post(base, "/admin/reload", headers=AUTH)
                assert status == 200, body
                assert json.loads(body)["loaded"] == ["fib"]
            wait_for(lambda sha=last: shown(base, "fib")["sha256"] == sha, f"version {tag} served", within_s=60)
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=60)
    answered = [outcome for mine in outcomes for outcome in mine]
    assert len(answered) >= 100, "the clients hardly ran"
    wrong = [outcome for outcome in answered if outcome != (200, FIB_90)]
    assert not wrong, f"{len(wrong)} of {len(answered)} answers were not 200 with fib(90): {wrong[:5]}"
    assert shown(base, "fib")["sha256"] == last
    assert metric(base, "fastwasm_kernel_reloads_total") >= 20


def test_a_broken_file_keeps_the_old_version_serving_with_its_error_listed(both: dict[str, str], kernels: Path) -> None:
    good = replace(kernels / "fib.wasm", version(7))
    reload_both(both)
    failures = {name: metric(base, "fastwasm_kernel_reload_failures_total") for name, base in both.items()}
    broken = replace(kernels / "fib.wasm", b"\0asm\x0d\0\x01\0 not a component")
    report = reload_both(both)
    assert [entry["kernel"] for entry in report["failed"]] == ["fib"]  # type: ignore[index, union-attr]
    for name, base in both.items():
        listed = shown(base, "fib")
        assert listed["sha256"] == good, "the version serving"
        error = listed["reload_error"]
        assert isinstance(error, dict)
        assert error["sha256"] == broken
        assert "invalid" in error["error"]
        assert metric(base, "fastwasm_kernel_reload_failures_total") == failures[name] + 1
    status, _, body = same(both, "/kernels/fib/fib", json.dumps({"n": 90, "algorithm": "iterative"}).encode())
    assert status == 200
    assert json.loads(body)["result"] == FIB_90
    replace(kernels / "fib.wasm", FIB.read_bytes())
    reload_both(both)
    for base in both.values():
        assert shown(base, "fib")["reload_error"] is None


def test_a_new_file_is_served_and_documented_and_a_removed_one_stops(both: dict[str, str], kernels: Path) -> None:
    shutil.copy(FIB, kernels / "extra.wasm")
    try:
        assert reload_both(both)["loaded"] == ["extra"]
        for base in both.values():
            assert "/kernels/extra/fib" in json.loads(get_raw(base, "/openapi.json")[2])["paths"]
        status, _, body = same(both, "/kernels/extra/fib", json.dumps({"n": 10, "algorithm": "iterative"}).encode())
        assert status == 200
        assert json.loads(body)["result"] == "55"
    finally:
        (kernels / "extra.wasm").unlink()
    assert reload_both(both)["removed"] == ["extra"]
    for base in both.values():
        assert "/kernels/extra/fib" not in json.loads(get_raw(base, "/openapi.json")[2])["paths"]
    status, _, _ = same(both, "/kernels/extra/fib", b"{}")
    assert status == 404


@pytest.mark.parametrize("server", ["python", "rust"])
def test_reload_kernels_reloads_when_a_file_changes(server: str, tmp_path: Path) -> None:
    shutil.copy(FIB, tmp_path / "fib.wasm")
    env = {"FASTWASM_KERNELS_DIR": str(tmp_path), "FASTWASM_RELOAD_POLL_S": "0.1"}
    with started(COMMANDS[server], env, "--reload-modules") as (base, _):
        before = shown(base, "fib")
        sha = replace(tmp_path / "fib.wasm", version(42))
        wait_for(lambda: shown(base, "fib")["sha256"] == sha, "the changed file served", within_s=30)
        assert shown(base, "fib")["loaded_at"] != before["loaded_at"]
        assert metric(base, "fastwasm_kernel_reloads_total") >= 1

"""Sidecar grants, on both servers: a kernel's `NAME.toml` grants a
read-only directory under the operator's root (`FASTWASM_GRANTS_ROOT`), a
variable and its output in the log; both servers answer the same, list the
grants the same, log the guest's lines, and refuse to start when a grant
leaves the root."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from parity.test_kernel_parity import same
from servers import ROOT, free_port, python_command, rust_command, wait_until_up

pytestmark = pytest.mark.slow

FAULT = ROOT / "tests" / "components" / "fault.wasm"
SIDECAR = """\
log_output = true

[dirs]
"data" = "/data"

[env]
GREETING = "hi"
"""


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("grants")
    (root / "data").mkdir()
    (root / "data" / "hello.txt").write_text("hello from the host")
    (root / "secret.txt").write_text("not granted")
    return root


def kernels_with(directory: Path, sidecar: str) -> Path:
    directory.mkdir()
    shutil.copy(FAULT, directory / "granted.wasm")
    (directory / "granted.toml").write_text(sidecar)
    return directory


@pytest.fixture(scope="module")
def logs(root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], dict[str, Path]]]:
    """Both servers, serving the granted kernel, each with its output in a file."""
    kernels = kernels_with(tmp_path_factory.mktemp("k") / "kernels", SIDECAR)
    env = {"FASTWASM_KERNELS_DIR": str(kernels), "FASTWASM_GRANTS_ROOT": str(root)}
    bases: dict[str, str] = {}
    files: dict[str, Path] = {}
    processes = []
    try:
        for name, command in (("python", python_command), ("rust", rust_command)):
            port = free_port()
            files[name] = tmp_path_factory.mktemp(name) / "output.log"
            with files[name].open("wb") as out:
                process = subprocess.Popen(
                    command(port), env={**dict(os.environ), **env}, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
                )
            processes.append(process)
            bases[name] = f"http://127.0.0.1:{port}"
            wait_until_up(bases[name] + "/health", process)
        yield bases, files
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


def call(both: dict[str, str], function: str, arguments: dict[str, object]) -> tuple[int, object]:
    status, _, body = same(both, f"/kernels/granted/{function}", json.dumps(arguments).encode())
    return status, json.loads(body)


def test_both_servers_honour_the_grants_alike(logs: tuple[dict[str, str], dict[str, Path]]) -> None:
    both, _ = logs
    status, body = call(both, "read-file", {"path": "/data/hello.txt"})
    assert (status, body["result"]) == (200, "hello from the host")  # type: ignore[index]
    for outside in ("/data/../secret.txt", "/secret.txt", "/etc/passwd"):
        status, _ = call(both, "read-file", {"path": outside})
        assert status == 400, outside
    status, body = call(both, "write-file", {"path": "/data/new.txt", "contents": "no"})
    assert status == 400
    status, body = call(both, "environment", {})
    assert body["result"] == [["GREETING", "hi"]]  # type: ignore[index]
    _, _, listing = same(both, "/kernels/granted")
    assert json.loads(listing)["grants"] == {"dirs": ["/data"], "env": ["GREETING"], "log_output": True}


def test_both_servers_log_the_guests_lines(logs: tuple[dict[str, str], dict[str, Path]]) -> None:
    both, files = logs
    status, _ = call(both, "chatter", {"line": "a line the guest wrote", "count": 2})
    assert status == 200
    for name, path in files.items():
        # The stderr lines, at WARNING: above both servers' log level here.
        text = path.read_text(errors="replace")
        assert text.count("a line the guest wrote") >= 2, (name, text[-2000:])


@pytest.mark.parametrize("command", [python_command, rust_command], ids=["python", "rust"])
def test_a_grant_outside_the_root_stops_start_up_naming_the_key(command: object, root: Path, tmp_path: Path) -> None:
    kernels = kernels_with(tmp_path / "kernels", '[dirs]\n"../secret-elsewhere" = "/x"\n')
    (root.parent / "secret-elsewhere").mkdir(exist_ok=True)
    env = {**dict(os.environ), "FASTWASM_KERNELS_DIR": str(kernels), "FASTWASM_GRANTS_ROOT": str(root)}
    assert callable(command)
    finished = subprocess.run(command(free_port()), env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert finished.returncode != 0
    output = finished.stdout + finished.stderr
    assert "granted.toml: dirs:" in output, output[-3000:]
    assert "outside FASTWASM_GRANTS_ROOT" in output, output[-3000:]

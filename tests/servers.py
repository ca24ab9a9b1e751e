"""Real servers as subprocesses, and small HTTP helpers: the one place that
starts a server and waits for it, for the end-to-end and parity tests (on
pytest's pythonpath, so tests `import servers`) and for the benchmarks
(`bench.common` imports it)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FASTWASM = Path(sys.executable).with_name("fastwasm")
#: Built by `cargo test --workspace --release` in `make test`, before pytest runs.
FASTWASM_SERVER = Path(os.environ.get("FASTWASM_SERVER_BIN", ROOT / "target" / "release" / "fastwasm-server"))


def custom_section(name: str, payload: bytes) -> bytes:
    """A WebAssembly custom section (id 0), its name and payload: appended
    to a `.wasm` file, another file (another SHA-256) that computes the same."""

    def leb(n: int) -> bytes:
        out = bytearray()
        while True:
            byte, n = n & 0x7F, n >> 7
            out.append(byte | (0x80 if n else 0))
            if not n:
                return bytes(out)

    body = leb(len(name)) + name.encode() + payload
    return b"\0" + leb(len(body)) + body


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def get(url: str) -> tuple[int, Any]:
    """Status and JSON body, decoded by the standard library with its default
    settings (as any client would), for 2xx and errors alike."""
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def python_command(port: int, *args: str) -> list[str]:
    return [str(FASTWASM), "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", *args]


def uvicorn_command(port: int, app: str) -> list[str]:
    """uvicorn serving the app factory `app` (`module:function`)."""
    return [sys.executable, "-m", "uvicorn", "--factory", app, "--port", str(port), "--log-level", "warning"]


def rust_command(port: int, *args: str) -> list[str]:
    assert FASTWASM_SERVER.is_file(), f"{FASTWASM_SERVER} is missing: `cargo build --release -p fastwasm-server`"
    return [str(FASTWASM_SERVER), "--host", "127.0.0.1", "--port", str(port), *args]


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout_s: float = 60) -> float:
    """Polls `url` until it answers 200; returns the seconds that took. A
    process that exits first, or no answer within `timeout_s`, is an error."""
    start = time.perf_counter()
    while True:
        try:
            if get_status(url) == 200:
                return time.perf_counter() - start
        except OSError:
            pass
        if process.poll() is not None or time.perf_counter() - start > timeout_s:
            raise RuntimeError(f"{process.args} did not come up")
        time.sleep(0.005)


def get_status(url: str) -> int:
    """The status of a GET of `url`, whatever its body."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as error:
        return error.code


@contextlib.contextmanager
def launched(
    argv: Sequence[str],
    health_url: str,
    env: dict[str, str] | None = None,
    *,
    cwd: Path | None = None,
    quiet: bool = False,
) -> Iterator[subprocess.Popen[bytes]]:
    """The process `argv`, once `health_url` answers 200; stopped with SIGTERM
    at the end. `quiet` discards its output (a benchmark's access log is
    still written, as in production; only its destination is discarded)."""
    output = subprocess.DEVNULL if quiet else None
    process = subprocess.Popen(
        list(argv), env={**os.environ, **(env or {})}, cwd=cwd or ROOT, stdout=output, stderr=output
    )
    try:
        wait_until_up(health_url, process)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextlib.contextmanager
def started(
    command: Callable[..., list[str]],
    env: dict[str, str],
    *args: str,
    health: str = "/health",
    cwd: Path | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A server started by `command(port, *args)`, once it answers `health`,
    and its process; stopped with SIGTERM, which it must handle cleanly."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with launched(command(port, *args), base + health, env, cwd=cwd) as process:
        yield base, process
    # uvicorn re-raises the signal after its graceful shutdown.
    code = process.returncode
    assert code in (0, -signal.SIGTERM), f"the server did not shut down cleanly on SIGTERM: exit code {code}"


@contextlib.contextmanager
def serving(command: Callable[..., list[str]], env: dict[str, str], *args: str) -> Iterator[str]:
    """As `started`, yielding only the base URL."""
    with started(command, env, *args) as (base, _):
        yield base


def metric(base: str, line_start: str) -> float:
    """The value of the first /metrics sample line that starts with `line_start`."""
    with urllib.request.urlopen(f"{base}/metrics", timeout=60) as response:
        text = response.read().decode()
    values = [line.rsplit(" ", 1)[1] for line in text.splitlines() if line.startswith(line_start + " ")]
    return float(values[0]) if values else 0.0


def wait_for(condition: Callable[[], bool], what: str, within_s: float = 10) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        assert time.monotonic() < deadline, f"not within {within_s} s: {what}"
        time.sleep(0.05)


def raw_request(base: str, lines: Sequence[str]) -> socket.socket:
    """A connection with a request sent and nothing read: close it to disconnect."""
    host, port = base.removeprefix("http://").split(":")
    client = socket.create_connection((host, int(port)))
    client.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    return client


def children(pid: int) -> list[int]:
    """The PIDs whose parent is `pid` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def python_worker_pids(server_pid: int) -> set[int]:
    """The Python-method worker processes of a server: the children of its fork server."""
    return {worker for child in children(server_pid) for worker in children(child)}


def cpu_ticks(pid: int) -> int:
    """User plus system CPU time of a process, in clock ticks (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])

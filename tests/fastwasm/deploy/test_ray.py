"""fastwasm on a real local Ray cluster (`make test-ray`, part of `make test`):
two replicas of 0.5 CPU answer exactly, a killed replica is replaced while
requests keep coming, and nothing is left running afterwards.

Collected only where `make test-ray` asks for it (FASTWASM_TEST_RAY=1, see
conftest.py), after it has installed the `ray` extra into .venv.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from fastwasm import pure
from fastwasm.api.settings import Settings
from servers import free_port

# Slow: a real local Ray cluster.
pytestmark = pytest.mark.slow

REQUESTS = 200
RECOVERY_S = 120


def fetch(url: str) -> tuple[int, str, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read().decode(), {k.lower(): v for k, v in response.headers.items()}


def ray_processes() -> list[str]:
    """Command lines of Ray's own daemons still running on this machine."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if any(name in text for name in ("raylet", "gcs_server", "ray::", "default_worker.py")):
            found.append(text[:120])
    return found


def test_two_replicas_answer_exactly_and_a_killed_one_is_replaced() -> None:
    import json

    import ray

    from fastwasm.deploy import ray as on_ray

    assert not ray_processes(), "a Ray cluster is already running here"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    on_ray.deploy(Settings(), on_ray.Scale(replicas=2, cpus_per_replica=0.5), port=port, num_cpus=2)
    try:
        ready_s = time.monotonic() - started
        seen: Counter[str] = Counter()
        for i in range(REQUESTS):
            n = i % 94
            status, body, headers = fetch(f"{base}/fibonacci-wasm/{n}")
            assert status == 200
            assert json.loads(body)["fibonacci"] == pure.iterative(n)
            seen[headers["x-fastwasm-replica"]] += 1
        assert len(seen) == 2, seen  # both replicas answered
        status, body, headers = fetch(f"{base}/fibonacci-wasm/1000?algorithm=fast_doubling")
        assert json.loads(body)["digits"] == str(pure.fast_doubling(1000))
        # The kernel routes read the app's lifespan state too, which Serve
        # leaves out of a request's scope unless the deployment hands it on.
        assert [k["name"] for k in json.loads(fetch(f"{base}/kernels")[1])["kernels"]] == [
            "echo",
            "fib",
            "image",
            "markdown",
            "numeric",
            "words",
        ]

        victim = next(iter(seen))
        # The replica's actor by its name (which holds the replica id), and
        # its process id asked of the actor itself (no dashboard runs here).
        (named,) = [a for a in ray.util.list_named_actors(all_namespaces=True) if victim in a["name"]]
        actor = ray.get_actor(named["name"], namespace=named["namespace"])
        pid = ray.get(actor.__ray_call__.remote(lambda _self: os.getpid()), timeout=30)
        os.kill(pid, signal.SIGKILL)

        failed, answered, replaced_by = 0, 0, set()
        deadline = time.monotonic() + RECOVERY_S
        while time.monotonic() < deadline:
            try:
                status, body, headers = fetch(f"{base}/fibonacci-wasm/39")
            except (urllib.error.URLError, OSError):
                failed += 1
                time.sleep(0.05)
                continue
            assert status == 200
            assert json.loads(body)["fibonacci"] == 63245986
            answered += 1
            replica = headers["x-fastwasm-replica"]
            assert replica != victim, "the killed replica answered"
            if replica not in seen:
                replaced_by.add(replica)
                break
        recovery_s = RECOVERY_S - (deadline - time.monotonic())
        print(
            f"ray: ready in {ready_s:.1f} s; {REQUESTS} requests spread {dict(seen)}; after the kill,"
            f" {failed} requests failed and {answered} answered before replica {sorted(replaced_by)} answered,"
            f" {recovery_s:.1f} s after the kill"
        )
        assert replaced_by, f"no new replica answered within {RECOVERY_S} s ({failed} requests failed)"
    finally:
        on_ray.shutdown()
    deadline = time.monotonic() + 60
    while ray_processes() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not ray_processes(), ray_processes()
    assert not ray.is_initialized()


def test_the_command_serves_on_ray_and_stops_on_ctrl_c() -> None:
    """`fastwasm serve --engine ray`, as a user types it: once it says Ctrl-C
    stops it, it answers with its replica named, and Ctrl-C (SIGINT) shuts
    the cluster down."""
    import json
    import subprocess
    import threading

    from servers import FASTWASM

    port = free_port()
    command = [str(FASTWASM), "serve", "--engine", "ray", "--replicas", "1", "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    ready = threading.Event()

    def read_stdout() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if "(Ctrl-C stops it)" in line:
                ready.set()

    threading.Thread(target=read_stdout, daemon=True).start()
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                status, body, headers = fetch(f"http://127.0.0.1:{port}/fibonacci-wasm/39")
                break
            except (urllib.error.URLError, OSError):
                assert process.poll() is None, "fastwasm serve --engine ray exited"
                assert time.monotonic() < deadline, "fastwasm serve --engine ray did not come up"
                time.sleep(0.5)
        assert status == 200
        assert json.loads(body)["fibonacci"] == 63245986
        assert headers["x-fastwasm-replica"]
        assert ready.wait(120), "fastwasm serve --engine ray never said it was serving"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            # Leave nothing behind for the tests after this one, then fail.
            process.kill()
            subprocess.run([str(Path(sys.executable).with_name("ray")), "stop", "--force"], check=False)
            raise
    assert code == 0, f"exit code {code}"
    deadline = time.monotonic() + 60
    while ray_processes() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not ray_processes(), ray_processes()

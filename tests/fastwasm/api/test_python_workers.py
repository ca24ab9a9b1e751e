"""Heavy pure-Python work in worker processes: off the event loop's GIL,
under a deadline, stopped when its client leaves, and never leaked."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

import fastwasm
from fastwasm.api import Settings, create_app
from fastwasm.api.compute import compute_heavy
from fastwasm.api.deps import FibonacciQuery, FibonacciService
from fastwasm.api.metrics import Metrics
from fastwasm.api.models import Algorithm, Method
from fastwasm.api.python_workers import PythonWorkers
from fastwasm.fastapi import Admission
from servers import cpu_ticks, get, metric, python_command, python_worker_pids, raw_request, started, wait_for

#: Recursive F(40) in pure Python runs for many seconds on any machine.
LONG = "/fibonacci/40?algorithm=recursive"


def idle(pids: set[int]) -> dict[int, int]:
    """Waits until no worker uses CPU (start-up is over); their CPU times then."""
    last: dict[int, int] = {}

    def settled() -> bool:
        nonlocal last
        now = {pid: cpu_ticks(pid) for pid in pids}
        still, last = now == last, now
        time.sleep(0.2)
        return still

    wait_for(settled, "the workers are idle", 30)
    return last


def busy_worker(idle_ticks: dict[int, int]) -> int:
    """The worker that burns CPU since `idle`, found by watching CPU time grow."""
    growing: list[int] = []

    def found() -> bool:
        growing.extend(pid for pid, ticks in idle_ticks.items() if cpu_ticks(pid) > ticks + 5)
        return bool(growing)

    wait_for(found, "a busy worker", 30)
    return growing[0]


def test_the_workers_are_sized_by_the_setting_and_answer_exactly() -> None:
    with started(python_command, {"FASTWASM_PYTHON_WORKERS": "3"}) as (base, process):
        wait_for(lambda: len(python_worker_pids(process.pid)) == 3, "three workers")
        status, data = get(f"{base}/fibonacci/25?algorithm=recursive")
        assert (status, data["fibonacci"]) == (200, 75025)
        status, data = get(f"{base}/fibonacci/20000?algorithm=fast_doubling")
        assert status == 200
        assert data["digits"] == fastwasm.fibonacci_digits(20000, "native", "fast_doubling")


def test_a_client_that_disconnects_stops_its_worker_process() -> None:
    env = {"FASTWASM_PYTHON_WORKERS": "2", "FASTWASM_MAX_N_RECURSIVE": "40"}
    closed = 'fastwasm_requests_total{route="/fibonacci/{n}",status="499"}'
    with started(python_command, env) as (base, process):
        wait_for(lambda: len(python_worker_pids(process.pid)) == 2, "two workers")
        ticks = idle(python_worker_pids(process.pid))
        with raw_request(base, [f"GET {LONG} HTTP/1.1", "Host: fastwasm"]):
            running = busy_worker(ticks)
        # The client is gone: its worker is stopped and replaced, not left to run for seconds.
        wait_for(lambda: running not in python_worker_pids(process.pid), "the busy worker was stopped", 30)
        wait_for(lambda: len(python_worker_pids(process.pid)) == 2, "the pool is whole again", 30)
        wait_for(lambda: metric(base, closed) == 1, "the request was counted as 499")
        assert metric(base, "fastwasm_heavy_busy") == 0
        status, data = get(f"{base}/fibonacci/30?algorithm=recursive")
        assert (status, data["fibonacci"]) == (200, 832040)


def test_a_python_computation_past_its_deadline_is_504_and_the_pool_recovers() -> None:
    with TestClient(create_app(Settings(python_timeout_s=0.3, max_n_recursive=40))) as c:
        response = c.get(LONG)
        assert response.status_code == 504
        assert response.json()["detail"] == (
            "F(40) in Python did not finish within 0.3 s (FASTWASM_PYTHON_TIMEOUT_S); its worker process was stopped"
        )
        assert c.get("/fibonacci/20?algorithm=recursive").json()["fibonacci"] == 6765


def test_a_worker_that_dies_is_502_and_replaced() -> None:
    with TestClient(create_app(Settings(python_workers=1, max_n_recursive=40))) as c:
        wait_for(lambda: len(python_worker_pids(os.getpid())) >= 1, "the worker started")
        ticks = idle(python_worker_pids(os.getpid()))
        answers: list[Any] = []
        request = threading.Thread(target=lambda: answers.append(c.get(LONG)))
        request.start()
        os.kill(busy_worker(ticks), signal.SIGKILL)
        request.join(timeout=60)
        (response,) = answers
        assert response.status_code == 502
        assert response.json()["detail"].startswith("the Python worker computing F(40) died (exit code -9)")
        assert c.get("/fibonacci/20?algorithm=recursive").json()["fibonacci"] == 6765


def test_a_cancelled_handler_stays_cancelled_and_stops_its_work() -> None:
    # The handler's own task is cancelled (as at shutdown), not its client gone:
    # the CancelledError must reach the caller, and the worker must be stopped.
    async def scenario() -> None:
        workers = PythonWorkers(1, timeout_s=60)
        never_disconnects = asyncio.Event()

        async def receive() -> dict[str, Any]:
            await never_disconnects.wait()
            return {"type": "http.disconnect"}

        service = FibonacciService(fastwasm.default_fibonacci_module(), Admission(1, 1.0), Metrics(), workers, {})
        query = FibonacciQuery(40, Algorithm.recursive, service, receive)
        try:
            task = asyncio.ensure_future(compute_heavy(Method.python, query))
            await asyncio.sleep(0.5)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert service.admission.busy == 0
            # The pool still answers: the cancelled computation's worker was replaced.
            assert (await workers.timed_digits(20, "recursive"))[0] == "6765"
        finally:
            workers.close()

    asyncio.run(scenario())

"""Trusted code without a deadline: it runs past the timeout and answers,
nothing can stop it, a call may not set a deadline nor run inline; `acall`
stops waiting when cancelled while the call runs on; and the kit answers a
504 after the kernel's time, keeping the call's slot until it ends.

No `from __future__ import annotations` here: a route is defined inside a
test, and FastAPI must see its `Annotated` type as an object."""

import asyncio
import json
import shutil
import time
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import fastwasm
from fastwasm.fastapi import Kernel, Kernels
from servers import wait_for

ROOT = Path(__file__).resolve().parents[2]
FAULT = ROOT / "tests" / "components" / "fault.wasm"


def fault(runtime: fastwasm.Runtime, **options: object) -> fastwasm.Component:
    loaded = runtime.load(FAULT, **options)  # type: ignore[arg-type]
    assert isinstance(loaded, fastwasm.Component)
    return loaded


@pytest.fixture(scope="module")
def runtime() -> fastwasm.Runtime:
    return fastwasm.Runtime(timeout_s=0.2, use_cache=False, pool_size=1, call_threads=2)


def test_without_a_deadline_a_call_runs_past_the_timeout_and_answers(runtime: fastwasm.Runtime) -> None:
    trusted, guarded = fault(runtime, deadline=False), fault(runtime)
    assert (trusted.has_deadline, guarded.has_deadline, runtime.deadline) == (False, True, True)
    assert trusted.call("busy", 500) == 500
    with pytest.raises(fastwasm.WasmTimeout):
        guarded.call("busy", 500)


def test_a_runtime_without_a_deadline_gives_it_to_what_asks() -> None:
    runtime = fastwasm.Runtime(timeout_s=0.2, use_cache=False, pool_size=1, deadline=False)
    assert not runtime.deadline
    assert fault(runtime).call("busy", 300) == 300
    with pytest.raises(fastwasm.WasmTimeout):
        fault(runtime, deadline=True).call("spin")


def test_without_a_deadline_a_call_cannot_set_one_nor_run_inline(runtime: fastwasm.Runtime) -> None:
    trusted = fault(runtime, deadline=False)
    with pytest.raises(ValueError, match=r"timeout_s.*without a deadline"):
        trusted.call("busy", 1, timeout_s=0.1)
    with pytest.raises(ValueError, match="placement"):
        fault(runtime, deadline=False, placement="inline")
    for _ in range(20):
        trusted.call("now")
    assert not trusted.runs_inline("now")

    async def inline() -> object:
        return await trusted.acall("busy", 1, inline=True)

    with pytest.raises(ValueError, match="cannot run inline"):
        asyncio.run(inline())


def test_cancelling_an_acall_stops_the_wait_and_the_call_runs_on(runtime: fastwasm.Runtime) -> None:
    trusted = fault(runtime, deadline=False)

    async def cancelled() -> float:
        started = time.perf_counter()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(trusted.acall("busy", 2000), 0.05)
        return time.perf_counter() - started

    # Well before the call's 2 s: the wait ends, not the call.
    assert asyncio.run(cancelled()) < 1.5
    assert trusted.pool_stats().busy == 1
    wait_for(lambda: trusted.pool_stats().busy == 0, "the call ran to its end", 30)
    assert trusted.pool_stats().cancelled == 0


@pytest.fixture
def trusted_folder(tmp_path: Path) -> Path:
    shutil.copy(FAULT, tmp_path / "fault.wasm")
    (tmp_path / "fault.toml").write_text("deadline = false\ntimeout_s = 0.2\n")
    return tmp_path


def test_the_kit_answers_504_and_keeps_the_slot_until_the_call_ends(trusted_folder: Path) -> None:
    kernels = Kernels(trusted_folder, timeout_s=5)
    Fault = Annotated[Kernel, kernels.depends("fault")]  # noqa: N806
    app = FastAPI()

    @app.get("/busy/{ms}")
    async def busy(ms: int, fault: Fault) -> dict[str, int]:
        return {"ms": await fault.acall("busy", ms)}

    kernels.install(app, prefix="/kernels")
    with TestClient(app) as client:
        loaded = kernels.loaded(app)
        shown = client.get("/kernels/fault").json()
        assert shown["limits"]["deadline"] is False, shown
        assert client.get("/busy/1").json() == {"ms": 1}
        for response in (client.get("/busy/3000"), client.post("/kernels/fault/busy", json={"ms": 3000})):
            assert response.status_code == 504, response.text
            detail = response.json()["detail"]
            assert "without a deadline" in detail, detail
            assert "fault.toml timeout_s" in detail, detail
        # Both calls run on, each with its slot.
        assert loaded.admission.busy == 2
        wait_for(lambda: loaded.admission.busy == 0, "the calls ended", 30)


def test_the_kernel_set_reports_the_deadline(trusted_folder: Path) -> None:
    runtime = fastwasm.Runtime(use_cache=False, pool_size=1)
    kernels = fastwasm.KernelSet(runtime, trusted_folder, timeout_s=1, max_memory_mb=64, max_body_bytes=1 << 20)
    limits = kernels.limits("fault")
    assert limits is not None
    assert limits.deadline is False
    answer = kernels.unanswered("fault", "busy")
    assert answer is not None
    assert answer.status == 504
    assert "runs on to its end" in json.loads(answer.body)["detail"]

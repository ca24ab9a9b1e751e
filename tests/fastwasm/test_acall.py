"""`acall`: the same call as `call`, awaited on any asyncio loop, with the
guest off the event loop (or inline, preempted, when it is cheap), stopped
when its task is cancelled; and the warning when a blocking `call` stalls a
running loop."""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest
import uvloop

import fastwasm
from loop_lag import ticking

ROOT = Path(__file__).resolve().parents[2]
COMPONENTS = Path(fastwasm.__file__).with_name("components")
FAULT = ROOT / "tests" / "components" / "fault.wasm"
T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def component(runtime: fastwasm.Runtime, path: Path, placement: str = "measured") -> fastwasm.Component:
    loaded = runtime.load(path, placement=placement)  # type: ignore[arg-type]
    assert isinstance(loaded, fastwasm.Component)
    return loaded


@pytest.fixture(scope="module")
def runtime() -> fastwasm.Runtime:
    # Four call threads on every machine: the tests do not depend on its cores.
    return fastwasm.Runtime(timeout_s=10, max_memory_mb=16, use_cache=False, call_threads=4)


@pytest.fixture(scope="module")
def echo(runtime: fastwasm.Runtime) -> fastwasm.Component:
    return component(runtime, COMPONENTS / "echo.wasm")


@pytest.fixture(scope="module")
def fault(runtime: fastwasm.Runtime) -> fastwasm.Component:
    return component(runtime, FAULT)


CALLS: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("echo-u32", (7,), {}),
    ("echo-u64", (2**64 - 1,), {}),
    ("xor-bytes", (b"\x00\x01\xff" * 100, 3), {}),
    ("reverse", ("héllo",), {}),
    ("describe", ("n", 2, 0.5), {"on": True}),
    ("echo-points", ([{"x": 1.0, "y": 2.0}],), {}),
    ("echo-option", (None,), {}),
    ("checked-div", (7, 2), {}),
    ("nothing", (), {}),
]


@pytest.mark.parametrize("inline", [True, False])
@pytest.mark.parametrize(("function", "args", "kwargs"), CALLS)
def test_acall_gives_what_call_gives(
    echo: fastwasm.Component, function: str, args: tuple[Any, ...], kwargs: dict[str, Any], inline: bool
) -> None:
    expected = echo.call(function, *args, **kwargs)
    assert run(echo.acall(function, *args, inline=inline, **kwargs)) == expected


@pytest.mark.parametrize("inline", [True, False])
def test_acall_raises_what_call_raises(echo: fastwasm.Component, inline: bool) -> None:
    async def both(function: str, *args: Any) -> tuple[Exception, Exception]:
        try:
            echo.call(function, *args)
        except Exception as error:
            blocking = error
        else:
            pytest.fail(f"{function}{args} did not raise")
        try:
            await echo.acall(function, *args, inline=inline)
        except Exception as error:
            return blocking, error
        pytest.fail(f"acall {function}{args} did not raise")

    for function, args in [("checked-div", (1, 0)), ("echo-u8", (256,)), ("echo-u8", ("x",)), ("nope", ())]:
        blocking, awaited = run(both(function, *args))
        assert type(awaited) is type(blocking)
        assert str(awaited) == str(blocking)
    guest, _ = run(both("checked-div", 1, 0))
    assert isinstance(guest, fastwasm.GuestError)
    assert guest.value == "cannot divide 1 by 0"
    wrong, _ = run(both("echo-u8", 256))
    assert isinstance(wrong, fastwasm.ArgumentValueError)
    assert isinstance(wrong, ValueError)
    assert (wrong.type, wrong.loc) == ("wit_value", ("v",))
    kind, _ = run(both("echo-u8", "x"))
    assert isinstance(kind, fastwasm.ArgumentTypeError)
    assert isinstance(kind, TypeError)


def test_a_wrong_argument_raises_when_awaited_not_when_called(echo: fastwasm.Component) -> None:
    async def scenario() -> None:
        pending = echo.acall("echo-u8", 1000)  # a coroutine: nothing has run yet
        with pytest.raises(fastwasm.ArgumentValueError, match="argument v"):
            await pending
        with pytest.raises(fastwasm.ArgumentTypeError, match="missing its argument v"):
            await echo.acall("echo-u8")

    run(scenario())


def test_a_core_module_is_awaited_too(runtime: fastwasm.Runtime) -> None:
    module = runtime.load_bytes(
        b'(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)'
        b' (func (export "spin") (loop (br 0))))'
    )
    assert isinstance(module, fastwasm.Module)

    async def scenario() -> None:
        assert await module.acall("add", 40, 2) == 42
        assert await module.acall("add", 40, 2, inline=False) == 42
        with pytest.raises(fastwasm.WasmTimeout):
            await module.acall("spin", timeout_s=0.05)
        with pytest.raises(fastwasm.ArgumentTypeError):
            await module.acall("add", 1)

    run(scenario())


def test_the_loop_stays_responsive_while_eight_long_calls_run(fault: fastwasm.Component) -> None:
    # Eight guest calls of about 200 ms each (a spin stopped at its deadline),
    # on four call threads. A ticker that wants to run every millisecond
    # measures how late it wakes. Were the calls on the loop, it would wait
    # 200 ms or more; the bound only catches that (bench/suite/acall_bench.py
    # measures the lag itself).
    async def scenario() -> float:
        async def long_call() -> None:
            with pytest.raises(fastwasm.WasmTimeout):
                await fault.acall("spin", timeout_s=0.2, inline=False)

        async with ticking() as lags:
            await asyncio.gather(*(long_call() for _ in range(8)))
        assert len(lags) > 50  # it ran throughout
        return max(lags)

    assert run(scenario()) < 0.1


@pytest.mark.parametrize("how", ["timeout", "wait_for", "task_group", "cancel"])
def test_cancelling_the_task_stops_the_guest_and_frees_its_instance(fault: fastwasm.Component, how: str) -> None:
    async def spin() -> None:
        await fault.acall("spin")  # 10 s unless stopped

    async def cancel(cancellation: Callable[[], Awaitable[None]]) -> None:
        before = fault.pool_stats().cancelled
        started = time.perf_counter()
        with pytest.raises((TimeoutError, asyncio.CancelledError, ExceptionGroup)):
            await cancellation()
        elapsed = time.perf_counter() - started
        stats = fault.pool_stats()
        # The guest has stopped by the time the caller sees the cancellation.
        assert stats.busy == 0
        assert stats.cancelled == before + 1
        assert elapsed < 5  # far below the 10 s deadline: it was stopped, not timed out

    async def timeout() -> None:
        async with asyncio.timeout(0.05):
            await spin()

    async def wait_for() -> None:
        await asyncio.wait_for(spin(), 0.05)

    async def task_group() -> None:
        async def fail() -> None:
            await asyncio.sleep(0.05)
            raise RuntimeError("a sibling failed")

        async with asyncio.TaskGroup() as group:
            group.create_task(spin())
            group.create_task(fail())

    async def plain_cancel() -> None:
        task = asyncio.create_task(spin())
        await asyncio.sleep(0.05)
        task.cancel()
        await task

    cancellations = {"timeout": timeout, "wait_for": wait_for, "task_group": task_group, "cancel": plain_cancel}
    run(cancel(cancellations[how]))


def test_a_call_timeout_tightens_the_deadline_and_never_loosens_it(fault: fastwasm.Component) -> None:
    async def scenario() -> None:
        with pytest.raises(fastwasm.WasmTimeout) as stopped:
            await fault.acall("spin", timeout_s=0.05)
        assert stopped.value.timeout_s == pytest.approx(0.05)
        with pytest.raises(ValueError, match=r"timeout_s: 20.000 s is not in \(0, 10.000\] s"):
            await fault.acall("spin", timeout_s=20)
        with pytest.raises(ValueError, match="timeout_s must be a positive number"):
            await fault.acall("spin", timeout_s=0)

    run(scenario())
    with pytest.raises(fastwasm.WasmTimeout):
        fault.call("spin", timeout_s=0.05)


def test_acall_runs_on_uvloop(echo: fastwasm.Component, fault: fastwasm.Component) -> None:
    async def scenario() -> None:
        assert await echo.acall("echo-u32", 5, inline=False) == 5
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                await fault.acall("spin")
        assert fault.pool_stats().busy == 0

    uvloop.run(scenario())


def test_measured_placement_moves_a_cheap_function_inline(runtime: fastwasm.Runtime) -> None:
    echo = component(runtime, COMPONENTS / "echo.wasm")
    assert not echo.runs_inline("echo-u32")  # a function starts on the call threads

    async def calls(n: int) -> None:
        for i in range(n):
            assert await echo.acall("echo-u32", i) == i

    # Past the first call on each pooled instance (at most 16), which costs
    # more, the next 8 cheap calls in a row move it inline.
    run(calls(64))
    assert echo.runs_inline("echo-u32")
    assert not echo.runs_inline("echo-u64")  # per function
    # One call over the threshold sends it back (a 4 MiB xor takes milliseconds).
    run(calls(0))
    for _ in range(64):
        echo.call("xor-bytes", b"x" * 8, 1)
    assert echo.runs_inline("xor-bytes")
    echo.call("xor-bytes", b"x" * (4 << 20), 1)
    assert not echo.runs_inline("xor-bytes")


def test_declared_placements(runtime: fastwasm.Runtime) -> None:
    inline = component(runtime, COMPONENTS / "echo.wasm", "inline")
    threads = component(runtime, COMPONENTS / "echo.wasm", "threads")
    assert inline.runs_inline("echo-u32")
    assert not threads.runs_inline("echo-u32")
    for _ in range(64):
        threads.call("echo-u32", 1)
    assert not threads.runs_inline("echo-u32")
    with pytest.raises(ValueError, match="placement"):
        runtime.load(COMPONENTS / "echo.wasm", placement="sometimes")  # type: ignore[arg-type]


def test_an_inline_call_that_runs_long_is_preempted_and_finishes_on_a_thread(runtime: fastwasm.Runtime) -> None:
    # Declared cheap, but it spins: it is stopped at the next epoch tick
    # (5 ms), and runs again on a call thread until its own deadline.
    fault = component(runtime, FAULT, "inline")

    async def scenario() -> None:
        async with ticking() as lags:
            await asyncio.sleep(0.01)
            with pytest.raises(fastwasm.WasmTimeout):
                await fault.acall("spin", timeout_s=0.3)
        # Never stalled for the call's 300 ms: at most about one tick.
        assert max(lags) < 0.15

    run(scenario())
    assert fault.pool_stats().preempted == 1
    assert fault.pool_stats().timeouts == 1


def test_a_blocking_call_in_a_running_loop_warns_once_per_function(runtime: fastwasm.Runtime) -> None:
    fault = component(runtime, FAULT)
    echo = component(runtime, COMPONENTS / "echo.wasm")

    async def blocking() -> list[warnings.WarningMessage]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(3):
                with pytest.raises(fastwasm.WasmTimeout):
                    fault.call("spin", timeout_s=0.05)
            echo.call("echo-u32", 1)  # cheap: no warning
        return caught

    caught = run(blocking())
    assert len(caught) == 1
    assert caught[0].category is fastwasm.BlockingCallWarning
    assert 'Component.call("spin") blocked the running event loop' in str(caught[0].message)
    assert "acall" in str(caught[0].message)
    assert caught[0].filename == __file__  # it points at the call
    # No running loop: no warning.
    with warnings.catch_warnings(record=True) as outside:
        warnings.simplefilter("always")
        with pytest.raises(fastwasm.WasmTimeout):
            component(runtime, FAULT).call("spin", timeout_s=0.05)
    assert outside == []


def test_the_warning_can_be_switched_off(tmp_path: Path) -> None:
    quiet = fastwasm.Runtime(timeout_s=1, use_cache=False, blocking_warning_ms=0)
    fault = component(quiet, FAULT)

    async def blocking() -> list[warnings.WarningMessage]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(fastwasm.WasmTimeout):
                fault.call("spin", timeout_s=0.05)
        return caught

    assert run(blocking()) == []


def test_fibonacci_is_awaited_off_the_loop() -> None:
    guest = fastwasm.default_fibonacci_module()

    async def scenario() -> None:
        assert await guest.acompute(39) == 63245986
        assert await guest.acompute(30, "recursive") == 832040
        assert (await guest.adigits(1000, "fast_doubling")).startswith("43466557686937456435")
        assert await guest.acompute(200, "fast_doubling") == fastwasm.fibonacci(200, "native", "fast_doubling")
        with pytest.raises(ValueError, match="F\\(94\\) does not fit"):
            await guest.acompute(94, "recursive")

    run(scenario())

"""fastwasm.Runtime and fastwasm.Module through the binding: calls, every
error kind, and the GIL."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import fastwasm
import fastwasm.http
from fastwasm import pure
from spinning import spinning

GUEST = Path(fastwasm.__file__).with_name("guest") / "fibonacci_wasm.wasm"


def test_exports_are_listed_with_their_signatures(misbehaving: fastwasm.Module) -> None:
    exports = {e.name: e for e in misbehaving.exports}
    assert exports["add"].params == ("i32", "i32")
    assert exports["add"].results == ("i32",)
    assert exports["add"].signature == "(i32, i32) -> i32"
    assert exports["wide"].signature == "(i64, f32, f64) -> (i64, f64)"


def test_scalar_calls(misbehaving: fastwasm.Module) -> None:
    assert misbehaving.call("add", 40, 2) == 42
    assert misbehaving.call("wide", -5, 0.5, 0.25) == (-5, 0.75)
    assert misbehaving.call("nop") is None


def test_the_guest_u64_is_an_i64_through_the_generic_api() -> None:
    module = fastwasm.Runtime(use_cache=False).load(GUEST)
    raw = module.call("calculate_fibonacci", 93)
    assert raw == 12200160415121876738 - 2**64
    assert fastwasm.fibonacci(93) == 12200160415121876738


def test_a_trap_is_wasm_trap_with_its_code(misbehaving: fastwasm.Module) -> None:
    with pytest.raises(fastwasm.WasmTrap, match=r"`trap` trapped \(unreachable\)") as info:
        misbehaving.call("trap")
    assert info.value.code == "unreachable"
    assert info.value.export == "trap"
    assert misbehaving.call("add", 1, 2) == 3


def test_an_endless_loop_is_wasm_timeout(misbehaving: fastwasm.Module) -> None:
    with pytest.raises(fastwasm.WasmTimeout, match="timeout_s") as info:
        misbehaving.call("spin")
    assert info.value.timeout_s == pytest.approx(0.3)
    assert misbehaving.call("add", 2, 2) == 4
    assert misbehaving.pool_stats().timeouts == 1


def test_a_cancelled_call_is_wasm_cancelled(misbehaving: fastwasm.Module) -> None:
    cancel = fastwasm.CancelToken()
    timer = threading.Timer(0.03, cancel.cancel)
    timer.start()
    with pytest.raises(fastwasm.WasmCancelled, match="cancelled") as info:
        misbehaving.call("spin", cancel=cancel)
    timer.join()
    assert info.value.export == "spin"
    assert cancel.cancelled
    assert misbehaving.pool_stats().cancelled == 1
    assert misbehaving.pool_stats().timeouts == 0
    assert misbehaving.call("add", 2, 2, cancel=fastwasm.CancelToken()) == 4


def test_the_guest_takes_a_cancel_token() -> None:
    guest = fastwasm.default_fibonacci_module()
    fresh = fastwasm.CancelToken()
    assert guest.compute(100, "fast_doubling", cancel=fresh) == 354224848179261915075
    assert guest.digits(100, "iterative", cancel=fresh) == "354224848179261915075"
    assert guest.compute(93, cancel=fresh) == 12200160415121876738
    done = fastwasm.CancelToken()
    done.cancel()
    for call in (lambda: guest.compute(30, "recursive", cancel=done), lambda: guest.digits(500, cancel=done)):
        with pytest.raises(fastwasm.WasmCancelled):
            call()


def test_memory_past_the_cap_is_wasm_limit_error(misbehaving: fastwasm.Module) -> None:
    assert misbehaving.call("grow", 3) == 1  # the old size in pages
    with pytest.raises(fastwasm.WasmLimitError, match="max_memory_mb") as info:
        misbehaving.call("grow", 64)
    assert info.value.limit == 2 << 20
    assert misbehaving.call("add", 2, 3) == 5


def test_unbounded_recursion_is_a_stack_overflow_trap(misbehaving: fastwasm.Module) -> None:
    with pytest.raises(fastwasm.WasmTrap) as info:
        misbehaving.call("deep", 0)
    assert info.value.code == "stack_overflow"


def test_every_wasm_error_derives_from_wasm_error() -> None:
    for error in (
        fastwasm.WasmTrap,
        fastwasm.WasmTimeout,
        fastwasm.WasmLimitError,
        fastwasm.ModuleError,
        fastwasm.WasmCancelled,
    ):
        assert issubclass(error, fastwasm.WasmError)
    assert fastwasm.WasmTrap.__module__ == "fastwasm"


def test_bad_modules_are_module_errors(runtime: fastwasm.Runtime, tmp_path: Path) -> None:
    with pytest.raises(fastwasm.ModuleError, match="module not found"):
        runtime.load(tmp_path / "missing.wasm")
    with pytest.raises(fastwasm.ModuleError, match="invalid module"):
        runtime.load_bytes(b"\0asm\x01\0\0\0\xff")
    with pytest.raises(fastwasm.ModuleError, match="env::now"):
        runtime.load_bytes(b'(module (import "env" "now" (func)))')


def test_an_oversized_module_names_the_limit(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="max_module_bytes"):
        fastwasm.Runtime(max_module_bytes=0, use_cache=False)
    path = tmp_path / "big.wasm"
    path.write_bytes(b"\0" * (2 << 20))
    with pytest.raises(fastwasm.ModuleError, match="max_module_bytes"):
        fastwasm.Runtime(max_module_bytes=1 << 20, use_cache=False).load(path)


def test_call_arguments_are_checked(misbehaving: fastwasm.Module) -> None:
    with pytest.raises(fastwasm.ModuleError, match="no exported function `nope`"):
        misbehaving.call("nope")
    with pytest.raises(TypeError, match="takes 2 arguments, got 1"):
        misbehaving.call("add", 1)
    with pytest.raises(TypeError, match="must be a number for i32"):
        misbehaving.call("add", 1, "2")
    with pytest.raises(ValueError, match="does not fit in 32 bits"):
        misbehaving.call("add", 1, 2**32)


def test_settings_are_validated_by_name() -> None:
    with pytest.raises(ValueError, match="isolation"):
        fastwasm.Runtime(isolation="sometimes")
    with pytest.raises(ValueError, match="timeout_s"):
        fastwasm.Runtime(timeout_s=-1)
    with pytest.raises(ValueError, match="max_memory_mb"):
        fastwasm.Runtime(max_memory_mb=0)


def test_the_disk_cache_serves_a_second_runtime(tmp_path: Path) -> None:
    cold = fastwasm.Runtime(cache_dir=tmp_path / "cache").load(GUEST)
    warm = fastwasm.Runtime(cache_dir=tmp_path / "cache").load(GUEST)
    assert cold.load_info.cache == "miss"
    assert warm.load_info.cache == "hit"
    assert warm.load_info.size_bytes == GUEST.stat().st_size


def test_long_calls_release_the_gil(misbehaving: fastwasm.Module) -> None:
    # While one thread spins in WASM (until the 0.3 s deadline), this thread
    # must still run Python and see the call in flight. With the GIL held for
    # the call it could only look after the call was over.
    errors: list[BaseException] = []

    def spin() -> None:
        try:
            misbehaving.call("spin")
        except fastwasm.WasmTimeout as e:
            errors.append(e)

    before = misbehaving.pool_stats().busy
    thread = threading.Thread(target=spin)
    thread.start()
    seen_busy = False
    while thread.is_alive():
        seen_busy = seen_busy or misbehaving.pool_stats().busy > before
        time.sleep(0.001)
    thread.join()
    assert len(errors) == 1
    assert seen_busy


def test_threads_share_a_module_and_get_right_answers() -> None:
    fib = fastwasm.Runtime(use_cache=False).fibonacci_module()
    expected = [pure.iterative(n) for n in range(94)]

    def work(offset: int) -> int:
        checked = 0
        for i in range(2000):
            n = (i + offset) % 94
            assert fib.compute(n) == expected[n], f"F({n})"
            checked += 1
        return checked

    # `map` hands each worker's exception back here: a failure in a thread
    # fails the test, and every thread must have checked all of its calls.
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(work, range(8), timeout=120)) == [2000] * 8


def test_without_home_or_xdg_there_is_no_disk_cache_and_no_guessable_path() -> None:
    unset = ("HOME", "XDG_CACHE_HOME", "FASTWASM_CACHE_DIR")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    temp = Path(tempfile.gettempdir())
    before = set(temp.iterdir())
    script = "import fastwasm; rt = fastwasm.Runtime(); m = rt.load_bytes(b'(module)'); s = rt.cache_status; "
    script += "print(m.load_info.cache, s.dir, s.refusals, s.note, sep='|')"
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "disabled|None|0|neither XDG_CACHE_HOME nor HOME is set"
    assert not [p for p in set(temp.iterdir()) - before if "fastwasm" in p.name]


def test_a_cache_directory_others_can_write_is_refused_and_reported(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    runtime = fastwasm.Runtime(cache_dir=shared)
    module = runtime.load(GUEST)
    assert module.load_info.cache == "refused"
    assert module.call("calculate_fibonacci", 39) == 63245986
    status = runtime.cache_status
    assert (status.dir, status.refusals) == (None, 1)
    assert "can be written by other users" in (status.note or "")
    assert list(shared.iterdir()) == []


def test_every_wasm_error_carries_its_kind_and_http_answer(misbehaving: fastwasm.Module) -> None:
    with pytest.raises(fastwasm.WasmTrap) as trap:
        misbehaving.call("trap")
    assert (trap.value.kind, trap.value.http_status, trap.value.retry_after_s) == ("trap", 502, None)
    assert trap.value.detail == f"the WASM guest failed: {trap.value.message}" == f"the WASM guest failed: {trap.value}"
    with pytest.raises(fastwasm.WasmMemoryLimit) as memory:
        misbehaving.call("grow", 1000)
    assert (memory.value.kind, memory.value.http_status) == ("memory_limit", 400)
    assert isinstance(memory.value, fastwasm.WasmLimitError)
    assert memory.value.limit == 2 << 20
    assert memory.value.requested > memory.value.limit
    assert memory.value.detail == str(memory.value) == f"{memory.value.message} (set by max_memory_mb)"
    service = fastwasm.http.error_detail(memory.value.kind, memory.value.message, "service")
    assert service == f"{memory.value.message} (set by FASTWASM_WASM_MAX_MEMORY_MB)"
    with pytest.raises(fastwasm.WasmTimeout) as timeout:
        misbehaving.call("spin")
    assert (timeout.value.kind, timeout.value.http_status) == ("timeout", 504)
    with pytest.raises(fastwasm.ModuleError) as missing:
        misbehaving.call("nope")
    assert (missing.value.kind, missing.value.http_status) == ("missing_export", 502)
    assert repr(missing.value) == 'ModuleError("the module has no exported function `nope`")'


def test_running_out_of_instances_is_transient() -> None:
    runtime = fastwasm.Runtime(timeout_s=30, isolation="per-call", max_instances=1, use_cache=False)
    module = runtime.load_bytes(b'(module (func (export "spin") (loop (br 0))) (func (export "nop")))')
    with (
        spinning(module, lambda cancel: module.call("spin", cancel=cancel)) as outcomes,
        pytest.raises(fastwasm.WasmInstanceLimit) as full,
    ):
        module.call("nop")
    assert len(outcomes) == 1
    assert isinstance(outcomes[0], fastwasm.WasmCancelled)
    assert (full.value.kind, full.value.http_status, full.value.retry_after_s) == ("instance_limit", 503, 1)
    assert full.value.limit == 1
    module.call("nop")

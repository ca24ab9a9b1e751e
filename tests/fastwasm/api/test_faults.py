"""Faults, limits and untrusted modules through the service: a clear error,
the instance replaced, correct answers afterwards, and no crash."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import fastwasm
from fastwasm.api import Settings, create_app

FAULT_GUEST = Path(__file__).with_name("fault_guest.wat")


@pytest.fixture(scope="module")
def faulty() -> TestClient:
    settings = Settings(wasm_module=FAULT_GUEST, wasm_timeout_s=0.2, wasm_max_memory_mb=4, cache_dir=None)
    with TestClient(create_app(settings)) as c:
        yield c  # type: ignore[misc]


@pytest.mark.parametrize(
    ("n", "status", "words"),
    [
        (13, 502, "unreachable"),
        (14, 504, "FASTWASM_WASM_TIMEOUT_S"),
        (15, 503, "max_memory_mb"),
        (16, 502, "stack_overflow"),
    ],
)
def test_a_misbehaving_guest_gives_a_clear_error_then_right_answers(
    faulty: TestClient, n: int, status: int, words: str
) -> None:
    pool_before = faulty.get("/health").json()["module"]["pool"]["size"]
    response = faulty.get(f"/fibonacci-wasm/{n}")
    assert response.status_code == status
    assert words in response.json()["detail"]
    for k, expected in ((10, 55), (20, 6765), (39, 63245986)):
        assert faulty.get(f"/fibonacci-wasm/{k}").json()["fibonacci"] == expected
    assert faulty.get("/health").json()["module"]["pool"]["size"] >= pool_before


def test_malformed_and_oversized_modules_fail_with_module_error(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.wasm"
    garbage.write_bytes(b"\0asm\x01\0\0\0 this is not a module")
    with (
        pytest.raises(fastwasm.ModuleError, match="invalid module"),
        TestClient(create_app(Settings(wasm_module=garbage))),
    ):
        pass
    with (
        pytest.raises(fastwasm.ModuleError, match="max_module_bytes"),
        TestClient(create_app(Settings(max_module_bytes=1000))),
    ):
        pass
    importer = tmp_path / "importer.wat"
    importer.write_text('(module (import "env" "open" (func)))')
    with pytest.raises(fastwasm.ModuleError, match="env::open"), TestClient(create_app(Settings(wasm_module=importer))):
        pass


def test_heavy_work_past_the_admission_limit_is_503_with_retry_after() -> None:
    settings = Settings(max_concurrent_heavy=1, queue_timeout_s=0.05)
    with TestClient(create_app(settings)) as c:
        started = threading.Event()
        results: list[int] = []

        def heavy() -> None:
            started.set()
            results.append(c.get("/fibonacci-wasm/40", params={"algorithm": "recursive"}).status_code)

        thread = threading.Thread(target=heavy)
        thread.start()
        started.wait()
        # Wait until the heavy call holds the only slot (its WASM instance is busy).
        deadline = time.monotonic() + 30
        while c.get("/health").json()["module"]["pool"]["busy"] == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        refused = c.get("/fibonacci-native/35", params={"algorithm": "recursive"})
        cheap = c.get("/fibonacci-wasm/39")
        thread.join()
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "1"
    assert "FASTWASM_MAX_CONCURRENT_HEAVY" in refused.json()["detail"]
    assert cheap.json()["fibonacci"] == 63245986
    assert results == [200]

"""Faults, limits and untrusted modules through the service: a clear error,
the instance replaced, correct answers afterwards, and no crash."""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import fastwasm
from fastwasm.api import Settings, create_app
from fastwasm.api.logs import JsonFormatter
from servers import wait_for

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
        # Deterministic for this n: a 4xx that no client or proxy retries.
        (15, 400, "FASTWASM_WASM_MAX_MEMORY_MB"),
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
        wait_for(lambda: c.get("/health").json()["module"]["pool"]["busy"] == 1, "the heavy call started", 30)
        refused = c.get("/fibonacci-native/35", params={"algorithm": "recursive"})
        cheap = c.get("/fibonacci-wasm/39")
        thread.join()
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "1"
    assert "FASTWASM_MAX_CONCURRENT_HEAVY" in refused.json()["detail"]
    assert cheap.json()["fibonacci"] == 63245986
    assert results == [200]


class BrokenGuest:
    """A guest with a bug of ours: it raises what no handler expects."""

    def compute(self, *_: object, **__: object) -> int:
        raise RuntimeError("injected fault")


def test_an_unplanned_error_is_a_json_500_with_the_request_id_and_a_logged_traceback(
    swap_guest: Callable[[TestClient, object], None],
) -> None:
    app = create_app(Settings())
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logging.getLogger("fastwasm.error").addHandler(handler)
    with TestClient(app) as c:
        swap_guest(c, BrokenGuest())
        response = c.get("/fibonacci-wasm/39", headers={"X-Request-ID": "fault-1"})
        metrics = c.get("/metrics").text
        assert c.get("/fibonacci/39").json()["fibonacci"] == 63245986  # still serving
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "fault-1"
    assert response.content == b'{"detail":"internal error","request_id":"fault-1"}'
    assert "fastwasm_internal_errors_total 1.0" in metrics
    logging.getLogger("fastwasm.error").removeHandler(handler)
    logged = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(logged) == 1
    assert logged[0]["request_id"] == "fault-1"
    assert "RuntimeError: injected fault" in logged[0]["traceback"]


def test_a_value_error_of_ours_is_a_500_not_a_400(swap_guest: Callable[[TestClient, object], None]) -> None:
    class WrongDigits:
        def compute(self, *_: object, **__: object) -> str:
            return "12a"

    with TestClient(create_app(Settings())) as c:
        swap_guest(c, WrongDigits())
        response = c.get("/fibonacci-wasm/39")
    # Never a body with a wrong number, and never blamed on the client.
    assert response.status_code == 500
    assert response.json()["detail"] == "internal error"

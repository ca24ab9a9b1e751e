"""/metrics in Prometheus format, and one structured log line per request."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from fastwasm.api import Settings, create_app
from fastwasm.api.logs import JsonFormatter


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


@pytest.fixture
def access_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("fastwasm.access")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


def test_metrics_count_requests_compute_time_and_the_pool() -> None:
    with TestClient(create_app(Settings(wasm_timeout_s=0.05, max_n_recursive=60))) as c:
        c.get("/fibonacci-wasm/39")
        c.get("/fibonacci-wasm/39")
        c.get("/fibonacci-wasm/-1")
        c.get("/fibonacci/20", params={"algorithm": "recursive"})
        c.get("/fibonacci-wasm/60", params={"algorithm": "recursive"})  # times out: 504
        response = c.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    got = samples(response.text)
    route = "/fibonacci-wasm/{n}"
    assert got[("fastwasm_requests_total", (("route", route), ("status", "200")))] == 2
    assert got[("fastwasm_requests_total", (("route", route), ("status", "400")))] == 1
    assert got[("fastwasm_requests_total", (("route", route), ("status", "504")))] == 1
    assert got[("fastwasm_compute_seconds_count", (("algorithm", "iterative"), ("method", "WASM")))] == 2
    assert got[("fastwasm_compute_seconds_count", (("algorithm", "recursive"), ("method", "Python")))] == 1
    assert got[("fastwasm_wasm_timeouts_total", ())] == 1
    assert got[("fastwasm_wasm_traps_total", ())] == 0
    assert got[("fastwasm_wasm_pool_instances", ())] >= 1
    assert got[("fastwasm_wasm_pool_busy", ())] == 0
    assert got[("fastwasm_heavy_busy", ())] == 0


def test_every_request_logs_one_json_line_with_a_request_id(access_log: io.StringIO) -> None:
    with TestClient(create_app()) as c:
        started = time.perf_counter()
        given = c.get("/fibonacci-wasm/39", headers={"X-Request-ID": "trace-42"})
        wall_ms = (time.perf_counter() - started) * 1e3
        made = c.get("/fibonacci-native/10")
        bad = c.get("/fibonacci-wasm/39", headers={"X-Request-ID": "not ok\tid"})
    lines = [json.loads(line) for line in access_log.getvalue().splitlines()]
    assert [line["path"] for line in lines] == ["/fibonacci-wasm/39", "/fibonacci-native/10", "/fibonacci-wasm/39"]
    assert given.headers["x-request-id"] == "trace-42" == lines[0]["request_id"]
    assert made.headers["x-request-id"] == lines[1]["request_id"]
    assert len(lines[1]["request_id"]) == 32
    assert bad.headers["x-request-id"] != "not ok\tid"
    assert lines[0]["status"] == 200
    assert lines[0]["route"] == "/fibonacci-wasm/{n}"
    # The server's own time of the request: taken, and within the client's.
    assert 0 < lines[0]["duration_ms"] <= wall_ms

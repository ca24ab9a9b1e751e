"""Metrics (Prometheus) and structured access logs, one line per request.

A plain ASGI middleware, not BaseHTTPMiddleware: it adds a few microseconds
to a request, not a task and a stream per request.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import fastwasm
from fastwasm.api.admission import Admission

ACCESS_LOG = logging.getLogger("fastwasm.access")
REQUEST_ID_HEADER = b"x-request-id"
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

#: Compute times span 0.1 µs (a u64 in WASM) to seconds (recursive Python).
COMPUTE_BUCKETS = (1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0, 60.0)


class Metrics:
    """Per-app registry, so several apps in one process (tests) never collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "fastwasm_requests", "HTTP requests by route template and status.", ["route", "status"],
            registry=self.registry,
        )  # fmt: skip
        self.compute_seconds = Histogram(
            "fastwasm_compute_seconds", "Time in the computation alone, by method and algorithm.",
            ["method", "algorithm"], buckets=COMPUTE_BUCKETS, registry=self.registry,
        )  # fmt: skip

    def watch(self, guest: fastwasm.FibonacciModule, admission: Admission) -> None:
        self.registry.register(RuntimeCollector(guest, admission))


class RuntimeCollector(Collector):
    """Pool and admission state, read at scrape time."""

    def __init__(self, guest: fastwasm.FibonacciModule, admission: Admission) -> None:
        self.guest, self.admission = guest, admission

    def collect(self) -> Iterator[Any]:
        pool = self.guest.module.pool_stats()
        yield GaugeMetricFamily("fastwasm_wasm_pool_instances", "WASM instances alive in the pool.", pool["size"])
        yield GaugeMetricFamily("fastwasm_wasm_pool_busy", "WASM instances in a call now.", pool["busy"])
        yield CounterMetricFamily("fastwasm_wasm_timeouts", "WASM calls stopped at their deadline.", pool["timeouts"])
        yield CounterMetricFamily("fastwasm_wasm_traps", "WASM calls that trapped.", pool["traps"])
        yield CounterMetricFamily(
            "fastwasm_wasm_memory_limits", "WASM calls stopped at the memory cap.", pool["memory_limits"]
        )
        yield GaugeMetricFamily(
            "fastwasm_heavy_slots", "Slots for heavy work (admission control).", self.admission.slots
        )
        yield GaugeMetricFamily("fastwasm_heavy_busy", "Heavy computations running now.", self.admission.busy)
        yield CounterMetricFamily(
            "fastwasm_heavy_rejected", "Heavy requests refused with 503.", self.admission.rejected
        )


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": round(record.created, 6),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        line.update(getattr(record, "fields", {}))
        return json.dumps(line, separators=(",", ":"))


def configure_logging() -> None:
    """JSON lines on stderr for fastwasm's loggers, once."""
    logger = logging.getLogger("fastwasm")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


class ObservabilityMiddleware:
    """Request id, one access-log line, and the request counter."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(REQUEST_ID_HEADER, b"").decode("latin-1")
        request_id = given if _SANE_ID.fullmatch(given) else uuid.uuid4().hex
        status = 500
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (REQUEST_ID_HEADER, request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            self.metrics.requests.labels(template, str(status)).inc()
            ACCESS_LOG.info(
                "request",
                extra={
                    "fields": {
                        "request_id": request_id,
                        "method": scope["method"],
                        "path": scope["path"],
                        "query": scope.get("query_string", b"").decode("latin-1"),
                        "route": template,
                        "status": status,
                        "duration_ms": round((time.perf_counter() - start) * 1e3, 3),
                        "client": (scope.get("client") or ("", 0))[0],
                    }
                },
            )

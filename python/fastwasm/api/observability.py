"""Metrics (Prometheus) and structured access logs, one line per request.

A plain ASGI middleware, not BaseHTTPMiddleware: it adds a few microseconds
to a request, not a task and a stream per request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import re
import sys
import time
from typing import Any

import orjson
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.openmetrics.exposition import generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import fastwasm
from fastwasm.fastapi import COMPUTE_BUCKETS

ACCESS_LOG = logging.getLogger("fastwasm.access")
ERROR_LOG = logging.getLogger("fastwasm.error")
#: The body of every unplanned failure: nothing internal leaks to the client.
INTERNAL_ERROR_DETAIL = "internal error"
REQUEST_ID_HEADER = b"x-request-id"
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class Metrics:
    """The service's metrics, in a per-app registry, so several apps in one
    process (tests) never collide.

    With several worker processes (`fastwasm serve --workers N`), the CLI sets
    `PROMETHEUS_MULTIPROC_DIR`: every worker then writes its samples there and
    `/metrics` sums them over all workers, whichever worker answers. Pool and
    admission state lives in each worker's memory, so each worker copies it
    into its metrics every `SYNC_INTERVAL_S`, and the answering worker copies
    its own at the scrape.
    """

    SYNC_INTERVAL_S = 1.0

    def __init__(self) -> None:
        self.multiprocess = "PROMETHEUS_MULTIPROC_DIR" in os.environ
        self.registry = registry = CollectorRegistry()
        self.requests = Counter(
            "fastwasm_requests", "HTTP requests by route template and status.", ["route", "status"],
            registry=registry,
        )  # fmt: skip
        self.compute_seconds = Histogram(
            "fastwasm_compute_seconds", "Time in the computation alone, by method and algorithm.",
            ["method", "algorithm"], buckets=COMPUTE_BUCKETS, registry=registry,
        )  # fmt: skip

        def gauge(name: str, doc: str) -> Gauge:
            # livesum: summed over the workers that are alive.
            return Gauge(name, doc, registry=registry, multiprocess_mode="livesum")

        def counter(name: str, doc: str) -> Counter:
            return Counter(name, doc, registry=registry)

        self.pool_instances = gauge("fastwasm_wasm_pool_instances", "WASM instances alive in the pool.")
        self.pool_busy = gauge("fastwasm_wasm_pool_busy", "WASM instances in a call now.")
        self.counters = {
            "timeouts": counter("fastwasm_wasm_timeouts", "WASM calls stopped at their deadline."),
            "traps": counter("fastwasm_wasm_traps", "WASM calls that trapped."),
            "memory_limits": counter("fastwasm_wasm_memory_limits", "WASM calls stopped at the memory cap."),
            "cancelled": counter("fastwasm_wasm_cancelled", "WASM calls stopped because their client disconnected."),
        }
        self.counters["cache_refusals"] = counter(
            "fastwasm_cache_refusals", "Compiled-module cache directories or files refused by the ownership checks."
        )
        self.internal_errors = counter(
            "fastwasm_internal_errors", "Requests that failed in an unplanned way (500); each is logged."
        )
        self._seen = dict.fromkeys(self.counters, 0)
        self._children: dict[tuple[object, tuple[str, ...]], Any] = {}
        self._sources: tuple[fastwasm.Runtime, fastwasm.FibonacciModule] | None = None

    def bound(self, metric: Counter | Histogram, *labels: str) -> Any:
        """`metric.labels(*labels)`, bound once per label set: `labels()`
        costs more than the increment it precedes. Callers pass only
        bounded label values (routes, methods, served module functions)."""
        key = (metric, labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def watch(self, runtime: fastwasm.Runtime, guest: fastwasm.FibonacciModule) -> None:
        self._sources = (runtime, guest)
        self.sync()

    def sync(self) -> None:
        """Copies the guest's pool state of this process into the metrics."""
        if self._sources is None:
            return
        runtime, guest = self._sources
        pool = guest.module.pool_stats()
        self.pool_instances.set(pool.size)
        self.pool_busy.set(pool.busy)
        totals = {name: getattr(pool, name) for name in ("timeouts", "traps", "memory_limits", "cancelled")}
        totals["cache_refusals"] = runtime.cache_status.refusals
        for name, counter in self.counters.items():
            # The sources count; the counters follow them by the difference.
            if (delta := totals[name] - self._seen[name]) > 0:
                counter.inc(delta)
                self._seen[name] = totals[name]

    async def sync_forever(self) -> None:
        """In multiprocess mode: keeps this worker's state fresh for scrapes that another worker answers."""
        while True:
            self.sync()
            await asyncio.sleep(self.SYNC_INTERVAL_S)

    def exposition(self) -> bytes:
        """OpenMetrics text: this app's metrics, or every worker's in multiprocess mode."""
        self.sync()
        registry = self.registry
        if self.multiprocess:
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        text: bytes = generate_latest(registry)  # type: ignore[no-untyped-call]
        return text

    def close(self) -> None:
        """At a worker's shutdown: its live gauges stop counting in the sums."""
        if self.multiprocess:
            multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def json_line(created: float, level: str, logger: str, msg: str, fields: dict[str, Any]) -> str:
    """One log line as JSON: the common keys, then the record's fields."""
    head = {"ts": round(created, 6), "level": level, "logger": logger, "msg": msg}
    # orjson: a quarter of json.dumps's cost, on every request's access line.
    # Non-ASCII text is written as UTF-8 rather than as \u escapes.
    return orjson.dumps(head | fields, default=str).decode()


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = dict(getattr(record, "fields", {}))
        if record.exc_info:
            fields["traceback"] = self.formatException(record.exc_info)
        return json_line(record.created, record.levelname.lower(), record.name, record.getMessage(), fields)


class JsonLinesHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """JSON lines on a stream, written once per turn of the event loop: under
    load one write carries the lines of every request that finished in that
    turn, where a plain StreamHandler writes and flushes each line. Off the
    event loop (a worker thread, start-up) a line is written at once."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.setFormatter(JsonFormatter())
        self._pending: list[str] = []
        self._scheduled = False

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.write_line(self.format(record))
        except Exception:
            self.handleError(record)

    def write_line(self, line: str) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._pending.append(line)
            if self._scheduled:
                return
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
            self._scheduled = loop is not None
        if loop is None:
            self.flush_pending()
        else:
            loop.call_soon(self.flush_pending)

    def flush_pending(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            lines, self._pending, self._scheduled = self._pending, [], False
            if lines:
                self.stream.write("\n".join(lines) + "\n")
                self.stream.flush()

    def close(self) -> None:
        self.flush_pending()
        super().close()


def configure_logging() -> None:
    """JSON lines on stderr for fastwasm's loggers, once."""
    logger = logging.getLogger("fastwasm")
    if not logger.handlers:
        logger.addHandler(JsonLinesHandler(sys.stderr))
        logger.setLevel(logging.INFO)
        logger.propagate = False


def direct_access_handler() -> JsonLinesHandler | None:
    """The handler an access line can go to without a LogRecord: when the
    access log is on and its only destination is fastwasm's own JSON-lines
    handler (no other handler, no filter). Otherwise (a test or an operator
    added a handler, say) lines go through `logging` as usual."""
    if ACCESS_LOG.handlers or ACCESS_LOG.filters or ACCESS_LOG.disabled or not ACCESS_LOG.isEnabledFor(logging.INFO):
        return None
    parent = ACCESS_LOG.parent
    if parent is None or parent.propagate or parent.filters or len(parent.handlers) != 1:
        return None
    handler = parent.handlers[0]
    if type(handler) is not JsonLinesHandler or handler.filters or handler.level > logging.INFO:
        return None
    return handler


class ObservabilityMiddleware:
    """Request id, one access-log line, the request counter, and the catch-all
    for unplanned failures: a JSON 500 with the request id, the traceback in
    the log, and `fastwasm_internal_errors_total`."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = ""
        for name, value in scope["headers"]:
            if name == REQUEST_ID_HEADER:
                given = value.decode("latin-1")
                request_id = given if _SANE_ID.fullmatch(given) else ""
                break
        # 128 random bits, as uuid4 has, for a fraction of its cost; a
        # request id correlates log lines, it is no secret.
        request_id = request_id or f"{random.getrandbits(128):032x}"
        status = 500
        started = False
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                message["headers"] = [*message.get("headers", []), (REQUEST_ID_HEADER, request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            self.metrics.internal_errors.inc()
            ERROR_LOG.exception("unhandled error", extra={"fields": {"request_id": request_id, "path": scope["path"]}})
            if started:
                raise  # too late for a JSON answer: the server closes the connection
            body = json.dumps(
                {"detail": INTERNAL_ERROR_DETAIL, "request_id": request_id}, separators=(",", ":")
            ).encode()
            await send_with_id(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
                }
            )
            await send_with_id({"type": "http.response.body", "body": body})
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            self.metrics.bound(self.metrics.requests, template, str(status)).inc()
            log_access(scope, request_id, template, status, time.perf_counter() - start)


def log_access(scope: Scope, request_id: str, route: str, status: int, seconds: float) -> None:
    """One access-log line: straight to fastwasm's JSON-lines handler when
    that is its only destination (no LogRecord: a third of the line's cost),
    else through `logging`."""
    direct = direct_access_handler()
    if direct is None and not ACCESS_LOG.isEnabledFor(logging.INFO):
        return
    fields = {
        "request_id": request_id,
        "method": scope["method"],
        "path": scope["path"],
        "query": scope.get("query_string", b"").decode("latin-1"),
        "route": route,
        "status": status,
        "duration_ms": round(seconds * 1e3, 3),
        "client": (scope.get("client") or ("", 0))[0],
    }
    if direct is not None:
        # The line JsonFormatter would make of the same record.
        direct.write_line(json_line(time.time(), "info", ACCESS_LOG.name, "request", fields))
        return
    # makeRecord + handle: Logger.info would also walk the stack to find the
    # caller, which the JSON line never shows.
    ACCESS_LOG.handle(
        ACCESS_LOG.makeRecord(ACCESS_LOG.name, logging.INFO, "", 0, "request", (), None, extra={"fields": fields})
    )

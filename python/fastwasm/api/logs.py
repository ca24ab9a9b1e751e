"""Structured logs: JSON lines on stderr for fastwasm's loggers, written
once per turn of the event loop."""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from typing import Any

import orjson
from starlette.types import Scope

ACCESS_LOG = logging.getLogger("fastwasm.access")


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


def log_access(scope: Scope, request_id: str, route: str, status: int, seconds: float) -> None:
    """One access-log line: straight to fastwasm's JSON-lines handler when
    that is its only destination (no LogRecord to build for a line that only
    that handler reads), else through `logging`."""
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

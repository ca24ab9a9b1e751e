"""The service's outermost middleware: a plain ASGI middleware, not
BaseHTTPMiddleware, so it adds a few microseconds to a request, not a task
and a stream per request."""

from __future__ import annotations

import json
import logging
import random
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fastwasm.api.logs import log_access
from fastwasm.api.metrics import Metrics

ERROR_LOG = logging.getLogger("fastwasm.error")
#: The body of every unplanned failure: nothing internal leaks to the client.
INTERNAL_ERROR_DETAIL = "internal error"
REQUEST_ID_HEADER = b"x-request-id"
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


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

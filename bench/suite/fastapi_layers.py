"""Where a FastAPI request's time goes, layer by layer, without HTTP: the
ASGI app called in-process, the same request again and again, each variant
interleaved round by round in one process.

Variants: the bare no-op app and the same endpoint shape (bench/apps/bare_app.py),
then fastwasm's `/fibonacci-wasm/39` without its middleware, with a
pass-through middleware in its place, with the access log off, whole, and
whole with FastAPI solving its parameters (`PlainParamsRoute` off). The
differences say what FastAPI's parameter handling, fastwasm's route (limits,
compute, metrics, rendering) and each part of the middleware cost.

Run: part of `make bench-http` (BENCH_QUICK=1: fewer rounds).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bench.apps import bare_app
from bench.common import QUICK, machine, write_results
from fastwasm.api.app import create_app
from fastwasm.api.routing import PlainParamsRoute

ROUNDS = 3 if QUICK else 9
CALLS = 300 if QUICK else 2000


class PassThrough:
    """A middleware that does nothing: the cost of one ASGI layer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def scope(path: str, state: dict[str, Any]) -> dict[str, Any]:
    """What uvicorn hands the app for `GET path` from hey: a shallow copy of
    the lifespan state, as uvicorn gives every request."""
    route, _, query = path.partition("?")
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": route, "raw_path": route.encode(), "query_string": query.encode(), "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"hey/0.0.1"), (b"accept-encoding", b"gzip")],
        "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8000), "state": dict(state),
    }  # fmt: skip


async def started(app: Any) -> dict[str, Any]:
    """Runs the app's lifespan startup (and leaves it running); returns the
    lifespan state the app filled in."""
    state: dict[str, Any] = {}
    queue: asyncio.Queue[Message] = asyncio.Queue()
    await queue.put({"type": "lifespan.startup"})
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.get_running_loop().create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": state}, queue.get, send)
    )
    while not sent:
        await asyncio.sleep(0.01)
    assert sent[0]["type"] == "lifespan.startup.complete", sent
    return state


def with_fastapi_solving() -> Any:
    """fastwasm's app with FastAPI's parameter solving on every request:
    `PlainParamsRoute` as a plain `APIRoute` (a route's handler is made when
    the app adds the route)."""
    plain = PlainParamsRoute.get_route_handler
    PlainParamsRoute.get_route_handler = APIRoute.get_route_handler  # type: ignore[method-assign]
    try:
        return create_app()
    finally:
        PlainParamsRoute.get_route_handler = plain  # type: ignore[method-assign]


async def measure() -> dict[str, list[float]]:
    fastwasm_whole = create_app()
    solving = with_fastapi_solving()
    no_middleware = create_app()
    no_middleware.user_middleware = []
    pass_through = create_app()
    pass_through.user_middleware = []
    pass_through.add_middleware(PassThrough)
    # The access log still runs, into /dev/null, as the HTTP benchmark's servers do.
    for handler in logging.getLogger("fastwasm").handlers:
        handler.setStream(open(os.devnull, "w"))  # type: ignore[attr-defined]  # noqa: SIM115
    access = logging.getLogger("fastwasm.access")
    variants: dict[str, tuple[Any, str, Callable[[], None]]] = {
        "bare FastAPI app: /noop": (bare_app.app, "/noop", lambda: None),
        "bare FastAPI app, same endpoint shape": (bare_app.app, "/fibonacci-wasm/39", lambda: None),
        "fastwasm without its middleware": (no_middleware, "/fibonacci-wasm/39", lambda: None),
        "… with a pass-through middleware instead": (pass_through, "/fibonacci-wasm/39", lambda: None),
        "fastwasm whole, access log off": (fastwasm_whole, "/fibonacci-wasm/39", lambda: access.setLevel(100)),
        "fastwasm whole": (fastwasm_whole, "/fibonacci-wasm/39", lambda: access.setLevel(logging.NOTSET)),
        "fastwasm whole, FastAPI solving the parameters": (solving, "/fibonacci-wasm/39", lambda: None),
    }
    states = {id(bare_app.app): {}}
    for app in (no_middleware, pass_through, fastwasm_whole, solving):
        states[id(app)] = await started(app)

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    statuses: list[int] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(ROUNDS):
        for name, (app, path, prepare) in variants.items():
            prepare()
            request = scope(path, states[id(app)])
            statuses.clear()
            start = time.perf_counter()
            for _ in range(CALLS):
                await app(dict(request), receive, send)
            samples[name].append((time.perf_counter() - start) / CALLS * 1e6)
            assert set(statuses) == {200}, (name, set(statuses))
    access.setLevel(logging.NOTSET)
    return samples


def main() -> None:
    samples = asyncio.run(measure())
    base = statistics.median(samples["bare FastAPI app: /noop"])
    rows = []
    for name, values in samples.items():
        median = statistics.median(values)
        rows.append({"name": name, "median_us": median, "samples_us": values, "vs_bare": base / median})
        print(f"{name}: {median:.1f} µs a request, {base / median:.2f}× the bare no-op's rate")
    payload = {
        "machine": machine("make bench-http (bench/suite/fastapi_layers.py)"),
        "conditions": f"in-process ASGI calls, {CALLS} per block, {ROUNDS} rounds interleaved, one process",
        "rows": rows,
    }
    print(f"wrote {write_results('fastapi-layers', payload)}")


if __name__ == "__main__":
    # fastwasm's lifespan starts Python worker processes (forkserver).
    multiprocessing.freeze_support()
    main()

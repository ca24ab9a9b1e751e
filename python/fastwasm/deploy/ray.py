"""fastwasm on Ray Serve: the same FastAPI app, settings, limits and metrics,
as a Serve application of N replicas (or an autoscaled range).

`fastwasm serve --engine ray` calls `serve_forever`; tests and other code use
`deploy` and `shutdown`. Each replica builds its own app on its own process
(`serve.ingress` with a builder function), so the runtime is created there,
once, in the app's lifespan, which Serve runs (ray-project/ray#37575: a
failing startup fails the replica). Every answer names its replica in the
`X-Fastwasm-Replica` header.

Metrics: `/metrics` answers for the replica that served the scrape (its
header says which); each replica counts its own requests. Sums over replicas
come from Ray's own metrics export (Serve's request counters and latencies
per deployment), or from scraping each replica's actor directly. See
docs/deploy.md.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fastwasm.api.settings import Settings

APP_NAME = "fastwasm"
DEPLOYMENT_NAME = "fastwasm"
REPLICA_HEADER = b"x-fastwasm-replica"


@dataclass(frozen=True)
class Scale:
    """Replicas: a fixed number, or an autoscaled range (on ongoing requests)."""

    replicas: int = 2
    autoscale: tuple[int, int] | None = None
    #: Fractional, so that two replicas fit on a 2-core machine.
    cpus_per_replica: float = 0.5

    @classmethod
    def parse_autoscale(cls, text: str) -> tuple[int, int]:
        """`MIN:MAX`, as `--autoscale` takes it."""
        low, sep, high = text.partition(":")
        if not sep or not low.isdigit() or not high.isdigit() or not 0 < int(low) <= int(high):
            raise ValueError(f"--autoscale takes MIN:MAX with 0 < MIN <= MAX, got {text!r}")
        return int(low), int(high)


class LifespanStateMiddleware:
    """Gives every request a copy of the lifespan state, as an ASGI server
    does: Serve runs the app's lifespan but does not put its state into the
    requests' scope (ray-project/ray#45395), and the app keeps what its
    handlers use there."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.state: dict[str, Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            # The app's lifespan fills this dict (Starlette updates it in place).
            self.state = scope.setdefault("state", {})
        elif scope["type"] in ("http", "websocket") and not scope.get("state"):
            scope["state"] = dict(self.state)
        await self.app(scope, receive, send)


class ReplicaHeaderMiddleware:
    """Adds `X-Fastwasm-Replica: <replica id>` to every answer."""

    def __init__(self, app: ASGIApp, replica: str) -> None:
        self.app, self.replica = app, replica.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_replica(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (REPLICA_HEADER, self.replica)]
            await send(message)

        await self.app(scope, receive, send_with_replica)


def replica_app_builder(settings: Settings) -> Callable[[], Any]:
    """The function Serve calls on each replica to build its ASGI app. A
    plain function (Serve tells a builder from an app by that)."""
    fields = settings.model_dump()

    def build() -> Any:
        from ray import serve

        from fastwasm.api.app import create_app

        app = create_app(Settings(**fields))
        app.add_middleware(ReplicaHeaderMiddleware, replica=serve.get_replica_context().replica_tag)
        app.add_middleware(LifespanStateMiddleware)
        return app

    return build


def application(settings: Settings, scale: Scale) -> Any:
    """The Serve application (a bound deployment) for these settings."""
    from ray import serve

    options: dict[str, Any] = {
        "name": DEPLOYMENT_NAME,
        "ray_actor_options": {"num_cpus": scale.cpus_per_replica},
        # A replica that stops answering /health-like checks is replaced.
        "health_check_period_s": 2,
        "health_check_timeout_s": 10,
    }
    if scale.autoscale is None:
        options["num_replicas"] = scale.replicas
    else:
        low, high = scale.autoscale
        options["autoscaling_config"] = {"min_replicas": low, "max_replicas": high, "target_ongoing_requests": 4}
    ingress = serve.ingress(replica_app_builder(settings))

    class Fastwasm:
        """One replica: the FastAPI app is built by the ingress builder."""

    return serve.deployment(**options)(ingress(Fastwasm)).bind()


def deploy(
    settings: Settings,
    scale: Scale,
    *,
    address: str | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    num_cpus: int | None = None,
    timeout_s: float = 120,
    stop: threading.Event | None = None,
) -> None:
    """Starts (or joins, with `address`) a Ray cluster, starts Serve's HTTP
    proxy on host:port, and deploys the app; returns once every replica is
    running, or as soon as `stop` is set."""
    import ray
    from ray import serve

    if address is None:
        ray.init(num_cpus=num_cpus, include_dashboard=False, configure_logging=False)
    else:
        ray.init(address=address, include_dashboard=False, configure_logging=False)
    serve.start(http_options={"host": host, "port": port})
    serve.run(application(settings, scale), name=APP_NAME, route_prefix="/", blocking=False)
    deadline = time.monotonic() + timeout_s
    while stop is None or not stop.is_set():
        status = serve.status().applications.get(APP_NAME)
        if status is not None and status.status == "RUNNING":
            return
        if status is not None and status.status == "DEPLOY_FAILED":
            raise RuntimeError(f"the fastwasm deployment failed: {status.message}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"the fastwasm deployment was not running after {timeout_s:g} s")
        time.sleep(0.2)


def shutdown() -> None:
    """Stops Serve and disconnects (a local cluster started by `deploy` stops with it)."""
    import ray
    from ray import serve

    serve.shutdown()
    ray.shutdown()


def serve_forever(settings: Settings, scale: Scale, *, address: str | None, host: str, port: int) -> None:
    """`fastwasm serve --engine ray`: deploys, then serves until SIGINT
    (Ctrl-C) or SIGTERM, and then shuts Serve down (and a local cluster with
    it). A signal while it is still deploying stops it too: the handlers are
    installed first, and again once Ray has started, which may set its own."""
    stop = threading.Event()

    def on_signal(*_: object) -> None:
        stop.set()

    def handle_signals() -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, on_signal)

    handle_signals()
    try:
        deploy(settings, scale, address=address, host=host, port=port, stop=stop)
        handle_signals()
        if not stop.is_set():
            print(f"fastwasm on Ray Serve at http://{host}:{port} (Ctrl-C stops it)", flush=True)
        # A timed wait, so the main thread wakes to run the handler promptly.
        while not stop.wait(0.5):
            pass
    finally:
        shutdown()

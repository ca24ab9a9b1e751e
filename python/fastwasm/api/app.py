"""The app factory, `create_app`: uvicorn serves it with `factory=True`
(`fastwasm serve`), so importing this module builds nothing. The runtime and
the guest are made in the lifespan, and what handlers use lives in its
state (`deps`), so two apps live side by side in one process."""

from __future__ import annotations

import asyncio
import inspect
import logging
import platform
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

import fastwasm
from fastwasm.api import errors
from fastwasm.api.deps import FibonacciService, ServiceInfo
from fastwasm.api.logs import configure_logging
from fastwasm.api.metrics import Metrics
from fastwasm.api.middleware import ObservabilityMiddleware
from fastwasm.api.models import ExportInfo
from fastwasm.api.python_workers import PythonWorkers
from fastwasm.api.routers import admin, compare, fibonacci, health, page
from fastwasm.api.routers import metrics as metrics_router
from fastwasm.api.settings import Settings
from fastwasm.fastapi import Admission, Kernels

DESCRIPTION = """
Fibonacci computed three ways, exactly, for every allowed n:

* **/fibonacci/{n}**: pure Python;
* **/fibonacci-wasm/{n}**: Rust compiled to WebAssembly, in fastwasm's sandbox
  (deadline, memory cap);
* **/fibonacci-native/{n}**: the same Rust compiled into the extension.

`algorithm` picks iterative (default), recursive or fast_doubling, the same in every method.

Every answer is exact and every standard JSON client reads it as it is: `fibonacci` is a
JSON integer while F(n) fits in a u64 (n <= 93, where the tutorial was right), and a
decimal string beyond; `digits` is always the decimal string.
"""


STARTUP_LOG = logging.getLogger("fastwasm.startup")


def bundled_module() -> Path:
    return Path(fastwasm.__file__).with_name("guest") / "fibonacci_wasm.wasm"


def bundled_components() -> Path:
    return Path(fastwasm.__file__).with_name("components")


#: What an `APIRoute` derives from its `add_api_route` arguments. Anything
#: else on a route would not be carried by `include_flat`, which refuses it:
#: a FastAPI release that adds route state fails here, loudly.
DERIVED_ROUTE_ATTRIBUTES = frozenset(
    {
        "app", "body_field", "dependant", "dependency_overrides_provider", "is_json_stream", "is_sse_stream",
        "param_convertors", "path_format", "path_regex", "response_field", "response_fields",
        "stream_item_field", "stream_item_type", "unique_id", "_embed_body_fields",
    }
)  # fmt: skip


def include_flat(app: FastAPI, router: APIRouter) -> None:
    """`app.include_router(router)`, with the routes added to the app's own
    router. FastAPI includes a router lazily: a request to one of its routes
    is matched twice through the inclusion, which costs the hottest routes a
    measurable share (the "FastAPI layers" rows of bench/apps). Each route is
    declared again, of its own class, with every argument `add_api_route`
    takes. What that cannot declare again (a router's lifespan or start-up
    hooks, route state beyond the arguments) is refused, not dropped."""
    carried = {name for name in inspect.signature(APIRouter.add_api_route).parameters if name != "self"}
    default_lifespan = type(APIRouter().lifespan_context)
    if router.on_startup or router.on_shutdown or type(router.lifespan_context) is not default_lifespan:
        raise TypeError("include_flat cannot carry a router's lifespan or start-up hooks: use app.include_router")
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"include_flat takes only API routes, not {route!r}")
        unknown = sorted(set(vars(route)) - carried - DERIVED_ROUTE_ATTRIBUTES)
        if unknown:
            raise TypeError(f"include_flat cannot carry {', '.join(unknown)} of {route.path}: use app.include_router")
        declared = {name: getattr(route, name) for name in carried if hasattr(route, name)}
        app.router.add_api_route(**declared, route_class_override=type(route))


def create_app(settings: Settings | None = None) -> FastAPI:
    """An app with these settings (default: from FASTWASM_* variables)."""
    settings = settings or Settings()
    metrics = Metrics()
    admission = Admission(
        settings.max_concurrent_heavy,
        settings.queue_timeout_s,
        settings=("FASTWASM_MAX_CONCURRENT_HEAVY", "FASTWASM_QUEUE_TIMEOUT_S"),
        registry=metrics.registry,
    )
    # The kernel routes are the public kit's: what any user gets.
    kernels = Kernels(
        settings.kernels_dir or bundled_components(),
        runtime=settings.runtime,
        timeout_s=settings.wasm_timeout_s,
        max_memory_mb=settings.wasm_max_memory_mb,
        max_body_bytes=settings.max_body_bytes,
        admission=admission,
        registry=metrics.registry,
        name="kernels",
        setting_names="service",
        grants_root=settings.grants_root,
        # As fastwasm-server: SIGHUP reloads the kernels folder (with several
        # workers, uvicorn's supervisor takes SIGHUP and replaces each worker).
        reload_signal=signal.SIGHUP,
        reload_poll_s=settings.reload_poll_s if settings.reload_kernels else None,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        # run_in_threadpool draws on anyio's default limiter.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threadpool_size
        runtime = kernels.loaded(app).runtime
        module_path = settings.wasm_module or bundled_module()
        guest = await anyio.to_thread.run_sync(runtime.fibonacci_module, module_path)
        python_workers = PythonWorkers(settings.python_workers, settings.python_timeout_s)
        metrics.watch(runtime, guest)
        if (cache := runtime.cache_status).refusals:
            STARTUP_LOG.warning(
                "the compiled-module cache was refused; modules are compiled in memory",
                extra={"fields": {"refusals": cache.refusals, "reason": cache.note}},
            )
        info = ServiceInfo(
            settings=settings,
            metrics=metrics,
            module_path=module_path,
            # The export list never changes: built once here, not on every /health.
            exports=[ExportInfo(name=e.name, signature=e.signature) for e in guest.module.exports],
            versions={
                "fastwasm": metadata.version("fastwasm"),
                "wasmtime": fastwasm.WASMTIME_VERSION,
                "python": platform.python_version(),
                "fastapi": metadata.version("fastapi"),
            },
        )
        service = FibonacciService(
            guest=guest, admission=admission, metrics=metrics, python_workers=python_workers, settings=settings
        )
        syncing = asyncio.create_task(metrics.sync_forever()) if metrics.multiprocess else None
        try:
            yield {"fibonacci": service, "service": info}
        finally:
            if syncing is not None:
                syncing.cancel()
            python_workers.close()
            metrics.close()

    app = FastAPI(
        title="fastwasm",
        description=DESCRIPTION,
        version=metadata.version("fastwasm"),
        lifespan=lifespan,
        # FastAPI's own OpenTelemetry hooks: fastwasm exports Prometheus
        # metrics and its own access log, and with no OTel provider
        # configured the hooks only cost a check per request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    include_flat(app, fibonacci.router)
    # /modules: the routes' old path, still served, left out of OpenAPI.
    kernels.install(app, prefix="/kernels", aliases=["/modules"])
    if settings.admin_token is not None:
        app.include_router(admin.router(settings, kernels, app))
    app.include_router(compare.router)
    app.include_router(health.router)
    app.include_router(metrics_router.router)
    app.include_router(page.router)
    app.mount("/static", StaticFiles(directory=page.STATIC), name="static")
    errors.install(app)
    configure_logging()
    app.add_middleware(ObservabilityMiddleware, metrics=metrics)
    return app

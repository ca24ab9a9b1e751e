"""The app factory. The runtime and the guest are created in `lifespan`, not
at import, so importing this module is cheap."""

from __future__ import annotations

import asyncio
import inspect
import logging
import platform
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import metadata
from pathlib import Path

import anyio.to_thread
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

import fastwasm
from fastwasm.api import errors
from fastwasm.api.deps import FibonacciService
from fastwasm.api.models import ExportInfo
from fastwasm.api.observability import Metrics, ObservabilityMiddleware, configure_logging
from fastwasm.api.python_workers import PythonWorkers
from fastwasm.api.routers import compare, fibonacci, health, page
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
    return Path(fastwasm.__file__).with_name("modules") / "fibonacci_wasm.wasm"


def bundled_components() -> Path:
    return Path(fastwasm.__file__).with_name("components")


def runtime_of(settings: Settings) -> fastwasm.Runtime:
    """The one runtime of the service: the guest and the modules share it."""
    return fastwasm.Runtime(
        timeout_s=settings.wasm_timeout_s,
        max_memory_mb=settings.wasm_max_memory_mb,
        max_instances=settings.wasm_max_instances,
        isolation=settings.wasm_isolation,
        cache_dir=settings.cache_dir,
        max_module_bytes=settings.max_module_bytes,
        # A call thread for every heavy-work slot: a call that holds a slot never waits for a thread.
        call_threads=settings.max_concurrent_heavy,
    )


def include_flat(app: FastAPI, router: APIRouter) -> None:
    """`app.include_router(router)`, with the routes added to the app's own
    router. FastAPI 0.165 includes a router lazily: a request to one of its
    routes is matched twice through the inclusion, which cost the hottest
    routes a sixth of their time (bench/fastapi_layers.py). Each route is
    declared again, of its own class, with every argument `add_api_route`
    takes."""
    arguments = [name for name in inspect.signature(APIRouter.add_api_route).parameters if name != "self"]
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"include_flat takes only API routes, not {route!r}")
        declared = {name: getattr(route, name) for name in arguments if hasattr(route, name)}
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
    # /modules is the public kit, mounted at /modules: what any user gets.
    modules = Kernels(
        settings.modules_dir or bundled_components(),
        runtime=lambda: runtime_of(settings),
        timeout_s=settings.wasm_timeout_s,
        max_memory_mb=settings.wasm_max_memory_mb,
        max_body_bytes=settings.max_body_bytes,
        admission=admission,
        registry=metrics.registry,
        name="modules",
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # run_in_threadpool draws on anyio's default limiter.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threadpool_size
        runtime = modules.loaded(app).runtime
        module_path = settings.wasm_module or bundled_module()
        app.state.settings = settings
        app.state.module_path = module_path
        guest = runtime.fibonacci_module(module_path)
        # The export list never changes: built once here, not on every /health.
        app.state.exports = [ExportInfo(name=e.name, signature=e.signature) for e in guest.module.exports]
        app.state.python_workers = PythonWorkers(settings.python_workers, settings.python_timeout_s)
        app.state.metrics = metrics
        app.state.fibonacci = FibonacciService(
            guest=guest,
            admission=admission,
            metrics=metrics,
            python_workers=app.state.python_workers,
            limits=FibonacciService.limits_of(settings),
        )
        metrics.watch(runtime, guest)
        if (cache := runtime.cache_status).refusals:
            STARTUP_LOG.warning(
                "the compiled-module cache was refused; modules are compiled in memory",
                extra={"fields": {"refusals": cache.refusals, "reason": cache.note}},
            )
        app.state.versions = {
            "fastwasm": metadata.version("fastwasm"),
            "wasmtime": fastwasm.WASMTIME_VERSION,
            "python": platform.python_version(),
            "fastapi": metadata.version("fastapi"),
        }
        syncing = asyncio.create_task(metrics.sync_forever()) if metrics.multiprocess else None
        try:
            yield
        finally:
            if syncing is not None:
                syncing.cancel()
            app.state.python_workers.close()
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
    modules.install(app, prefix="/modules")
    app.include_router(compare.router)
    app.include_router(health.router)
    app.include_router(metrics_router.router)
    app.include_router(page.router)
    app.mount("/static", StaticFiles(directory=page.STATIC), name="static")
    errors.install(app)
    configure_logging()
    app.add_middleware(ObservabilityMiddleware, metrics=metrics)
    return app


app = create_app()

"""`Kernels`: WebAssembly kernels in your own FastAPI app.

```python
kernels = Kernels("kernels/")                       # every *.wasm there, with its NAME.toml
Image = Annotated[Kernel, kernels.depends("image")]  # a typed dependency per kernel

app = FastAPI(lifespan=your_lifespan)
kernels.install(app)                                 # lifespan, error handlers, OpenAPI
app.include_router(kernels.router, prefix="/kernels")  # optional: every function over HTTP

@app.post("/thumbnail")
async def thumbnail(image: Image, ...) -> Response:
    return Response(await image.acall("blur", pixels, width, height, 4))
```

The kernels load in the app's lifespan (composed with yours), off the event
loop; a missing folder, a kernel a dependency asks for that is not there or
did not load, and two kits at one prefix stop start-up with an error that
names them. Nothing is global: the loaded kernels live in the lifespan state
of the app they were installed on, metrics go to the registry you pass (or
nowhere), and logs go to the `fastwasm.kernels` logger, which has no handler
of its own.
"""

from __future__ import annotations

import json
import logging
import os
import time
import weakref
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI, Request
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.responses import Response
from starlette.routing import NoMatchFound

import fastwasm
from fastwasm._calls import CallFuture
from fastwasm.fastapi.admission import Admission
from fastwasm.fastapi.body import received_body
from fastwasm.fastapi.disconnect import ClientDisconnected, until_disconnected
from fastwasm.fastapi.errors import install_error_handlers
from fastwasm.fastapi.models import ErrorResponse, ModulesResponse, ServedModule

LOG = logging.getLogger("fastwasm.kernels")

#: Call times span 0.1 µs (a u64 in WASM) to seconds.
COMPUTE_BUCKETS = (1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0, 60.0)


class KernelSetupError(RuntimeError):
    """The kernels cannot serve: raised at start-up, naming what is wrong."""


class CallMetrics:
    """Calls of kernel functions, by outcome, and their time, in `registry`."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.calls = Counter(
            "fastwasm_module_calls", "Calls of kernel functions, by outcome (ok, guest_error, validation, "
            "timeout, trap, cancelled, ...).", ["module", "function", "outcome"], registry=registry,
        )  # fmt: skip
        self.seconds = Histogram(
            "fastwasm_module_compute_seconds", "Time in a kernel function's call alone.",
            ["module", "function"], buckets=COMPUTE_BUCKETS, registry=registry,
        )  # fmt: skip
        self._children: dict[tuple[object, tuple[str, ...]], Any] = {}

    def _bound(self, metric: Counter | Histogram, *labels: str) -> Any:
        # `labels()` costs more than the increment it precedes: bound once.
        key = (metric, labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def count(self, module: str, function: str, outcome: str, seconds: float | None) -> None:
        self._bound(self.calls, module, function, outcome).inc()
        if seconds is not None:
            self._bound(self.seconds, module, function).observe(seconds)


def outcome_of(error: BaseException) -> str:
    """The `outcome` label of a call that raised `error`."""
    if isinstance(error, fastwasm.GuestError):
        return "guest_error"
    if isinstance(error, fastwasm.WasmError):
        return error.kind
    if isinstance(error, fastwasm.ArgumentError):
        return "validation"
    if isinstance(error, ClientDisconnected):
        return "cancelled"
    return "error"


@dataclass(frozen=True, slots=True)
class RouteLabel:
    """What `scope["route"]` names for a request of the module routes: the
    template with its prefix (an included router's routes know only their
    own part), for access logs and metrics that label by route."""

    path: str


@dataclass(frozen=True, slots=True)
class Loaded:
    """What a `Kernels` serves in one app, made in its lifespan."""

    runtime: fastwasm.Runtime
    modules: fastwasm.ModuleSet
    components: Mapping[str, fastwasm.Component]
    admission: Admission
    metrics: CallMetrics | None
    #: Where its routes are mounted, if they are.
    prefix: str | None
    #: The route templates of the list, show and call routes, prefixed.
    labels: tuple[RouteLabel, RouteLabel, RouteLabel] = (RouteLabel(""), RouteLabel(""), RouteLabel(""))


class Kernel:
    """One kernel, as a route receives it (`Annotated[Kernel, kernels.depends(name)]`).

    `acall` is the component's `acall` with what a served route needs around
    it: a heavy call takes a slot from admission control (503 when none frees
    up in time) and stops when the client disconnects (499); every call is
    counted in the metrics."""

    __slots__ = ("_loaded", "_request", "component", "name")

    def __init__(self, name: str, component: fastwasm.Component, loaded: Loaded, request: Request) -> None:
        self.name = name
        self.component = component
        self._loaded = loaded
        self._request = request

    async def acall(self, function: str, /, *args: Any, timeout_s: float | None = None, **kwargs: Any) -> Any:
        """Calls `function` with positional or keyword arguments, off the
        event loop when it is heavy; returns its result, or raises as
        `Component.call` does (the kit's error handlers answer each)."""
        loaded, component = self._loaded, self.component
        metrics = loaded.metrics
        started = time.perf_counter()
        try:
            if component.runs_inline(function):
                # `acall`'s own steps, without its coroutine: the value, or
                # (when it was preempted) the future of its rerun.
                value = component._start(function, args, kwargs, timeout_s, True)
                if type(value) is CallFuture:
                    value = await value
            else:
                async with loaded.admission.slot():
                    call = component.acall(function, *args, timeout_s=timeout_s, inline=False, **kwargs)
                    value = await until_disconnected(self._request, call, f"{self.name}/{function}")
        except Exception as error:
            if metrics is not None and not isinstance(error, fastwasm.ModuleError):
                label = loaded.modules.metric_function(self.name, function)
                metrics.count(self.name, label, outcome_of(error), time.perf_counter() - started)
            raise
        if metrics is not None:
            label = loaded.modules.metric_function(self.name, function)
            metrics.count(self.name, label, "ok", time.perf_counter() - started)
        return value

    @property
    def exports(self) -> list[fastwasm.ComponentExport]:
        return self.component.exports

    def __repr__(self) -> str:
        return f"<Kernel {self.name!r}>"


def respond(answer: fastwasm.Answer) -> Response:
    """An answer of the module routes as it came from Rust: status, content type and bytes."""
    headers = {}
    if answer.retry_after_s is not None:
        headers["Retry-After"] = str(answer.retry_after_s)
    if answer.content_type == "application/octet-stream" and answer.execution_time_s is not None:
        headers["X-Execution-Time"] = repr(answer.execution_time_s)
    return Response(answer.body, answer.status, headers, media_type=answer.content_type)


@dataclass
class _Apps:
    """The apps a `Kernels` is installed on, and what each serves."""

    installed: weakref.WeakSet[FastAPI] = field(default_factory=weakref.WeakSet)
    loaded: weakref.WeakKeyDictionary[FastAPI, Loaded] = field(default_factory=weakref.WeakKeyDictionary)


#: The kits installed on each app, so that two at one prefix are found at
#: start-up. Keyed weakly by app: it holds no app's state, and forgets an app
#: with the app.
_KITS: weakref.WeakKeyDictionary[FastAPI, list[Kernels]] = weakref.WeakKeyDictionary()


class Kernels:
    """A set of kernels: every `*.wasm` in `folder`, or the named `files`
    (`{"image": "kernels/image.wasm"}`), each with the limits of its
    `NAME.toml` beside it (docs/your-own-kernel.md).

    - `runtime`: the `fastwasm.Runtime` to load into, or a function that
      makes it at start-up; by default one with `timeout_s` and
      `max_memory_mb` (its call threads run heavy calls:
      `Runtime(call_threads=...)`). `kernels.loaded(app).runtime` is it.
    - `timeout_s`, `max_memory_mb`, `max_body_bytes`: every kernel's limits,
      which its `NAME.toml` may tighten.
    - `admission`: the slots heavy calls take; by default
      `Admission(max_concurrent, queue_timeout_s)`, with `max_concurrent`
      twice the CPUs this process may use. Pass your own to share it.
    - `registry`: a prometheus-client registry for the call metrics (and the
      admission's, when the kit makes it); None: no metrics.
    """

    def __init__(
        self,
        folder: str | os.PathLike[str] | None = None,
        *,
        files: Mapping[str, str | os.PathLike[str]] | None = None,
        runtime: fastwasm.Runtime | Callable[[], fastwasm.Runtime] | None = None,
        timeout_s: float = 10.0,
        max_memory_mb: int = 64,
        max_body_bytes: int = 8 << 20,
        admission: Admission | None = None,
        max_concurrent: int | None = None,
        queue_timeout_s: float = 2.0,
        registry: CollectorRegistry | None = None,
        name: str = "kernels",
    ) -> None:
        if (folder is None) == (files is None):
            raise TypeError("Kernels takes a folder or files=, not both and not neither")
        self.folder = None if folder is None else Path(folder)
        self.files = None if files is None else {name: Path(path) for name, path in files.items()}
        self.runtime = runtime
        self.timeout_s = timeout_s
        self.max_memory_mb = max_memory_mb
        self.max_body_bytes = max_body_bytes
        self.registry = registry
        self.name = name
        #: The slots heavy calls take: yours, or the kit's own.
        self.admission = admission or Admission(
            max_concurrent or 2 * fastwasm.available_cores(),
            queue_timeout_s,
            settings=("max_concurrent", "queue_timeout_s"),
            registry=registry,
        )
        self._metrics = None if registry is None else CallMetrics(registry)
        self._wanted: set[str] = set()
        self._apps = _Apps()
        # Unique per kit: the lifespan-state key, and the route names the
        # kit finds its own prefix by.
        self._key = f"fastwasm.kernels:{name}:{id(self):x}"
        self._router: APIRouter | None = None

    # -- what a route uses

    def depends(self, kernel: str) -> Any:
        """A dependency that gives a route the kernel `kernel` (its file stem,
        or its key in `files`): `Annotated[Kernel, kernels.depends("image")]`.
        A kernel asked for here and not there is a start-up error."""
        self._wanted.add(kernel)
        key = self._key

        async def get_kernel(request: Request) -> Kernel:
            loaded: Loaded = request.scope["state"][key]
            return Kernel(kernel, loaded.components[kernel], loaded, request)

        get_kernel.__name__ = f"kernel_{kernel}"
        return Depends(get_kernel)

    def loaded(self, app: FastAPI) -> Loaded:
        """What this kit serves in `app`, once it has started."""
        try:
            return self._apps.loaded[app]
        except KeyError:
            raise KernelSetupError(f"the kernels {self.name!r} are not running in this app") from None

    # -- set-up

    def install(self, app: FastAPI, *, prefix: str | None = None) -> None:
        """Installs the kit on `app`, in one call: its lifespan (around the
        app's own), the error handlers of fastwasm's exceptions, and the
        kernels' operations in `app.openapi()` when its routes are mounted.
        With `prefix` (`"/kernels"`), the module routes are added to the
        app's own router there: the same routes as `router`, without the
        cost of matching through an included router."""
        if app in self._apps.installed:
            raise KernelSetupError(f"the kernels {self.name!r} are installed on this app already")
        self._apps.installed.add(app)
        _KITS.setdefault(app, []).append(self)
        install_error_handlers(app)
        previous = app.router.lifespan_context

        # The kernels load first, so the app's own lifespan can use them
        # (`kernels.loaded(app)`).
        @asynccontextmanager
        async def lifespan(started: Any) -> AsyncIterator[dict[str, Any]]:
            async with self._serving(app) as ours, previous(started) as theirs:
                yield {**(theirs or {}), self._key: ours}

        app.router.lifespan_context = lifespan
        app.openapi = self._openapi_of(app, app.openapi)  # type: ignore[method-assign]
        if prefix is not None:
            if not prefix.startswith("/") or prefix.endswith("/"):
                raise KernelSetupError(f"a prefix starts with '/' and does not end with one, not {prefix!r}")
            self._add_routes(app.router, prefix)

    @property
    def router(self) -> APIRouter:
        """The module routes: `GET ""` (every kernel), `GET "/{kernel}"`, and
        `POST "/{kernel}/{function}"` (a function's JSON body to its JSON
        answer, docs/your-own-kernel.md), each function documented in
        OpenAPI. Mount it where you like: `app.include_router(kernels.router,
        prefix="/kernels")`."""
        if self._router is None:
            self._router = self._make_router()
        return self._router

    @property
    def list_route_name(self) -> str:
        return f"{self._key}:list"

    def _make_router(self) -> APIRouter:
        kit = self

        @asynccontextmanager
        async def installed(app: Any) -> AsyncIterator[None]:
            if app not in kit._apps.installed:
                raise KernelSetupError(f"mount kernels.router only after kernels.install(app) (kit {kit.name!r})")
            yield

        router = APIRouter(tags=[self.name], lifespan=installed)
        self._add_routes(router, "")
        return router

    def _add_routes(self, router: APIRouter, prefix: str) -> None:
        """The module routes, on `router` at `prefix`."""
        key = self._key
        not_found: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse, "description": "no such kernel"}}

        async def list_kernels(request: Request) -> Response:
            loaded: Loaded = request.scope["state"][key]
            request.scope["route"] = loaded.labels[0]
            return respond(loaded.modules.listing())

        async def show_kernel(module: str, request: Request) -> Response:
            loaded: Loaded = request.scope["state"][key]
            request.scope["route"] = loaded.labels[1]
            return respond(loaded.modules.show(module))

        async def call_function(request: Request) -> Response:
            loaded: Loaded = request.scope["state"][key]
            request.scope["route"] = loaded.labels[2]
            return await serve_call(loaded, request)

        router.add_api_route(
            prefix,
            list_kernels,
            methods=["GET"],
            name=self.list_route_name,
            operation_id=f"list_{self.name}",
            response_model=ModulesResponse,
            summary="Every kernel",
            description="Each kernel: name, sha256, size, limits, and for each function its WIT signature and the "
            "JSON Schemas of its parameters and result; or the error it failed to load with.",
            tags=[self.name],
        )
        router.add_api_route(
            prefix + "/{module}",
            show_kernel,
            methods=["GET"],
            operation_id=f"show_{self.name}",
            response_model=ServedModule,
            responses=not_found,
            summary="One kernel",
            tags=[self.name],
        )
        # Each function is documented at its own path (`ModuleSet.openapi_paths`,
        # merged into the app's document by `install`); this one plain
        # Starlette route serves them all, with no parameter solving.
        router.add_route(prefix + "/{module}/{function:path}", call_function, methods=["POST"], include_in_schema=False)

    def _openapi_of(self, app: FastAPI, base: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
        merged: dict[int, dict[str, Any]] = {}

        def openapi() -> dict[str, Any]:
            document = base()
            loaded = self._apps.loaded.get(app)
            if loaded is None or loaded.prefix is None:
                return document
            cached = merged.get(id(loaded.modules))
            if cached is None:
                paths = {**document["paths"], **json.loads(loaded.modules.openapi_paths())}
                cached = merged[id(loaded.modules)] = {**document, "paths": paths}
            return cached

        return openapi

    @asynccontextmanager
    async def _serving(self, app: FastAPI) -> AsyncIterator[Loaded]:
        prefix = self._prefix(app)
        if prefix is not None:
            for other in _KITS.get(app, []):
                if other is not self and other._prefix(app) == prefix:
                    raise KernelSetupError(
                        f"the kernel sets {self.name!r} and {other.name!r} are both mounted at {prefix!r}: "
                        "give each its own prefix"
                    )
        loaded = await anyio.to_thread.run_sync(self._load, prefix)
        self._apps.loaded[app] = loaded
        try:
            yield loaded
        finally:
            self._apps.loaded.pop(app, None)

    def _prefix(self, app: FastAPI) -> str | None:
        try:
            return str(app.url_path_for(self.list_route_name))
        except NoMatchFound:
            return None

    def _load(self, prefix: str | None) -> Loaded:
        if isinstance(self.runtime, fastwasm.Runtime):
            runtime = self.runtime
        elif self.runtime is not None:
            runtime = self.runtime()
        else:
            runtime = fastwasm.Runtime(timeout_s=self.timeout_s, max_memory_mb=self.max_memory_mb)
        timeout_s, max_memory_mb, body = self.timeout_s, self.max_memory_mb, self.max_body_bytes
        mounted = prefix or "/modules"
        if self.folder is not None:
            if not self.folder.is_dir():
                raise KernelSetupError(f"the kernel folder {str(self.folder)!r} does not exist or is not a folder")
            modules = fastwasm.ModuleSet(
                runtime,
                self.folder,
                timeout_s=timeout_s,
                max_memory_mb=max_memory_mb,
                max_body_bytes=body,
                prefix=mounted,
            )
        else:
            assert self.files is not None
            for kernel, path in self.files.items():
                if not path.is_file():
                    raise KernelSetupError(f"the kernel file {str(path)!r} ({kernel!r}) does not exist")
            files: list[tuple[str, str | os.PathLike[str]]] = list(self.files.items())
            modules = fastwasm.ModuleSet(
                runtime,
                files=files,
                timeout_s=timeout_s,
                max_memory_mb=max_memory_mb,
                max_body_bytes=body,
                prefix=mounted,
            )
        failed = {name: error for name, error in modules.modules if error is not None}
        for name, error in failed.items():
            LOG.warning(
                "the kernel %s did not load: %s", name, error, extra={"fields": {"kit": self.name, "kernel": name}}
            )
        names = {name for name, _ in modules.modules}
        for kernel in sorted(self._wanted):
            if kernel not in names:
                there = ", ".join(sorted(names)) or "none"
                message = f"a route depends on the kernel {kernel!r}, which is not there (there are {there})"
                raise KernelSetupError(message)
            if kernel in failed:
                message = f"a route depends on the kernel {kernel!r}, which did not load: {failed[kernel]}"
                raise KernelSetupError(message)
        components = {name: c for name in names if (c := modules.component(name)) is not None}
        LOG.info(
            "kernels %s loaded: %s", self.name, ", ".join(sorted(components)), extra={"fields": {"prefix": prefix}}
        )
        base = prefix or ""
        labels = (
            RouteLabel(base),
            RouteLabel(f"{base}/{{module}}"),
            RouteLabel(f"{base}/{{module}}/{{function:path}}"),
        )
        return Loaded(runtime, modules, components, self.admission, self._metrics, prefix, labels)


async def serve_call(loaded: Loaded, request: Request) -> Response:
    """`POST {prefix}/{module}/{function}`: the body, read up to the
    module's limit, to the answer of `fastwasm-modules` (the same bytes
    fastwasm-server sends). A heavy call takes a slot and stops when the
    client leaves."""
    params = request.path_params
    module, function = params["module"], params["function"]
    modules = loaded.modules
    limits = modules.limits(module)
    if limits is None:
        return respond(modules.show(module))  # 404, naming the kernels there are
    metrics = loaded.metrics
    label = modules.metric_function(module, function) if metrics is not None else ""
    body = await received_body(request, limits.max_body_bytes)
    if body is None:
        too_large = modules.too_large(module)
        assert too_large is not None  # the module is there: its limits were
        if metrics is not None:
            metrics.count(module, label, too_large.outcome, None)
        return respond(too_large)
    headers = request.headers
    content_type, accept = headers.get("content-type"), headers.get("accept")
    if modules.runs_inline(module, function):
        answer = modules._start(module, function, body, content_type, accept, True)
        if type(answer) is CallFuture:
            answer = await answer
    else:
        try:
            async with loaded.admission.slot():
                call = modules.acall(module, function, body, content_type, accept, inline=False)
                answer = await until_disconnected(request, call, f"{module}/{function}")
        except ClientDisconnected:
            if metrics is not None:
                metrics.count(module, label, "cancelled", None)
            raise
    if metrics is not None:
        metrics.count(module, label, answer.outcome, answer.execution_time_s)
    return respond(answer)

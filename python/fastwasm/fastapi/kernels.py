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

`await kernels.reload(app)` reads the files again and swaps in each new
version at once: calls already running finish on the version they started
with, a file that does not load leaves its old version serving (listed in
`GET /kernels` with its error), and a removed file stops being served. The
kit also reloads on a signal (`reload_signal=signal.SIGHUP`) and, in
development, when a file changes (`reload_poll_s=0.5`).

The kernels load in the app's lifespan (composed with yours), off the event
loop; a missing folder, a kernel a dependency asks for that is not there or
did not load, and two kits at one prefix stop start-up with an error that
names them. Nothing is global: the loaded kernels live in the lifespan state
of the app they were installed on, metrics go to the registry you pass (or
nowhere), and logs go to the `fastwasm.kernels` logger, which has no handler
of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import weakref
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from prometheus_client import CollectorRegistry
from starlette.routing import NoMatchFound

import fastwasm
from fastwasm.fastapi.admission import Admission
from fastwasm.fastapi.errors import SettingNames, install_error_handlers
from fastwasm.fastapi.kernel import Components, Kernel, Loaded
from fastwasm.fastapi.metrics import CallMetrics, ReloadMetrics
from fastwasm.fastapi.routes import add_routes, labels_at

LOG = logging.getLogger("fastwasm.kernels")


class KernelSetupError(RuntimeError):
    """The kernels cannot serve: raised at start-up, naming what is wrong."""


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
    - `setting_names`: whose words error details name a limit in:
      `"library"` (these keyword arguments) or `"service"` (fastwasm's
      `FASTWASM_*` variables).
    - `grants_root`: the only directory under which a kernel's `NAME.toml`
      may grant directories (`[dirs]`); None: no sidecar grants one. A grant
      outside it stops start-up, naming the file and the key (and, in a
      reload, keeps that kernel's version before serving).
    - `reload_signal`: a signal (`signal.SIGHUP`) that reloads the kernels
      while the app serves (`reload`); None, the default: none. A signal has
      one handler per process, so give it to one kit.
    - `reload_poll_s`: in development, how often to look at the files'
      sizes and times, and reload when one changed; None, the default:
      never.
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
        setting_names: SettingNames = "library",
        grants_root: str | os.PathLike[str] | None = None,
        reload_signal: signal.Signals | None = None,
        reload_poll_s: float | None = None,
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
        self.setting_names: SettingNames = setting_names
        self.grants_root = None if grants_root is None else Path(grants_root)
        if reload_poll_s is not None and not reload_poll_s > 0:
            raise KernelSetupError(f"reload_poll_s must be a positive number of seconds, not {reload_poll_s!r}")
        self.reload_signal = reload_signal
        self.reload_poll_s = reload_poll_s
        #: The slots heavy calls take: yours, or the kit's own.
        self.admission = admission or Admission(
            max_concurrent or 2 * fastwasm.available_cores(),
            queue_timeout_s,
            settings=("max_concurrent", "queue_timeout_s"),
            registry=registry,
        )
        self._metrics = None if registry is None else CallMetrics(registry)
        self._reload_metrics = None if registry is None else ReloadMetrics(registry)
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
            component = loaded.components.get(kernel)
            if component is None:
                # A reload removed it, or its first file never loaded.
                detail = f"the kernel {kernel!r} is not served now: see GET /kernels"
                raise HTTPException(503, detail)
            return Kernel(kernel, component, loaded, request)

        get_kernel.__name__ = f"kernel_{kernel}"
        return Depends(get_kernel)

    def loaded(self, app: FastAPI) -> Loaded:
        """What this kit serves in `app`, once it has started."""
        try:
            return self._apps.loaded[app]
        except KeyError:
            raise KernelSetupError(f"the kernels {self.name!r} are not running in this app") from None

    async def reload(self, app: FastAPI, *, trigger: str = "call") -> fastwasm.Reload:
        """Reads the kernel files again, off the event loop, and swaps in
        every new or changed kernel at once (`fastwasm.KernelSet.reload`):
        calls already running finish on the versions they started with. A
        file that does not load leaves its old version serving; its error is
        logged, counted and listed in `GET /kernels`. The OpenAPI document
        follows. `trigger` names what asked, in the log."""
        loaded = self.loaded(app)
        report = await anyio.to_thread.run_sync(loaded.kernels.reload)
        fields = {"kit": self.name, "trigger": trigger}
        if report.refused is not None:
            LOG.warning("the kernels %s were not reloaded: %s", self.name, report.refused, extra={"fields": fields})
            return report
        if self._reload_metrics is not None:
            self._reload_metrics.count(len(report.failed))
        for name, error in report.failed:
            LOG.warning(
                "the kernel %s did not load; its version before serves on: %s",
                name,
                error,
                extra={"fields": {**fields, "kernel": name}},
            )
        LOG.info(
            "kernels %s reloaded: generation %d, loaded %s, removed %s, %d failed, %d unchanged",
            self.name,
            report.generation,
            ", ".join(report.loaded) or "none",
            ", ".join(report.removed) or "none",
            len(report.failed),
            len(report.unchanged),
            extra={"fields": fields},
        )
        return report

    async def _reload_on_change(self, app: FastAPI, kernels: fastwasm.KernelSet, every_s: float) -> None:
        while True:
            await asyncio.sleep(every_s)
            if await anyio.to_thread.run_sync(kernels.changed):
                await self.reload(app, trigger="change")

    # -- set-up

    def install(self, app: FastAPI, *, prefix: str | None = None, aliases: Sequence[str] = ()) -> None:
        """Installs the kit on `app`, in one call: its lifespan (around the
        app's own), the error handlers of fastwasm's exceptions, and the
        kernels' operations in `app.openapi()` when its routes are mounted.
        With `prefix` (`"/kernels"`), the kernel routes are added to the
        app's own router there: the same routes as `router`, without the
        cost of matching through an included router. Each of `aliases` (an
        old path, say) serves the same routes, left out of OpenAPI."""
        if app in self._apps.installed:
            raise KernelSetupError(f"the kernels {self.name!r} are installed on this app already")
        for path in [] if prefix is None else [prefix, *aliases]:
            if not path.startswith("/") or path.endswith("/"):
                raise KernelSetupError(f"a prefix starts with '/' and does not end with one, not {path!r}")
        if aliases and prefix is None:
            raise KernelSetupError("aliases serve the routes at a prefix: give prefix= too")
        self._apps.installed.add(app)
        _KITS.setdefault(app, []).append(self)
        install_error_handlers(app, setting_names=self.setting_names)
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
            self._add_routes(app.router, prefix, list_name=self.list_route_name, documented=True)
            for alias in aliases:
                self._add_routes(app.router, alias, list_name=None, documented=False)

    @property
    def router(self) -> APIRouter:
        """The kernel routes: `GET ""` (every kernel), `GET "/{kernel}"`, and
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
        add_routes(
            router, "", key=self._key, tag=self.name, list_name=self.list_route_name, documented=True, labels=None
        )
        return router

    def _add_routes(self, router: APIRouter, prefix: str, *, list_name: str | None, documented: bool) -> None:
        labels = labels_at(prefix)
        add_routes(
            router, prefix, key=self._key, tag=self.name, list_name=list_name, documented=documented, labels=labels
        )

    def _openapi_of(self, app: FastAPI, base: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
        merged: dict[tuple[int, int], dict[str, Any]] = {}

        def openapi() -> dict[str, Any]:
            document = base()
            loaded = self._apps.loaded.get(app)
            if loaded is None or loaded.prefix is None:
                return document
            # Made again after a reload changed the kernels, and only then.
            key = (id(loaded.kernels), loaded.kernels.generation)
            cached = merged.get(key)
            if cached is None:
                paths = {**document["paths"], **json.loads(loaded.kernels.openapi_paths())}
                merged.clear()
                cached = merged[key] = {**document, "paths": paths}
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
        tasks: set[asyncio.Task[Any]] = set()
        loop = asyncio.get_running_loop()

        def reload_now(trigger: str) -> None:
            task = loop.create_task(self.reload(app, trigger=trigger))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        if self.reload_poll_s is not None:
            tasks.add(loop.create_task(self._reload_on_change(app, loaded.kernels, self.reload_poll_s)))
        signalled = self.reload_signal is not None and self._on_signal(loop, reload_now)
        try:
            yield loaded
        finally:
            if signalled and self.reload_signal is not None:
                loop.remove_signal_handler(self.reload_signal)
            for task in tasks:
                task.cancel()
            for task in list(tasks):
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            self._apps.loaded.pop(app, None)

    def _on_signal(self, loop: asyncio.AbstractEventLoop, reload_now: Callable[[str], None]) -> bool:
        """Reloads on `reload_signal`, when this loop can take signals (only
        the main thread's can: an app served from another thread, as a test
        client serves it, reloads by `reload` alone, and the log says so)."""
        assert self.reload_signal is not None
        try:
            loop.add_signal_handler(self.reload_signal, reload_now, self.reload_signal.name)
        except (RuntimeError, ValueError) as error:
            LOG.warning(
                "the kernels %s do not reload on %s here: %s",
                self.name,
                self.reload_signal.name,
                error,
                extra={"fields": {"kit": self.name}},
            )
            return False
        return True

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
        limits: dict[str, Any] = {
            "timeout_s": self.timeout_s,
            "max_memory_mb": self.max_memory_mb,
            "max_body_bytes": self.max_body_bytes,
            "prefix": prefix or "/kernels",
            "setting_names": self.setting_names,
            "grants_root": self.grants_root,
        }
        if self.folder is not None:
            if not self.folder.is_dir():
                raise KernelSetupError(f"the kernel folder {str(self.folder)!r} does not exist or is not a folder")
            kernels = fastwasm.KernelSet(runtime, self.folder, **limits)
        else:
            assert self.files is not None
            for kernel, path in self.files.items():
                if not path.is_file():
                    raise KernelSetupError(f"the kernel file {str(path)!r} ({kernel!r}) does not exist")
            files: list[tuple[str, str | os.PathLike[str]]] = list(self.files.items())
            kernels = fastwasm.KernelSet(runtime, files=files, **limits)
        if kernels.grant_errors:
            # Less than the sidecar says, or more than the root allows: never serve.
            raise KernelSetupError("; ".join(kernels.grant_errors))
        for name, why in kernels.artifact_refusals:
            LOG.warning(
                "the precompiled artifact of %s was refused, so it was compiled: %s",
                name,
                why,
                extra={"fields": {"kit": self.name, "kernel": name}},
            )
        failed = {name: error for name, error in kernels.kernels if error is not None}
        for name, error in failed.items():
            LOG.warning(
                "the kernel %s did not load: %s", name, error, extra={"fields": {"kit": self.name, "kernel": name}}
            )
        names = {name for name, _ in kernels.kernels}
        for kernel in sorted(self._wanted):
            if kernel not in names:
                there = ", ".join(sorted(names)) or "none"
                message = f"a route depends on the kernel {kernel!r}, which is not there (there are {there})"
                raise KernelSetupError(message)
            if kernel in failed:
                message = f"a route depends on the kernel {kernel!r}, which did not load: {failed[kernel]}"
                raise KernelSetupError(message)
        components = Components(kernels)
        LOG.info(
            "kernels %s loaded: %s", self.name, ", ".join(sorted(components)), extra={"fields": {"prefix": prefix}}
        )
        labels = labels_at(prefix or "")
        return Loaded(runtime, kernels, components, self.admission, self._metrics, prefix, labels)

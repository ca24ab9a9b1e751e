"""What a route receives: `Kernel`, one loaded kernel with the served call
around it, and `Loaded`, what a kit serves in one app."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request

import fastwasm
from fastwasm._calls import CallFuture
from fastwasm.fastapi.admission import Admission
from fastwasm.fastapi.disconnect import until_disconnected
from fastwasm.fastapi.metrics import CallMetrics, outcome_of
from fastwasm.fastapi.unstoppable import NotAnswered, waited_for


@dataclass(frozen=True, slots=True)
class RouteLabel:
    """What `scope["route"]` names for a request of the kernel routes of an
    included router: the template with its prefix (an included router's
    routes know only their own part), for access logs and metrics that
    label by route."""

    path: str


class Components(Mapping[str, fastwasm.Component]):
    """The components of a kernel set's loaded kernels, by name, as its last
    reload left them: made again only when a reload changed the set (their
    Python objects hold per-function caches worth keeping)."""

    __slots__ = ("_by_name", "_generation", "_kernels")

    def __init__(self, kernels: fastwasm.KernelSet) -> None:
        self._kernels = kernels
        self._generation = -1
        self._by_name: dict[str, fastwasm.Component] = {}

    def _current(self) -> dict[str, fastwasm.Component]:
        generation = self._kernels.generation
        if generation != self._generation:
            kernels = self._kernels
            self._by_name = {name: c for name, _ in kernels.kernels if (c := kernels.component(name)) is not None}
            self._generation = generation
        return self._by_name

    def __getitem__(self, name: str) -> fastwasm.Component:
        return self._current()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._current())

    def __len__(self) -> int:
        return len(self._current())


@dataclass(frozen=True, slots=True)
class Loaded:
    """What a `Kernels` serves in one app, made in its lifespan."""

    runtime: fastwasm.Runtime
    kernels: fastwasm.KernelSet
    #: The loaded kernels' components, as the last reload left them.
    components: Components
    admission: Admission
    metrics: CallMetrics | None
    #: Where its routes are mounted, if they are.
    prefix: str | None
    #: The route templates of the list, show and call routes, prefixed.
    labels: tuple[RouteLabel, RouteLabel, RouteLabel]


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
        `Component.call` does (the kit's error handlers answer each).

        A kernel without a deadline cannot be stopped: the request waits at
        most `timeout_s` (default the kernel's) and then raises `NotAnswered`
        (504), while the call runs on with its slot (`fastwasm.fastapi.unstoppable`)."""
        loaded, component = self._loaded, self.component
        metrics = loaded.metrics
        started = time.perf_counter()
        try:
            if not component.has_deadline:
                value = await self._unstoppable(function, args, kwargs, timeout_s)
            elif component.runs_inline(function):
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
                label = loaded.kernels.metric_function(self.name, function)
                metrics.count(self.name, label, outcome_of(error), time.perf_counter() - started)
            raise
        if metrics is not None:
            label = loaded.kernels.metric_function(self.name, function)
            metrics.count(self.name, label, "ok", time.perf_counter() - started)
        return value

    async def _unstoppable(
        self, function: str, args: tuple[Any, ...], kwargs: dict[str, Any], timeout_s: float | None
    ) -> Any:
        kernels, name = self._loaded.kernels, self.name
        limits = kernels.limits(name)
        assert limits is not None  # a Kernel is made for a kernel of the set
        wait_s = limits.timeout_s if timeout_s is None else timeout_s

        def unanswered() -> Any:
            answer = kernels.unanswered(name, function)
            assert answer is not None
            raise NotAnswered(json.loads(answer.body)["detail"])

        return await waited_for(
            self._request,
            self._loaded.admission,
            lambda: self.component.acall(function, *args, inline=False, **kwargs),
            wait_s,
            f"{name}/{function}",
            unanswered,
        )

    @property
    def exports(self) -> list[fastwasm.ComponentExport]:
        return self.component.exports

    def __repr__(self) -> str:
        return f"<Kernel {self.name!r}>"

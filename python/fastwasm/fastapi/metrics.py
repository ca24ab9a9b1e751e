"""Prometheus metrics made from fastwasm-http's table
(`fastwasm.http.metric_table()`): the names, help texts and labels
fastwasm-server exports too, written once in Rust.

`CallMetrics` counts kernel calls for the kit, `ReloadMetrics` its
reloads; `counter`, `gauge` and
`histogram` make any metric of the table in a registry of yours.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

import fastwasm
from fastwasm.fastapi.disconnect import ClientDisconnected
from fastwasm.fastapi.unstoppable import NotAnswered
from fastwasm.http import COMPUTE_BUCKETS, metric_table

#: name -> (kind, help, labels), as fastwasm-http declares them.
TABLE: dict[str, tuple[str, str, list[str]]] = metric_table()


def _spec(name: str, kind: str) -> tuple[str, list[str]]:
    try:
        declared, help_text, labels = TABLE[name]
    except KeyError:
        raise KeyError(f"fastwasm-http declares no metric {name!r}") from None
    if declared != kind:
        raise TypeError(f"the metric {name!r} is a {declared}, not a {kind}")
    return help_text, labels


def counter(name: str, registry: CollectorRegistry) -> Counter:
    """The counter `name` of the table, in `registry`."""
    help_text, labels = _spec(name, "counter")
    return Counter(name, help_text, labels, registry=registry)


def gauge(name: str, registry: CollectorRegistry) -> Gauge:
    """The gauge `name` of the table, in `registry`; with several worker
    processes, summed over the live ones."""
    help_text, labels = _spec(name, "gauge")
    return Gauge(name, help_text, labels, registry=registry, multiprocess_mode="livesum")


def histogram(name: str, registry: CollectorRegistry) -> Histogram:
    """The histogram `name` of the table, in `registry`, with the table's buckets."""
    help_text, labels = _spec(name, "histogram")
    return Histogram(name, help_text, labels, buckets=COMPUTE_BUCKETS, registry=registry)


class Bound:
    """`metric.labels(*values)`, made once per label set: `labels()` costs
    more than the increment it precedes. Callers pass only bounded label
    values (routes, methods, served functions)."""

    __slots__ = ("_children",)

    def __init__(self) -> None:
        self._children: dict[tuple[object, tuple[str, ...]], Any] = {}

    def __call__(self, metric: Counter | Histogram, *values: str) -> Any:
        key = (metric, values)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*values)
        return child


class CallMetrics:
    """Calls of kernel functions, by outcome, and their time, in `registry`."""

    #: The label order `count` passes its values in.
    LABELS = (["function", "kernel", "outcome"], ["function", "kernel"])

    def __init__(self, registry: CollectorRegistry) -> None:
        declared = (TABLE["fastwasm_kernel_calls"][2], TABLE["fastwasm_kernel_compute_seconds"][2])
        if declared != self.LABELS:
            raise TypeError(f"the kernel metrics' labels are {declared}, not {self.LABELS}")
        self.calls = counter("fastwasm_kernel_calls", registry)
        self.seconds = histogram("fastwasm_kernel_compute_seconds", registry)
        self._bound = Bound()

    def count(self, kernel: str, function: str, outcome: str, seconds: float | None) -> None:
        self._bound(self.calls, function, kernel, outcome).inc()
        if seconds is not None:
            self._bound(self.seconds, function, kernel).observe(seconds)


class ReloadMetrics:
    """Reloads of a kit's kernels, and the files they could not load, in `registry`."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.reloads = counter("fastwasm_kernel_reloads", registry)
        self.failures = counter("fastwasm_kernel_reload_failures", registry)

    def count(self, failures: int) -> None:
        self.reloads.inc()
        self.failures.inc(failures)


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
    if isinstance(error, NotAnswered):
        return "timeout"
    return "error"

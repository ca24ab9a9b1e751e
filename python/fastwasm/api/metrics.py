"""The service's metrics (Prometheus), made from fastwasm-http's table
(`fastwasm.fastapi.metrics`), so that a scrape of either server reads the
same series."""

from __future__ import annotations

import asyncio
import os

from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.openmetrics.exposition import generate_latest

import fastwasm
from fastwasm.fastapi import Bound, counter, gauge, histogram


class Metrics:
    """The service's metrics, in a per-app registry, so several apps in one
    process (tests) never collide.

    With several worker processes (`fastwasm serve --workers N`), the CLI sets
    `PROMETHEUS_MULTIPROC_DIR`: every worker then writes its samples there and
    `/metrics` sums them over all workers, whichever worker answers. Pool and
    admission state lives in each worker's memory, so each worker copies it
    into its metrics every `SYNC_INTERVAL_S`, and the answering worker copies
    its own at the scrape.
    """

    SYNC_INTERVAL_S = 1.0

    def __init__(self) -> None:
        self.multiprocess = "PROMETHEUS_MULTIPROC_DIR" in os.environ
        self.registry = registry = CollectorRegistry()
        self.requests = counter("fastwasm_requests", registry)
        self.compute_seconds = histogram("fastwasm_compute_seconds", registry)
        self.pool_instances = gauge("fastwasm_wasm_pool_instances", registry)
        self.pool_busy = gauge("fastwasm_wasm_pool_busy", registry)
        self.counters = {
            "timeouts": counter("fastwasm_wasm_timeouts", registry),
            "traps": counter("fastwasm_wasm_traps", registry),
            "memory_limits": counter("fastwasm_wasm_memory_limits", registry),
            "cancelled": counter("fastwasm_wasm_cancelled", registry),
            "cache_refusals": counter("fastwasm_cache_refusals", registry),
        }
        self.internal_errors = counter("fastwasm_internal_errors", registry)
        #: `bound(metric, *labels)`: a labelled child, made once per label set.
        self.bound = Bound()
        self._seen = dict.fromkeys(self.counters, 0)
        self._sources: tuple[fastwasm.Runtime, fastwasm.FibonacciModule] | None = None

    def compute(self, method: str, algorithm: str, seconds: float) -> None:
        """One computation's own time (labels in the table's order)."""
        self.bound(self.compute_seconds, algorithm, method).observe(seconds)

    def watch(self, runtime: fastwasm.Runtime, guest: fastwasm.FibonacciModule) -> None:
        self._sources = (runtime, guest)
        self.sync()

    def sync(self) -> None:
        """Copies the guest's pool state of this process into the metrics."""
        if self._sources is None:
            return
        runtime, guest = self._sources
        pool = guest.module.pool_stats()
        self.pool_instances.set(pool.size)
        self.pool_busy.set(pool.busy)
        totals = {name: getattr(pool, name) for name in ("timeouts", "traps", "memory_limits", "cancelled")}
        totals["cache_refusals"] = runtime.cache_status.refusals
        for name, metric in self.counters.items():
            # The sources count; the counters follow them by the difference.
            if (delta := totals[name] - self._seen[name]) > 0:
                metric.inc(delta)
                self._seen[name] = totals[name]

    async def sync_forever(self) -> None:
        """In multiprocess mode: keeps this worker's state fresh for scrapes that another worker answers."""
        while True:
            self.sync()
            await asyncio.sleep(self.SYNC_INTERVAL_S)

    def exposition(self) -> bytes:
        """OpenMetrics text: this app's metrics, or every worker's in multiprocess mode."""
        self.sync()
        registry = self.registry
        if self.multiprocess:
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        text: bytes = generate_latest(registry)  # type: ignore[no-untyped-call]
        return text

    def close(self) -> None:
        """At a worker's shutdown: its live gauges stop counting in the sums."""
        if self.multiprocess:
            multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]

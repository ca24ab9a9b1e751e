"""Admission control: heavy calls take one of a bounded number of slots.

Cheap calls (those a kernel runs inline) never take a slot, so they never
wait behind heavy ones. A heavy call that cannot get a slot within the queue
timeout is refused with `Overloaded` (503 with `Retry-After`) instead of
piling up. The 503's detail and `Retry-After` are fastwasm-http's
(`fastwasm.http.overloaded`), the same fastwasm-server sends.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from prometheus_client import CollectorRegistry, Counter, Gauge

from fastwasm.fastapi.metrics import counter, gauge
from fastwasm.http import overloaded


class Overloaded(Exception):
    """No slot for heavy work freed up within the queue timeout (503)."""

    def __init__(self, slots: int, queue_timeout_s: float, settings: tuple[str, str]) -> None:
        detail, self.retry_after_s = overloaded(slots, queue_timeout_s, *settings)
        super().__init__(detail)


class Admission:
    """`slots` slots for heavy work; a call waits at most `queue_timeout_s`
    for one. `settings` name the two limits in the 503's message (your own
    setting names, or the keyword arguments by default). With a
    `registry`, `fastwasm_heavy_slots`, `fastwasm_heavy_busy` and
    `fastwasm_heavy_rejected_total` go there."""

    def __init__(
        self,
        slots: int,
        queue_timeout_s: float,
        *,
        settings: tuple[str, str] = ("slots", "queue_timeout_s"),
        registry: CollectorRegistry | None = None,
    ) -> None:
        if slots < 1:
            raise ValueError(f"slots must be at least 1, got {slots}")
        if not queue_timeout_s > 0:
            raise ValueError(f"queue_timeout_s must be above 0, got {queue_timeout_s}")
        self.slots = slots
        self.queue_timeout_s = queue_timeout_s
        self.settings = settings
        self._semaphore = asyncio.Semaphore(slots)
        self.busy = 0
        self.rejected = 0
        self._gauges: tuple[Gauge, Counter] | None = None
        if registry is not None:
            gauge("fastwasm_heavy_slots", registry).set(slots)
            busy = gauge("fastwasm_heavy_busy", registry)
            self._gauges = (busy, counter("fastwasm_heavy_rejected", registry))

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Holds a slot for the body; raises `Overloaded` when none frees up in time."""
        await self.acquire()
        try:
            yield
        finally:
            self.release()

    async def acquire(self) -> None:
        """Takes a slot, to be given back with `release`, for work that may
        outlive the request (`slot` covers the rest); raises `Overloaded`
        when none frees up in time."""
        try:
            await asyncio.wait_for(self._semaphore.acquire(), self.queue_timeout_s)
        except TimeoutError:
            self.rejected += 1
            if self._gauges is not None:
                self._gauges[1].inc()
            raise Overloaded(self.slots, self.queue_timeout_s, self.settings) from None
        self.busy += 1
        if self._gauges is not None:
            self._gauges[0].inc()

    def release(self) -> None:
        """Gives back a slot taken with `acquire`."""
        self.busy -= 1
        if self._gauges is not None:
            self._gauges[0].dec()
        self._semaphore.release()

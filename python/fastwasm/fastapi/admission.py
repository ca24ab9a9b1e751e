"""Admission control: heavy calls take one of a bounded number of slots.

Cheap calls (those a kernel runs inline) never take a slot, so they never
wait behind heavy ones. A heavy call that cannot get a slot within the queue
timeout is refused with `Overloaded` (503 with `Retry-After`) instead of
piling up.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from prometheus_client import CollectorRegistry, Counter, Gauge


class Overloaded(Exception):
    """No slot for heavy work freed up within the queue timeout (503)."""

    def __init__(self, slots: int, queue_timeout_s: float, settings: tuple[str, str]) -> None:
        slots_setting, timeout_setting = settings
        super().__init__(
            f"all {slots} slots for heavy work are busy ({slots_setting}) and none freed up "
            f"within {queue_timeout_s:g} s ({timeout_setting}); retry later"
        )
        self.retry_after_s = max(1, math.ceil(queue_timeout_s))


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
            slots_gauge = Gauge(
                "fastwasm_heavy_slots", "Slots for heavy work (admission control).",
                registry=registry, multiprocess_mode="livesum",
            )  # fmt: skip
            slots_gauge.set(slots)
            busy = Gauge(
                "fastwasm_heavy_busy", "Heavy calls running now.", registry=registry, multiprocess_mode="livesum"
            )
            rejected = Counter("fastwasm_heavy_rejected", "Heavy calls refused with 503.", registry=registry)
            self._gauges = (busy, rejected)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Holds a slot for the body; raises `Overloaded` when none frees up in time."""
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
        try:
            yield
        finally:
            self.busy -= 1
            if self._gauges is not None:
                self._gauges[0].dec()
            self._semaphore.release()

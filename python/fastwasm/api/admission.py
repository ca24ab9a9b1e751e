"""Admission control: heavy computations take a slot from a bounded pool.

Cheap requests (u64 results, tiny recursions) never take a slot, so they never
wait behind heavy ones. A heavy request that cannot get a slot within the queue
timeout is refused with 503 and Retry-After instead of piling up.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Overloaded(Exception):
    """No slot for heavy work within the queue timeout."""

    def __init__(self, slots: int, queue_timeout_s: float) -> None:
        super().__init__(
            f"all {slots} slots for heavy work are busy (FASTWASM_MAX_CONCURRENT_HEAVY) and none freed up "
            f"within {queue_timeout_s:g} s (FASTWASM_QUEUE_TIMEOUT_S); retry later"
        )
        self.retry_after_s = max(1, math.ceil(queue_timeout_s))


class Admission:
    def __init__(self, slots: int, queue_timeout_s: float) -> None:
        self.slots = slots
        self.queue_timeout_s = queue_timeout_s
        self._semaphore = asyncio.Semaphore(slots)
        self.busy = 0
        self.rejected = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        try:
            await asyncio.wait_for(self._semaphore.acquire(), self.queue_timeout_s)
        except TimeoutError:
            self.rejected += 1
            raise Overloaded(self.slots, self.queue_timeout_s) from None
        self.busy += 1
        try:
            yield
        finally:
            self.busy -= 1
            self._semaphore.release()

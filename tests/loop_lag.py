"""How late an asyncio event loop wakes a ticker: the measure of whether
something blocks the loop, for the tests and for bench/suite/acall_bench.py
(which imports it through bench/common.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

#: How often the ticker asks to wake.
PERIOD_S = 0.001


@asynccontextmanager
async def ticking() -> AsyncIterator[list[float]]:
    """While the body runs, a ticker on the running loop asks to wake every
    millisecond; yields the list of how late each wake-up was, in seconds
    (complete once the body has left)."""
    lags: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        while not stop.is_set():
            start = time.perf_counter()
            await asyncio.sleep(PERIOD_S)
            lags.append(time.perf_counter() - start - PERIOD_S)

    task = asyncio.create_task(ticker())
    try:
        yield lags
    finally:
        stop.set()
        await task

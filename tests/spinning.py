"""A guest call kept busy on another thread, for tests that need one."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

import fastwasm


class HasPool(Protocol):
    def pool_stats(self) -> fastwasm.PoolStats: ...


@contextmanager
def spinning(guest: HasPool, spin: Callable[[fastwasm.CancelToken], object]) -> Iterator[list[BaseException]]:
    """Runs `spin(cancel)` on a thread and waits (up to 30 s) until `guest`
    shows a busy instance; on exit cancels it and joins the thread. Yields
    the list the call's exception lands in."""
    cancel = fastwasm.CancelToken()
    outcomes: list[BaseException] = []

    def run() -> None:
        try:
            spin(cancel)
        except fastwasm.WasmError as error:
            outcomes.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while guest.pool_stats().busy == 0:
            assert time.monotonic() < deadline, "the call never showed as busy"
            time.sleep(0.001)
        yield outcomes
    finally:
        cancel.cancel()
        thread.join(timeout=30)

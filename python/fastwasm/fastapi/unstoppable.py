"""Serving a call that nothing can stop: a kernel that runs without a
deadline (`deadline = false` in its `NAME.toml`, or `deadline=False` on its
runtime or `load`) has no epoch checks, so neither a timeout nor a
disconnect can end its call.

The server still must not hang. `waited_for` takes a heavy-work slot and
keeps it until the call really ends, so such calls never exceed the slots;
the request waits for the answer at most `timeout_s` and while its client is
connected. Past `timeout_s` it gets fastwasm-http's 504, whose detail says
that the call runs on: as an answer on the kernel routes, as `NotAnswered`
from `Kernel.acall`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from starlette.requests import Request

from fastwasm.fastapi.disconnect import until_disconnected

if TYPE_CHECKING:  # admission imports the metrics, which import this
    from fastwasm.fastapi.admission import Admission

T = TypeVar("T")


class NotAnswered(Exception):
    """A call that cannot be stopped did not answer in time (504); it runs on
    to its end, holding its slot."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)


async def waited_for(
    request: Request,
    admission: Admission,
    start: Callable[[], Awaitable[T]],
    timeout_s: float,
    what: str,
    unanswered: Callable[[], T],
) -> T:
    """`start()`'s result, awaited at most `timeout_s` and while the client
    stays; past `timeout_s`, what `unanswered()` returns (or raises). The
    call holds a slot of `admission` until it ends, however long after the
    request. Raises `Overloaded` (no slot) or `ClientDisconnected` (499)."""
    await admission.acquire()
    try:
        call = asyncio.ensure_future(start())
    except BaseException:
        admission.release()
        raise
    call.add_done_callback(lambda done: _ended(done, admission))
    try:
        # Shielded: leaving early, by timeout or disconnect, leaves the call
        # running (it cannot be stopped) and its slot taken.
        return await until_disconnected(request, asyncio.wait_for(asyncio.shield(call), timeout_s), what)
    except TimeoutError:
        return unanswered()


def _ended(call: asyncio.Future[Any], admission: Admission) -> None:
    admission.release()
    if not call.cancelled():
        call.exception()  # retrieved: nobody may be waiting for it any more

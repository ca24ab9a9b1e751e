"""The Python half of `acall`: the future a guest call settles, and the
coroutine that awaits it. The extension prepares the call, runs it inline or
on the runtime's call threads, and settles the future from the event loop.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol


class _Cancellable(Protocol):
    def cancel(self) -> None: ...


class CallFuture(asyncio.Future[Any]):
    """The future of one guest call.

    Cancelling it (what `Task.cancel` does to the future a task awaits, so
    also `asyncio.timeout`, `wait_for` and `TaskGroup`) cancels the call's
    `CancelToken` and returns False: the future settles only once the guest
    has stopped, at its next epoch tick, and the awaiting task then raises
    `CancelledError`. So when the caller sees the cancellation, the call's
    instance is already back in its pool.

    A call that cannot be stopped (its module runs without a deadline) is
    not waited for: the future is cancelled at once, and the call runs on
    to its end on its call thread.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, token: _Cancellable, stoppable: bool = True) -> None:
        super().__init__(loop=loop)
        self._token = token
        self._stoppable = stoppable

    def cancel(self, msg: Any | None = None) -> bool:
        if self.done():
            return False
        self._token.cancel()
        if self._stoppable:
            return False
        return super().cancel(msg)


class _Startable(Protocol):
    def _start(self, *args: Any) -> Any: ...


async def awaited(target: _Startable, *args: Any) -> Any:
    """`target._start(*args)`, awaited: a coroutine, so `acall` works with
    `create_task` and `TaskGroup`, and starts when it is first awaited. A call
    that ran inline returns its value at once; one on a call thread returns
    its `CallFuture`, awaited here."""
    started = target._start(*args)
    if type(started) is CallFuture:
        return await started
    return started

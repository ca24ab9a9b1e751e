"""Cancel-on-disconnect: heavy work that stops when its client leaves.

Starlette does not cancel a request's task when its client disconnects; it
only reports `http.disconnect` on the ASGI receive channel. `until_disconnected`
watches that channel beside the work and, when the client leaves, cancels
the work (an `acall` stops its guest at the next epoch tick), waits until it
has stopped, and raises `ClientDisconnected` (logged as 499).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from starlette.requests import Request
from starlette.types import Receive

T = TypeVar("T")

#: nginx's "client closed request": logged and counted, never seen by the client.
CLIENT_CLOSED_REQUEST = 499


class ClientDisconnected(Exception):
    """The client closed the connection before its heavy work finished (499)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"the client closed the connection before {what} was computed")


async def until_disconnected(request: Request | Receive, work: Awaitable[T], what: str = "the answer") -> T:
    """`work`'s result, unless the client disconnects first: then the work is
    cancelled and awaited until it has stopped (a guest call stops at its next
    epoch tick; a thread cannot be abandoned mid-call, so its slot counts as
    busy until then), and `ClientDisconnected` is raised, naming `what`.

    Call it after the request's body has been read (FastAPI reads a body
    parameter before the route runs): the watcher reads the receive channel,
    and discards body messages it finds there."""
    receive = request.receive if isinstance(request, Request) else request
    working = asyncio.ensure_future(work)
    leaving = asyncio.ensure_future(client_gone(receive))
    try:
        done, _ = await asyncio.wait((working, leaving), return_when=asyncio.FIRST_COMPLETED)
    finally:
        leaving.cancel()
        if not working.done():
            working.cancel()
            # Never raises the work's own outcome; a cancellation of this
            # task still propagates, before or after it.
            await asyncio.wait((working,))
    if leaving in done:
        if not working.cancelled():
            working.exception()  # retrieved: how the abandoned work ended does not matter
        raise ClientDisconnected(what)
    return working.result()


async def client_gone(receive: Receive) -> None:
    """Returns when the server reports that the client disconnected."""
    while (await receive())["type"] != "http.disconnect":
        pass

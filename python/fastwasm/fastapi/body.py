"""Reading a request body up to a limit: nothing past it is buffered."""

from __future__ import annotations

from starlette.requests import Request

from fastwasm.fastapi.disconnect import ClientDisconnected


class BodyTooLarge(Exception):
    """The request body is over its limit (413)."""

    def __init__(self, limit: int, setting: str) -> None:
        super().__init__(f"the request body is over the limit of {limit} bytes (set by {setting})")
        self.limit = limit


async def read_body(request: Request, limit: int, setting: str = "max_body_bytes") -> bytes:
    """The body, or `BodyTooLarge` (naming `setting`) as soon as it is over
    `limit` bytes: a declared `Content-Length` over it is refused before
    anything is read."""
    body = await read_body_or_none(request, limit)
    if body is None:
        raise BodyTooLarge(limit, setting)
    return body


async def received_body(request: Request, limit: int) -> bytes | None:
    """The body straight from the ASGI receive channel, or None as soon as it
    is over `limit`: for a route that reads nothing else of it (the kernel
    routes), without `Request.stream`'s bookkeeping. A client that leaves
    mid-body is `ClientDisconnected`."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected("the request body")
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def read_body_or_none(request: Request, limit: int) -> bytes | None:
    """As `read_body`, with None for a body over `limit`."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)

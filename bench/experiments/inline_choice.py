"""Should the cheap u64 path run on the event loop or in the threadpool?

Drives the ASGI app in-process (no sockets, so only the app's own cost is
measured), /fibonacci-wasm/39, 7 interleaved rounds of 2000 requests each way.
Run: .venv/bin/python -m bench.experiments.inline_choice
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import fastwasm.api.compute as compute_module
from fastwasm.api import Settings, create_app
from fastwasm.api.models import Algorithm

PATH = "/fibonacci-wasm/39"
ROUNDS, REQUESTS = 7, 2000


def never_cheap(n: int, algorithm: Algorithm) -> bool:
    return False


async def main() -> None:
    app = create_app(Settings())
    inline = compute_module.is_cheap
    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": PATH, "raw_path": PATH.encode(), "query_string": b"",
        "headers": [(b"host", b"bench")], "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
        "root_path": "", "app": app,
    }  # fmt: skip

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            assert message["status"] == 200

    results: dict[str, list[float]] = {"inline on the event loop": [], "run_in_threadpool": []}
    async with app.router.lifespan_context(app):
        for _ in range(ROUNDS):
            for mode, samples in results.items():
                compute_module.is_cheap = inline if mode.startswith("inline") else never_cheap
                start = time.perf_counter()
                for _ in range(REQUESTS):
                    await app(scope, receive, send)
                samples.append((time.perf_counter() - start) / REQUESTS * 1e6)
    compute_module.is_cheap = inline
    for mode, samples in results.items():
        print(
            f"{mode}: median {statistics.median(samples):.1f} µs/request "
            f"(min {min(samples):.1f}, max {max(samples):.1f})"
        )


if __name__ == "__main__":
    asyncio.run(main())

"""Under a real uvicorn, a client that disconnects from a kit route stops its
guest call (the TestClient cannot disconnect)."""

from __future__ import annotations

import functools
from pathlib import Path

from servers import get, raw_request, started, uvicorn_command, wait_for

HERE = Path(__file__).resolve().parent


def test_a_client_that_disconnects_stops_its_guest_call() -> None:
    command = functools.partial(uvicorn_command, app="spin_app:create_app")
    with started(command, {}, health="/stats", cwd=HERE) as (base, _):
        assert get(f"{base}/stats")[1] == {"busy": 0, "cancelled": 0, "slots_busy": 0}
        with raw_request(base, ["GET /spin HTTP/1.1", "Host: shop"]):
            wait_for(lambda: get(f"{base}/stats")[1]["busy"] == 1, "the spin started", 30)
        # Closed: the guest stops at its next epoch tick, long before its 10 s deadline.
        wait_for(lambda: get(f"{base}/stats")[1] == {"busy": 0, "cancelled": 1, "slots_busy": 0}, "it stopped", 5)

"""The app under test, through `with TestClient(app)` so the lifespan runs."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from fastwasm.api import Settings, create_app
from fastwasm.fastapi import Loaded


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings())) as c:
        yield c


def _swap_guest(client: TestClient, guest: object) -> None:
    state = client.app_state
    state["fibonacci"] = dataclasses.replace(state["fibonacci"], guest=guest)


@pytest.fixture
def swap_guest() -> Callable[[TestClient, object], None]:
    """Serves the Fibonacci routes of a started app from another guest: the
    lifespan state's `fibonacci` holds the guest, and each request gets a
    copy of that state (the hot routes take no dependency, see
    routers/fibonacci.py)."""
    return _swap_guest


def served_kernels(client: TestClient) -> Loaded:
    """What the app's kernel kit (/kernels) serves: from the lifespan state."""
    return next(value for value in client.app_state.values() if isinstance(value, Loaded))

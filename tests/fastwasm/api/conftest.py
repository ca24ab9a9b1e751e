"""The app under test, through `with TestClient(app)` so the lifespan runs."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fastwasm.api import Settings, create_app


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings())) as c:
        yield c


def _digits_body(response: Any) -> Any:
    return json.loads(response.content, parse_int=str)


@pytest.fixture
def body() -> Callable[[Any], Any]:
    """Decodes a JSON body keeping ints as digits: no 4300-digit limit, no float."""
    return _digits_body

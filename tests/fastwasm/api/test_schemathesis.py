"""Property-based API fuzzing: schemathesis generates requests from
/openapi.json and runs every check on each response (no 5xx, status codes,
content types, headers and bodies that conform to the schema)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from fastwasm.api import Settings, create_app

# Small limits keep each generated request fast; the checks are the same.
app = create_app(Settings(max_n_recursive=22, max_n_iterative=3000, max_n_fast_doubling=30000))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module", autouse=True)
def lifespan() -> Iterator[None]:
    # The runtime and guest are created in the lifespan; keep it open for the run.
    with TestClient(app):
        yield


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate()

"""Property-based API fuzzing: schemathesis generates requests from
/openapi.json and runs every check on each response (no 5xx, status codes,
content types, headers and bodies that conform to the schema).

`make test` runs it derandomized with a fixed seed (schemathesis.toml), so
every run sends the same requests; `make fuzz-api` runs it random, with many
more examples (FASTWASM_HYPOTHESIS_PROFILE=random)."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from schemathesis.config import SchemathesisConfig

from fastwasm.api import Settings, create_app

CONFIG_FILE = Path(__file__).resolve().parents[3] / "schemathesis.toml"
RANDOM_EXAMPLES = 500


def schemathesis_config() -> SchemathesisConfig:
    data = tomllib.loads(CONFIG_FILE.read_text())
    if os.environ.get("FASTWASM_HYPOTHESIS_PROFILE") == "random":
        del data["seed"]
        data["generation"].update({"deterministic": False, "max-examples": RANDOM_EXAMPLES})
    return SchemathesisConfig.from_dict(data, base_dir=str(CONFIG_FILE.parent))


# Small limits keep each generated request fast; the checks are the same.
app = create_app(Settings(max_n_recursive=22, max_n_iterative=3000, max_n_fast_doubling=30000))
schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=schemathesis_config())


@pytest.fixture(scope="module", autouse=True)
def lifespan() -> Iterator[None]:
    # The runtime and guest are created in the lifespan; keep it open for the run.
    with TestClient(app):
        yield


@schema.parametrize()
def test_the_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate()

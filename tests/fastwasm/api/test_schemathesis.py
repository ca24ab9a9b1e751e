"""Property-based API fuzzing: schemathesis generates requests from
/openapi.json and runs every check on each response (no 5xx, status codes,
content types, headers and bodies that conform to the schema).

That includes one operation per function of the served kernels, generated
from WIT: here the echo component (every WIT type) and the image component.
The fib component is left out: a schema-valid n can ask for hours of work,
which the deadline ends with a 504, correct but a server error to the checks.

`make test` runs it derandomized with a fixed seed (schemathesis.toml), so
every run sends the same requests; `make fuzz-api` runs it random, with many
more examples (FASTWASM_HYPOTHESIS_PROFILE=random)."""

from __future__ import annotations

import os
import shutil
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from schemathesis.config import SchemathesisConfig

import fastwasm
from fastwasm.api import Settings, create_app

CONFIG_FILE = Path(__file__).resolve().parents[3] / "schemathesis.toml"
RANDOM_EXAMPLES = 500


def schemathesis_config() -> SchemathesisConfig:
    data = tomllib.loads(CONFIG_FILE.read_text())
    if os.environ.get("FASTWASM_HYPOTHESIS_PROFILE") == "random":
        del data["seed"]
        data["generation"].update({"deterministic": False, "max-examples": RANDOM_EXAMPLES})
    return SchemathesisConfig.from_dict(data, base_dir=str(CONFIG_FILE.parent))


KERNELS = Path(tempfile.mkdtemp(prefix="fastwasm-schemathesis-kernels-"))
for name in ("echo", "image"):
    shutil.copy(Path(fastwasm.__file__).with_name("components") / f"{name}.wasm", KERNELS / f"{name}.wasm")

# Small limits keep each generated request fast; the checks are the same.
app = create_app(
    Settings(max_n_recursive=22, max_n_iterative=3000, max_n_fast_doubling=30000, kernels_dir=KERNELS, wasm_timeout_s=5)
)
# The kernel operations join /openapi.json once the lifespan has loaded them.
with TestClient(app):
    pass
# Left out: a tuple's schema is JSON Schema 2020-12's `prefixItems`, exact,
# which schemathesis 4.32 rewrites into draft-4 `items: [...]` and then
# rejects as an invalid response schema. The tuple mapping is tested in
# fastwasm-http and tests/parity/test_kernel_parity.py.
schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=schemathesis_config()).exclude(
    path="/kernels/echo/echo-tuple"
)


@pytest.fixture(scope="module", autouse=True)
def lifespan() -> Iterator[None]:
    # The runtime and guest are created in the lifespan; keep it open for the run.
    with TestClient(app):
        yield


@schema.parametrize()
def test_the_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate()

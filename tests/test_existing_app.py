"""examples/existing-app: a shop service that adopts fastwasm. Its routes
work before and after the adoption, under TestClient and under a real
uvicorn, and docs/fastapi.md shows the adoption's diff as it is."""

from __future__ import annotations

import functools
import importlib.util
import json
import subprocess
import sys
import textwrap
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from servers import get, started, uvicorn_command

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "existing-app"
spec = importlib.util.spec_from_file_location("adoption", EXAMPLE / "adoption.py")
assert spec is not None
assert spec.loader is not None
adoption = importlib.util.module_from_spec(spec)
spec.loader.exec_module(adoption)

#: What the shop's own routes answer, before and after: run as a script, in
#: the directory of one version.
OWN_ROUTES = textwrap.dedent(
    """
    import time

    from fastapi.testclient import TestClient
    from shop.main import create_app

    with TestClient(create_app()) as client:
        products = client.get("/products").json()
        assert [p["name"] for p in products] == ["Mug", "Poster"], products
        started = time.perf_counter()
        order = client.post("/orders", json={"product_id": 2, "quantity": 3})
        wall = time.perf_counter() - started
        assert order.status_code == 201 and order.json()["total_cents"] == 7500, order.text
        assert client.post("/orders", json={"product_id": 2, "quantity": 0}).status_code == 422
        assert 0 < float(order.headers["x-process-time"]) < wall
        print(sorted(client.get("/openapi.json").json()["paths"])[:4])
    """
)


def test_the_docs_show_the_adoption_diff() -> None:
    docs = (ROOT / "docs" / "fastapi.md").read_text()
    assert adoption.docs_with_diff(docs) == docs, "run: python examples/existing-app/adoption.py docs"
    added = [line for line in adoption.diff().splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert 10 <= len(added) <= 20  # about 15 lines


@pytest.mark.parametrize("version", ["before", "after"])
def test_the_shops_own_routes_work_before_and_after(tmp_path: Path, version: str) -> None:
    adoption.write(version, tmp_path)
    main = (tmp_path / "shop" / "main.py").read_text()
    assert ("kernels.install(app)" in main) == (version == "after")
    assert "# fastwasm" not in main
    run = subprocess.run(
        [sys.executable, "-c", OWN_ROUTES], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr
    paths = json.loads(run.stdout.replace("'", '"'))
    assert ("/kernels" in paths) == (version == "after")


@pytest.fixture
def shop(monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.syspath_prepend(str(EXAMPLE))
    from shop.main import create_app  # the example: on the path only here

    with TestClient(create_app()) as client:
        yield client
    for name in [m for m in sys.modules if m == "shop" or m.startswith("shop.")]:
        del sys.modules[name]


def test_the_adopted_shop_blurs_its_photos_with_a_kernel(shop: TestClient) -> None:
    blurred = shop.get("/products/1/photo/blurred", params={"radius": 2})
    assert blurred.status_code == 200
    assert blurred.headers["content-type"] == "application/octet-stream"
    assert len(blurred.content) == 32 * 32 * 4
    photo = __import__("shop.database").database.swatch(1)
    assert blurred.content != photo
    assert shop.get("/products/9/photo/blurred", params={"radius": 2}).status_code == 404
    bad = shop.get("/products/1/photo/blurred", params={"radius": 0})
    assert bad.status_code == 400
    assert "radius" in bad.json()["detail"]
    assert shop.post("/kernels/echo/reverse", json={"text": "abc"}).json()["result"] == "cba"
    assert "/kernels/image/blur" in shop.get("/openapi.json").json()["paths"]


def test_the_adopted_shop_under_uvicorn() -> None:
    command = functools.partial(uvicorn_command, app="shop.main:create_app")
    with started(command, {}, health="/products", cwd=EXAMPLE) as (base, _):
        with urllib.request.urlopen(f"{base}/products/2/photo/blurred?radius=3", timeout=60) as response:
            assert response.status == 200
            assert len(response.read()) == 32 * 32 * 4
        status, listing = get(f"{base}/kernels")
        assert status == 200
        assert {m["name"] for m in listing["kernels"]} == {"echo", "fib", "image", "markdown", "numeric", "words"}

"""The kernel routes of the FastAPI service: the listing is what its pydantic
models say (so /openapi.json is true), each function has its operation, the
body goes to Rust as bytes, the limits hold, and a client that leaves
cancels its call. The answers themselves are fastwasm-http's (tested in
Rust) and the same as fastwasm-server's (tests/parity/test_kernel_parity.py)."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import fastwasm
from fastwasm.api import Settings, create_app
from fastwasm.api.models import KernelsResponse, ServedKernel

from .conftest import served_kernels

COMPONENTS = Path(fastwasm.__file__).with_name("components")
FAULT = Path(__file__).resolve().parents[2] / "components" / "fault.wasm"


@pytest.fixture(scope="module")
def kernels_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("kernels")
    for name in ("fib", "image", "echo"):
        shutil.copy(COMPONENTS / f"{name}.wasm", directory)
    shutil.copy(FAULT, directory / "fault.wasm")
    (directory / "fault.toml").write_text("timeout_s = 5\nmax_body_bytes = 100\n")
    (directory / "junk.wasm").write_bytes(b"junk")
    return directory


@pytest.fixture(scope="module")
def client(kernels_dir: Path) -> Iterator[TestClient]:
    settings = Settings(kernels_dir=kernels_dir, wasm_timeout_s=10, max_concurrent_heavy=2)
    with TestClient(create_app(settings)) as c:
        yield c


def test_the_listing_is_what_the_models_say(client: TestClient) -> None:
    listing = KernelsResponse.model_validate(client.get("/kernels").json())
    assert [m.name for m in listing.kernels] == ["echo", "fault", "fib", "image", "junk"]
    junk = listing.kernels[-1]
    assert junk.error is not None
    assert junk.functions == []
    fib = ServedKernel.model_validate(client.get("/kernels/fib").json())
    assert fib.functions[0].signature.startswith("func(n: u32, algorithm: enum")
    assert [p.name for p in fib.functions[0].params] == ["n", "algorithm"]
    assert client.get("/kernels/nope").status_code == 404


def test_every_function_has_an_operation_with_its_schemas(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    listing = client.get("/kernels").json()
    expected = {f["path"] for m in listing["kernels"] for f in m["functions"] if f["unsupported"] is None}
    assert {p for p in spec["paths"] if p.count("/") >= 3} == expected
    operation = spec["paths"]["/kernels/image/blur"]["post"]
    assert operation["operationId"] == "call_image_blur"
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["rgba"]["contentEncoding"] == "base64"
    ok = operation["responses"]["200"]["content"]
    assert set(ok) == {"application/json", "application/octet-stream"}
    # Every $ref of the document resolves.
    for ref in {part.split('"')[0] for part in str(spec).replace("'", '"').split('"$ref": "')[1:]}:
        assert ref.rsplit("/", 1)[1] in spec["components"]["schemas"], ref


def test_a_call_and_its_errors(client: TestClient) -> None:
    ok = client.post("/kernels/fib/fib", json={"n": 93, "algorithm": "iterative"})
    assert ok.status_code == 200
    assert ok.json()["result"] == "12200160415121876738"
    guest = client.post("/kernels/fib/fib", json={"n": 94, "algorithm": "recursive"})
    assert guest.status_code == 400
    assert "error" in guest.json()
    invalid = client.post("/kernels/fib/fib", json={"n": "ten", "algorithm": "iterative"})
    assert invalid.status_code == 422
    assert invalid.json()["detail"][0]["loc"] == ["body", "n"]
    assert client.post("/kernels/fib/nope", json={}).status_code == 404
    assert client.post("/kernels/junk/x", json={}).status_code == 404
    assert client.get("/kernels/fib/fib").status_code == 405


def test_the_body_limit_is_the_kernels_and_stops_reading(client: TestClient) -> None:
    too_large = client.post("/kernels/fault/panic", json={"message": "x" * 200})
    assert too_large.status_code == 413
    assert too_large.json()["detail"] == (
        "the request body is over the limit of 100 bytes (set by fault.toml max_body_bytes)"
    )

    def chunks() -> Iterator[bytes]:
        yield b'{"message": "'
        yield b"x" * 200
        yield b'"}'

    streamed = client.post("/kernels/fault/panic", content=chunks())  # no Content-Length
    assert streamed.status_code == 413


def test_the_route_hands_rust_the_raw_body(client: TestClient) -> None:
    # Raw bytes reach the guest unchanged (xor with 0 is the identity) and
    # come back raw; a JSON body is read by Rust, whitespace and all.
    data = bytes(range(256)) * 3
    raw = client.post(
        "/kernels/echo/echo-bytes",
        content=data,
        headers={"content-type": "application/octet-stream", "accept": "application/octet-stream"},
    )
    assert raw.status_code == 200
    assert raw.content == data
    spaced = b'{"n": 10,   "algorithm": "iterative"}'
    assert client.post("/kernels/fib/fib", content=spaced).json()["result"] == "55"


def test_a_heavy_call_runs_off_the_event_loop(client: TestClient) -> None:
    # While `spin` runs (until its 5 s deadline), the app answers other
    # requests. (A TestClient request cannot disconnect: the real servers'
    # test of cancellation is in tests/parity/test_module_parity.py.)
    loaded = served_kernels(client)
    limits = loaded.kernels.limits("fault")
    assert limits is not None
    assert limits.placement == "measured"
    assert not loaded.kernels.runs_inline("fault", "spin")
    outcome: list[int] = []
    spin = threading.Thread(target=lambda: outcome.append(client.post("/kernels/fault/spin", json={}).status_code))
    spin.start()
    deadline = time.monotonic() + 30
    while loaded.admission.busy == 0:
        assert time.monotonic() < deadline, "the spin never took its slot"
        time.sleep(0.01)
    assert client.post("/kernels/fib/fib", json={"n": 1, "algorithm": "iterative"}).status_code == 200
    spin.join(timeout=30)
    assert outcome == [504]


def test_the_old_modules_paths_serve_the_same_answers_undocumented(client: TestClient) -> None:
    assert client.get("/modules").content == client.get("/kernels").content
    assert client.get("/modules/fib").content == client.get("/kernels/fib").content
    body = {"n": 50, "algorithm": "iterative"}
    old, new = client.post("/modules/fib/fib", json=body), client.post("/kernels/fib/fib", json=body)
    assert (old.status_code, old.json()["result"]) == (new.status_code, new.json()["result"]) == (200, "12586269025")
    assert client.get("/modules/nope").status_code == 404
    assert not [path for path in client.get("/openapi.json").json()["paths"] if path.startswith("/modules")]


def test_messages_name_the_services_settings(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(kernels_dir=tmp_path, max_body_bytes=10))) as empty:
        missing = empty.post("/kernels/fib/fib", json={})
    assert missing.status_code == 404
    assert missing.json()["detail"] == 'no kernel named "fib"; there are none (FASTWASM_KERNELS_DIR)'
    shutil.copy(COMPONENTS / "echo.wasm", tmp_path)
    with TestClient(create_app(Settings(kernels_dir=tmp_path, max_body_bytes=10))) as small:
        too_large = small.post("/kernels/echo/reverse", json={"text": "more than ten bytes"})
    assert too_large.status_code == 413
    assert too_large.json()["detail"].endswith("(set by FASTWASM_MAX_BODY_BYTES)")

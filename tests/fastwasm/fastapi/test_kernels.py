"""fastwasm.fastapi: kernels in someone else's FastAPI app. Start-up errors
name what is wrong; a route gets a typed `Kernel`; the error handlers answer
each of fastwasm's exceptions; the kernel router mounts at any prefix with
its operations in the app's OpenAPI; and nothing is global: metrics only in
the registry passed, no logging handler, two apps side by side.

No `from __future__ import annotations` here: the routes are defined inside
functions, and FastAPI must see their `Annotated` types as objects."""

import logging
import shutil
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import prometheus_client
import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry, generate_latest
from starlette.responses import Response

import fastwasm
from fastwasm.fastapi import Admission, Kernel, Kernels, KernelSetupError, Loaded, read_body
from servers import wait_for

ROOT = Path(__file__).resolve().parents[3]
COMPONENTS = Path(fastwasm.__file__).with_name("components")
FAULT = ROOT / "tests" / "components" / "fault.wasm"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("kernels")
    for name in ("echo", "image"):
        shutil.copy(COMPONENTS / f"{name}.wasm", directory)
    shutil.copy(FAULT, directory / "fault.wasm")
    (directory / "fault.toml").write_text("timeout_s = 1\n")
    (directory / "broken.wasm").write_bytes(b"\0asm\x0d\0\x01\0garbage")
    return directory


def kit_app(folder: Path, registry: CollectorRegistry | None = None, **options: Any) -> tuple[FastAPI, Kernels]:
    kernels = Kernels(folder, registry=registry, timeout_s=5, **options)
    Echo = Annotated[Kernel, kernels.depends("echo")]  # noqa: N806
    Fault = Annotated[Kernel, kernels.depends("fault")]  # noqa: N806
    app = FastAPI()

    @app.get("/double/{v}")
    async def double(v: int, echo: Echo) -> dict[str, int]:
        return {"v": 2 * await echo.acall("echo-u32", v)}

    @app.get("/div/{a}/{b}")
    async def div(a: int, b: int, echo: Echo) -> dict[str, int]:
        return {"q": await echo.acall("checked_div", a, b)}

    @app.post("/shout")
    async def shout(request: Request, echo: Echo) -> Response:
        body = await read_body(request, 64)
        return Response(await echo.acall("xor-bytes", body, 32))

    @app.get("/spin")
    async def spin(fault: Fault) -> None:
        await fault.acall("spin")

    kernels.install(app)
    app.include_router(kernels.router, prefix="/kernels")
    return app, kernels


@pytest.fixture(scope="module")
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture(scope="module")
def client(folder: Path, registry: CollectorRegistry) -> Iterator[TestClient]:
    app, _ = kit_app(folder, registry, max_concurrent=1, queue_timeout_s=0.1)
    with TestClient(app) as c:
        yield c


def test_a_route_gets_its_kernel_and_calls_it(client: TestClient) -> None:
    assert client.get("/double/21").json() == {"v": 42}
    assert client.get("/div/7/2").json() == {"q": 3}
    assert client.post("/shout", content=b"hello").content == b"HELLO"


def test_the_error_handlers_answer_each_exception(client: TestClient) -> None:
    guest = client.get("/div/1/0")
    assert guest.status_code == 400
    assert guest.json() == {"detail": "`checked-div` returned an error: 'cannot divide 1 by 0'"}
    wrong = client.get("/double/-1")
    assert wrong.status_code == 422
    assert wrong.json() == {
        "detail": [{"type": "wit_value", "loc": ["v"], "msg": "-1 does not fit in u32", "input": None}]
    }
    too_large = client.post("/shout", content=b"x" * 100)
    assert too_large.status_code == 413
    assert too_large.json() == {"detail": "the request body is over the limit of 64 bytes (set by max_body_bytes)"}
    timeout = client.get("/spin")  # fault.toml: timeout_s = 1
    assert timeout.status_code == 504
    assert "did not finish within the deadline of 1.000 s" in timeout.json()["detail"]


def test_a_heavy_call_takes_a_slot_and_overflow_is_503(client: TestClient) -> None:
    outcome: list[int] = []
    spinning = threading.Thread(target=lambda: outcome.append(client.get("/spin").status_code))
    spinning.start()
    loaded = next(v for v in client.app_state.values() if isinstance(v, Loaded))
    wait_for(lambda: loaded.admission.busy == 1, "the spin took the slot", 30)
    refused = client.get("/spin")
    spinning.join(timeout=30)
    assert outcome == [504]
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "1"
    assert "(max_concurrent)" in refused.json()["detail"]


def test_the_router_mounts_at_a_prefix_with_its_operations_in_openapi(client: TestClient) -> None:
    listing = client.get("/kernels").json()
    assert [m["name"] for m in listing["kernels"]] == ["broken", "echo", "fault", "image"]
    blur = next(f for m in listing["kernels"] if m["name"] == "image" for f in m["functions"] if f["name"] == "blur")
    assert blur["path"] == "/kernels/image/blur"
    call = client.post("/kernels/echo/echo-u32", json={"v": 5})
    assert call.json()["result"] == 5
    paths = client.get("/openapi.json").json()["paths"]
    assert "/kernels/image/blur" in paths
    assert "/kernels/echo/echo-u32" in paths
    assert not any(p.startswith("/modules") for p in paths)
    assert {"/double/{v}", "/kernels", "/kernels/{kernel}"} <= set(paths)


def test_metrics_go_to_the_registry_passed_and_nowhere_else(client: TestClient, registry: CollectorRegistry) -> None:
    client.get("/double/1")
    text = generate_latest(registry).decode()
    assert 'fastwasm_kernel_calls_total{function="echo-u32",kernel="echo",outcome="ok"}' in text
    assert "fastwasm_heavy_slots 1.0" in text
    assert "fastwasm_" not in generate_latest(prometheus_client.REGISTRY).decode()


def test_no_registry_no_metrics_and_no_logging_handler(folder: Path) -> None:
    loggers = [logging.getLogger(name) for name in ("fastwasm", "fastwasm.kernels", "")]
    before = [list(logger.handlers) for logger in loggers]
    app, _ = kit_app(folder)
    with TestClient(app) as c:
        assert c.get("/double/2").json() == {"v": 4}
    assert [list(logger.handlers) for logger in loggers] == before
    assert logging.getLogger("fastwasm.kernels").handlers == []


def test_the_users_lifespan_composes_and_can_use_the_kernels(folder: Path) -> None:
    kernels = Kernels(folder)
    seen: list[str] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        echo = kernels.loaded(app).components["echo"]
        seen.append(f"start {await echo.acall('reverse', 'olleh')}")
        yield {"database": "connected"}
        seen.append("stop")

    app = FastAPI(lifespan=lifespan)

    @app.get("/state")
    async def state(request: Request) -> dict[str, str]:
        return {"database": request.state.database}

    kernels.install(app)
    with TestClient(app) as c:
        assert c.get("/state").json() == {"database": "connected"}
    assert seen == ["start hello", "stop"]


def test_two_apps_with_two_kits_in_one_process(folder: Path) -> None:
    first_registry, second_registry = CollectorRegistry(), CollectorRegistry()
    first, _ = kit_app(folder, first_registry)
    second, _ = kit_app(folder, second_registry)
    with TestClient(first) as a, TestClient(second) as b:
        assert a.get("/double/1").json() == {"v": 2}
        assert b.get("/double/3").json() == {"v": 6}
        assert b.get("/double/3").json() == {"v": 6}
    count = 'fastwasm_kernel_calls_total{function="echo-u32",kernel="echo",outcome="ok"}'
    assert f"{count} 1.0" in generate_latest(first_registry).decode()
    assert f"{count} 2.0" in generate_latest(second_registry).decode()


def test_named_files(folder: Path) -> None:
    kernels = Kernels(files={"mirror": folder / "echo.wasm"})
    Mirror = Annotated[Kernel, kernels.depends("mirror")]  # noqa: N806
    app = FastAPI()

    @app.get("/mirror/{text}")
    async def mirror(text: str, kernel: Mirror) -> dict[str, str]:
        return {"text": await kernel.acall("reverse", text)}

    kernels.install(app)
    with TestClient(app) as c:
        assert c.get("/mirror/abc").json() == {"text": "cba"}


def start(app: FastAPI) -> None:
    with TestClient(app):
        pass


def test_a_missing_folder_stops_start_up_naming_it(tmp_path: Path) -> None:
    kernels = Kernels(tmp_path / "nowhere")
    app = FastAPI()
    kernels.install(app)
    with pytest.raises(KernelSetupError, match=r"nowhere.* does not exist"):
        start(app)
    missing_file = Kernels(files={"gone": tmp_path / "gone.wasm"})
    other = FastAPI()
    missing_file.install(other)
    with pytest.raises(KernelSetupError, match=r"gone.wasm' \('gone'\) does not exist"):
        start(other)


def test_a_kernel_a_route_asks_for_must_be_there_and_loaded(folder: Path) -> None:
    for name, message in [("nope", "'nope', which is not there"), ("broken", "'broken', which did not load")]:
        kernels = Kernels(folder)
        dependency = kernels.depends(name)
        app = FastAPI()

        @app.get("/x")
        async def x(kernel: Annotated[Kernel, dependency]) -> None:
            pass

        kernels.install(app)
        with pytest.raises(KernelSetupError, match=message):
            start(app)


def test_two_kits_at_one_prefix_stop_start_up(folder: Path) -> None:
    first, second = Kernels(folder, name="first"), Kernels(folder, name="second")
    app = FastAPI()
    for kit in (first, second):
        kit.install(app)
        app.include_router(kit.router, prefix="/kernels")
    with pytest.raises(KernelSetupError, match="'second' and 'first' are both mounted at '/kernels'"):
        start(app)
    # At two prefixes, both serve.
    one, two = Kernels(folder, name="one"), Kernels(folder, name="two")
    fine = FastAPI()
    for kit, prefix in ((one, "/one"), (two, "/two")):
        kit.install(fine)
        fine.include_router(kit.router, prefix=prefix)
    with TestClient(fine) as c:
        assert c.post("/one/echo/echo-u32", json={"v": 1}).json()["result"] == 1
        assert c.post("/two/echo/echo-u32", json={"v": 2}).json()["result"] == 2


def test_the_router_without_install_and_installing_twice_are_errors(folder: Path) -> None:
    kernels = Kernels(folder)
    app = FastAPI()
    app.include_router(kernels.router, prefix="/kernels")
    with pytest.raises(KernelSetupError, match=r"only after kernels.install\(app\)"):
        start(app)
    kernels.install(app)
    with pytest.raises(KernelSetupError, match="installed on this app already"):
        kernels.install(app)


def test_a_folder_or_files_not_both() -> None:
    with pytest.raises(TypeError, match="a folder or files="):
        Kernels()
    with pytest.raises(TypeError, match="a folder or files="):
        Kernels("x", files={"a": "a.wasm"})


def test_a_shared_admission_counts_the_apps_own_heavy_work(folder: Path) -> None:
    admission = Admission(1, 0.1, settings=("MY_SLOTS", "MY_QUEUE_S"))
    kernels = Kernels(folder, admission=admission)
    assert kernels.admission is admission
    app = FastAPI()
    Fault = Annotated[Kernel, kernels.depends("fault")]  # noqa: N806

    @app.get("/spin")
    async def spin(fault: Fault) -> None:
        await fault.acall("spin")

    @app.get("/mine")
    async def mine() -> dict[str, bool]:
        async with admission.slot():
            return {"ok": True}

    kernels.install(app)
    with TestClient(app) as c:
        spinning = threading.Thread(target=lambda: c.get("/spin"))
        spinning.start()
        wait_for(lambda: admission.busy == 1, "the spin took the slot", 30)
        refused = c.get("/mine")
        spinning.join(timeout=30)
    assert refused.status_code == 503
    assert "(MY_SLOTS)" in refused.json()["detail"]
    assert "(MY_QUEUE_S)" in refused.json()["detail"]

"""The kit's reload (`Kernels.reload`, `reload_poll_s`, `reload_signal`):
a route's kernel follows the reload, the OpenAPI document follows it, a
broken file keeps the old version serving and is counted, and a route whose
kernel a reload removed answers 503 naming it.

No `from __future__ import annotations` here: the routes are defined inside
functions, and FastAPI resolves their annotations at definition time."""

import hashlib
import shutil
import signal
from pathlib import Path
from typing import Annotated

import anyio
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry, generate_latest

import fastwasm
from fastwasm.fastapi import Kernel, Kernels, KernelSetupError
from servers import custom_section, wait_for

COMPONENTS = Path(fastwasm.__file__).with_name("components")


def version(tag: int) -> bytes:
    """echo.wasm with a custom section appended: another file that computes the same."""
    return (COMPONENTS / "echo.wasm").read_bytes() + custom_section("fastwasm-test-version", tag.to_bytes(4, "little"))


def replace(path: Path, data: bytes) -> str:
    partial = path.with_suffix(".partial")
    partial.write_bytes(data)
    partial.replace(path)
    return hashlib.sha256(data).hexdigest()


def app_of(folder: Path, registry: CollectorRegistry | None = None, **options: object) -> tuple[FastAPI, Kernels]:
    kernels = Kernels(folder, registry=registry, **options)  # type: ignore[arg-type]
    Echo = Annotated[Kernel, kernels.depends("echo")]  # noqa: N806
    app = FastAPI()

    @app.get("/reverse/{text}")
    async def reverse(text: str, echo: Echo) -> dict[str, str]:
        return {"text": await echo.acall("reverse", text)}

    kernels.install(app, prefix="/kernels")
    return app, kernels


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copy(COMPONENTS / "echo.wasm", tmp_path)
    return tmp_path


def test_a_reload_swaps_the_new_version_in_and_counts_a_broken_one(folder: Path) -> None:
    registry = CollectorRegistry()
    app, kernels = app_of(folder, registry)
    with TestClient(app) as client:
        first = client.get("/kernels/echo").json()
        components_before = kernels.loaded(app).components["echo"]
        sha = replace(folder / "echo.wasm", version(1))
        report = client.portal.call(kernels.reload, app)  # type: ignore[union-attr]
        assert (report.loaded, report.generation) == (["echo"], 1)
        listed = client.get("/kernels/echo").json()
        assert listed["sha256"] == sha != first["sha256"]
        assert listed["loaded_at"] >= first["loaded_at"]
        assert kernels.loaded(app).components["echo"] is not components_before
        assert client.get("/reverse/olleh").json() == {"text": "hello"}

        broken = replace(folder / "echo.wasm", b"\0asm\x0d\0\x01\0 not a component")
        report = client.portal.call(kernels.reload, app)  # type: ignore[union-attr]
        assert [name for name, _ in report.failed] == ["echo"]
        listed = client.get("/kernels/echo").json()
        assert listed["sha256"] == sha
        assert listed["reload_error"]["sha256"] == broken
        assert client.get("/reverse/olleh").json() == {"text": "hello"}
    text = generate_latest(registry).decode()
    assert "fastwasm_kernel_reloads_total 2.0" in text
    assert "fastwasm_kernel_reload_failures_total 1.0" in text


def test_openapi_follows_a_reload_and_a_removed_kernel_answers_503(folder: Path) -> None:
    app, kernels = app_of(folder)
    with TestClient(app) as client:
        assert "/kernels/echo/reverse" in client.get("/openapi.json").json()["paths"]
        shutil.copy(folder / "echo.wasm", folder / "mirror.wasm")
        assert client.portal.call(kernels.reload, app).loaded == ["mirror"]  # type: ignore[union-attr]
        assert "/kernels/mirror/reverse" in client.get("/openapi.json").json()["paths"]
        (folder / "echo.wasm").unlink()
        assert client.portal.call(kernels.reload, app).removed == ["echo"]  # type: ignore[union-attr]
        assert "/kernels/echo/reverse" not in client.get("/openapi.json").json()["paths"]
        answer = client.get("/reverse/olleh")
        assert answer.status_code == 503
        assert "'echo'" in answer.json()["detail"]
        assert client.post("/kernels/mirror/reverse", json={"text": "olleh"}).json()["result"] == "hello"


def test_reload_poll_s_reloads_when_a_file_changes(folder: Path) -> None:
    app, kernels = app_of(folder, reload_poll_s=0.05)
    with TestClient(app) as client:
        sha = replace(folder / "echo.wasm", version(2))
        wait_for(lambda: client.get("/kernels/echo").json()["sha256"] == sha, "the changed file served", within_s=30)
        assert kernels.loaded(app).kernels.generation >= 1


def test_a_signal_reloads_when_the_loop_can_take_it(folder: Path) -> None:
    # A test client serves from another thread, whose loop cannot take
    # signals: the kit says so and serves on; `reload` still works.
    app, kernels = app_of(folder, reload_signal=signal.SIGUSR1)
    with TestClient(app) as client:
        assert client.get("/reverse/olleh").json() == {"text": "hello"}

    async def main() -> None:
        lifespan = app.router.lifespan_context
        async with lifespan(app):
            sha = replace(folder / "echo.wasm", version(3))
            signal.raise_signal(signal.SIGUSR1)
            with anyio.fail_after(30):
                while kernels.loaded(app).kernels.show("echo").body.find(sha.encode()) < 0:
                    await anyio.sleep(0.02)

    anyio.run(main)


def test_a_bad_poll_interval_is_refused(folder: Path) -> None:
    with pytest.raises(KernelSetupError, match="reload_poll_s"):
        Kernels(folder, reload_poll_s=0)

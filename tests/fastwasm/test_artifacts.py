"""Precompiled kernels: `fastwasm compile` writes NAME.cwasm beside each
NAME.wasm; a runtime, and the kernel kit, load it when every check passes,
and otherwise compile the file and say why."""

from __future__ import annotations

import platform
import shutil
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import fastwasm
from fastwasm.cli import main
from fastwasm.fastapi import Kernels

COMPONENTS = Path(fastwasm.__file__).with_name("components")


@pytest.fixture
def kernels(tmp_path: Path) -> Path:
    for name in ("echo", "fib"):
        shutil.copy(COMPONENTS / f"{name}.wasm", tmp_path / f"{name}.wasm")
    return tmp_path


def runtime() -> fastwasm.Runtime:
    return fastwasm.Runtime(use_cache=False, pool_size=1)


def test_compile_writes_an_artifact_that_the_runtime_loads_instead_of_compiling(
    kernels: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["compile", str(kernels), "--cpu", "native"])
    printed = capsys.readouterr().out.splitlines()
    assert [line.split(" -> ")[0] for line in printed] == [str(kernels / "echo.wasm"), str(kernels / "fib.wasm")]
    assert (kernels / "echo.cwasm").is_file()
    echo = runtime().load(kernels / "echo.wasm")
    assert isinstance(echo, fastwasm.Component)
    assert (echo.load_info.cache, echo.load_info.artifact_refused) == ("precompiled", None)
    assert echo.call("reverse", "abc") == "cba"


def test_an_artifact_of_another_file_is_refused_and_the_file_compiled(kernels: Path) -> None:
    fastwasm.compile_kernel(runtime(), kernels / "fib.wasm")
    (kernels / "fib.cwasm").rename(kernels / "echo.cwasm")
    echo = runtime().load(kernels / "echo.wasm")
    assert echo.load_info.cache == "disabled"
    assert "compiled from another .wasm" in (echo.load_info.artifact_refused or "")
    assert isinstance(echo, fastwasm.Component)
    assert echo.call("nothing") == 42


def test_a_kernel_without_a_deadline_gets_an_artifact_without_one(kernels: Path) -> None:
    (kernels / "fib.toml").write_text("deadline = false\n")
    fastwasm.compile_kernel(runtime(), kernels / "fib.wasm")
    fastwasm.compile_kernel(runtime(), kernels / "echo.wasm")
    app = FastAPI()
    kit = Kernels(kernels, runtime=runtime())
    kit.install(app, prefix="/kernels")
    with TestClient(app) as client:
        listing = {k["name"]: k for k in client.get("/kernels").json()["kernels"]}
    for name in ("echo", "fib"):
        assert listing[name]["load"] == {"code": "precompiled", "artifact_refused": None}, name
    assert listing["fib"]["limits"]["deadline"] is False


def test_a_runtime_with_a_lower_baseline_refuses_an_artifact_that_assumes_more(kernels: Path) -> None:
    if platform.machine() != "x86_64":
        pytest.skip("the levels compared here are x86-64's")
    fastwasm.compile_kernel(runtime(), kernels / "echo.wasm", "x86-64-v3")
    echo = fastwasm.Runtime(use_cache=False, pool_size=1, cpu="x86-64-v2").load(kernels / "echo.wasm")
    assert echo.load_info.cache == "disabled"
    assert "x86-64-v3 with features this runtime's CPU (x86-64-v2) lacks: has_avx" in (
        echo.load_info.artifact_refused or ""
    )


def test_an_unknown_baseline_is_refused_naming_the_levels(kernels: Path) -> None:
    with pytest.raises(ValueError, match="x86-64-v3"):
        fastwasm.compile_kernel(runtime(), kernels / "echo.wasm", "pentium")
    with pytest.raises(SystemExit):
        main(["compile", str(kernels / "missing.wasm")])

"""The example components, loaded once per test module into a runtime with
a short deadline and a small memory cap."""

from __future__ import annotations

from pathlib import Path

import pytest

import fastwasm

COMPONENTS = Path(fastwasm.__file__).with_name("components")
FAULT = Path(__file__).resolve().parents[1] / "components" / "fault.wasm"


@pytest.fixture(scope="module")
def component_runtime() -> fastwasm.Runtime:
    return fastwasm.Runtime(timeout_s=2, max_memory_mb=16, use_cache=False)


def _load(runtime: fastwasm.Runtime, path: Path) -> fastwasm.Component:
    component = runtime.load(path)
    assert isinstance(component, fastwasm.Component)
    return component


@pytest.fixture(scope="module")
def echo(component_runtime: fastwasm.Runtime) -> fastwasm.Component:
    return _load(component_runtime, COMPONENTS / "echo.wasm")


@pytest.fixture(scope="module")
def fault(component_runtime: fastwasm.Runtime) -> fastwasm.Component:
    return _load(component_runtime, FAULT)


@pytest.fixture(scope="module")
def image(component_runtime: fastwasm.Runtime) -> fastwasm.Component:
    return _load(component_runtime, COMPONENTS / "image.wasm")


@pytest.fixture(scope="module")
def fib(component_runtime: fastwasm.Runtime) -> fastwasm.Component:
    return _load(component_runtime, COMPONENTS / "fib.wasm")

"""Shared fixtures: small WAT modules and runtimes with short deadlines; and
the Hypothesis profile every property-based test runs under."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

import fastwasm

# `make test` runs the same examples on every machine and every run: derandomized,
# and no example database, so nothing from an earlier run changes what is drawn.
# `make fuzz-api` picks the random profile, with many more examples, for humans.
settings.register_profile(
    "deterministic",
    derandomize=True,
    database=None,
    max_examples=60,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)
settings.register_profile(
    "random",
    derandomize=False,
    max_examples=1000,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)
settings.load_profile(os.environ.get("FASTWASM_HYPOTHESIS_PROFILE", "deterministic"))

MISBEHAVING_WAT = b"""(module
    (memory 1)
    (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
    (func (export "wide") (param i64 f32 f64) (result i64 f64)
        local.get 0 local.get 2 local.get 1 f64.promote_f32 f64.add)
    (func (export "nop"))
    (func (export "trap") (result i32) unreachable)
    (func (export "spin") (loop (br 0)))
    (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
    (func $deep (export "deep") (param i64) (result i64)
        local.get 0 i64.const 1 i64.add call $deep))"""


@pytest.fixture(params=["pooled", "per-call"])
def runtime(request: pytest.FixtureRequest) -> fastwasm.Runtime:
    return fastwasm.Runtime(timeout_s=0.3, max_memory_mb=2, isolation=request.param, use_cache=False)


@pytest.fixture
def misbehaving(runtime: fastwasm.Runtime) -> fastwasm.Module:
    return runtime.load_bytes(MISBEHAVING_WAT)

"""Shared fixtures: small WAT modules and runtimes with short deadlines."""

from __future__ import annotations

import pytest

import fastwasm

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

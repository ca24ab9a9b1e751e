"""Request and response models: what OpenAPI shows is what the endpoints send."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from fastwasm.fastapi import ErrorResponse, KernelsResponse, ServedKernel  # the kit's, shared

#: F(n) as decimal digits: no sign, no leading zeros.
Digits = Annotated[str, Field(pattern=r"^(0|[1-9][0-9]*)$")]
#: F(n) for n <= 93, the u64 range.
U64 = Annotated[int, Field(ge=0, le=2**64 - 1)]

FIBONACCI_DESCRIPTION = (
    "F(n), exact. A JSON integer while it fits in a u64 (n <= 93), as the tutorial sent it; beyond that, "
    "the same value as a decimal string, so that no standard client loses digits or refuses the body "
    "(Python's json stops at 4300 digits, JavaScript's JSON.parse is exact only below 2**53)."
)
DIGITS_DESCRIPTION = (
    "F(n) as a decimal string, for every n: the one field a client can read the same way whatever n is "
    "(F(1000000) has 208,988 digits)."
)


class Algorithm(StrEnum):
    """The same algorithm runs in every method, so comparisons are fair."""

    iterative = "iterative"
    recursive = "recursive"
    fast_doubling = "fast_doubling"


class Method(StrEnum):
    """Where F(n) is computed."""

    python = "Python"
    wasm = "WASM"
    native = "Native"


class FibonacciResponse(BaseModel):
    """One F(n), exact: `fibonacci` as the tutorial's integer while it fits in a u64, and `digits` always."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "number": 39,
                    "fibonacci": 63245986,
                    "digits": "63245986",
                    "method": "WASM",
                    "algorithm": "iterative",
                    "message": "Fibonacci of 39 is 63245986 (calculated using WASM)",
                    "execution_time": 1.2e-07,
                }
            ]
        }
    )

    number: int = Field(description="n.")
    fibonacci: U64 | Digits = Field(description=FIBONACCI_DESCRIPTION)
    digits: Digits = Field(description=DIGITS_DESCRIPTION)
    method: Method
    algorithm: Algorithm
    message: str = Field(description="A sentence; huge values shortened to first…last digits.")
    execution_time: float = Field(description="Seconds spent in the computation alone.")


class MethodResult(BaseModel):
    """One method's answer inside a comparison."""

    method: Method
    fibonacci: U64 | Digits = Field(description=FIBONACCI_DESCRIPTION)
    digits: Digits = Field(description=DIGITS_DESCRIPTION)
    execution_time: float


class CompareResponse(BaseModel):
    """Every method on the same n and algorithm: Python, WASM and native here."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "number": 30,
                    "algorithm": "recursive",
                    "results": [
                        {"method": "Python", "fibonacci": 832040, "digits": "832040", "execution_time": 0.11},
                        {"method": "WASM", "fibonacci": 832040, "digits": "832040", "execution_time": 0.0045},
                        {"method": "Native", "fibonacci": 832040, "digits": "832040", "execution_time": 0.0026},
                    ],
                    "agree": True,
                    "baseline": "Python",
                    "speedup_wasm": 24.4,
                    "speedup_native": 42.3,
                    "message": "Fibonacci of 30 is 832040; all three methods agree",
                }
            ]
        }
    )

    number: int
    algorithm: Algorithm
    results: list[MethodResult]
    agree: bool = Field(description="Whether the values are identical.")
    baseline: Method = Field(
        description="The method the speed-ups are relative to: Python here; WASM on fastwasm-server, "
        "which has no Python method."
    )
    speedup_wasm: float = Field(description="The baseline's time divided by WASM's.")
    speedup_native: float = Field(description="The baseline's time divided by native's.")
    message: str


class ExportInfo(BaseModel):
    name: str
    signature: str


class PoolInfo(BaseModel):
    """The module's instance pool and its counters."""

    size: int = Field(description="Instances alive (0 in per-call isolation).")
    busy: int = Field(description="Calls running now.")
    traps: int
    timeouts: int
    memory_limits: int
    cancelled: int = Field(description="Calls stopped because their client disconnected.")


class ModuleInfo(BaseModel):
    path: str
    size_bytes: int
    cache: Literal["hit", "miss", "disabled", "refused"] = Field(
        description="Where the compiled code came from: the disk cache (hit), compiled and cached (miss), compiled "
        "with no disk cache (disabled), or compiled in memory because the cache failed its ownership checks (refused)."
    )
    load_time_s: float
    isolation: str
    exports: list[ExportInfo]
    pool: PoolInfo


class HealthResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "ok",
                    "versions": {"fastwasm": "0.1.0", "python": "3.11.7", "wasmtime": "48.0.8"},
                    "module": {
                        "path": ".../fastwasm/guest/fibonacci_wasm.wasm",
                        "size_bytes": 74583,
                        "cache": "hit",
                        "load_time_s": 0.0004,
                        "isolation": "pooled",
                        "exports": [{"name": "calculate_fibonacci", "signature": "(i32) -> i64"}],
                        "pool": {
                            "size": 2,
                            "busy": 0,
                            "traps": 0,
                            "timeouts": 0,
                            "memory_limits": 0,
                            "cancelled": 0,
                        },
                    },
                }
            ]
        }
    )

    status: str
    versions: dict[str, str]
    module: ModuleInfo


__all__ = [
    "Algorithm",
    "CompareResponse",
    "ErrorResponse",
    "ExportInfo",
    "FibonacciResponse",
    "HealthResponse",
    "KernelsResponse",
    "Method",
    "MethodResult",
    "ModuleInfo",
    "PoolInfo",
    "ServedKernel",
]

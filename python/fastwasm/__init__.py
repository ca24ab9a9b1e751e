"""fastwasm: Rust kernels compiled to WebAssembly, called from Python fast and
safely, with deadlines and memory caps on every call.

>>> import fastwasm
>>> fastwasm.fibonacci(100, method="wasm", algorithm="fast_doubling")
354224848179261915075
"""

from fastwasm._native import (
    ABI_VERSION,
    ALGORITHMS,
    MAX_U64_N,
    WASMTIME_VERSION,
    CacheStatus,
    CallResult,
    CancelToken,
    Component,
    ComponentExport,
    Export,
    FibonacciModule,
    GuestError,
    LoadInfo,
    Module,
    ModuleError,
    PoolStats,
    Runtime,
    WasmCancelled,
    WasmError,
    WasmInstanceLimit,
    WasmLimitError,
    WasmMemoryLimit,
    WasmTimeout,
    WasmTrap,
    available_cores,
    default_fibonacci_module,
    int_to_decimal,
    is_cheap,
)
from fastwasm.methods import METHODS, fibonacci, fibonacci_digits

__all__ = [
    "ABI_VERSION",
    "ALGORITHMS",
    "MAX_U64_N",
    "METHODS",
    "WASMTIME_VERSION",
    "CacheStatus",
    "CallResult",
    "CancelToken",
    "Component",
    "ComponentExport",
    "Export",
    "FibonacciModule",
    "GuestError",
    "LoadInfo",
    "Module",
    "ModuleError",
    "PoolStats",
    "Runtime",
    "WasmCancelled",
    "WasmError",
    "WasmInstanceLimit",
    "WasmLimitError",
    "WasmMemoryLimit",
    "WasmTimeout",
    "WasmTrap",
    "available_cores",
    "default_fibonacci_module",
    "fibonacci",
    "fibonacci_digits",
    "int_to_decimal",
    "is_cheap",
]

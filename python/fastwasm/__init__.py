"""fastwasm: Rust kernels compiled to WebAssembly, called from Python fast and
safely, with deadlines and memory caps on every call.

>>> import fastwasm
>>> fastwasm.fibonacci(100, method="wasm", algorithm="fast_doubling")
354224848179261915075
"""

from fastwasm._arguments import ArgumentError, ArgumentTypeError, ArgumentValueError
from fastwasm._native import (
    ABI_VERSION,
    ALGORITHMS,
    MAX_U64_N,
    WASMTIME_VERSION,
    Answer,
    BlockingCallWarning,
    CacheStatus,
    CallResult,
    CancelToken,
    Component,
    ComponentExport,
    Export,
    FibonacciModule,
    GuestError,
    KernelLimits,
    KernelSet,
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
    fibonacci,
    fibonacci_digits,
    int_to_decimal,
    is_cheap,
)

#: Where `fibonacci` can compute F(n): in the sandbox, natively (the same Rust
#: kernels compiled into the extension), or in pure Python (`fastwasm.pure`).
METHODS = ("wasm", "native", "python")

__all__ = [
    "ABI_VERSION",
    "ALGORITHMS",
    "MAX_U64_N",
    "METHODS",
    "WASMTIME_VERSION",
    "Answer",
    "ArgumentError",
    "ArgumentTypeError",
    "ArgumentValueError",
    "BlockingCallWarning",
    "CacheStatus",
    "CallResult",
    "CancelToken",
    "Component",
    "ComponentExport",
    "Export",
    "FibonacciModule",
    "GuestError",
    "KernelLimits",
    "KernelSet",
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

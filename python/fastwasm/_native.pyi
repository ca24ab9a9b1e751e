"""Type stubs for fastwasm._native, the PyO3 binding (crates/fastwasm-py)."""

from os import PathLike
from pathlib import Path
from typing import Final, final

__all__ = [
    "ABI_VERSION",
    "ALGORITHMS",
    "MAX_U64_N",
    "WASMTIME_VERSION",
    "CancelToken",
    "Export",
    "FibonacciModule",
    "Module",
    "ModuleError",
    "Runtime",
    "WasmCancelled",
    "WasmError",
    "WasmInstanceLimit",
    "WasmLimitError",
    "WasmMemoryLimit",
    "WasmTimeout",
    "WasmTrap",
    "default_fibonacci_module",
    "fibonacci",
    "fibonacci_digits",
    "int_to_decimal",
    "native_digits",
]

MAX_U64_N: Final[int]
ABI_VERSION: Final[int]
WASMTIME_VERSION: Final[str]
ALGORITHMS: Final[tuple[str, ...]]

_Number = int | float

class WasmError(Exception):
    """Base of every error fastwasm raises about WebAssembly."""

class WasmTrap(WasmError):
    """The guest trapped; `.code` names the trap."""

    code: str
    export: str

class WasmTimeout(WasmError):
    """The call ran past its deadline (`timeout_s`)."""

    export: str
    timeout_s: float

class WasmLimitError(WasmError):
    """The call hit a resource limit (memory, instances)."""

    limit: int

class WasmMemoryLimit(WasmLimitError):
    """The guest tried to grow its linear memory past the cap (`max_memory_mb`)."""

    export: str
    requested: int

class WasmInstanceLimit(WasmLimitError):
    """Every instance slot of the runtime is in use (`max_instances`)."""

class WasmCancelled(WasmError):
    """The call was stopped by its `CancelToken`."""

    export: str

class ModuleError(WasmError):
    """The module cannot be loaded or does not fit the call."""

@final
class Export:
    @property
    def name(self) -> str: ...
    @property
    def params(self) -> tuple[str, ...]: ...
    @property
    def results(self) -> tuple[str, ...]: ...
    @property
    def signature(self) -> str: ...

@final
class CancelToken:
    """Stops WASM calls made with it, from any thread: `cancel()` makes them raise
    `WasmCancelled` within about one epoch tick."""

    def __new__(cls) -> CancelToken: ...
    def cancel(self) -> None: ...
    @property
    def cancelled(self) -> bool: ...

@final
class Module:
    @property
    def exports(self) -> list[Export]: ...
    def call(
        self, export: str, *args: _Number, cancel: CancelToken | None = None
    ) -> _Number | tuple[_Number, ...] | None: ...
    @property
    def load_info(self) -> dict[str, str | float | int]: ...
    def pool_stats(self) -> dict[str, int]: ...

@final
class FibonacciModule:
    def compute(
        self,
        n: int,
        algorithm: str = "iterative",
        *,
        release_gil: bool | None = None,
        cancel: CancelToken | None = None,
    ) -> int: ...
    def digits(self, n: int, algorithm: str = "iterative", *, cancel: CancelToken | None = None) -> str: ...
    @property
    def module(self) -> Module: ...

@final
class Runtime:
    def __new__(
        cls,
        timeout_s: float = 10.0,
        max_memory_mb: int = 64,
        isolation: str = "pooled",
        cache_dir: str | PathLike[str] | None = None,
        *,
        max_stack_kb: int = 512,
        max_module_mb: int = 16,
        pool_size: int | None = None,
        max_instances: int = 256,
        use_cache: bool = True,
        max_module_bytes: int | None = None,
    ) -> Runtime: ...
    def load(self, path: str | PathLike[str]) -> Module: ...
    def load_bytes(self, wasm: bytes) -> Module: ...
    def fibonacci_module(self, path: str | PathLike[str] | None = None) -> FibonacciModule: ...
    @property
    def timeout_s(self) -> float: ...
    @property
    def max_memory_mb(self) -> int: ...
    @property
    def isolation(self) -> str: ...
    @property
    def cache_dir(self) -> Path | None: ...

def fibonacci(
    n: int, method: str = "wasm", algorithm: str = "iterative", *, release_gil: bool | None = None
) -> int: ...
def fibonacci_digits(n: int, method: str = "wasm", algorithm: str = "iterative") -> str: ...
def native_digits(n: int, algorithm: str = "iterative") -> str: ...
def int_to_decimal(value: int) -> str: ...
def default_fibonacci_module() -> FibonacciModule: ...

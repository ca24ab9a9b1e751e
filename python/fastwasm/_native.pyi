"""Type stubs for fastwasm._native, the PyO3 binding (crates/fastwasm-py).

One file for one extension module, as stubtest checks it (`make lint`): it is
as long as the binding's public surface, in the binding's order."""

from collections.abc import Coroutine, Mapping
from os import PathLike
from pathlib import Path
from typing import Any, Final, Literal, Self, TypeAlias, final

from typing_extensions import disjoint_base

__all__ = [
    "ABI_VERSION",
    "ADMIN_RELOAD_ROUTE",
    "ALGORITHMS",
    "COMPUTE_BUCKETS",
    "MAX_U64_N",
    "WASMTIME_VERSION",
    "Answer",
    "BlockingCallWarning",
    "CacheStatus",
    "CallResult",
    "CancelToken",
    "Completions",
    "Component",
    "ComponentExport",
    "Export",
    "FibonacciModule",
    "GuestError",
    "InvalidSetting",
    "KernelLimits",
    "KernelSet",
    "LoadInfo",
    "Module",
    "ModuleError",
    "PoolStats",
    "Reload",
    "Resource",
    "ResourceError",
    "ResourceMethod",
    "ResourceType",
    "Runtime",
    "ServiceSettings",
    "WasmCancelled",
    "WasmError",
    "WasmInstanceLimit",
    "WasmLimitError",
    "WasmMemoryLimit",
    "WasmResourceLimit",
    "WasmTimeout",
    "WasmTrap",
    "available_cores",
    "check_request",
    "compare_body",
    "compile_kernel",
    "default_fibonacci_module",
    "error_detail",
    "fibonacci",
    "fibonacci_body",
    "fibonacci_digits",
    "int_to_decimal",
    "is_cheap",
    "metric_table",
    "native_digits",
    "native_fibonacci",
    "overloaded",
]

MAX_U64_N: Final[int]
ABI_VERSION: Final[int]
WASMTIME_VERSION: Final[str]
ALGORITHMS: Final[tuple[str, ...]]

_Number = int | float
_Placement = Literal["measured", "inline", "threads"]
_Arrays = Literal["list", "array"]

class BlockingCallWarning(RuntimeWarning):
    """A blocking call ran long inside a running event loop: use `acall`."""

@disjoint_base
class WasmError(Exception):
    """Base of every error fastwasm raises about WebAssembly.

    Every one carries its kind and the HTTP answer the runtime's one table
    gives it, which both servers send."""

    def __new__(
        cls,
        message: str,
        *,
        kind: str = "engine",
        http_status: int = 502,
        detail: str | None = None,
        retry_after_s: int | None = None,
    ) -> WasmError: ...
    @property
    def message(self) -> str:
        """The runtime's message: facts, naming no setting."""
    @property
    def kind(self) -> str:
        """`trap`, `timeout`, `memory_limit`, ... (the runtime's ErrorKind)."""
    @property
    def http_status(self) -> int: ...
    @property
    def detail(self) -> str:
        """The `detail` of the HTTP error body. `str(error)` is the message
        with the keyword behind a limit named (`(set by timeout_s)`)."""
    @property
    def retry_after_s(self) -> int | None:
        """Seconds for `Retry-After`, for transient kinds only."""

@final
class WasmTrap(WasmError):
    """The guest trapped; `.code` names the trap."""

    @property
    def code(self) -> str: ...
    @property
    def export(self) -> str: ...

@final
class WasmTimeout(WasmError):
    """The call ran past its deadline (`timeout_s`)."""

    @property
    def export(self) -> str: ...
    @property
    def timeout_s(self) -> float: ...

@final
class WasmCancelled(WasmError):
    """The call was stopped by its `CancelToken`."""

    @property
    def export(self) -> str: ...

@disjoint_base
class WasmLimitError(WasmError):
    """The call hit a resource limit (memory, instances)."""

    @property
    def limit(self) -> int: ...

@final
class WasmMemoryLimit(WasmLimitError):
    """The guest tried to grow its linear memory past the cap (`max_memory_mb`)."""

    @property
    def export(self) -> str: ...
    @property
    def requested(self) -> int: ...

@final
class WasmInstanceLimit(WasmLimitError):
    """Every instance slot of the runtime is in use (`max_instances`)."""

@final
class WasmResourceLimit(WasmLimitError):
    """A component already holds `max_resources` live resources: close some first."""

@final
class ResourceError(WasmError):
    """A resource object cannot be used: closed, moved into a call that took it, or its
    instance was thrown away after a trap or a timeout."""

    @property
    def resource(self) -> str: ...

@final
class ModuleError(WasmError):
    """The module cannot be loaded or does not fit the call."""

@final
class GuestError(WasmError):
    """The guest returned the `err` of a `result` at the top of a function's
    signature: `.value` holds the error value, converted. Nothing was thrown away."""

    @property
    def function(self) -> str: ...
    @property
    def value(self) -> Any: ...

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
class LoadInfo:
    """How a module was loaded."""

    @property
    def cache(self) -> str:
        """`precompiled`, `hit`, `miss`, `disabled` or `refused`."""
    @property
    def load_time_s(self) -> float: ...
    @property
    def size_bytes(self) -> int: ...
    @property
    def artifact_refused(self) -> str | None:
        """Why the precompiled artifact beside the file (`NAME.cwasm`) was refused, if it was."""

@final
class PoolStats:
    """A module's instance pool and its counters."""

    @property
    def size(self) -> int: ...
    @property
    def busy(self) -> int: ...
    @property
    def traps(self) -> int: ...
    @property
    def timeouts(self) -> int: ...
    @property
    def memory_limits(self) -> int: ...
    @property
    def cancelled(self) -> int: ...
    @property
    def preempted(self) -> int:
        """Inline calls preempted at an epoch tick and run again on a call thread."""

@final
class CacheStatus:
    """The state of a runtime's compiled-module cache."""

    @property
    def dir(self) -> Path | None: ...
    @property
    def note(self) -> str | None:
        """Why there is no disk cache, or why the last refused file was refused."""
    @property
    def refusals(self) -> int: ...

@final
class CancelToken:
    """Stops WASM calls made with it, from any thread: `cancel()` makes them raise
    `WasmCancelled` within about one epoch tick."""

    def __new__(cls) -> CancelToken: ...
    def cancel(self) -> None: ...
    @property
    def cancelled(self) -> bool: ...

@final
class Completions:
    """One event loop's finished awaited calls (internal to `acall`)."""

    def drain(self) -> None: ...

@final
class Module:
    @property
    def exports(self) -> list[Export]: ...
    def call(
        self, export: str, *args: _Number, cancel: CancelToken | None = None, timeout_s: float | None = None
    ) -> _Number | tuple[_Number, ...] | None:
        """Calls a scalar export, blocking this thread; `timeout_s` may
        tighten the module's deadline."""
    def acall(
        self, export: str, *args: _Number, timeout_s: float | None = None, inline: bool | None = None
    ) -> Coroutine[Any, Any, _Number | tuple[_Number, ...] | None]:
        """As `call`, awaited: the guest runs off the event loop (inline when
        the export is cheap: `runs_inline`); cancelling the awaiting task stops it."""
    def _start(self, export: str, args: tuple[_Number, ...], timeout_s: float | None, inline: bool | None) -> Any: ...
    def runs_inline(self, export: str) -> bool:
        """Whether `acall` runs `export` inline now, on the caller's thread."""
    @property
    def has_deadline(self) -> bool:
        """Whether calls run under a deadline, so a timeout or a cancel can stop them."""
    @property
    def load_info(self) -> LoadInfo: ...
    def pool_stats(self) -> PoolStats: ...

@final
class ComponentExport:
    """A function a component exports, with its WIT types."""

    @property
    def name(self) -> str:
        """The WIT name: `checked-div`, or `interface/function` for an exported interface's."""
    @property
    def params(self) -> tuple[tuple[str, str], ...]:
        """(name, WIT type text) pairs."""
    @property
    def result(self) -> str | None: ...
    @property
    def signature(self) -> str:
        """The WIT text: `func(a: s32, b: s32) -> result<s32, string>`."""
    @property
    def unsupported(self) -> str | None:
        """Why it cannot be called yet (futures, streams), if it cannot."""
    @property
    def fast_path(self) -> bool:
        """Whether bytes and strings cross it as one copy (docs/components.md)."""
    @property
    def resources(self) -> bool:
        """Whether it passes a resource: callable from Python, not served over HTTP."""

@final
class CallResult:
    """What one call returned, with what the guest wrote to stdout and stderr."""

    @property
    def value(self) -> Any: ...
    @property
    def stdout(self) -> bytes: ...
    @property
    def stderr(self) -> bytes: ...
    @property
    def dropped(self) -> int:
        """Bytes written past the cap, and dropped."""

@final
class Answer:
    """An HTTP answer of a kernel route, as fastwasm-server sends it."""

    @property
    def status(self) -> int: ...
    @property
    def content_type(self) -> str: ...
    @property
    def body(self) -> bytes: ...
    @property
    def retry_after_s(self) -> int | None: ...
    @property
    def execution_time_s(self) -> float | None: ...
    @property
    def challenge(self) -> str | None:
        """The `WWW-Authenticate` header of a 401."""
    @property
    def outcome(self) -> str:
        """`ok`, `guest_error`, `validation`, `not_found`, `too_large`, `unsupported_media_type`, or an error kind."""

@final
class KernelLimits:
    @property
    def timeout_s(self) -> float: ...
    @property
    def max_memory_mb(self) -> int: ...
    @property
    def max_body_bytes(self) -> int: ...
    @property
    def placement(self) -> _Placement:
        """Where `acall` runs its calls (a NAME.toml's `heavy` declares it)."""
    @property
    def deadline(self) -> bool:
        """Whether its calls run under a deadline (a NAME.toml's `deadline = false` turns it off)."""

_SettingNames: TypeAlias = Literal["library", "service"]

@final
class KernelSet:
    """Every component of a directory (or of named files), loaded, and the
    answers of the kernel routes mounted at `prefix`."""

    def __new__(
        cls,
        runtime: Runtime,
        directory: str | PathLike[str] | None = None,
        *,
        files: list[tuple[str, str | PathLike[str]]] | None = None,
        timeout_s: float,
        max_memory_mb: int,
        max_body_bytes: int,
        placement: _Placement = "measured",
        file: bool = False,
        prefix: str = "/kernels",
        setting_names: _SettingNames = "library",
        grants_root: str | PathLike[str] | None = None,
    ) -> KernelSet: ...
    @property
    def generation(self) -> int:
        """0 as loaded, one more for each reload that changed the set."""
    def reload(self) -> Reload:
        """Reads every kernel file again and swaps new versions in at once; blocks while it compiles."""
    def changed(self) -> bool:
        """Whether a kernel file or sidecar changed since the serving set was read."""
    @property
    def directory_error(self) -> str | None: ...
    @property
    def artifact_refusals(self) -> list[tuple[str, str]]:
        """Each kernel whose precompiled artifact was refused (so it was compiled), with why."""
    @property
    def grant_errors(self) -> list[str]:
        """The refused grants of the kernels' sidecars, each naming its file and key."""
    @property
    def prefix(self) -> str: ...
    @property
    def kernels(self) -> list[tuple[str, str | None]]: ...
    def component(self, name: str) -> Component | None:
        """Kernel `name`'s component; None when it is not there or did not load."""
    def limits(self, name: str) -> KernelLimits | None: ...
    def listing(self) -> Answer: ...
    def show(self, name: str) -> Answer: ...
    def too_large(self, name: str) -> Answer | None: ...
    def unanswered(self, name: str, function: str) -> Answer | None:
        """504 for a call of a kernel without a deadline that did not answer in time."""
    def metric_function(self, kernel: str, function: str) -> str:
        """The `function` label of a call's metrics: the WIT name, or `(unknown)`."""
    def call(
        self,
        kernel: str,
        function: str,
        body: bytes,
        content_type: str | None = None,
        accept: str | None = None,
        cancel: CancelToken | None = None,
    ) -> Answer: ...
    def acall(
        self,
        kernel: str,
        function: str,
        body: bytes,
        content_type: str | None = None,
        accept: str | None = None,
        *,
        inline: bool | None = None,
    ) -> Coroutine[Any, Any, Answer]:
        """As `call`, awaited: inline when cheap, else on the runtime's call threads."""
    def _start(
        self,
        kernel: str,
        function: str,
        body: bytes,
        content_type: str | None,
        accept: str | None,
        inline: bool | None,
    ) -> Any: ...
    def runs_inline(self, kernel: str, function: str) -> bool: ...
    def openapi_paths(self) -> str:
        """The OpenAPI path items of every function, under `prefix`, as JSON text."""

@final
class Reload:
    """What one reload of a `KernelSet` did, kernel by kernel."""

    @property
    def generation(self) -> int: ...
    @property
    def loaded(self) -> list[str]: ...
    @property
    def unchanged(self) -> list[str]: ...
    @property
    def removed(self) -> list[str]: ...
    @property
    def failed(self) -> list[tuple[str, str]]: ...
    @property
    def refused(self) -> str | None: ...
    @property
    def answer(self) -> Answer:
        """The admin route's answer: 200 with the report, or 409 when nothing could be reloaded."""

@final
class Component:
    """A compiled WebAssembly component, callable from any thread with typed values."""

    @property
    def exports(self) -> list[ComponentExport]: ...
    def call(
        self,
        function: str,
        /,
        *args: Any,
        cancel: CancelToken | None = None,
        timeout_s: float | None = None,
        **kwargs: Any,
    ) -> Any:
        """Calls `function`, blocking this thread: in `async def` code use `acall`."""
    def call_with_output(
        self,
        function: str,
        /,
        *args: Any,
        cancel: CancelToken | None = None,
        timeout_s: float | None = None,
        **kwargs: Any,
    ) -> CallResult: ...
    def acall(
        self, function: str, /, *args: Any, timeout_s: float | None = None, inline: bool | None = None, **kwargs: Any
    ) -> Coroutine[Any, Any, Any]:
        """As `call`, awaited: the guest runs off the event loop, on the
        runtime's call threads (or inline when the function is cheap:
        `runs_inline`); cancelling the awaiting task stops it."""
    def _start(
        self,
        function: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any] | None,
        timeout_s: float | None,
        inline: bool | None,
    ) -> Any: ...
    def runs_inline(self, function: str) -> bool:
        """Whether `acall` runs `function` inline now, on the caller's thread."""
    @property
    def has_deadline(self) -> bool:
        """Whether calls run under a deadline, so a timeout or a cancel can stop them."""
    @property
    def arrays(self) -> _Arrays:
        """How a `list<T>` of numbers comes back: `"list"` or `"array"`."""
    def with_arrays(self, arrays: _Arrays) -> Component:
        """This component, returning lists of numbers as `arrays` says; it shares the
        compiled code, the instance pool and the limits."""
    @property
    def load_info(self) -> LoadInfo: ...
    def pool_stats(self) -> PoolStats: ...
    def resource(self, name: str) -> ResourceType:
        """The exported resource `name` as a Python type: calling it runs the WIT
        constructor in a newly pinned instance."""
    @property
    def resources(self) -> list[str]:
        """Every exported resource, by full name."""

@final
class ResourceType:
    """A WIT resource: calling it runs the constructor; its static functions are attributes."""

    def __call__(self, *args: Any, **kwargs: Any) -> Resource: ...
    def beside(self, other: Resource, /, *args: Any, **kwargs: Any) -> Resource:
        """Runs the constructor in `other`'s instance, so both can go to one call."""
    def __getattr__(self, name: str) -> ResourceMethod: ...
    @property
    def name(self) -> str: ...
    @property
    def full_name(self) -> str: ...
    @property
    def methods(self) -> list[str]: ...
    @property
    def statics(self) -> list[str]: ...

@final
class Resource:
    """One resource object; `close()`, a `with` block's end or garbage collection runs
    the guest's destructor."""

    def __getattr__(self, name: str) -> ResourceMethod: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    @property
    def resource_type(self) -> ResourceType: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: object) -> None: ...

@final
class ResourceMethod:
    """A method bound to its object, or a static function of a resource type."""

    def __call__(
        self, *args: Any, cancel: CancelToken | None = None, timeout_s: float | None = None, **kwargs: Any
    ) -> Any: ...
    def acall(self, *args: Any, timeout_s: float | None = None, **kwargs: Any) -> Coroutine[Any, Any, Any]:
        """As calling it, awaited: it runs on the runtime's call threads."""
    def _start(self, args: tuple[Any, ...], kwargs: dict[str, Any] | None, timeout_s: float | None) -> Any: ...

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
    def acompute(self, n: int, algorithm: str = "iterative") -> Coroutine[Any, Any, int]:
        """As `compute`, awaited: heavy work runs on the runtime's call threads."""
    def adigits(self, n: int, algorithm: str = "iterative") -> Coroutine[Any, Any, str]:
        """As `digits`, awaited."""
    def _start(self, what: str, n: int, algorithm: str) -> Any: ...
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
        max_module_bytes: int = 16 << 20,
        pool_size: int | None = None,
        max_instances: int = 256,
        use_cache: bool = True,
        max_output_kb: int = 64,
        call_threads: int | None = None,
        call_thread_nice: int = 19,
        inline_threshold_us: int = 50,
        blocking_warning_ms: int | None = None,
        deadline: bool = True,
        max_resources: int = 1024,
        cpu: str = "native",
    ) -> Runtime: ...
    def load(
        self,
        path: str | PathLike[str],
        *,
        placement: _Placement = "measured",
        arrays: _Arrays = "list",
        deadline: bool | None = None,
        dirs: Mapping[str | PathLike[str], str] | None = None,
        env: Mapping[str, str] | None = None,
        log_output: str | None = None,
    ) -> Component | Module:
        """A `Component` for a component, a `Module` for a core module. `arrays`: how a
        `list<T>` of numbers comes back, a `list` or an array (numpy's, else `array.array`).
        `deadline=False` (default: the runtime's) runs trusted code without epoch checks:
        faster, and nothing can stop its calls. `dirs` grants a component read-only host
        directories (host path -> guest path), `env` the only variables it sees;
        `log_output` names it in a log record per line its calls write
        (logger `fastwasm.guest`: stdout at INFO, stderr at WARNING)."""
    def load_bytes(
        self,
        wasm: bytes,
        *,
        placement: _Placement = "measured",
        arrays: _Arrays = "list",
        deadline: bool | None = None,
        dirs: Mapping[str | PathLike[str], str] | None = None,
        env: Mapping[str, str] | None = None,
        log_output: str | None = None,
    ) -> Component | Module: ...
    @property
    def call_threads(self) -> int:
        """Threads that run `acall`'s calls off the event loop."""
    def fibonacci_module(self, path: str | PathLike[str] | None = None) -> FibonacciModule: ...
    @property
    def timeout_s(self) -> float: ...
    @property
    def max_memory_mb(self) -> int: ...
    @property
    def deadline(self) -> bool:
        """Whether calls run under a deadline unless `load` says otherwise."""
    @property
    def isolation(self) -> str: ...
    @property
    def cache_dir(self) -> Path | None: ...
    @property
    def cache_status(self) -> CacheStatus: ...

def fibonacci(
    n: int, method: str = "wasm", algorithm: str = "iterative", *, release_gil: bool | None = None
) -> int: ...
def fibonacci_digits(n: int, method: str = "wasm", algorithm: str = "iterative") -> str: ...
def native_fibonacci(n: int, algorithm: str = "iterative", *, release_gil: bool | None = None) -> int: ...
def native_digits(n: int, algorithm: str = "iterative") -> str: ...
def int_to_decimal(value: int) -> str: ...
def default_fibonacci_module() -> FibonacciModule: ...
def check_request(n: int, algorithm: str) -> None: ...
def is_cheap(n: int, algorithm: str) -> bool: ...
def available_cores() -> int: ...
def compile_kernel(runtime: Runtime, path: str | PathLike[str], cpu: str = "native") -> Path:
    """Compiles `NAME.wasm` ahead of time for the CPU baseline `cpu` and writes `NAME.cwasm` beside it."""

# fastwasm-http's rules for fastwasm's servers (re-exported by `fastwasm.http`).

COMPUTE_BUCKETS: Final[list[float]]
ADMIN_RELOAD_ROUTE: Final[str]

class InvalidSetting(ValueError):
    """A FASTWASM_* setting that does not parse or is out of range."""

@final
class ServiceSettings:
    """fastwasm's server settings, read by fastwasm-http from `FASTWASM_*` variables."""

    def __new__(cls, environ: dict[str, str], overrides: dict[str, str] | None = None) -> ServiceSettings: ...
    def to_json(self) -> str:
        """The settings as JSON text, as `fastwasm-server --print-settings` prints them."""
    def runtime(self) -> Runtime:
        """The runtime these settings ask for (fastwasm-server makes the same)."""
    def refusal(self, n: int, algorithm: str) -> str | None:
        """The detail of the 400 that refuses `n` for `algorithm`, or None."""
    def admin_refusal(self, authorization: str | None) -> Answer | None:
        """None when this `Authorization` header may use the admin routes, else their 401."""
    @property
    def has_admin_token(self) -> bool:
        """Whether the admin routes are mounted (`FASTWASM_ADMIN_TOKEN` is set)."""

def fibonacci_body(n: int, method_label: str, algorithm: str, digits: str, seconds: float) -> bytes: ...
def compare_body(n: int, algorithm: str, results: list[tuple[str, str, float]]) -> bytes: ...
def overloaded(slots: int, queue_timeout_s: float, slots_setting: str, timeout_setting: str) -> tuple[str, int]: ...
def error_detail(kind: str, message: str, setting_names: _SettingNames) -> str: ...
def metric_table() -> dict[str, tuple[str, str, list[str]]]: ...

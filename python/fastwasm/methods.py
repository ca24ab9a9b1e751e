"""Where F(n) can be computed: the dispatch behind `fastwasm.fibonacci`.

"wasm" runs the guest in the sandbox (the process's default runtime),
"native" the same Rust kernels compiled into the extension, and "python" the
pure-Python kernels of `fastwasm.pure`. Every method checks n and the
algorithm by the same rules (the extension's, from fib-kernels) and gives the
same exact answer.

This is the hot path of `fastwasm.fibonacci(39, "wasm")`, so it reads module
globals bound once (the default guest's `compute`) rather than looking them
up on every call.
"""

from __future__ import annotations

from collections.abc import Callable

from fastwasm import _native, pure
from fastwasm._native import int_to_decimal, native_digits, native_fibonacci

#: Where F(n) can be computed.
METHODS = ("wasm", "native", "python")

#: The default guest's `compute` and `digits`, once the first "wasm" call has
#: made the guest (its runtime is created on first use, not at import).
_compute: Callable[..., int] | None = None
_digits: Callable[[int, str], str] | None = None


def _load_default_guest() -> Callable[..., int]:
    global _compute, _digits
    guest = _native.default_fibonacci_module()
    _compute, _digits = guest.compute, guest.digits
    return _compute


def _unknown(method: str) -> ValueError:
    return ValueError(f'unknown method "{method}": expected one of "wasm", "native", "python"')


def fibonacci(n: int, method: str = "wasm", algorithm: str = "iterative", *, release_gil: bool | None = None) -> int:
    """F(n) exactly, as an int. `release_gil` (WASM and native) defaults to
    releasing it for heavy work only (recursive, or n > 93)."""
    if method == "wasm":
        compute = _compute or _load_default_guest()
        if release_gil is None:
            return compute(n, algorithm)
        return compute(n, algorithm, release_gil=release_gil)
    if method == "native":
        if release_gil is None:
            return native_fibonacci(n, algorithm)
        return native_fibonacci(n, algorithm, release_gil=release_gil)
    if method == "python":
        return pure.fibonacci(n, algorithm)
    raise _unknown(method)


def fibonacci_digits(n: int, method: str = "wasm", algorithm: str = "iterative") -> str:
    """F(n) exactly, as its decimal digits, with no digit limit."""
    if method == "wasm":
        if _digits is None:
            _load_default_guest()
        assert _digits is not None
        return _digits(n, algorithm)
    if method == "native":
        return native_digits(n, algorithm)
    if method == "python":
        # Python computes; the digits come from Rust, because CPython's own
        # int -> str refuses past 4300 digits by default.
        return int_to_decimal(pure.fibonacci(n, algorithm))
    raise _unknown(method)

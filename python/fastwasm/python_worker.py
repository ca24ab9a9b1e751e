"""What the Python method runs: a pure-Python kernel, timed, and its digits.

The service calls this inline for cheap requests and in a worker process
(`fastwasm.api.python_workers`) for heavy ones. A worker imports only this
module, the kernels and the extension's `int_to_decimal`; it never builds a
WebAssembly runtime.
"""

from __future__ import annotations

import time

from fastwasm import pure
from fastwasm._native import MAX_U64_N, int_to_decimal


def timed_digits(n: int, algorithm: str) -> tuple[str, float]:
    """F(n) by `algorithm` in pure Python: its decimal digits, and the seconds the computation alone took."""
    start = time.perf_counter()
    value = pure.fibonacci(n, algorithm)
    seconds = time.perf_counter() - start
    # Outside the timer. CPython's str() refuses past 4300 digits and is
    # quadratic, so big values go through Rust (linear int.to_bytes, then Rust).
    digits = str(value) if n <= MAX_U64_N else int_to_decimal(value)
    return digits, seconds

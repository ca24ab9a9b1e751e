"""`fastwasm.http`: HTTP rules written once, in Rust (fastwasm-http), for
every server fastwasm has: the FastAPI kit, fastwasm's own FastAPI service,
and fastwasm-server, which calls the same code natively.

- `ServiceSettings`: fastwasm's server settings, from `FASTWASM_*`
  variables (an invalid one raises `InvalidSetting`, naming it).
- `fibonacci_body`, `compare_body`: the Fibonacci routes' JSON bodies.
- `overloaded`: the 503 of a heavy call that found no slot.
- `error_detail`: the HTTP `detail` of a `WasmError`, naming the setting
  behind a limit in a library user's words or the service's.
- `metric_table`, `COMPUTE_BUCKETS`: every metric's name, kind, help text
  and labels.
- `ADMIN_RELOAD_ROUTE`: where the admin route that reloads the kernels is,
  when `FASTWASM_ADMIN_TOKEN` is set.
"""

from fastwasm._native import (
    ADMIN_RELOAD_ROUTE,
    COMPUTE_BUCKETS,
    InvalidSetting,
    ServiceSettings,
    compare_body,
    error_detail,
    fibonacci_body,
    metric_table,
    overloaded,
)

__all__ = [
    "ADMIN_RELOAD_ROUTE",
    "COMPUTE_BUCKETS",
    "InvalidSetting",
    "ServiceSettings",
    "compare_body",
    "error_detail",
    "fibonacci_body",
    "metric_table",
    "overloaded",
]

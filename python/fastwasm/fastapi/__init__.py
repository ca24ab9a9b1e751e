"""`fastwasm.fastapi`: WebAssembly kernels in your own FastAPI app
(docs/fastapi.md).

- `Kernels`: a set of kernels from a folder or named files; `depends(name)`
  gives a route a `Kernel`, `install(app)` adds the lifespan, the error
  handlers and the OpenAPI operations, `router` serves every function.
- `Kernel.acall`: a kernel call that never blocks the event loop, with
  admission control, cancel-on-disconnect and metrics.
- The parts, for your own heavy work: `Admission`, `until_disconnected`,
  `read_body`, `install_error_handlers`.
"""

from fastwasm.fastapi.admission import Admission, Overloaded
from fastwasm.fastapi.body import BodyTooLarge, read_body
from fastwasm.fastapi.disconnect import CLIENT_CLOSED_REQUEST, ClientDisconnected, until_disconnected
from fastwasm.fastapi.errors import install_error_handlers
from fastwasm.fastapi.kernels import (
    COMPUTE_BUCKETS,
    CallMetrics,
    Kernel,
    Kernels,
    KernelSetupError,
    Loaded,
    respond,
)
from fastwasm.fastapi.models import ErrorResponse, ModulesResponse, ServedModule

__all__ = [
    "CLIENT_CLOSED_REQUEST",
    "COMPUTE_BUCKETS",
    "Admission",
    "BodyTooLarge",
    "CallMetrics",
    "ClientDisconnected",
    "ErrorResponse",
    "Kernel",
    "KernelSetupError",
    "Kernels",
    "Loaded",
    "ModulesResponse",
    "Overloaded",
    "ServedModule",
    "install_error_handlers",
    "read_body",
    "respond",
    "until_disconnected",
]

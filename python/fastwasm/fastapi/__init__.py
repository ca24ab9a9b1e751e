"""`fastwasm.fastapi`: WebAssembly kernels in your own FastAPI app
(docs/fastapi.md).

- `Kernels`: a set of kernels from a folder or named files; `depends(name)`
  gives a route a `Kernel`, `install(app)` adds the lifespan, the error
  handlers and the OpenAPI operations, `router` serves every function, and
  `reload(app)` swaps in new kernel versions (also on a signal or a file
  change, if asked) without dropping a request.
- `Kernel.acall`: a kernel call that never blocks the event loop, with
  admission control, cancel-on-disconnect and metrics.
- The parts, for your own heavy work: `Admission`, `until_disconnected`,
  `waited_for` (a call that cannot be stopped),
  `read_body`, `install_error_handlers`, and the metrics of fastwasm-http's
  table (`counter`, `gauge`, `histogram`).
"""

from fastwasm.fastapi.admission import Admission, Overloaded
from fastwasm.fastapi.body import BodyTooLarge, read_body
from fastwasm.fastapi.disconnect import CLIENT_CLOSED_REQUEST, ClientDisconnected, until_disconnected
from fastwasm.fastapi.errors import install_error_handlers
from fastwasm.fastapi.kernel import Kernel, Loaded
from fastwasm.fastapi.kernels import Kernels, KernelSetupError
from fastwasm.fastapi.metrics import Bound, CallMetrics, ReloadMetrics, counter, gauge, histogram
from fastwasm.fastapi.models import ErrorResponse, KernelsResponse, ServedKernel
from fastwasm.fastapi.routes import respond
from fastwasm.fastapi.unstoppable import NotAnswered, waited_for

__all__ = [
    "CLIENT_CLOSED_REQUEST",
    "Admission",
    "BodyTooLarge",
    "Bound",
    "CallMetrics",
    "ClientDisconnected",
    "ErrorResponse",
    "Kernel",
    "KernelSetupError",
    "Kernels",
    "KernelsResponse",
    "Loaded",
    "NotAnswered",
    "Overloaded",
    "ReloadMetrics",
    "ServedKernel",
    "counter",
    "gauge",
    "histogram",
    "install_error_handlers",
    "read_body",
    "respond",
    "until_disconnected",
    "waited_for",
]

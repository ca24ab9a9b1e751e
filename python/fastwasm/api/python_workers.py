"""Worker processes for heavy pure-Python work.

Python code holds the GIL. Run in the service's threadpool, a heavy Python
computation took the GIL from the event loop, and cheap requests waited behind
it (a p99 of 250 ms for `/fibonacci-wasm/39` under a flood of recursive
`/fibonacci/30`). In worker processes it has a GIL of its own.

The pool is pebble's `ProcessPool`: unlike the standard library's, it stops a
task that is cancelled while it runs, or that runs past its timeout, by
terminating its worker process and starting a new one. So a Python
computation gets a deadline (`FASTWASM_PYTHON_TIMEOUT_S`, 504) and a client
that disconnects stops it, as a WASM call does. Workers start with the
`forkserver` method: this process has threads (the epoch ticker, the
threadpool), and forking a process with threads is unsafe.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import TimeoutError as FutureTimeout

from pebble import ProcessExpired, ProcessPool

from fastwasm import python_worker

#: Imported once by the fork server, so a new worker starts in milliseconds.
#: (A new worker also re-runs the imports of the parent's main script, which
#: is why `fastwasm.cli` imports uvicorn and FastAPI only inside functions.)
FORKSERVER_PRELOAD = ["fastwasm.python_worker"]


class PythonTimeout(Exception):
    """A Python computation ran past FASTWASM_PYTHON_TIMEOUT_S; its worker process was stopped."""

    def __init__(self, n: int, timeout_s: float) -> None:
        super().__init__(
            f"F({n}) in Python did not finish within {timeout_s:g} s (FASTWASM_PYTHON_TIMEOUT_S); "
            "its worker process was stopped"
        )


class PythonWorkerDied(Exception):
    """The worker process running a Python computation died (killed, or out of memory)."""

    def __init__(self, n: int, exit_code: int | None) -> None:
        super().__init__(f"the Python worker computing F({n}) died (exit code {exit_code}); it was replaced")


class PythonWorkers:
    """`size` worker processes; each computation has a deadline of `timeout_s`."""

    def __init__(self, size: int, timeout_s: float) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(FORKSERVER_PRELOAD)
        self.size = size
        self.timeout_s = timeout_s
        self._pool = ProcessPool(max_workers=size, context=context)
        # pebble starts its workers at the first task: start them now, at
        # start-up, so that the first request does not wait for them.
        self._pool.schedule(os.getpid)

    async def timed_digits(self, n: int, algorithm: str) -> tuple[str, float]:
        """As `python_worker.timed_digits`, in a worker process. Cancelling the
        awaiting task stops the worker process (pebble replaces it)."""
        future = self._pool.schedule(python_worker.timed_digits, args=(n, algorithm), timeout=self.timeout_s)
        try:
            # wrap_future cancels `future` when this task is cancelled.
            return await asyncio.wrap_future(future)
        except FutureTimeout:
            raise PythonTimeout(n, self.timeout_s) from None
        except ProcessExpired as error:
            raise PythonWorkerDied(n, error.exitcode) from None

    def close(self) -> None:
        """Stops the workers, running tasks included, and waits for them to exit."""
        self._pool.stop()  # type: ignore[no-untyped-call]
        self._pool.join()

//! The guard against the tutorial's mistake: a blocking call that runs long
//! on a thread with a running event loop stalls that loop. Such a call warns
//! once per function, naming `acall`, as asyncio's slow-callback warning does.
//!
//! The guard reads the runtime's epoch-tick clock before and after each
//! blocking call (a relaxed atomic load each, see
//! `fastwasm_runtime::Runtime::epoch_ticks`), and only a call that spanned
//! the threshold in whole ticks looks for a running loop; so a short call
//! pays two loads, and no clock read.

use std::ffi::CString;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use fastwasm_runtime as runtime;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

pyo3::create_exception!(
    fastwasm,
    BlockingCallWarning,
    pyo3::exceptions::PyRuntimeWarning,
    "A blocking call ran long inside a running event loop: use `acall`."
);

/// One module's or component's guard: the threshold, and which of its
/// functions have warned.
pub(crate) struct Guard {
    threshold: Duration,
    /// Whole epoch ticks a call must span to warn; `None`: off.
    ticks: Option<u64>,
    warned: Box<[AtomicBool]>,
}

impl Guard {
    /// A guard for `functions` functions, warning past `threshold` (zero:
    /// never), on `runtime`'s tick clock.
    pub(crate) fn new(runtime: &runtime::Runtime, functions: usize, threshold: Duration) -> Self {
        let tick = runtime.config().epoch_tick.as_nanos().max(1);
        // Spanning k whole ticks means the call ran at least k - 1 ticks.
        let ticks = (!threshold.is_zero())
            .then(|| u64::try_from(threshold.as_nanos().div_ceil(tick)).unwrap_or(u64::MAX) + 1);
        Self {
            threshold,
            ticks,
            warned: (0..functions).map(|_| AtomicBool::new(false)).collect(),
        }
    }

    /// The threshold it was made with.
    pub(crate) fn threshold(&self) -> Duration {
        self.threshold
    }

    /// After a blocking call of function `index()`, made when the tick clock
    /// read `started`: warns if it ran long on a thread with a running event
    /// loop, once per function.
    ///
    /// # Errors
    /// The warning, when warnings are errors.
    pub(crate) fn check(
        &self,
        py: Python<'_>,
        runtime: &runtime::Runtime,
        started: u64,
        index: impl FnOnce() -> usize,
        what: &str,
    ) -> PyResult<()> {
        let Some(ticks) = self.ticks else {
            return Ok(());
        };
        if runtime.epoch_ticks().saturating_sub(started) < ticks {
            return Ok(());
        }
        let Some(warned) = self.warned.get(index()) else {
            return Ok(());
        };
        if warned.load(Ordering::Relaxed)
            || !in_event_loop(py)?
            || warned.swap(true, Ordering::Relaxed)
        {
            return Ok(());
        }
        let message = format!(
            "{what} blocked the running event loop; in async code use `await ....acall(...)`, \
             which runs the guest off the loop (docs/fastapi.md)"
        );
        let message = CString::new(message).unwrap_or_default();
        PyErr::warn(py, &py.get_type::<BlockingCallWarning>(), &message, 1)
    }
}

/// Whether this thread runs an event loop now.
fn in_event_loop(py: Python<'_>) -> PyResult<bool> {
    static GET: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    Ok(!GET
        .import(py, "asyncio.events", "_get_running_loop")?
        .call0()?
        .is_none())
}

//! Awaitable calls (`acall`): a call runs inline or on the runtime's call
//! threads, and its result reaches the event loop without the call thread
//! ever taking the GIL.
//!
//! Each event loop gets one [`Completions`]: a queue of finished calls and an
//! eventfd the loop watches (`loop.add_reader`). A call thread pushes the
//! call's Rust result and writes the eventfd; the loop's reader callback
//! ([`Completions::drain`]) turns each result into Python objects and settles
//! its future. So the loop only ever does Python work, the call threads only
//! Rust work, and neither waits for the GIL while the other holds it.

use std::fs::File;
use std::io::{Read as _, Write as _};
use std::os::fd::{AsRawFd as _, FromRawFd as _};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use fastwasm_runtime::{self as runtime, CallOptions};
use pyo3::exceptions::PyOSError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyTuple;

use crate::runtime::CancelToken;

/// Turns a finished call's Rust result into its Python value, with the GIL.
pub(crate) type Settle = Box<dyn FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send>;

struct Done {
    future: Py<PyAny>,
    settle: Settle,
}

/// The finished calls of one event loop, and the eventfd that wakes it.
struct Queue {
    done: Mutex<Vec<Done>>,
    /// Whether a wake-up is written and not yet drained: one write per
    /// batch, however many calls finish meanwhile.
    armed: AtomicBool,
    eventfd: File,
}

impl Queue {
    fn push(&self, done: Done) {
        self.done
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(done);
        if !self.armed.swap(true, Ordering::AcqRel) {
            // An eventfd write fails only when its counter would overflow,
            // which one pending wake-up at a time never reaches.
            let _ = (&self.eventfd).write(&1u64.to_ne_bytes());
        }
    }
}

/// One event loop's finished calls (see the module docs).
#[pyclass(frozen, module = "fastwasm")]
pub(crate) struct Completions {
    queue: Arc<Queue>,
}

#[pymethods]
impl Completions {
    /// The loop's reader callback: settles every finished call's future.
    fn drain(&self, py: Python<'_>) {
        let mut counter = [0u8; 8];
        // Resets the eventfd; EAGAIN (nothing written) is fine.
        let _ = (&self.queue.eventfd).read(&mut counter);
        self.queue.armed.store(false, Ordering::Release);
        let done = std::mem::take(
            &mut *self
                .queue
                .done
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for Done { future, settle } in done {
            let future = future.bind(py);
            let settled = match settle(py) {
                Ok(value) => future.call_method1(intern!(py, "set_result"), (value,)),
                Err(error) => {
                    future.call_method1(intern!(py, "set_exception"), (error.into_value(py),))
                }
            };
            // Only a future that was settled meanwhile, or whose loop closed,
            // refuses: nobody awaits that one any more. A cancelled future
            // of a call that could not be stopped is expected.
            if let Err(error) = settled
                && !future
                    .call_method0(intern!(py, "cancelled"))
                    .is_ok_and(|c| c.is_truthy().unwrap_or(false))
            {
                error.write_unraisable(py, Some(future));
            }
        }
    }
}

/// A pending call: its future, and where its completion goes.
struct Pending {
    future: Py<PyAny>,
    queue: Arc<Queue>,
}

impl Pending {
    /// Settles the future from a call thread (no GIL): `settle` runs on the
    /// event loop.
    fn complete(self, settle: Settle) {
        let Self { future, queue } = self;
        queue.push(Done { future, settle });
    }
}

/// A new call future on the running event loop, with the token its
/// cancellation sets.
fn future<'py>(
    py: Python<'py>,
    token: &Bound<'py, CancelToken>,
    stoppable: bool,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let event_loop = running_loop(py)?;
    let future = call_future_class(py)?.call1((&event_loop, token, stoppable))?;
    Ok((event_loop, future))
}

/// `future`, to be settled from a call thread through `event_loop`'s queue.
fn pending(event_loop: &Bound<'_, PyAny>, future: Bound<'_, PyAny>) -> PyResult<Pending> {
    let queue = completions(event_loop)?;
    Ok(Pending {
        future: future.unbind(),
        queue,
    })
}

/// `fastwasm._calls.awaited(target, *args)`: the coroutine `acall` returns.
pub(crate) fn awaited<'py, A>(target: &Bound<'py, PyAny>, args: A) -> PyResult<Bound<'py, PyAny>>
where
    A: IntoPyObject<'py, Target = PyTuple, Output = Bound<'py, PyTuple>>,
{
    static AWAITED: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let py = target.py();
    let awaited = AWAITED.import(py, "fastwasm._calls", "awaited")?;
    let mut all = vec![target.clone()];
    all.extend(args.into_pyobject(py).map_err(Into::into)?.iter());
    awaited.call1(PyTuple::new(py, all)?)
}

fn call_future_class(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static CLASS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    CLASS.import(py, "fastwasm._calls", "CallFuture")
}

fn running_loop(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    static GET: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    GET.import(py, "asyncio", "get_running_loop")?.call0()
}

/// The attribute that keeps a loop's [`Completions`] on the loop itself, so
/// they live exactly as long as it.
const ATTRIBUTE: &str = "_fastwasm_completions";

/// `event_loop`'s queue, made and watched on first use.
fn completions(event_loop: &Bound<'_, PyAny>) -> PyResult<Arc<Queue>> {
    let py = event_loop.py();
    if let Ok(found) = event_loop.getattr(intern!(py, ATTRIBUTE))
        && let Ok(found) = found.cast::<Completions>()
    {
        return Ok(Arc::clone(&found.get().queue));
    }
    // SAFETY: eventfd has no preconditions; the descriptor it returns is
    // owned by the `File` below and by nothing else.
    let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
    if fd < 0 {
        return Err(PyOSError::new_err(format!(
            "cannot create an eventfd for acall: {}",
            std::io::Error::last_os_error()
        )));
    }
    // SAFETY: `fd` is a fresh descriptor this function owns.
    let eventfd = unsafe { File::from_raw_fd(fd) };
    let raw = eventfd.as_raw_fd();
    let queue = Arc::new(Queue {
        done: Mutex::new(Vec::new()),
        armed: AtomicBool::new(false),
        eventfd,
    });
    let completions = Bound::new(
        py,
        Completions {
            queue: Arc::clone(&queue),
        },
    )?;
    let drain = completions.getattr(intern!(py, "drain"))?;
    event_loop.call_method1(intern!(py, "add_reader"), (raw, drain))?;
    event_loop.setattr(intern!(py, ATTRIBUTE), completions)?;
    Ok(queue)
}

/// Runs `work` on `runtime`'s call threads (or, with no runtime, here) with
/// a fresh cancel token and `timeout`, and returns the `CallFuture` that its
/// result settles: `settle` turns the result into its Python value on the
/// event loop. Cancelling the future cancels the token, which stops the
/// guest at its next epoch tick; when the call cannot be stopped (not
/// `stoppable`: no deadline), the future is cancelled at once and the call
/// runs on to its end.
pub(crate) fn spawned<'py, T: Send + 'static>(
    py: Python<'py>,
    runtime: Option<&runtime::Runtime>,
    timeout: Option<Duration>,
    stoppable: bool,
    work: impl FnOnce(&CallOptions<'_>) -> T + Send + 'static,
    settle: impl FnOnce(Python<'_>, T) -> PyResult<Py<PyAny>> + Send + 'static,
) -> PyResult<Bound<'py, PyAny>> {
    let token = Bound::new(py, CancelToken::new())?;
    let (event_loop, future) = future(py, &token, stoppable)?;
    let pending = pending(&event_loop, future.clone())?;
    let cancel = token.get().inner.clone();
    let job = move || {
        let options = CallOptions {
            cancel: Some(&cancel),
            timeout,
        };
        let result = work(&options);
        pending.complete(Box::new(move |py| settle(py, result)));
    };
    match runtime {
        Some(runtime) => runtime
            .spawn(job)
            .map_err(|error| PyErr::from(crate::Error::Runtime(error)))?,
        None => job(),
    }
    Ok(future)
}

/// The Python value of a runtime error, for a future.
pub(crate) fn failed(error: runtime::Error) -> PyResult<Py<PyAny>> {
    Err(crate::Error::Runtime(error).into())
}

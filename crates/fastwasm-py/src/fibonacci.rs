//! Fibonacci from Python: `fastwasm.fibonacci` by method, the native
//! kernels, and `FibonacciModule`, the guest behind the facade
//! `fib_host`.

use std::path::PathBuf;
use std::time::Duration;

use fastwasm_runtime as runtime;
use fib_host::{self as fibonacci, Algorithm, FibValue, MAX_U64_N};
use num_bigint::BigUint;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyInt;

use crate::aio;
use crate::blocking::Guard;
use crate::module::Module;
use crate::runtime::{CancelToken, DEFAULT_BLOCKING_WARNING};
use crate::{Error, Result};

/// F(n) as a Python int is made from one of these, off the event loop.
enum Whole {
    Small(u64),
    Big(BigUint),
}

/// n as the u32 of the kernels and the guest ABI, with a `ValueError` that
/// names the limit; and the algorithm, checked against n.
fn request(n: &Bound<'_, PyAny>, algorithm: &str) -> Result<(u32, Algorithm)> {
    let algorithm: Algorithm = algorithm.parse()?;
    let n = match n.extract::<u32>() {
        Ok(n) => n,
        Err(_) if !n.is_instance_of::<PyInt>() => {
            let got = n.get_type().name()?;
            return Err(PyTypeError::new_err(format!("n must be an int, not {got}")).into());
        }
        Err(_) if n.lt(0)? => {
            return Err(Error::InvalidArgument(format!("n must be >= 0, got {n}")));
        }
        Err(_) => {
            let max = u32::MAX;
            let message = format!("n must be <= {max} (u32, the guest ABI's n)");
            return Err(Error::InvalidArgument(message));
        }
    };
    algorithm.check(n)?;
    Ok((n, algorithm))
}

/// Checks n and the algorithm as every method does (the Python method's
/// check, before it computes).
#[pyfunction]
pub(crate) fn check_request(n: &Bound<'_, PyAny>, algorithm: &str) -> Result<()> {
    request(n, algorithm).map(drop)
}

/// Whether F(n) is cheap enough to compute without leaving the caller's
/// thread: the one rule of `fib_kernels::Algorithm::is_cheap`.
#[pyfunction]
pub(crate) fn is_cheap(n: u32, algorithm: &str) -> Result<bool> {
    Ok(algorithm.parse::<Algorithm>()?.is_cheap(n))
}

/// Runs `work` with the GIL released when asked to.
fn maybe_detached<T: Send>(py: Python<'_>, release: bool, work: impl FnOnce() -> T + Send) -> T {
    if release { py.detach(work) } else { work() }
}

fn u64_int(py: Python<'_>, value: u64) -> Bound<'_, PyAny> {
    let Ok(int) = value.into_pyobject(py);
    int.into_any()
}

fn int_of(py: Python<'_>, value: FibValue) -> Result<Bound<'_, PyAny>> {
    Ok(match value {
        FibValue::U64(v) => u64_int(py, v),
        digits @ FibValue::Digits(_) => {
            let big = py
                .detach(|| digits.to_big())
                .expect("the facade returns decimal digits");
            big.into_pyobject(py)?.into_any()
        }
    })
}

/// F(n) natively, as an int: no sandbox, no deadline.
#[pyfunction]
#[pyo3(signature = (n, algorithm = "iterative", *, release_gil = None))]
pub(crate) fn native_fibonacci<'py>(
    py: Python<'py>,
    n: &Bound<'py, PyAny>,
    algorithm: &str,
    release_gil: Option<bool>,
) -> Result<Bound<'py, PyAny>> {
    let (n, algorithm) = request(n, algorithm)?;
    if n <= MAX_U64_N {
        let release = release_gil.unwrap_or(!algorithm.is_cheap(n));
        let value = maybe_detached(py, release, || algorithm.u64(n))?;
        return Ok(u64_int(py, value));
    }
    let big = py.detach(|| fibonacci::native_big(algorithm, n))?;
    Ok(big.into_pyobject(py)?.into_any())
}

/// F(n) by the "python" method: n and the algorithm checked here, then the
/// unchecked pure-Python kernel (`fastwasm.pure.ALGORITHMS`, looked up once)
/// called straight, with no second trip back into Rust to check.
fn python_method<'py>(
    py: Python<'py>,
    n: &Bound<'py, PyAny>,
    algorithm: &str,
) -> Result<Bound<'py, PyAny>> {
    static KERNELS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let (n, algorithm) = request(n, algorithm)?;
    let kernels = KERNELS.get_or_try_init(py, || -> PyResult<_> {
        Ok(py.import("fastwasm.pure")?.getattr("ALGORITHMS")?.unbind())
    })?;
    let kernel = kernels.bind(py).get_item(algorithm.name())?;
    Ok(kernel.call1((n,))?)
}

fn unknown_method(method: &str) -> Error {
    let expected = r#"expected one of "wasm", "native", "python""#;
    Error::InvalidArgument(format!(r#"unknown method "{method}": {expected}"#))
}

/// `fastwasm.fibonacci`: F(n) exactly, as an int, by `method`. Dispatched
/// here, not in Python: a Python frame in front is a large share of a cheap
/// call (`make bench-micro` measures the Python dispatch beside this one).
#[pyfunction(name = "fibonacci")]
#[pyo3(signature = (n, method = "wasm", algorithm = "iterative", *, release_gil = None))]
pub(crate) fn fibonacci_by_method<'py>(
    py: Python<'py>,
    n: &Bound<'py, PyAny>,
    method: &str,
    algorithm: &str,
    release_gil: Option<bool>,
) -> Result<Bound<'py, PyAny>> {
    match method {
        "wasm" => default_guest(py)?
            .get()
            .compute(py, n, algorithm, release_gil, None),
        "native" => native_fibonacci(py, n, algorithm, release_gil),
        "python" => python_method(py, n, algorithm),
        other => Err(unknown_method(other)),
    }
}

/// `fastwasm.fibonacci_digits`: F(n) exactly, as decimal digits, by `method`.
#[pyfunction(name = "fibonacci_digits")]
#[pyo3(signature = (n, method = "wasm", algorithm = "iterative"))]
pub(crate) fn digits_by_method(
    py: Python<'_>,
    n: &Bound<'_, PyAny>,
    method: &str,
    algorithm: &str,
) -> Result<String> {
    match method {
        "wasm" => default_guest(py)?.get().digits(py, n, algorithm, None),
        "native" => native_digits(py, n, algorithm),
        "python" => {
            let value = python_method(py, n, algorithm)?;
            int_to_decimal(py, value.cast().map_err(PyErr::from)?)
        }
        other => Err(unknown_method(other)),
    }
}

/// F(n) natively, as decimal digits.
#[pyfunction]
#[pyo3(signature = (n, algorithm = "iterative"))]
pub(crate) fn native_digits(
    py: Python<'_>,
    n: &Bound<'_, PyAny>,
    algorithm: &str,
) -> Result<String> {
    let (n, algorithm) = request(n, algorithm)?;
    Ok(py.detach(|| fibonacci::native(algorithm, n))?.to_digits())
}

/// The decimal digits of a non-negative int, with no digit limit.
#[pyfunction]
pub(crate) fn int_to_decimal(py: Python<'_>, value: &Bound<'_, PyInt>) -> Result<String> {
    if value.lt(0)? {
        let message = "int_to_decimal takes a non-negative int".to_owned();
        return Err(Error::InvalidArgument(message));
    }
    let value: BigUint = value.extract()?;
    Ok(py.detach(|| value.to_string()))
}

/// The Fibonacci guest, checked against the fastwasm ABI.
#[pyclass(frozen, module = "fastwasm")]
pub(crate) struct FibonacciModule {
    inner: fibonacci::FibonacciModule,
    guard: Guard,
}

/// The guard's index of `compute`, and of `digits`.
const COMPUTE: usize = 0;
const DIGITS: usize = 1;

impl FibonacciModule {
    pub(crate) fn new(inner: fibonacci::FibonacciModule, blocking_warning: Duration) -> Self {
        let guard = Guard::new(inner.module().runtime(), 2, blocking_warning);
        Self { inner, guard }
    }

    /// A heavy computation on a call thread, settled on the event loop by
    /// `to_py` (its `CallFuture`); a cheap one now (its value).
    fn start<'py, T: Send + 'static>(
        slf: &Bound<'py, Self>,
        cheap: bool,
        compute: impl FnOnce(&fibonacci::FibonacciModule, Option<&runtime::CancelToken>) -> Result<T>
        + Send
        + 'static,
        to_py: impl FnOnce(Python<'_>, T) -> PyResult<Py<PyAny>> + Send + 'static,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        if cheap {
            let value = compute(&slf.get().inner, None)?;
            return Ok(to_py(py, value)?.into_bound(py));
        }
        let guest = slf.get().inner.clone();
        let runtime = guest.module().runtime().clone();
        let stoppable = guest.module().has_deadline();
        aio::spawned(
            py,
            Some(&runtime),
            None,
            stoppable,
            move |options| compute(&guest, options.cancel),
            move |py, value| to_py(py, value.map_err(PyErr::from)?),
        )
    }
}

#[pymethods]
impl FibonacciModule {
    /// F(n) exactly, as an int.
    #[pyo3(signature = (n, algorithm = "iterative", *, release_gil = None, cancel = None))]
    fn compute<'py>(
        &self,
        py: Python<'py>,
        n: &Bound<'py, PyAny>,
        algorithm: &str,
        release_gil: Option<bool>,
        cancel: Option<&CancelToken>,
    ) -> Result<Bound<'py, PyAny>> {
        let (n, algorithm) = request(n, algorithm)?;
        let release = release_gil.unwrap_or(!algorithm.is_cheap(n));
        let runtime = self.inner.module().runtime();
        let started = runtime.epoch_ticks();
        let value = maybe_detached(py, release, || match (cancel, n <= MAX_U64_N) {
            // The hot path: a u64, straight from the guest's typed export.
            (None, true) => self.inner.u64(algorithm, n).map(FibValue::U64),
            (None, false) => self.inner.compute(algorithm, n),
            (Some(cancel), _) => self.inner.compute_cancellable(algorithm, n, &cancel.inner),
        });
        let what = "FibonacciModule.compute";
        self.guard.check(py, runtime, started, || COMPUTE, what)?;
        int_of(py, value?)
    }

    /// As `compute`, awaited: a heavy computation runs on the runtime's call
    /// threads, and cancelling the awaiting task stops it.
    #[pyo3(signature = (n, algorithm = "iterative"))]
    fn acompute<'py>(
        slf: &Bound<'py, Self>,
        n: &Bound<'py, PyAny>,
        algorithm: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        aio::awaited(slf.as_any(), ("compute", n, algorithm))
    }

    /// As `digits`, awaited (see `acompute`).
    #[pyo3(signature = (n, algorithm = "iterative"))]
    fn adigits<'py>(
        slf: &Bound<'py, Self>,
        n: &Bound<'py, PyAny>,
        algorithm: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        aio::awaited(slf.as_any(), ("digits", n, algorithm))
    }

    /// Starts `acompute` or `adigits` (they await the future it returns).
    fn _start<'py>(
        slf: &Bound<'py, Self>,
        what: &str,
        n: &Bound<'py, PyAny>,
        algorithm: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (n, algorithm) = request(n, algorithm)?;
        let cheap = algorithm.is_cheap(n);
        if what == "digits" {
            return Self::start(
                slf,
                cheap,
                move |guest, cancel| {
                    Ok(match cancel {
                        Some(cancel) => guest.decimal_cancellable(algorithm, n, cancel),
                        None => guest.decimal(algorithm, n),
                    }?)
                },
                |py, digits: String| Ok(digits.into_pyobject(py)?.into_any().unbind()),
            );
        }
        Self::start(
            slf,
            cheap,
            move |guest, cancel| {
                let value = match (cancel, n <= MAX_U64_N) {
                    (None, true) => guest.u64(algorithm, n).map(FibValue::U64),
                    (None, false) => guest.compute(algorithm, n),
                    (Some(cancel), _) => guest.compute_cancellable(algorithm, n, cancel),
                }?;
                // The digits become an int here, off the event loop.
                Ok(match value {
                    FibValue::U64(v) => Whole::Small(v),
                    digits @ FibValue::Digits(_) => {
                        Whole::Big(digits.to_big().expect("the facade returns decimal digits"))
                    }
                })
            },
            |py, whole: Whole| {
                Ok(match whole {
                    Whole::Small(v) => u64_int(py, v).unbind(),
                    Whole::Big(big) => big.into_pyobject(py)?.into_any().unbind(),
                })
            },
        )
    }

    /// F(n) exactly, as decimal digits.
    #[pyo3(signature = (n, algorithm = "iterative", *, cancel = None))]
    fn digits(
        &self,
        py: Python<'_>,
        n: &Bound<'_, PyAny>,
        algorithm: &str,
        cancel: Option<&CancelToken>,
    ) -> Result<String> {
        let (n, algorithm) = request(n, algorithm)?;
        let release = !algorithm.is_cheap(n);
        let runtime = self.inner.module().runtime();
        let started = runtime.epoch_ticks();
        let digits = maybe_detached(py, release, || match cancel {
            Some(cancel) => self.inner.decimal_cancellable(algorithm, n, &cancel.inner),
            None => self.inner.decimal(algorithm, n),
        });
        self.guard
            .check(py, runtime, started, || DIGITS, "FibonacciModule.digits")?;
        Ok(digits?)
    }

    /// The underlying module.
    #[getter]
    fn module(&self) -> Module {
        Module::new(self.inner.module().clone(), self.guard.threshold())
    }
}

/// `fastwasm/guest/fibonacci_wasm.wasm` inside the installed package.
pub(crate) fn bundled_module_path(py: Python<'_>) -> Result<PathBuf> {
    let file: PathBuf = py.import("fastwasm")?.getattr("__file__")?.extract()?;
    Ok(file.with_file_name("guest").join("fibonacci_wasm.wasm"))
}

/// The default runtime's guest, created on first use, once per process.
fn default_guest(py: Python<'_>) -> Result<&'static Py<FibonacciModule>> {
    static DEFAULT: PyOnceLock<Py<FibonacciModule>> = PyOnceLock::new();
    DEFAULT.get_or_try_init(py, || -> Result<_> {
        let path = bundled_module_path(py)?;
        let load = || -> Result<_> {
            let runtime = runtime::Runtime::new()?;
            Ok(fibonacci::FibonacciModule::new(runtime.load_module(path)?)?)
        };
        let inner = py.detach(load)?;
        Ok(Py::new(
            py,
            FibonacciModule::new(inner, DEFAULT_BLOCKING_WARNING),
        )?)
    })
}

/// The default runtime's guest (see [`default_guest`]).
#[pyfunction]
pub(crate) fn default_fibonacci_module(py: Python<'_>) -> Result<Py<FibonacciModule>> {
    Ok(default_guest(py)?.clone_ref(py))
}

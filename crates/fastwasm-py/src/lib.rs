//! `fastwasm._native`: the thin `PyO3` binding over [`fastwasm_runtime`] and
//! [`fastwasm_fibonacci`]. All logic lives in those crates; this one converts
//! arguments, releases the GIL around long calls, and maps errors to Python
//! exceptions in exactly one place ([`raise`]).

mod component;
mod convert;
mod exceptions;
mod modules;

use std::path::PathBuf;
use std::time::Duration;

use fastwasm_fibonacci::{self as fibonacci, Algorithm, FibValue, MAX_U64_N};
use fastwasm_runtime::{self as runtime, Value, ValueType};
use num_bigint::BigUint;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyInt, PyTuple};

use crate::exceptions::raise;

/// Everything this binding can fail with; a Python exception in one place.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error(transparent)]
    Runtime(#[from] runtime::Error),
    #[error(transparent)]
    Fib(#[from] fibonacci::FibError),
    #[error("{0}")]
    InvalidArgument(String),
    #[error("{0}")]
    Python(#[from] PyErr),
}

impl From<fibonacci::Error> for Error {
    fn from(error: fibonacci::Error) -> Self {
        match error {
            fibonacci::Error::Runtime(e) => Self::Runtime(e),
            fibonacci::Error::Fib(e) => Self::Fib(e),
        }
    }
}

impl From<Error> for PyErr {
    fn from(error: Error) -> Self {
        match error {
            Error::Runtime(e) => Python::attach(|py| raise(py, e)),
            Error::Fib(e) => PyValueError::new_err(e.to_string()),
            Error::InvalidArgument(message) => PyValueError::new_err(message),
            Error::Python(e) => e,
        }
    }
}

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

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
fn check_request(n: &Bound<'_, PyAny>, algorithm: &str) -> Result<()> {
    request(n, algorithm).map(drop)
}

/// Whether F(n) is cheap enough to compute without leaving the caller's
/// thread: the one rule of `fib_kernels::Algorithm::is_cheap`.
#[pyfunction]
fn is_cheap(n: u32, algorithm: &str) -> Result<bool> {
    Ok(algorithm.parse::<Algorithm>()?.is_cheap(n))
}

/// The CPUs this process may use, the rule of every CPU-dependent default.
#[pyfunction]
fn available_cores() -> usize {
    runtime::available_cores()
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
fn native_fibonacci<'py>(
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

/// `fastwasm.pure.fibonacci`, the "python" method's kernel, looked up once.
fn python_kernel(py: Python<'_>) -> Result<&Bound<'_, PyAny>> {
    static KERNEL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let kernel = KERNEL.get_or_try_init(py, || -> PyResult<_> {
        Ok(py.import("fastwasm.pure")?.getattr("fibonacci")?.unbind())
    })?;
    Ok(kernel.bind(py))
}

fn unknown_method(method: &str) -> Error {
    let expected = r#"expected one of "wasm", "native", "python""#;
    Error::InvalidArgument(format!(r#"unknown method "{method}": {expected}"#))
}

/// `fastwasm.fibonacci`: F(n) exactly, as an int, by `method`. Dispatched
/// here, not in Python: a Python frame in front cost 40% of fib(39).
#[pyfunction(name = "fibonacci")]
#[pyo3(signature = (n, method = "wasm", algorithm = "iterative", *, release_gil = None))]
fn fibonacci_by_method<'py>(
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
        "python" => Ok(python_kernel(py)?.call1((n, algorithm))?),
        other => Err(unknown_method(other)),
    }
}

/// `fastwasm.fibonacci_digits`: F(n) exactly, as decimal digits, by `method`.
#[pyfunction(name = "fibonacci_digits")]
#[pyo3(signature = (n, method = "wasm", algorithm = "iterative"))]
fn digits_by_method(
    py: Python<'_>,
    n: &Bound<'_, PyAny>,
    method: &str,
    algorithm: &str,
) -> Result<String> {
    match method {
        "wasm" => default_guest(py)?.get().digits(py, n, algorithm, None),
        "native" => native_digits(py, n, algorithm),
        "python" => {
            let value = python_kernel(py)?.call1((n, algorithm))?;
            int_to_decimal(py, value.cast().map_err(PyErr::from)?)
        }
        other => Err(unknown_method(other)),
    }
}

/// F(n) natively, as decimal digits.
#[pyfunction]
#[pyo3(signature = (n, algorithm = "iterative"))]
fn native_digits(py: Python<'_>, n: &Bound<'_, PyAny>, algorithm: &str) -> Result<String> {
    let (n, algorithm) = request(n, algorithm)?;
    Ok(py.detach(|| fibonacci::native(algorithm, n))?.to_digits())
}

/// The decimal digits of a non-negative int, with no digit limit.
#[pyfunction]
fn int_to_decimal(py: Python<'_>, value: &Bound<'_, PyInt>) -> Result<String> {
    if value.lt(0)? {
        let message = "int_to_decimal takes a non-negative int".to_owned();
        return Err(Error::InvalidArgument(message));
    }
    let value: BigUint = value.extract()?;
    Ok(py.detach(|| value.to_string()))
}

fn loaded(py: Python<'_>, loaded: runtime::Loaded) -> Result<Py<PyAny>> {
    Ok(match loaded {
        runtime::Loaded::Module(inner) => Py::new(py, Module { inner })?.into_any(),
        runtime::Loaded::Component(inner) => {
            Py::new(py, component::Component { inner })?.into_any()
        }
    })
}

/// A WebAssembly engine with its limits. See `fastwasm.Runtime`.
#[pyclass(frozen, module = "fastwasm")]
pub(crate) struct Runtime {
    pub(crate) inner: runtime::Runtime,
    cache_dir: Option<PathBuf>,
}

#[pymethods]
impl Runtime {
    #[new]
    #[pyo3(signature = (
        timeout_s = 10.0, max_memory_mb = 64, isolation = "pooled", cache_dir = None,
        *, max_stack_kb = 512, max_module_mb = 16, pool_size = None, max_instances = 256, use_cache = true,
        max_module_bytes = None, max_output_kb = 64,
    ))]
    #[allow(clippy::too_many_arguments, clippy::fn_params_excessive_bools)]
    fn new(
        py: Python<'_>,
        timeout_s: f64,
        max_memory_mb: usize,
        isolation: &str,
        cache_dir: Option<PathBuf>,
        max_stack_kb: usize,
        max_module_mb: usize,
        pool_size: Option<usize>,
        max_instances: u32,
        use_cache: bool,
        max_module_bytes: Option<usize>,
        max_output_kb: usize,
    ) -> Result<Self> {
        let mut config = runtime::RuntimeConfig::default();
        config.timeout = Duration::try_from_secs_f64(timeout_s).map_err(|_| {
            let message =
                format!("timeout_s must be a positive number of seconds, got {timeout_s}");
            Error::InvalidArgument(message)
        })?;
        config.max_memory_bytes = max_memory_mb.saturating_mul(1 << 20);
        config.max_stack_bytes = max_stack_kb.saturating_mul(1 << 10);
        // Exact bytes, when given, win over the MiB setting.
        config.max_module_bytes =
            max_module_bytes.unwrap_or_else(|| max_module_mb.saturating_mul(1 << 20));
        config.isolation = isolation.parse()?;
        config.pool_size = pool_size;
        config.max_instances = max_instances;
        config.max_output_bytes = max_output_kb.saturating_mul(1 << 10);
        config.cache_dir = match (&cache_dir, use_cache) {
            (_, false) => runtime::CacheDir::Disabled,
            (Some(dir), true) => runtime::CacheDir::Path(dir.clone()),
            (None, true) => runtime::CacheDir::Default,
        };
        let inner = py.detach(|| runtime::Runtime::with_config(config))?;
        Ok(Self { inner, cache_dir })
    }

    /// Loads (compiling once, or from the disk cache) a file: a `Component`
    /// for a component, a `Module` for a core module.
    fn load(&self, py: Python<'_>, path: PathBuf) -> Result<Py<PyAny>> {
        loaded(py, py.detach(|| self.inner.load(path))?)
    }

    /// As `load`, from bytes (binary or WAT text).
    fn load_bytes(&self, py: Python<'_>, wasm: &[u8]) -> Result<Py<PyAny>> {
        loaded(py, py.detach(|| self.inner.load_bytes(wasm))?)
    }

    /// The Fibonacci guest: the bundled module unless a path is given.
    #[pyo3(signature = (path = None))]
    fn fibonacci_module(&self, py: Python<'_>, path: Option<PathBuf>) -> Result<FibonacciModule> {
        let path = path.map_or_else(|| bundled_module_path(py), Ok)?;
        let load = || fibonacci::FibonacciModule::new(self.inner.load_module(path)?);
        Ok(FibonacciModule {
            inner: py.detach(load)?,
        })
    }

    #[getter]
    fn timeout_s(&self) -> f64 {
        self.inner.config().timeout.as_secs_f64()
    }

    #[getter]
    fn max_memory_mb(&self) -> usize {
        self.inner.config().max_memory_bytes >> 20
    }

    #[getter]
    fn isolation(&self) -> &'static str {
        self.inner.config().isolation.name()
    }

    #[getter]
    fn cache_dir(&self) -> Option<PathBuf> {
        self.cache_dir.clone()
    }

    /// The disk cache: the directory in use, why not, and refusals so far.
    #[getter]
    fn cache_status(&self) -> CacheStatus {
        let status = self.inner.cache_status();
        CacheStatus {
            dir: status.dir,
            note: status.note,
            refusals: status.refusals,
        }
    }

    fn __repr__(&self) -> String {
        let (timeout, memory, isolation) =
            (self.timeout_s(), self.max_memory_mb(), self.isolation());
        format!("Runtime(timeout_s={timeout}, max_memory_mb={memory}, isolation={isolation:?})")
    }
}

/// The state of a runtime's compiled-module cache.
#[pyclass(frozen, module = "fastwasm", get_all)]
struct CacheStatus {
    dir: Option<PathBuf>,
    note: Option<String>,
    refusals: u64,
}

/// A function export and its type.
#[pyclass(frozen, module = "fastwasm", get_all)]
struct Export {
    name: String,
    params: Py<PyTuple>,
    results: Py<PyTuple>,
    signature: String,
}

#[pymethods]
impl Export {
    fn __repr__(&self) -> String {
        format!("<Export {}{}>", self.name, self.signature)
    }
}

/// How a module was loaded. Also readable as a mapping (`info["cache"]`), as
/// the dict it replaces was.
#[pyclass(frozen, module = "fastwasm", get_all, mapping)]
pub(crate) struct LoadInfo {
    cache: &'static str,
    load_time_s: f64,
    size_bytes: usize,
}

/// A module's instance pool and its counters. Also readable as a mapping.
#[pyclass(frozen, module = "fastwasm", get_all, mapping)]
pub(crate) struct PoolStats {
    size: usize,
    busy: usize,
    traps: u64,
    timeouts: u64,
    memory_limits: u64,
    cancelled: u64,
}

/// `info["cache"]` reads `info.cache`: source compatibility with the dicts
/// these classes replace.
macro_rules! readable_as_mapping {
    ($($class:ty),*) => {$(
        #[pymethods]
        impl $class {
            fn __getitem__<'py>(this: &Bound<'py, Self>, key: &str) -> PyResult<Bound<'py, PyAny>> {
                this.getattr(key).map_err(|_| pyo3::exceptions::PyKeyError::new_err(key.to_owned()))
            }
        }
    )*};
}
readable_as_mapping!(LoadInfo, PoolStats);

pub(crate) fn load_info(info: runtime::LoadInfo) -> LoadInfo {
    LoadInfo {
        cache: info.cache.name(),
        load_time_s: info.load_time.as_secs_f64(),
        size_bytes: info.size_bytes,
    }
}

pub(crate) fn pool_stats(s: runtime::PoolStats) -> PoolStats {
    PoolStats {
        size: s.size,
        busy: s.busy,
        traps: s.traps,
        timeouts: s.timeouts,
        memory_limits: s.memory_limits,
        cancelled: s.cancelled,
    }
}

/// A compiled module, callable from any thread.
#[pyclass(frozen, module = "fastwasm")]
struct Module {
    inner: runtime::Module,
}

/// Argument `position` as the scalar `ty` takes: an int that fits its bits, or
/// a float for a float type (the runtime's rules, `Value::from_int`).
fn to_value(arg: &Bound<'_, PyAny>, ty: ValueType, position: usize) -> Result<Value> {
    if arg.is_instance_of::<PyInt>() {
        // i64 first: the fast extraction; i128 only for what lies past it (u64).
        let int = arg
            .extract::<i64>()
            .map(i128::from)
            .or_else(|_| arg.extract::<i128>());
        return int
            .ok()
            .and_then(|v| Value::from_int(ty, v))
            .ok_or_else(|| {
                let bits = if matches!(ty, ValueType::I32 | ValueType::F32) {
                    32
                } else {
                    64
                };
                let message = format!(
                    "argument {position} does not fit in {bits} bits (signed or unsigned): {arg}"
                );
                Error::InvalidArgument(message)
            });
    }
    let value = arg
        .extract::<f64>()
        .ok()
        .and_then(|v| Value::from_float(ty, v));
    value.ok_or_else(|| {
        let got = arg
            .get_type()
            .name()
            .map_or_else(|_| "?".into(), |n| n.to_string());
        let message = format!("argument {position} must be a number for {ty}, not {got}");
        PyTypeError::new_err(message).into()
    })
}

fn value_to_py(py: Python<'_>, value: Value) -> PyResult<Bound<'_, PyAny>> {
    Ok(match value {
        Value::I32(v) => v.into_pyobject(py)?.into_any(),
        Value::I64(v) => v.into_pyobject(py)?.into_any(),
        Value::F32(v) => f64::from(v).into_pyobject(py)?.into_any(),
        Value::F64(v) => v.into_pyobject(py)?.into_any(),
    })
}

#[pymethods]
impl Module {
    /// Every function export with its signature.
    #[getter]
    fn exports(&self, py: Python<'_>) -> PyResult<Vec<Export>> {
        let names = |types: &[ValueType]| PyTuple::new(py, types.iter().map(|t| t.name()));
        let export = |e: &runtime::Export| {
            let (params, results, signature) = match &e.signature {
                Some(s) => (names(&s.params)?, names(&s.results)?, s.to_string()),
                None => (
                    PyTuple::empty(py),
                    PyTuple::empty(py),
                    "(non-scalar)".into(),
                ),
            };
            let (params, results) = (params.unbind(), results.unbind());
            Ok(Export {
                name: e.name.clone(),
                params,
                results,
                signature,
            })
        };
        self.inner.exports().iter().map(export).collect()
    }

    /// Calls a scalar export. Returns None, one number, or a tuple.
    #[pyo3(signature = (export, *args, cancel = None))]
    fn call<'py>(
        &self,
        py: Python<'py>,
        export: &str,
        args: &Bound<'py, PyTuple>,
        cancel: Option<&CancelToken>,
    ) -> Result<Bound<'py, PyAny>> {
        let signature = self.inner.signature(export)?;
        let (want, got) = (signature.params.len(), args.len());
        if want != got {
            let message = format!("{export}{signature} takes {want} arguments, got {got}");
            return Err(PyTypeError::new_err(message).into());
        }
        let values = args
            .iter()
            .zip(&signature.params)
            .enumerate()
            .map(|(i, (arg, &ty))| to_value(&arg, ty, i))
            .collect::<Result<Vec<_>>>()?;
        let results = py.detach(|| match cancel {
            Some(cancel) => self.inner.call_cancellable(export, &values, &cancel.inner),
            None => self.inner.call(export, &values),
        })?;
        Ok(match results.as_slice() {
            [] => py.None().into_bound(py),
            [one] => value_to_py(py, *one)?,
            many => PyTuple::new(
                py,
                many.iter()
                    .map(|v| value_to_py(py, *v))
                    .collect::<PyResult<Vec<_>>>()?,
            )?
            .into_any(),
        })
    }

    /// How the module was loaded.
    #[getter]
    fn load_info(&self) -> LoadInfo {
        load_info(self.inner.load_info())
    }

    /// The instance pool and its counters.
    fn pool_stats(&self) -> PoolStats {
        pool_stats(self.inner.pool_stats())
    }
}

/// Stops WASM calls made with it, from any thread: `cancel()` makes them raise
/// `WasmCancelled` within about one epoch tick.
#[pyclass(frozen, module = "fastwasm")]
pub(crate) struct CancelToken {
    pub(crate) inner: runtime::CancelToken,
}

#[pymethods]
impl CancelToken {
    #[new]
    fn new() -> Self {
        Self {
            inner: runtime::CancelToken::new(),
        }
    }

    /// Cancels every call made with this token, now and later.
    fn cancel(&self) {
        self.inner.cancel();
    }

    /// Whether `cancel()` was called.
    #[getter]
    fn cancelled(&self) -> bool {
        self.inner.is_cancelled()
    }

    fn __repr__(&self) -> String {
        format!("CancelToken(cancelled={})", self.inner.is_cancelled())
    }
}

/// The Fibonacci guest, checked against the fastwasm ABI.
#[pyclass(frozen, module = "fastwasm")]
struct FibonacciModule {
    inner: fibonacci::FibonacciModule,
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
        let value = maybe_detached(py, release, || match (cancel, n <= MAX_U64_N) {
            // The hot path: a u64, straight from the guest's typed export.
            (None, true) => self.inner.u64(algorithm, n).map(FibValue::U64),
            (None, false) => self.inner.compute(algorithm, n),
            (Some(cancel), _) => self.inner.compute_cancellable(algorithm, n, &cancel.inner),
        })?;
        int_of(py, value)
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
        Ok(maybe_detached(py, release, || match cancel {
            Some(cancel) => self.inner.decimal_cancellable(algorithm, n, &cancel.inner),
            None => self.inner.decimal(algorithm, n),
        })?)
    }

    /// The underlying module.
    #[getter]
    fn module(&self) -> Module {
        Module {
            inner: self.inner.module().clone(),
        }
    }
}

/// `fastwasm/modules/fibonacci_wasm.wasm` inside the installed package.
fn bundled_module_path(py: Python<'_>) -> Result<PathBuf> {
    let file: PathBuf = py.import("fastwasm")?.getattr("__file__")?.extract()?;
    Ok(file.with_file_name("modules").join("fibonacci_wasm.wasm"))
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
        Ok(Py::new(py, FibonacciModule { inner })?)
    })
}

/// The default runtime's guest (see [`default_guest`]).
#[pyfunction]
fn default_fibonacci_module(py: Python<'_>) -> Result<Py<FibonacciModule>> {
    Ok(default_guest(py)?.clone_ref(py))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    exceptions::register(m)?;
    m.add("MAX_U64_N", MAX_U64_N)?;
    m.add("ABI_VERSION", fibonacci::ABI_VERSION)?;
    m.add("WASMTIME_VERSION", runtime::WASMTIME_VERSION)?;
    m.add(
        "ALGORITHMS",
        PyTuple::new(m.py(), Algorithm::ALL.map(Algorithm::name))?,
    )?;
    m.add_class::<Runtime>()?;
    m.add_class::<Module>()?;
    m.add_class::<Export>()?;
    m.add_class::<LoadInfo>()?;
    m.add_class::<PoolStats>()?;
    m.add_class::<CacheStatus>()?;
    m.add_class::<FibonacciModule>()?;
    m.add_class::<CancelToken>()?;
    m.add_class::<component::Component>()?;
    m.add_class::<component::ComponentExport>()?;
    m.add_class::<component::CallResult>()?;
    m.add_class::<modules::ModuleSet>()?;
    m.add_class::<modules::Answer>()?;
    m.add_class::<modules::ModuleLimits>()?;
    m.add_function(wrap_pyfunction!(fibonacci_by_method, m)?)?;
    m.add_function(wrap_pyfunction!(digits_by_method, m)?)?;
    m.add_function(wrap_pyfunction!(native_fibonacci, m)?)?;
    m.add_function(wrap_pyfunction!(native_digits, m)?)?;
    m.add_function(wrap_pyfunction!(int_to_decimal, m)?)?;
    m.add_function(wrap_pyfunction!(default_fibonacci_module, m)?)?;
    m.add_function(wrap_pyfunction!(check_request, m)?)?;
    m.add_function(wrap_pyfunction!(is_cheap, m)?)?;
    m.add_function(wrap_pyfunction!(available_cores, m)?)?;
    Ok(())
}

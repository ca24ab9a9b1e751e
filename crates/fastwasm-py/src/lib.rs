//! `fastwasm._native`: the thin `PyO3` binding over [`fastwasm_runtime`] and
//! [`fib_kernels`]. All logic lives in those crates; this one converts
//! arguments, releases the GIL around long calls, and maps errors to Python
//! exceptions in exactly one place ([`Error`]'s `From` impl).

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use fastwasm_runtime::{
    self as runtime, Algorithm, FibError, FibValue, MAX_U64_N, Value, ValueType,
};
use num_bigint::BigUint;
use pyo3::exceptions::{PyException, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyInt, PyTuple};

pyo3::create_exception!(
    fastwasm,
    WasmError,
    PyException,
    "Base of every error fastwasm raises about WebAssembly."
);
pyo3::create_exception!(
    fastwasm,
    WasmTrap,
    WasmError,
    "The guest trapped; `.code` names the trap."
);
pyo3::create_exception!(
    fastwasm,
    WasmTimeout,
    WasmError,
    "The call ran past its deadline (`timeout_s`)."
);
pyo3::create_exception!(
    fastwasm,
    WasmCancelled,
    WasmError,
    "The call was stopped by its `CancelToken`."
);
pyo3::create_exception!(
    fastwasm,
    WasmLimitError,
    WasmError,
    "The call hit a resource limit (memory, instances)."
);
pyo3::create_exception!(
    fastwasm,
    WasmMemoryLimit,
    WasmLimitError,
    "The guest tried to grow its linear memory past the cap (`max_memory_mb`)."
);
pyo3::create_exception!(
    fastwasm,
    WasmInstanceLimit,
    WasmLimitError,
    "Every instance slot of the runtime is in use (`max_instances`)."
);
pyo3::create_exception!(
    fastwasm,
    ModuleError,
    WasmError,
    "The module cannot be loaded or does not fit the call."
);

/// Everything this binding can fail with, converted to a Python exception in
/// one place.
#[derive(Debug, thiserror::Error)]
enum Error {
    #[error(transparent)]
    Runtime(#[from] runtime::Error),
    #[error("{0}")]
    InvalidArgument(String),
    #[error("{0}")]
    Python(#[from] PyErr),
}

impl From<FibError> for Error {
    fn from(error: FibError) -> Self {
        Self::Runtime(error.into())
    }
}

impl From<Error> for PyErr {
    fn from(error: Error) -> Self {
        use runtime::Error as E;
        let message = error.to_string();
        let runtime_error = match error {
            Error::Python(err) => return err,
            Error::InvalidArgument(_) => return PyValueError::new_err(message),
            Error::Runtime(e) => e,
        };
        let (err, attributes): (PyErr, Vec<(&str, AttrValue)>) = match runtime_error {
            E::Trap { export, code, .. } => (
                WasmTrap::new_err(message),
                vec![("code", code.into()), ("export", export.into())],
            ),
            E::Timeout { export, timeout } => (
                WasmTimeout::new_err(message),
                vec![
                    ("export", export.into()),
                    ("timeout_s", timeout.as_secs_f64().into()),
                ],
            ),
            E::Cancelled { export } => (
                WasmCancelled::new_err(message),
                vec![("export", export.into())],
            ),
            E::MemoryLimit {
                export,
                limit,
                requested,
            } => (
                WasmMemoryLimit::new_err(message),
                vec![
                    ("export", export.into()),
                    ("limit", limit.into()),
                    ("requested", requested.into()),
                ],
            ),
            E::InstanceLimit { limit } => (
                WasmInstanceLimit::new_err(message),
                vec![("limit", (limit as usize).into())],
            ),
            E::ModuleNotFound { .. }
            | E::InvalidModule { .. }
            | E::MissingExport { .. }
            | E::WrongSignature { .. } => (ModuleError::new_err(message), vec![]),
            E::InvalidConfig { .. } | E::Fib(_) => (PyValueError::new_err(message), vec![]),
            _ => (WasmError::new_err(message), vec![]),
        };
        Python::attach(|py| {
            let value = err.value(py);
            for (name, attribute) in attributes {
                let set = match attribute {
                    AttrValue::Str(s) => value.setattr(name, s),
                    AttrValue::Usize(n) => value.setattr(name, n),
                    AttrValue::Float(f) => value.setattr(name, f),
                };
                if let Err(e) = set {
                    return e;
                }
            }
            err
        })
    }
}

enum AttrValue {
    Str(String),
    Usize(usize),
    Float(f64),
}

impl From<String> for AttrValue {
    fn from(s: String) -> Self {
        Self::Str(s)
    }
}
impl From<&'static str> for AttrValue {
    fn from(s: &'static str) -> Self {
        Self::Str(s.to_owned())
    }
}
impl From<usize> for AttrValue {
    fn from(n: usize) -> Self {
        Self::Usize(n)
    }
}
impl From<f64> for AttrValue {
    fn from(f: f64) -> Self {
        Self::Float(f)
    }
}

type Result<T, E = Error> = std::result::Result<T, E>;

/// Where the work runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Wasm,
    Native,
    Python,
}

impl FromStr for Method {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "wasm" => Ok(Self::Wasm),
            "native" => Ok(Self::Native),
            "python" => Ok(Self::Python),
            _ => Err(Error::InvalidArgument(format!(
                "unknown method {s:?}: expected one of \"wasm\", \"native\", \"python\""
            ))),
        }
    }
}

/// n as the u32 the kernels and the guest ABI take, with a `ValueError` that
/// names the limit.
fn n_of(n: &Bound<'_, PyAny>) -> Result<u32> {
    if let Ok(n) = n.extract::<u32>() {
        return Ok(n);
    }
    if !n.is_instance_of::<PyInt>() {
        return Err(PyTypeError::new_err(format!(
            "n must be an int, not {}",
            n.get_type().name()?
        ))
        .into());
    }
    if n.lt(0)? {
        return Err(Error::InvalidArgument(format!("n must be >= 0, got {n}")));
    }
    Err(Error::InvalidArgument(format!(
        "n must be <= {} (u32, the guest ABI's n)",
        u32::MAX
    )))
}

fn algorithm_of(name: &str) -> Result<Algorithm> {
    Ok(name.parse::<Algorithm>()?)
}

/// n and the algorithm, parsed and checked against the algorithm's range.
fn request_of(n: &Bound<'_, PyAny>, algorithm: &str) -> Result<(u32, Algorithm)> {
    let (n, algorithm) = (n_of(n)?, algorithm_of(algorithm)?);
    check_range(algorithm, n)?;
    Ok((n, algorithm))
}

/// The recursive kernels stop at F(93): beyond, the naive recursion could not
/// finish anyway, and the u64 it returns would overflow.
fn check_range(algorithm: Algorithm, n: u32) -> Result<()> {
    if algorithm == Algorithm::Recursive && n > MAX_U64_N {
        return Err(FibError::U64Overflow { n }.into());
    }
    Ok(())
}

/// Work that can take long enough to be worth releasing the GIL for.
fn is_long(algorithm: Algorithm, n: u32) -> bool {
    algorithm == Algorithm::Recursive || n > MAX_U64_N
}

/// A `BigUint` as a Python `int`, through `int.from_bytes` (linear time).
fn int_of(py: Python<'_>, value: &BigUint) -> PyResult<Py<PyAny>> {
    let bytes = PyBytes::new(py, &value.to_bytes_le());
    Ok(py
        .get_type::<PyInt>()
        .call_method1("from_bytes", (bytes, "little"))?
        .unbind())
}

/// A Python `int` (≥ 0) as a `BigUint`, through `int.to_bytes`.
fn big_of(value: &Bound<'_, PyAny>) -> PyResult<BigUint> {
    let bits: usize = value.call_method0("bit_length")?.extract()?;
    let bytes = value.call_method1("to_bytes", (bits.div_ceil(8).max(1), "little"))?;
    Ok(BigUint::from_bytes_le(bytes.cast::<PyBytes>()?.as_bytes()))
}

fn u64_int(py: Python<'_>, value: u64) -> Py<PyAny> {
    value
        .into_pyobject(py)
        .expect("u64 converts")
        .into_any()
        .unbind()
}

/// The pure-Python kernels, `fastwasm.pure.fibonacci(n, algorithm)`.
fn python_fibonacci(py: Python<'_>, n: u32, algorithm: Algorithm) -> PyResult<Bound<'_, PyAny>> {
    static PURE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let pure = PURE.get_or_try_init(py, || {
        PyResult::Ok(py.import("fastwasm.pure")?.getattr("fibonacci")?.unbind())
    })?;
    pure.bind(py).call1((n, algorithm.name()))
}

/// The process-wide default runtime and guest, created on first use.
fn default_guest(py: Python<'_>) -> Result<&'static runtime::FibonacciModule> {
    static DEFAULT: PyOnceLock<runtime::FibonacciModule> = PyOnceLock::new();
    DEFAULT.get_or_try_init(py, || {
        let path = bundled_module_path(py)?;
        py.detach(|| {
            let runtime = runtime::Runtime::new()?;
            Ok(runtime::FibonacciModule::new(runtime.load(path)?)?)
        })
    })
}

/// `fastwasm/modules/fibonacci_wasm.wasm` inside the installed package.
fn bundled_module_path(py: Python<'_>) -> Result<PathBuf> {
    let file: PathBuf = py.import("fastwasm")?.getattr("__file__")?.extract()?;
    Ok(file.with_file_name("modules").join("fibonacci_wasm.wasm"))
}

/// F(n) as an int: the u64 kernel when it fits (GIL released only on request),
/// else the big integer with the GIL released.
fn exact_int(
    py: Python<'_>,
    n: u32,
    release_gil: bool,
    small: impl FnOnce() -> Result<u64> + Send,
    big: impl FnOnce() -> Result<BigUint> + Send,
) -> Result<Py<PyAny>> {
    if n <= MAX_U64_N {
        let value = if release_gil {
            py.detach(small)
        } else {
            small()
        }?;
        return Ok(u64_int(py, value));
    }
    let value = py.detach(big)?;
    Ok(int_of(py, &value)?)
}

fn guest_fibonacci(
    py: Python<'_>,
    guest: &runtime::FibonacciModule,
    n: u32,
    algorithm: Algorithm,
    release_gil: bool,
    cancel: Option<&runtime::CancelToken>,
) -> Result<Py<PyAny>> {
    let Some(cancel) = cancel else {
        return exact_int(
            py,
            n,
            release_gil,
            || Ok(guest.u64(algorithm, n)?),
            || Ok(guest.big(algorithm, n)?),
        );
    };
    let value = || guest.compute_cancellable(algorithm, n, cancel);
    exact_int(
        py,
        n,
        release_gil,
        || match value()? {
            FibValue::U64(v) => Ok(v),
            digits @ FibValue::Digits(_) => Err(Error::InvalidArgument(format!(
                "F({n}) = {} does not fit in 64 bits",
                digits.to_digits()
            ))),
        },
        || Ok(value()?.into_big()?),
    )
}

fn native_fibonacci(
    py: Python<'_>,
    n: u32,
    algorithm: Algorithm,
    release_gil: bool,
) -> Result<Py<PyAny>> {
    let big = move || {
        Ok(match algorithm {
            Algorithm::FastDoubling => fib_kernels::big::fast_doubling(n),
            _ => fib_kernels::big::iterative(n),
        })
    };
    exact_int(py, n, release_gil, || Ok(algorithm.u64(n)?), big)
}

/// F(n) exactly, as an int.
#[pyfunction]
#[pyo3(signature = (n, method = "wasm", algorithm = "iterative", *, release_gil = None))]
fn fibonacci(
    py: Python<'_>,
    n: &Bound<'_, PyAny>,
    method: &str,
    algorithm: &str,
    release_gil: Option<bool>,
) -> Result<Py<PyAny>> {
    let method = method.parse::<Method>()?;
    let (n, algorithm) = request_of(n, algorithm)?;
    let release_gil = release_gil.unwrap_or_else(|| is_long(algorithm, n));
    match method {
        Method::Wasm => guest_fibonacci(py, default_guest(py)?, n, algorithm, release_gil, None),
        Method::Native => native_fibonacci(py, n, algorithm, release_gil),
        Method::Python => Ok(python_fibonacci(py, n, algorithm)?.unbind()),
    }
}

/// F(n) exactly, as its decimal digits.
#[pyfunction]
#[pyo3(signature = (n, method = "wasm", algorithm = "iterative"))]
fn fibonacci_digits(
    py: Python<'_>,
    n: &Bound<'_, PyAny>,
    method: &str,
    algorithm: &str,
) -> Result<String> {
    let method = method.parse::<Method>()?;
    let (n, algorithm) = request_of(n, algorithm)?;
    match method {
        Method::Wasm => {
            let guest = default_guest(py)?;
            Ok(py.detach(|| guest.decimal(algorithm, n))?)
        }
        Method::Native => Ok(py.detach(|| fib_kernels::decimal(algorithm, n))?),
        Method::Python => {
            // Python computes; the digits of its int come from Rust, because
            // CPython's own int -> str refuses past 4300 digits by default.
            let value = big_of(&python_fibonacci(py, n, algorithm)?)?;
            Ok(py.detach(|| value.to_string()))
        }
    }
}

/// The decimal digits of a non-negative int, with no digit limit.
#[pyfunction]
fn int_to_decimal(py: Python<'_>, value: &Bound<'_, PyInt>) -> Result<String> {
    if value.lt(0)? {
        return Err(Error::InvalidArgument(
            "int_to_decimal takes a non-negative int".into(),
        ));
    }
    let value = big_of(value)?;
    Ok(py.detach(|| value.to_string()))
}

/// A WebAssembly engine with its limits. See `fastwasm.Runtime`.
#[pyclass(frozen, module = "fastwasm")]
struct Runtime {
    inner: runtime::Runtime,
    cache_dir: Option<PathBuf>,
}

#[pymethods]
impl Runtime {
    #[new]
    #[pyo3(signature = (
        timeout_s = 10.0, max_memory_mb = 64, isolation = "pooled", cache_dir = None,
        *, max_stack_kb = 512, max_module_mb = 16, pool_size = None, max_instances = 256, use_cache = true,
        max_module_bytes = None,
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
    ) -> Result<Self> {
        let mut config = runtime::RuntimeConfig::default();
        config.timeout = Duration::try_from_secs_f64(timeout_s).map_err(|_| {
            Error::InvalidArgument(format!(
                "timeout_s must be a positive number of seconds, got {timeout_s}"
            ))
        })?;
        config.max_memory_bytes = max_memory_mb.saturating_mul(1 << 20);
        config.max_stack_bytes = max_stack_kb.saturating_mul(1 << 10);
        // Exact bytes, when given, win over the MiB setting.
        config.max_module_bytes =
            max_module_bytes.unwrap_or_else(|| max_module_mb.saturating_mul(1 << 20));
        config.isolation = isolation.parse()?;
        if let Some(pool_size) = pool_size {
            config.pool_size = pool_size;
        }
        config.max_instances = max_instances;
        config.cache_dir = match (&cache_dir, use_cache) {
            (_, false) => runtime::CacheDir::Disabled,
            (Some(dir), true) => runtime::CacheDir::Path(dir.clone()),
            (None, true) => runtime::CacheDir::Default,
        };
        let inner = py.detach(|| runtime::Runtime::with_config(config))?;
        Ok(Self { inner, cache_dir })
    }

    /// Loads (compiling once, or from the disk cache) a module file.
    fn load(&self, py: Python<'_>, path: PathBuf) -> Result<Module> {
        Ok(Module {
            inner: py.detach(|| self.inner.load(path))?,
        })
    }

    /// Loads a module from bytes (binary or WAT text).
    fn load_bytes(&self, py: Python<'_>, wasm: &[u8]) -> Result<Module> {
        Ok(Module {
            inner: py.detach(|| self.inner.load_bytes(wasm))?,
        })
    }

    /// The Fibonacci guest: the bundled module unless a path is given.
    #[pyo3(signature = (path = None))]
    fn fibonacci_module(&self, py: Python<'_>, path: Option<PathBuf>) -> Result<FibonacciModule> {
        let path = match path {
            Some(path) => path,
            None => bundled_module_path(py)?,
        };
        let inner = py.detach(|| -> Result<_> {
            Ok(runtime::FibonacciModule::new(self.inner.load(path)?)?)
        })?;
        Ok(FibonacciModule { inner })
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

    fn __repr__(&self) -> String {
        format!(
            "Runtime(timeout_s={}, max_memory_mb={}, isolation={:?})",
            self.timeout_s(),
            self.max_memory_mb(),
            self.isolation()
        )
    }
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

/// A compiled module, callable from any thread.
#[pyclass(frozen, module = "fastwasm")]
struct Module {
    inner: runtime::Module,
}

fn to_value(arg: &Bound<'_, PyAny>, ty: ValueType, position: usize) -> Result<Value> {
    let out_of_range = |bits: u32| {
        Error::InvalidArgument(format!(
            "argument {position} does not fit in {bits} bits (signed or unsigned): {arg}"
        ))
    };
    Ok(match ty {
        ValueType::I32 => match (arg.extract::<i32>(), arg.extract::<u32>()) {
            (Ok(v), _) => Value::I32(v),
            (_, Ok(v)) => Value::I32(v.cast_signed()),
            _ if arg.is_instance_of::<PyInt>() => return Err(out_of_range(32)),
            _ => return Err(type_error(arg, position, ty)),
        },
        ValueType::I64 => match (arg.extract::<i64>(), arg.extract::<u64>()) {
            (Ok(v), _) => Value::I64(v),
            (_, Ok(v)) => Value::I64(v.cast_signed()),
            _ if arg.is_instance_of::<PyInt>() => return Err(out_of_range(64)),
            _ => return Err(type_error(arg, position, ty)),
        },
        #[allow(clippy::cast_possible_truncation)]
        ValueType::F32 => Value::F32(
            arg.extract::<f64>()
                .map_err(|_| type_error(arg, position, ty))? as f32,
        ),
        ValueType::F64 => Value::F64(
            arg.extract::<f64>()
                .map_err(|_| type_error(arg, position, ty))?,
        ),
    })
}

fn type_error(arg: &Bound<'_, PyAny>, position: usize, ty: ValueType) -> Error {
    let got = arg
        .get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string());
    PyTypeError::new_err(format!(
        "argument {position} must be a number for {ty}, not {got}"
    ))
    .into()
}

fn value_to_py(py: Python<'_>, value: Value) -> Py<PyAny> {
    match value {
        Value::I32(v) => v.into_pyobject(py).expect("int").into_any().unbind(),
        Value::I64(v) => v.into_pyobject(py).expect("int").into_any().unbind(),
        Value::F32(v) => f64::from(v)
            .into_pyobject(py)
            .expect("float")
            .into_any()
            .unbind(),
        Value::F64(v) => v.into_pyobject(py).expect("float").into_any().unbind(),
    }
}

#[pymethods]
impl Module {
    /// Every function export with its signature.
    #[getter]
    fn exports(&self, py: Python<'_>) -> PyResult<Vec<Export>> {
        self.inner
            .exports()
            .iter()
            .map(|e| {
                let names = |types: &[ValueType]| {
                    PyTuple::new(py, types.iter().map(|t| t.name())).map(Bound::unbind)
                };
                let (params, results) = match &e.signature {
                    Some(s) => (names(&s.params)?, names(&s.results)?),
                    None => (PyTuple::empty(py).unbind(), PyTuple::empty(py).unbind()),
                };
                let signature = e
                    .signature
                    .as_ref()
                    .map_or_else(|| "(non-scalar)".to_owned(), ToString::to_string);
                Ok(Export {
                    name: e.name.clone(),
                    params,
                    results,
                    signature,
                })
            })
            .collect()
    }

    /// Calls a scalar export. Returns None, one number, or a tuple.
    #[pyo3(signature = (export, *args, cancel = None))]
    fn call(
        &self,
        py: Python<'_>,
        export: &str,
        args: &Bound<'_, PyTuple>,
        cancel: Option<&CancelToken>,
    ) -> Result<Py<PyAny>> {
        let signature = self.inner.signature(export)?.clone();
        if args.len() != signature.params.len() {
            return Err(PyTypeError::new_err(format!(
                "{export}{signature} takes {} arguments, got {}",
                signature.params.len(),
                args.len()
            ))
            .into());
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
            [] => py.None(),
            [one] => value_to_py(py, *one),
            many => PyTuple::new(py, many.iter().map(|v| value_to_py(py, *v)))?
                .into_any()
                .unbind(),
        })
    }

    /// How the module was loaded: `{"cache": "hit"|"miss"|"disabled", "load_time_s", "size_bytes"}`.
    #[getter]
    fn load_info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let info = self.inner.load_info();
        let dict = PyDict::new(py);
        dict.set_item("cache", info.cache.name())?;
        dict.set_item("load_time_s", info.load_time.as_secs_f64())?;
        dict.set_item("size_bytes", info.size_bytes)?;
        Ok(dict)
    }

    /// Pool size, busy instances and counters of traps, timeouts and memory-limit stops.
    fn pool_stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        pool_stats_dict(py, self.inner.pool_stats())
    }
}

fn pool_stats_dict(py: Python<'_>, stats: runtime::PoolStats) -> PyResult<Bound<'_, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("size", stats.size)?;
    dict.set_item("busy", stats.busy)?;
    dict.set_item("traps", stats.traps)?;
    dict.set_item("timeouts", stats.timeouts)?;
    dict.set_item("memory_limits", stats.memory_limits)?;
    dict.set_item("cancelled", stats.cancelled)?;
    Ok(dict)
}

/// Stops WASM calls made with it, from any thread: `cancel()` makes them raise
/// `WasmCancelled` within about one epoch tick.
#[pyclass(frozen, module = "fastwasm")]
struct CancelToken {
    inner: runtime::CancelToken,
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
    inner: runtime::FibonacciModule,
}

#[pymethods]
impl FibonacciModule {
    /// F(n) exactly, as an int.
    #[pyo3(signature = (n, algorithm = "iterative", *, release_gil = None, cancel = None))]
    fn compute(
        &self,
        py: Python<'_>,
        n: &Bound<'_, PyAny>,
        algorithm: &str,
        release_gil: Option<bool>,
        cancel: Option<&CancelToken>,
    ) -> Result<Py<PyAny>> {
        let (n, algorithm) = request_of(n, algorithm)?;
        guest_fibonacci(
            py,
            &self.inner,
            n,
            algorithm,
            release_gil.unwrap_or_else(|| is_long(algorithm, n)),
            cancel.map(|c| &c.inner),
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
        let (n, algorithm) = request_of(n, algorithm)?;
        Ok(py.detach(|| match cancel {
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

/// Native (no sandbox) F(n) digits, exposed for symmetry with the guest.
#[pyfunction]
#[pyo3(signature = (n, algorithm = "iterative"))]
fn native_digits(py: Python<'_>, n: &Bound<'_, PyAny>, algorithm: &str) -> Result<String> {
    let (n, algorithm) = request_of(n, algorithm)?;
    Ok(py.detach(|| fib_kernels::decimal(algorithm, n))?)
}

/// The default runtime's guest, creating it on first use.
#[pyfunction]
fn default_fibonacci_module(py: Python<'_>) -> Result<FibonacciModule> {
    Ok(FibonacciModule {
        inner: default_guest(py)?.clone(),
    })
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("WasmError", py.get_type::<WasmError>())?;
    m.add("WasmTrap", py.get_type::<WasmTrap>())?;
    m.add("WasmTimeout", py.get_type::<WasmTimeout>())?;
    m.add("WasmLimitError", py.get_type::<WasmLimitError>())?;
    m.add("WasmCancelled", py.get_type::<WasmCancelled>())?;
    m.add("WasmMemoryLimit", py.get_type::<WasmMemoryLimit>())?;
    m.add("WasmInstanceLimit", py.get_type::<WasmInstanceLimit>())?;
    m.add("ModuleError", py.get_type::<ModuleError>())?;
    m.add("MAX_U64_N", MAX_U64_N)?;
    m.add("ABI_VERSION", runtime::ABI_VERSION)?;
    m.add("WASMTIME_VERSION", runtime::WASMTIME_VERSION)?;
    m.add(
        "ALGORITHMS",
        PyTuple::new(py, Algorithm::ALL.map(Algorithm::name))?,
    )?;
    m.add_class::<Runtime>()?;
    m.add_class::<Module>()?;
    m.add_class::<Export>()?;
    m.add_class::<FibonacciModule>()?;
    m.add_class::<CancelToken>()?;
    m.add_function(wrap_pyfunction!(fibonacci, m)?)?;
    m.add_function(wrap_pyfunction!(fibonacci_digits, m)?)?;
    m.add_function(wrap_pyfunction!(native_digits, m)?)?;
    m.add_function(wrap_pyfunction!(int_to_decimal, m)?)?;
    m.add_function(wrap_pyfunction!(default_fibonacci_module, m)?)?;
    Ok(())
}

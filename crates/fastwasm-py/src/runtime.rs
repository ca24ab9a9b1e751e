//! `fastwasm.Runtime` and what it reports: the engine with its limits, its
//! cache, load and pool statistics, and the cancel token of a call.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use fastwasm_runtime as runtime;
use fib_host as fibonacci;
use pyo3::prelude::*;

use crate::arrays::Arrays;
use crate::component::Component;
use crate::fibonacci::{FibonacciModule, bundled_module_path};
use crate::guest_log::GuestLog;
use crate::module::Module;
use crate::{Error, Result};

/// How long a blocking call may run in an event loop before it warns
/// (`blocking_warning_ms`): long enough that a cheap call never does, short
/// enough to catch what stalls a server's other requests.
pub(crate) const DEFAULT_BLOCKING_WARNING: Duration = Duration::from_millis(10);

/// A WebAssembly engine with its limits. See `fastwasm.Runtime`.
#[pyclass(frozen, module = "fastwasm")]
pub(crate) struct Runtime {
    pub(crate) inner: runtime::Runtime,
    /// How long a blocking call may run in an event loop before it warns.
    pub(crate) blocking_warning: Duration,
}

impl Runtime {
    /// A runtime of `config`, made with the GIL released.
    pub(crate) fn with_config(
        py: Python<'_>,
        config: runtime::RuntimeConfig,
        blocking_warning: Duration,
    ) -> Result<Self> {
        let inner = py.detach(|| runtime::Runtime::with_config(config))?;
        Ok(Self {
            inner,
            blocking_warning,
        })
    }
}

#[pymethods]
impl Runtime {
    #[new]
    #[pyo3(signature = (
        timeout_s = 10.0, max_memory_mb = 64, isolation = "pooled", cache_dir = None,
        *, max_stack_kb = 512, max_module_bytes = 16 << 20, pool_size = None, max_instances = 256, use_cache = true,
        max_output_kb = 64, call_threads = None, call_thread_nice = 19, inline_threshold_us = 50,
        blocking_warning_ms = None, deadline = true, max_resources = 1024, cpu = "native",
    ))]
    #[allow(clippy::too_many_arguments, clippy::fn_params_excessive_bools)]
    fn new(
        py: Python<'_>,
        timeout_s: f64,
        max_memory_mb: usize,
        isolation: &str,
        cache_dir: Option<PathBuf>,
        max_stack_kb: usize,
        max_module_bytes: usize,
        pool_size: Option<usize>,
        max_instances: u32,
        use_cache: bool,
        max_output_kb: usize,
        call_threads: Option<usize>,
        call_thread_nice: i32,
        inline_threshold_us: u64,
        blocking_warning_ms: Option<u64>,
        deadline: bool,
        max_resources: usize,
        cpu: &str,
    ) -> Result<Self> {
        let mut config = runtime::RuntimeConfig::default();
        config.timeout = Duration::try_from_secs_f64(timeout_s).map_err(|_| {
            let message =
                format!("timeout_s must be a positive number of seconds, got {timeout_s}");
            Error::InvalidArgument(message)
        })?;
        config.max_memory_bytes = max_memory_mb.saturating_mul(1 << 20);
        config.max_stack_bytes = max_stack_kb.saturating_mul(1 << 10);
        config.max_module_bytes = max_module_bytes;
        config.isolation = isolation.parse()?;
        config.pool_size = pool_size;
        config.max_instances = max_instances;
        config.max_output_bytes = max_output_kb.saturating_mul(1 << 10);
        config.call_threads = call_threads;
        config.call_thread_nice = call_thread_nice;
        config.inline_threshold = Duration::from_micros(inline_threshold_us);
        config.deadline = deadline;
        config.max_resources = max_resources;
        config.cpu = cpu.parse()?;
        config.cache_dir = match (cache_dir, use_cache) {
            (_, false) => runtime::CacheDir::Disabled,
            (Some(dir), true) => runtime::CacheDir::Path(dir),
            (None, true) => runtime::CacheDir::Default,
        };
        let blocking_warning =
            blocking_warning_ms.map_or(DEFAULT_BLOCKING_WARNING, Duration::from_millis);
        Self::with_config(py, config, blocking_warning)
    }

    /// Loads (compiling once, or from the disk cache) a file: a `Component`
    /// for a component, a `Module` for a core module. `placement` says where
    /// `acall` runs its functions: `"measured"`, `"inline"` or `"threads"`.
    /// `arrays` says how a component returns a `list<T>` of numbers:
    /// `"list"` or `"array"` (numpy's, else `array.array`). `deadline`
    /// (default the runtime's) turns the deadline off for trusted code.
    /// `dirs` grants a component read-only host directories (host path →
    /// guest path), `env` the environment variables it sees; `log_output`
    /// names it in the log records of what its calls write (`guest_log.rs`).
    #[pyo3(signature = (
        path, *, placement = "measured", arrays = "list", deadline = None, dirs = None, env = None,
        log_output = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn load(
        &self,
        py: Python<'_>,
        path: PathBuf,
        placement: &str,
        arrays: &str,
        deadline: Option<bool>,
        dirs: Option<BTreeMap<PathBuf, String>>,
        env: Option<BTreeMap<String, String>>,
        log_output: Option<&str>,
    ) -> Result<Py<PyAny>> {
        let (options, arrays) = load_options(placement, arrays, deadline, dirs, env)?;
        let loaded = py.detach(|| self.inner.load_with(path, options))?;
        self.wrap(py, loaded, arrays, log_output.map(GuestLog::new))
    }

    /// As `load`, from bytes (binary or WAT text).
    #[pyo3(signature = (
        wasm, *, placement = "measured", arrays = "list", deadline = None, dirs = None, env = None,
        log_output = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn load_bytes(
        &self,
        py: Python<'_>,
        wasm: &[u8],
        placement: &str,
        arrays: &str,
        deadline: Option<bool>,
        dirs: Option<BTreeMap<PathBuf, String>>,
        env: Option<BTreeMap<String, String>>,
        log_output: Option<&str>,
    ) -> Result<Py<PyAny>> {
        let (options, arrays) = load_options(placement, arrays, deadline, dirs, env)?;
        let loaded = py.detach(|| self.inner.load_bytes_with(wasm, options))?;
        self.wrap(py, loaded, arrays, log_output.map(GuestLog::new))
    }

    /// Threads that run `acall`'s calls off the event loop.
    #[getter]
    fn call_threads(&self) -> usize {
        self.inner.call_threads()
    }

    /// The Fibonacci guest: the bundled module unless a path is given.
    #[pyo3(signature = (path = None))]
    fn fibonacci_module(&self, py: Python<'_>, path: Option<PathBuf>) -> Result<FibonacciModule> {
        let path = path.map_or_else(|| bundled_module_path(py), Ok)?;
        let load = || fibonacci::FibonacciModule::new(self.inner.load_module(path)?);
        Ok(FibonacciModule::new(
            py.detach(load)?,
            self.blocking_warning,
        ))
    }

    #[getter]
    fn timeout_s(&self) -> f64 {
        self.inner.config().timeout.as_secs_f64()
    }

    #[getter]
    fn max_memory_mb(&self) -> usize {
        self.inner.config().max_memory_bytes >> 20
    }

    /// Whether calls run under a deadline unless `load` says otherwise.
    #[getter]
    fn deadline(&self) -> bool {
        self.inner.config().deadline
    }

    #[getter]
    fn isolation(&self) -> &'static str {
        self.inner.config().isolation.name()
    }

    #[getter]
    fn cache_dir(&self) -> Option<PathBuf> {
        match &self.inner.config().cache_dir {
            runtime::CacheDir::Path(dir) => Some(dir.clone()),
            runtime::CacheDir::Default | runtime::CacheDir::Disabled => None,
        }
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

impl Runtime {
    /// A loaded module or component as its Python class.
    pub(crate) fn wrap(
        &self,
        py: Python<'_>,
        loaded: runtime::Loaded,
        arrays: Arrays,
        log: Option<GuestLog>,
    ) -> Result<Py<PyAny>> {
        Ok(match loaded {
            runtime::Loaded::Module(inner) => {
                Py::new(py, Module::new(inner, self.blocking_warning))?.into_any()
            }
            runtime::Loaded::Component(inner) => {
                let component = Component::new(inner, self.blocking_warning, arrays);
                Py::new(py, component.with_log(log))?.into_any()
            }
        })
    }
}

/// `load`'s keywords, parsed: the runtime's options and how arrays come back.
fn load_options(
    placement: &str,
    arrays: &str,
    deadline: Option<bool>,
    dirs: Option<BTreeMap<PathBuf, String>>,
    env: Option<BTreeMap<String, String>>,
) -> Result<(runtime::LoadOptions, Arrays)> {
    let grants = runtime::Grants {
        dirs: dirs
            .unwrap_or_default()
            .into_iter()
            .map(|(host, guest)| runtime::DirGrant { host, guest })
            .collect(),
        env: env.unwrap_or_default().into_iter().collect(),
    };
    let options = runtime::LoadOptions {
        placement: placement.parse()?,
        deadline,
        grants,
        ..runtime::LoadOptions::default()
    };
    Ok((options, arrays.parse()?))
}

/// The state of a runtime's compiled-module cache.
#[pyclass(frozen, module = "fastwasm", get_all)]
pub(crate) struct CacheStatus {
    dir: Option<PathBuf>,
    note: Option<String>,
    refusals: u64,
}

/// How a module was loaded.
#[pyclass(frozen, module = "fastwasm", get_all)]
pub(crate) struct LoadInfo {
    cache: &'static str,
    load_time_s: f64,
    size_bytes: usize,
    /// Why the precompiled artifact beside the file was refused, if it was.
    artifact_refused: Option<String>,
}

/// A module's instance pool and its counters.
#[pyclass(frozen, module = "fastwasm", get_all)]
pub(crate) struct PoolStats {
    size: usize,
    busy: usize,
    traps: u64,
    timeouts: u64,
    memory_limits: u64,
    cancelled: u64,
    preempted: u64,
}

pub(crate) fn load_info(info: runtime::LoadInfo) -> LoadInfo {
    LoadInfo {
        cache: info.cache.name(),
        load_time_s: info.load_time.as_secs_f64(),
        size_bytes: info.size_bytes,
        artifact_refused: info.artifact.map(|why| why.to_string()),
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
        preempted: s.preempted,
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
    pub(crate) fn new() -> Self {
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

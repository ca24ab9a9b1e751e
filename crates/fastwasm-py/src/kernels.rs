//! `fastwasm.KernelSet`: a folder of kernels and the answers of their
//! routes, for the `FastAPI` kit (`fastwasm.fastapi`) and the CLI. All of it
//! is `fastwasm-http`; this converts and releases the GIL.

use std::path::PathBuf;
use std::time::Duration;

use fastwasm_http::{self as http, SettingNames, sidecar::Limits};
use fastwasm_runtime::CallOptions;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::aio;
use crate::arrays::Arrays;
use crate::component::Component;
use crate::guest_log::GuestLog;
use crate::runtime::{CancelToken, Runtime};
use crate::{Error, Result};

#[pyclass(frozen, module = "fastwasm", get_all)]
pub struct Answer {
    status: u16,
    content_type: &'static str,
    body: Py<PyBytes>,
    retry_after_s: Option<u32>,
    execution_time_s: Option<f64>,
    outcome: &'static str,
    /// The `WWW-Authenticate` header of a 401.
    challenge: Option<&'static str>,
}

impl Answer {
    /// The Python answer; what the guest wrote, when its kernel logs its
    /// output, goes to the `fastwasm.guest` logger first.
    pub(crate) fn of(py: Python<'_>, answer: &http::Answer) -> Self {
        if let Some(written) = &answer.guest_output {
            // A logging failure (a handler that raises) must not turn a
            // computed answer into an error; Python's logging reports it.
            let _ = GuestLog::new(&written.kernel).emit(py, &written.function, &written.output);
        }
        Self {
            status: answer.status,
            content_type: answer.content_type,
            body: PyBytes::new(py, &answer.body).unbind(),
            retry_after_s: answer.retry_after_s,
            execution_time_s: answer.execution_time_s,
            outcome: answer.outcome,
            challenge: answer.challenge,
        }
    }
}

#[pymethods]
impl Answer {
    fn __repr__(&self) -> String {
        format!(
            "<Answer {} {} ({})>",
            self.status, self.content_type, self.outcome
        )
    }
}

/// One kernel's limits, for the route to apply before it reads the body.
#[pyclass(frozen, module = "fastwasm", get_all)]
pub struct KernelLimits {
    timeout_s: f64,
    max_memory_mb: usize,
    max_body_bytes: usize,
    placement: &'static str,
    deadline: bool,
}

/// What one reload of a `KernelSet` did, kernel by kernel.
#[pyclass(frozen, module = "fastwasm", get_all)]
pub struct Reload {
    generation: u64,
    loaded: Vec<String>,
    unchanged: Vec<String>,
    removed: Vec<String>,
    failed: Vec<(String, String)>,
    refused: Option<String>,
    answer: Py<Answer>,
}

#[pymethods]
impl Reload {
    fn __repr__(&self) -> String {
        format!(
            "<Reload generation={} loaded={:?} removed={:?} failed={:?}>",
            self.generation,
            self.loaded,
            self.removed,
            self.failed.iter().map(|(k, _)| k).collect::<Vec<_>>()
        )
    }
}

/// Every component of a directory (or of named files), loaded, and the
/// answers of their routes; `reload` swaps in new versions.
#[pyclass(frozen, module = "fastwasm")]
pub struct KernelSet {
    inner: http::LiveKernels,
    blocking_warning: Duration,
}

/// `"service"` or `"library"`: whose setting names messages use.
pub(crate) fn setting_names(name: &str) -> Result<SettingNames> {
    SettingNames::named(name).ok_or_else(|| {
        Error::InvalidArgument(format!(
            "setting_names must be \"library\" or \"service\", got {name:?}"
        ))
    })
}

fn limits(
    timeout_s: f64,
    max_memory_mb: usize,
    max_body_bytes: usize,
    placement: &str,
    deadline: bool,
    names: &str,
) -> Result<Limits> {
    let timeout = Duration::try_from_secs_f64(timeout_s).map_err(|_| {
        Error::InvalidArgument(format!(
            "timeout_s must be a positive number, got {timeout_s}"
        ))
    })?;
    Ok(Limits {
        timeout,
        max_memory_mb,
        max_body_bytes,
        placement: placement.parse()?,
        deadline,
        names: setting_names(names)?,
    })
}

#[pymethods]
impl KernelSet {
    /// Loads every `*.wasm` in `directory` into `runtime` (or, with
    /// `file=True`, the one file `directory`; or, with `files`, each named
    /// file). The limits are the server's, each tightened by the kernel's
    /// `NAME.toml`; `prefix` is where the routes are mounted; messages
    /// name the settings in `setting_names`' words (`"library"`: the
    /// Python API's keywords; `"service"`: fastwasm's `FASTWASM_*`).
    #[new]
    #[pyo3(signature = (
        runtime, directory = None, *, files = None, timeout_s, max_memory_mb, max_body_bytes,
        placement = "measured", file = false, prefix = "/kernels", setting_names = "library",
        grants_root = None,
    ))]
    // pyo3 extracts a `PathBuf`, not a `&Path`.
    #[allow(
        clippy::too_many_arguments,
        clippy::fn_params_excessive_bools,
        clippy::needless_pass_by_value
    )]
    fn new(
        py: Python<'_>,
        runtime: &Runtime,
        directory: Option<PathBuf>,
        files: Option<Vec<(String, PathBuf)>>,
        timeout_s: f64,
        max_memory_mb: usize,
        max_body_bytes: usize,
        placement: &str,
        file: bool,
        prefix: &str,
        setting_names: &str,
        grants_root: Option<PathBuf>,
    ) -> Result<Self> {
        // A kernel keeps its runtime's deadline unless its sidecar says.
        let defaults = limits(
            timeout_s,
            max_memory_mb,
            max_body_bytes,
            placement,
            runtime.inner.config().deadline,
            setting_names,
        )?;
        let blocking_warning = runtime.blocking_warning;
        let owned = runtime.inner.clone();
        let runtime = &runtime.inner;
        let root = grants_root.as_deref();
        let inner = match (directory, files) {
            (Some(directory), None) => py.detach(|| {
                if file {
                    http::KernelSet::load_file(runtime, &directory, defaults, root)
                } else {
                    http::KernelSet::load(runtime, &directory, defaults, root)
                }
            }),
            (None, Some(files)) => {
                py.detach(|| http::KernelSet::load_files(runtime, &files, defaults, root))
            }
            _ => {
                let message = "give a directory, or files, but not both".to_owned();
                return Err(Error::InvalidArgument(message));
            }
        };
        Ok(Self {
            inner: http::LiveKernels::new(owned, inner.with_prefix(prefix)),
            blocking_warning,
        })
    }

    /// Which version of the set serves: 0 as loaded, one more for each
    /// reload that changed it.
    #[getter]
    fn generation(&self) -> u64 {
        self.inner.current().generation()
    }

    /// Reads every kernel file again, loads each new or changed one beside
    /// the version serving, and swaps them all in at once; calls already
    /// running finish on the versions they started with. A file that does
    /// not load leaves its old version serving, listed in `failed` and in
    /// `listing()`. Blocks while it compiles (release the event loop:
    /// `anyio.to_thread.run_sync(kernels.reload)`); releases the GIL.
    fn reload(&self, py: Python<'_>) -> PyResult<Reload> {
        let report = py.detach(|| self.inner.reload());
        let answer = Py::new(py, Answer::of(py, &report.answer()))?;
        Ok(Reload {
            generation: report.generation,
            loaded: report.loaded,
            unchanged: report.unchanged,
            removed: report.removed,
            failed: report.failed,
            refused: report.refused,
            answer,
        })
    }

    /// Whether a kernel file or sidecar changed since the serving set was
    /// read (sizes and times only); releases the GIL.
    fn changed(&self, py: Python<'_>) -> bool {
        py.detach(|| self.inner.changed())
    }

    /// Why the directory could not be listed, if it could not.
    #[getter]
    fn directory_error(&self) -> Option<String> {
        self.inner.current().dir_error.clone()
    }

    /// Each kernel whose precompiled artifact (`NAME.cwasm`) was refused, so
    /// that it was compiled, with why.
    #[getter]
    fn artifact_refusals(&self) -> Vec<(String, String)> {
        self.inner
            .current()
            .artifact_refusals()
            .into_iter()
            .map(|(name, why)| (name.to_owned(), why))
            .collect()
    }

    /// The refused grants of the kernels' sidecars (a directory outside
    /// the grants root, say), each naming its file and key: a server does
    /// not start while there is one.
    #[getter]
    fn grant_errors(&self) -> Vec<String> {
        self.inner
            .current()
            .grant_errors()
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    /// Where the routes are mounted (`/kernels` by default).
    #[getter]
    fn prefix(&self) -> String {
        self.inner.current().prefix().to_owned()
    }

    /// `(name, error)` for every kernel: `error` is None when it loaded.
    #[getter]
    fn kernels(&self) -> Vec<(String, Option<String>)> {
        self.inner
            .current()
            .kernels()
            .map(|m| (m.name.clone(), m.loaded.as_ref().err().cloned()))
            .collect()
    }

    /// Kernel `name`'s component, to call from Python; None when there is no
    /// such kernel or it did not load.
    fn component(&self, name: &str) -> Option<Component> {
        let set = self.inner.current();
        let component = set.kernel(name).ok()?.loaded.as_ref().ok()?;
        Some(Component::new(
            component.clone(),
            self.blocking_warning,
            Arrays::List,
        ))
    }

    /// The limits of kernel `name`, or None when there is no such kernel.
    fn limits(&self, name: &str) -> Option<KernelLimits> {
        let limits = self.inner.current().kernel(name).ok()?.limits;
        Some(KernelLimits {
            timeout_s: limits.timeout.as_secs_f64(),
            max_memory_mb: limits.max_memory_mb,
            max_body_bytes: limits.max_body_bytes,
            placement: limits.placement.name(),
            deadline: limits.deadline,
        })
    }

    /// The `function` label of a call's metrics: its WIT name, or
    /// `(unknown)` for a function the kernel does not export.
    fn metric_function(&self, kernel: &str, function: &str) -> String {
        self.inner
            .current()
            .metric_function(kernel, function)
            .to_owned()
    }

    /// `GET /kernels`.
    fn listing(&self, py: Python<'_>) -> Answer {
        Answer::of(py, &self.inner.current().list())
    }

    /// `GET /kernels/{name}`.
    fn show(&self, py: Python<'_>, name: &str) -> Answer {
        Answer::of(py, &self.inner.current().show(name))
    }

    /// 413 for kernel `name`'s body limit (the route stops reading there).
    fn too_large(&self, py: Python<'_>, name: &str) -> Option<Answer> {
        let set = self.inner.current();
        let kernel = set.kernel(name).ok()?;
        Some(Answer::of(
            py,
            &http::Answer::too_large(kernel, kernel.limits.max_body_bytes),
        ))
    }

    /// 504 for a call of kernel `name`, which runs without a deadline, that
    /// did not answer within its `timeout_s` (the call runs on).
    fn unanswered(&self, py: Python<'_>, name: &str, function: &str) -> Option<Answer> {
        let set = self.inner.current();
        let kernel = set.kernel(name).ok()?;
        Some(Answer::of(py, &http::Answer::unanswered(kernel, function)))
    }

    /// `POST /kernels/{kernel}/{function}`: the body (JSON, or raw bytes
    /// where the function takes them) to an answer, blocking this thread.
    /// Releases the GIL.
    #[pyo3(signature = (kernel, function, body, content_type = None, accept = None, cancel = None))]
    #[allow(clippy::too_many_arguments)]
    fn call(
        &self,
        py: Python<'_>,
        kernel: &str,
        function: &str,
        body: &[u8],
        content_type: Option<&str>,
        accept: Option<&str>,
        cancel: Option<&CancelToken>,
    ) -> Answer {
        let cancel = cancel.map(|c| &c.inner);
        let set = self.inner.current();
        let answer = py.detach(|| set.call(kernel, function, body, content_type, accept, cancel));
        Answer::of(py, &answer)
    }

    /// As `call`, awaited: inline when the function is cheap (`runs_inline`),
    /// else on the runtime's call threads; cancelling the awaiting task stops
    /// the guest.
    #[pyo3(signature = (kernel, function, body, content_type = None, accept = None, *, inline = None))]
    #[allow(clippy::too_many_arguments)]
    fn acall<'py>(
        slf: &Bound<'py, Self>,
        kernel: &str,
        function: &str,
        body: Bound<'py, PyBytes>,
        content_type: Option<&str>,
        accept: Option<&str>,
        inline: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        aio::awaited(
            slf.as_any(),
            (kernel, function, body, content_type, accept, inline),
        )
    }

    /// Starts an awaited call (`acall` awaits it): the answer when it ran
    /// inline, else its `CallFuture`.
    #[allow(clippy::too_many_arguments)]
    fn _start<'py>(
        slf: &Bound<'py, Self>,
        kernel: &str,
        function: &str,
        body: &Bound<'py, PyBytes>,
        content_type: Option<String>,
        accept: Option<String>,
        inline: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        // The set serving now: the call keeps it to its end, whatever a
        // reload swaps in meanwhile.
        let set = slf.get().inner.current();
        if inline.unwrap_or_else(|| set.runs_inline(kernel, function)) {
            let options = CallOptions::default();
            let answer = set.call_inline(
                kernel,
                function,
                body.as_bytes(),
                content_type.as_deref(),
                accept.as_deref(),
                &options,
            );
            if let Some(answer) = answer {
                return Ok(Bound::new(py, Answer::of(py, &answer))?.into_any());
            }
        }
        let (kernel, function) = (kernel.to_owned(), function.to_owned());
        // bytes are immutable: copied once here, so the call thread needs no GIL.
        let body = body.as_bytes().to_vec();
        // No kernel loaded: the answer is a 404, with nothing to run.
        let runtime = set
            .kernels()
            .find_map(|m| m.loaded.as_ref().ok())
            .map(|c| c.runtime().clone());
        let stoppable = set
            .kernel(&kernel)
            .ok()
            .and_then(|k| k.loaded.as_ref().ok())
            .is_none_or(fastwasm_runtime::Component::has_deadline);
        aio::spawned(
            py,
            runtime.as_ref(),
            None,
            stoppable,
            move |options| {
                set.call_with(
                    &kernel,
                    &function,
                    &body,
                    content_type.as_deref(),
                    accept.as_deref(),
                    options,
                )
            },
            |py, answer| Ok(Py::new(py, Answer::of(py, &answer))?.into_any()),
        )
    }

    /// Whether `acall` runs `function` of `kernel` inline now.
    fn runs_inline(&self, kernel: &str, function: &str) -> bool {
        self.inner.current().runs_inline(kernel, function)
    }

    /// The `OpenAPI` path items of every function, keyed by their paths
    /// under `prefix`, as JSON text, to merge into the service's document.
    fn openapi_paths(&self) -> String {
        serde_json::Value::Object(self.inner.current().openapi_paths()).to_string()
    }
}

/// Compiles the kernel file `path` (`NAME.wasm`) ahead of time for the CPU
/// baseline `cpu` (`"native"`, `"x86-64-v2"`, `"x86-64-v3"`, ...), as
/// `runtime` loads it (its sidecar's `deadline` included), and writes the
/// artifact beside it, `NAME.cwasm`; returns that path. A runtime (or a
/// server) loading `NAME.wasm` then uses it when every check passes.
#[pyfunction]
#[pyo3(signature = (runtime, path, cpu = "native"))]
// pyo3 extracts a `PathBuf`, not a `&Path`.
#[allow(clippy::needless_pass_by_value)]
pub(crate) fn compile_kernel(
    py: Python<'_>,
    runtime: &Runtime,
    path: PathBuf,
    cpu: &str,
) -> Result<PathBuf> {
    let config = runtime.inner.config();
    // A sidecar may only tighten: the runtime's own limits are the widest it
    // may name, and the body limit does not matter for compiling.
    let defaults = limits(
        config.timeout.as_secs_f64(),
        config.max_memory_bytes >> 20,
        usize::MAX,
        "measured",
        config.deadline,
        "library",
    )?;
    let cpu: fastwasm_runtime::Cpu = cpu.parse()?;
    let inner = &runtime.inner;
    py.detach(|| http::compile_artifact(inner, &path, cpu, defaults))
        .map_err(Error::InvalidArgument)
}

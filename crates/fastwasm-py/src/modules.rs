//! `fastwasm._native.ModuleSet`: the modules directory and the answers of
//! the module routes, for the `FastAPI` service (`fastwasm.api.routers.modules`)
//! and the CLI. All of it is `fastwasm-modules`; this converts and releases
//! the GIL.

use std::path::PathBuf;
use std::time::Duration;

use fastwasm_modules::{self as modules, sidecar::Limits};
use fastwasm_runtime::CallOptions;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::aio;
use crate::component::Component;
use crate::runtime::{CancelToken, Runtime};
use crate::{Error, Result};

/// An HTTP answer: status, content type and body, as fastwasm-server sends it.
#[pyclass(frozen, module = "fastwasm", get_all)]
pub struct Answer {
    status: u16,
    content_type: &'static str,
    body: Py<PyBytes>,
    retry_after_s: Option<u32>,
    execution_time_s: Option<f64>,
    outcome: &'static str,
}

impl Answer {
    fn of(py: Python<'_>, answer: &modules::Answer) -> Self {
        Self {
            status: answer.status,
            content_type: answer.content_type,
            body: PyBytes::new(py, &answer.body).unbind(),
            retry_after_s: answer.retry_after_s,
            execution_time_s: answer.execution_time_s,
            outcome: answer.outcome,
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

/// One module's limits, for the route to apply before it reads the body.
#[pyclass(frozen, module = "fastwasm", get_all)]
pub struct ModuleLimits {
    timeout_s: f64,
    max_memory_mb: usize,
    max_body_bytes: usize,
    placement: &'static str,
}

/// Every component of a directory (or of named files), loaded, and the
/// answers of their routes.
#[pyclass(frozen, module = "fastwasm")]
pub struct ModuleSet {
    inner: modules::ModuleSet,
    blocking_warning: Duration,
}

fn limits(
    timeout_s: f64,
    max_memory_mb: usize,
    max_body_bytes: usize,
    placement: &str,
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
    })
}

#[pymethods]
impl ModuleSet {
    /// Loads every `*.wasm` in `directory` into `runtime` (or, with
    /// `file=True`, the one file `directory`; or, with `files`, each named
    /// file). The limits are the server's, each tightened by the module's
    /// `NAME.toml`; `prefix` is where the routes are mounted.
    #[new]
    #[pyo3(signature = (
        runtime, directory = None, *, files = None, timeout_s, max_memory_mb, max_body_bytes,
        placement = "measured", file = false, prefix = "/modules",
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
    ) -> Result<Self> {
        let defaults = limits(timeout_s, max_memory_mb, max_body_bytes, placement)?;
        let blocking_warning = runtime.blocking_warning;
        let runtime = &runtime.inner;
        let inner = match (directory, files) {
            (Some(directory), None) => py.detach(|| {
                if file {
                    modules::ModuleSet::load_file(runtime, &directory, defaults)
                } else {
                    modules::ModuleSet::load(runtime, &directory, defaults)
                }
            }),
            (None, Some(files)) => {
                py.detach(|| modules::ModuleSet::load_files(runtime, &files, defaults))
            }
            _ => {
                let message = "give a directory, or files, but not both".to_owned();
                return Err(Error::InvalidArgument(message));
            }
        };
        Ok(Self {
            inner: inner.with_prefix(prefix),
            blocking_warning,
        })
    }

    /// Why the directory could not be listed, if it could not.
    #[getter]
    fn directory_error(&self) -> Option<String> {
        self.inner.dir_error.clone()
    }

    /// Where the routes are mounted (`/modules` by default).
    #[getter]
    fn prefix(&self) -> &str {
        self.inner.prefix()
    }

    /// `(name, error)` for every module: `error` is None when it loaded.
    #[getter]
    fn modules(&self) -> Vec<(String, Option<String>)> {
        self.inner
            .modules()
            .map(|m| (m.name.clone(), m.loaded.as_ref().err().cloned()))
            .collect()
    }

    /// Module `name`'s component, to call from Python; None when there is no
    /// such module or it did not load.
    fn component(&self, name: &str) -> Option<Component> {
        let component = self.inner.module(name).ok()?.loaded.as_ref().ok()?;
        Some(Component::new(component.clone(), self.blocking_warning))
    }

    /// The limits of module `name`, or None when there is no such module.
    fn limits(&self, name: &str) -> Option<ModuleLimits> {
        let limits = self.inner.module(name).ok()?.limits;
        Some(ModuleLimits {
            timeout_s: limits.timeout.as_secs_f64(),
            max_memory_mb: limits.max_memory_mb,
            max_body_bytes: limits.max_body_bytes,
            placement: limits.placement.name(),
        })
    }

    /// The `function` label of a call's metrics: its WIT name, or
    /// `(unknown)` for a function the module does not export.
    fn metric_function(&self, module: &str, function: &str) -> String {
        self.inner.metric_function(module, function).to_owned()
    }

    /// `GET /modules`.
    fn listing(&self, py: Python<'_>) -> Answer {
        Answer::of(py, &self.inner.list())
    }

    /// `GET /modules/{name}`.
    fn show(&self, py: Python<'_>, name: &str) -> Answer {
        Answer::of(py, &self.inner.show(name))
    }

    /// 413 for module `name`'s body limit (the route stops reading there).
    fn too_large(&self, py: Python<'_>, name: &str) -> Option<Answer> {
        let module = self.inner.module(name).ok()?;
        Some(Answer::of(
            py,
            &modules::Answer::too_large(module, module.limits.max_body_bytes),
        ))
    }

    /// `POST /modules/{module}/{function}`: the body (JSON, or raw bytes
    /// where the function takes them) to an answer, blocking this thread.
    /// Releases the GIL.
    #[pyo3(signature = (module, function, body, content_type = None, accept = None, cancel = None))]
    #[allow(clippy::too_many_arguments)]
    fn call(
        &self,
        py: Python<'_>,
        module: &str,
        function: &str,
        body: &[u8],
        content_type: Option<&str>,
        accept: Option<&str>,
        cancel: Option<&CancelToken>,
    ) -> Answer {
        let cancel = cancel.map(|c| &c.inner);
        let answer = py.detach(|| {
            self.inner
                .call(module, function, body, content_type, accept, cancel)
        });
        Answer::of(py, &answer)
    }

    /// As `call`, awaited: inline when the function is cheap (`runs_inline`),
    /// else on the runtime's call threads; cancelling the awaiting task stops
    /// the guest.
    #[pyo3(signature = (module, function, body, content_type = None, accept = None, *, inline = None))]
    #[allow(clippy::too_many_arguments)]
    fn acall<'py>(
        slf: &Bound<'py, Self>,
        module: &str,
        function: &str,
        body: Bound<'py, PyBytes>,
        content_type: Option<&str>,
        accept: Option<&str>,
        inline: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        aio::awaited(
            slf.as_any(),
            (module, function, body, content_type, accept, inline),
        )
    }

    /// Starts an awaited call (`acall` awaits it): the answer when it ran
    /// inline, else its `CallFuture`.
    #[allow(clippy::too_many_arguments)]
    fn _start<'py>(
        slf: &Bound<'py, Self>,
        module: &str,
        function: &str,
        body: &Bound<'py, PyBytes>,
        content_type: Option<String>,
        accept: Option<String>,
        inline: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.get();
        if inline.unwrap_or_else(|| this.inner.runs_inline(module, function)) {
            let options = CallOptions::default();
            let answer = this.inner.call_inline(
                module,
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
        let token = Bound::new(py, CancelToken::new())?;
        let (event_loop, future) = aio::future(py, &token)?;
        let pending = aio::pending(&event_loop, future.clone())?;
        let set: Py<Self> = slf.clone().unbind();
        let (module, function) = (module.to_owned(), function.to_owned());
        // bytes are immutable: copied once here, so the call thread needs no GIL.
        let body = body.as_bytes().to_vec();
        let cancel = token.get().inner.clone();
        let job = move || {
            let options = CallOptions {
                cancel: Some(&cancel),
                timeout: None,
            };
            let answer = set.get().inner.call_with(
                &module,
                &function,
                &body,
                content_type.as_deref(),
                accept.as_deref(),
                &options,
            );
            pending.complete(Box::new(move |py| {
                Ok(Py::new(py, Answer::of(py, &answer))?.into_any())
            }));
        };
        let runtime = this
            .inner
            .modules()
            .find_map(|m| m.loaded.as_ref().ok())
            .map(|c| c.runtime().clone());
        match runtime {
            Some(runtime) => runtime
                .spawn(job)
                .map_err(|error| PyErr::from(Error::Runtime(error)))?,
            // No module loaded: the answer is a 404, with nothing to run.
            None => job(),
        }
        Ok(future)
    }

    /// Whether `acall` runs `function` of `module` inline now.
    fn runs_inline(&self, module: &str, function: &str) -> bool {
        self.inner.runs_inline(module, function)
    }

    /// The `OpenAPI` path items of every function, keyed by their paths
    /// under `prefix`, as JSON text, to merge into the service's document.
    fn openapi_paths(&self) -> String {
        serde_json::Value::Object(self.inner.openapi_paths()).to_string()
    }
}

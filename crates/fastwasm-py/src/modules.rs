//! `fastwasm._native.ModuleSet`: the modules directory and the answers of
//! the module routes, for the `FastAPI` service (`fastwasm.api.routers.modules`)
//! and the CLI. All of it is `fastwasm-modules`; this converts and releases
//! the GIL.

use std::path::PathBuf;
use std::time::Duration;

use fastwasm_modules::{self as modules, sidecar::Limits};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::{CancelToken, Error, Result, Runtime};

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
    heavy: bool,
}

/// Every component of a directory, loaded, and the answers of their routes.
#[pyclass(frozen, module = "fastwasm")]
pub struct ModuleSet {
    inner: modules::ModuleSet,
}

fn limits(
    timeout_s: f64,
    max_memory_mb: usize,
    max_body_bytes: usize,
    heavy: bool,
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
        heavy,
    })
}

#[pymethods]
impl ModuleSet {
    /// Loads every `*.wasm` in `directory` into `runtime` (or, with
    /// `file=True`, the one file `directory`). The limits are the server's,
    /// each tightened by the module's `NAME.toml`.
    #[new]
    #[pyo3(signature = (runtime, directory, *, timeout_s, max_memory_mb, max_body_bytes, heavy = true, file = false))]
    // pyo3 extracts a `PathBuf`, not a `&Path`.
    #[allow(
        clippy::too_many_arguments,
        clippy::fn_params_excessive_bools,
        clippy::needless_pass_by_value
    )]
    fn new(
        py: Python<'_>,
        runtime: &Runtime,
        directory: PathBuf,
        timeout_s: f64,
        max_memory_mb: usize,
        max_body_bytes: usize,
        heavy: bool,
        file: bool,
    ) -> Result<Self> {
        let defaults = limits(timeout_s, max_memory_mb, max_body_bytes, heavy)?;
        let runtime = &runtime.inner;
        let inner = py.detach(|| {
            if file {
                modules::ModuleSet::load_file(runtime, &directory, defaults)
            } else {
                modules::ModuleSet::load(runtime, &directory, defaults)
            }
        });
        Ok(Self { inner })
    }

    /// Why the directory could not be listed, if it could not.
    #[getter]
    fn directory_error(&self) -> Option<String> {
        self.inner.dir_error.clone()
    }

    /// `(name, error)` for every module: `error` is None when it loaded.
    #[getter]
    fn modules(&self) -> Vec<(String, Option<String>)> {
        self.inner
            .modules()
            .map(|m| (m.name.clone(), m.loaded.as_ref().err().cloned()))
            .collect()
    }

    /// The limits of module `name`, or None when there is no such module.
    fn limits(&self, name: &str) -> Option<ModuleLimits> {
        let limits = self.inner.module(name).ok()?.limits;
        Some(ModuleLimits {
            timeout_s: limits.timeout.as_secs_f64(),
            max_memory_mb: limits.max_memory_mb,
            max_body_bytes: limits.max_body_bytes,
            heavy: limits.heavy,
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
    /// where the function takes them) to an answer. Releases the GIL.
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

    /// The `OpenAPI` path items of every function, as JSON text, to merge
    /// into the service's document.
    fn openapi_paths(&self) -> String {
        serde_json::Value::Object(self.inner.openapi_paths()).to_string()
    }
}

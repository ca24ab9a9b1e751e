//! The Python exceptions, declared with typed fields (pydantic-core's style),
//! and [`raise`], the one place a runtime error becomes one of them.
//!
//! `WasmError` is the base of all; every instance carries the error's `kind`,
//! the runtime's `message` (facts only), and the HTTP answer of
//! fastwasm-http's one table (`http_status`, `retry_after_s`, and `detail`:
//! the message with the setting behind a limit named in a library user's
//! words), so the `FastAPI` kit answers as fastwasm-server does, from one
//! source. `str(error)` names the keyword behind a limit too.

use fastwasm_http::SettingNames;
use fastwasm_http::status;
use fastwasm_runtime::Error as E;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::pyclass::PyClass;
use pyo3::pyclass_init::PyClassInitializer;

/// Base of every error fastwasm raises about WebAssembly.
#[pyclass(extends = PyException, subclass, frozen, module = "fastwasm")]
pub struct WasmError {
    #[pyo3(get)]
    message: String,
    #[pyo3(get)]
    kind: &'static str,
    #[pyo3(get)]
    http_status: u16,
    #[pyo3(get)]
    detail: String,
    #[pyo3(get)]
    retry_after_s: Option<u32>,
    /// `str(error)`: the message, naming the keyword behind a limit.
    text: String,
}

#[pymethods]
impl WasmError {
    fn __str__(&self) -> &str {
        &self.text
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let name = slf.get_type().name()?;
        Ok(format!("{name}({:?})", slf.get().text))
    }
}

/// The guest trapped; `.code` names the trap.
#[pyclass(extends = WasmError, frozen, module = "fastwasm", get_all)]
pub struct WasmTrap {
    code: &'static str,
    export: String,
}

/// The call ran past its deadline (`timeout_s`).
#[pyclass(extends = WasmError, frozen, module = "fastwasm", get_all)]
pub struct WasmTimeout {
    export: String,
    timeout_s: f64,
}

/// The call was stopped by its `CancelToken`.
#[pyclass(extends = WasmError, frozen, module = "fastwasm", get_all)]
pub struct WasmCancelled {
    export: String,
}

/// The call hit a limit (memory, instances, live resources).
#[pyclass(extends = WasmError, subclass, frozen, module = "fastwasm", get_all)]
pub struct WasmLimitError {
    limit: usize,
}

/// The guest tried to grow its linear memory past the cap (`max_memory_mb`).
#[pyclass(extends = WasmLimitError, frozen, module = "fastwasm", get_all)]
pub struct WasmMemoryLimit {
    export: String,
    requested: usize,
}

/// Every instance slot of the runtime is in use (`max_instances`).
#[pyclass(extends = WasmLimitError, frozen, module = "fastwasm")]
pub struct WasmInstanceLimit;

/// A component already holds as many live resources as `max_resources`
/// allows: close some first.
#[pyclass(extends = WasmLimitError, frozen, module = "fastwasm")]
pub struct WasmResourceLimit;

/// A resource object cannot be used: it was closed, moved into a call that
/// took it (`own`), or its instance was thrown away after a trap or a
/// timeout; `.resource` names it.
#[pyclass(extends = WasmError, frozen, module = "fastwasm", get_all)]
pub struct ResourceError {
    resource: String,
}

/// The module cannot be loaded or does not fit the call.
#[pyclass(extends = WasmError, frozen, module = "fastwasm")]
pub struct ModuleError;

/// The guest returned the `err` of a `result` at the top of a function's
/// signature: `.value` holds the error value, converted. The guest did
/// nothing wrong, so nothing was thrown away.
#[pyclass(extends = WasmError, frozen, module = "fastwasm", get_all)]
pub struct GuestError {
    function: String,
    value: Py<PyAny>,
}

/// `GuestError` for `function`'s error `value`. Its HTTP answer is
/// `fastwasm_http::status::GUEST_ERROR_STATUS` with the value as the body.
pub fn guest_error(py: Python<'_>, function: &str, value: Bound<'_, PyAny>) -> PyResult<PyErr> {
    let message = format!("`{function}` returned an error: {}", value.repr()?);
    let base = PyClassInitializer::from(WasmError {
        message: message.clone(),
        kind: "guest_error",
        http_status: status::GUEST_ERROR_STATUS,
        detail: message.clone(),
        retry_after_s: None,
        text: message,
    });
    let value = value.unbind();
    let function = function.to_owned();
    Ok(exception(
        py,
        base.add_subclass(GuestError { function, value }),
    ))
}

fn exception<T: PyClass>(py: Python<'_>, init: impl Into<PyClassInitializer<T>>) -> PyErr {
    match Bound::new(py, init) {
        Ok(error) => PyErr::from_value(error.into_any()),
        Err(failed) => failed,
    }
}

/// The runtime error as its Python exception. Every variant is matched: a new
/// one does not build until it has a Python class.
pub fn raise(py: Python<'_>, error: E) -> PyErr {
    let kind = error.kind();
    let message = error.to_string();
    let base = PyClassInitializer::from(WasmError {
        message: message.clone(),
        kind: kind.name(),
        http_status: status::status(kind),
        detail: status::detail(kind, &message, &SettingNames::LIBRARY),
        retry_after_s: status::retry_after_s(kind),
        text: status::with_setting(kind, &message, &SettingNames::LIBRARY),
    });
    match error {
        E::Trap { export, code, .. } => exception(py, base.add_subclass(WasmTrap { code, export })),
        E::Timeout { export, timeout } => {
            let timeout_s = timeout.as_secs_f64();
            exception(py, base.add_subclass(WasmTimeout { export, timeout_s }))
        }
        E::Cancelled { export } => exception(py, base.add_subclass(WasmCancelled { export })),
        E::MemoryLimit {
            export,
            requested,
            limit,
        } => exception(
            py,
            base.add_subclass(WasmLimitError { limit })
                .add_subclass(WasmMemoryLimit { export, requested }),
        ),
        E::InstanceLimit { limit } => exception(
            py,
            base.add_subclass(WasmLimitError {
                limit: limit as usize,
            })
            .add_subclass(WasmInstanceLimit),
        ),
        E::ResourceLimit { limit } => exception(
            py,
            base.add_subclass(WasmLimitError { limit })
                .add_subclass(WasmResourceLimit),
        ),
        E::Resource { resource, .. } => {
            exception(py, base.add_subclass(ResourceError { resource }))
        }
        E::ModuleNotFound { .. }
        | E::InvalidModule { .. }
        | E::MissingExport { .. }
        | E::WrongSignature { .. }
        | E::Unsupported { .. } => exception(py, base.add_subclass(ModuleError)),
        // A setting the caller passed: Python's own ValueError.
        E::InvalidConfig { .. } => PyValueError::new_err(message),
        E::Abi { .. } | E::Engine { .. } => exception(py, base),
    }
}

/// Adds the exception classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<WasmError>()?;
    m.add_class::<WasmTrap>()?;
    m.add_class::<WasmTimeout>()?;
    m.add_class::<WasmCancelled>()?;
    m.add_class::<WasmLimitError>()?;
    m.add_class::<WasmMemoryLimit>()?;
    m.add_class::<WasmInstanceLimit>()?;
    m.add_class::<WasmResourceLimit>()?;
    m.add_class::<ResourceError>()?;
    m.add_class::<ModuleError>()?;
    m.add_class::<GuestError>()?;
    Ok(())
}

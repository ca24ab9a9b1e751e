//! `fastwasm.service`: the HTTP rules of fastwasm's own servers, from
//! fastwasm-http, for the `FastAPI` service (fastwasm-server calls the same
//! Rust): its settings, the Fibonacci answers, the 503 of admission control,
//! the status table's details, and the metric table.

use std::collections::HashMap;
use std::time::Duration;

use fastwasm_http::fibonacci::{self, Computation, Method};
use fastwasm_http::{Settings, metrics, status};
use fib_host::Algorithm;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::kernels::setting_names as names_called;
use crate::runtime::Runtime;
use crate::{Error, Result};

pyo3::create_exception!(
    fastwasm,
    InvalidSetting,
    PyValueError,
    "A FASTWASM_* setting that does not parse or is out of range."
);

/// fastwasm's server settings, read by fastwasm-http from `FASTWASM_*`
/// variables.
#[pyclass(frozen, module = "fastwasm")]
pub struct ServiceSettings {
    inner: Settings,
}

#[pymethods]
impl ServiceSettings {
    /// The settings of `environ` (its `FASTWASM_*` variables), each of
    /// `overrides` (`{"wasm_timeout_s": "2"}`) in place of its variable.
    #[new]
    #[pyo3(signature = (environ, overrides = None))]
    fn new(
        environ: HashMap<String, String>,
        overrides: Option<HashMap<String, String>>,
    ) -> Result<Self> {
        let mut vars = environ;
        for (name, value) in overrides.unwrap_or_default() {
            vars.insert(format!("FASTWASM_{}", name.to_ascii_uppercase()), value);
        }
        Ok(Self {
            inner: Settings::from_vars(vars)?,
        })
    }

    /// The settings as JSON text: the same keys and values as
    /// `fastwasm-server --print-settings`.
    fn to_json(&self) -> String {
        self.inner.to_json().to_string()
    }

    /// The runtime these settings ask for: their limits, isolation, cache
    /// directory, and a call thread per heavy-work slot.
    fn runtime(&self, py: Python<'_>) -> Result<Runtime> {
        let config = self.inner.runtime_config();
        Runtime::with_config(py, config, crate::runtime::DEFAULT_BLOCKING_WARNING)
    }

    /// None when a request with this `Authorization` header may use the
    /// admin routes; else their 401. Without `FASTWASM_ADMIN_TOKEN` every
    /// request is refused (and a server mounts no admin route).
    fn admin_refusal(
        &self,
        py: Python<'_>,
        authorization: Option<&str>,
    ) -> Option<crate::kernels::Answer> {
        let refusal = self.inner.admin_refusal(authorization)?;
        Some(crate::kernels::Answer::of(py, &refusal))
    }

    /// Whether the admin routes are mounted (`FASTWASM_ADMIN_TOKEN` is set).
    #[getter]
    fn has_admin_token(&self) -> bool {
        self.inner.admin_token.is_some()
    }

    /// The detail of the 400 that refuses `n` for `algorithm`, or None when
    /// it is within its limit.
    fn refusal(&self, n: &Bound<'_, PyAny>, algorithm: &str) -> Result<Option<String>> {
        let algorithm: Algorithm = algorithm.parse()?;
        let text = n.str()?.to_string();
        Ok(fibonacci::check(&text, algorithm, &self.inner).err())
    }
}

fn method(label: &str) -> Result<Method> {
    Method::of_label(label)
        .ok_or_else(|| Error::InvalidArgument(format!("unknown method label {label:?}")))
}

fn not_digits() -> PyErr {
    PyRuntimeError::new_err("F(n) came back as something other than decimal digits")
}

/// The JSON body of `/fibonacci*/{n}`.
#[pyfunction]
pub(crate) fn fibonacci_body<'py>(
    py: Python<'py>,
    n: u32,
    method_label: &str,
    algorithm: &str,
    digits: String,
    seconds: f64,
) -> Result<Bound<'py, PyBytes>> {
    let computation = Computation {
        method: method(method_label)?,
        n,
        algorithm: algorithm.parse()?,
        digits,
        seconds,
    };
    let body = fibonacci::body(&computation).ok_or_else(not_digits)?;
    Ok(PyBytes::new(py, body.as_bytes()))
}

/// The JSON body of `/compare/{n}`: `results` are `(method label, digits,
/// seconds)`, the baseline first.
#[pyfunction]
pub(crate) fn compare_body<'py>(
    py: Python<'py>,
    n: u32,
    algorithm: &str,
    results: Vec<(String, String, f64)>,
) -> Result<Bound<'py, PyBytes>> {
    let algorithm: Algorithm = algorithm.parse()?;
    let computations = results
        .into_iter()
        .map(|(label, digits, seconds)| {
            Ok(Computation {
                method: method(&label)?,
                n,
                algorithm,
                digits,
                seconds,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let body = fibonacci::compare_body(n, algorithm, &computations).ok_or_else(not_digits)?;
    Ok(PyBytes::new(py, body.as_bytes()))
}

/// The 503 of a heavy call that found none of `slots` free within
/// `queue_timeout_s`: `(detail, Retry-After seconds)`.
#[pyfunction]
pub(crate) fn overloaded(
    slots: usize,
    queue_timeout_s: f64,
    slots_setting: &str,
    timeout_setting: &str,
) -> Result<(String, u64)> {
    let timeout = Duration::try_from_secs_f64(queue_timeout_s).map_err(|_| {
        Error::InvalidArgument(format!(
            "queue_timeout_s must be a positive number, got {queue_timeout_s}"
        ))
    })?;
    Ok(fastwasm_http::admission::overloaded(
        slots,
        timeout,
        slots_setting,
        timeout_setting,
    ))
}

/// The HTTP `detail` of a `WasmError` of `kind` with `message`, naming the
/// settings in `setting_names`' words (`"library"` or `"service"`).
#[pyfunction]
pub(crate) fn error_detail(kind: &str, message: &str, setting_names: &str) -> Result<String> {
    let names = names_called(setting_names)?;
    Ok(match status::kind_named(kind) {
        Some(kind) => status::detail(kind, message, &names),
        None => message.to_owned(),
    })
}

/// Every metric: `(name, kind, help, labels)`, and `COMPUTE_BUCKETS` for the
/// histograms.
#[pyfunction]
pub(crate) fn metric_table(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let table = PyDict::new(py);
    for metric in metrics::ALL {
        table.set_item(
            metric.name,
            (metric.kind.name(), metric.help, metric.labels.to_vec()),
        )?;
    }
    Ok(table)
}

/// Adds this module's classes and functions.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ServiceSettings>()?;
    m.add("InvalidSetting", m.py().get_type::<InvalidSetting>())?;
    m.add("COMPUTE_BUCKETS", metrics::COMPUTE_BUCKETS.to_vec())?;
    m.add("ADMIN_RELOAD_ROUTE", fastwasm_http::admin::RELOAD_ROUTE)?;
    m.add_function(wrap_pyfunction!(fibonacci_body, m)?)?;
    m.add_function(wrap_pyfunction!(compare_body, m)?)?;
    m.add_function(wrap_pyfunction!(overloaded, m)?)?;
    m.add_function(wrap_pyfunction!(error_detail, m)?)?;
    m.add_function(wrap_pyfunction!(metric_table, m)?)?;
    Ok(())
}

//! `fastwasm.Module`: a core WebAssembly module's scalar exports, called
//! blocking (`call`) or awaited (`acall`).

use std::time::Duration;

use fastwasm_runtime::{self as runtime, CallOptions, Value, ValueType};
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyTuple};

use crate::aio;
use crate::blocking::Guard;
use crate::component::call_timeout;
use crate::convert::{Class, argument_error};
use crate::runtime::{CancelToken, LoadInfo, PoolStats, load_info, pool_stats};
use crate::{Error, Result};

/// A function export and its type.
#[pyclass(frozen, module = "fastwasm", get_all)]
pub(crate) struct Export {
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
pub(crate) struct Module {
    pub(crate) inner: runtime::Module,
    guard: Guard,
}

impl Module {
    pub(crate) fn new(inner: runtime::Module, blocking_warning: Duration) -> Self {
        let guard = Guard::new(inner.runtime(), inner.exports().len(), blocking_warning);
        Self { inner, guard }
    }

    /// The arguments, checked against `export`'s scalar signature.
    fn values(&self, export: &str, args: &Bound<'_, PyTuple>) -> Result<Vec<Value>> {
        let signature = self.inner.signature(export)?;
        let (want, got) = (signature.params.len(), args.len());
        if want != got {
            let message = format!("{export}{signature} takes {want} arguments, got {got}");
            let py = args.py();
            return Err(argument_error(
                py,
                Class::Type,
                &message,
                "wit_type",
                Vec::new(),
                &message,
            )
            .into());
        }
        args.iter()
            .zip(&signature.params)
            .enumerate()
            .map(|(i, (arg, &ty))| to_value(&arg, ty, i))
            .collect()
    }
}

/// Argument `position` as the scalar `ty` takes: an int that fits its bits, or
/// a float for a float type (the runtime's rules, `Value::from_int`).
fn to_value(arg: &Bound<'_, PyAny>, ty: ValueType, position: usize) -> Result<Value> {
    let py = arg.py();
    let wrong = |class: Class, kind: &str, why: String| -> Error {
        let message = format!("argument {position} {why}");
        let loc = match position.into_pyobject(py) {
            Ok(i) => vec![i.into_any()],
            Err(never) => match never {},
        };
        argument_error(py, class, &message, kind, loc, &why).into()
    };
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
                let why = format!("does not fit in {bits} bits (signed or unsigned): {arg}");
                wrong(Class::Value, "wit_value", why)
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
        wrong(
            Class::Type,
            "wit_type",
            format!("must be a number for {ty}, not {got}"),
        )
    })
}

/// None, one number, or a tuple.
fn results_to_py(py: Python<'_>, results: &[Value]) -> PyResult<Py<PyAny>> {
    Ok(match results {
        [] => py.None(),
        [one] => value_to_py(py, *one)?.unbind(),
        many => PyTuple::new(
            py,
            many.iter()
                .map(|v| value_to_py(py, *v))
                .collect::<PyResult<Vec<_>>>()?,
        )?
        .into_any()
        .unbind(),
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

    /// Calls a scalar export, blocking this thread. Returns None, one
    /// number, or a tuple.
    #[pyo3(signature = (export, *args, cancel = None, timeout_s = None))]
    fn call<'py>(
        &self,
        py: Python<'py>,
        export: &str,
        args: &Bound<'py, PyTuple>,
        cancel: Option<&CancelToken>,
        timeout_s: Option<f64>,
    ) -> Result<Bound<'py, PyAny>> {
        let values = self.values(export, args)?;
        let options = CallOptions {
            cancel: cancel.map(|c| &c.inner),
            timeout: call_timeout(timeout_s)?,
        };
        let inner = &self.inner;
        let started = inner.runtime().epoch_ticks();
        let results = py.detach(|| inner.call_with(export, &values, &options));
        let index = || {
            inner
                .exports()
                .iter()
                .position(|e| e.name == export)
                .unwrap_or_default()
        };
        let what = format!("Module.call(\"{export}\")");
        self.guard
            .check(py, inner.runtime(), started, index, &what)?;
        Ok(results_to_py(py, &results?)?.into_bound(py))
    }

    /// As `call`, awaited: the guest runs off the event loop (inline when
    /// the export is cheap), and cancelling the awaiting task stops it.
    #[pyo3(signature = (export, *args, timeout_s = None, inline = None))]
    fn acall<'py>(
        slf: &Bound<'py, Self>,
        export: &str,
        args: &Bound<'py, PyTuple>,
        timeout_s: Option<f64>,
        inline: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        aio::awaited(slf.as_any(), (export, args, timeout_s, inline))
    }

    /// Starts an awaited call (`acall` awaits it): the value when it ran
    /// inline, else its `CallFuture`.
    fn _start<'py>(
        slf: &Bound<'py, Self>,
        export: &str,
        args: &Bound<'py, PyTuple>,
        timeout_s: Option<f64>,
        inline: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.get();
        let values = this.values(export, args)?;
        let timeout = call_timeout(timeout_s)?;
        let inner = &this.inner;
        if inline.unwrap_or_else(|| inner.runs_inline(export).unwrap_or(false)) {
            let options = CallOptions {
                cancel: None,
                timeout,
            };
            match inner.call_inline(export, &values, &options) {
                Ok(Some(results)) => return Ok(results_to_py(py, &results)?.into_bound(py)),
                Err(error) => return Err(Error::Runtime(error).into()),
                Ok(None) => {}
            }
        }
        let module = inner.clone();
        let export = export.to_owned();
        aio::spawned(
            py,
            Some(inner.runtime()),
            timeout,
            inner.has_deadline(),
            move |options| module.call_with(&export, &values, options),
            |py, results| match results {
                Ok(results) => results_to_py(py, &results),
                Err(error) => aio::failed(error),
            },
        )
    }

    /// Whether `acall` runs `export` inline now, on the caller's thread.
    fn runs_inline(&self, export: &str) -> Result<bool> {
        Ok(self.inner.runs_inline(export)?)
    }

    /// Whether calls run under a deadline, so a timeout or a cancel can
    /// stop them (`load(..., deadline=False)` turns it off).
    #[getter]
    fn has_deadline(&self) -> bool {
        self.inner.has_deadline()
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

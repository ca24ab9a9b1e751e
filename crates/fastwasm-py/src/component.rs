//! `fastwasm.Component`: any WebAssembly component, called with typed
//! Python values (docs/components.md).

use fastwasm_runtime::mapping::{Typed, outcome};
use fastwasm_runtime::wasmtime::component::Val;
use fastwasm_runtime::wasmtime::component::types::Type;
use fastwasm_runtime::{
    self as runtime, Bulk, CallOutput, FastArg, FastValue, kebab, snake, type_text,
};
use pyo3::buffer::PyBuffer;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyMemoryView, PyString, PyTuple};

use crate::convert::{raise, to_py, to_val};
use crate::exceptions::guest_error;
use crate::{CancelToken, LoadInfo, PoolStats, Result, load_info, pool_stats};

/// A function a component exports, with its WIT types.
#[pyclass(frozen, module = "fastwasm", get_all)]
pub struct ComponentExport {
    name: String,
    params: Py<PyTuple>,
    result: Option<String>,
    signature: String,
    unsupported: Option<String>,
    fast_path: bool,
}

#[pymethods]
impl ComponentExport {
    fn __repr__(&self) -> String {
        format!("<ComponentExport {}: {}>", self.name, self.signature)
    }
}

/// What one call returned, with what the guest wrote.
#[pyclass(frozen, module = "fastwasm", get_all)]
pub struct CallResult {
    value: Py<PyAny>,
    stdout: Py<PyBytes>,
    stderr: Py<PyBytes>,
    dropped: u64,
}

/// A compiled component, callable from any thread.
#[pyclass(frozen, module = "fastwasm")]
pub struct Component {
    pub(crate) inner: runtime::Component,
}

/// An argument, borrowed from Python where it can be: `bytes` and `str` are
/// read in place; `bytearray` and `memoryview`, which another thread could
/// change meanwhile, are copied.
enum Held<'py> {
    Bytes(Bound<'py, PyBytes>),
    Copied(Vec<u8>),
    Str(Bound<'py, PyString>),
    Scalar(Val),
}

impl Held<'_> {
    fn arg(&self) -> PyResult<FastArg<'_>> {
        Ok(match self {
            Self::Bytes(bytes) => FastArg::Bytes(bytes.as_bytes()),
            Self::Copied(bytes) => FastArg::Bytes(bytes),
            Self::Str(text) => FastArg::Str(text.to_str()?),
            Self::Scalar(val) => FastArg::Scalar(val),
        })
    }
}

fn hold<'py>(obj: &Bound<'py, PyAny>, ty: &Type) -> Option<Held<'py>> {
    match ty {
        Type::String => obj.cast::<PyString>().ok().map(|s| Held::Str(s.clone())),
        Type::List(_) => {
            if let Ok(bytes) = obj.cast::<PyBytes>() {
                Some(Held::Bytes(bytes.clone()))
            } else if let Ok(array) = obj.cast::<PyByteArray>() {
                Some(Held::Copied(array.to_vec()))
            } else if obj.is_instance_of::<PyMemoryView>() {
                PyBuffer::<u8>::get(obj)
                    .and_then(|buffer| buffer.to_vec(obj.py()))
                    .ok()
                    .map(Held::Copied)
            } else {
                None
            }
        }
        _ => to_val(obj, ty).ok().map(Held::Scalar),
    }
}

fn bulk_to_py(py: Python<'_>, bulk: Bulk) -> Bound<'_, PyAny> {
    let value = match &bulk {
        Bulk::Bytes(bytes) => PyBytes::new(py, bytes).into_any(),
        Bulk::Str(text) => PyString::new(py, text).into_any(),
    };
    // Copied into Python: the buffer serves the next call (no fresh pages).
    bulk.recycle();
    value
}

impl Component {
    /// The arguments bound to the parameters: positional, then keywords by
    /// WIT or `snake_case` name.
    fn bind<'py>(
        function: &runtime::Function,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> Result<Vec<Bound<'py, PyAny>>> {
        let name = &function.name;
        let want = function.params.len();
        if args.len() > want {
            let message = format!("{name} takes {want} arguments, got {}", args.len());
            return Err(PyTypeError::new_err(message).into());
        }
        let mut bound: Vec<Option<Bound<'py, PyAny>>> = args.iter().map(Some).collect();
        bound.resize(want, None);
        for (key, value) in kwargs.into_iter().flat_map(PyDictMethods::iter) {
            let key: String = key.extract()?;
            let Some(i) = function.params.iter().position(|(p, _)| *p == kebab(&key)) else {
                let message = format!("{name} has no parameter {key:?}");
                return Err(PyTypeError::new_err(message).into());
            };
            if bound[i].replace(value).is_some() {
                let message = format!("{name} got {key:?} twice");
                return Err(PyTypeError::new_err(message).into());
            }
        }
        bound
            .into_iter()
            .zip(&function.params)
            .map(|(value, (param, _))| {
                value.ok_or_else(|| {
                    let message = format!("{name} is missing its argument {}", snake(param));
                    PyTypeError::new_err(message).into()
                })
            })
            .collect()
    }

    /// Calls the function: the fast path when its shape has one and the
    /// arguments fit it, else the general one. Releases the GIL for the call.
    fn invoke<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
        cancel: Option<&CancelToken>,
    ) -> Result<(Bound<'py, PyAny>, CallOutput)> {
        let function = self.inner.function(name)?;
        let values = Self::bind(function, args, kwargs)?;
        let cancel = cancel.map(|c| &c.inner);
        let params = &function.params;
        if function.has_fast_path() {
            let held: Option<Vec<Held<'py>>> = values
                .iter()
                .zip(params)
                .map(|(value, (_, ty))| hold(value, ty))
                .collect();
            if let Some(held) = held {
                let fast = held.iter().map(Held::arg).collect::<PyResult<Vec<_>>>()?;
                let inner = &self.inner;
                let (value, output) = py.detach(|| inner.call_fast(function, &fast, cancel))?;
                let value = match value {
                    FastValue::Unit | FastValue::Option(None) => py.None().into_bound(py),
                    FastValue::Scalar(val) => {
                        to_py(py, &val, function.result.as_ref().unwrap_or(&Type::Bool))?
                    }
                    FastValue::Bulk(bulk)
                    | FastValue::Option(Some(bulk))
                    | FastValue::Result(Ok(bulk)) => bulk_to_py(py, bulk),
                    FastValue::Result(Err(bulk)) => {
                        return Err(guest_error(py, &function.name, bulk_to_py(py, bulk))?.into());
                    }
                };
                return Ok((value, output));
            }
        }
        let vals = values
            .iter()
            .zip(params)
            .map(|(value, (param, ty))| {
                to_val(value, ty).map_err(|m| raise(&m, &format!("argument {}", snake(param))))
            })
            .collect::<PyResult<Vec<_>>>()?;
        let inner = &self.inner;
        let (result, output) = py.detach(|| inner.call(function, &vals, cancel))?;
        let typed = |typed: Typed<'_>| match typed {
            Some((v, t)) => to_py(py, v, &t),
            None => Ok(py.None().into_bound(py)),
        };
        // A result at the top of the signature: the ok value, or GuestError.
        let value = match outcome(result.as_ref(), function.result.as_ref()) {
            Ok(ok) => typed(ok)?,
            Err(err) => return Err(guest_error(py, &function.name, typed(err)?)?.into()),
        };
        Ok((value, output))
    }
}

#[pymethods]
impl Component {
    /// One entry per exported function.
    #[getter]
    fn exports(&self, py: Python<'_>) -> PyResult<Vec<ComponentExport>> {
        self.inner
            .functions()
            .iter()
            .map(|f| {
                let params: Vec<(String, String)> = f
                    .params
                    .iter()
                    .map(|(n, t)| (n.clone(), type_text(t)))
                    .collect();
                Ok(ComponentExport {
                    name: f.name.clone(),
                    params: PyTuple::new(py, params)?.unbind(),
                    result: f.result.as_ref().map(type_text),
                    signature: f.signature(),
                    unsupported: f.unsupported.clone(),
                    fast_path: f.has_fast_path(),
                })
            })
            .collect()
    }

    /// Calls `function` (WIT or `snake_case` spelling) with positional or
    /// keyword arguments (`cancel` is the call's own); returns its result. A
    /// `result<T, E>` at the top of the signature returns T, or raises
    /// `GuestError` with E as `.value`.
    #[pyo3(signature = (function, /, *args, cancel = None, **kwargs))]
    fn call<'py>(
        &self,
        py: Python<'py>,
        function: &str,
        args: &Bound<'py, PyTuple>,
        cancel: Option<&CancelToken>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> Result<Bound<'py, PyAny>> {
        Ok(self.invoke(py, function, args, kwargs, cancel)?.0)
    }

    /// As `call`, returning a `CallResult` that also holds what the guest
    /// wrote to stdout and stderr (up to the runtime's cap).
    #[pyo3(signature = (function, /, *args, cancel = None, **kwargs))]
    fn call_with_output<'py>(
        &self,
        py: Python<'py>,
        function: &str,
        args: &Bound<'py, PyTuple>,
        cancel: Option<&CancelToken>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> Result<CallResult> {
        let (value, output) = self.invoke(py, function, args, kwargs, cancel)?;
        Ok(CallResult {
            value: value.unbind(),
            stdout: PyBytes::new(py, &output.stdout).unbind(),
            stderr: PyBytes::new(py, &output.stderr).unbind(),
            dropped: output.dropped,
        })
    }

    /// How the component was loaded.
    #[getter]
    fn load_info(&self) -> LoadInfo {
        load_info(self.inner.load_info())
    }

    /// The instance pool and its counters.
    fn pool_stats(&self) -> PoolStats {
        pool_stats(self.inner.pool_stats())
    }

    fn __repr__(&self) -> String {
        format!("<Component with {} exports>", self.inner.functions().len())
    }
}

//! `fastwasm.Component`: any WebAssembly component, called with typed
//! Python values (docs/components.md), blocking (`call`) or awaited
//! (`acall`).

use std::time::Duration;

use fastwasm_runtime::mapping::{Typed, outcome};
use fastwasm_runtime::wasmtime::component::types::Type;
use fastwasm_runtime::{
    self as runtime, Bulk, CallOptions, CallOutput, Called, FastValue, NumberType, Numbers,
    Payload, Returned, kebab, snake, type_text,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString, PyTuple};

use crate::aio;
use crate::arrays::{self, Arrays};
use crate::blocking::Guard;
use crate::convert::{Class, MakeResource, argument_error, to_py, to_py_with};
use crate::exceptions::guest_error;
use crate::guest_log::GuestLog;
use crate::held::{Held, Prepared, general, hold};
use crate::resource_calls;
use crate::resources::{self, ResourceType};
use crate::runtime::{CancelToken, LoadInfo, PoolStats, load_info, pool_stats};
use crate::{Error, Result};

/// A function a component exports, with its WIT types.
#[pyclass(frozen, module = "fastwasm", get_all)]
pub struct ComponentExport {
    name: String,
    params: Py<PyTuple>,
    result: Option<String>,
    signature: String,
    unsupported: Option<String>,
    fast_path: bool,
    resources: bool,
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
    guard: Guard,
    arrays: Arrays,
    /// Where its stdout and stderr go as log records, if anywhere.
    log: Option<GuestLog>,
}

fn bulk_to_py(py: Python<'_>, bulk: Bulk, arrays: Arrays) -> PyResult<Bound<'_, PyAny>> {
    let value = match &bulk {
        Bulk::Bytes(bytes) => PyBytes::new(py, bytes).into_any(),
        Bulk::Str(text) => PyString::new(py, text).into_any(),
        Bulk::Numbers(_) => {
            let Bulk::Numbers(numbers) = bulk else {
                unreachable!("matched above")
            };
            return arrays::to_py(py, numbers, arrays);
        }
    };
    // Copied into Python: the buffer serves the next call (no fresh pages).
    bulk.recycle();
    Ok(value)
}

/// A call's timeout in seconds as a `Duration`; the runtime checks it
/// against the function's deadline.
pub(crate) fn call_timeout(timeout_s: Option<f64>) -> Result<Option<Duration>> {
    timeout_s
        .map(|seconds| {
            Duration::try_from_secs_f64(seconds)
                .ok()
                .filter(|t| !t.is_zero())
                .ok_or_else(|| {
                    Error::InvalidArgument(format!(
                        "timeout_s must be a positive number of seconds, got {seconds}"
                    ))
                })
        })
        .transpose()
}

impl Component {
    pub(crate) fn new(
        inner: runtime::Component,
        blocking_warning: Duration,
        arrays: Arrays,
    ) -> Self {
        let guard = Guard::new(inner.runtime(), inner.functions().len(), blocking_warning);
        Self {
            inner,
            guard,
            arrays,
            log: None,
        }
    }

    /// This component, logging what its calls write (`guest_log.rs`).
    pub(crate) fn with_log(mut self, log: Option<GuestLog>) -> Self {
        self.log = log;
        self
    }

    /// Logs what function `index` wrote, when this component logs.
    pub(crate) fn log_output(
        &self,
        py: Python<'_>,
        index: usize,
        output: &CallOutput,
    ) -> PyResult<()> {
        match &self.log {
            Some(log) => log.emit(py, &self.inner.functions()[index].name, output),
            None => Ok(()),
        }
    }

    /// The arguments bound to the parameters: positional, then keywords by
    /// WIT or `snake_case` name.
    pub(crate) fn bind<'py>(
        function: &runtime::Function,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> Result<Vec<Bound<'py, PyAny>>> {
        let py = args.py();
        let name = &function.name;
        let wrong = |kind: &str, loc: Option<&str>, message: String| -> Error {
            let loc = loc
                .map(|l| PyString::new(py, l).into_any())
                .into_iter()
                .collect();
            argument_error(py, Class::Type, &message, kind, loc, &message).into()
        };
        let want = function.params.len();
        if args.len() > want {
            let message = format!("{name} takes {want} arguments, got {}", args.len());
            return Err(wrong("extra_forbidden", None, message));
        }
        let mut bound: Vec<Option<Bound<'py, PyAny>>> = args.iter().map(Some).collect();
        bound.resize(want, None);
        for (key, value) in kwargs.into_iter().flat_map(PyDictMethods::iter) {
            let key: String = key.extract()?;
            let Some(i) = function.params.iter().position(|(p, _)| *p == kebab(&key)) else {
                let message = format!("{name} has no parameter {key:?}");
                return Err(wrong("extra_forbidden", Some(&key), message));
            };
            if bound[i].replace(value).is_some() {
                let message = format!("{name} got {key:?} twice");
                return Err(wrong("extra_forbidden", Some(&key), message));
            }
        }
        bound
            .into_iter()
            .zip(&function.params)
            .map(|(value, (param, _))| {
                value.ok_or_else(|| {
                    let param = snake(param);
                    let message = format!("{name} is missing its argument {param}");
                    wrong("missing", Some(&param), message)
                })
            })
            .collect()
    }

    /// The function's index and its arguments, converted: for the fast path
    /// when its shape has one and the arguments fit it, else the general one.
    fn prepare(
        &self,
        function: &str,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> Result<(usize, Prepared)> {
        let index = self.index(function)?;
        let function = &self.inner.functions()[index];
        let values = Self::bind(function, args, kwargs)?;
        let params = &function.params;
        if function.has_fast_path() {
            let held = values
                .iter()
                .zip(params)
                .map(|(value, (param, ty))| hold(value, param, ty))
                .collect::<PyResult<Option<Vec<Held>>>>()?;
            if let Some(held) = held {
                return Ok((index, Prepared::Fast(held)));
            }
        }
        let vals = values
            .iter()
            .zip(params)
            .map(|(value, (param, ty))| general(value, param, ty))
            .collect::<PyResult<Vec<_>>>()?;
        Ok((index, Prepared::Vals(vals)))
    }

    fn index(&self, function: &str) -> Result<usize> {
        let found = self.inner.function(function)?;
        Ok(self
            .inner
            .functions()
            .iter()
            .position(|f| std::ptr::eq(f, found))
            .expect("function() returns one of functions()"))
    }

    /// The call's value in Python: a `result` at the top of the signature
    /// gives its ok value, or raises `GuestError` with its err value.
    pub(crate) fn finish<'py>(
        &self,
        py: Python<'py>,
        index: usize,
        value: Returned,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.finish_with(py, index, value, None)
    }

    /// As `finish`, with `make` turning the resource handles the call
    /// returned into objects.
    pub(crate) fn finish_with<'py>(
        &self,
        py: Python<'py>,
        index: usize,
        value: Returned,
        make: Option<MakeResource<'_, 'py>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let function = &self.inner.functions()[index];
        match value {
            Returned::Fast(value) => Ok(match value {
                FastValue::Unit | FastValue::Option(None) => py.None().into_bound(py),
                FastValue::Scalar(val)
                | FastValue::Option(Some(Payload::Scalar(val)))
                | FastValue::Result(Ok(Payload::Scalar(val))) => {
                    to_py(py, &val, &function.value_type().unwrap_or(Type::Bool))?
                }
                FastValue::Bulk(bulk)
                | FastValue::Option(Some(Payload::Bulk(bulk)))
                | FastValue::Result(Ok(Payload::Bulk(bulk))) => bulk_to_py(py, bulk, self.arrays)?,
                FastValue::Result(Err(bulk)) => {
                    let value = bulk_to_py(py, bulk, self.arrays)?;
                    return Err(guest_error(py, &function.name, value)?);
                }
            }),
            Returned::Val(result) => {
                let typed = |typed: Typed<'_>| match typed {
                    Some((v, t)) => match (&t, self.arrays) {
                        (Type::List(list), Arrays::Array) => {
                            match NumberType::of(&list.ty())
                                .and_then(|number_type| Numbers::from_val(v, number_type))
                            {
                                Some(numbers) => arrays::to_py(py, numbers, self.arrays),
                                None => to_py_with(py, v, &t, make),
                            }
                        }
                        _ => to_py_with(py, v, &t, make),
                    },
                    None => Ok(py.None().into_bound(py)),
                };
                match outcome(result.as_ref(), function.result.as_ref()) {
                    Ok(ok) => typed(ok),
                    Err(err) => Err(guest_error(py, &function.name, typed(err)?)?),
                }
            }
        }
    }

    /// A blocking call on this thread, with the GIL released for it.
    fn invoke<'py>(
        &self,
        py: Python<'py>,
        function: &str,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
        cancel: Option<&CancelToken>,
        timeout_s: Option<f64>,
    ) -> Result<(Bound<'py, PyAny>, CallOutput)> {
        let (index, prepared) = self.prepare(function, args, kwargs)?;
        let options = CallOptions {
            cancel: cancel.map(|c| &c.inner),
            timeout: call_timeout(timeout_s)?,
        };
        let inner = &self.inner;
        let started = inner.runtime().epoch_ticks();
        let called = py.detach(|| prepared.with_args(|args| inner.invoke(&index, args, &options)));
        let name = &inner.functions()[index].name;
        let what = format!("Component.call(\"{name}\")");
        self.guard
            .check(py, inner.runtime(), started, || index, &what)?;
        let Called { value, output, .. } = called?;
        self.log_output(py, index, &output)?;
        Ok((self.finish(py, index, value)?, output))
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
                    resources: f.resources,
                })
            })
            .collect()
    }

    /// Calls `function` (WIT or `snake_case` spelling) with positional or
    /// keyword arguments, blocking this thread; returns its result. A
    /// `result<T, E>` at the top of the signature returns T, or raises
    /// `GuestError` with E as `.value`.
    ///
    /// A function that passes resources runs on the instance of the
    /// resource objects it is given, or on a newly pinned one (see
    /// `resource`).
    #[pyo3(signature = (function, /, *args, cancel = None, timeout_s = None, **kwargs))]
    fn call<'py>(
        slf: &Bound<'py, Self>,
        function: &str,
        args: &Bound<'py, PyTuple>,
        cancel: Option<&CancelToken>,
        timeout_s: Option<f64>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> Result<Bound<'py, PyAny>> {
        let this = slf.get();
        let index = this.index(function)?;
        if this.inner.functions()[index].resources {
            return resource_calls::call(slf, index, None, args, kwargs, cancel, timeout_s);
        }
        Ok(this
            .invoke(slf.py(), function, args, kwargs, cancel, timeout_s)?
            .0)
    }

    /// The resource `name` exports (`counter`, or its full name
    /// `interface/counter`), as a Python type: calling it runs the WIT
    /// constructor in a newly pinned instance (docs/components.md).
    fn resource(slf: &Bound<'_, Self>, name: &str) -> Result<ResourceType> {
        resources::resource_type(slf, name)
    }

    /// Every resource the component exports, by full name.
    #[getter]
    fn resources(&self) -> Vec<String> {
        self.inner
            .resources()
            .iter()
            .map(runtime::ResourceExport::full_name)
            .collect()
    }

    /// As `call`, returning a `CallResult` that also holds what the guest
    /// wrote to stdout and stderr (up to the runtime's cap).
    #[pyo3(signature = (function, /, *args, cancel = None, timeout_s = None, **kwargs))]
    fn call_with_output<'py>(
        &self,
        py: Python<'py>,
        function: &str,
        args: &Bound<'py, PyTuple>,
        cancel: Option<&CancelToken>,
        timeout_s: Option<f64>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> Result<CallResult> {
        let (value, output) = self.invoke(py, function, args, kwargs, cancel, timeout_s)?;
        Ok(CallResult {
            value: value.unbind(),
            stdout: PyBytes::new(py, &output.stdout).unbind(),
            stderr: PyBytes::new(py, &output.stderr).unbind(),
            dropped: output.dropped,
        })
    }

    /// As `call`, awaited: the guest runs off the event loop (inline when
    /// the function is cheap, see `runs_inline`), and cancelling the
    /// awaiting task stops it.
    #[pyo3(signature = (function, /, *args, timeout_s = None, inline = None, **kwargs))]
    fn acall<'py>(
        slf: &Bound<'py, Self>,
        function: &str,
        args: &Bound<'py, PyTuple>,
        timeout_s: Option<f64>,
        inline: Option<bool>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        aio::awaited(slf.as_any(), (function, args, kwargs, timeout_s, inline))
    }

    /// Starts an awaited call (`acall` awaits it): run inline, it returns
    /// the value (or raises); handed to a call thread, its `CallFuture`.
    fn _start<'py>(
        slf: &Bound<'py, Self>,
        function: &str,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
        timeout_s: Option<f64>,
        inline: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.get();
        let index = this.index(function)?;
        if this.inner.functions()[index].resources {
            return Ok(resource_calls::start(
                slf, index, None, args, kwargs, timeout_s,
            )?);
        }
        let (index, prepared) = this.prepare(function, args, kwargs)?;
        let timeout = call_timeout(timeout_s)?;
        let inner = &this.inner;
        if inline.unwrap_or_else(|| inner.runs_inline(&index).unwrap_or(false)) {
            let options = CallOptions {
                cancel: None,
                timeout,
            };
            match prepared.with_args(|args| inner.invoke_inline(&index, args, &options)) {
                Ok(Some(called)) => {
                    this.log_output(py, index, &called.output)?;
                    return this.finish(py, index, called.value);
                }
                Err(error) => return Err(Error::Runtime(error).into()),
                // Preempted: it runs again on a call thread.
                Ok(None) => {}
            }
        }
        let component: Py<Self> = slf.clone().unbind();
        let work_on = component.clone_ref(py);
        aio::spawned(
            py,
            Some(this.inner.runtime()),
            timeout,
            this.inner.has_deadline(),
            move |options| {
                let inner = &work_on.get().inner;
                let called = prepared.with_args(|args| inner.invoke(&index, args, options));
                (prepared, called)
            },
            move |py, (prepared, called)| {
                // Dropped here, with the GIL: the Python objects it read.
                drop(prepared);
                match called {
                    Ok(called) => {
                        let component = component.get();
                        component.log_output(py, index, &called.output)?;
                        component.finish(py, index, called.value).map(Bound::unbind)
                    }
                    Err(error) => aio::failed(error),
                }
            },
        )
    }

    /// Whether `acall` runs `function` inline now, on the caller's thread:
    /// declared cheap, or its recent calls were each under the runtime's
    /// `inline_threshold_us` (docs/fastapi.md).
    fn runs_inline(&self, function: &str) -> Result<bool> {
        Ok(self.inner.runs_inline(function)?)
    }

    /// Whether calls run under a deadline, so a timeout or a cancel can
    /// stop them (`load(..., deadline=False)` turns it off).
    #[getter]
    fn has_deadline(&self) -> bool {
        self.inner.has_deadline()
    }

    /// How a `list<T>` of numbers comes back: `"list"` or `"array"`.
    #[getter]
    fn arrays(&self) -> &'static str {
        self.arrays.name()
    }

    /// This component, returning lists of numbers as `arrays` says
    /// (`"list"` or `"array"`); it shares the compiled code, the instance
    /// pool and the limits.
    fn with_arrays(&self, arrays: &str) -> Result<Self> {
        Ok(
            Self::new(self.inner.clone(), self.guard.threshold(), arrays.parse()?)
                .with_log(self.log.clone()),
        )
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

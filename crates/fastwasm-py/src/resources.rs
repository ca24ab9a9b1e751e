//! WIT resources as Python objects: `component.resource("counter")` is a
//! [`ResourceType`]; calling it runs the constructor and gives a
//! [`Resource`], whose methods are Python methods.
//!
//! A resource lives in one instance's store, so each object holds a
//! [`Session`]: one instance pinned out of the pool (`fastwasm_runtime::Pinned`)
//! and shared by every object made in it. A constructor call makes a new
//! session, so separate objects run in parallel; `ResourceType.beside(obj,
//! ...)` constructs in `obj`'s session, and a call that passes objects runs
//! in theirs (they must share one). Calls in one session are serialized by
//! its lock, taken with the GIL released. When its last handle is dropped,
//! the instance goes back to the pool.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use fastwasm_runtime::wasmtime::component::ResourceAny;
use fastwasm_runtime::{self as runtime, CallOptions, Pinned, ResourceExport, snake};
use pyo3::exceptions::PyAttributeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::aio;
use crate::component::Component;
use crate::resource_calls::{call, prepare, start};
use crate::runtime::CancelToken;
use crate::{Error, Result};

/// One pinned instance and the objects made in it.
pub(crate) struct Session {
    /// `None` once every handle is gone and the instance is back in the pool.
    pinned: Mutex<Option<Pinned>>,
}

impl Session {
    pub(crate) fn new(pinned: Pinned) -> Arc<Self> {
        Arc::new(Self {
            pinned: Mutex::new(Some(pinned)),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Option<Pinned>> {
        self.pinned.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `work` on the pinned instance; afterwards, an instance with no
    /// handle left goes back to the pool.
    pub(crate) fn with<T>(
        &self,
        resource: &str,
        work: impl FnOnce(&mut Pinned) -> std::result::Result<T, runtime::Error>,
    ) -> std::result::Result<T, runtime::Error> {
        let mut pinned = self.lock();
        let Some(instance) = pinned.as_mut() else {
            return Err(runtime::Error::Resource {
                resource: resource.to_owned(),
                reason: "its instance went back to the pool when its last handle was dropped"
                    .into(),
            });
        };
        let done = work(instance);
        if instance.live() == 0 && instance.gone().is_none() {
            *pinned = None;
        }
        done
    }
}

/// A handle's state in its Python object.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Handle {
    Live(ResourceAny),
    /// Why it can no longer be used.
    Closed(&'static str),
}

/// A resource a component exports, as a Python type: calling it runs the
/// WIT constructor; its static functions are its attributes.
#[pyclass(frozen, module = "fastwasm")]
pub struct ResourceType {
    pub(crate) component: Py<Component>,
    pub(crate) export: ResourceExport,
}

/// One resource: its methods are Python methods (`snake_case`); `close()`,
/// a `with` block's end or garbage collection runs the guest's destructor.
#[pyclass(frozen, weakref, module = "fastwasm")]
pub struct Resource {
    pub(crate) kind: Py<ResourceType>,
    pub(crate) session: Arc<Session>,
    pub(crate) handle: Mutex<Handle>,
}

/// A method of one resource object (`obj.up`), or a static function of a
/// resource type: call it, or `await` its `acall`.
#[pyclass(frozen, module = "fastwasm")]
pub struct ResourceMethod {
    /// The object for a method; `None` for a static function.
    target: Option<Py<Resource>>,
    component: Py<Component>,
    index: usize,
}

impl Resource {
    pub(crate) fn state(&self) -> MutexGuard<'_, Handle> {
        self.handle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn name(&self) -> String {
        self.kind.get().export.name.clone()
    }

    /// Runs the destructor, once; a closed object stays closed.
    fn drop_handle(&self, name: &str) -> std::result::Result<(), runtime::Error> {
        let handle = {
            let mut state = self.state();
            match *state {
                Handle::Live(handle) => {
                    *state = Handle::Closed("it was closed");
                    handle
                }
                Handle::Closed(_) => return Ok(()),
            }
        };
        self.session
            .with(name, |pinned| pinned.drop_resource(handle, name))
    }
}

impl ResourceType {
    pub(crate) fn new(component: Py<Component>, export: ResourceExport) -> Self {
        Self { component, export }
    }

    fn constructor(&self) -> Result<usize> {
        self.export.constructor.ok_or_else(|| {
            Error::Runtime(runtime::Error::MissingExport {
                name: format!("a constructor of `{}`", self.export.name),
            })
        })
    }
}

#[pymethods]
impl ResourceType {
    /// Runs the constructor in a newly pinned instance.
    #[pyo3(signature = (*args, **kwargs))]
    fn __call__<'py>(
        slf: &Bound<'py, Self>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> Result<Bound<'py, PyAny>> {
        let this = slf.get();
        let index = this.constructor()?;
        call(
            this.component.bind(slf.py()),
            index,
            None,
            args,
            kwargs,
            None,
            None,
        )
    }

    /// Runs the constructor in `other`'s instance, so the new object and
    /// `other` can be passed to one call together.
    #[pyo3(signature = (other, /, *args, **kwargs))]
    fn beside<'py>(
        slf: &Bound<'py, Self>,
        other: &Bound<'py, Resource>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> Result<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.get();
        let index = this.constructor()?;
        let component = this.component.bind(py);
        let mut prepared = prepare(component, index, None, args, kwargs)?;
        let resource = other.get();
        if let Handle::Closed(why) = *resource.state() {
            return Err(Error::Runtime(runtime::Error::Resource {
                resource: resource.name(),
                reason: why.to_owned(),
            }));
        }
        if !prepared.passed.is_empty() && !Arc::ptr_eq(&prepared.session, &resource.session) {
            return Err(Error::Runtime(runtime::Error::Resource {
                resource: resource.name(),
                reason: "the constructor was given objects of another instance than the one it was asked to run beside".into(),
            }));
        }
        prepared.session = Arc::clone(&resource.session);
        let inner = &component.get().inner;
        let called = py.detach(|| prepared.run(inner, &CallOptions::default()));
        Ok(prepared.finish(component, called)?)
    }

    /// A static function, as a callable.
    fn __getattr__(slf: &Bound<'_, Self>, name: &str) -> PyResult<ResourceMethod> {
        let this = slf.get();
        match this.export.static_function(name) {
            Some(index) => Ok(ResourceMethod {
                target: None,
                component: this.component.clone_ref(slf.py()),
                index,
            }),
            None => Err(PyAttributeError::new_err(format!(
                "resource `{}` has no static function `{name}`",
                this.export.name
            ))),
        }
    }

    /// Its WIT name.
    #[getter]
    fn name(&self) -> &str {
        &self.export.name
    }

    /// Its full name: `interface/name`.
    #[getter]
    fn full_name(&self) -> String {
        self.export.full_name()
    }

    /// Its methods' names, `snake_case`.
    #[getter]
    fn methods(&self) -> Vec<String> {
        self.export.methods.iter().map(|(n, _)| snake(n)).collect()
    }

    /// Its static functions' names, `snake_case`.
    #[getter]
    fn statics(&self) -> Vec<String> {
        self.export.statics.iter().map(|(n, _)| snake(n)).collect()
    }

    fn __repr__(&self) -> String {
        format!("<ResourceType {}>", self.export.full_name())
    }
}

#[pymethods]
impl Resource {
    /// A method, as a callable bound to this object.
    fn __getattr__(slf: &Bound<'_, Self>, name: &str) -> PyResult<ResourceMethod> {
        let py = slf.py();
        let kind = slf.get().kind.get();
        match kind.export.method(name) {
            Some(index) => Ok(ResourceMethod {
                target: Some(slf.clone().unbind()),
                component: kind.component.clone_ref(py),
                index,
            }),
            None => Err(PyAttributeError::new_err(format!(
                "resource `{}` has no method `{name}`",
                kind.export.name
            ))),
        }
    }

    /// Runs the guest's destructor. Closing twice does nothing; using the
    /// object afterwards raises `ResourceError`.
    fn close(&self, py: Python<'_>) -> Result<()> {
        let name = self.name();
        py.detach(|| self.drop_handle(&name))?;
        Ok(())
    }

    /// Whether it was closed, or moved into a call that took it.
    #[getter]
    fn closed(&self) -> bool {
        matches!(*self.state(), Handle::Closed(_))
    }

    /// The resource type it is.
    #[getter]
    fn resource_type(&self, py: Python<'_>) -> Py<ResourceType> {
        self.kind.clone_ref(py)
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> Result<()> {
        self.close(py)
    }

    fn __repr__(&self) -> String {
        let state = if self.closed() { " (closed)" } else { "" };
        format!("<Resource {}{state}>", self.name())
    }
}

impl Drop for Resource {
    fn drop(&mut self) {
        // Garbage-collected while open: the destructor runs now. A failure
        // has no caller to reach; the instance it threw away says so to
        // the objects still in it.
        let _ = self.drop_handle(&self.name());
    }
}

#[pymethods]
impl ResourceMethod {
    /// Calls it, blocking this thread: in `async def` code use `acall`.
    #[pyo3(signature = (*args, cancel = None, timeout_s = None, **kwargs))]
    fn __call__<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        cancel: Option<&CancelToken>,
        timeout_s: Option<f64>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> Result<Bound<'py, PyAny>> {
        let receiver = self.target.as_ref().map(|t| t.bind(py));
        call(
            self.component.bind(py),
            self.index,
            receiver,
            args,
            kwargs,
            cancel,
            timeout_s,
        )
    }

    /// As calling it, awaited: it runs off the event loop.
    #[pyo3(signature = (*args, timeout_s = None, **kwargs))]
    fn acall<'py>(
        slf: &Bound<'py, Self>,
        args: &Bound<'py, PyTuple>,
        timeout_s: Option<f64>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        aio::awaited(slf.as_any(), (args, kwargs, timeout_s))
    }

    /// Starts an awaited call (`acall` awaits it).
    fn _start<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
        timeout_s: Option<f64>,
    ) -> Result<Bound<'py, PyAny>> {
        let receiver = self.target.as_ref().map(|t| t.bind(py));
        start(
            self.component.bind(py),
            self.index,
            receiver,
            args,
            kwargs,
            timeout_s,
        )
    }

    fn __repr__(&self) -> String {
        let name = &self.component.get().inner.functions()[self.index].name;
        format!("<ResourceMethod {name}>")
    }
}

/// The resource type `name` of `component`.
pub(crate) fn resource_type(component: &Bound<'_, Component>, name: &str) -> Result<ResourceType> {
    let export = component.get().inner.resource(name)?.clone();
    Ok(ResourceType::new(component.clone().unbind(), export))
}

//! Calls that pass resources: the objects an argument holds name the
//! call's session (see `resources.rs`), the call runs on its pinned
//! instance with the GIL released, and the handles it returns become
//! objects of that session.

use std::cell::RefCell;
use std::sync::{Arc, Mutex};

use fastwasm_runtime::wasmtime::component::types::Type;
use fastwasm_runtime::wasmtime::component::{ResourceAny, Val};
use fastwasm_runtime::{self as runtime, CallOptions, Called};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::aio;
use crate::component::{Component, call_timeout};
use crate::held::general;
use crate::resources::{Handle, Resource, ResourceType, Session};
use crate::runtime::CancelToken;
use crate::{Error, Result};

thread_local! {
    /// The resource objects the value mapping reads while a call's
    /// arguments are converted ([`collecting`]): wherever they sit in the
    /// arguments, they name the call's session.
    static SEEN: RefCell<Option<Vec<Py<Resource>>>> = const { RefCell::new(None) };
}

/// Runs `convert` and returns what it gave with every resource object it
/// read.
fn collecting<T>(convert: impl FnOnce() -> T) -> (T, Vec<Py<Resource>>) {
    let outer = SEEN.with_borrow_mut(|seen| seen.replace(Vec::new()));
    let converted = convert();
    let seen = SEEN.with_borrow_mut(|seen| std::mem::replace(seen, outer));
    (converted, seen.unwrap_or_default())
}

/// The handle inside `obj`, when it is a [`Resource`]: how the value
/// mapping reads an argument of a resource type. A closed one says why.
pub(crate) fn handle_of(
    obj: &Bound<'_, PyAny>,
) -> std::result::Result<Option<ResourceAny>, String> {
    let Ok(resource) = obj.cast::<Resource>() else {
        return Ok(None);
    };
    let this = resource.get();
    match *this.state() {
        Handle::Live(handle) => {
            SEEN.with_borrow_mut(|seen| {
                if let Some(seen) = seen {
                    seen.push(resource.clone().unbind());
                }
            });
            Ok(Some(handle))
        }
        Handle::Closed(why) => Err(format!("this `{}` cannot be used: {why}", this.name())),
    }
}

/// A resource call, converted and ready for any thread.
pub(crate) struct Prepared {
    index: usize,
    vals: Vec<Val>,
    pub(crate) session: Arc<Session>,
    /// The objects the arguments hold, with their handles: those the
    /// instance no longer holds after the call went to the guest (`own`).
    pub(crate) passed: Vec<(Py<Resource>, ResourceAny)>,
}

/// Converts a call of function `index` of `component`: binds the arguments
/// (`receiver` first, for a method), and picks the session of the objects
/// they hold, anywhere inside them (or pins a new instance).
pub(crate) fn prepare(
    component: &Bound<'_, Component>,
    index: usize,
    receiver: Option<&Bound<'_, Resource>>,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> Result<Prepared> {
    let py = component.py();
    let inner = &component.get().inner;
    let function = &inner.functions()[index];
    let args = match receiver {
        Some(receiver) => {
            // A method of a closed object: the object's own error, not an
            // argument's.
            let object = receiver.get();
            if let Handle::Closed(why) = *object.state() {
                return Err(Error::Runtime(runtime::Error::Resource {
                    resource: object.name(),
                    reason: why.to_owned(),
                }));
            }
            let mut all = vec![receiver.clone().into_any()];
            all.extend(args.iter());
            PyTuple::new(py, all)?
        }
        None => args.clone(),
    };
    let values = Component::bind(function, &args, kwargs)?;
    let (vals, seen) = collecting(|| {
        values
            .iter()
            .zip(&function.params)
            .map(|(value, (param, ty))| general(value, param, ty))
            .collect::<PyResult<Vec<_>>>()
    });
    let vals = vals?;
    let mut session: Option<Arc<Session>> = None;
    let mut passed = Vec::with_capacity(seen.len());
    for object in seen {
        let resource = object.get();
        match &session {
            Some(first) if !Arc::ptr_eq(first, &resource.session) => {
                return Err(Error::Runtime(runtime::Error::Resource {
                    resource: resource.name(),
                    reason: format!(
                        "`{}` was given objects of two instances: make them in one (`ResourceType.beside`)",
                        function.name
                    ),
                }));
            }
            Some(_) => {}
            None => session = Some(Arc::clone(&resource.session)),
        }
        let state = *resource.state();
        if let Handle::Live(handle) = state {
            passed.push((object, handle));
        }
    }
    let session = match session {
        Some(session) => session,
        None => Session::new(inner.pin()?),
    };
    Ok(Prepared {
        index,
        vals,
        session,
        passed,
    })
}

/// A call's outcome, and which objects it passed the instance still holds.
type Ran = (std::result::Result<Called, runtime::Error>, Vec<bool>);

impl Prepared {
    /// The call, on the session's instance (no GIL needed).
    pub(crate) fn run(&self, component: &runtime::Component, options: &CallOptions<'_>) -> Ran {
        let name = &component.functions()[self.index].name;
        let mut held = Vec::new();
        let called = self.session.with(name, |pinned| {
            let called = pinned.call(&self.index, &self.vals, options);
            held = self.passed.iter().map(|&(_, h)| pinned.holds(h)).collect();
            called
        });
        (called, held)
    }

    /// The call's value in Python: handles it returned become objects of
    /// this session; objects it took (`own`) are closed.
    pub(crate) fn finish<'py>(
        self,
        component: &Bound<'py, Component>,
        (called, held): Ran,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = component.py();
        let called = called.map_err(Error::Runtime)?;
        for ((object, _), held) in self.passed.iter().zip(held) {
            if !held {
                *object.get().state() =
                    Handle::Closed("it was moved into a call that took it (`own`)");
            }
        }
        let this = component.get();
        let name = &this.inner.functions()[self.index].name;
        this.log_output(py, self.index, &called.output)?;
        let session = &self.session;
        let make = |handle: ResourceAny, ty: &Type| -> PyResult<Bound<'py, PyAny>> {
            let export = this.inner.resource_of(ty).cloned().ok_or_else(|| {
                Error::Runtime(runtime::Error::Unsupported {
                    function: name.clone(),
                    reason: format!("`{name}` returns a resource this component does not export"),
                })
            })?;
            let kind = Py::new(
                py,
                ResourceType {
                    component: component.clone().unbind(),
                    export,
                },
            )?;
            Ok(Bound::new(
                py,
                Resource {
                    kind,
                    session: Arc::clone(session),
                    handle: Mutex::new(Handle::Live(handle)),
                },
            )?
            .into_any())
        };
        this.finish_with(py, self.index, called.value, Some(&make))
    }
}

/// A blocking call of function `index` of `component` that passes
/// resources, with the GIL released while it waits for its session and runs.
pub(crate) fn call<'py>(
    component: &Bound<'py, Component>,
    index: usize,
    receiver: Option<&Bound<'py, Resource>>,
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
    cancel: Option<&CancelToken>,
    timeout_s: Option<f64>,
) -> Result<Bound<'py, PyAny>> {
    let py = component.py();
    let prepared = prepare(component, index, receiver, args, kwargs)?;
    let options = CallOptions {
        cancel: cancel.map(|c| &c.inner),
        timeout: call_timeout(timeout_s)?,
    };
    let inner = &component.get().inner;
    let called = py.detach(|| prepared.run(inner, &options));
    Ok(prepared.finish(component, called)?)
}

/// As [`call`], awaited: it runs on the runtime's call threads, and
/// cancelling the awaiting task stops it (which throws its instance away,
/// with every object in it).
pub(crate) fn start<'py>(
    component: &Bound<'py, Component>,
    index: usize,
    receiver: Option<&Bound<'py, Resource>>,
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
    timeout_s: Option<f64>,
) -> Result<Bound<'py, PyAny>> {
    let py = component.py();
    let prepared = prepare(component, index, receiver, args, kwargs)?;
    let timeout = call_timeout(timeout_s)?;
    let this = component.get();
    let work_on: Py<Component> = component.clone().unbind();
    let settle_on = work_on.clone_ref(py);
    Ok(aio::spawned(
        py,
        Some(this.inner.runtime()),
        timeout,
        this.inner.has_deadline(),
        move |options| {
            let called = prepared.run(&work_on.get().inner, options);
            (prepared, called)
        },
        move |py, (prepared, called)| {
            prepared
                .finish(settle_on.bind(py), called)
                .map(Bound::unbind)
        },
    )?)
}

//! Python values to WIT values and back, by the table in docs/components.md.
//! In: Python as a source of the one value mapping
//! ([`fastwasm_runtime::mapping`]), whose errors become `TypeError` (wrong
//! kind) or `ValueError` (right kind, wrong value) naming the parameter and
//! the path inside it (`ps[2].x`). Out: each WIT value's Python form.

use std::borrow::Cow;

use fastwasm_runtime::mapping::{self, Fit, Mismatch, Names, Problem, Sink, Source, Step};
use fastwasm_runtime::wasmtime::component::types::Type;
use fastwasm_runtime::wasmtime::component::{ResourceAny, Val};
use pyo3::buffer::PyBuffer;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyFrozenSet, PyInt, PyList, PyMemoryView, PySet,
    PyString, PyTuple,
};

/// A Python object, read by the mapping.
struct Obj<'py>(Bound<'py, PyAny>);

fn is_int(obj: &Bound<'_, PyAny>) -> bool {
    obj.is_instance_of::<PyInt>() && !obj.is_instance_of::<PyBool>()
}

impl Source for Obj<'_> {
    fn as_resource(&self) -> Result<Option<ResourceAny>, String> {
        crate::resource_calls::handle_of(&self.0)
    }

    const NAMES: Names = Names {
        bool: "a bool",
        int: "an int",
        float: "a float (or an int)",
        str: "a str",
        sequence: "a list or a tuple",
        mapping: "a dict",
        set: "a set, frozenset or list",
        null: "None",
    };

    fn as_bool(&self) -> Option<bool> {
        self.0.cast::<PyBool>().ok().map(PyBoolMethods::is_true)
    }

    fn as_int(&self) -> Result<Option<i128>, String> {
        if !is_int(&self.0) {
            return Ok(None);
        }
        let mut overflow = 0;
        // SAFETY: the object is an int (checked above) and the GIL is held
        // (`Bound`). Past i64 this sets `overflow` instead of raising, so a
        // u64 argument costs no Python exception.
        let small =
            unsafe { ffi::PyLong_AsLongLongAndOverflow(self.0.as_ptr(), &raw mut overflow) };
        if overflow == 0 {
            return Ok(Some(small.into()));
        }
        // Past i64: read whole; past i128 saturates, out of every WIT range.
        let saturated = if overflow < 0 { i128::MIN } else { i128::MAX };
        Ok(Some(self.0.extract::<i128>().unwrap_or(saturated)))
    }

    fn as_float(&self) -> Result<Option<f64>, String> {
        let number = self.0.is_instance_of::<PyFloat>() || is_int(&self.0);
        Ok(number.then(|| self.0.extract::<f64>().ok()).flatten())
    }

    fn as_str(&self) -> Option<Cow<'_, str>> {
        self.0
            .cast::<PyString>()
            .ok()?
            .to_str()
            .ok()
            .map(Cow::Borrowed)
    }

    /// bytes, bytearray or memoryview, copied.
    fn as_bytes(&self) -> Result<Vec<u8>, Problem> {
        let obj = &self.0;
        if let Ok(bytes) = obj.cast::<PyBytes>() {
            return Ok(bytes.as_bytes().to_vec());
        }
        if let Ok(array) = obj.cast::<PyByteArray>() {
            return Ok(array.to_vec());
        }
        if obj.is_instance_of::<PyMemoryView>() {
            return PyBuffer::<u8>::get(obj)
                .and_then(|buffer| buffer.to_vec(obj.py()))
                .map_err(|_| self.wrong("a memoryview of bytes"));
        }
        Err(self.wrong("bytes, bytearray or memoryview for list<u8>"))
    }

    fn items(&self) -> Option<Vec<Self>> {
        let sequence = self.0.is_instance_of::<PyList>() || self.0.is_instance_of::<PyTuple>();
        sequence.then(|| self.0.try_iter().ok()?.map(|i| i.ok().map(Obj)).collect())?
    }

    fn members(&self) -> Option<Vec<Self>> {
        let obj = &self.0;
        let set = obj.is_instance_of::<PySet>() || obj.is_instance_of::<PyFrozenSet>();
        if set {
            obj.try_iter().ok()?.map(|i| i.ok().map(Obj)).collect()
        } else {
            self.items()
        }
    }

    fn pairs(&self) -> Option<Vec<(Self, Self)>> {
        let dict = self.0.cast::<PyDict>().ok()?;
        Some(dict.iter().map(|(k, v)| (Obj(k), Obj(v))).collect())
    }

    fn keys_len(&self) -> Option<usize> {
        Some(self.0.cast::<PyDict>().ok()?.len())
    }

    fn get(&self, key: &str) -> Option<Self> {
        self.0.cast::<PyDict>().ok()?.get_item(key).ok()?.map(Obj)
    }

    fn is_null(&self) -> bool {
        self.0.is_none()
    }

    fn show(&self) -> String {
        self.0.to_string()
    }

    fn kind(&self) -> String {
        kind_of(&self.0)
    }

    /// A dict, with keys and values of any type the map's are.
    fn map(&self, key: &Type, value: &Type) -> Fit<Val> {
        let dict = self.0.cast::<PyDict>();
        let dict = dict.map_err(|_| self.wrong(Self::NAMES.mapping))?;
        let mut entries = Vec::with_capacity(dict.len());
        for (k, v) in dict.iter() {
            let at = |e: Box<Mismatch>| e.within(Step::Entry(repr(&k)));
            let k = mapping::to_val(&Obj(k.clone()), key).map_err(at)?;
            entries.push((k, mapping::to_val(&Obj(v), value).map_err(at)?));
        }
        Ok(Val::Map(entries))
    }
}

/// How a message shows a value: its `repr`.
fn repr(obj: &Bound<'_, PyAny>) -> String {
    obj.repr().map_or_else(|_| "?".into(), |r| r.to_string())
}

/// A Python value as the WIT value of `ty`, by the one value mapping.
///
/// # Errors
/// Where inside the value it does not fit, and why.
pub fn to_val(obj: &Bound<'_, PyAny>, ty: &Type) -> Fit<Val> {
    mapping::to_val(&Obj(obj.clone()), ty)
}

/// A mismatch as Python's exception (`fastwasm.ArgumentTypeError` or
/// `ArgumentValueError`), naming the parameter `param` and the path in it.
pub fn raise(mismatch: &Mismatch, param: &str) -> PyErr {
    let at = format!("argument {param}{}", mismatch.path_text());
    let (class, kind, why) = match &mismatch.problem {
        Problem::Type { expected, got } => (
            Class::Type,
            "wit_type",
            format!("expected {expected}, got {got}"),
        ),
        Problem::Unsupported(why) => (Class::Type, "wit_type", why.clone()),
        Problem::Missing => (Class::Type, "missing", "missing field".to_owned()),
        Problem::Value(why) => (Class::Value, "wit_value", why.clone()),
        Problem::Extra { key, fields } => (
            Class::Value,
            "extra_forbidden",
            format!("unknown field {key:?}: the record has {fields}"),
        ),
    };
    Python::attach(|py| {
        let mut loc: Vec<Bound<'_, PyAny>> = vec![PyString::new(py, param).into_any()];
        for step in &mismatch.path {
            loc.push(match step {
                Step::Key(key) | Step::Entry(key) => PyString::new(py, key).into_any(),
                Step::Index(i) => match i.into_pyobject(py) {
                    Ok(i) => i.into_any(),
                    Err(never) => match never {},
                },
            });
        }
        argument_error(py, class, &format!("{at}: {why}"), kind, loc, &why)
    })
}

/// Which of the argument errors: a wrong kind, or a wrong value.
#[derive(Debug, Clone, Copy)]
pub enum Class {
    /// `fastwasm.ArgumentTypeError`, a `TypeError`.
    Type,
    /// `fastwasm.ArgumentValueError`, a `ValueError`.
    Value,
}

/// `fastwasm.ArgumentTypeError` or `ArgumentValueError` (`fastwasm._arguments`).
pub fn argument_error(
    py: Python<'_>,
    class: Class,
    message: &str,
    kind: &str,
    loc: Vec<Bound<'_, PyAny>>,
    msg: &str,
) -> PyErr {
    static TYPE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    static VALUE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let (cell, name, fallback): (_, _, fn(String) -> PyErr) = match class {
        Class::Type => (&TYPE, "ArgumentTypeError", PyTypeError::new_err),
        Class::Value => (&VALUE, "ArgumentValueError", PyValueError::new_err),
    };
    let made = cell
        .import(py, "fastwasm._arguments", name)
        .and_then(|class| {
            let kwargs = PyDict::new(py);
            kwargs.set_item("type", kind)?;
            kwargs.set_item("loc", PyTuple::new(py, loc)?)?;
            kwargs.set_item("msg", msg)?;
            class.call((message,), Some(&kwargs))
        });
    match made {
        Ok(error) => PyErr::from_value(error),
        Err(_) => fallback(message.to_owned()),
    }
}

fn kind_of(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "?".into(), |n| n.to_string())
}

/// Makes the Python object of a resource handle a call returned.
pub(crate) type MakeResource<'a, 'py> =
    &'a dyn Fn(ResourceAny, &Type) -> PyResult<Bound<'py, PyAny>>;

/// Python as a target of the one value mapping; with a maker, a call's
/// resource handles become objects.
struct Out<'a, 'py>(Python<'py>, Option<MakeResource<'a, 'py>>);

impl<'py> Sink for Out<'_, 'py> {
    type Out = Bound<'py, PyAny>;
    type Error = PyErr;

    fn bool(&self, v: bool) -> PyResult<Self::Out> {
        Ok(PyBool::new(self.0, v).to_owned().into_any())
    }

    fn signed(&self, v: i64) -> PyResult<Self::Out> {
        Ok(v.into_pyobject(self.0)?.into_any())
    }

    fn unsigned(&self, v: u64) -> PyResult<Self::Out> {
        Ok(v.into_pyobject(self.0)?.into_any())
    }

    fn float(&self, v: f64) -> PyResult<Self::Out> {
        Ok(v.into_pyobject(self.0)?.into_any())
    }

    fn str(&self, v: &str) -> PyResult<Self::Out> {
        Ok(PyString::new(self.0, v).into_any())
    }

    fn bytes(&self, v: Vec<u8>) -> PyResult<Self::Out> {
        Ok(PyBytes::new(self.0, &v).into_any())
    }

    fn list(&self, items: Vec<Self::Out>) -> PyResult<Self::Out> {
        Ok(PyList::new(self.0, items)?.into_any())
    }

    fn tuple(&self, items: Vec<Self::Out>) -> PyResult<Self::Out> {
        Ok(PyTuple::new(self.0, items)?.into_any())
    }

    fn record(&self, fields: Vec<(Cow<'_, str>, Self::Out)>) -> PyResult<Self::Out> {
        let dict = PyDict::new(self.0);
        for (name, value) in fields {
            // Interned: the same few keys in every dict of this record.
            dict.set_item(PyString::intern(self.0, &name), value)?;
        }
        Ok(dict.into_any())
    }

    fn tagged(&self, key: &str, payload: Self::Out) -> PyResult<Self::Out> {
        let dict = PyDict::new(self.0);
        dict.set_item(key, payload)?;
        Ok(dict.into_any())
    }

    fn flags(&self, names: Vec<&str>) -> PyResult<Self::Out> {
        Ok(PySet::new(self.0, names)?.into_any())
    }

    fn map(&self, entries: Vec<(Self::Out, Self::Out)>, _: &Type) -> PyResult<Self::Out> {
        let dict = PyDict::new(self.0);
        for (key, value) in entries {
            dict.set_item(key, value)?;
        }
        Ok(dict.into_any())
    }

    fn null(&self) -> PyResult<Self::Out> {
        Ok(self.0.None().into_bound(self.0))
    }

    fn unsupported(&self, why: String) -> PyResult<Self::Out> {
        Err(PyTypeError::new_err(why))
    }

    fn resource(&self, handle: ResourceAny, ty: &Type) -> PyResult<Self::Out> {
        match self.1 {
            Some(make) => make(handle, ty),
            None => self.unsupported(format!(
                "a {} cannot be returned here",
                fastwasm_runtime::type_text(ty)
            )),
        }
    }
}

/// A WIT value of type `ty` as its Python value, by the one value mapping.
///
/// # Errors
/// Only Python's own failures (memory): every WIT value has a Python form,
/// except the unsupported types, which never get this far.
pub fn to_py<'py>(py: Python<'py>, val: &Val, ty: &Type) -> PyResult<Bound<'py, PyAny>> {
    mapping::from_val(&Out(py, None), val, ty)
}

/// As [`to_py`], with `make` turning resource handles into objects.
///
/// # Errors
/// As [`to_py`], and what `make` raises.
pub fn to_py_with<'py>(
    py: Python<'py>,
    val: &Val,
    ty: &Type,
    make: Option<MakeResource<'_, 'py>>,
) -> PyResult<Bound<'py, PyAny>> {
    mapping::from_val(&Out(py, make), val, ty)
}

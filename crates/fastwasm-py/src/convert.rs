//! Python values to WIT values and back, by the table in docs/components.md.
//! In: Python as a source of the one value mapping
//! ([`fastwasm_runtime::mapping`]), whose errors become `TypeError` (wrong
//! kind) or `ValueError` (right kind, wrong value) naming the parameter and
//! the path inside it (`ps[2].x`). Out: each WIT value's Python form.

use std::borrow::Cow;

use fastwasm_runtime::mapping::{self, Fit, Mismatch, Names, Problem, Source, Step};
use fastwasm_runtime::snake;
use fastwasm_runtime::type_text;
use fastwasm_runtime::wasmtime::component::Val;
use fastwasm_runtime::wasmtime::component::types::Type;
use pyo3::buffer::PyBuffer;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
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
        // i64 first, the fast extraction; past i128 saturates out of range.
        let int = self.0.extract::<i64>().map(i128::from);
        let int = int.or_else(|_| self.0.extract::<i128>());
        Ok(Some(int.unwrap_or_else(|_| {
            if self.0.lt(0).unwrap_or(false) {
                i128::MIN
            } else {
                i128::MAX
            }
        })))
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
            let at = |e: Box<Mismatch>| e.within(Step::Entry(show(&k)));
            let k = mapping::to_val(&Obj(k.clone()), key).map_err(at)?;
            entries.push((k, mapping::to_val(&Obj(v), value).map_err(at)?));
        }
        Ok(Val::Map(entries))
    }
}

/// How a message shows a value: its `repr`.
fn show(obj: &Bound<'_, PyAny>) -> String {
    obj.repr().map_or_else(|_| "?".into(), |r| r.to_string())
}

/// A Python value as the WIT value of `ty`, by the one value mapping.
///
/// # Errors
/// Where inside the value it does not fit, and why.
pub fn to_val(obj: &Bound<'_, PyAny>, ty: &Type) -> Fit<Val> {
    mapping::to_val(&Obj(obj.clone()), ty)
}

/// A mismatch as Python's exception, naming `argument` and the path in it.
pub fn raise(mismatch: &Mismatch, argument: &str) -> PyErr {
    let at = format!("{argument}{}", mismatch.path_text());
    match &mismatch.problem {
        Problem::Type { expected, got } => {
            PyTypeError::new_err(format!("{at}: expected {expected}, got {got}"))
        }
        Problem::Unsupported(why) => PyTypeError::new_err(format!("{at}: {why}")),
        Problem::Missing => PyTypeError::new_err(format!("{at}: missing field")),
        Problem::Value(why) => PyValueError::new_err(format!("{at}: {why}")),
        Problem::Extra { key, fields } => {
            let why = format!("unknown field {key:?}: the record has {fields}");
            PyValueError::new_err(format!("{at}: {why}"))
        }
    }
}

fn kind_of(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "?".into(), |n| n.to_string())
}

/// The Python values of `items`, of element type `ty`.
fn all_to_py(
    py: Python<'_>,
    items: impl IntoIterator<Item = (Val, Type)>,
) -> PyResult<Vec<Bound<'_, PyAny>>> {
    items.into_iter().map(|(v, t)| to_py(py, v, &t)).collect()
}

/// A WIT value of type `ty` as its Python value.
///
/// # Errors
/// Only Python's own failures (memory): every WIT value has a Python form,
/// except the unsupported types, which never get this far.
pub fn to_py<'py>(py: Python<'py>, val: Val, ty: &Type) -> PyResult<Bound<'py, PyAny>> {
    let unit = || py.None().into_bound(py);
    Ok(match (val, ty) {
        (Val::Bool(v), _) => PyBool::new(py, v).to_owned().into_any(),
        (Val::S8(v), _) => v.into_pyobject(py)?.into_any(),
        (Val::U8(v), _) => v.into_pyobject(py)?.into_any(),
        (Val::S16(v), _) => v.into_pyobject(py)?.into_any(),
        (Val::U16(v), _) => v.into_pyobject(py)?.into_any(),
        (Val::S32(v), _) => v.into_pyobject(py)?.into_any(),
        (Val::U32(v), _) => v.into_pyobject(py)?.into_any(),
        (Val::S64(v), _) => v.into_pyobject(py)?.into_any(),
        (Val::U64(v), _) => v.into_pyobject(py)?.into_any(),
        (Val::Float32(v), _) => f64::from(v).into_pyobject(py)?.into_any(),
        (Val::Float64(v), _) => v.into_pyobject(py)?.into_any(),
        (Val::Char(v), _) => v.into_pyobject(py)?.into_any(),
        (Val::String(v), _) => v.into_pyobject(py)?.into_any(),
        (Val::List(items), Type::List(list)) if list.ty() == Type::U8 => {
            // A list<u8> comes back as bytes.
            let bytes: Vec<u8> = items
                .into_iter()
                .filter_map(|v| if let Val::U8(b) = v { Some(b) } else { None })
                .collect();
            PyBytes::new(py, &bytes).into_any()
        }
        (Val::List(items), Type::List(list)) => {
            let element = list.ty();
            PyList::new(
                py,
                all_to_py(py, items.into_iter().map(|v| (v, element.clone())))?,
            )?
            .into_any()
        }
        (Val::FixedLengthList(items), Type::FixedLengthList(list)) => {
            let element = list.ty();
            PyList::new(
                py,
                all_to_py(py, items.into_iter().map(|v| (v, element.clone())))?,
            )?
            .into_any()
        }
        (Val::Map(entries), Type::Map(map)) => {
            let dict = PyDict::new(py);
            for (k, v) in entries {
                dict.set_item(to_py(py, k, &map.key())?, to_py(py, v, &map.value())?)?;
            }
            dict.into_any()
        }
        (Val::Tuple(items), Type::Tuple(tuple)) => {
            PyTuple::new(py, all_to_py(py, items.into_iter().zip(tuple.types()))?)?.into_any()
        }
        (Val::Record(fields), Type::Record(record)) => {
            let dict = PyDict::new(py);
            for ((name, v), field) in fields.into_iter().zip(record.fields()) {
                // Interned: the same few keys in every dict of this record.
                let key = if name.contains('-') {
                    PyString::intern(py, &snake(&name))
                } else {
                    PyString::intern(py, &name)
                };
                dict.set_item(key, to_py(py, v, &field.ty)?)?;
            }
            dict.into_any()
        }
        (Val::Variant(case, None) | Val::Enum(case), _) => case.into_pyobject(py)?.into_any(),
        (Val::Variant(case, Some(payload)), Type::Variant(variant)) => {
            let ty = variant.cases().find(|c| c.name == case).and_then(|c| c.ty);
            let dict = PyDict::new(py);
            let payload = match ty {
                Some(ty) => to_py(py, *payload, &ty)?,
                None => unit(),
            };
            dict.set_item(case, payload)?;
            dict.into_any()
        }
        (Val::Option(None), _) => unit(),
        (Val::Option(Some(v)), Type::Option(option)) => to_py(py, *v, &option.ty())?,
        (Val::Result(result), Type::Result(ty)) => {
            let (side, payload, payload_ty) = match result {
                Ok(v) => ("ok", v, ty.ok()),
                Err(v) => ("err", v, ty.err()),
            };
            let payload = match (payload, payload_ty) {
                (Some(v), Some(t)) => to_py(py, *v, &t)?,
                _ => unit(),
            };
            let dict = PyDict::new(py);
            dict.set_item(side, payload)?;
            dict.into_any()
        }
        (Val::Flags(names), _) => PySet::new(py, names)?.into_any(),
        (val, ty) => {
            let why = format!(
                "a value {val:?} of type {} cannot be returned yet",
                type_text(ty)
            );
            return Err(PyTypeError::new_err(why));
        }
    })
}

//! Python values to WIT values and back: one conversion in each direction,
//! by the table in docs/components.md. A value that does not fit raises
//! `TypeError` (wrong kind) or `ValueError` (right kind, out of range),
//! naming the parameter and the path inside it (`ps[2].x`), before anything
//! reaches the guest.

use fastwasm_runtime::wasmtime::component::Val;
use fastwasm_runtime::wasmtime::component::types::{Record as RecordType, Type};
use fastwasm_runtime::{kebab, snake, type_text};
use pyo3::buffer::PyBuffer;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyFrozenSet, PyInt, PyList, PyMemoryView, PySet,
    PyString, PyTuple,
};

/// A value that does not fit its WIT type: which of Python's errors, and why.
pub enum Mismatch {
    Type(String),
    Value(String),
}

impl Mismatch {
    /// As a Python exception, naming where in the argument it is.
    pub fn at(self, path: &str) -> PyErr {
        match self {
            Self::Type(why) => PyTypeError::new_err(format!("{path}: {why}")),
            Self::Value(why) => PyValueError::new_err(format!("{path}: {why}")),
        }
    }
}

/// A conversion's outcome. The error's path is built on the way back up,
/// only when there is an error: `[2]`, then `[2].x`; the caller puts the
/// parameter's name in front.
type Fit<T> = Result<T, (String, Mismatch)>;

/// `error`, one level further in: `segment` goes in front of its path.
fn within(segment: impl std::fmt::Display, (path, why): (String, Mismatch)) -> (String, Mismatch) {
    (format!("{segment}{path}"), why)
}

fn kind_of(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "?".into(), |n| n.to_string())
}

fn wrong(expected: &str, obj: &Bound<'_, PyAny>) -> (String, Mismatch) {
    let why = format!("expected {expected}, got {}", kind_of(obj));
    (String::new(), Mismatch::Type(why))
}

fn out_of_range(ty: &Type, obj: &Bound<'_, PyAny>) -> (String, Mismatch) {
    let why = format!("{obj} does not fit in {}", type_text(ty));
    (String::new(), Mismatch::Value(why))
}

/// An int (not a bool) that fits in `T`.
fn int<T: for<'a, 'py> FromPyObject<'a, 'py>>(obj: &Bound<'_, PyAny>, ty: &Type) -> Fit<T> {
    if !obj.is_instance_of::<PyInt>() || obj.is_instance_of::<PyBool>() {
        return Err(wrong(&format!("an int for {}", type_text(ty)), obj));
    }
    obj.extract::<T>().map_err(|_| out_of_range(ty, obj))
}

/// bytes, bytearray or memoryview, copied.
fn bytes_of(obj: &Bound<'_, PyAny>) -> Fit<Vec<u8>> {
    if let Ok(bytes) = obj.cast::<PyBytes>() {
        return Ok(bytes.as_bytes().to_vec());
    }
    if let Ok(array) = obj.cast::<PyByteArray>() {
        return Ok(array.to_vec());
    }
    if obj.is_instance_of::<PyMemoryView>() {
        return PyBuffer::<u8>::get(obj)
            .and_then(|buffer| buffer.to_vec(obj.py()))
            .map_err(|_| wrong("a memoryview of bytes", obj));
    }
    Err(wrong("bytes, bytearray or memoryview for list<u8>", obj))
}

/// The items of a list or a tuple.
fn items<'py>(obj: &Bound<'py, PyAny>, what: &str) -> Fit<Vec<Bound<'py, PyAny>>> {
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        obj.try_iter()
            .and_then(Iterator::collect)
            .map_err(|_| wrong(what, obj))
    } else {
        Err(wrong(what, obj))
    }
}

fn name_of(obj: &Bound<'_, PyAny>, what: &str) -> Fit<String> {
    obj.cast::<PyString>()
        .ok()
        .and_then(|s| s.to_str().ok().map(kebab))
        .ok_or_else(|| wrong(what, obj))
}

fn one_of(name: &str, names: &[&str], what: &str) -> Fit<()> {
    if names.contains(&name) {
        Ok(())
    } else {
        let why = format!(
            "{name:?} is not a {what}: expected one of {}",
            names.join(", ")
        );
        Err((String::new(), Mismatch::Value(why)))
    }
}

/// Why a record's dict has more keys than the record has fields: a key
/// that names no field, or a field given in both spellings.
fn extra_keys(dict: &Bound<'_, PyDict>, record: &RecordType) -> String {
    let names: Vec<&str> = record.fields().map(|f| f.name).collect();
    let mut seen = Vec::new();
    for key in dict.keys() {
        let name = key
            .cast::<PyString>()
            .ok()
            .and_then(|k| k.to_str().ok().map(kebab));
        match name {
            Some(name) if names.contains(&name.as_str()) => {
                if seen.contains(&name) {
                    return format!("field {} given twice", snake(&name));
                }
                seen.push(name);
            }
            _ => return format!("unknown field {key:?}: the record has {}", names.join(", ")),
        }
    }
    "more keys than fields".into()
}

/// The WIT values of `items`, all of type `element`; an error's path starts
/// with the item's index.
fn each(items: &[Bound<'_, PyAny>], element: &Type) -> Fit<Vec<Val>> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| to_val(item, element).map_err(|e| within(format_args!("[{i}]"), e)))
        .collect()
}

/// A Python value as the WIT value of `ty`.
///
/// # Errors
/// The path inside the value where it does not fit, and why.
#[allow(clippy::too_many_lines)]
pub fn to_val(obj: &Bound<'_, PyAny>, ty: &Type) -> Fit<Val> {
    Ok(match ty {
        Type::Bool => match obj.cast::<PyBool>() {
            Ok(b) => Val::Bool(b.is_true()),
            Err(_) => return Err(wrong("a bool", obj)),
        },
        Type::S8 => Val::S8(int(obj, ty)?),
        Type::U8 => Val::U8(int(obj, ty)?),
        Type::S16 => Val::S16(int(obj, ty)?),
        Type::U16 => Val::U16(int(obj, ty)?),
        Type::S32 => Val::S32(int(obj, ty)?),
        Type::U32 => Val::U32(int(obj, ty)?),
        Type::S64 => Val::S64(int(obj, ty)?),
        Type::U64 => Val::U64(int(obj, ty)?),
        Type::Float32 | Type::Float64 => {
            let number = (obj.is_instance_of::<PyFloat>() || obj.is_instance_of::<PyInt>())
                && !obj.is_instance_of::<PyBool>();
            let value = number
                .then(|| obj.extract::<f64>().ok())
                .flatten()
                .ok_or_else(|| wrong("a float (or an int)", obj))?;
            #[allow(clippy::cast_possible_truncation)]
            match ty {
                Type::Float32 => Val::Float32(value as f32),
                _ => Val::Float64(value),
            }
        }
        Type::Char => {
            let text = obj
                .cast::<PyString>()
                .ok()
                .and_then(|s| s.to_str().ok())
                .ok_or_else(|| wrong("a str of length 1 for char", obj))?;
            let mut chars = text.chars();
            if let (Some(c), None) = (chars.next(), chars.next()) {
                Val::Char(c)
            } else {
                let why = format!(
                    "a char is a str of length 1, got {} characters",
                    text.chars().count()
                );
                return Err((String::new(), Mismatch::Value(why)));
            }
        }
        Type::String => Val::String(
            obj.cast::<PyString>()
                .ok()
                .and_then(|s| s.to_str().ok())
                .ok_or_else(|| wrong("a str", obj))?
                .to_owned(),
        ),
        Type::List(list) if list.ty() == Type::U8 => {
            Val::List(bytes_of(obj)?.into_iter().map(Val::U8).collect())
        }
        Type::List(list) => Val::List(each(&items(obj, "a list or a tuple")?, &list.ty())?),
        Type::FixedLengthList(list) => {
            let items = items(obj, "a list or a tuple")?;
            if items.len() != list.len() as usize {
                let why = format!("expected {} items, got {}", list.len(), items.len());
                return Err((String::new(), Mismatch::Value(why)));
            }
            Val::FixedLengthList(each(&items, &list.ty())?)
        }
        Type::Map(map) => {
            let dict = obj.cast::<PyDict>().map_err(|_| wrong("a dict", obj))?;
            let (key, value) = (map.key(), map.value());
            let mut entries = Vec::with_capacity(dict.len());
            for (k, v) in dict.iter() {
                let at = |e| within(format_args!("[{k:?}]"), e);
                entries.push((
                    to_val(&k, &key).map_err(at)?,
                    to_val(&v, &value).map_err(at)?,
                ));
            }
            Val::Map(entries)
        }
        Type::Tuple(tuple) => {
            let types: Vec<Type> = tuple.types().collect();
            let items = items(obj, "a tuple or a list")?;
            if items.len() != types.len() {
                let why = format!(
                    "expected a tuple of {}, got {} items",
                    types.len(),
                    items.len()
                );
                return Err((String::new(), Mismatch::Value(why)));
            }
            Val::Tuple(
                items
                    .iter()
                    .zip(&types)
                    .enumerate()
                    .map(|(i, (item, ty))| {
                        to_val(item, ty).map_err(|e| within(format_args!("[{i}]"), e))
                    })
                    .collect::<Fit<_>>()?,
            )
        }
        Type::Record(record) => {
            let dict = obj
                .cast::<PyDict>()
                .map_err(|_| wrong("a dict of the record's fields", obj))?;
            let mut values = Vec::with_capacity(dict.len());
            for field in record.fields() {
                let name = field.name;
                let at = |e| within(format_args!(".{}", snake(name)), e);
                let value = match dict.get_item(name) {
                    Ok(Some(value)) => Some(value),
                    _ if name.contains('-') => dict.get_item(snake(name)).ok().flatten(),
                    _ => None,
                };
                let Some(value) = value else {
                    return Err(at((String::new(), Mismatch::Type("missing field".into()))));
                };
                values.push((name.to_owned(), to_val(&value, &field.ty).map_err(at)?));
            }
            if dict.len() != values.len() {
                return Err((String::new(), Mismatch::Value(extra_keys(dict, record))));
            }
            Val::Record(values)
        }
        Type::Variant(variant) => {
            let cases: Vec<(&str, Option<Type>)> =
                variant.cases().map(|c| (c.name, c.ty)).collect();
            let names: Vec<&str> = cases.iter().map(|(n, _)| *n).collect();
            let what = "a case name, or a dict {case: payload}";
            let (case, payload) = if let Ok(dict) = obj.cast::<PyDict>() {
                let Some((k, v)) = dict.iter().next().filter(|_| dict.len() == 1) else {
                    return Err(wrong(what, obj));
                };
                (name_of(&k, what)?, Some(v))
            } else {
                (name_of(obj, what)?, None)
            };
            one_of(&case, &names, "case of this variant")?;
            let ty = cases
                .iter()
                .find(|(n, _)| *n == case)
                .and_then(|(_, t)| t.clone());
            let at = |e| within(format_args!(".{}", snake(&case)), e);
            let payload = match (ty, payload) {
                (Some(ty), Some(value)) => Some(Box::new(to_val(&value, &ty).map_err(at)?)),
                (None, None) => None,
                (None, Some(value)) if value.is_none() => None,
                (Some(_), None) => {
                    return Err(at((
                        String::new(),
                        Mismatch::Type("this case needs a payload".into()),
                    )));
                }
                (None, Some(_)) => {
                    return Err(at((
                        String::new(),
                        Mismatch::Type("this case has no payload".into()),
                    )));
                }
            };
            Val::Variant(case, payload)
        }
        Type::Enum(e) => {
            let names: Vec<&str> = e.names().collect();
            let case = name_of(obj, "a str naming a case of the enum")?;
            one_of(&case, &names, "case of this enum")?;
            Val::Enum(case)
        }
        Type::Flags(flags) => {
            let names: Vec<&str> = flags.names().collect();
            let what = "a set, frozenset or list of flag names";
            let collection = obj.is_instance_of::<PySet>()
                || obj.is_instance_of::<PyFrozenSet>()
                || obj.is_instance_of::<PyList>()
                || obj.is_instance_of::<PyTuple>();
            if !collection {
                return Err(wrong(what, obj));
            }
            let mut set = Vec::new();
            for item in obj.try_iter().map_err(|_| wrong(what, obj))? {
                let item = item.map_err(|_| wrong(what, obj))?;
                let name = name_of(&item, what)?;
                one_of(&name, &names, "flag of these flags")?;
                if !set.contains(&name) {
                    set.push(name);
                }
            }
            Val::Flags(set)
        }
        Type::Option(option) => {
            if obj.is_none() {
                Val::Option(None)
            } else {
                Val::Option(Some(Box::new(to_val(obj, &option.ty())?)))
            }
        }
        Type::Result(result) => {
            let what = "a dict {\"ok\": value} or {\"err\": value}";
            let dict = obj.cast::<PyDict>().map_err(|_| wrong(what, obj))?;
            let Some((k, v)) = dict.iter().next().filter(|_| dict.len() == 1) else {
                return Err(wrong(what, obj));
            };
            let side = name_of(&k, what)?;
            let ty = match side.as_str() {
                "ok" => result.ok(),
                "err" => result.err(),
                _ => return Err(wrong(what, obj)),
            };
            let at = |e| within(format_args!(".{side}"), e);
            let payload = match ty {
                Some(ty) => Some(Box::new(to_val(&v, &ty).map_err(at)?)),
                None if v.is_none() => None,
                None => {
                    let why = Mismatch::Type("this side has no payload: pass None".into());
                    return Err(at((String::new(), why)));
                }
            };
            Val::Result(if side == "ok" {
                Ok(payload)
            } else {
                Err(payload)
            })
        }
        Type::Own(_) | Type::Borrow(_) | Type::Future(_) | Type::Stream(_) | Type::ErrorContext => {
            let why = format!("{} cannot be passed yet", type_text(ty));
            return Err((String::new(), Mismatch::Type(why)));
        }
    })
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

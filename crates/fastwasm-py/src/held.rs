//! A call's arguments as the binding holds them: converted from Python
//! once, owned, and readable from any thread with no GIL (the fast path's
//! bytes, strings and buffers, or the general path's `Val`s).

use fastwasm_runtime::wasmtime::component::Val;
use fastwasm_runtime::wasmtime::component::types::Type;
use fastwasm_runtime::{FastArg, LendArg, NumberType, Numbers, OwnedArgs, snake};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyList, PyString, PyTuple};

use crate::arrays::{self, FromBuffer};
use crate::convert::{raise, to_val};

/// The bytes of an immutable Python object (`bytes`, or a `str`'s UTF-8),
/// read in place by a call on any thread: the object is kept alive here,
/// and neither kind can change.
pub(crate) struct Shared {
    // Keeps the bytes alive; never read.
    _owner: Py<PyAny>,
    ptr: *const u8,
    len: usize,
}

// SAFETY: the bytes belong to an immutable object that `owner` keeps alive;
// reading them needs no GIL, and `owner` itself is only dropped (a reference
// count change that pyo3 defers to a GIL holder when there is none).
unsafe impl Send for Shared {}
// SAFETY: as for `Send`: shared access only ever reads the immutable bytes.
unsafe impl Sync for Shared {}

impl Shared {
    fn bytes(&self) -> &[u8] {
        // SAFETY: see `impl Send for Shared`: `ptr` and `len` were read from
        // the live, immutable object `owner`.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

/// One argument of the fast path, owned: `bytes` and `str` are read in
/// place; `bytearray` and other buffers, which another thread could change
/// meanwhile, are copied.
pub(crate) enum Held {
    Bytes(Shared),
    Str(Shared),
    Buffer(FromBuffer),
    Numbers(Numbers),
    Scalar(Val),
}

impl LendArg for Held {
    fn arg(&self) -> FastArg<'_> {
        match self {
            Self::Bytes(shared) => FastArg::Bytes(shared.bytes()),
            Self::Str(shared) => {
                // SAFETY: the bytes are a `str`'s UTF-8, as `PyString::to_str` made them.
                FastArg::Str(unsafe { std::str::from_utf8_unchecked(shared.bytes()) })
            }
            Self::Buffer(buffer) => buffer
                .slice()
                .map_or(FastArg::Bytes(buffer.copied.bytes()), FastArg::Numbers),
            Self::Numbers(numbers) => FastArg::Numbers(numbers.as_slice()),
            Self::Scalar(val) => FastArg::Scalar(val),
        }
    }
}

/// `obj` held for the fast path, or `None` for the general path (which
/// then converts it, or raises the mapping's error).
pub(crate) fn hold(obj: &Bound<'_, PyAny>, param: &str, ty: &Type) -> PyResult<Option<Held>> {
    Ok(match ty {
        Type::String => match obj.cast::<PyString>() {
            Ok(text) => {
                let utf8 = text.to_str()?;
                Some(Held::Str(Shared {
                    ptr: utf8.as_ptr(),
                    len: utf8.len(),
                    _owner: obj.clone().unbind(),
                }))
            }
            Err(_) => None,
        },
        Type::List(list) => {
            let number_type = NumberType::of(&list.ty());
            if let Ok(bytes) = obj.cast::<PyBytes>() {
                let data = bytes.as_bytes();
                (number_type.is_none()).then(|| {
                    Held::Bytes(Shared {
                        ptr: data.as_ptr(),
                        len: data.len(),
                        _owner: obj.clone().unbind(),
                    })
                })
            } else if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
                // The mapping's rules for each element, then one block.
                number_type.and_then(|number_type| {
                    to_val(obj, ty)
                        .ok()
                        .and_then(|val| Numbers::from_val(&val, number_type))
                        .map(Held::Numbers)
                })
            } else {
                match arrays::from_buffer(obj, number_type) {
                    Ok(Some(buffer)) => Some(Held::Buffer(buffer)),
                    Ok(None) => None,
                    Err(mismatch) => return Err(raise(&mismatch, &snake(param))),
                }
            }
        }
        _ => to_val(obj, ty).ok().map(Held::Scalar),
    })
}

/// `obj` as the general path's `Val`: a buffer for a list of numbers as
/// the fast path reads it (one copy, its format checked), then one `Val`
/// per element; anything else by the mapping.
pub(crate) fn general(obj: &Bound<'_, PyAny>, param: &str, ty: &Type) -> PyResult<Val> {
    if let Type::List(list) = ty
        && !(obj.is_instance_of::<PyList>()
            || obj.is_instance_of::<PyTuple>()
            || obj.is_instance_of::<PyBytes>()
            || obj.is_instance_of::<PyByteArray>())
    {
        let number_type = NumberType::of(&list.ty());
        if number_type.is_some() || list.ty() == Type::U8 {
            match arrays::from_buffer(obj, number_type) {
                Ok(Some(buffer)) => return Ok(buffer.to_val()),
                Ok(None) => {}
                Err(mismatch) => return Err(raise(&mismatch, &snake(param))),
            }
        }
    }
    to_val(obj, ty).map_err(|m| raise(&m, &snake(param)))
}

/// A call's arguments, converted and owned, ready for any thread.
pub(crate) type Prepared = OwnedArgs<Held>;

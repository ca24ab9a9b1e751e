//! Lists of numbers between Python and the fast path: any C-contiguous
//! buffer (`numpy.ndarray`, `array.array`, `memoryview`) whose item format is
//! the list's element type comes in as one copy; a result goes out as a
//! Python list or, when the component was loaded with `arrays="array"`, as a
//! numpy array (an `array.array` without numpy).

use std::ffi::CStr;

use fastwasm_runtime::mapping::{Mismatch, Problem};
use fastwasm_runtime::wasmtime::component::Val;
use fastwasm_runtime::{NumberSlice, NumberType, Numbers};
use pyo3::buffer::{ElementType, PyUntypedBuffer};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyList};

use crate::Error;

/// How a component returns a `list<T>` of numbers (other than `u8`, which
/// is always `bytes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arrays {
    /// A Python `list` of `int` or `float`.
    List,
    /// A numpy array when numpy is installed, else an `array.array`.
    Array,
}

impl std::str::FromStr for Arrays {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        match text {
            "list" => Ok(Self::List),
            "array" => Ok(Self::Array),
            other => Err(Error::InvalidArgument(format!(
                "arrays must be \"list\" or \"array\", got {other:?}"
            ))),
        }
    }
}

impl Arrays {
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Self::List => "list",
            Self::Array => "array",
        }
    }
}

/// The element type a buffer format names, in words (`float64`).
fn format_text(format: &CStr) -> String {
    let words = match ElementType::from_format(format) {
        ElementType::SignedInteger { bytes } => format!("int{}", bytes * 8),
        ElementType::UnsignedInteger { bytes } => format!("uint{}", bytes * 8),
        ElementType::Float { bytes } => format!("float{}", bytes * 8),
        ElementType::Bool => "bool".to_owned(),
        ElementType::Unknown => "an unknown type".to_owned(),
    };
    format!("{words} (format {:?})", format.to_string_lossy())
}

/// Whether `format` is exactly `want`'s kind and size, in the host's byte
/// order: a native (`d`, `@d`) or standard (`=d`, and `<d` on a
/// little-endian host) format. Never a cast: `float64` for `f32` and
/// `int64` for `u64` do not fit.
fn fits(format: &CStr, want: ElementType) -> bool {
    let bytes = format.to_bytes();
    let order_ok = match bytes {
        [_] | [b'@' | b'=', _] => true,
        [b'<', _] => cfg!(target_endian = "little"),
        [b'>' | b'!', _] => cfg!(target_endian = "big"),
        _ => false,
    };
    order_ok && ElementType::from_format(format) == want
}

fn element_type(number_type: Option<NumberType>) -> ElementType {
    let Some(number_type) = number_type else {
        return ElementType::UnsignedInteger { bytes: 1 };
    };
    let bytes = number_type.size();
    match number_type {
        NumberType::F32 | NumberType::F64 => ElementType::Float { bytes },
        NumberType::U16 | NumberType::U32 | NumberType::U64 => {
            ElementType::UnsignedInteger { bytes }
        }
        NumberType::S8 | NumberType::S16 | NumberType::S32 | NumberType::S64 => {
            ElementType::SignedInteger { bytes }
        }
    }
}

/// A copy of a buffer's bytes, in memory aligned for any number type, which
/// goes back to its thread's spare when dropped: a fresh buffer of
/// megabytes costs a page fault per page (and the allocator may hand the
/// pages back to the system on free, so every call pays them again).
pub(crate) struct Copied {
    words: Vec<u64>,
    len: usize,
}

thread_local! {
    static SPARE: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Spares above this are freed, so one huge argument does not pin its
/// memory for the thread's lifetime.
const SPARE_MAX_BYTES: usize = 64 << 20;

impl Copied {
    /// The bytes of `buffer` (C-contiguous, checked by the caller).
    fn of(buffer: &PyUntypedBuffer) -> Self {
        let len = buffer.len_bytes();
        let mut words = SPARE.with_borrow_mut(std::mem::take);
        words.clear();
        words.resize(len.div_ceil(8), 0);
        // SAFETY: the buffer is C-contiguous, so its `len` bytes start at
        // `buf_ptr`, valid while `buffer` is held; `words` has room for them.
        unsafe {
            std::ptr::copy_nonoverlapping(
                buffer.buf_ptr().cast::<u8>(),
                words.as_mut_ptr().cast::<u8>(),
                len,
            );
        }
        Self { words, len }
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        // SAFETY: `words` holds at least `len` initialized bytes.
        unsafe { std::slice::from_raw_parts(self.words.as_ptr().cast::<u8>(), self.len) }
    }
}

impl Drop for Copied {
    fn drop(&mut self) {
        let words = std::mem::take(&mut self.words);
        if words.capacity() * 8 <= SPARE_MAX_BYTES {
            SPARE.with_borrow_mut(|spare| {
                if words.capacity() > spare.capacity() {
                    *spare = words;
                }
            });
        }
    }
}

/// A buffer's bytes for a `list<T>` parameter, copied: another thread may
/// write the buffer while the call runs.
pub(crate) struct FromBuffer {
    /// The element type; `None` for `u8`.
    pub(crate) number_type: Option<NumberType>,
    pub(crate) copied: Copied,
}

impl FromBuffer {
    /// The numbers, for a fast-path argument.
    pub(crate) fn slice(&self) -> Option<NumberSlice<'_>> {
        NumberSlice::from_bytes(self.number_type?, self.copied.bytes())
    }

    /// The general path's `Val::List`.
    pub(crate) fn to_val(&self) -> Val {
        self.slice().map_or_else(
            || Val::List(self.copied.bytes().iter().map(|b| Val::U8(*b)).collect()),
            |slice| slice.to_val(),
        )
    }
}

/// The contents of `obj`'s buffer for a `list<T>` whose element is
/// `number_type` (`None`: `u8`); `Ok(None)` when `obj` exports no buffer.
///
/// # Errors
/// A type mismatch, naming both element types, when the buffer's item format
/// is not exactly the list's; one when the buffer is not C-contiguous or not
/// one-dimensional.
pub(crate) fn from_buffer(
    obj: &Bound<'_, PyAny>,
    number_type: Option<NumberType>,
) -> Result<Option<FromBuffer>, Box<Mismatch>> {
    let Ok(buffer) = PyUntypedBuffer::get(obj) else {
        return Ok(None);
    };
    let wit = number_type.map_or("u8", NumberType::wit_name);
    let want = element_type(number_type);
    let mismatch = |got: String| {
        Mismatch::here(Problem::Type {
            expected: format!(
                "a buffer of {wit} (format {:?}) for list<{wit}>",
                number_type.map_or("B", NumberType::buffer_format)
            ),
            got,
        })
    };
    if !fits(buffer.format(), want) {
        return Err(mismatch(format!(
            "a buffer of {}",
            format_text(buffer.format())
        )));
    }
    if !buffer.is_c_contiguous() {
        return Err(mismatch(format!(
            "a buffer that is not C-contiguous (shape {:?}, strides {:?}); pass a contiguous copy",
            buffer.shape(),
            buffer.strides()
        )));
    }
    if buffer.dimensions() > 1 {
        return Err(mismatch(format!(
            "a {}-dimensional buffer (shape {:?}); pass a 1-dimensional one (.ravel())",
            buffer.dimensions(),
            buffer.shape()
        )));
    }
    Ok(Some(FromBuffer {
        number_type,
        copied: Copied::of(&buffer),
    }))
}

/// A list of numbers as Python sees it, as `arrays` asks.
pub(crate) fn to_py(
    py: Python<'_>,
    numbers: Numbers,
    arrays: Arrays,
) -> PyResult<Bound<'_, PyAny>> {
    if arrays == Arrays::List {
        return Ok(match &numbers {
            Numbers::S8(v) => PyList::new(py, v)?,
            Numbers::U16(v) => PyList::new(py, v)?,
            Numbers::S16(v) => PyList::new(py, v)?,
            Numbers::U32(v) => PyList::new(py, v)?,
            Numbers::S32(v) => PyList::new(py, v)?,
            Numbers::U64(v) => PyList::new(py, v)?,
            Numbers::S64(v) => PyList::new(py, v)?,
            Numbers::F32(v) => PyList::new(py, v)?,
            Numbers::F64(v) => PyList::new(py, v)?,
        }
        .into_any());
    }
    let format = numbers.number_type().buffer_format();
    // No copy into numpy: the array's memory is the vector the call lifted.
    if let Some(frombuffer) = numpy_frombuffer(py)? {
        let block = Bound::new(py, Block(std::cell::UnsafeCell::new(numbers)))?;
        return frombuffer.call1((block, format));
    }
    let bytes = PyByteArray::new(py, numbers.as_bytes());
    py.import("array")?.getattr("array")?.call1((format, bytes))
}

/// The memory of a result's numbers, lent to numpy as a writable buffer:
/// the array numpy makes over it keeps it alive.
#[pyclass(frozen, module = "fastwasm._native", name = "_NumberBlock")]
pub(crate) struct Block(std::cell::UnsafeCell<Numbers>);

// SAFETY: after construction no Rust code reads or writes the numbers; only
// the buffer consumers (numpy, under the GIL or by their own rules) touch the
// memory, through the pointer `__getbuffer__` lends, and `Drop` frees it once
// no buffer is outstanding (Python keeps the block alive while one is).
unsafe impl Sync for Block {}

#[pymethods]
impl Block {
    /// Lends the numbers' bytes (format `B`; numpy's `frombuffer` reads them
    /// as the dtype it is given).
    ///
    /// # Safety
    /// `view` is the `Py_buffer` Python asks to fill.
    #[allow(clippy::needless_pass_by_value)] // pyo3 hands the receiver over by value
    unsafe fn __getbuffer__(
        slf: Bound<'_, Self>,
        view: *mut pyo3::ffi::Py_buffer,
        flags: std::ffi::c_int,
    ) -> PyResult<()> {
        let numbers = slf.get().0.get();
        // SAFETY: see `impl Sync for Block`: the vector is never moved or
        // resized, so its pointer and length stay valid while `slf` lives,
        // which the filled view keeps alive.
        let (ptr, len) = unsafe {
            let bytes = (*numbers).as_bytes();
            (bytes.as_ptr().cast_mut(), bytes.len())
        };
        let len = isize::try_from(len)
            .map_err(|_| pyo3::exceptions::PyOverflowError::new_err("too large a buffer"))?;
        // SAFETY: `view` is Python's; `PyBuffer_FillInfo` takes a new
        // reference to `slf` and fills a contiguous, writable byte view.
        let filled =
            unsafe { pyo3::ffi::PyBuffer_FillInfo(view, slf.as_ptr(), ptr.cast(), len, 0, flags) };
        if filled == 0 {
            Ok(())
        } else {
            Err(PyErr::fetch(slf.py()))
        }
    }
}

/// `numpy.frombuffer`, once per process; `None` without numpy.
fn numpy_frombuffer(py: Python<'_>) -> PyResult<Option<&Bound<'_, PyAny>>> {
    static FROMBUFFER: PyOnceLock<Option<Py<PyAny>>> = PyOnceLock::new();
    let found = FROMBUFFER.get_or_try_init(py, || -> PyResult<_> {
        match py.import("numpy") {
            Ok(numpy) => Ok(Some(numpy.getattr("frombuffer")?.unbind())),
            Err(e) if e.is_instance_of::<pyo3::exceptions::PyImportError>(py) => Ok(None),
            Err(e) => Err(e),
        }
    })?;
    Ok(found.as_ref().map(|f| f.bind(py)))
}

//! wasmtime's `ComponentType`, `Lower` and `Lift` for the fast path's
//! classes of WIT types: every scalar at once, and every bulk type
//! (`list<u8>`, `string`, a list of another number), each reading which one
//! it is from the type wasmtime hands it. Their flat forms and layouts are
//! the canonical ABI's.

use std::mem::MaybeUninit;

use wasmtime::ValRaw;
use wasmtime::component::__internal::{
    CanonicalAbiInfo, InstanceType, InterfaceType, LiftContext, LowerContext,
};
use wasmtime::component::{ComponentType, Lift, Lower, Val};

use super::numbers::{self, NumberType};
use super::{Bulk, FastArg};

/// A bulk argument: a `list<u8>`, a `string` or a list of numbers.
#[derive(Debug, Clone, Copy)]
pub(super) struct InBulk<'a>(pub(super) FastArg<'a>);

/// A scalar argument of any scalar WIT type.
#[derive(Debug, Clone, Copy)]
pub(super) struct InScalar<'a>(pub(super) &'a Val);

/// A scalar result: the `Val` of its type. `SIZE` is the bytes its WIT
/// type takes in memory (1, 2, 4 or 8): a scalar inside an `option` or a
/// `result` is returned through memory, where the payload's offset follows
/// from its alignment, so each size is its own Rust type with its own
/// canonical ABI info. `SIZE` 0 ([`OutScalar`]) is any scalar, lifted flat
/// only: a function's single scalar result is always returned flat.
pub(super) struct OutSized<const SIZE: u32>(pub(super) Val);

/// A function's own scalar result, of any size.
pub(super) type OutScalar = OutSized<0>;

/// A bulk result.
pub(super) struct OutBulk(pub(super) Bulk);

fn bad(ty: InterfaceType) -> wasmtime::Error {
    wasmtime::format_err!("the fast path met a value of an unexpected type {ty:?}")
}

/// `ty`, if it is a scalar.
fn scalar_type(ty: InterfaceType) -> wasmtime::Result<()> {
    interface_scalar_size(ty).map(|_| ()).ok_or_else(|| bad(ty))
}

fn bulk_type(ty: InterfaceType, types: &InstanceType<'_>) -> wasmtime::Result<()> {
    match ty {
        InterfaceType::String => Ok(()),
        InterfaceType::List(i)
            if types.types[i].element == InterfaceType::U8
                || numbers::number_type_of(types.types[i].element).is_some() =>
        {
            Ok(())
        }
        _ => Err(bad(ty)),
    }
}

/// The number type of a `list<T>` interface type, when `T` is a number
/// other than `u8`.
fn list_of_numbers(
    ty: InterfaceType,
    types: &wasmtime::component::__internal::wasmtime_environ::component::ComponentTypes,
) -> Option<NumberType> {
    match ty {
        InterfaceType::List(i) => numbers::number_type_of(types[i].element),
        _ => None,
    }
}

// SAFETY: the flat form of a `string` and of every `list<T>` is the same
// pointer pair (`[ValRaw; 2]`, `POINTER_PAIR`), and `typecheck` admits only
// those types; lowering delegates to wasmtime's own `str`, `[u8]` and `[T]`
// impls, after checking that a list's elements are the type's.
unsafe impl ComponentType for InBulk<'_> {
    type Lower = [ValRaw; 2];
    const ABI: CanonicalAbiInfo = CanonicalAbiInfo::POINTER_PAIR;

    fn typecheck(ty: &InterfaceType, types: &InstanceType<'_>) -> wasmtime::Result<()> {
        bulk_type(*ty, types)
    }
}

// SAFETY: see `ComponentType for InBulk`.
unsafe impl Lower for InBulk<'_> {
    fn linear_lower_to_flat<T>(
        &self,
        cx: &mut LowerContext<'_, T>,
        ty: InterfaceType,
        dst: &mut MaybeUninit<Self::Lower>,
    ) -> wasmtime::Result<()> {
        match (self.0, ty) {
            (FastArg::Bytes(bytes), InterfaceType::List(_)) => {
                bytes.linear_lower_to_flat(cx, ty, dst)
            }
            (FastArg::Str(text), InterfaceType::String) => text.linear_lower_to_flat(cx, ty, dst),
            (FastArg::Numbers(slice), _)
                if list_of_numbers(ty, cx.types) == Some(slice.number_type()) =>
            {
                numbers::lower_flat(slice, cx, ty, dst)
            }
            _ => Err(bad(ty)),
        }
    }

    fn linear_lower_to_memory<T>(
        &self,
        cx: &mut LowerContext<'_, T>,
        ty: InterfaceType,
        offset: usize,
    ) -> wasmtime::Result<()> {
        match (self.0, ty) {
            (FastArg::Bytes(bytes), InterfaceType::List(_)) => {
                bytes.linear_lower_to_memory(cx, ty, offset)
            }
            (FastArg::Str(text), InterfaceType::String) => {
                text.linear_lower_to_memory(cx, ty, offset)
            }
            (FastArg::Numbers(slice), _)
                if list_of_numbers(ty, cx.types) == Some(slice.number_type()) =>
            {
                numbers::lower_memory(slice, cx, ty, offset)
            }
            _ => Err(bad(ty)),
        }
    }
}

// SAFETY: every scalar WIT type flattens to one core value (`ValRaw`), which
// is all this type's flat form claims. Its in-memory size differs by type
// (1 to 8 bytes), so it is never stored in memory: the fast shapes pass at
// most four parameters, always flat, and `linear_lower_to_memory` refuses.
unsafe impl ComponentType for InScalar<'_> {
    type Lower = ValRaw;
    const ABI: CanonicalAbiInfo = CanonicalAbiInfo::SCALAR8;

    fn typecheck(ty: &InterfaceType, _: &InstanceType<'_>) -> wasmtime::Result<()> {
        scalar_type(*ty)
    }
}

// SAFETY: see `ComponentType for InScalar`.
unsafe impl Lower for InScalar<'_> {
    fn linear_lower_to_flat<T>(
        &self,
        _cx: &mut LowerContext<'_, T>,
        ty: InterfaceType,
        dst: &mut MaybeUninit<Self::Lower>,
    ) -> wasmtime::Result<()> {
        dst.write(scalar_raw(self.0, ty)?);
        Ok(())
    }

    fn linear_lower_to_memory<T>(
        &self,
        _cx: &mut LowerContext<'_, T>,
        ty: InterfaceType,
        _offset: usize,
    ) -> wasmtime::Result<()> {
        Err(bad(ty))
    }
}

/// As [`crate::wit::scalar_size`], for the interface types wasmtime hands
/// an adapter.
fn interface_scalar_size(ty: InterfaceType) -> Option<u32> {
    match ty {
        InterfaceType::Bool | InterfaceType::S8 | InterfaceType::U8 => Some(1),
        InterfaceType::S16 | InterfaceType::U16 => Some(2),
        InterfaceType::S32 | InterfaceType::U32 | InterfaceType::Float32 | InterfaceType::Char => {
            Some(4)
        }
        InterfaceType::S64 | InterfaceType::U64 | InterfaceType::Float64 => Some(8),
        _ => None,
    }
}

// SAFETY: every scalar WIT type flattens to one core value (`ValRaw`),
// which is all the flat form claims. In memory the type is `SIZE` bytes
// with alignment `SIZE`, exactly the canonical ABI's for the scalars
// `typecheck` admits: only those of that size. `SIZE` 0 admits every
// scalar and is never lifted from memory (`linear_lift_from_memory`
// refuses), so its placeholder `SCALAR8` layout is never used.
unsafe impl<const SIZE: u32> ComponentType for OutSized<SIZE> {
    type Lower = ValRaw;
    const ABI: CanonicalAbiInfo = match SIZE {
        1 => CanonicalAbiInfo::SCALAR1,
        2 => CanonicalAbiInfo::SCALAR2,
        4 => CanonicalAbiInfo::SCALAR4,
        0 | 8 => CanonicalAbiInfo::SCALAR8,
        _ => panic!("a scalar is 1, 2, 4 or 8 bytes"),
    };

    fn typecheck(ty: &InterfaceType, _: &InstanceType<'_>) -> wasmtime::Result<()> {
        match interface_scalar_size(*ty) {
            Some(size) if SIZE == 0 || size == SIZE => Ok(()),
            _ => Err(bad(*ty)),
        }
    }
}

// SAFETY: see `ComponentType for OutSized`; `bytes` is the payload's slice
// of guest memory, at least `SIZE` long (wasmtime slices it by `SIZE32`),
// read little-endian and validated as `lift_scalar_flat` validates.
unsafe impl<const SIZE: u32> Lift for OutSized<SIZE> {
    fn linear_lift_from_flat(
        _cx: &mut LiftContext<'_>,
        ty: InterfaceType,
        src: &Self::Lower,
    ) -> wasmtime::Result<Self> {
        lift_scalar_flat(ty, src).map(Self)
    }

    fn linear_lift_from_memory(
        _cx: &mut LiftContext<'_>,
        ty: InterfaceType,
        bytes: &[u8],
    ) -> wasmtime::Result<Self> {
        if SIZE == 0 {
            return Err(bad(ty));
        }
        let mut word = [0u8; 8];
        let size = SIZE as usize;
        word[..size].copy_from_slice(
            bytes
                .get(..size)
                .ok_or_else(|| wasmtime::format_err!("a {SIZE}-byte scalar out of bounds"))?,
        );
        let bits = u64::from_le_bytes(word);
        #[allow(clippy::cast_possible_truncation)]
        let raw = if SIZE == 8 {
            ValRaw::u64(bits)
        } else {
            ValRaw::u32(bits as u32)
        };
        if ty == InterfaceType::Bool && bits > 1 {
            // In memory a `bool` is a byte that must be 0 or 1.
            return Err(wasmtime::format_err!("invalid boolean value {bits}"));
        }
        lift_scalar_flat(ty, &raw).map(Self)
    }
}

/// A scalar of WIT type `ty` from its one core value, validated as the
/// canonical ABI asks: a `bool` is any non-zero value, a `char` a Unicode
/// scalar value.
fn lift_scalar_flat(ty: InterfaceType, src: &ValRaw) -> wasmtime::Result<Val> {
    let bits32 = src.get_u32();
    #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
    Ok(match ty {
        InterfaceType::Bool => Val::Bool(bits32 != 0),
        InterfaceType::S8 => Val::S8(bits32 as i8),
        InterfaceType::U8 => Val::U8(bits32 as u8),
        InterfaceType::S16 => Val::S16(bits32 as i16),
        InterfaceType::U16 => Val::U16(bits32 as u16),
        InterfaceType::S32 => Val::S32(src.get_i32()),
        InterfaceType::U32 => Val::U32(bits32),
        InterfaceType::S64 => Val::S64(src.get_i64()),
        InterfaceType::U64 => Val::U64(src.get_u64()),
        InterfaceType::Float32 => Val::Float32(f32::from_bits(src.get_f32())),
        InterfaceType::Float64 => Val::Float64(f64::from_bits(src.get_f64())),
        InterfaceType::Char => Val::Char(
            char::from_u32(bits32)
                .ok_or_else(|| wasmtime::format_err!("{bits32:#x} is not a valid char"))?,
        ),
        other => return Err(bad(other)),
    })
}

// SAFETY: as `ComponentType for InBulk`: the same pointer pair for both types.
unsafe impl ComponentType for OutBulk {
    type Lower = [ValRaw; 2];
    const ABI: CanonicalAbiInfo = CanonicalAbiInfo::POINTER_PAIR;

    fn typecheck(ty: &InterfaceType, types: &InstanceType<'_>) -> wasmtime::Result<()> {
        bulk_type(*ty, types)
    }
}

// SAFETY: a `list<u8>` is read as the canonical ABI lays it out (a pointer
// and a length, bounds-checked against guest memory) and copied out, so
// nothing borrows guest memory after the call; a UTF-8 `string` the same
// way, validated; a string in another encoding goes through wasmtime's own
// `String` impl, and a list of other numbers through its `Vec<T>`.
unsafe impl Lift for OutBulk {
    fn linear_lift_from_flat(
        cx: &mut LiftContext<'_>,
        ty: InterfaceType,
        src: &Self::Lower,
    ) -> wasmtime::Result<Self> {
        if let Some(number_type) = list_of_numbers(ty, cx.types) {
            return Ok(Self(Bulk::Numbers(numbers::lift_flat(
                number_type,
                cx,
                ty,
                src,
            )?)));
        }
        if ty == InterfaceType::String && !utf8(cx) {
            return Ok(Self(Bulk::Str(String::linear_lift_from_flat(cx, ty, src)?)));
        }
        lift_bulk(cx, ty, src[0].get_u32(), src[1].get_u32())
    }

    fn linear_lift_from_memory(
        cx: &mut LiftContext<'_>,
        ty: InterfaceType,
        bytes: &[u8],
    ) -> wasmtime::Result<Self> {
        if let Some(number_type) = list_of_numbers(ty, cx.types) {
            return Ok(Self(Bulk::Numbers(numbers::lift_memory(
                number_type,
                cx,
                ty,
                bytes,
            )?)));
        }
        if ty == InterfaceType::String && !utf8(cx) {
            return Ok(Self(Bulk::Str(String::linear_lift_from_memory(
                cx, ty, bytes,
            )?)));
        }
        let word = |at: usize| {
            bytes
                .get(at..at + 4)
                .and_then(|w| w.try_into().ok())
                .map(u32::from_le_bytes)
                .ok_or_else(|| wasmtime::format_err!("a pointer pair out of bounds"))
        };
        lift_bulk(cx, ty, word(0)?, word(4)?)
    }
}

fn utf8(cx: &LiftContext<'_>) -> bool {
    use wasmtime::component::__internal::wasmtime_environ::component::StringEncoding;
    cx.options().string_encoding == StringEncoding::Utf8
}

/// Copies `len` bytes at `ptr` out of guest memory into a recycled buffer
/// (see [`Bulk::recycle`]).
fn lift_bulk(
    cx: &LiftContext<'_>,
    ty: InterfaceType,
    ptr: u32,
    len: u32,
) -> wasmtime::Result<OutBulk> {
    let (ptr, len) = (ptr as usize, len as usize);
    let bytes = cx
        .memory()
        .get(ptr..)
        .and_then(|m| m.get(..len))
        .ok_or_else(|| wasmtime::format_err!("a {len}-byte result at {ptr:#x} is out of bounds"))?;
    let mut buffer = RECYCLED.with_borrow_mut(std::mem::take);
    buffer.clear();
    buffer.extend_from_slice(bytes);
    Ok(OutBulk(match ty {
        InterfaceType::String => Bulk::Str(
            String::from_utf8(buffer).map_err(|e| wasmtime::format_err!("invalid UTF-8: {e}"))?,
        ),
        InterfaceType::List(_) => Bulk::Bytes(buffer),
        other => return Err(bad(other)),
    }))
}

thread_local! {
    /// One spare result buffer per thread. A host that copies a large result
    /// elsewhere (the Python binding, into a `bytes`) hands the buffer back,
    /// so the next call reuses its pages: a fresh megabyte from the system
    /// allocator costs hundreds of page faults, more than the copy itself.
    static RECYCLED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Buffers above this are not kept for reuse, so one huge result does not
/// pin its memory for the thread's lifetime.
const RECYCLE_MAX_BYTES: usize = 64 << 20;

impl Bulk {
    /// The bytes of any kind (a list of numbers' in the host's byte order).
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Bytes(bytes) => bytes,
            Self::Str(text) => text.as_bytes(),
            Self::Numbers(numbers) => numbers.as_bytes(),
        }
    }

    /// Hands the buffer back for the next fast-path result on this thread,
    /// once its contents have been copied elsewhere. Optional: a caller that
    /// keeps the `Bulk` simply does not call it.
    pub fn recycle(self) {
        let buffer = match self {
            Self::Bytes(bytes) => bytes,
            Self::Str(text) => text.into_bytes(),
            // Typed vectors are handed on whole (to a Python array), not recycled.
            Self::Numbers(_) => return,
        };
        if buffer.capacity() <= RECYCLE_MAX_BYTES {
            RECYCLED.with_borrow_mut(|spare| {
                if buffer.capacity() > spare.capacity() {
                    *spare = buffer;
                }
            });
        }
    }
}

/// A scalar `Val` as the one core value of its WIT type's flat form.
fn scalar_raw(val: &Val, ty: InterfaceType) -> wasmtime::Result<ValRaw> {
    Ok(match (val, ty) {
        (Val::Bool(v), InterfaceType::Bool) => ValRaw::i32(i32::from(*v)),
        (Val::S8(v), InterfaceType::S8) => ValRaw::i32(i32::from(*v)),
        (Val::U8(v), InterfaceType::U8) => ValRaw::u32(u32::from(*v)),
        (Val::S16(v), InterfaceType::S16) => ValRaw::i32(i32::from(*v)),
        (Val::U16(v), InterfaceType::U16) => ValRaw::u32(u32::from(*v)),
        (Val::S32(v), InterfaceType::S32) => ValRaw::i32(*v),
        (Val::U32(v), InterfaceType::U32) => ValRaw::u32(*v),
        (Val::S64(v), InterfaceType::S64) => ValRaw::i64(*v),
        (Val::U64(v), InterfaceType::U64) => ValRaw::u64(*v),
        (Val::Float32(v), InterfaceType::Float32) => ValRaw::f32(v.to_bits()),
        (Val::Float64(v), InterfaceType::Float64) => ValRaw::f64(v.to_bits()),
        (Val::Char(v), InterfaceType::Char) => ValRaw::u32(u32::from(*v)),
        _ => return Err(bad(ty)),
    })
}

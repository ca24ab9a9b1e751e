//! Lists of numbers (`list<T>` for every integer and float `T` but `u8`,
//! which is [`Bulk::Bytes`](super::Bulk)) as typed vectors: one block copy
//! in and out of guest memory, through wasmtime's own `[T]` and `Vec<T>`
//! impls of the canonical ABI. The vectors are in the host's byte order,
//! as Python's buffers are; wasmtime converts to and from the guest's
//! little-endian memory.

use wasmtime::component::Val;
use wasmtime::component::types::Type;

macro_rules! numbers {
    ($($variant:ident($t:ty) = $wit:ident, $name:literal, $format:literal;)*) => {
        /// The element type of a list of numbers.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum NumberType {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
        }

        /// A list of numbers, owned.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Numbers {
            $(
                #[doc = concat!("A `list<", $name, ">`.")]
                $variant(Vec<$t>),
            )*
        }

        /// A list of numbers, borrowed: a fast-path argument.
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub enum NumberSlice<'a> {
            $(
                #[doc = concat!("For a `list<", $name, ">`.")]
                $variant(&'a [$t]),
            )*
        }

        impl NumberType {
            /// The element type of `list<T>`'s `T`, when it is a number other than `u8`.
            #[must_use]
            pub fn of(ty: &Type) -> Option<Self> {
                match ty {
                    $(Type::$wit => Some(Self::$variant),)*
                    _ => None,
                }
            }

            /// Its WIT name (`f64`).
            #[must_use]
            pub const fn wit_name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }

            /// Its Python buffer format (`struct` module, standard sizes).
            #[must_use]
            pub const fn buffer_format(self) -> &'static str {
                match self {
                    $(Self::$variant => $format,)*
                }
            }

            /// Bytes per element.
            #[must_use]
            pub const fn size(self) -> usize {
                match self {
                    $(Self::$variant => size_of::<$t>(),)*
                }
            }
        }

        impl Numbers {
            /// The element type.
            #[must_use]
            pub const fn number_type(&self) -> NumberType {
                match self {
                    $(Self::$variant(_) => NumberType::$variant,)*
                }
            }

            /// Borrowed, as an argument.
            #[must_use]
            pub fn as_slice(&self) -> NumberSlice<'_> {
                match self {
                    $(Self::$variant(v) => NumberSlice::$variant(v),)*
                }
            }

            /// The number of elements.
            #[must_use]
            pub fn len(&self) -> usize {
                match self {
                    $(Self::$variant(v) => v.len(),)*
                }
            }

            /// Whether there are none.
            #[must_use]
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }

            /// The elements' bytes in the host's byte order.
            #[must_use]
            pub fn as_bytes(&self) -> &[u8] {
                match self {
                    // SAFETY: every bit pattern of a primitive number is
                    // valid bytes, `u8` has alignment 1, and the length is
                    // the vector's size in bytes.
                    $(Self::$variant(v) => unsafe {
                        std::slice::from_raw_parts(v.as_ptr().cast::<u8>(), size_of_val(v.as_slice()))
                    },)*
                }
            }

            /// The list as the general path's `Val::List`.
            #[must_use]
            pub fn to_val(&self) -> Val {
                self.as_slice().to_val()
            }

            /// A `Val::List` whose elements are all of `number_type`, as
            /// numbers; `None` when one is not.
            #[must_use]
            pub fn from_val(val: &Val, number_type: NumberType) -> Option<Self> {
                let Val::List(items) = val else { return None };
                match number_type {
                    $(NumberType::$variant => items
                        .iter()
                        .map(|item| match item {
                            Val::$wit(n) => Some(*n),
                            _ => None,
                        })
                        .collect::<Option<Vec<$t>>>()
                        .map(Self::$variant),)*
                }
            }
        }

        impl<'a> NumberSlice<'a> {
            /// The element type.
            #[must_use]
            pub const fn number_type(&self) -> NumberType {
                match self {
                    $(Self::$variant(_) => NumberType::$variant,)*
                }
            }

            /// `bytes` (host byte order) as elements of `number_type`;
            /// `None` when they are not aligned for it or not a whole
            /// number of elements.
            #[must_use]
            pub fn from_bytes(number_type: NumberType, bytes: &'a [u8]) -> Option<Self> {
                match number_type {
                    $(NumberType::$variant => {
                        // SAFETY: every bit pattern is a valid number of this type.
                        let (head, body, tail) = unsafe { bytes.align_to::<$t>() };
                        (head.is_empty() && tail.is_empty()).then_some(Self::$variant(body))
                    })*
                }
            }

            /// The list as the general path's `Val::List`.
            #[must_use]
            pub fn to_val(&self) -> Val {
                match self {
                    $(Self::$variant(v) => Val::List(v.iter().map(|n| Val::$wit(*n)).collect()),)*
                }
            }
        }

        /// Lowers `slice` as the `list<T>` `ty`, through wasmtime's `[T]`.
        pub(super) fn lower_flat<T: 'static>(
            slice: NumberSlice<'_>,
            cx: &mut wasmtime::component::__internal::LowerContext<'_, T>,
            ty: wasmtime::component::__internal::InterfaceType,
            dst: &mut std::mem::MaybeUninit<[wasmtime::ValRaw; 2]>,
        ) -> wasmtime::Result<()> {
            use wasmtime::component::Lower;
            match slice {
                $(NumberSlice::$variant(v) => v.linear_lower_to_flat(cx, ty, dst),)*
            }
        }

        /// As [`lower_flat`], into memory at `offset`.
        pub(super) fn lower_memory<T: 'static>(
            slice: NumberSlice<'_>,
            cx: &mut wasmtime::component::__internal::LowerContext<'_, T>,
            ty: wasmtime::component::__internal::InterfaceType,
            offset: usize,
        ) -> wasmtime::Result<()> {
            use wasmtime::component::Lower;
            match slice {
                $(NumberSlice::$variant(v) => v.linear_lower_to_memory(cx, ty, offset),)*
            }
        }

        /// Lifts the `list<T>` `ty` whose element is `number_type`, through wasmtime's `Vec<T>`.
        pub(super) fn lift_flat(
            number_type: NumberType,
            cx: &mut wasmtime::component::__internal::LiftContext<'_>,
            ty: wasmtime::component::__internal::InterfaceType,
            src: &[wasmtime::ValRaw; 2],
        ) -> wasmtime::Result<Numbers> {
            use wasmtime::component::Lift;
            Ok(match number_type {
                $(NumberType::$variant => Numbers::$variant(Vec::<$t>::linear_lift_from_flat(cx, ty, src)?),)*
            })
        }

        /// As [`lift_flat`], from memory.
        pub(super) fn lift_memory(
            number_type: NumberType,
            cx: &mut wasmtime::component::__internal::LiftContext<'_>,
            ty: wasmtime::component::__internal::InterfaceType,
            bytes: &[u8],
        ) -> wasmtime::Result<Numbers> {
            use wasmtime::component::Lift;
            Ok(match number_type {
                $(NumberType::$variant => Numbers::$variant(Vec::<$t>::linear_lift_from_memory(cx, ty, bytes)?),)*
            })
        }

        /// The element type of the canonical ABI's interface type, when it is a number other than `u8`.
        pub(super) fn number_type_of(
            ty: wasmtime::component::__internal::InterfaceType,
        ) -> Option<NumberType> {
            use wasmtime::component::__internal::InterfaceType as I;
            match ty {
                $(I::$wit => Some(NumberType::$variant),)*
                _ => None,
            }
        }
    };
}

// The WIT type of `Val`'s variant and of `InterfaceType`'s share a name for
// every number but the floats, which both call `Float32`/`Float64`.
numbers! {
    S8(i8) = S8, "s8", "b";
    U16(u16) = U16, "u16", "H";
    S16(i16) = S16, "s16", "h";
    U32(u32) = U32, "u32", "I";
    S32(i32) = S32, "s32", "i";
    U64(u64) = U64, "u64", "Q";
    S64(i64) = S64, "s64", "q";
    F32(f32) = Float32, "f32", "f";
    F64(f64) = Float64, "f64", "d";
}

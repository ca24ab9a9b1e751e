use std::fmt;

/// The scalar types the generic call API carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit float.
    F32,
    /// 64-bit float.
    F64,
}

impl ValueType {
    /// The WebAssembly text name: `i32`, `i64`, `f32` or `f64`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::I32 => "i32",
            Self::I64 => "i64",
            Self::F32 => "f32",
            Self::F64 => "f64",
        }
    }

    pub(crate) fn from_wasmtime(ty: &wasmtime::ValType) -> Option<Self> {
        match ty {
            wasmtime::ValType::I32 => Some(Self::I32),
            wasmtime::ValType::I64 => Some(Self::I64),
            wasmtime::ValType::F32 => Some(Self::F32),
            wasmtime::ValType::F64 => Some(Self::F64),
            _ => None,
        }
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A scalar argument or result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// 32-bit integer (signedness is the guest's business).
    I32(i32),
    /// 64-bit integer. A guest `u64` arrives here as its two's-complement bits.
    I64(i64),
    /// 32-bit float.
    F32(f32),
    /// 64-bit float.
    F64(f64),
}

impl Value {
    /// The type of this value.
    #[must_use]
    pub const fn ty(self) -> ValueType {
        match self {
            Self::I32(_) => ValueType::I32,
            Self::I64(_) => ValueType::I64,
            Self::F32(_) => ValueType::F32,
            Self::F64(_) => ValueType::F64,
        }
    }

    /// An integer as a value of type `ty`: an i32 or i64 takes any value that
    /// fits its bits, signed or unsigned (the guest decides the signedness);
    /// a float takes the nearest float. `None` when it does not fit.
    #[must_use]
    pub fn from_int(ty: ValueType, value: i128) -> Option<Self> {
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
        Some(match ty {
            ValueType::I32 => Self::I32(match i32::try_from(value) {
                Ok(v) => v,
                Err(_) => u32::try_from(value).ok()?.cast_signed(),
            }),
            ValueType::I64 => Self::I64(match i64::try_from(value) {
                Ok(v) => v,
                Err(_) => u64::try_from(value).ok()?.cast_signed(),
            }),
            ValueType::F32 => Self::F32(value as f32),
            ValueType::F64 => Self::F64(value as f64),
        })
    }

    /// A float as a value of type `ty`: only a float type takes it.
    #[must_use]
    pub fn from_float(ty: ValueType, value: f64) -> Option<Self> {
        #[allow(clippy::cast_possible_truncation)]
        match ty {
            ValueType::F32 => Some(Self::F32(value as f32)),
            ValueType::F64 => Some(Self::F64(value)),
            ValueType::I32 | ValueType::I64 => None,
        }
    }

    pub(crate) fn to_raw(self) -> wasmtime::ValRaw {
        match self {
            Self::I32(v) => wasmtime::ValRaw::i32(v),
            Self::I64(v) => wasmtime::ValRaw::i64(v),
            Self::F32(v) => wasmtime::ValRaw::f32(v.to_bits()),
            Self::F64(v) => wasmtime::ValRaw::f64(v.to_bits()),
        }
    }

    pub(crate) fn from_raw(ty: ValueType, raw: wasmtime::ValRaw) -> Self {
        match ty {
            ValueType::I32 => Self::I32(raw.get_i32()),
            ValueType::I64 => Self::I64(raw.get_i64()),
            ValueType::F32 => Self::F32(f32::from_bits(raw.get_f32())),
            ValueType::F64 => Self::F64(f64::from_bits(raw.get_f64())),
        }
    }
}

/// The type of a function export: `(i32) -> i64` and the like.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Signature {
    /// Parameter types, in order.
    pub params: Vec<ValueType>,
    /// Result types, in order.
    pub results: Vec<ValueType>,
}

impl Signature {
    /// A signature from its parameter and result types.
    #[must_use]
    pub fn new(params: &[ValueType], results: &[ValueType]) -> Self {
        Self {
            params: params.to_vec(),
            results: results.to_vec(),
        }
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |types: &[ValueType]| {
            types
                .iter()
                .map(|t| t.name())
                .collect::<Vec<_>>()
                .join(", ")
        };
        write!(f, "({})", list(&self.params))?;
        match self.results.as_slice() {
            [] => Ok(()),
            [one] => write!(f, " -> {one}"),
            many => write!(f, " -> ({})", list(many)),
        }
    }
}

/// A function export and its type, as listed by [`crate::Module::exports`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Export {
    /// The export name.
    pub name: String,
    /// Its type. `None` when it uses types outside the scalar API (references,
    /// v128); such an export is listed but cannot be called.
    pub signature: Option<Signature>,
}

//! A WIT value back to a dynamic value: [`from_val`] picks the form each
//! value takes, a [`Sink`] builds it.

use std::borrow::Cow;

use wasmtime::component::types::Type;
use wasmtime::component::{ResourceAny, Val};

use crate::wit::{snake, type_text};

/// A target the mapping writes WIT values into (a Python object, JSON):
/// one constructor per form. The forms are the mapping's: record fields in
/// `snake_case`, a case without payload as its bare name, `{case: payload}`
/// and `{"ok": value}` as tagged values, flags in declaration order.
pub trait Sink {
    /// What a value becomes.
    type Out;
    /// The sink's own failures (Python's memory); JSON has none.
    type Error;

    /// A `bool`.
    ///
    /// # Errors
    /// The sink's own failure, for this and every constructor.
    fn bool(&self, v: bool) -> Result<Self::Out, Self::Error>;
    /// A signed integer.
    #[allow(clippy::missing_errors_doc)]
    fn signed(&self, v: i64) -> Result<Self::Out, Self::Error>;
    /// An unsigned integer.
    #[allow(clippy::missing_errors_doc)]
    fn unsigned(&self, v: u64) -> Result<Self::Out, Self::Error>;
    /// A float (an `f32` widened).
    #[allow(clippy::missing_errors_doc)]
    fn float(&self, v: f64) -> Result<Self::Out, Self::Error>;
    /// A `string`, a `char`, an enum case or a case without payload.
    #[allow(clippy::missing_errors_doc)]
    fn str(&self, v: &str) -> Result<Self::Out, Self::Error>;
    /// A `list<u8>`.
    #[allow(clippy::missing_errors_doc)]
    fn bytes(&self, v: Vec<u8>) -> Result<Self::Out, Self::Error>;
    /// A list (fixed-length or not).
    #[allow(clippy::missing_errors_doc)]
    fn list(&self, items: Vec<Self::Out>) -> Result<Self::Out, Self::Error>;
    /// A tuple.
    #[allow(clippy::missing_errors_doc)]
    fn tuple(&self, items: Vec<Self::Out>) -> Result<Self::Out, Self::Error>;
    /// A record, by `snake_case` field names.
    #[allow(clippy::missing_errors_doc)]
    fn record(&self, fields: Vec<(Cow<'_, str>, Self::Out)>) -> Result<Self::Out, Self::Error>;
    /// `{key: payload}`: a variant's case, or a result's `ok` or `err`.
    #[allow(clippy::missing_errors_doc)]
    fn tagged(&self, key: &str, payload: Self::Out) -> Result<Self::Out, Self::Error>;
    /// Flags, in declaration order.
    #[allow(clippy::missing_errors_doc)]
    fn flags(&self, names: Vec<&str>) -> Result<Self::Out, Self::Error>;
    /// A map whose keys have type `key`.
    #[allow(clippy::missing_errors_doc)]
    fn map(
        &self,
        entries: Vec<(Self::Out, Self::Out)>,
        key: &Type,
    ) -> Result<Self::Out, Self::Error>;
    /// `none`, and a payload that is not there.
    #[allow(clippy::missing_errors_doc)]
    fn null(&self) -> Result<Self::Out, Self::Error>;
    /// A value of a type that cannot be returned yet.
    #[allow(clippy::missing_errors_doc)]
    fn unsupported(&self, why: String) -> Result<Self::Out, Self::Error>;
    /// A resource handle of type `ty` (`own<T>`). A sink that cannot hold
    /// one (JSON) keeps the default: unsupported.
    #[allow(clippy::missing_errors_doc)]
    fn resource(&self, handle: ResourceAny, ty: &Type) -> Result<Self::Out, Self::Error> {
        let _ = handle;
        self.unsupported(format!("a {} cannot be returned here", type_text(ty)))
    }
}

/// The WIT value `val` of type `ty`, written into `sink`.
///
/// # Errors
/// Only the sink's own failures.
pub fn from_val<K: Sink>(sink: &K, val: &Val, ty: &Type) -> Result<K::Out, K::Error> {
    let all = |items: &[Val], ty: &Type| -> Result<Vec<K::Out>, K::Error> {
        items.iter().map(|v| from_val(sink, v, ty)).collect()
    };
    let payload = |v: Option<&Val>, ty: Option<Type>| match (v, ty) {
        (Some(v), Some(ty)) => from_val(sink, v, &ty),
        _ => sink.null(),
    };
    match (val, ty) {
        (Val::Bool(v), _) => sink.bool(*v),
        (Val::S8(v), _) => sink.signed((*v).into()),
        (Val::S16(v), _) => sink.signed((*v).into()),
        (Val::S32(v), _) => sink.signed((*v).into()),
        (Val::S64(v), _) => sink.signed(*v),
        (Val::U8(v), _) => sink.unsigned((*v).into()),
        (Val::U16(v), _) => sink.unsigned((*v).into()),
        (Val::U32(v), _) => sink.unsigned((*v).into()),
        (Val::U64(v), _) => sink.unsigned(*v),
        (Val::Float32(v), _) => sink.float((*v).into()),
        (Val::Float64(v), _) => sink.float(*v),
        (Val::Char(v), _) => sink.str(v.encode_utf8(&mut [0; 4])),
        (Val::String(v) | Val::Enum(v) | Val::Variant(v, None), _) => sink.str(v),
        (Val::List(items), Type::List(list)) if list.ty() == Type::U8 => {
            let bytes = items.iter().filter_map(|v| match v {
                Val::U8(b) => Some(*b),
                _ => None,
            });
            sink.bytes(bytes.collect())
        }
        (Val::List(items), Type::List(list)) => sink.list(all(items, &list.ty())?),
        (Val::FixedLengthList(items), Type::FixedLengthList(list)) => {
            sink.list(all(items, &list.ty())?)
        }
        (Val::Tuple(items), Type::Tuple(tuple)) => {
            let each = items.iter().zip(tuple.types());
            sink.tuple(
                each.map(|(v, t)| from_val(sink, v, &t))
                    .collect::<Result<_, _>>()?,
            )
        }
        (Val::Record(fields), Type::Record(record)) => {
            let mut out = Vec::with_capacity(fields.len());
            for ((name, v), field) in fields.iter().zip(record.fields()) {
                let name = if name.contains('-') {
                    Cow::Owned(snake(name))
                } else {
                    Cow::Borrowed(name.as_str())
                };
                out.push((name, from_val(sink, v, &field.ty)?));
            }
            sink.record(out)
        }
        (Val::Variant(case, Some(v)), Type::Variant(variant)) => {
            let ty = variant.cases().find(|c| c.name == case).and_then(|c| c.ty);
            sink.tagged(case, payload(Some(v), ty)?)
        }
        (Val::Flags(given), Type::Flags(flags)) => {
            // In declaration order, whatever order the guest gave.
            let names = flags.names().filter(|n| given.iter().any(|g| g == n));
            sink.flags(names.collect())
        }
        (Val::Map(entries), Type::Map(map)) => {
            let (key, value) = (map.key(), map.value());
            let mut out = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                out.push((from_val(sink, k, &key)?, from_val(sink, v, &value)?));
            }
            sink.map(out, &key)
        }
        (Val::Resource(handle), Type::Own(_) | Type::Borrow(_)) => sink.resource(*handle, ty),
        (Val::Option(None), _) => sink.null(),
        (Val::Option(Some(v)), Type::Option(option)) => from_val(sink, v, &option.ty()),
        (Val::Result(Ok(v)), Type::Result(ty)) => {
            sink.tagged("ok", payload(v.as_deref(), ty.ok())?)
        }
        (Val::Result(Err(v)), Type::Result(ty)) => {
            sink.tagged("err", payload(v.as_deref(), ty.err())?)
        }
        (val, ty) => sink.unsupported(format!(
            "a value {val:?} of type {} cannot be returned yet",
            type_text(ty)
        )),
    }
}

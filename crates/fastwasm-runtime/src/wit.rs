//! A component's types as WIT text, and what this host can pass.

use std::fmt::Write as _;

use wasmtime::component::types::Type;

/// The WIT text of a type: `list<u8>`, `result<s32, string>`,
/// `record { x: f64, y: f64 }`. Records, variants, enums and flags are
/// structural here (a component does not carry their WIT names), so they
/// print with their fields or cases.
#[must_use]
pub fn type_text(ty: &Type) -> String {
    let mut out = String::new();
    write_type(&mut out, ty);
    out
}

fn write_type(out: &mut String, ty: &Type) {
    let list = |out: &mut String, items: &mut dyn Iterator<Item = Type>| {
        for (i, item) in items.enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            write_type(out, &item);
        }
    };
    match ty {
        Type::List(l) => {
            out.push_str("list<");
            write_type(out, &l.ty());
            out.push('>');
        }
        Type::FixedLengthList(l) => {
            out.push_str("list<");
            write_type(out, &l.ty());
            let _ = write!(out, ", {}>", l.len());
        }
        Type::Map(m) => {
            out.push_str("map<");
            write_type(out, &m.key());
            out.push_str(", ");
            write_type(out, &m.value());
            out.push('>');
        }
        Type::Record(r) => {
            out.push_str("record { ");
            for (i, field) in r.fields().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{}: ", field.name);
                write_type(out, &field.ty);
            }
            out.push_str(" }");
        }
        Type::Tuple(t) => {
            out.push_str("tuple<");
            list(out, &mut t.types());
            out.push('>');
        }
        Type::Variant(v) => {
            out.push_str("variant { ");
            for (i, case) in v.cases().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(case.name);
                if let Some(payload) = &case.ty {
                    out.push('(');
                    write_type(out, payload);
                    out.push(')');
                }
            }
            out.push_str(" }");
        }
        Type::Enum(e) => {
            let _ = write!(
                out,
                "enum {{ {} }}",
                e.names().collect::<Vec<_>>().join(", ")
            );
        }
        Type::Flags(f) => {
            let _ = write!(
                out,
                "flags {{ {} }}",
                f.names().collect::<Vec<_>>().join(", ")
            );
        }
        Type::Option(o) => {
            out.push_str("option<");
            write_type(out, &o.ty());
            out.push('>');
        }
        Type::Result(r) => match (r.ok(), r.err()) {
            (None, None) => out.push_str("result"),
            (Some(ok), None) => {
                out.push_str("result<");
                write_type(out, &ok);
                out.push('>');
            }
            (None, Some(err)) => {
                out.push_str("result<_, ");
                write_type(out, &err);
                out.push('>');
            }
            (Some(ok), Some(err)) => {
                out.push_str("result<");
                write_type(out, &ok);
                out.push_str(", ");
                write_type(out, &err);
                out.push('>');
            }
        },
        _ => out.push_str(leaf_name(ty)),
    }
}

/// The WIT name of a type without parts. Resources, futures, streams and
/// error-context are named, never carried.
fn leaf_name(ty: &Type) -> &'static str {
    match ty {
        Type::Bool => "bool",
        Type::S8 => "s8",
        Type::U8 => "u8",
        Type::S16 => "s16",
        Type::U16 => "u16",
        Type::S32 => "s32",
        Type::U32 => "u32",
        Type::S64 => "s64",
        Type::U64 => "u64",
        Type::Float32 => "f32",
        Type::Float64 => "f64",
        Type::Char => "char",
        Type::String => "string",
        Type::Own(_) => "own<resource>",
        Type::Borrow(_) => "borrow<resource>",
        Type::Future(_) => "future",
        Type::Stream(_) => "stream",
        Type::ErrorContext => "error-context",
        // Types with parts are written by `write_type`.
        _ => "",
    }
}

/// Why a value of this type cannot cross yet, if it cannot: futures,
/// streams and error-context (anywhere inside it). Resources cross only on
/// a pinned instance ([`has_resources`], [`crate::Pinned`]).
#[must_use]
pub fn unsupported(ty: &Type) -> Option<&'static str> {
    find_part(ty, &|t| match t {
        Type::Future(_) => Some("futures are not supported yet"),
        Type::Stream(_) => Some("streams are not supported yet"),
        Type::ErrorContext => Some("error-context is not supported yet"),
        _ => None,
    })
}

/// Whether `ty` is, or holds, a resource handle (`own<T>` or `borrow<T>`):
/// a value that lives in one instance's store across calls.
#[must_use]
pub fn has_resources(ty: &Type) -> bool {
    find_part(ty, &|t| {
        matches!(t, Type::Own(_) | Type::Borrow(_)).then_some(())
    })
    .is_some()
}

/// The first of `ty` and the types inside it, outermost first, for which
/// `test` gives a value.
fn find_part<T>(ty: &Type, test: &impl Fn(&Type) -> Option<T>) -> Option<T> {
    if let Some(found) = test(ty) {
        return Some(found);
    }
    let first = |types: &mut dyn Iterator<Item = Type>| {
        for t in types {
            if let Some(found) = find_part(&t, test) {
                return Some(found);
            }
        }
        None
    };
    match ty {
        Type::List(l) => find_part(&l.ty(), test),
        Type::FixedLengthList(l) => find_part(&l.ty(), test),
        Type::Map(m) => find_part(&m.key(), test).or_else(|| find_part(&m.value(), test)),
        Type::Option(o) => find_part(&o.ty(), test),
        Type::Result(r) => first(&mut r.ok().into_iter().chain(r.err())),
        Type::Record(r) => first(&mut r.fields().map(|f| f.ty)),
        Type::Tuple(t) => first(&mut t.types()),
        Type::Variant(v) => first(&mut v.cases().filter_map(|c| c.ty)),
        // Scalars, strings, enums, flags and handles.
        _ => None,
    }
}

/// Whether `ty` is a scalar: a bool, an integer, a float or a char (one
/// core value in the canonical ABI's flat form).
#[must_use]
pub fn is_scalar(ty: &Type) -> bool {
    scalar_size(ty).is_some()
}

/// The bytes a scalar takes in linear memory, which is also its alignment
/// (the canonical ABI's); `None` for any other type.
#[must_use]
pub fn scalar_size(ty: &Type) -> Option<u32> {
    match ty {
        Type::Bool | Type::S8 | Type::U8 => Some(1),
        Type::S16 | Type::U16 => Some(2),
        Type::S32 | Type::U32 | Type::Float32 | Type::Char => Some(4),
        Type::S64 | Type::U64 | Type::Float64 => Some(8),
        _ => None,
    }
}

/// A WIT name (`checked-div`, `ns:pkg/iface/do-it`) from either spelling:
/// Python's `snake_case` becomes kebab-case.
#[must_use]
pub fn kebab(name: &str) -> String {
    name.replace('_', "-")
}

/// A WIT name in Python's `snake_case` (record fields, keyword arguments).
#[must_use]
pub fn snake(name: &str) -> String {
    name.replace('-', "_")
}

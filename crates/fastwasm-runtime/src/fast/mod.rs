//! The typed fast path: bytes, strings and lists of numbers cross as one
//! copy, not one `Val` per element.
//!
//! wasmtime's dynamic `Func::call` takes a `list<u8>` as a `Val::List` of one
//! `Val::U8` per byte (bytecodealliance/wasmtime#13788), orders of magnitude
//! slower than a `TypedFunc` for a large buffer (`make bench-micro`'s
//! component tables measure both). A `TypedFunc`'s types are Rust
//! types, fixed at compile time; a user's component is only known at run
//! time. So the host carries typed instantiations for the common shapes, and
//! picks one from the function's WIT type:
//!
//! - parameters: at most four, each a bulk type (a `string`, a `list<u8>`,
//!   or a list of any other integer or float, [`Numbers`]) or a scalar
//!   (booleans, integers, floats, `char`), or none (the typed call skips the
//!   `Val` path's per-call conversions there too);
//! - result: none, a scalar, a bulk type, an `option` of either, or a
//!   `result` whose `ok` is either and whose `err` is a bulk type.
//!
//! Everything else takes the general path. Strings are fast on both: a
//! `Val::String` is one copy too.
//!
//! The adapters (`abi.rs`) implement wasmtime's `ComponentType`, `Lower` and
//! `Lift` for a class of WIT types at once (all scalars, or both bulk
//! types), reading which one from the type wasmtime hands them. Their flat
//! form is the canonical ABI's for every type of the class (one core value
//! for a scalar, a pointer and a length for bulk), which is what these
//! shapes use: at most four parameters are always passed flat (four bulk
//! parameters are eight core values, under the canonical ABI's limit of
//! sixteen), and a result is flat (one scalar) or a pointer to a bulk
//! value, an `option` or a `result` of them, whose layout the adapters give
//! exactly. A scalar inside an `option` or a `result` sits at an offset
//! that depends on its size, so it has one adapter per size (`OutSized`).

mod abi;
mod numbers;

pub use self::numbers::{NumberSlice, NumberType, Numbers};

use wasmtime::Store;
use wasmtime::component::types::Type;
use wasmtime::component::{ComponentNamedList, Func, Lift, Lower, Val};

use self::abi::{InBulk, InScalar, OutBulk, OutScalar, OutSized};
use crate::Error;
use crate::store::CallState;
use crate::wit::{is_scalar, scalar_size};

/// An argument of the fast path.
#[derive(Debug, Clone, Copy)]
pub enum FastArg<'a> {
    /// For a `list<u8>` parameter.
    Bytes(&'a [u8]),
    /// For a `string` parameter.
    Str(&'a str),
    /// For a `list<T>` parameter of another number type.
    Numbers(NumberSlice<'a>),
    /// For a scalar parameter: the `Val` of its type (`Val::U8`, `Val::Float64`...).
    Scalar(&'a Val),
}

/// A `list<u8>` or `string` result.
#[derive(Debug, Clone, PartialEq)]
pub enum Bulk {
    /// From a `list<u8>`.
    Bytes(Vec<u8>),
    /// From a `string`.
    Str(String),
    /// From a `list<T>` of another number type.
    Numbers(Numbers),
}

/// What an `option` holds, or a `result`'s `ok`, on the fast path.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// A scalar, as the `Val` of its type.
    Scalar(Val),
    /// A bulk value.
    Bulk(Bulk),
}

/// A result of the fast path.
#[derive(Debug, Clone, PartialEq)]
pub enum FastValue {
    /// The function has no result.
    Unit,
    /// A scalar, as the `Val` of its type.
    Scalar(Val),
    /// A bulk value: a `list<u8>`, a `string` or a list of numbers.
    Bulk(Bulk),
    /// An `option` of a scalar or a bulk value.
    Option(Option<Payload>),
    /// A `result` whose `ok` is a scalar or a bulk value and whose `err` is
    /// a bulk value.
    Result(Result<Payload, Bulk>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Bulk,
    Scalar,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Out {
    Unit,
    Scalar,
    Bulk,
    Option(Inner),
    Result(Inner),
}

/// What an `option` or a `result`'s `ok` holds: a bulk value, or a scalar
/// of this many bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Inner {
    Bulk,
    Scalar(u32),
}

impl Inner {
    fn of(ty: &Type) -> Option<Self> {
        match class(ty)? {
            Class::Bulk => Some(Self::Bulk),
            Class::Scalar => scalar_size(ty).map(Self::Scalar),
        }
    }
}

/// The shape of a function the fast path takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shape {
    params: [Class; 4],
    len: usize,
    out: Out,
}

fn class(ty: &Type) -> Option<Class> {
    match ty {
        Type::String => Some(Class::Bulk),
        Type::List(l) if l.ty() == Type::U8 || NumberType::of(&l.ty()).is_some() => {
            Some(Class::Bulk)
        }
        _ if is_scalar(ty) => Some(Class::Scalar),
        _ => None,
    }
}

impl Shape {
    /// The fast shape of a function with these types, if it has one.
    pub(crate) fn of(params: &[(String, Type)], result: Option<&Type>) -> Option<Self> {
        let out = match result {
            None => Out::Unit,
            Some(ty) => match (class(ty), ty) {
                (Some(Class::Scalar), _) => Out::Scalar,
                (Some(Class::Bulk), _) => Out::Bulk,
                (None, Type::Option(o)) => Out::Option(Inner::of(&o.ty())?),
                (None, Type::Result(r)) if r.err().and_then(|t| class(&t)) == Some(Class::Bulk) => {
                    Out::Result(Inner::of(&r.ok()?)?)
                }
                _ => return None,
            },
        };
        if params.len() > 4 {
            return None;
        }
        let mut classes = [Class::Scalar; 4];
        for (slot, (_, ty)) in classes.iter_mut().zip(params) {
            *slot = class(ty)?;
        }
        // Any mix of up to four: `call` has one arm for each.
        Some(Self {
            params: classes,
            len: params.len(),
            out,
        })
    }

    /// The arguments' classes against the parameters'.
    pub(crate) fn check(&self, name: &str, args: &[FastArg<'_>]) -> Result<(), Error> {
        let fits = args.len() == self.len
            && args.iter().zip(&self.params).all(|(arg, class)| {
                matches!(
                    (arg, class),
                    (
                        FastArg::Bytes(_) | FastArg::Str(_) | FastArg::Numbers(_),
                        Class::Bulk
                    ) | (FastArg::Scalar(_), Class::Scalar)
                )
            });
        if fits {
            Ok(())
        } else {
            Err(Error::WrongSignature {
                name: name.to_owned(),
                expected: format!("{args:?}"),
                actual: format!("{self:?}"),
            })
        }
    }

    /// Calls `func` with its typed instantiation for this shape.
    pub(crate) fn call(
        self,
        func: Func,
        store: &mut Store<CallState>,
        args: &[FastArg<'_>],
    ) -> wasmtime::Result<FastValue> {
        use Class::{Bulk as B, Scalar as S};
        let b = |i: usize| InBulk(args[i]);
        let s = |i: usize| match args[i] {
            FastArg::Scalar(val) => Ok(InScalar(val)),
            other => Err(wasmtime::format_err!(
                "argument {i} ({other:?}) is not a scalar"
            )),
        };
        macro_rules! with_out {
            ($params:expr) => {{
                // An option, or a result's ok, of one adapter (`$payload`).
                macro_rules! option {
                    ($adapter:ty, $payload:expr) => {
                        typed::<_, (Option<$adapter>,)>(func, store, $params)
                            .map(|r| FastValue::Option(r.0.map(|v| $payload(v.0))))
                    };
                }
                macro_rules! result {
                    ($adapter:ty, $payload:expr) => {
                        typed::<_, (Result<$adapter, OutBulk>,)>(func, store, $params)
                            .map(|r| FastValue::Result(r.0.map(|v| $payload(v.0)).map_err(|b| b.0)))
                    };
                }
                match self.out {
                    Out::Unit => typed::<_, ()>(func, store, $params).map(|()| FastValue::Unit),
                    Out::Scalar => typed::<_, (OutScalar,)>(func, store, $params)
                        .map(|r| FastValue::Scalar(r.0.0)),
                    Out::Bulk => {
                        typed::<_, (OutBulk,)>(func, store, $params).map(|r| FastValue::Bulk(r.0.0))
                    }
                    Out::Option(Inner::Bulk) => option!(OutBulk, Payload::Bulk),
                    Out::Option(Inner::Scalar(1)) => option!(OutSized<1>, Payload::Scalar),
                    Out::Option(Inner::Scalar(2)) => option!(OutSized<2>, Payload::Scalar),
                    Out::Option(Inner::Scalar(4)) => option!(OutSized<4>, Payload::Scalar),
                    Out::Option(Inner::Scalar(_)) => option!(OutSized<8>, Payload::Scalar),
                    Out::Result(Inner::Bulk) => result!(OutBulk, Payload::Bulk),
                    Out::Result(Inner::Scalar(1)) => result!(OutSized<1>, Payload::Scalar),
                    Out::Result(Inner::Scalar(2)) => result!(OutSized<2>, Payload::Scalar),
                    Out::Result(Inner::Scalar(4)) => result!(OutSized<4>, Payload::Scalar),
                    Out::Result(Inner::Scalar(_)) => result!(OutSized<8>, Payload::Scalar),
                }
            }};
        }
        // One arm per shape `of` makes: any mix of up to four parameters.
        match &self.params[..self.len] {
            [] => with_out!(()),
            [B] => with_out!((b(0),)),
            [S] => with_out!((s(0)?,)),
            [B, B] => with_out!((b(0), b(1))),
            [B, S] => with_out!((b(0), s(1)?)),
            [S, B] => with_out!((s(0)?, b(1))),
            [S, S] => with_out!((s(0)?, s(1)?)),
            [B, B, B] => with_out!((b(0), b(1), b(2))),
            [B, B, S] => with_out!((b(0), b(1), s(2)?)),
            [B, S, B] => with_out!((b(0), s(1)?, b(2))),
            [B, S, S] => with_out!((b(0), s(1)?, s(2)?)),
            [S, B, B] => with_out!((s(0)?, b(1), b(2))),
            [S, B, S] => with_out!((s(0)?, b(1), s(2)?)),
            [S, S, B] => with_out!((s(0)?, s(1)?, b(2))),
            [S, S, S] => with_out!((s(0)?, s(1)?, s(2)?)),
            [B, B, B, B] => with_out!((b(0), b(1), b(2), b(3))),
            [B, B, B, S] => with_out!((b(0), b(1), b(2), s(3)?)),
            [B, B, S, B] => with_out!((b(0), b(1), s(2)?, b(3))),
            [B, B, S, S] => with_out!((b(0), b(1), s(2)?, s(3)?)),
            [B, S, B, B] => with_out!((b(0), s(1)?, b(2), b(3))),
            [B, S, B, S] => with_out!((b(0), s(1)?, b(2), s(3)?)),
            [B, S, S, B] => with_out!((b(0), s(1)?, s(2)?, b(3))),
            [B, S, S, S] => with_out!((b(0), s(1)?, s(2)?, s(3)?)),
            [S, B, B, B] => with_out!((s(0)?, b(1), b(2), b(3))),
            [S, B, B, S] => with_out!((s(0)?, b(1), b(2), s(3)?)),
            [S, B, S, B] => with_out!((s(0)?, b(1), s(2)?, b(3))),
            [S, B, S, S] => with_out!((s(0)?, b(1), s(2)?, s(3)?)),
            [S, S, B, B] => with_out!((s(0)?, s(1)?, b(2), b(3))),
            [S, S, B, S] => with_out!((s(0)?, s(1)?, b(2), s(3)?)),
            [S, S, S, B] => with_out!((s(0)?, s(1)?, s(2)?, b(3))),
            [S, S, S, S] => with_out!((s(0)?, s(1)?, s(2)?, s(3)?)),
            other => wasmtime::bail!("no fast path for parameters {other:?}"),
        }
    }
}

fn typed<P, R>(func: Func, store: &mut Store<CallState>, params: P) -> wasmtime::Result<R>
where
    P: ComponentNamedList + Lower,
    R: ComponentNamedList + Lift,
{
    // The typecheck runs against this function's own type; the adapters
    // accept exactly the WIT types `Shape::of` sorted them by.
    func.typed::<P, R>(&*store)?.call(store, params)
}

//! The one value mapping: a dynamic value (a Python object in the binding,
//! JSON in fastwasm-http) to the WIT value of a type ([`to_val`]), and
//! back ([`from_val`]). The shape rules live here once: which kind each
//! type takes, records by either spelling of their fields, variants and
//! results as `{case: payload}`, lengths, cases and flags, where a value
//! does not fit, and the form each value takes on the way out. A
//! [`Source`] only says what kind of value it holds, in its own words
//! ([`Names`]); a [`Sink`] only builds the forms the mapping picks.

mod from_val;
mod to_val;

use wasmtime::component::Val;
use wasmtime::component::types::Type;

pub use from_val::{Sink, from_val};
pub use to_val::{Source, to_val};

/// One step into a value, for the path of a [`Mismatch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A record field (`snake_case`), a variant case, `ok` or `err`.
    Key(String),
    /// An item of a list or a tuple.
    Index(usize),
    /// A map's key, as the source shows it.
    Entry(String),
}

/// Why a value does not fit its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The wrong kind of value: what was expected, and what kind it is.
    Type {
        /// What was expected.
        expected: String,
        /// The kind of value given, in the source's words.
        got: String,
    },
    /// The right kind, a wrong value: why.
    Value(String),
    /// A record field that was not given (the path ends at it).
    Missing,
    /// A key that names no field of the record at the path.
    Extra {
        /// The key, as given.
        key: String,
        /// The record's fields, `snake_case`, comma-separated.
        fields: String,
    },
    /// A type no value can be given for yet (resources, futures, streams).
    Unsupported(String),
}

/// A value that does not fit: where (outermost first), and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The steps from the argument to the value that does not fit.
    pub path: Vec<Step>,
    /// Why it does not fit.
    pub problem: Problem,
}

impl Mismatch {
    /// A mismatch at the value itself (boxed: keeps every `Fit` of the
    /// accepted path small).
    #[must_use]
    pub fn here(problem: Problem) -> Box<Self> {
        Box::new(Self {
            path: Vec::new(),
            problem,
        })
    }

    /// The same mismatch, one step further out: `step` goes in front.
    #[must_use]
    pub fn within(mut self: Box<Self>, step: Step) -> Box<Self> {
        self.path.insert(0, step);
        self
    }

    /// The path as a message reads it: `.x[2]['key']`.
    #[must_use]
    pub fn path_text(&self) -> String {
        self.path.iter().map(ToString::to_string).collect()
    }
}

impl std::fmt::Display for Step {
    /// As a path reads in a message: `.x`, `[2]`, `['key']`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Key(key) => write!(f, ".{key}"),
            Self::Index(i) => write!(f, "[{i}]"),
            Self::Entry(key) => write!(f, "[{key}]"),
        }
    }
}

impl From<Problem> for Box<Mismatch> {
    fn from(problem: Problem) -> Self {
        Mismatch::here(problem)
    }
}

/// A conversion's outcome.
pub type Fit<T> = Result<T, Box<Mismatch>>;

/// How a source names its kinds of value in messages ("a dict" or "an
/// object"), each with its article.
#[derive(Debug, Clone, Copy)]
pub struct Names {
    /// What a `bool` takes.
    pub bool: &'static str,
    /// What an integer type takes.
    pub int: &'static str,
    /// What a float type takes.
    pub float: &'static str,
    /// What a `string` takes.
    pub str: &'static str,
    /// What a list or a tuple takes.
    pub sequence: &'static str,
    /// What a record, a variant's payload or a result takes.
    pub mapping: &'static str,
    /// What flags take.
    pub set: &'static str,
    /// The absent value.
    pub null: &'static str,
}

/// A value with its type, or `None` for no value.
pub type Typed<'v> = Option<(&'v Val, Type)>;

/// What a call returned, as both servers and Python answer it: a `result`
/// at the top of the signature is split, `Ok` the value to answer with and
/// `Err` the guest's error value; anything else is `Ok`.
///
/// # Errors
/// The guest's error value (`Err` of a top-level `result`), with its type.
pub fn outcome<'v>(value: Option<&'v Val>, ty: Option<&Type>) -> Result<Typed<'v>, Typed<'v>> {
    let typed = |v: Option<&'v Val>, t: Option<Type>| v.zip(t);
    match (value, ty) {
        (Some(Val::Result(Ok(v))), Some(Type::Result(t))) => Ok(typed(v.as_deref(), t.ok())),
        (Some(Val::Result(Err(v))), Some(Type::Result(t))) => Err(typed(v.as_deref(), t.err())),
        (Some(v), Some(t)) => Ok(Some((v, t.clone()))),
        _ => Ok(None),
    }
}

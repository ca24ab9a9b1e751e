//! The one value mapping: a dynamic value (a Python object in the binding,
//! JSON in fastwasm-modules) to the WIT value of a type ([`to_val`]), and
//! back ([`from_val`]). The shape rules live here once: which kind each
//! type takes, records by either spelling of their fields, variants and
//! results as `{case: payload}`, lengths, cases and flags, where a value
//! does not fit, and the form each value takes on the way out. A
//! [`Source`] only says what kind of value it holds, in its own words
//! ([`Names`]); a [`Sink`] only builds the forms the mapping picks.

use std::borrow::Cow;

use wasmtime::component::Val;
use wasmtime::component::types::{Record, ResultType, Type, Variant};

use crate::wit::{snake, type_text};

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

/// A dynamic value the mapping reads. Each method says whether the value is
/// of one kind, by the source's own rules (in Python a `bool` is not an int;
/// in JSON `124.0` is).
pub trait Source: Sized {
    /// The source's words for its kinds of value.
    const NAMES: Names;

    /// The value as a bool, when it is one.
    fn as_bool(&self) -> Option<bool>;

    /// The value as a whole number: `Ok(None)` when it is not one, past
    /// `i128` saturated (out of every WIT range), `Err` for a number that
    /// is not exact (why).
    ///
    /// # Errors
    /// Why the number cannot be read exactly.
    fn as_int(&self) -> Result<Option<i128>, String>;

    /// The value as a float: `Ok(None)` when it is not a number.
    ///
    /// # Errors
    /// Why a value of the right kind is not a float.
    fn as_float(&self) -> Result<Option<f64>, String>;

    /// The value as text, when it is text.
    fn as_str(&self) -> Option<Cow<'_, str>>;

    /// The value as the bytes of a `list<u8>`.
    ///
    /// # Errors
    /// The source's own message when the value holds no bytes.
    fn as_bytes(&self) -> Result<Vec<u8>, Problem>;

    /// The items of a sequence (list, tuple), when it is one.
    fn items(&self) -> Option<Vec<Self>>;

    /// The names given for flags, when the value is a collection of them.
    fn members(&self) -> Option<Vec<Self>>;

    /// The key-value pairs of a mapping, when it is one.
    fn pairs(&self) -> Option<Vec<(Self, Self)>>;

    /// How many keys a mapping has, when the value is one.
    fn keys_len(&self) -> Option<usize>;

    /// The value of a mapping's text key `key`, when it has one.
    fn get(&self, key: &str) -> Option<Self>;

    /// Whether the value is the absent value (None, null).
    fn is_null(&self) -> bool;

    /// The value as a message shows it.
    fn show(&self) -> String;

    /// The kind of value this is, in the source's words (`int`, `string`).
    fn kind(&self) -> String;

    /// This value is the wrong kind: `expected` was.
    fn wrong(&self, expected: impl Into<String>) -> Problem {
        Problem::Type {
            expected: expected.into(),
            got: self.kind(),
        }
    }

    /// A `map<K, V>`: its shape is the source's own (a dict; an object or
    /// an array of pairs). Convert each part with [`to_val`].
    ///
    /// # Errors
    /// Where the map does not fit.
    fn map(&self, key: &Type, value: &Type) -> Fit<Val>;
}

/// `value` as the WIT value of `ty`.
///
/// # Errors
/// [`Mismatch`]: where inside `value` it does not fit, and why.
pub fn to_val<S: Source>(value: &S, ty: &Type) -> Fit<Val> {
    let kind = |expected: String| Mismatch::here(value.wrong(expected));
    Ok(match ty {
        Type::Bool => Val::Bool(value.as_bool().ok_or_else(|| kind(S::NAMES.bool.into()))?),
        Type::S8 => Val::S8(int(value, ty)?),
        Type::U8 => Val::U8(int(value, ty)?),
        Type::S16 => Val::S16(int(value, ty)?),
        Type::U16 => Val::U16(int(value, ty)?),
        Type::S32 => Val::S32(int(value, ty)?),
        Type::U32 => Val::U32(int(value, ty)?),
        Type::S64 => Val::S64(int(value, ty)?),
        Type::U64 => Val::U64(int(value, ty)?),
        Type::Float32 | Type::Float64 => {
            let float = value
                .as_float()
                .map_err(|why| Mismatch::here(Problem::Value(why)))?
                .ok_or_else(|| kind(S::NAMES.float.into()))?;
            #[allow(clippy::cast_possible_truncation)]
            match ty {
                Type::Float32 => Val::Float32(float as f32),
                _ => Val::Float64(float),
            }
        }
        Type::Char => {
            let text = value
                .as_str()
                .ok_or_else(|| kind(format!("{} of length 1 for char", S::NAMES.str)))?;
            let mut chars = text.chars();
            if let (Some(c), None) = (chars.next(), chars.next()) {
                Val::Char(c)
            } else {
                let (str, count) = (S::NAMES.str, text.chars().count());
                let why = format!("a char is {str} of length 1, got {count} characters");
                return Err(Problem::Value(why).into());
            }
        }
        Type::String => Val::String(
            value
                .as_str()
                .ok_or_else(|| kind(S::NAMES.str.into()))?
                .into(),
        ),
        Type::List(list) if list.ty() == Type::U8 => {
            Val::List(value.as_bytes()?.into_iter().map(Val::U8).collect())
        }
        Type::List(list) => Val::List(each(&sequence(value, None)?, &list.ty())?),
        Type::FixedLengthList(list) => {
            let items = sequence(value, Some(list.len() as usize))?;
            Val::FixedLengthList(each(&items, &list.ty())?)
        }
        Type::Map(map) => value.map(&map.key(), &map.value())?,
        Type::Tuple(tuple) => {
            let types: Vec<Type> = tuple.types().collect();
            let items = sequence(value, Some(types.len()))?;
            let each = items.iter().zip(&types).enumerate();
            Val::Tuple(
                each.map(|(i, (item, ty))| to_val(item, ty).map_err(|e| e.within(Step::Index(i))))
                    .collect::<Fit<_>>()?,
            )
        }
        Type::Record(record) => self::record(value, record)?,
        Type::Variant(variant) => self::variant(value, variant)?,
        Type::Enum(e) => {
            let cases: Vec<&str> = e.names().collect();
            let what = || kind(format!("{} naming a case of the enum", S::NAMES.str));
            let given = value.as_str().ok_or_else(what)?;
            Val::Enum(case(&given, &cases, "case of this enum")?.to_owned())
        }
        Type::Flags(flags) => {
            let known: Vec<&str> = flags.names().collect();
            let what = |of: &S| Mismatch::here(of.wrong(format!("{} of flag names", S::NAMES.set)));
            let mut set: Vec<String> = Vec::new();
            for item in value.members().ok_or_else(|| what(value))? {
                let given = item.as_str().ok_or_else(|| what(&item))?;
                let name = case(&given, &known, "flag of these flags")?;
                if !set.iter().any(|n| n == name) {
                    set.push(name.to_owned());
                }
            }
            Val::Flags(set)
        }
        Type::Option(_) if value.is_null() => Val::Option(None),
        Type::Option(option) => Val::Option(Some(Box::new(to_val(value, &option.ty())?))),
        Type::Result(result) => self::result(value, result)?,
        Type::Own(_) | Type::Borrow(_) | Type::Future(_) | Type::Stream(_) | Type::ErrorContext => {
            let why = format!("{} cannot be passed yet", type_text(ty));
            return Err(Problem::Unsupported(why).into());
        }
    })
}

/// A whole number in the range of `T`, the integer type `ty`.
fn int<S: Source, T: TryFrom<i128>>(value: &S, ty: &Type) -> Fit<T> {
    let whole = value.as_int().map_err(Problem::Value)?;
    let whole =
        whole.ok_or_else(|| value.wrong(format!("{} for {}", S::NAMES.int, type_text(ty))))?;
    T::try_from(whole).map_err(|_| {
        let why = format!("{} does not fit in {}", value.show(), type_text(ty));
        Problem::Value(why).into()
    })
}

/// The items of a sequence, exactly `len` of them when given.
fn sequence<S: Source>(value: &S, len: Option<usize>) -> Fit<Vec<S>> {
    let items = value
        .items()
        .ok_or_else(|| value.wrong(S::NAMES.sequence))?;
    match len {
        Some(len) if items.len() != len => {
            let why = format!("expected {len} items, got {}", items.len());
            Err(Problem::Value(why).into())
        }
        _ => Ok(items),
    }
}

fn each<S: Source>(items: &[S], element: &Type) -> Fit<Vec<Val>> {
    let each = items.iter().enumerate();
    each.map(|(i, item)| to_val(item, element).map_err(|e| e.within(Step::Index(i))))
        .collect()
}

/// The WIT name among `names` that `given` spells (WIT or `snake_case`).
fn case<'n>(given: &str, names: &[&'n str], what: &str) -> Fit<&'n str> {
    let found = names.iter().find(|n| spells(given, n)).copied();
    found.ok_or_else(|| {
        let why = format!(
            "{given:?} is not a {what}: expected one of {}",
            names.join(", ")
        );
        Problem::Value(why).into()
    })
}

/// The one `{key: payload}` pair of a mapping (a variant's, a result's),
/// its key as text; `None` when the value is not a mapping.
fn single<S: Source>(value: &S, what: impl Fn() -> String) -> Fit<Option<(String, S)>> {
    let Some(mut pairs) = value.pairs() else {
        return Ok(None);
    };
    match pairs.pop() {
        Some((key, payload)) if pairs.is_empty() => match key.as_str() {
            Some(text) => Ok(Some((text.into_owned(), payload))),
            None => Err(key.wrong(S::NAMES.str).into()),
        },
        _ => Err(Problem::Value(format!("{}, with exactly one key", what())).into()),
    }
}

/// Whether `given` spells the WIT name `name`, in WIT or `snake_case`.
fn spells(given: &str, name: &str) -> bool {
    given.len() == name.len()
        && given
            .bytes()
            .zip(name.bytes())
            .all(|(g, n)| g == n || (g == b'_' && n == b'-'))
}

fn record<S: Source>(value: &S, record: &Record) -> Fit<Val> {
    let what = || value.wrong(format!("{} of the record's fields", S::NAMES.mapping));
    let keys = value.keys_len().ok_or_else(what)?;
    let mut values = Vec::with_capacity(keys);
    for field in record.fields() {
        // Most names have one spelling: no copy for them.
        let snake = if field.name.contains('-') {
            Cow::Owned(snake(field.name))
        } else {
            Cow::Borrowed(field.name)
        };
        let at = |e: Box<Mismatch>| e.within(Step::Key(snake.clone().into_owned()));
        let item = value.get(&snake);
        let item = item.or_else(|| (snake != field.name).then(|| value.get(field.name))?);
        let Some(item) = item else {
            return Err(at(Problem::Missing.into()));
        };
        values.push((field.name.to_owned(), to_val(&item, &field.ty).map_err(at)?));
    }
    if keys == values.len() {
        return Ok(Val::Record(values));
    }
    Err(unknown_key(value, record).into())
}

/// Why a mapping has more keys than its record has fields: a key that
/// names no field, or a field given in both spellings.
fn unknown_key<S: Source>(value: &S, record: &Record) -> Problem {
    let names: Vec<&str> = record.fields().map(|f| f.name).collect();
    let mut seen = Vec::new();
    for (key, _) in value.pairs().unwrap_or_default() {
        let text = key.as_str();
        match text
            .as_deref()
            .and_then(|t| names.iter().find(|n| spells(t, n)))
        {
            Some(name) if seen.contains(name) => {
                let why = format!("field {} given twice", snake(name));
                return Problem::Value(why);
            }
            Some(name) => seen.push(*name),
            None => {
                let key = text.map_or_else(|| key.show(), Cow::into_owned);
                let fields: Vec<String> = names.iter().map(|n| snake(n)).collect();
                let fields = fields.join(", ");
                return Problem::Extra { key, fields };
            }
        }
    }
    Problem::Value("more keys than fields".into())
}

/// A variant: its case name, or `{case: payload}`.
fn variant<S: Source>(value: &S, variant: &Variant) -> Fit<Val> {
    let what = || format!("a case name, or {} {{case: payload}}", S::NAMES.mapping);
    let (given, payload) = match value.as_str() {
        Some(name) => (name.into_owned(), None),
        None => match single(value, what)? {
            Some((name, payload)) => (name, Some(payload)),
            None => return Err(value.wrong(what()).into()),
        },
    };
    let cases: Vec<_> = variant.cases().collect();
    let case_names: Vec<&str> = cases.iter().map(|c| c.name).collect();
    let name = case(&given, &case_names, "case of this variant")?;
    let ty = cases
        .iter()
        .find(|c| c.name == name)
        .and_then(|c| c.ty.clone());
    let at = |e: Box<Mismatch>| e.within(Step::Key(snake(name)));
    let payload = match (ty, payload) {
        (Some(ty), Some(payload)) => Some(Box::new(to_val(&payload, &ty).map_err(at)?)),
        (None, None) => None,
        (None, Some(payload)) if payload.is_null() => None,
        (Some(_), None) => {
            let mapping = S::NAMES.mapping;
            let expected = format!("{mapping} {{{name:?}: payload}} (this case needs a payload)");
            return Err(value.wrong(expected).into());
        }
        (None, Some(payload)) => {
            let expected = format!("{} (this case has no payload)", S::NAMES.null);
            return Err(at(payload.wrong(expected).into()));
        }
    };
    Ok(Val::Variant(name.to_owned(), payload))
}

/// A result: `{"ok": value}` or `{"err": value}`.
fn result<S: Source>(value: &S, result: &ResultType) -> Fit<Val> {
    let what = || {
        format!(
            "{} {{\"ok\": value}} or {{\"err\": value}}",
            S::NAMES.mapping
        )
    };
    let Some((side, payload)) = single(value, what)? else {
        return Err(value.wrong(what()).into());
    };
    let (ok, ty) = match side.as_str() {
        "ok" => (true, result.ok()),
        "err" => (false, result.err()),
        key => {
            let why = format!("{key:?} is not \"ok\" or \"err\"");
            return Err(Problem::Value(why).into());
        }
    };
    let at = |e: Box<Mismatch>| e.within(Step::Key(side.clone()));
    let payload = match ty {
        Some(ty) => Some(Box::new(to_val(&payload, &ty).map_err(at)?)),
        None if payload.is_null() => None,
        None => {
            let expected = format!("{} (this side has no payload)", S::NAMES.null);
            return Err(at(payload.wrong(expected).into()));
        }
    };
    Ok(Val::Result(if ok { Ok(payload) } else { Err(payload) }))
}

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
    /// A value of a type that cannot be returned yet (a resource).
    #[allow(clippy::missing_errors_doc)]
    fn unsupported(&self, why: String) -> Result<Self::Out, Self::Error>;
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

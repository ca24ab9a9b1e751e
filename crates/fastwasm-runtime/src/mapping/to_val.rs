//! A dynamic value to the WIT value of a type: [`Source`] says what kind of
//! value it holds, [`to_val`] decides what fits.

use std::borrow::Cow;

use wasmtime::component::types::{Record, ResultType, Type, Variant};
use wasmtime::component::{ResourceAny, Val};

use super::{Fit, Mismatch, Names, Problem, Step};
use crate::wit::{snake, type_text};

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

    /// The value as a resource handle: `Ok(None)` when it is not a resource
    /// object, `Err` for one that can no longer be used (why). A source
    /// that never holds one (JSON) keeps the default.
    ///
    /// # Errors
    /// Why the resource object cannot be used.
    fn as_resource(&self) -> Result<Option<ResourceAny>, String> {
        Ok(None)
    }

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
                // Rounding to the nearest f32 is the type's own precision; a
                // finite value past its range would become infinity, a
                // different number, and is refused.
                Type::Float32 if float.is_finite() && (float as f32).is_infinite() => {
                    return Err(Mismatch::here(Problem::Value(format!(
                        "{float:e} does not fit in f32 (largest: {:e})",
                        f32::MAX
                    ))));
                }
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
        Type::Own(_) | Type::Borrow(_) => match value.as_resource().map_err(Problem::Value)? {
            Some(handle) => Val::Resource(handle),
            None => return Err(kind(format!("a resource object for {}", type_text(ty)))),
        },
        Type::Future(_) | Type::Stream(_) | Type::ErrorContext => {
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

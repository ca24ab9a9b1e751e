//! WIT values as JSON and back, and the JSON Schema of every WIT type: the
//! Python mapping of docs/components.md, with bytes as base64 strings and
//! sets and tuples as arrays (docs/your-own-kernel.md has the table).

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};
use fastwasm_runtime::wasmtime::component::Val;
use std::borrow::Cow;
use std::convert::Infallible;

use fastwasm_runtime::kebab;
use fastwasm_runtime::mapping::{
    Fit, Mismatch, Names, Problem, Sink, Source, Step, from_val, to_val,
};
use fastwasm_runtime::wasmtime::component::types::Type;
use serde_json::{Number, Value, json};

/// Standard base64 out; in, padding optional and stray trailing bits
/// ignored, so every string the schema's pattern admits decodes.
pub(crate) const BASE64_IN: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Base64, as the schema states it: whole groups of four, then an optional
/// padded tail.
pub const BASE64_PATTERN: &str = "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$";

/// The JSON spellings of the floats JSON has no number for.
pub(crate) const NON_FINITE: [&str; 3] = ["NaN", "Infinity", "-Infinity"];

/// One step into a value, for an error's location: an object key or an
/// array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loc {
    /// A key: a parameter, a record field, a variant case, `ok` or `err`.
    Key(String),
    /// An index into an array.
    Index(usize),
}

impl From<Step> for Loc {
    fn from(step: Step) -> Self {
        match step {
            Step::Key(key) | Step::Entry(key) => Self::Key(key),
            Step::Index(index) => Self::Index(index),
        }
    }
}

impl From<&Loc> for Value {
    fn from(loc: &Loc) -> Self {
        match loc {
            Loc::Key(key) => Value::String(key.clone()),
            Loc::Index(index) => Value::from(*index),
        }
    }
}

/// A JSON value that does not fit its WIT type: where, what kind of
/// mismatch (`type` or `value`), and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    /// The path to the value, outermost first.
    pub loc: Vec<Loc>,
    /// `wit_type` (the wrong kind of JSON value) or `wit_value` (the right
    /// kind, out of range or unknown).
    pub kind: &'static str,
    /// What was expected.
    pub msg: String,
    /// The value that did not fit (boxed: keeps every `Result` of the
    /// accepted path small).
    pub input: Box<Value>,
}

impl Invalid {
    /// A mismatch of the mapping inside `value`, in `FastAPI`'s shape: the
    /// error types are pydantic's where they mean the same (`missing`,
    /// `extra_forbidden`), and `input` is the value at the location.
    #[must_use]
    pub fn of(mismatch: Mismatch, value: &Value) -> Self {
        let Mismatch { path, problem } = mismatch;
        let input = Box::new(at_path(value, &path).clone());
        let mut loc: Vec<Loc> = path.into_iter().map(Loc::from).collect();
        let (kind, msg) = match problem {
            Problem::Type { expected, .. } => ("wit_type", expected),
            Problem::Unsupported(why) => ("wit_type", why),
            Problem::Value(why) => ("wit_value", why),
            Problem::Missing => ("missing", "Field required".to_owned()),
            Problem::Extra { key, fields } => {
                loc.push(Loc::Key(key));
                let msg = format!("Extra inputs are not permitted: the record has {fields}");
                ("extra_forbidden", msg)
            }
        };
        Self {
            loc,
            kind,
            msg,
            input,
        }
    }

    /// The same error, one step further out: `loc` goes in front.
    #[must_use]
    pub fn within(mut self, loc: Loc) -> Self {
        self.loc.insert(0, loc);
        self
    }
}

/// The largest integer every f64 near it represents exactly.
const EXACT_F64: f64 = 9_007_199_254_740_992.0;

/// JSON as a source of the one value mapping
/// ([`fastwasm_runtime::mapping`]): its own words, integers read as
/// written, bytes as base64, maps as objects or pairs. An object's key is
/// read in place, as text.
#[derive(Clone, Copy)]
enum Json<'a> {
    Value(&'a Value),
    Key(&'a str),
}

impl<'a> Json<'a> {
    /// The value, or `None` for a key (which is only ever text).
    const fn value(self) -> Option<&'a Value> {
        match self {
            Self::Value(value) => Some(value),
            Self::Key(_) => None,
        }
    }
}

impl Source for Json<'_> {
    const NAMES: Names = Names {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        sequence: "an array",
        mapping: "an object",
        set: "an array",
        null: "null",
    };

    fn as_bool(&self) -> Option<bool> {
        self.value()?.as_bool()
    }

    /// Read from the number as written (`serde_json`'s `arbitrary_precision`),
    /// so nothing is rounded into range. A float with no fractional part
    /// counts (JSON Schema's `integer` admits `124.0`, as pydantic's lax mode
    /// does) while it is exact.
    fn as_int(&self) -> Result<Option<i128>, String> {
        let Some(Value::Number(number)) = self.value() else {
            return Ok(None);
        };
        let text = number.as_str();
        if let Ok(whole) = text.parse::<i128>() {
            return Ok(Some(whole));
        }
        if text
            .trim_start_matches('-')
            .bytes()
            .all(|b| b.is_ascii_digit())
        {
            // All digits, but past i128: past every WIT integer too.
            return Ok(Some(if text.starts_with('-') {
                i128::MIN
            } else {
                i128::MAX
            }));
        }
        match number.as_f64().filter(|f| f.fract() == 0.0) {
            Some(f) if f.abs() > EXACT_F64 => Err(format!(
                "{number} is not an exact integer: write it with all its digits"
            )),
            #[allow(clippy::cast_possible_truncation)]
            Some(f) => Ok(Some(f as i128)),
            None => Ok(None),
        }
    }

    fn as_float(&self) -> Result<Option<f64>, String> {
        let text = match self {
            Self::Value(Value::Number(number)) => return Ok(number.as_f64()),
            Self::Value(Value::String(text)) => text.as_str(),
            Self::Key(text) => text,
            Self::Value(_) => return Ok(None),
        };
        match text {
            "NaN" => Ok(Some(f64::NAN)),
            "Infinity" => Ok(Some(f64::INFINITY)),
            "-Infinity" => Ok(Some(f64::NEG_INFINITY)),
            _ => Err("a number, or \"NaN\", \"Infinity\" or \"-Infinity\"".into()),
        }
    }

    fn as_str(&self) -> Option<Cow<'_, str>> {
        match self {
            Self::Value(value) => value.as_str().map(Cow::Borrowed),
            Self::Key(key) => Some(Cow::Borrowed(key)),
        }
    }

    fn as_bytes(&self) -> Result<Vec<u8>, Problem> {
        let Some(encoded) = self.as_str() else {
            return Err(self.wrong("a base64 string for list<u8>"));
        };
        BASE64_IN
            .decode(&*encoded)
            .map_err(|e| Problem::Value(format!("not base64: {e}")))
    }

    fn items(&self) -> Option<Vec<Self>> {
        let items = self.value()?.as_array()?;
        Some(items.iter().map(Json::Value).collect())
    }

    fn members(&self) -> Option<Vec<Self>> {
        self.items()
    }

    fn pairs(&self) -> Option<Vec<(Self, Self)>> {
        let object = self.value()?.as_object()?;
        let pairs = object.iter().map(|(k, v)| (Json::Key(k), Json::Value(v)));
        Some(pairs.collect())
    }

    fn keys_len(&self) -> Option<usize> {
        Some(self.value()?.as_object()?.len())
    }

    fn get(&self, key: &str) -> Option<Self> {
        self.value()?.as_object()?.get(key).map(Json::Value)
    }

    fn is_null(&self) -> bool {
        self.value().is_some_and(Value::is_null)
    }

    fn show(&self) -> String {
        match self {
            Self::Value(value) => value.to_string(),
            Self::Key(key) => Value::from(*key).to_string(),
        }
    }

    fn kind(&self) -> String {
        let kind = match self {
            Self::Value(Value::Null) => "null",
            Self::Value(Value::Bool(_)) => "boolean",
            Self::Value(Value::Number(_)) => "number",
            Self::Value(Value::String(_)) | Self::Key(_) => "string",
            Self::Value(Value::Array(_)) => "array",
            Self::Value(Value::Object(_)) => "object",
        };
        kind.to_owned()
    }

    /// An object when keys are strings, else an array of `[key, value]`.
    fn map(&self, key: &Type, value: &Type) -> Fit<Val> {
        let mut pairs = Vec::new();
        if *key == Type::String {
            let object = self.value().and_then(Value::as_object);
            for (k, item) in object.ok_or_else(|| self.wrong("an object"))? {
                let item = to_val(&Json::Value(item), value);
                let item = item.map_err(|e| e.within(Step::Key(k.clone())))?;
                pairs.push((Val::String(k.clone()), item));
            }
            return Ok(Val::Map(pairs));
        }
        let what = "an array of [key, value] pairs";
        let entries = self.value().and_then(Value::as_array);
        for (i, entry) in entries.ok_or_else(|| self.wrong(what))?.iter().enumerate() {
            let at = |e: Box<Mismatch>| e.within(Step::Index(i));
            let pair = entry.as_array().filter(|p| p.len() == 2);
            let Some([k, v]) = pair.map(Vec::as_slice) else {
                return Err(at(Json::Value(entry).wrong("a [key, value] pair").into()));
            };
            let k = to_val(&Json::Value(k), key).map_err(|e| at(e.within(Step::Index(0))))?;
            let v = to_val(&Json::Value(v), value).map_err(|e| at(e.within(Step::Index(1))))?;
            pairs.push((k, v));
        }
        Ok(Val::Map(pairs))
    }
}

/// The value at `path` inside `value`, as far as the path goes.
fn at_path<'v>(mut value: &'v Value, path: &[Step]) -> &'v Value {
    for step in path {
        let next = match step {
            Step::Key(key) | Step::Entry(key) => value.get(key).or_else(|| value.get(kebab(key))),
            Step::Index(i) => value.get(i),
        };
        match next {
            Some(next) => value = next,
            None => break,
        }
    }
    value
}

/// Bytes from base64.
///
/// # Errors
/// [`Invalid`] when `value` is not a base64 string.
pub fn bytes_from_json(value: &Value) -> Result<Vec<u8>, Invalid> {
    Json::Value(value)
        .as_bytes()
        .map_err(|problem| Invalid::of(*Mismatch::here(problem), value))
}

/// A JSON value as the WIT value of `ty`, by the one value mapping.
///
/// # Errors
/// [`Invalid`], located inside `value`, when it does not fit.
pub fn from_json(value: &Value, ty: &Type) -> Result<Val, Invalid> {
    to_val(&Json::Value(value), ty).map_err(|mismatch| Invalid::of(*mismatch, value))
}

/// A float as JSON: a number, or a string for NaN and the infinities.
fn float_json(value: f64) -> Value {
    Number::from_f64(value).map_or_else(
        || {
            let name = if value.is_nan() {
                NON_FINITE[0]
            } else if value > 0.0 {
                NON_FINITE[1]
            } else {
                NON_FINITE[2]
            };
            Value::String(name.to_owned())
        },
        Value::Number,
    )
}

/// Bytes as a base64 string.
#[must_use]
pub fn bytes_to_json(bytes: &[u8]) -> Value {
    Value::String(general_purpose::STANDARD.encode(bytes))
}

/// JSON as a target of the one value mapping: floats past JSON's numbers
/// as strings, bytes as base64, sets and tuples as arrays, maps with string
/// keys as objects and others as `[key, value]` pairs.
struct JsonOut;

impl Sink for JsonOut {
    type Out = Value;
    type Error = Infallible;

    fn bool(&self, v: bool) -> Result<Value, Infallible> {
        Ok(Value::Bool(v))
    }

    fn signed(&self, v: i64) -> Result<Value, Infallible> {
        Ok(v.into())
    }

    fn unsigned(&self, v: u64) -> Result<Value, Infallible> {
        Ok(v.into())
    }

    fn float(&self, v: f64) -> Result<Value, Infallible> {
        Ok(float_json(v))
    }

    fn str(&self, v: &str) -> Result<Value, Infallible> {
        Ok(v.into())
    }

    fn bytes(&self, v: Vec<u8>) -> Result<Value, Infallible> {
        Ok(bytes_to_json(&v))
    }

    fn list(&self, items: Vec<Value>) -> Result<Value, Infallible> {
        Ok(Value::Array(items))
    }

    fn tuple(&self, items: Vec<Value>) -> Result<Value, Infallible> {
        Ok(Value::Array(items))
    }

    fn record(&self, fields: Vec<(Cow<'_, str>, Value)>) -> Result<Value, Infallible> {
        Ok(Value::Object(
            fields
                .into_iter()
                .map(|(k, v)| (k.into_owned(), v))
                .collect(),
        ))
    }

    fn tagged(&self, key: &str, payload: Value) -> Result<Value, Infallible> {
        Ok(json!({ key: payload }))
    }

    fn flags(&self, names: Vec<&str>) -> Result<Value, Infallible> {
        Ok(names.into())
    }

    fn map(&self, entries: Vec<(Value, Value)>, key: &Type) -> Result<Value, Infallible> {
        Ok(if *key == Type::String {
            let text = |k: Value| match k {
                Value::String(text) => text,
                other => other.to_string(),
            };
            Value::Object(entries.into_iter().map(|(k, v)| (text(k), v)).collect())
        } else {
            Value::Array(entries.into_iter().map(|(k, v)| json!([k, v])).collect())
        })
    }

    fn null(&self) -> Result<Value, Infallible> {
        Ok(Value::Null)
    }

    /// Never reached: such functions are refused before they are called.
    fn unsupported(&self, _: String) -> Result<Value, Infallible> {
        Ok(Value::Null)
    }
}

/// A WIT value of type `ty` as JSON, by the one value mapping.
#[must_use]
pub fn to_json(val: &Val, ty: &Type) -> Value {
    let Ok(json) = from_val(&JsonOut, val, ty);
    json
}

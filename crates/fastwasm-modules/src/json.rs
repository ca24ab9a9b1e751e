//! WIT values as JSON and back, and the JSON Schema of every WIT type: the
//! Python mapping of docs/components.md, with bytes as base64 strings and
//! sets and tuples as arrays (docs/your-own-kernel.md has the table).

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};
use fastwasm_runtime::wasmtime::component::Val;
use fastwasm_runtime::wasmtime::component::types::{Record, ResultType, Type, Variant};
use fastwasm_runtime::{kebab, snake, type_text};
use serde_json::{Map, Number, Value, json};

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
const NON_FINITE: [&str; 3] = ["NaN", "Infinity", "-Infinity"];

/// One step into a value, for an error's location: an object key or an
/// array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loc {
    /// A key: a parameter, a record field, a variant case, `ok` or `err`.
    Key(String),
    /// An index into an array.
    Index(usize),
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
    fn kind(expected: impl Into<String>, input: &Value) -> Self {
        Self {
            loc: Vec::new(),
            kind: "wit_type",
            msg: expected.into(),
            input: Box::new(input.clone()),
        }
    }

    fn value(msg: impl Into<String>, input: &Value) -> Self {
        Self {
            loc: Vec::new(),
            kind: "wit_value",
            msg: msg.into(),
            input: Box::new(input.clone()),
        }
    }

    /// The same error, one step further out: `loc` goes in front.
    #[must_use]
    pub fn within(mut self, loc: Loc) -> Self {
        self.loc.insert(0, loc);
        self
    }
}

type Fit<T> = Result<T, Invalid>;

/// The largest integer every f64 near it represents exactly.
const EXACT_F64: f64 = 9_007_199_254_740_992.0;

/// An integer of `ty`'s range, read from the number as written (`serde_json`'s
/// `arbitrary_precision`), so nothing is rounded into range. A float with no
/// fractional part counts (JSON Schema's `integer` admits `124.0`, as
/// pydantic's lax mode does) while it is exact.
fn int<T: TryFrom<i128>>(value: &Value, ty: &Type) -> Fit<T> {
    let expected = || Invalid::kind(format!("an integer for {}", type_text(ty)), value);
    let Value::Number(number) = value else {
        return Err(expected());
    };
    let out_of_range =
        || Invalid::value(format!("{number} does not fit in {}", type_text(ty)), value);
    let whole: i128 = match number.as_str().parse::<i128>() {
        Ok(whole) => whole,
        // All digits, but past i128: past every WIT integer too.
        Err(_)
            if number
                .as_str()
                .trim_start_matches('-')
                .bytes()
                .all(|b| b.is_ascii_digit()) =>
        {
            return Err(out_of_range());
        }
        Err(_) => {
            let f = number
                .as_f64()
                .filter(|f| f.fract() == 0.0)
                .ok_or_else(expected)?;
            if f.abs() > EXACT_F64 {
                let msg = format!("{number} is not an exact integer: write it with all its digits");
                return Err(Invalid::value(msg, value));
            }
            #[allow(clippy::cast_possible_truncation)]
            let whole = f as i128;
            whole
        }
    };
    T::try_from(whole).map_err(|_| out_of_range())
}

fn float(value: &Value) -> Fit<f64> {
    match value {
        Value::Number(number) => number
            .as_f64()
            .ok_or_else(|| Invalid::kind("a number", value)),
        Value::String(text) => match text.as_str() {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            _ => Err(Invalid::value(
                "a number, or \"NaN\", \"Infinity\" or \"-Infinity\"",
                value,
            )),
        },
        _ => Err(Invalid::kind("a number", value)),
    }
}

fn text<'a>(value: &'a Value, expected: &str) -> Fit<&'a str> {
    value.as_str().ok_or_else(|| Invalid::kind(expected, value))
}

fn array<'a>(value: &'a Value, expected: &str) -> Fit<&'a Vec<Value>> {
    value
        .as_array()
        .ok_or_else(|| Invalid::kind(expected, value))
}

fn object<'a>(value: &'a Value, expected: &str) -> Fit<&'a Map<String, Value>> {
    value
        .as_object()
        .ok_or_else(|| Invalid::kind(expected, value))
}

/// The one `{key: payload}` of an object, as for a variant or a result.
fn single<'a>(value: &'a Value, expected: &str) -> Fit<(&'a str, &'a Value)> {
    let map = object(value, expected)?;
    match map.iter().next() {
        Some((key, payload)) if map.len() == 1 => Ok((key, payload)),
        _ => Err(Invalid::value(
            format!("{expected}, with exactly one key"),
            value,
        )),
    }
}

/// The WIT name among `names` that `given` spells (WIT or `snake_case`).
fn case<'n>(given: &str, names: &[&'n str], what: &str, input: &Value) -> Fit<&'n str> {
    let wanted = kebab(given);
    names
        .iter()
        .find(|n| **n == wanted)
        .copied()
        .ok_or_else(|| {
            Invalid::value(
                format!(
                    "{given:?} is not a {what}: expected one of {}",
                    names.join(", ")
                ),
                input,
            )
        })
}

/// Bytes from base64.
///
/// # Errors
/// [`Invalid`] when `value` is not a base64 string.
pub fn bytes_from_json(value: &Value) -> Result<Vec<u8>, Invalid> {
    let encoded = text(value, "a base64 string for list<u8>")?;
    BASE64_IN
        .decode(encoded)
        .map_err(|e| Invalid::value(format!("not base64: {e}"), value))
}

/// A JSON value as the WIT value of `ty`.
///
/// # Errors
/// [`Invalid`], located inside `value`, when it does not fit.
pub fn from_json(value: &Value, ty: &Type) -> Result<Val, Invalid> {
    Ok(match ty {
        Type::Bool => Val::Bool(
            value
                .as_bool()
                .ok_or_else(|| Invalid::kind("a boolean", value))?,
        ),
        Type::S8 => Val::S8(int(value, ty)?),
        Type::U8 => Val::U8(int(value, ty)?),
        Type::S16 => Val::S16(int(value, ty)?),
        Type::U16 => Val::U16(int(value, ty)?),
        Type::S32 => Val::S32(int(value, ty)?),
        Type::U32 => Val::U32(int(value, ty)?),
        Type::S64 => Val::S64(int(value, ty)?),
        Type::U64 => Val::U64(int(value, ty)?),
        #[allow(clippy::cast_possible_truncation)]
        Type::Float32 => Val::Float32(float(value)? as f32),
        Type::Float64 => Val::Float64(float(value)?),
        Type::Char => {
            let text = text(value, "a string of one character for char")?;
            let mut chars = text.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Val::Char(c),
                _ => return Err(Invalid::value("a string of exactly one character", value)),
            }
        }
        Type::String => Val::String(text(value, "a string")?.to_owned()),
        Type::List(list) if list.ty() == Type::U8 => {
            Val::List(bytes_from_json(value)?.into_iter().map(Val::U8).collect())
        }
        Type::List(list) => Val::List(each(array(value, "an array")?, &list.ty())?),
        Type::FixedLengthList(list) => {
            let items = array(value, "an array")?;
            if items.len() != list.len() as usize {
                let msg = format!("an array of exactly {} items", list.len());
                return Err(Invalid::value(msg, value));
            }
            Val::FixedLengthList(each(items, &list.ty())?)
        }
        Type::Map(map) => map_from_json(value, &map.key(), &map.value())?,
        Type::Tuple(tuple) => {
            let types: Vec<Type> = tuple.types().collect();
            let items = array(value, "an array")?;
            if items.len() != types.len() {
                let msg = format!("an array of exactly {} items", types.len());
                return Err(Invalid::value(msg, value));
            }
            Val::Tuple(
                items
                    .iter()
                    .zip(&types)
                    .enumerate()
                    .map(|(i, (item, ty))| from_json(item, ty).map_err(|e| e.within(Loc::Index(i))))
                    .collect::<Fit<_>>()?,
            )
        }
        Type::Record(record) => record_from_json(value, record)?,
        Type::Variant(variant) => variant_from_json(value, variant)?,
        Type::Enum(e) => {
            let names: Vec<&str> = e.names().collect();
            let given = text(value, "a string naming a case of the enum")?;
            Val::Enum(case(given, &names, "case of this enum", value)?.to_owned())
        }
        Type::Flags(flags) => {
            let names: Vec<&str> = flags.names().collect();
            let mut set = Vec::new();
            for (i, item) in array(value, "an array of flag names")?.iter().enumerate() {
                let at = |e: Invalid| e.within(Loc::Index(i));
                let given = text(item, "a flag name").map_err(at)?;
                let name = case(given, &names, "flag of these flags", item).map_err(at)?;
                if !set.iter().any(|n| n == name) {
                    set.push(name.to_owned());
                }
            }
            Val::Flags(set)
        }
        Type::Option(option) => match value {
            Value::Null => Val::Option(None),
            _ => Val::Option(Some(Box::new(from_json(value, &option.ty())?))),
        },
        Type::Result(result) => result_from_json(value, result)?,
        _ => {
            let msg = format!("{} cannot be passed yet", type_text(ty));
            return Err(Invalid::kind(msg, value));
        }
    })
}

/// A map: an object when keys are strings, else an array of pairs.
fn map_from_json(value: &Value, key_ty: &Type, value_ty: &Type) -> Fit<Val> {
    if *key_ty == Type::String {
        let entries = object(value, "an object")?;
        let mut pairs = Vec::with_capacity(entries.len());
        for (key, item) in entries {
            let item = from_json(item, value_ty).map_err(|e| e.within(Loc::Key(key.clone())))?;
            pairs.push((Val::String(key.clone()), item));
        }
        Ok(Val::Map(pairs))
    } else {
        let entries = array(value, "an array of [key, value] pairs")?;
        let pair_ty = [key_ty, value_ty];
        let mut pairs = Vec::with_capacity(entries.len());
        for (i, entry) in entries.iter().enumerate() {
            let parts = match entry.as_array() {
                Some(parts) if parts.len() == 2 => parts,
                _ => {
                    let error = Invalid::kind("a [key, value] pair", entry);
                    return Err(error.within(Loc::Index(i)));
                }
            };
            let mut both = parts
                .iter()
                .zip(pair_ty)
                .enumerate()
                .map(|(j, (part, ty))| from_json(part, ty).map_err(|e| e.within(Loc::Index(j))));
            let (Some(k), Some(v)) = (both.next(), both.next()) else {
                unreachable!("two parts, two types")
            };
            let at = |e: Invalid| e.within(Loc::Index(i));
            pairs.push((k.map_err(at)?, v.map_err(at)?));
        }
        Ok(Val::Map(pairs))
    }
}

fn record_from_json(value: &Value, record: &Record) -> Fit<Val> {
    let fields = object(value, "an object of the record's fields")?;
    let mut values = Vec::with_capacity(fields.len());
    for field in record.fields() {
        let key = snake(field.name);
        let given = fields.get(&key).or_else(|| fields.get(field.name));
        let Some(given) = given else {
            let error = Invalid {
                loc: vec![Loc::Key(key)],
                kind: "missing",
                msg: "Field required".into(),
                input: Box::new(value.clone()),
            };
            return Err(error);
        };
        let field_value = from_json(given, &field.ty).map_err(|e| e.within(Loc::Key(key)))?;
        values.push((field.name.to_owned(), field_value));
    }
    if fields.len() != values.len() {
        let names: Vec<String> = record.fields().map(|f| snake(f.name)).collect();
        let extra = fields
            .keys()
            .find(|k| !names.contains(&snake(k)))
            .cloned()
            .unwrap_or_default();
        let error = Invalid {
            loc: vec![Loc::Key(extra)],
            kind: "extra_forbidden",
            msg: format!(
                "Extra inputs are not permitted: the record has {}",
                names.join(", ")
            ),
            input: Box::new(value.clone()),
        };
        return Err(error);
    }
    Ok(Val::Record(values))
}

/// A variant: its case name, or `{"case": payload}`.
fn variant_from_json(value: &Value, variant: &Variant) -> Fit<Val> {
    let cases: Vec<(&str, Option<Type>)> = variant.cases().map(|c| (c.name, c.ty)).collect();
    let names: Vec<&str> = cases.iter().map(|(n, _)| *n).collect();
    let what = "a case name, or an object {\"case\": payload}";
    let (given, payload) = if let Value::String(name) = value {
        (name.as_str(), None)
    } else {
        let (name, payload) = single(value, what)?;
        (name, Some(payload))
    };
    let name = case(given, &names, "case of this variant", value)?;
    let ty = cases
        .iter()
        .find(|(n, _)| *n == name)
        .and_then(|(_, t)| t.clone());
    let at = |e: Invalid| e.within(Loc::Key(given.to_owned()));
    let payload = match (ty, payload) {
        (Some(ty), Some(payload)) => Some(Box::new(from_json(payload, &ty).map_err(at)?)),
        (None, None | Some(Value::Null)) => None,
        (Some(_), None) => {
            return Err(Invalid::value(
                format!("case {name} needs a payload"),
                value,
            ));
        }
        (None, Some(payload)) => {
            return Err(at(Invalid::value(
                "this case has no payload: null",
                payload,
            )));
        }
    };
    Ok(Val::Variant(name.to_owned(), payload))
}

/// A result: `{"ok": value}` or `{"err": value}`.
fn result_from_json(value: &Value, result: &ResultType) -> Fit<Val> {
    let (side, payload) = single(value, "an object {\"ok\": value} or {\"err\": value}")?;
    let ty = match side {
        "ok" => result.ok(),
        "err" => result.err(),
        _ => {
            return Err(Invalid::value(
                "an object {\"ok\": value} or {\"err\": value}",
                value,
            ));
        }
    };
    let at = |e: Invalid| e.within(Loc::Key(side.to_owned()));
    let payload = match (ty, payload) {
        (Some(ty), payload) => Some(Box::new(from_json(payload, &ty).map_err(at)?)),
        (None, Value::Null) => None,
        (None, payload) => {
            return Err(at(Invalid::value("no payload here: null", payload)));
        }
    };
    Ok(Val::Result(if side == "ok" {
        Ok(payload)
    } else {
        Err(payload)
    }))
}

fn each(items: &[Value], element: &Type) -> Fit<Vec<Val>> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| from_json(item, element).map_err(|e| e.within(Loc::Index(i))))
        .collect()
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

/// A WIT value of type `ty` as JSON.
#[must_use]
pub fn to_json(val: &Val, ty: &Type) -> Value {
    match (val, ty) {
        (Val::Bool(v), _) => Value::Bool(*v),
        (Val::S8(v), _) => json!(v),
        (Val::U8(v), _) => json!(v),
        (Val::S16(v), _) => json!(v),
        (Val::U16(v), _) => json!(v),
        (Val::S32(v), _) => json!(v),
        (Val::U32(v), _) => json!(v),
        (Val::S64(v), _) => json!(v),
        (Val::U64(v), _) => json!(v),
        (Val::Float32(v), _) => float_json(f64::from(*v)),
        (Val::Float64(v), _) => float_json(*v),
        (Val::Char(v), _) => Value::String(v.to_string()),
        (Val::String(v), _) => Value::String(v.clone()),
        (Val::List(items), Type::List(list)) if list.ty() == Type::U8 => {
            let bytes: Vec<u8> = items
                .iter()
                .filter_map(|v| if let Val::U8(b) = v { Some(*b) } else { None })
                .collect();
            bytes_to_json(&bytes)
        }
        (Val::List(items), Type::List(list)) => {
            let element = list.ty();
            Value::Array(items.iter().map(|v| to_json(v, &element)).collect())
        }
        (Val::FixedLengthList(items), Type::FixedLengthList(list)) => {
            let element = list.ty();
            Value::Array(items.iter().map(|v| to_json(v, &element)).collect())
        }
        (Val::Map(pairs), Type::Map(map)) => {
            let (key_ty, value_ty) = (map.key(), map.value());
            if key_ty == Type::String {
                Value::Object(
                    pairs
                        .iter()
                        .map(|(k, v)| {
                            let key = if let Val::String(key) = k {
                                key.clone()
                            } else {
                                String::new()
                            };
                            (key, to_json(v, &value_ty))
                        })
                        .collect(),
                )
            } else {
                Value::Array(
                    pairs
                        .iter()
                        .map(|(k, v)| json!([to_json(k, &key_ty), to_json(v, &value_ty)]))
                        .collect(),
                )
            }
        }
        (Val::Tuple(items), Type::Tuple(tuple)) => Value::Array(
            items
                .iter()
                .zip(tuple.types())
                .map(|(v, t)| to_json(v, &t))
                .collect(),
        ),
        (Val::Record(fields), Type::Record(record)) => Value::Object(
            fields
                .iter()
                .zip(record.fields())
                .map(|((name, v), field)| (snake(name), to_json(v, &field.ty)))
                .collect(),
        ),
        (Val::Variant(case, None) | Val::Enum(case), _) => Value::String(case.clone()),
        (Val::Variant(case, Some(payload)), Type::Variant(variant)) => {
            let ty = variant.cases().find(|c| c.name == case).and_then(|c| c.ty);
            let payload = ty.map_or(Value::Null, |ty| to_json(payload, &ty));
            json!({ case.clone(): payload })
        }
        (Val::Flags(names), Type::Flags(flags)) => Value::Array(
            // In declaration order, whatever order the guest gave.
            flags
                .names()
                .filter(|n| names.iter().any(|given| given == n))
                .map(|n| Value::String(n.to_owned()))
                .collect(),
        ),
        (Val::Option(Some(v)), Type::Option(option)) => to_json(v, &option.ty()),
        (Val::Result(result), Type::Result(ty)) => {
            let (side, payload, payload_ty) = match result {
                Ok(v) => ("ok", v, ty.ok()),
                Err(v) => ("err", v, ty.err()),
            };
            let payload = match (payload, payload_ty) {
                (Some(v), Some(t)) => to_json(v, &t),
                _ => Value::Null,
            };
            json!({ side: payload })
        }
        // `none`, and types that cannot be passed (they never reach a call).
        _ => Value::Null,
    }
}

fn integer_schema(min: i128, max: i128) -> Value {
    json!({"type": "integer", "minimum": min, "maximum": max})
}

/// The JSON Schema of the JSON form of `ty` (`OpenAPI` 3.1).
#[must_use]
pub fn schema(ty: &Type) -> Value {
    match ty {
        Type::Bool => json!({"type": "boolean"}),
        Type::S8 => integer_schema(i8::MIN.into(), i8::MAX.into()),
        Type::U8 => integer_schema(0, u8::MAX.into()),
        Type::S16 => integer_schema(i16::MIN.into(), i16::MAX.into()),
        Type::U16 => integer_schema(0, u16::MAX.into()),
        Type::S32 => integer_schema(i32::MIN.into(), i32::MAX.into()),
        Type::U32 => integer_schema(0, u32::MAX.into()),
        Type::S64 => integer_schema(i64::MIN.into(), i64::MAX.into()),
        Type::U64 => integer_schema(0, u64::MAX.into()),
        Type::Float32 | Type::Float64 => json!({
            "anyOf": [{"type": "number"}, {"type": "string", "enum": NON_FINITE}],
        }),
        Type::Char => json!({"type": "string", "minLength": 1, "maxLength": 1}),
        Type::String => json!({"type": "string"}),
        Type::List(list) if list.ty() == Type::U8 => json!({
            "type": "string",
            "contentEncoding": "base64",
            "pattern": BASE64_PATTERN,
        }),
        Type::List(list) => json!({"type": "array", "items": schema(&list.ty())}),
        Type::FixedLengthList(list) => json!({
            "type": "array",
            "items": schema(&list.ty()),
            "minItems": list.len(),
            "maxItems": list.len(),
        }),
        Type::Map(map) if map.key() == Type::String => json!({
            "type": "object",
            "additionalProperties": schema(&map.value()),
        }),
        Type::Map(map) => json!({
            "type": "array",
            "items": tuple_schema(&[map.key(), map.value()]),
        }),
        Type::Tuple(tuple) => tuple_schema(&tuple.types().collect::<Vec<_>>()),
        Type::Record(record) => {
            object_schema(record.fields().map(|f| (snake(f.name), schema(&f.ty))))
        }
        Type::Variant(variant) => {
            let bare: Vec<&str> = variant
                .cases()
                .filter(|c| c.ty.is_none())
                .map(|c| c.name)
                .collect();
            let mut options: Vec<Value> = Vec::new();
            if !bare.is_empty() {
                options.push(json!({"type": "string", "enum": bare}));
            }
            for case in variant.cases() {
                if let Some(ty) = case.ty {
                    options.push(object_schema([(case.name.to_owned(), schema(&ty))]));
                }
            }
            json!({"oneOf": options})
        }
        Type::Enum(e) => json!({"type": "string", "enum": e.names().collect::<Vec<_>>()}),
        // A set: a name given twice counts once.
        Type::Flags(flags) => json!({
            "type": "array",
            "items": {"type": "string", "enum": flags.names().collect::<Vec<_>>()},
        }),
        Type::Option(option) => json!({"anyOf": [schema(&option.ty()), {"type": "null"}]}),
        Type::Result(result) => {
            let side =
                |ty: Option<Type>| ty.map_or_else(|| json!({"type": "null"}), |t| schema(&t));
            json!({"oneOf": [
                object_schema([("ok".to_owned(), side(result.ok()))]),
                object_schema([("err".to_owned(), side(result.err()))]),
            ]})
        }
        _ => json!({"not": {}}),
    }
}

/// An array of exactly these types, each at its place.
fn tuple_schema(types: &[Type]) -> Value {
    let items: Vec<Value> = types.iter().map(schema).collect();
    let n = items.len();
    json!({"type": "array", "prefixItems": items, "minItems": n, "maxItems": n})
}

/// An object with exactly these properties, all required.
pub(crate) fn object_schema(properties: impl IntoIterator<Item = (String, Value)>) -> Value {
    let properties: Map<String, Value> = properties.into_iter().collect();
    let required: Vec<&String> = properties.keys().collect();
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

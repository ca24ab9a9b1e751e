//! The JSON Schema of every WIT type: what a kernel route's `OpenAPI`
//! operation says its body and answer are, matching the JSON that
//! [`crate::json`] reads and writes.

use fastwasm_runtime::snake;
use fastwasm_runtime::wasmtime::component::types::Type;
use serde_json::{Map, Value, json};

use crate::json::{BASE64_PATTERN, NON_FINITE};

/// The magnitude from which an f64 rounds to an infinite f32 (f32's largest
/// value plus half of its last step).
const F32_ROUNDS_BELOW: f64 = 340_282_356_779_733_661_637_539_395_458_142_568_448.0;

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
        // A finite number that would round to infinity is refused, so the
        // range ends where rounding to f32 stops: 2^128 - 2^103, excluded.
        // The non-finite values are given as strings.
        Type::Float32 => json!({
            "anyOf": [
                {"type": "number", "exclusiveMinimum": -F32_ROUNDS_BELOW, "exclusiveMaximum": F32_ROUNDS_BELOW},
                {"type": "string", "enum": NON_FINITE},
            ],
        }),
        Type::Float64 => json!({
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

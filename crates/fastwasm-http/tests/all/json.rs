//! The JSON mapping: every WIT type there and back through the echo
//! component, and each kind of wrong value refused with its location.

use fastwasm_http::json::{Loc, from_json, to_json};
use fastwasm_http::schema::schema;
use fastwasm_runtime::Component;
use serde_json::{Value, json};

fn echo() -> Component {
    crate::runtime()
        .load(crate::components().join("echo.wasm"))
        .unwrap()
        .into_component()
        .unwrap()
}

/// `value` through `echo-<type>`: converted, called, converted back.
fn round_trip(echo: &Component, function: &str, value: &Value) -> Value {
    let f = echo.function(function).unwrap();
    let ty = &f.params[0].1;
    let val = from_json(value, ty).unwrap_or_else(|e| panic!("{function} {value}: {e:?}"));
    let (back, _) = echo.call(function, &[val], None).unwrap();
    to_json(&back.unwrap(), f.result.as_ref().unwrap())
}

#[test]
fn every_row_of_the_mapping_round_trips() {
    let echo = echo();
    for (function, value) in [
        ("echo-bool", json!(true)),
        ("echo-s8", json!(-128)),
        ("echo-u64", json!(u64::MAX)),
        ("echo-s64", json!(i64::MIN)),
        ("echo-f64", json!(-2.5)),
        ("echo-f64", json!("NaN")),
        ("echo-f64", json!("-Infinity")),
        ("echo-f32", json!(1.5)),
        ("echo-char", json!("ß")),
        ("echo-string", json!("héllo, wörld")),
        ("echo-bytes", json!("AAEC/w==")),
        ("echo-list", json!([1, -2, 3])),
        ("echo-tuple", json!([7, "x", 0.5])),
        ("echo-point", json!({"x": 1.0, "y": -2.0})),
        ("echo-person", json!({"first_name": "Ada", "age_years": 36})),
        ("echo-color", json!("dark-blue")),
        ("echo-perms", json!(["read", "exec"])),
        ("echo-shape", json!({"circle": 2.0})),
        ("echo-shape", json!({"rect": {"x": 1.0, "y": 2.0}})),
        ("echo-shape", json!("empty")),
        ("echo-option", json!(null)),
        ("echo-option", json!("some")),
        ("echo-results", json!([{"ok": 1}, {"err": "no"}])),
        ("echo-bare-results", json!([{"ok": null}, {"err": "no"}])),
    ] {
        assert_eq!(round_trip(&echo, function, &value), value, "{function}");
    }
}

#[test]
fn other_spellings_come_back_in_one_form() {
    let echo = echo();
    assert_eq!(
        round_trip(
            &echo,
            "echo-person",
            &json!({"first-name": "Ada", "age-years": 36})
        ),
        json!({"first_name": "Ada", "age_years": 36})
    );
    assert_eq!(
        round_trip(&echo, "echo-color", &json!("dark_blue")),
        json!("dark-blue")
    );
    // Flags come back in declaration order, once each.
    assert_eq!(
        round_trip(&echo, "echo-perms", &json!(["exec", "read", "exec"])),
        json!(["read", "exec"])
    );
    assert_eq!(
        round_trip(&echo, "echo-bytes", &json!("AAEC/w")),
        json!("AAEC/w==")
    );
    assert_eq!(round_trip(&echo, "echo-f64", &json!(3)), json!(3.0));
    assert_eq!(round_trip(&echo, "echo-s8", &json!(-124.0)), json!(-124));
}

#[test]
fn a_wrong_value_is_refused_where_it_is() {
    let echo = echo();
    let ty = |name: &str| echo.function(name).unwrap().params[0].1.clone();
    for (function, value, loc, kind, msg) in [
        (
            "echo-u8",
            json!(256),
            vec![],
            "wit_value",
            "256 does not fit in u8",
        ),
        (
            "echo-u8",
            json!(1.5),
            vec![],
            "wit_type",
            "an integer for u8",
        ),
        (
            "echo-u8",
            json!(true),
            vec![],
            "wit_type",
            "an integer for u8",
        ),
        ("echo-bool", json!(1), vec![], "wit_type", "a boolean"),
        (
            "echo-char",
            json!("ab"),
            vec![],
            "wit_value",
            "a char is a string of length 1, got 2 characters",
        ),
        (
            "echo-points",
            json!([{"x": 1, "y": 2}, {"x": "one", "y": 2}]),
            vec![Loc::Index(1), Loc::Key("x".into())],
            "wit_value",
            "a number, or \"NaN\", \"Infinity\" or \"-Infinity\"",
        ),
        (
            "echo-point",
            json!({"x": 1}),
            vec![Loc::Key("y".into())],
            "missing",
            "Field required",
        ),
        (
            "echo-color",
            json!("purple"),
            vec![],
            "wit_value",
            "\"purple\" is not a case of this enum: expected one of red, green, dark-blue",
        ),
        (
            "echo-bytes",
            json!("***"),
            vec![],
            "wit_value",
            "not base64: Invalid symbol 42, offset 0.",
        ),
        (
            "echo-tuple",
            json!([1, "x"]),
            vec![],
            "wit_value",
            "expected 3 items, got 2",
        ),
        (
            "echo-results",
            json!([{"ok": 1}, {"err": 2}]),
            vec![Loc::Index(1), Loc::Key("err".into())],
            "wit_type",
            "a string",
        ),
    ] {
        let error = from_json(&value, &ty(function)).unwrap_err();
        assert_eq!(
            (error.loc, error.kind, error.msg.as_str()),
            (loc, kind, msg),
            "{function} {value}"
        );
    }
    let extra = from_json(&json!({"x": 1, "y": 2, "z": 3}), &ty("echo-point")).unwrap_err();
    assert_eq!(
        (extra.loc, extra.kind, *extra.input),
        (
            vec![Loc::Key("z".into())],
            "extra_forbidden",
            json!({"x": 1, "y": 2, "z": 3})
        )
    );
}

#[test]
fn a_field_given_twice_is_named_and_input_is_the_value_at_loc() {
    let echo = echo();
    let ty = |name: &str| echo.function(name).unwrap().params[0].1.clone();
    // Both spellings of one field: the field is named, not an empty key.
    let twice = json!({"first_name": "A", "first-name": "B", "age_years": 1});
    let twice = from_json(&twice, &ty("echo-person")).unwrap_err();
    assert_eq!(
        (twice.loc, twice.kind, twice.msg.as_str()),
        (vec![], "wit_value", "field first_name given twice")
    );
    // The input of an error is the value at its location.
    let deep = from_json(
        &json!([{"x": 1, "y": 2}, {"x": true, "y": 2}]),
        &ty("echo-points"),
    );
    assert_eq!(*deep.unwrap_err().input, json!(true));
}

#[test]
fn schemas_say_what_is_accepted() {
    let echo = echo();
    let ty = |name: &str| echo.function(name).unwrap().params[0].1.clone();
    assert_eq!(
        schema(&ty("echo-u8")),
        json!({"type": "integer", "minimum": 0, "maximum": 255})
    );
    assert_eq!(
        schema(&ty("echo-point")),
        json!({
            "type": "object",
            "properties": {
                "x": {"anyOf": [{"type": "number"}, {"type": "string", "enum": ["NaN", "Infinity", "-Infinity"]}]},
                "y": {"anyOf": [{"type": "number"}, {"type": "string", "enum": ["NaN", "Infinity", "-Infinity"]}]},
            },
            "required": ["x", "y"],
            "additionalProperties": false,
        })
    );
    assert_eq!(schema(&ty("echo-bytes"))["contentEncoding"], "base64");
    assert_eq!(
        schema(&ty("echo-shape"))["oneOf"][0],
        json!({"type": "string", "enum": ["empty"]})
    );
}

#[test]
fn integers_are_read_as_written_never_rounded_into_range() {
    let echo = echo();
    let s64 = echo.function("echo-s64").unwrap().params[0].1.clone();
    let parse = |text: &str| from_json(&serde_json::from_str(text).unwrap(), &s64);
    assert!(parse("-9223372036854775808").is_ok());
    assert_eq!(
        parse("-9223372036854775809").unwrap_err().msg,
        "-9223372036854775809 does not fit in s64"
    );
    assert_eq!(
        parse("123456789012345678901234567890123456789012")
            .unwrap_err()
            .msg,
        "123456789012345678901234567890123456789012 does not fit in s64"
    );
    assert_eq!(
        parse("124.0").unwrap(),
        fastwasm_runtime::wasmtime::component::Val::S64(124)
    );
    assert_eq!(
        parse("1e3").unwrap(),
        fastwasm_runtime::wasmtime::component::Val::S64(1000)
    );
    assert_eq!(parse("9.3e18").unwrap_err().kind, "wit_value");
}

#[test]
fn a_float_is_an_f32_exactly_where_the_schema_says_so() {
    use fastwasm_runtime::wasmtime::component::Val;
    let echo = echo();
    let f32_type = echo.function("echo-f32").unwrap().params[0].1.clone();
    let parse = |text: &str| from_json(&serde_json::from_str(text).unwrap(), &f32_type);
    // Rounds to f32's largest value: accepted, as the schema's range admits.
    let below = "3.4028235677973362e38";
    assert_eq!(parse(below).unwrap(), Val::Float32(f32::MAX));
    // Would round to infinity: refused, as the schema's exclusive bound says.
    let at = "3.4028235677973366e38";
    assert!(parse(at).unwrap_err().msg.contains("does not fit in f32"));
    let range = &schema(&f32_type)["anyOf"][0];
    let bound = range["exclusiveMaximum"].as_f64().unwrap();
    assert!(below.parse::<f64>().unwrap() < bound);
    assert!(at.parse::<f64>().unwrap() >= bound);
    // Infinity itself is a value of f32, given as a string.
    assert_eq!(parse("\"Infinity\"").unwrap(), Val::Float32(f32::INFINITY));
}

//! The one value mapping, read from a source that is neither Python nor
//! JSON: the rules and the paths are the mapping's own.

use std::borrow::Cow;

use fastwasm_runtime::Isolation;
use fastwasm_runtime::mapping::{
    Fit, Mismatch, Names, Problem, Sink, Source, Step, from_val, outcome, to_val,
};
use fastwasm_runtime::wasmtime::component::Val;
use fastwasm_runtime::wasmtime::component::types::Type;

use crate::components::component;

/// A tiny dynamic value.
#[derive(Clone, Debug)]
enum Dyn {
    Null,
    Int(i128),
    Text(&'static str),
    List(Vec<Dyn>),
    Dict(Vec<(&'static str, Dyn)>),
}

impl Source for Dyn {
    const NAMES: Names = Names {
        bool: "a bool",
        int: "an int",
        float: "a number",
        str: "text",
        sequence: "a list",
        mapping: "a dict",
        set: "a list",
        null: "null",
    };
    fn as_bool(&self) -> Option<bool> {
        None
    }
    fn as_int(&self) -> Result<Option<i128>, String> {
        Ok(if let Self::Int(i) = self {
            Some(*i)
        } else {
            None
        })
    }
    fn as_float(&self) -> Result<Option<f64>, String> {
        #[allow(clippy::cast_precision_loss)]
        Ok(self.as_int()?.map(|i| i as f64))
    }
    fn as_str(&self) -> Option<Cow<'_, str>> {
        if let Self::Text(t) = self {
            Some(Cow::Borrowed(t))
        } else {
            None
        }
    }
    fn as_bytes(&self) -> Result<Vec<u8>, Problem> {
        Err(self.wrong("bytes"))
    }
    fn items(&self) -> Option<Vec<Self>> {
        if let Self::List(items) = self {
            Some(items.clone())
        } else {
            None
        }
    }
    fn members(&self) -> Option<Vec<Self>> {
        self.items()
    }
    fn pairs(&self) -> Option<Vec<(Self, Self)>> {
        let Self::Dict(pairs) = self else { return None };
        Some(
            pairs
                .iter()
                .map(|(k, v)| (Self::Text(k), v.clone()))
                .collect(),
        )
    }
    fn keys_len(&self) -> Option<usize> {
        if let Self::Dict(pairs) = self {
            Some(pairs.len())
        } else {
            None
        }
    }
    fn get(&self, key: &str) -> Option<Self> {
        let Self::Dict(pairs) = self else { return None };
        pairs
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
    }
    fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }
    fn show(&self) -> String {
        format!("{self:?}")
    }
    fn kind(&self) -> String {
        format!("{self:?}")
            .split('(')
            .next()
            .unwrap_or_default()
            .to_owned()
    }
    fn map(&self, _: &Type, _: &Type) -> Fit<Val> {
        Err(self.wrong("no maps here").into())
    }
}

fn param(function: &str) -> Type {
    let echo = component("echo", Isolation::Pooled);
    echo.function(function).unwrap().params[0].1.clone()
}

fn mismatch(function: &str, value: &Dyn) -> Mismatch {
    *to_val(value, &param(function)).unwrap_err()
}

#[test]
fn a_record_takes_either_spelling_and_a_fit_value_converts() {
    let person = Dyn::Dict(vec![
        ("first-name", Dyn::Text("Ada")),
        ("age_years", Dyn::Int(36)),
    ]);
    let expected = Val::Record(vec![
        ("first-name".into(), Val::String("Ada".into())),
        ("age-years".into(), Val::U8(36)),
    ]);
    assert_eq!(to_val(&person, &param("echo-person")).unwrap(), expected);
    let none = to_val(&Dyn::Null, &param("echo-option")).unwrap();
    assert_eq!(none, Val::Option(None));
}

#[test]
fn a_mismatch_says_where_and_why_in_the_sources_words() {
    let point = |x: Dyn| Dyn::Dict(vec![("x", x), ("y", Dyn::Int(2))]);
    let points = Dyn::List(vec![point(Dyn::Int(1)), point(Dyn::Text("one"))]);
    let wrong = mismatch("echo-points", &points);
    assert_eq!(wrong.path, [Step::Index(1), Step::Key("x".into())]);
    assert_eq!(wrong.path_text(), "[1].x");
    let expected = "a number".to_owned();
    assert_eq!(
        wrong.problem,
        Problem::Type {
            expected,
            got: "Text".into()
        }
    );

    let missing = mismatch("echo-point", &Dyn::Dict(vec![("x", Dyn::Int(1))]));
    assert_eq!(
        (missing.path, missing.problem),
        (vec![Step::Key("y".into())], Problem::Missing)
    );

    let extra = Dyn::Dict(vec![
        ("x", Dyn::Int(1)),
        ("y", Dyn::Int(2)),
        ("z", Dyn::Int(3)),
    ]);
    let (key, fields) = ("z".to_owned(), "x, y".to_owned());
    assert_eq!(
        mismatch("echo-point", &extra).problem,
        Problem::Extra { key, fields }
    );

    let range = mismatch("echo-u8", &Dyn::Int(256)).problem;
    assert_eq!(range, Problem::Value("Int(256) does not fit in u8".into()));
    let tuple = mismatch("echo-tuple", &Dyn::List(vec![Dyn::Int(1)])).problem;
    assert_eq!(tuple, Problem::Value("expected 3 items, got 1".into()));
    let shape = mismatch("echo-shape", &Dyn::Dict(vec![("empty", Dyn::Int(1))]));
    assert_eq!(shape.path, [Step::Key("empty".into())]);
}

/// Writes values as compact text, to see the forms the mapping chose.
struct Text;

type Out = Result<String, ()>;

impl Sink for Text {
    type Out = String;
    type Error = ();
    fn bool(&self, v: bool) -> Out {
        Ok(v.to_string())
    }
    fn signed(&self, v: i64) -> Out {
        Ok(v.to_string())
    }
    fn unsigned(&self, v: u64) -> Out {
        Ok(v.to_string())
    }
    fn float(&self, v: f64) -> Out {
        Ok(v.to_string())
    }
    fn str(&self, v: &str) -> Out {
        Ok(format!("{v:?}"))
    }
    fn bytes(&self, v: Vec<u8>) -> Out {
        Ok(format!("b{v:?}"))
    }
    fn list(&self, items: Vec<String>) -> Out {
        Ok(format!("[{}]", items.join(",")))
    }
    fn tuple(&self, items: Vec<String>) -> Out {
        Ok(format!("({})", items.join(",")))
    }
    fn record(&self, fields: Vec<(Cow<'_, str>, String)>) -> Out {
        let fields: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
        Ok(format!("{{{}}}", fields.join(",")))
    }
    fn tagged(&self, key: &str, payload: String) -> Out {
        Ok(format!("{key}:{payload}"))
    }
    fn flags(&self, names: Vec<&str>) -> Out {
        Ok(format!("<{}>", names.join("|")))
    }
    fn map(&self, _: Vec<(String, String)>, _: &Type) -> Out {
        Err(())
    }
    fn null(&self) -> Out {
        Ok("null".into())
    }
    fn unsupported(&self, _: String) -> Out {
        Err(())
    }
}

fn text(function: &str, val: &Val) -> String {
    let echo = component("echo", Isolation::Pooled);
    let function = echo.function(function).unwrap();
    from_val(&Text, val, function.result.as_ref().unwrap()).unwrap()
}

#[test]
fn values_out_take_the_mappings_forms() {
    let person = Val::Record(vec![
        ("first-name".into(), Val::String("Ada".into())),
        ("age-years".into(), Val::U8(36)),
    ]);
    assert_eq!(
        text("echo-person", &person),
        r#"{first_name="Ada",age_years=36}"#
    );
    let flags = Val::Flags(vec!["exec".into(), "read".into()]);
    assert_eq!(
        text("echo-perms", &flags),
        "<read|exec>",
        "declaration order"
    );
    let shape = Val::Variant("circle".into(), Some(Box::new(Val::Float64(2.0))));
    assert_eq!(text("echo-shape", &shape), "circle:2");
    assert_eq!(
        text("echo-shape", &Val::Variant("empty".into(), None)),
        r#""empty""#
    );
    let bytes = Val::List(vec![Val::U8(0), Val::U8(255)]);
    assert_eq!(text("echo-bytes", &bytes), "b[0, 255]");
    assert_eq!(text("echo-option", &Val::Option(None)), "null");
}

#[test]
fn a_result_at_the_top_splits_into_the_answer_or_the_guests_error() {
    let echo = component("echo", Isolation::Pooled);
    let ty = echo.function("checked-div").unwrap().result.clone();
    let ok = Val::Result(Ok(Some(Box::new(Val::S32(3)))));
    assert_eq!(
        outcome(Some(&ok), ty.as_ref()),
        Ok(Some((&Val::S32(3), Type::S32)))
    );
    let err = Val::Result(Err(Some(Box::new(Val::String("no".into())))));
    let (value, _) = outcome(Some(&err), ty.as_ref()).unwrap_err().unwrap();
    assert_eq!(value, &Val::String("no".into()));
    let nested = echo.function("echo-u8").unwrap().result.clone();
    assert_eq!(
        outcome(Some(&Val::U8(1)), nested.as_ref()),
        Ok(Some((&Val::U8(1), Type::U8)))
    );
    assert_eq!(outcome(None, None), Ok(None));
}

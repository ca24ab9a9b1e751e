//! The one value mapping, read from a source that is neither Python nor
//! JSON: the rules and the paths are the mapping's own.

use std::borrow::Cow;

use fastwasm_runtime::Isolation;
use fastwasm_runtime::mapping::{Fit, Mismatch, Names, Problem, Source, Step, to_val};
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

//! The Fibonacci routes' answers, byte for byte the same from both servers:
//! the refusals of an n (400), and the JSON bodies. `fibonacci` is a JSON
//! integer while F(n) fits in a u64 (n ≤ 93) and a decimal string beyond,
//! and `digits` is always the decimal string, spliced in as the digits it
//! already is; so no standard JSON client loses a digit.

use serde::Serialize;

use fib_host::{Algorithm, MAX_U64_N};

use crate::settings::Settings;

/// Values with more digits than this are shortened in `message`.
pub const MESSAGE_MAX_DIGITS: usize = 50;
/// Digits kept at each end of a shortened value.
pub const MESSAGE_EDGE_DIGITS: usize = 10;

/// The refusal of a negative n.
pub const NEGATIVE: &str = "Fibonacci is not defined for negative numbers";

/// Where F(n) was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Pure Python (the Python service only).
    Python,
    /// In the WASM sandbox.
    Wasm,
    /// The kernels compiled into the server.
    Native,
}

impl Method {
    /// `"Python"`, `"WASM"` or `"Native"`: the label of the answers and metrics.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Python => "Python",
            Self::Wasm => "WASM",
            Self::Native => "Native",
        }
    }

    /// The method of `label`.
    #[must_use]
    pub fn of_label(label: &str) -> Option<Self> {
        [Self::Python, Self::Wasm, Self::Native]
            .into_iter()
            .find(|m| m.label() == label)
    }
}

/// One computed F(n) and the time of the computation alone.
#[derive(Debug, Clone)]
pub struct Computation {
    /// The method.
    pub method: Method,
    /// n.
    pub n: u32,
    /// The algorithm.
    pub algorithm: Algorithm,
    /// F(n) in decimal.
    pub digits: String,
    /// Seconds.
    pub seconds: f64,
}

/// n, checked against its algorithm's limit in `settings`: n itself, or the
/// detail of the 400 that refuses it. `n` is its decimal text, as the path
/// gave it (a sign and any number of digits).
///
/// # Errors
/// The detail: n is negative, or above the limit (naming the setting).
pub fn check(n: &str, algorithm: Algorithm, settings: &Settings) -> Result<u32, String> {
    if n.starts_with('-') && n.bytes().skip(1).any(|b| b != b'0') {
        return Err(NEGATIVE.to_owned());
    }
    let (limit, setting) = settings.max_n(algorithm);
    match n.trim_start_matches(['-', '+']).parse::<u32>() {
        Ok(value) if value <= limit => Ok(value),
        _ => Err(format!(
            "n = {} is above the limit of {limit} for {} (set by {setting})",
            n.trim_start_matches('+'),
            algorithm.name()
        )),
    }
}

/// `first10…last10 (N digits)` for values over 50 digits, with `,` grouping.
#[must_use]
pub fn shorten(digits: &str) -> String {
    if digits.len() <= MESSAGE_MAX_DIGITS {
        return digits.to_owned();
    }
    let edge = MESSAGE_EDGE_DIGITS;
    format!(
        "{}…{} ({} digits)",
        &digits[..edge],
        &digits[digits.len() - edge..],
        grouped(digits.len())
    )
}

fn grouped(n: usize) -> String {
    let plain = n.to_string();
    let mut out = String::new();
    for (i, c) in plain.chars().enumerate() {
        if i > 0 && (plain.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// F(n) as the answers carry it: a JSON integer while it fits in a u64,
/// where every standard JSON reader takes it exactly, and a decimal string
/// beyond.
#[derive(Serialize)]
#[serde(untagged)]
enum Value<'a> {
    Integer(serde_json::Number),
    Text(&'a str),
}

impl<'a> Value<'a> {
    /// `digits` (checked to be decimal digits) as F(n)'s value.
    fn of(n: u32, digits: &'a str) -> Self {
        match digits.parse::<serde_json::Number>() {
            Ok(number) if n <= MAX_U64_N => Self::Integer(number),
            _ => Self::Text(digits),
        }
    }
}

/// The body of `/fibonacci*/{n}`.
#[derive(Serialize)]
struct Answer<'a> {
    number: u32,
    fibonacci: Value<'a>,
    digits: &'a str,
    method: &'static str,
    algorithm: &'static str,
    message: String,
    execution_time: f64,
}

/// One method's row of `/compare/{n}`.
#[derive(Serialize)]
struct MethodResult<'a> {
    method: &'static str,
    fibonacci: Value<'a>,
    digits: &'a str,
    execution_time: f64,
}

/// The body of `/compare/{n}`.
#[derive(Serialize)]
struct Comparison<'a> {
    number: u32,
    algorithm: &'static str,
    results: Vec<MethodResult<'a>>,
    agree: bool,
    baseline: &'static str,
    speedup_wasm: f64,
    speedup_native: f64,
    message: String,
}

fn is_digits(digits: &str) -> bool {
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// JSON text of an answer; its fields are strings, numbers and bools, which
/// always serialize.
fn json(answer: &impl Serialize) -> String {
    serde_json::to_string(answer).unwrap_or_default()
}

/// The body of `/fibonacci*/{n}`; `None` when `digits` are not decimal
/// digits (a bug elsewhere, refused here rather than sent as a wrong body).
#[must_use]
pub fn body(result: &Computation) -> Option<String> {
    if !is_digits(&result.digits) {
        return None;
    }
    let method = result.method.label();
    Some(json(&Answer {
        number: result.n,
        fibonacci: Value::of(result.n, &result.digits),
        digits: &result.digits,
        method,
        algorithm: result.algorithm.name(),
        message: format!(
            "Fibonacci of {} is {} (calculated using {method})",
            result.n,
            shorten(&result.digits)
        ),
        execution_time: result.seconds,
    }))
}

/// The body of `/compare/{n}`: each method's value and time, whether they
/// agree, and the speed-ups over the first method (the baseline); `None`
/// for no results, or digits that are not decimal digits.
#[must_use]
pub fn compare_body(n: u32, algorithm: Algorithm, results: &[Computation]) -> Option<String> {
    let [baseline, ..] = results else {
        return None;
    };
    if !results.iter().all(|r| is_digits(&r.digits)) {
        return None;
    }
    let agree = results.iter().all(|r| r.digits == baseline.digits);
    let message = if agree {
        let all = if results.len() == 2 {
            "both"
        } else {
            "all three"
        };
        format!(
            "Fibonacci of {n} is {}; {all} methods agree",
            shorten(&baseline.digits)
        )
    } else {
        format!("Fibonacci of {n}: the methods DISAGREE")
    };
    let speedup = |method: Method| {
        results
            .iter()
            .find(|r| r.method == method)
            .map_or(0.0, |r| {
                if r.seconds > 0.0 {
                    baseline.seconds / r.seconds
                } else {
                    0.0
                }
            })
    };
    Some(json(&Comparison {
        number: n,
        algorithm: algorithm.name(),
        results: results
            .iter()
            .map(|r| MethodResult {
                method: r.method.label(),
                fibonacci: Value::of(n, &r.digits),
                digits: &r.digits,
                execution_time: r.seconds,
            })
            .collect(),
        agree,
        baseline: baseline.method.label(),
        speedup_wasm: speedup(Method::Wasm),
        speedup_native: speedup(Method::Native),
        message,
    }))
}

//! JSON bodies, byte for byte in the Python service's shape: `fibonacci` is
//! a JSON integer while F(n) fits in a u64 (n ≤ 93) and a decimal string
//! beyond, and `digits` is always the decimal string, spliced in as the digits
//! it already is. So no standard JSON client loses a digit.

use std::fmt::Write as _;

use fastwasm_fibonacci::{Algorithm, MAX_U64_N};

/// Values with more digits than this are shortened in `message`.
pub const MESSAGE_MAX_DIGITS: usize = 50;
/// Digits kept at each end of a shortened value.
pub const MESSAGE_EDGE_DIGITS: usize = 10;

/// Where F(n) was computed, named as in the Python service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// In the WASM sandbox.
    Wasm,
    /// The kernels compiled into this binary.
    Native,
}

impl Method {
    /// `"WASM"` or `"Native"`.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Wasm => "WASM",
            Self::Native => "Native",
        }
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

/// `"fibonacci":…,"digits":"…"` for F(n).
fn value_fields(n: u32, digits: &str) -> String {
    if n <= MAX_U64_N {
        format!(r#""fibonacci":{digits},"digits":"{digits}""#)
    } else {
        format!(r#""fibonacci":"{digits}","digits":"{digits}""#)
    }
}

fn string(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

fn float(x: f64) -> String {
    serde_json::Value::from(x).to_string()
}

/// The body of `/fibonacci-*/{n}`.
#[must_use]
pub fn fibonacci_body(result: &Computation) -> String {
    let label = result.method.label();
    let message = format!(
        "Fibonacci of {} is {} (calculated using {label})",
        result.n,
        shorten(&result.digits)
    );
    let mut body = String::with_capacity(2 * result.digits.len() + 200);
    let _ = write!(
        body,
        r#"{{"number":{},{},"method":{},"algorithm":{},"message":{},"execution_time":{}}}"#,
        result.n,
        value_fields(result.n, &result.digits),
        string(label),
        string(result.algorithm.name()),
        string(&message),
        float(result.seconds),
    );
    body
}

/// The body of `/compare/{n}`: WASM against native, WASM as the baseline of
/// the speed-ups (this server has no Python method).
#[must_use]
pub fn compare_body(
    n: u32,
    algorithm: Algorithm,
    wasm: &Computation,
    native: &Computation,
) -> String {
    let agree = wasm.digits == native.digits;
    let speedup = |other: &Computation| {
        if other.seconds > 0.0 {
            wasm.seconds / other.seconds
        } else {
            0.0
        }
    };
    let message = if agree {
        format!(
            "Fibonacci of {n} is {}; both methods agree",
            shorten(&wasm.digits)
        )
    } else {
        format!("Fibonacci of {n}: the methods DISAGREE")
    };
    let items: Vec<String> = [wasm, native]
        .iter()
        .map(|r| {
            format!(
                r#"{{"method":{},{},"execution_time":{}}}"#,
                string(r.method.label()),
                value_fields(n, &r.digits),
                float(r.seconds)
            )
        })
        .collect();
    format!(
        r#"{{"number":{n},"algorithm":{},"results":[{}],"agree":{agree},"baseline":"WASM","speedup_wasm":{},"speedup_native":{},"message":{}}}"#,
        string(algorithm.name()),
        items.join(","),
        float(speedup(wasm)),
        float(speedup(native)),
        string(&message),
    )
}

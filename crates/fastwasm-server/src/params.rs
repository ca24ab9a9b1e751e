//! n and the algorithm, read exactly as the `FastAPI` service reads them
//! (pydantic's lax `int` from a string, and the `Algorithm` enum), with the
//! same 422 bodies.

use fib_host::Algorithm;
use serde_json::{Value, json};

/// The most significant digits an integer string may have (`CPython`'s
/// `sys.get_int_max_str_digits()` default, which pydantic applies).
pub const MAX_INT_DIGITS: usize = 4300;

/// An integer of any size, as sign and decimal digits without leading zeros.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BigInt {
    /// True for a value below zero (never for zero).
    pub negative: bool,
    /// The digits, `"0"` for zero.
    pub digits: String,
}

impl BigInt {
    /// The value as a u32, if it is one.
    #[must_use]
    pub fn to_u32(&self) -> Option<u32> {
        if self.negative || self.digits.len() > 10 {
            return None;
        }
        self.digits.parse().ok()
    }
}

impl std::fmt::Display for BigInt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.negative {
            f.write_str("-")?;
        }
        f.write_str(&self.digits)
    }
}

/// Why a string is not an integer, in pydantic's error types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntError {
    /// `int_parsing`.
    Parsing,
    /// `int_parsing_size`: a JSON-number run of more than [`MAX_INT_DIGITS`] digits.
    Size,
}

/// Parses an integer as pydantic does in lax mode: surrounding whitespace,
/// a sign, `_` between digits, leading zeros and a `.000` fraction are
/// accepted.
///
/// pydantic (through jiter) first reads the string as a JSON number, and a run
/// of more than [`MAX_INT_DIGITS`] digits there is `int_parsing_size`, whatever
/// follows it. Only then does it clean the string (whitespace, `+`, leading
/// zeros, `_`, `.000`) and read it again, and any failure of that second read,
/// size included, is `int_parsing`.
///
/// # Errors
/// [`IntError`] when the string is not such an integer.
pub fn parse_int(raw: &str) -> Result<BigInt, IntError> {
    let unsigned = raw.strip_prefix('-').unwrap_or(raw);
    let json_digits = unsigned.bytes().take_while(u8::is_ascii_digit).count();
    if unsigned.starts_with(|c: char| matches!(c, '1'..='9')) && json_digits > MAX_INT_DIGITS {
        return Err(IntError::Size);
    }
    let mut s = raw.trim();
    if let Some((whole, fraction)) = s.rsplit_once('.')
        && !fraction.is_empty()
        && fraction.bytes().all(|b| b == b'0')
    {
        s = whole;
    }
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let bytes = body.as_bytes();
    let well_formed = !bytes.is_empty()
        && bytes.first().is_some_and(u8::is_ascii_digit)
        && bytes.last().is_some_and(u8::is_ascii_digit)
        && bytes.iter().all(|b| b.is_ascii_digit() || *b == b'_')
        && !body.contains("__");
    if !well_formed {
        return Err(IntError::Parsing);
    }
    let digits: String = body.chars().filter(|c| *c != '_').collect();
    let significant = digits.trim_start_matches('0');
    if significant.len() > MAX_INT_DIGITS {
        return Err(IntError::Parsing);
    }
    Ok(BigInt {
        negative: negative && !significant.is_empty(),
        digits: if significant.is_empty() {
            "0".into()
        } else {
            significant.into()
        },
    })
}

/// The `algorithm` query parameter: the last one given, as Starlette reads it.
///
/// # Errors
/// The 422 error item for a value that is not an algorithm.
pub fn parse_algorithm(query: Option<&str>) -> Result<Algorithm, Value> {
    let last = query.and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .filter(|(name, _)| name == "algorithm")
            .last()
            .map(|(_, value)| value.into_owned())
    });
    let Some(name) = last else {
        return Ok(Algorithm::Iterative);
    };
    Algorithm::ALL
        .into_iter()
        .find(|a| a.name() == name)
        .ok_or_else(|| {
            let expected = "'iterative', 'recursive' or 'fast_doubling'";
            json!({
                "type": "enum",
                "loc": ["query", "algorithm"],
                "msg": format!("Input should be {expected}"),
                "input": name,
                "ctx": {"expected": expected},
            })
        })
}

/// The 422 error item for a path `n` that is not an integer.
#[must_use]
pub fn int_error_item(error: IntError, raw: &str) -> Value {
    let (kind, msg) = match error {
        IntError::Parsing => (
            "int_parsing",
            "Input should be a valid integer, unable to parse string as an integer",
        ),
        IntError::Size => (
            "int_parsing_size",
            "Unable to parse input string as an integer, exceeded maximum size",
        ),
    };
    json!({"type": kind, "loc": ["path", "n"], "msg": msg, "input": raw})
}

use fastwasm_server::params::{BigInt, IntError, MAX_INT_DIGITS, parse_algorithm, parse_int};
use fib_host::Algorithm;

fn int(negative: bool, digits: &str) -> BigInt {
    BigInt {
        negative,
        digits: digits.into(),
    }
}

#[test]
fn integers_parse_as_pydantic_parses_them() {
    for (raw, expected) in [
        ("39", int(false, "39")),
        ("-5", int(true, "5")),
        ("-0", int(false, "0")),
        (" +7 ", int(false, "7")),
        ("\u{2003}5", int(false, "5")),
        ("1_000", int(false, "1000")),
        ("5.000", int(false, "5")),
        ("0007", int(false, "7")),
        ("99999999999999999999", int(false, "99999999999999999999")),
    ] {
        assert_eq!(parse_int(raw), Ok(expected), "{raw:?}");
    }
    for raw in [
        "", "abc", "5.5", "5.", ".0", "1e3", "0x10", "_5", "5_", "5__0", "+-5", "- 5", "٣",
    ] {
        assert_eq!(parse_int(raw), Err(IntError::Parsing), "{raw:?}");
    }
    assert!(parse_int(&"1".repeat(MAX_INT_DIGITS)).is_ok());
    assert!(parse_int(&format!("{}1", "0".repeat(5000))).is_ok());
}

#[test]
fn too_many_digits_is_size_only_where_pydantic_says_so() {
    // What pydantic answers for each (tests/parity checks the servers agree):
    // size when the string starts as a JSON number with a run of over 4300
    // digits, whatever follows; otherwise a plain parsing error.
    let ones = "1".repeat(MAX_INT_DIGITS + 1);
    let fits = "1".repeat(MAX_INT_DIGITS);
    for (raw, expected) in [
        (ones.clone(), Err(IntError::Size)),
        (format!("-{ones}"), Err(IntError::Size)),
        (format!("{ones} "), Err(IntError::Size)),
        (format!("{ones}x"), Err(IntError::Size)),
        (format!("{ones}.5"), Err(IntError::Size)),
        (format!("{ones}_1"), Err(IntError::Size)),
        (format!(" {ones}"), Err(IntError::Parsing)),
        (format!("+{ones}"), Err(IntError::Parsing)),
        (format!("-0{ones}"), Err(IntError::Parsing)),
        (format!("0000000000{ones}"), Err(IntError::Parsing)),
        (format!("{fits}_1"), Err(IntError::Parsing)),
        (format!("{fits}x"), Err(IntError::Parsing)),
        (
            format!(" {}{}", "1".repeat(4290), "0".repeat(20)),
            Err(IntError::Parsing),
        ),
    ] {
        assert_eq!(parse_int(&raw).map(|_| ()), expected, "{}...", &raw[..12]);
    }
    assert!(parse_int(&format!(" 0000000000{fits}")).is_ok());
}

#[test]
fn u32_conversion_is_exact() {
    assert_eq!(parse_int("4294967295").unwrap().to_u32(), Some(u32::MAX));
    assert_eq!(parse_int("4294967296").unwrap().to_u32(), None);
    assert_eq!(parse_int("-1").unwrap().to_u32(), None);
}

#[test]
fn the_last_algorithm_wins_and_unknown_ones_are_422_items() {
    assert_eq!(parse_algorithm(None), Ok(Algorithm::Iterative));
    assert_eq!(parse_algorithm(Some("x=1")), Ok(Algorithm::Iterative));
    assert_eq!(
        parse_algorithm(Some("algorithm=bogus&algorithm=fast_doubling")),
        Ok(Algorithm::FastDoubling)
    );
    let item = parse_algorithm(Some("algorithm=recursive&algorithm=Bogus")).unwrap_err();
    assert_eq!(item["type"], "enum");
    assert_eq!(item["input"], "Bogus");
    assert_eq!(item["loc"], serde_json::json!(["query", "algorithm"]));
}

//! The `Algorithm` enum: names, ABI codes and parsing round-trip.

use fib_kernels::{Algorithm, FibError};

#[test]
fn names_and_codes_round_trip() {
    for (i, algorithm) in Algorithm::ALL.into_iter().enumerate() {
        assert_eq!(algorithm.code() as usize, i);
        assert_eq!(Algorithm::from_code(algorithm.code()), Some(algorithm));
        assert_eq!(algorithm.name().parse::<Algorithm>(), Ok(algorithm));
        assert_eq!(algorithm.to_string(), algorithm.name());
    }
    assert_eq!(Algorithm::from_code(3), None);
}

#[test]
fn unknown_names_are_refused_with_the_list() {
    let err = "fastdoubling".parse::<Algorithm>().unwrap_err();
    assert_eq!(
        err,
        FibError::UnknownAlgorithm {
            name: "fastdoubling".into()
        }
    );
    let message = err.to_string();
    assert!(message.contains("fastdoubling") && message.contains("fast_doubling"));
}

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

#[test]
fn only_the_recursion_has_a_limit_of_its_own() {
    use fib_kernels::MAX_U64_N;
    assert_eq!(Algorithm::Recursive.max_n(), Some(MAX_U64_N));
    assert_eq!(Algorithm::Recursive.check(MAX_U64_N), Ok(()));
    assert_eq!(
        Algorithm::Recursive.check(MAX_U64_N + 1),
        Err(FibError::U64Overflow { n: MAX_U64_N + 1 })
    );
    for algorithm in [Algorithm::Iterative, Algorithm::FastDoubling] {
        assert_eq!(algorithm.max_n(), None);
        assert_eq!(algorithm.check(u32::MAX), Ok(()));
    }
    assert_eq!(
        fib_kernels::decimal(Algorithm::Recursive, 94),
        Err(FibError::U64Overflow { n: 94 })
    );
}

#[test]
fn cheap_is_a_u64_result_or_a_tiny_recursion() {
    use fib_kernels::{CHEAP_MAX_N_RECURSIVE, MAX_U64_N};
    for algorithm in [Algorithm::Iterative, Algorithm::FastDoubling] {
        assert!(algorithm.is_cheap(0) && algorithm.is_cheap(MAX_U64_N));
        assert!(!algorithm.is_cheap(MAX_U64_N + 1));
    }
    assert!(Algorithm::Recursive.is_cheap(CHEAP_MAX_N_RECURSIVE));
    assert!(!Algorithm::Recursive.is_cheap(CHEAP_MAX_N_RECURSIVE + 1));
}

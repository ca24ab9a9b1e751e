//! Fibonacci identities on big integers, and agreement between algorithms.

use fib_kernels::{Algorithm, big};
use num_bigint::BigUint;
use proptest::prelude::*;

fn f(n: u32) -> BigUint {
    big::fast_doubling(n)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// F(m+n) = F(m)·F(n+1) + F(m−1)·F(n)
    #[test]
    fn addition_identity(m in 1_u32..3000, n in 0_u32..3000) {
        prop_assert_eq!(f(m + n), f(m) * f(n + 1) + f(m - 1) * f(n));
    }

    /// F(2n) = F(n)·(2F(n+1) − F(n))
    #[test]
    fn doubling_identity(n in 0_u32..5000) {
        let (fnn, fn1) = (f(n), f(n + 1));
        prop_assert_eq!(f(2 * n), &fnn * ((fn1 << 1_u8) - &fnn));
    }

    /// Big iterative (additions only) agrees with fast doubling (multiplications).
    #[test]
    fn big_algorithms_agree(n in 0_u32..5000) {
        prop_assert_eq!(big::iterative(n), big::fast_doubling(n));
    }

    /// Every u64 kernel agrees with the big kernels over the whole u64 range,
    /// and the cheap ones all say "overflow" beyond it.
    #[test]
    fn u64_and_big_agree(n in 0_u32..200) {
        let exact = big::fast_doubling(n);
        for algorithm in [Algorithm::Iterative, Algorithm::FastDoubling] {
            match algorithm.u64(n) {
                Ok(value) => prop_assert_eq!(BigUint::from(value), exact.clone()),
                Err(_) => prop_assert!(exact > BigUint::from(u64::MAX)),
            }
        }
        prop_assert_eq!(fib_kernels::decimal(Algorithm::Iterative, n).unwrap(), exact.to_string());
    }
}

#[test]
fn recursive_agrees_with_the_others_where_it_is_cheap() {
    for n in 0..=30 {
        assert_eq!(
            Algorithm::Recursive.u64(n),
            Algorithm::FastDoubling.u64(n),
            "F({n})"
        );
    }
}

//! Exact Fibonacci numbers as big integers ([`num_bigint::BigUint`]).
//!
//! Why num-bigint: `docs/bigint-choice.md`.

use num_bigint::BigUint;

/// F(n) by n big-integer additions, reusing two buffers. O(n²) bit operations.
#[must_use]
pub fn iterative(n: u32) -> BigUint {
    let (mut a, mut b) = (BigUint::ZERO, BigUint::from(1_u8));
    for _ in 0..n {
        // (a, b) <- (b, a + b) without allocating a third number.
        a += &b;
        core::mem::swap(&mut a, &mut b);
    }
    a
}

/// F(n) by fast doubling, O(log n) big multiplications.
#[must_use]
pub fn fast_doubling(n: u32) -> BigUint {
    let (mut a, mut b) = (BigUint::ZERO, BigUint::from(1_u8));
    for bit in (0..u32::BITS - n.leading_zeros()).rev() {
        // F(2k) = F(k)·(2F(k+1) − F(k)); 2F(k+1) ≥ F(k), so this never underflows.
        let c = &a * ((&b << 1_u8) - &a);
        // F(2k+1) = F(k)² + F(k+1)²
        let d = &a * &a + &b * &b;
        (a, b) = if (n >> bit) & 1 == 1 {
            let next = &c + &d;
            (d, next)
        } else {
            (c, d)
        };
    }
    a
}

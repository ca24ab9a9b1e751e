//! Exact Fibonacci numbers as big integers ([`num_bigint::BigUint`]).
//!
//! Why num-bigint: `docs/bigint-choice.md`.

use num_bigint::BigUint;

/// The two algorithms, written once for any unsigned bigint type.
macro_rules! algorithms {
    ($big:ty, $zero:expr, $one:expr) => {
        /// F(n) by n big-integer additions, reusing two buffers. O(n²) bit operations.
        #[must_use]
        pub fn iterative(n: u32) -> $big {
            let (mut a, mut b): ($big, $big) = ($zero, $one);
            for _ in 0..n {
                // (a, b) <- (b, a + b) without allocating a third number.
                a += &b;
                core::mem::swap(&mut a, &mut b);
            }
            a
        }

        /// F(n) by fast doubling, O(log n) big multiplications.
        #[must_use]
        pub fn fast_doubling(n: u32) -> $big {
            let (mut a, mut b): ($big, $big) = ($zero, $one);
            for bit in (0..u32::BITS - n.leading_zeros()).rev() {
                // F(2k) = F(k)·(2F(k+1) − F(k)); 2F(k+1) ≥ F(k), so this never underflows.
                let c = &a * ((&b << 1_usize) - &a);
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
    };
}

algorithms!(BigUint, BigUint::ZERO, BigUint::from(1_u8));

/// The same algorithms on [`ibig::UBig`], for the WASM guest's decimal
/// digits. num-bigint works in 32-bit digits wherever pointers are 32 bits
/// wide; ibig takes 64-bit words when built with `--cfg force_bits="64"`,
/// and with wasm's wide arithmetic (`+wide-arithmetic`) each 64×64-bit
/// product is one instruction. `make wasm` builds the guest so.
#[cfg(target_arch = "wasm32")]
pub mod wasm {
    use ibig::UBig;

    algorithms!(UBig, UBig::from(0_u8), UBig::from(1_u8));
}

//! Compares bigint crates on the work fastwasm does: fast doubling of F(n)
//! plus the decimal conversion, for n = 10^5 and 10^6, natively.
//!
//! `cargo run --release --manifest-path bench/bigint-choice/Cargo.toml`
//! The crates run one after another in the same process; medians of 5 runs.
use std::time::Instant;

fn num_bigint_digits(n: u32) -> String {
    use num_bigint::BigUint;
    let (mut a, mut b) = (BigUint::from(0u32), BigUint::from(1u32));
    for i in (0..32 - n.leading_zeros()).rev() {
        let c = &a * (&b * 2u32 - &a);
        let d = &a * &a + &b * &b;
        if (n >> i) & 1 == 1 { a = d.clone(); b = c + d; } else { a = c; b = d; }
    }
    a.to_string()
}

fn dashu_digits(n: u32) -> String {
    use dashu_int::UBig;
    let (mut a, mut b) = (UBig::ZERO, UBig::ONE);
    for i in (0..32 - n.leading_zeros()).rev() {
        let c = &a * ((&b << 1) - &a);
        let d = &a * &a + &b * &b;
        if (n >> i) & 1 == 1 { a = d.clone(); b = c + d; } else { a = c; b = d; }
    }
    a.to_string()
}

fn malachite_digits(n: u32) -> String {
    use malachite_base::num::basic::traits::{One, Zero};
    use malachite_nz::natural::Natural;
    let (mut a, mut b) = (Natural::ZERO, Natural::ONE);
    for i in (0..32 - n.leading_zeros()).rev() {
        let c = &a * ((&b << 1u32) - &a);
        let d = &a * &a + &b * &b;
        if (n >> i) & 1 == 1 { a = d.clone(); b = c + d; } else { a = c; b = d; }
    }
    a.to_string()
}

fn main() {
    let contenders: [(&str, fn(u32) -> String); 3] = [
        ("num-bigint 0.5", num_bigint_digits),
        ("dashu-int 0.6", dashu_digits),
        ("malachite-nz 0.14", malachite_digits),
    ];
    println!("| crate | n | digits | median ms (5 runs) |");
    println!("|---|---:|---:|---:|");
    for n in [100_000u32, 1_000_000] {
        let mut reference: Option<String> = None;
        for (name, digits_of) in contenders {
            let mut ms = Vec::new();
            let mut digits = String::new();
            for _ in 0..5 {
                let start = Instant::now();
                digits = digits_of(n);
                ms.push(start.elapsed().as_secs_f64() * 1e3);
            }
            ms.sort_by(f64::total_cmp);
            match &reference {
                Some(r) => assert_eq!(r, &digits, "{name} disagrees on F({n})"),
                None => reference = Some(digits.clone()),
            }
            println!("| {name} | {n} | {} | {:.2} |", digits.len(), ms[2]);
        }
    }
}

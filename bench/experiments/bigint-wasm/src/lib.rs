//! The kernels of bench/bigint-wasm: fast doubling and iterative F(n) with
//! num-bigint and with ibig, each as `*_compute` (bits of the result) and
//! `*_decimal` (length of its decimal digits), exported for WASM and called
//! natively by examples/native.rs. See run.py.

use num_bigint::BigUint;

pub fn nb_fd(n: u32) -> BigUint {
    let (mut a, mut b) = (BigUint::ZERO, BigUint::from(1_u8));
    for bit in (0..u32::BITS - n.leading_zeros()).rev() {
        let c = &a * ((&b << 1_u8) - &a);
        let d = &a * &a + &b * &b;
        (a, b) = if (n >> bit) & 1 == 1 { let next = &c + &d; (d, next) } else { (c, d) };
    }
    a
}
pub fn nb_it(n: u32) -> BigUint {
    let (mut a, mut b) = (BigUint::ZERO, BigUint::from(1_u8));
    for _ in 0..n { a += &b; core::mem::swap(&mut a, &mut b); }
    a
}
pub fn ib_fd(n: u32) -> ibig::UBig {
    use ibig::UBig;
    let (mut a, mut b) = (UBig::from(0_u8), UBig::from(1_u8));
    for bit in (0..u32::BITS - n.leading_zeros()).rev() {
        let c = &a * ((&b << 1) - &a);
        let d = &a * &a + &b * &b;
        (a, b) = if (n >> bit) & 1 == 1 { let next = &c + &d; (d, next) } else { (c, d) };
    }
    a
}
pub fn ib_it(n: u32) -> ibig::UBig {
    use ibig::UBig;
    let (mut a, mut b) = (UBig::from(0_u8), UBig::from(1_u8));
    for _ in 0..n { a += &b; core::mem::swap(&mut a, &mut b); }
    a
}
macro_rules! exports { ($($name:ident => $e:expr;)*) => { $( #[unsafe(no_mangle)] pub extern "C" fn $name(n: u32) -> u32 { let f: fn(u32)->u32 = $e; f(n) } )* } }
exports! {
    nb_fd_compute => |n| nb_fd(n).bits() as u32;
    nb_fd_decimal => |n| nb_fd(n).to_string().len() as u32;
    nb_it_compute => |n| nb_it(n).bits() as u32;
    nb_it_decimal => |n| nb_it(n).to_string().len() as u32;
    ib_fd_compute => |n| ib_fd(n).bit_len() as u32;
    ib_fd_decimal => |n| ib_fd(n).to_string().len() as u32;
    ib_it_compute => |n| ib_it(n).bit_len() as u32;
    ib_it_decimal => |n| ib_it(n).to_string().len() as u32;
}

//! The same kernels as fastwasm's guest, exported the Extism way: the input is
//! n as decimal text, the output F(n) as decimal text.
use extism_pdk::{FnResult, plugin_fn};
use fib_kernels::Algorithm;

fn run(algorithm: Algorithm, input: &str) -> FnResult<String> {
    let n: u32 = input.trim().parse()?;
    Ok(fib_kernels::decimal(algorithm, n)?)
}

/// F(n) by iteration.
#[plugin_fn]
pub fn fib_iterative(input: String) -> FnResult<String> {
    run(Algorithm::Iterative, &input)
}

/// F(n) by the naive recursion.
#[plugin_fn]
pub fn fib_recursive(input: String) -> FnResult<String> {
    run(Algorithm::Recursive, &input)
}

/// F(n) by fast doubling.
#[plugin_fn]
pub fn fib_fast_doubling(input: String) -> FnResult<String> {
    run(Algorithm::FastDoubling, &input)
}

/// The component benchmark's shapes (bench/component_micro.py), the Extism
/// way, where bytes in and bytes out can carry them.
///
/// No input; four bytes out (a u32, little-endian), as `nothing() -> u32`.
#[plugin_fn]
pub fn nothing() -> FnResult<Vec<u8>> {
    Ok(42u32.to_le_bytes().to_vec())
}

/// The text reversed by characters, as `reverse(text: string) -> string`.
#[plugin_fn]
pub fn reverse(input: String) -> FnResult<String> {
    Ok(input.chars().rev().collect())
}

/// The key is the last byte, the data the rest: every data byte XOR the
/// key, in place, as `xor-bytes(data: list<u8>, key: u8) -> list<u8>`.
#[plugin_fn]
pub fn xor_bytes(mut input: Vec<u8>) -> FnResult<Vec<u8>> {
    let key = input.pop().unwrap_or(0);
    for byte in &mut input {
        *byte ^= key;
    }
    Ok(input)
}

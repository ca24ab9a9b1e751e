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

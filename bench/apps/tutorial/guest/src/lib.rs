//! The tutorial's `src/lib.rs`, unchanged but for trailing blanks: the benchmarks compile this
//! module per request, as the tutorial's server did.

#[no_mangle]
pub extern "C" fn calculate_fibonacci(n: u32) -> u64 {
    if n == 0 {
        return 0;
    }
    if n == 1 || n == 2 {
        return 1;
    }

    // Using iterative approach instead of recursive for better performance
    let mut prev = 0u64;
    let mut curr = 1u64;

    for _ in 2..=n {
        let next = prev + curr;
        prev = curr;
        curr = next;
    }

    curr
}

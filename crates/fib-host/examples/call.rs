//! Loads the fastwasm guest and calls it three ways: the generic scalar API,
//! the Fibonacci facade, and a deliberate timeout.
//!
//! `cargo run --release -p fib-host --example call [path/to/module.wasm]`
#![allow(clippy::print_stdout)]

use fastwasm_runtime::{Runtime, Value};
use fib_host::{Algorithm, FibonacciModule};

fn main() -> Result<(), fib_host::Error> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "python/fastwasm/guest/fibonacci_wasm.wasm".into());
    let runtime = Runtime::new()?;
    let module = runtime.load_module(&path)?;
    let info = module.load_info();
    println!(
        "loaded {path}: {} bytes, compiled-module cache {}, {:.3} ms",
        info.size_bytes,
        info.cache.name(),
        info.load_time.as_secs_f64() * 1e3
    );
    for export in module.exports() {
        match &export.signature {
            Some(signature) => println!("  export {}{signature}", export.name),
            None => println!("  export {} (not scalar)", export.name),
        }
    }

    // Generic: the u64 result arrives as the i64 the guest ABI carries.
    let raw = module.call("calculate_fibonacci", &[Value::I32(93)])?;
    println!("calculate_fibonacci(93) through the generic API: {raw:?}");

    // The facade knows the ABI: unsigned, and exact digits past 93.
    let fib = FibonacciModule::new(module)?;
    println!("F(93) = {}", fib.u64(Algorithm::Iterative, 93)?);
    println!("F(100) = {}", fib.decimal(Algorithm::FastDoubling, 100)?);
    match fib.u64(Algorithm::Recursive, 94) {
        Err(error) => println!("F(94) as u64: {error}"),
        Ok(value) => println!("F(94) as u64 unexpectedly gave {value}"),
    }
    Ok(())
}

//! Times the exact decimal digits of F(n), natively and as WASM, side by side.
//!
//! `make bench-digits`, or `cargo run --release -p fib-guest --example digits_timing`
//! after `make wasm`. Native and WASM runs alternate, so both see the same
//! machine load; the table gives medians (min–max) and the WASM/native ratio.
#![allow(clippy::print_stdout, missing_docs, reason = "a command-line example")]

use std::path::PathBuf;
use std::time::Instant;

use fib_kernels::Algorithm;
use wasmtime::{Engine, Instance, Module, Store};

const ROUNDS: usize = 7;

fn median_min_max(mut ms: Vec<f64>) -> (f64, f64, f64) {
    ms.sort_by(f64::total_cmp);
    (ms[ms.len() / 2], ms[0], ms[ms.len() - 1])
}

fn main() -> wasmtime::Result<()> {
    let path = std::env::var_os("FASTWASM_GUEST_WASM").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../python/fastwasm/guest/fibonacci_wasm.wasm")
        },
        PathBuf::from,
    );
    // As fastwasm's runtime does: the guest uses wide arithmetic (Makefile).
    let engine = Engine::new(wasmtime::Config::new().wasm_wide_arithmetic(true))?;
    let module = Module::from_file(&engine, &path)?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let memory = instance
        .get_memory(&mut store, "memory")
        .ok_or_else(|| wasmtime::format_err!("no memory export"))?;
    let decimal = instance.get_typed_func::<(u32, u32), u64>(&mut store, "fib_decimal")?;
    let free = instance.get_typed_func::<(u32, u32), ()>(&mut store, "fib_decimal_free")?;

    println!("F(n) as decimal digits, conversion included; {ROUNDS} alternating rounds, ms");
    println!(
        "| algorithm | n | digits | native median (min–max) | WASM median (min–max) | WASM / native |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for (algorithm, n) in [
        (Algorithm::Iterative, 100_000),
        (Algorithm::FastDoubling, 100_000),
        (Algorithm::FastDoubling, 1_000_000),
    ] {
        let (mut native_ms, mut wasm_ms) = (Vec::new(), Vec::new());
        let mut digits = 0;
        for _ in 0..ROUNDS {
            let start = Instant::now();
            let native = fib_kernels::decimal(algorithm, n)?;
            native_ms.push(start.elapsed().as_secs_f64() * 1e3);

            let start = Instant::now();
            let packed = decimal.call(&mut store, (algorithm.code(), n))?;
            let (ptr, len) = ((packed >> 32) as u32, packed as u32);
            wasmtime::ensure!(ptr != 0, "fib_decimal error code {len}");
            let mut bytes = vec![0; len as usize];
            memory.read(&store, ptr as usize, &mut bytes)?;
            free.call(&mut store, (ptr, len))?;
            wasm_ms.push(start.elapsed().as_secs_f64() * 1e3);

            wasmtime::ensure!(
                bytes == native.as_bytes(),
                "WASM and native disagree on F({n})"
            );
            digits = native.len();
        }
        let (nm, nlo, nhi) = median_min_max(native_ms);
        let (wm, wlo, whi) = median_min_max(wasm_ms);
        println!(
            "| {algorithm} | {n} | {digits} | {nm:.2} ({nlo:.2}–{nhi:.2}) | {wm:.2} ({wlo:.2}–{whi:.2}) | {:.2}× |",
            wm / nm
        );
    }
    Ok(())
}

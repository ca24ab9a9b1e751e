//! What the deadline costs: recursive fib(n) (default 25) in the guest with
//! wasmtime's epoch interruption on (as fastwasm runs it) and off, beside the
//! native kernel. Interleaved rounds in one process; medians. The last line
//! is the same as JSON, for `make bench-micro`.
//!
//! `cargo run --release -p fib-host --example deadline_cost [-- n]`
#![allow(clippy::print_stdout)]

use std::hint::black_box;
use std::time::Instant;

use fastwasm_runtime::wasmtime;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> wasmtime::Result<()> {
    let n: u32 = match std::env::args().nth(1) {
        Some(arg) => arg.parse()?,
        None => 25,
    };
    let bytes = std::fs::read("python/fastwasm/guest/fibonacci_wasm.wasm")?;
    let mut calls = Vec::new();
    for epoch in [true, false] {
        let mut config = wasmtime::Config::new();
        config.epoch_interruption(epoch).wasm_wide_arithmetic(true);
        let engine = wasmtime::Engine::new(&config)?;
        let module = wasmtime::Module::new(&engine, &bytes)?;
        let mut store = wasmtime::Store::new(&engine, ());
        store.set_epoch_deadline(u64::MAX / 2);
        let instance = wasmtime::Instance::new(&mut store, &module, &[])?;
        let func = instance.get_typed_func::<u32, u64>(&mut store, "fib_recursive")?;
        calls.push((epoch, store, func));
    }
    // About a second in all at any n.
    let (rounds, per_round) = (
        15,
        (100_u32 << 25_u32.saturating_sub(n).min(10)) >> n.saturating_sub(25).min(10),
    );
    let per_round = per_round.max(1);
    let mut samples: [Vec<f64>; 3] = Default::default();
    for _ in 0..rounds {
        for (i, (_, store, func)) in calls.iter_mut().enumerate() {
            let start = Instant::now();
            for _ in 0..per_round {
                black_box(func.call(&mut *store, black_box(n))?);
            }
            samples[i].push(start.elapsed().as_secs_f64() / f64::from(per_round) * 1e6);
        }
        let start = Instant::now();
        for _ in 0..per_round {
            black_box(fib_kernels::recursive(black_box(n))?);
        }
        samples[2].push(start.elapsed().as_secs_f64() / f64::from(per_round) * 1e6);
    }
    let [on, off, native] = samples.map(median);
    println!("recursive fib({n}), median of {rounds} rounds of {per_round} calls:");
    println!(
        "  wasm, epoch interruption on : {on:8.1} µs  ({:.2}× native)",
        on / native
    );
    println!(
        "  wasm, epoch interruption off: {off:8.1} µs  ({:.2}× native)",
        off / native
    );
    println!("  native kernel               : {native:8.1} µs");
    println!(r#"{{"n":{n},"epoch_on_us":{on},"epoch_off_us":{off},"native_us":{native}}}"#);
    Ok(())
}

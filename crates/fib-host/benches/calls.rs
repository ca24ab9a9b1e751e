//! Per-call cost of the runtime: the generic API, the Fibonacci facade in
//! both isolation modes, and the native kernel beside them.
//!
//! `cargo bench -p fib-host --bench calls` (the guest must be built: `make wasm`).
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use fastwasm_runtime::{CacheDir, Isolation, Runtime, RuntimeConfig, Value};
use fib_host::{Algorithm, FibonacciModule};

fn guest_path() -> String {
    std::env::var("FASTWASM_GUEST_WASM").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../python/fastwasm/guest/fibonacci_wasm.wasm"
        )
        .into()
    })
}

fn fibonacci(isolation: Isolation) -> FibonacciModule {
    let mut config = RuntimeConfig::default();
    config.isolation = isolation;
    config.cache_dir = CacheDir::Disabled;
    let runtime = Runtime::with_config(config).expect("runtime");
    FibonacciModule::new(runtime.load_module(guest_path()).expect("guest module"))
        .expect("fastwasm ABI")
}

fn calls(c: &mut Criterion) {
    let pooled = fibonacci(Isolation::Pooled);
    let per_call = fibonacci(Isolation::PerCall);
    let mut group = c.benchmark_group("fib(39) iterative");
    group.bench_function("native kernel", |b| {
        b.iter(|| fib_kernels::iterative(black_box(39)));
    });
    group.bench_function("wasm pooled, facade", |b| {
        b.iter(|| pooled.u64(Algorithm::Iterative, black_box(39)));
    });
    group.bench_function("wasm pooled, generic call", |b| {
        b.iter(|| {
            pooled
                .module()
                .call("calculate_fibonacci", &[Value::I32(black_box(39))])
        });
    });
    group.bench_function("wasm per-call, facade", |b| {
        b.iter(|| per_call.u64(Algorithm::Iterative, black_box(39)));
    });
    group.finish();

    let mut group = c.benchmark_group("fib(10^5) digits, fast doubling");
    group.sample_size(20);
    group.bench_function("native kernel", |b| {
        b.iter(|| fib_kernels::decimal(Algorithm::FastDoubling, black_box(100_000)));
    });
    group.bench_function("wasm pooled", |b| {
        b.iter(|| pooled.decimal(Algorithm::FastDoubling, black_box(100_000)));
    });
    group.finish();
}

criterion_group!(benches, calls);
criterion_main!(benches);

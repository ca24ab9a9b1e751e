//! Integration tests of fastwasm-runtime: one binary, one module per area.
#![allow(clippy::missing_panics_doc, clippy::must_use_candidate)] // test helpers panic on purpose

mod artifact;
mod cache;
mod calls;
mod cancel;
mod components;
mod deadline;
mod errors;
mod fuzz;
mod layout;
mod mapping;
mod placement;
mod pool;
mod resources;
mod threads;

use std::time::Duration;

use fastwasm_runtime::{CacheDir, Isolation, Module, Runtime, RuntimeConfig};

/// A runtime with no disk cache and the given deadline and isolation.
pub fn runtime(timeout: Duration, isolation: Isolation) -> Runtime {
    let mut config = RuntimeConfig::default();
    config.timeout = timeout;
    config.isolation = isolation;
    config.cache_dir = CacheDir::Disabled;
    config.max_memory_bytes = 2 << 20;
    // Fixed, not the core count, so pool sizes are the same on every machine.
    config.pool_size = Some(2);
    Runtime::with_config(config).expect("runtime")
}

/// Polls `condition` until it holds: true, or false after 30 s. The bound
/// only ends a failing test; nothing here measures speed.
pub fn wait_until(mut condition: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !condition() {
        if std::time::Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    true
}

/// Small hand-written modules for every way a call can fail.
pub const MISBEHAVING_WAT: &str = r#"(module
    (memory 1)
    (global $counter (mut i32) (i32.const 0))
    (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
    (func (export "count") (result i32)
        global.get $counter i32.const 1 i32.add global.set $counter global.get $counter)
    (func (export "trap") (result i32) unreachable)
    (func (export "divide") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
    (func (export "spin") (loop (br 0)))
    (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
    (func $deep (export "deep") (param i64) (result i64)
        local.get 0 i64.const 1 i64.add call $deep)
    (func (export "mixed") (param i32 i64 f32 f64) (result f64)
        local.get 3 local.get 2 f64.promote_f32 f64.add
        local.get 1 f64.convert_i64_s f64.add
        local.get 0 f64.convert_i32_s f64.add)
    (func (export "takes_ref") (param funcref)))"#;

/// The misbehaving module, with a 300 ms deadline.
pub fn misbehaving(isolation: Isolation) -> Module {
    runtime(Duration::from_millis(300), isolation)
        .load_module_bytes(MISBEHAVING_WAT.as_bytes())
        .expect("the test module loads")
}

/// The built guest (`make wasm`), or `$FASTWASM_GUEST_WASM`.
pub fn guest_path() -> String {
    std::env::var("FASTWASM_GUEST_WASM").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../python/fastwasm/guest/fibonacci_wasm.wasm"
        )
        .into()
    })
}

/// Both isolation modes.
pub const BOTH: [Isolation; 2] = [Isolation::Pooled, Isolation::PerCall];

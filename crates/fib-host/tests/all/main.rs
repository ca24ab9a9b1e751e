//! Integration tests of the Fibonacci facade: one binary, a module per topic.
#![allow(clippy::missing_panics_doc, clippy::must_use_candidate)] // test helpers panic on purpose

mod domain;
mod guest;

use std::time::Duration;

use fastwasm_runtime::{CacheDir, Isolation, Runtime, RuntimeConfig};

/// A runtime with no disk cache and the given deadline and isolation.
pub fn runtime(timeout: Duration, isolation: Isolation) -> Runtime {
    let mut config = RuntimeConfig::default();
    config.timeout = timeout;
    config.isolation = isolation;
    config.cache_dir = CacheDir::Disabled;
    config.pool_size = Some(1);
    Runtime::with_config(config).expect("runtime")
}

/// A module with scalar exports only (not the Fibonacci ABI).
pub const MISBEHAVING_WAT: &str = r#"(module
    (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))"#;

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

/// Both isolation modes.
pub const BOTH: [Isolation; 2] = [Isolation::Pooled, Isolation::PerCall];

//! fastwasm-http's integration tests: one binary.

mod json;
mod reload;
mod set;
mod sidecar;
mod status;

use std::path::{Path, PathBuf};
use std::time::Duration;

use fastwasm_http::sidecar::Limits;
use fastwasm_http::{KernelSet, SettingNames};
use fastwasm_runtime::{CacheDir, Placement, Runtime, RuntimeConfig};

/// The example components the Python package ships.
fn components() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../python/fastwasm/components")
}

/// The fault component of the tests.
fn fault() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/components/fault.wasm")
}

fn limits() -> Limits {
    Limits {
        timeout: Duration::from_secs(5),
        max_memory_mb: 32,
        max_body_bytes: 1 << 20,
        placement: Placement::Measured,
        deadline: true,
        names: SettingNames::SERVICE,
    }
}

fn runtime() -> Runtime {
    let mut config = RuntimeConfig::default();
    config.timeout = Duration::from_secs(5);
    config.max_memory_bytes = 32 << 20;
    config.cache_dir = CacheDir::Disabled;
    config.pool_size = Some(1);
    Runtime::with_config(config).unwrap()
}

/// An empty kernels directory, removed when dropped.
fn dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// `dir` with `from` copied in as `name`.
fn copy(dir: &tempfile::TempDir, from: &Path, name: &str) {
    std::fs::copy(from, dir.path().join(name)).unwrap();
}

/// The set loaded from `dir` with [`limits`].
fn load(dir: &Path) -> KernelSet {
    KernelSet::load(&runtime(), dir, limits(), None)
}

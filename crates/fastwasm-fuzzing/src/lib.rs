//! One fuzz case of `fastwasm-runtime`'s load-and-call path.
//!
//! A case turns fuzzer bytes into a `wasm-smith` module, loads it into a
//! runtime with a short deadline and a small memory cap, and calls its scalar
//! exports with zero arguments. Every outcome may be an error; a panic or a
//! crash of the process is the bug being looked for. Two drivers share this
//! code, in the way wasmtime's `crates/fuzzing` serves its `fuzz/` targets:
//! the bounded, seeded run in `make test` (`fastwasm-runtime`'s
//! `tests/all/fuzz.rs`) and the coverage-guided libFuzzer target of
//! `make fuzz` (`fuzz/fuzz_targets/load_and_call.rs`).
//!
//! ```
//! use fastwasm_fuzzing::FuzzHost;
//!
//! let host = FuzzHost::new();
//! for outcome in host.run(&[7u8; 4096], 1) {
//!     assert!(outcome.starts_with("load: ") || outcome.starts_with("call: ") || outcome == "no module from the bytes");
//! }
//! ```

use std::time::Duration;

use arbitrary::{Arbitrary, Unstructured};
use fastwasm_runtime::{CacheDir, Error, Isolation, Runtime, RuntimeConfig, Value, ValueType};

/// At most this many exports are called per module, so one case stays short.
pub const CALLS_PER_MODULE: usize = 6;

/// The runtimes a fuzz case runs in: one pooled, one with a fresh instance per
/// call. Build it once per process, as a server builds its runtime.
pub struct FuzzHost {
    runtimes: [Runtime; 2],
}

impl Default for FuzzHost {
    fn default() -> Self {
        Self {
            runtimes: [
                fuzz_runtime(Isolation::Pooled),
                fuzz_runtime(Isolation::PerCall),
            ],
        }
    }
}

impl FuzzHost {
    /// Both runtimes (see [`fuzz_runtime`]).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// One case: a module drawn from `data` and `variant` (see [`module_from`]),
    /// exercised (see [`exercise`]) in the pooled runtime when `variant` is even
    /// and per call when it is odd. Returns the outcomes, or
    /// `"no module from the bytes"`.
    #[must_use]
    pub fn run(&self, data: &[u8], variant: u64) -> Vec<String> {
        match module_from(&mut Unstructured::new(data), variant) {
            Ok(wasm) => exercise(&self.runtimes[(variant % 2) as usize], &wasm),
            Err(_) => vec!["no module from the bytes".to_owned()],
        }
    }
}

/// A runtime for fuzzing: a 20 ms deadline, an 8 MiB memory cap, one pooled
/// instance, no disk cache.
///
/// # Panics
///
/// If the runtime cannot be built, which is a bug in this configuration.
#[must_use]
pub fn fuzz_runtime(isolation: Isolation) -> Runtime {
    let mut config = RuntimeConfig::default();
    config.timeout = Duration::from_millis(20);
    config.epoch_tick = Duration::from_millis(2);
    config.max_memory_bytes = 8 << 20;
    config.isolation = isolation;
    config.pool_size = Some(1);
    config.cache_dir = CacheDir::Disabled;
    Runtime::with_config(config).expect("a runtime from a fixed configuration")
}

/// A `wasm-smith` module drawn from `u`.
///
/// `variant` steers the mix, so that most modules can be loaded and called
/// and the rest must be refused cleanly: one in four keeps imports (which the
/// host never provides), one in five may use proposals the host's wasmtime is
/// built without (GC, threads, exceptions, ...), and two in three export every
/// function.
///
/// # Errors
///
/// When `u` runs out of bytes or holds no valid configuration or module.
pub fn module_from(u: &mut Unstructured<'_>, variant: u64) -> arbitrary::Result<Vec<u8>> {
    let mut config = wasm_smith::Config::arbitrary(u)?;
    if !variant.is_multiple_of(4) {
        config.max_imports = 0;
    }
    if !variant.is_multiple_of(5) {
        config.gc_enabled = false;
        // externref needs GC; wasm-smith has no funcref-only switch.
        config.reference_types_enabled = false;
        config.exceptions_enabled = false;
        config.compact_imports_enabled = false;
        config.threads_enabled = false;
        config.shared_everything_threads_enabled = false;
        config.wide_arithmetic_enabled = false;
        config.custom_descriptors_enabled = false;
    }
    config.max_memory32_bytes = config.max_memory32_bytes.min(16 << 20);
    config.export_everything = !variant.is_multiple_of(3);
    Ok(wasm_smith::Module::new(config, u)?.to_bytes())
}

/// Loads `wasm` into `runtime` and calls up to [`CALLS_PER_MODULE`] of its
/// scalar exports with zero arguments. Returns one outcome per step, such as
/// `"load: ok"`, `"load: invalid module"` or `"call: timeout"`.
#[must_use]
pub fn exercise(runtime: &Runtime, wasm: &[u8]) -> Vec<String> {
    let loaded = match runtime.load_bytes(wasm) {
        Ok(loaded) => loaded,
        Err(error) => return vec![format!("load: {}", kind(&error))],
    };
    let mut outcomes = vec!["load: ok".to_owned()];
    let callable = loaded
        .exports()
        .iter()
        .filter_map(|e| e.signature.as_ref().map(|s| (&e.name, s)))
        .take(CALLS_PER_MODULE);
    for (name, signature) in callable {
        let args: Vec<Value> = signature.params.iter().map(|&t| zero(t)).collect();
        outcomes.push(match loaded.call(name, &args) {
            Ok(_) => "call: ok".to_owned(),
            Err(error) => format!("call: {}", kind(&error)),
        });
    }
    outcomes
}

fn kind(error: &Error) -> &'static str {
    match error {
        Error::InvalidModule { .. } => "invalid module",
        Error::Trap { .. } => "trap",
        Error::Timeout { .. } => "timeout",
        Error::MemoryLimit { .. } => "memory limit",
        Error::InstanceLimit { .. } => "instance limit",
        Error::WrongSignature { .. } => "wrong signature",
        _ => "other",
    }
}

fn zero(ty: ValueType) -> Value {
    match ty {
        ValueType::I32 => Value::I32(0),
        ValueType::I64 => Value::I64(0),
        ValueType::F32 => Value::F32(0.0),
        ValueType::F64 => Value::F64(0.0),
    }
}

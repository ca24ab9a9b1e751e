//! A bounded fuzz run of the load-and-call path with `wasm-smith` modules.
//!
//! Each case draws a wasm-smith configuration and module from a seeded byte
//! stream, loads it, and calls its scalar exports with zero arguments under a
//! short deadline and a small memory cap. Every outcome may be an error; what
//! must never happen is a panic or a crash of the process. The counts are
//! printed (`cargo test --release -p fastwasm-runtime -- --nocapture fuzz`).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use arbitrary::{Arbitrary, Unstructured};
use fastwasm_runtime::{CacheDir, Error, Isolation, Runtime, RuntimeConfig, Value, ValueType};

const CASES: u64 = 5000;
const BUDGET: Duration = Duration::from_secs(30);
const CALLS_PER_MODULE: usize = 6;

/// `SplitMix64`: a small, well-known generator, so every case is reproducible.
fn bytes_for(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    (0..len)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) as u8
        })
        .collect()
}

fn runtime(isolation: Isolation) -> Runtime {
    let mut config = RuntimeConfig::default();
    config.timeout = Duration::from_millis(20);
    config.epoch_tick = Duration::from_millis(2);
    config.max_memory_bytes = 8 << 20;
    config.isolation = isolation;
    config.pool_size = 1;
    config.cache_dir = CacheDir::Disabled;
    Runtime::with_config(config).expect("runtime")
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

#[test]
fn wasm_smith_modules_never_crash_the_host() {
    let runtimes = [runtime(Isolation::Pooled), runtime(Isolation::PerCall)];
    let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
    let mut count = |key: String| *outcomes.entry(key).or_default() += 1;
    let started = Instant::now();
    let mut cases = 0;
    for seed in 0..CASES {
        if started.elapsed() > BUDGET {
            break;
        }
        cases += 1;
        let data = bytes_for(seed, 16 << 10);
        let mut u = Unstructured::new(&data);
        let Ok(mut config) = wasm_smith::Config::arbitrary(&mut u) else {
            count("no config from the bytes".into());
            continue;
        };
        // Mostly import-free modules, so calls get exercised; some keep
        // imports, which must be refused.
        if seed % 4 != 0 {
            config.max_imports = 0;
        }
        // Most modules keep to the proposals the host's wasmtime is built with,
        // so the calling path is exercised; the rest must be refused cleanly.
        if seed % 5 != 0 {
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
        // Export every function from most modules, so there is something to call.
        config.export_everything = seed % 3 != 0;
        let Ok(module) = wasm_smith::Module::new(config, &mut u) else {
            count("no module from the bytes".into());
            continue;
        };
        let wasm = module.to_bytes();
        let rt = &runtimes[(seed % 2) as usize];
        match rt.load_bytes(&wasm) {
            Err(error) => count(format!("load: {}", kind(&error))),
            Ok(loaded) => {
                count("load: ok".into());
                let callable: Vec<_> = loaded
                    .exports()
                    .iter()
                    .filter_map(|e| e.signature.as_ref().map(|s| (e.name.clone(), s.clone())))
                    .take(CALLS_PER_MODULE)
                    .collect();
                for (name, signature) in callable {
                    let args: Vec<Value> = signature.params.iter().map(|&t| zero(t)).collect();
                    match loaded.call(&name, &args) {
                        Ok(_) => count("call: ok".into()),
                        Err(error) => count(format!("call: {}", kind(&error))),
                    }
                }
            }
        }
    }
    #[allow(clippy::print_stdout)]
    {
        println!(
            "fuzz: {cases} cases in {:.1} s, 0 crashes; outcomes: {outcomes:?}",
            started.elapsed().as_secs_f64()
        );
    }
    assert!(cases >= 50, "the budget allowed only {cases} cases");
    assert!(
        outcomes.get("load: ok").copied().unwrap_or(0) > 0,
        "no module loaded: {outcomes:?}"
    );
}

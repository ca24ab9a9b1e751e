use std::time::{Duration, Instant};

use fastwasm_runtime::{CacheDir, Error, Isolation, Runtime, RuntimeConfig, Value};

use crate::{BOTH, misbehaving, runtime};

#[test]
fn a_missing_file_is_module_not_found() {
    let error = runtime(Duration::from_secs(1), Isolation::Pooled)
        .load_module("/nonexistent/fib.wasm")
        .err()
        .unwrap();
    assert!(matches!(error, Error::ModuleNotFound { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("module not found: /nonexistent/fib.wasm")
    );
}

#[test]
fn malformed_bytes_are_an_invalid_module() {
    let rt = runtime(Duration::from_secs(1), Isolation::Pooled);
    for bytes in [&b"\0asm\x01\0\0\0\xff\xff"[..], b"not wasm at all", b""] {
        let error = rt.load_module_bytes(bytes).err().unwrap();
        assert!(matches!(error, Error::InvalidModule { .. }), "{error:?}");
    }
}

#[test]
fn proposals_the_host_leaves_out_are_refused_at_load() {
    // wasmtime is built without GC, threads and the component model.
    let rt = runtime(Duration::from_secs(1), Isolation::Pooled);
    for (wat, needs) in [
        ("(module (func (export \"f\") (param externref)))", "gc"),
        ("(module (memory 1 1 shared))", "threads"),
        ("(component)", "component"),
    ] {
        let error = rt.load_module_bytes(wat.as_bytes()).err().unwrap();
        assert!(matches!(error, Error::InvalidModule { .. }), "{error:?}");
        assert!(error.to_string().contains(needs), "{needs}: {error}");
    }
}

#[test]
fn an_oversized_module_is_refused_naming_the_limit() {
    let mut config = RuntimeConfig::default();
    config.cache_dir = CacheDir::Disabled;
    config.max_module_bytes = 64;
    let rt = Runtime::with_config(config).unwrap();
    let error = rt
        .load_module_bytes(crate::MISBEHAVING_WAT.as_bytes())
        .err()
        .unwrap();
    assert!(matches!(error, Error::InvalidModule { .. }));
    assert!(error.to_string().contains("max_module_bytes"), "{error}");
    let error = rt.load_module(crate::guest_path()).err().unwrap();
    assert!(error.to_string().contains("max_module_bytes"), "{error}");
}

#[test]
fn a_module_with_imports_is_refused() {
    let rt = runtime(Duration::from_secs(1), Isolation::Pooled);
    let error = rt
        .load_module_bytes(br#"(module (import "env" "now" (func (result i64))))"#)
        .err()
        .unwrap();
    assert!(matches!(error, Error::InvalidModule { .. }));
    assert!(error.to_string().contains("env::now"), "{error}");
}

#[test]
fn a_trap_reports_its_code_and_the_module_still_answers() {
    for isolation in BOTH {
        let module = misbehaving(isolation);
        let error = module.call("trap", &[]).unwrap_err();
        assert!(
            matches!(&error, Error::Trap { code: "unreachable", export, .. } if export == "trap"),
            "{error:?}"
        );
        let error = module
            .call("divide", &[Value::I32(1), Value::I32(0)])
            .unwrap_err();
        assert!(
            matches!(
                error,
                Error::Trap {
                    code: "integer_division_by_zero",
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(
            module.call("add", &[Value::I32(1), Value::I32(2)]).unwrap(),
            [Value::I32(3)]
        );
        assert_eq!(module.pool_stats().traps, 2);
    }
}

#[test]
fn an_endless_loop_times_out_and_never_early() {
    for isolation in BOTH {
        let module = misbehaving(isolation); // 300 ms deadline
        let started = Instant::now();
        let error = module.call("spin", &[]).unwrap_err();
        let elapsed = started.elapsed();
        assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
        // Facts, not settings' names: the servers name their own setting.
        assert!(
            error.to_string().ends_with("deadline of 0.300 s"),
            "{error}"
        );
        assert!(
            elapsed >= Duration::from_millis(300),
            "stopped early: {elapsed:?}"
        );
        // Only that it ends: a loaded machine may be slow to schedule it.
        assert!(elapsed < Duration::from_secs(30), "took {elapsed:?}");
        assert_eq!(module.pool_stats().timeouts, 1);
    }
}

#[test]
fn growing_memory_past_the_cap_is_a_memory_limit_error() {
    for isolation in BOTH {
        let module = misbehaving(isolation); // 2 MiB cap, 1 page to start
        // Within the cap: memory.grow returns the old size in pages.
        assert_eq!(module.call("grow", &[Value::I32(3)]).unwrap().len(), 1);
        let error = module.call("grow", &[Value::I32(64)]).unwrap_err();
        match &error {
            Error::MemoryLimit {
                requested, limit, ..
            } => {
                assert_eq!(*limit, 2 << 20);
                assert!(*requested > *limit);
            }
            other => panic!("expected MemoryLimit, got {other:?}"),
        }
        assert!(error.to_string().contains("over the cap of"), "{error}");
        assert_eq!(
            module.call("add", &[Value::I32(2), Value::I32(2)]).unwrap(),
            [Value::I32(4)]
        );
    }
}

#[test]
fn unbounded_recursion_is_a_stack_overflow_trap() {
    for isolation in BOTH {
        let module = misbehaving(isolation);
        let error = module.call("deep", &[Value::I64(0)]).unwrap_err();
        assert!(
            matches!(
                error,
                Error::Trap {
                    code: "stack_overflow",
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(
            module.call("add", &[Value::I32(2), Value::I32(3)]).unwrap(),
            [Value::I32(5)]
        );
    }
}

#[test]
fn settings_out_of_range_are_named() {
    let mut config = RuntimeConfig::default();
    config.timeout = Duration::ZERO;
    let error = Runtime::with_config(config).err().unwrap();
    assert!(error.to_string().contains("timeout_s"), "{error}");
    let mut config = RuntimeConfig::default();
    config.max_memory_bytes = 1000;
    let error = Runtime::with_config(config).err().unwrap();
    assert!(error.to_string().contains("max_memory_mb"), "{error}");
    assert!(
        "sometimes"
            .parse::<Isolation>()
            .unwrap_err()
            .to_string()
            .contains("isolation")
    );
}

#[test]
fn the_instance_limit_is_an_error_not_a_hang() {
    let mut config = RuntimeConfig::default();
    config.cache_dir = CacheDir::Disabled;
    config.max_instances = 2;
    config.pool_size = Some(2);
    let rt = Runtime::with_config(config).unwrap();
    let first = rt
        .load_module_bytes(crate::MISBEHAVING_WAT.as_bytes())
        .unwrap();
    // The first module's two warm instances fill the allocator.
    let error = rt
        .load_module_bytes(crate::MISBEHAVING_WAT.as_bytes())
        .err()
        .unwrap();
    assert!(
        matches!(error, Error::InstanceLimit { limit: 2 }),
        "{error:?}"
    );
    assert_eq!(error.to_string(), "all 2 instance slots are in use");
    drop(first);
    rt.load_module_bytes(crate::MISBEHAVING_WAT.as_bytes())
        .unwrap();
}

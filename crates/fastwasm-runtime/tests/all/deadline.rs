//! Code without a deadline: its own engine, its own cache entries, no
//! timeout, no cancel once running, never inline; and the rest of the
//! runtime keeps its deadline.

use std::time::Duration;

use fastwasm_runtime::{
    CacheDir, CacheOutcome, CallOptions, CancelToken, Error, Isolation, LoadOptions, Placement,
    Runtime, RuntimeConfig, Value,
};

use crate::{MISBEHAVING_WAT, runtime};

fn no_deadline() -> LoadOptions {
    LoadOptions {
        deadline: Some(false),
        ..LoadOptions::default()
    }
}

/// A loop of `n` iterations that returns `n`: long enough to cross many epoch
/// ticks at a large `n`, and always finishes.
const COUNT_WAT: &str = r#"(module
    (func (export "count") (param $n i64) (result i64) (local $i i64)
        (loop $l
            local.get $i i64.const 1 i64.add local.set $i
            local.get $i local.get $n i64.lt_u br_if $l)
        local.get $i))"#;

#[test]
fn a_module_without_a_deadline_runs_past_the_timeout_and_answers() {
    let runtime = runtime(Duration::from_millis(20), Isolation::Pooled);
    let trusted = runtime
        .load_bytes_with(COUNT_WAT.as_bytes(), no_deadline())
        .unwrap()
        .into_module()
        .unwrap();
    let guarded = runtime.load_module_bytes(COUNT_WAT.as_bytes()).unwrap();
    assert!(!trusted.has_deadline());
    assert!(guarded.has_deadline());
    // Long enough to take several 20 ms deadlines on any machine this runs on.
    let n = Value::I64(1_000_000_000);
    assert_eq!(trusted.call("count", &[n]).unwrap(), [n]);
    assert_eq!(trusted.pool_stats().timeouts, 0);
    // The same code, loaded with the deadline, stops at it.
    assert!(matches!(
        guarded.call("count", &[n]),
        Err(Error::Timeout { .. })
    ));
}

#[test]
fn a_runtime_without_a_deadline_can_still_load_a_module_with_one() {
    let mut config = RuntimeConfig::default();
    config.cache_dir = CacheDir::Disabled;
    config.pool_size = Some(1);
    config.timeout = Duration::from_millis(50);
    config.deadline = false;
    let runtime = Runtime::with_config(config).unwrap();
    let trusted = runtime
        .load_module_bytes(MISBEHAVING_WAT.as_bytes())
        .unwrap();
    assert!(!trusted.has_deadline());
    let guarded = runtime
        .load_bytes_with(
            MISBEHAVING_WAT.as_bytes(),
            LoadOptions {
                deadline: Some(true),
                ..LoadOptions::default()
            },
        )
        .unwrap()
        .into_module()
        .unwrap();
    assert!(matches!(
        guarded.call("spin", &[]),
        Err(Error::Timeout { .. })
    ));
    assert_eq!(
        trusted
            .call("add", &[Value::I32(2), Value::I32(3)])
            .unwrap(),
        [Value::I32(5)]
    );
}

#[test]
fn without_a_deadline_a_call_cannot_set_one_nor_run_inline() {
    let runtime = runtime(Duration::from_secs(5), Isolation::Pooled);
    let trusted = runtime
        .load_bytes_with(MISBEHAVING_WAT.as_bytes(), no_deadline())
        .unwrap()
        .into_module()
        .unwrap();
    let tighter = CallOptions {
        timeout: Some(Duration::from_millis(10)),
        ..CallOptions::default()
    };
    match trusted.call_with("add", &[Value::I32(1), Value::I32(1)], &tighter) {
        Err(Error::InvalidConfig { setting, reason }) => {
            assert_eq!(setting, "timeout_s");
            assert!(reason.contains("without a deadline"), "{reason}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    match trusted.call_inline(
        "add",
        &[Value::I32(1), Value::I32(1)],
        &CallOptions::default(),
    ) {
        Err(Error::InvalidConfig { setting, .. }) => assert_eq!(setting, "placement"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    // Measured placement never picks inline for it, however cheap its calls.
    for _ in 0..64 {
        trusted
            .call("add", &[Value::I32(1), Value::I32(1)])
            .unwrap();
    }
    assert!(!trusted.runs_inline("add").unwrap());
    // Declaring it inline is refused at load, naming the setting.
    let inline = LoadOptions {
        placement: Placement::Inline,
        ..no_deadline()
    };
    match runtime.load_bytes_with(MISBEHAVING_WAT.as_bytes(), inline) {
        Err(Error::InvalidConfig { setting, .. }) => assert_eq!(setting, "placement"),
        Err(other) => panic!("expected a refusal, got {other:?}"),
        Ok(_) => panic!("expected a refusal"),
    }
}

#[test]
fn a_cancel_token_is_seen_before_the_call_and_not_during_it() {
    let runtime = runtime(Duration::from_secs(5), Isolation::Pooled);
    let trusted = runtime
        .load_bytes_with(COUNT_WAT.as_bytes(), no_deadline())
        .unwrap()
        .into_module()
        .unwrap();
    let token = CancelToken::new();
    token.cancel();
    let cancelled = CallOptions {
        cancel: Some(&token),
        ..CallOptions::default()
    };
    assert!(matches!(
        trusted.call_with("count", &[Value::I64(1)], &cancelled),
        Err(Error::Cancelled { .. })
    ));
    // Cancelled while it runs: the call runs to its end all the same.
    let token = CancelToken::new();
    let during = CallOptions {
        cancel: Some(&token),
        ..CallOptions::default()
    };
    let other_thread = {
        let token = token.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(5));
            token.cancel();
        })
    };
    let n = Value::I64(500_000_000);
    assert_eq!(trusted.call_with("count", &[n], &during).unwrap(), [n]);
    other_thread.join().unwrap();
}

#[test]
fn code_with_and_without_the_deadline_is_cached_apart() {
    let dir = std::env::temp_dir().join(format!("fastwasm-test-deadline-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut config = RuntimeConfig::default();
    config.cache_dir = CacheDir::Path(dir.clone());
    config.pool_size = Some(1);
    let runtime = Runtime::with_config(config).unwrap();
    let outcome = |options: LoadOptions| {
        runtime
            .load_bytes_with(COUNT_WAT.as_bytes(), options)
            .unwrap()
            .load_info()
            .cache
    };
    assert_eq!(outcome(LoadOptions::default()), CacheOutcome::Miss);
    assert_eq!(
        outcome(no_deadline()),
        CacheOutcome::Miss,
        "a separate entry"
    );
    assert_eq!(outcome(LoadOptions::default()), CacheOutcome::Hit);
    assert_eq!(outcome(no_deadline()), CacheOutcome::Hit);
    let entries = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "cwasm")
        })
        .count();
    assert_eq!(entries, 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

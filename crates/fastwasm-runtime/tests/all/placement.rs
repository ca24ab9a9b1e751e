//! Where a call runs: the measured rule, declared placements, preemption of
//! an inline call that runs long, and a call's own, tighter deadline.

use std::time::Duration;

use fastwasm_runtime::{
    CallOptions, Error, INLINE_STREAK, Isolation, LoadOptions, Placement, Value,
};

use crate::{MISBEHAVING_WAT, runtime, wait_until};

fn loaded(placement: Placement) -> fastwasm_runtime::Module {
    let options = LoadOptions {
        placement,
        ..LoadOptions::default()
    };
    runtime(Duration::from_secs(5), Isolation::Pooled)
        .load_bytes_with(MISBEHAVING_WAT.as_bytes(), options)
        .unwrap()
        .into_module()
        .unwrap()
}

const ADD: [Value; 2] = [Value::I32(1), Value::I32(2)];

#[test]
fn a_function_runs_inline_after_a_streak_of_cheap_calls() {
    let module = loaded(Placement::Measured);
    let quick = CallOptions::default();
    assert!(!module.runs_inline("add").unwrap());
    // The first call on each of the pool's instances costs more; past them,
    // the streak builds.
    for _ in 0..(4 + INLINE_STREAK) {
        module.call_with("add", &ADD, &quick).unwrap();
    }
    assert!(module.runs_inline("add").unwrap());
    assert!(!module.runs_inline("count").unwrap(), "per function");
    // A call over the threshold ends the streak.
    let spin = CallOptions {
        timeout: Some(Duration::from_millis(20)),
        ..quick
    };
    assert!(matches!(
        module.call_with("spin", &[], &spin),
        Err(Error::Timeout { .. })
    ));
    assert!(!module.runs_inline("spin").unwrap());
}

#[test]
fn declared_placements_hold_whatever_the_calls_take() {
    let inline = loaded(Placement::Inline);
    let threads = loaded(Placement::Threads);
    for _ in 0..64 {
        threads.call("add", &ADD).unwrap();
    }
    assert!(inline.runs_inline("spin").unwrap());
    assert!(!threads.runs_inline("add").unwrap());
    assert!(matches!(
        "sometimes".parse::<Placement>(),
        Err(Error::InvalidConfig {
            setting: "placement",
            ..
        })
    ));
}

#[test]
fn an_inline_call_that_runs_long_is_preempted_at_the_next_tick() {
    let module = loaded(Placement::Inline);
    let started = std::time::Instant::now();
    let preempted = module.call_inline("spin", &[], &CallOptions::default());
    assert!(matches!(preempted, Ok(None)), "{preempted:?}");
    // At the next epoch tick (5 ms), not at the 5 s deadline.
    assert!(started.elapsed() < Duration::from_secs(2));
    let stats = module.pool_stats();
    assert_eq!((stats.preempted, stats.timeouts, stats.busy), (1, 0, 0));
    // A cheap one finishes inline, and the pool is whole.
    let done = module.call_inline("add", &ADD, &CallOptions::default());
    assert_eq!(done.unwrap(), Some(vec![Value::I32(3)]));
    assert!(wait_until(|| module.pool_stats().size == 2));
}

#[test]
fn a_call_may_tighten_its_deadline_and_never_loosen_it() {
    let module = loaded(Placement::Measured);
    let tight = CallOptions {
        timeout: Some(Duration::from_millis(30)),
        ..CallOptions::default()
    };
    match module.call_with("spin", &[], &tight) {
        Err(Error::Timeout { timeout, .. }) => assert_eq!(timeout, Duration::from_millis(30)),
        other => panic!("{other:?}"),
    }
    let loose = CallOptions {
        timeout: Some(Duration::from_secs(6)),
        ..CallOptions::default()
    };
    match module.call_with("add", &ADD, &loose) {
        Err(Error::InvalidConfig { setting, reason }) => {
            assert_eq!(setting, "timeout_s");
            assert!(reason.contains("may only tighten"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_epoch_clock_advances() {
    let runtime = runtime(Duration::from_secs(1), Isolation::Pooled);
    let before = runtime.epoch_ticks();
    assert!(wait_until(|| runtime.epoch_ticks() > before + 2));
}

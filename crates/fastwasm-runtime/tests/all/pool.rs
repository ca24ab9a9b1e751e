use std::time::Duration;

use fastwasm_runtime::wasmtime::{self, TypedFunc};
use fastwasm_runtime::{CancelToken, Error, Isolation, Module, Value};

use crate::{BOTH, misbehaving, runtime};

#[test]
fn eight_threads_of_ten_thousand_calls_all_right() {
    for isolation in BOTH {
        let module = misbehaving(isolation);
        let calls = if isolation == Isolation::Pooled {
            10_000
        } else {
            2_000
        };
        std::thread::scope(|scope| {
            for t in 0..8 {
                let module = &module;
                scope.spawn(move || {
                    for i in 0..calls {
                        let args = [Value::I32(i), Value::I32(t)];
                        assert_eq!(module.call("add", &args).unwrap(), [Value::I32(i + t)]);
                    }
                });
            }
        });
        let stats = module.pool_stats();
        assert_eq!(stats.busy, 0);
        if isolation == Isolation::Pooled {
            // It grows to the number of concurrent callers, never past them
            // (`runtime` starts it at 2, whatever the machine's core count).
            assert!(stats.size >= 2 && stats.size <= 8, "{stats:?}");
        } else {
            assert_eq!(stats.size, 0);
        }
    }
}

#[test]
fn after_a_timeout_the_pool_serves_correct_results_at_the_same_size() {
    let module = misbehaving(Isolation::Pooled);
    let before = module.pool_stats().size;
    for _ in 0..2 {
        assert!(matches!(
            module.call("spin", &[]),
            Err(Error::Timeout { .. })
        ));
    }
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let module = module.clone();
            std::thread::spawn(move || {
                for i in 0..1000 {
                    assert_eq!(
                        module.call("add", &[Value::I32(i), Value::I32(t)]).unwrap(),
                        [Value::I32(i + t)]
                    );
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let after = module.pool_stats();
    assert!(
        after.size >= before,
        "the pool shrank: {before} -> {after:?}"
    );
    assert_eq!(after.timeouts, 2);
}

#[test]
fn calls_run_in_parallel_not_behind_one_lock() {
    // Two threads each spin until cancelled. Both are seen in a call at the
    // same time, which one lock around the pool would never allow. No clock:
    // the wait has a generous bound only so that a failure ends.
    let module = runtime(Duration::from_mins(1), Isolation::Pooled)
        .load_module_bytes(crate::MISBEHAVING_WAT.as_bytes())
        .unwrap();
    let cancel = CancelToken::new();
    std::thread::scope(|scope| {
        let calls: Vec<_> = (0..2)
            .map(|_| scope.spawn(|| module.call_cancellable("spin", &[], &cancel)))
            .collect();
        let both_busy = crate::wait_until(|| module.pool_stats().busy == 2);
        cancel.cancel();
        for call in calls {
            let error = call.join().unwrap().unwrap_err();
            assert!(matches!(error, Error::Cancelled { .. }), "{error:?}");
        }
        assert!(both_busy, "two calls were never in flight at once");
    });
}

/// `count` through the facade hook, with its typed function cached per instance.
fn count(module: &Module) -> i32 {
    struct Count(TypedFunc<(), i32>);
    module
        .with_instance("count", None, |lease| {
            let (count, store) = lease
                .cached(|store, instance| Ok(Count(instance.get_typed_func(store, "count")?)))?;
            count.0.call(store, ())
        })
        .unwrap()
}

#[test]
fn an_ok_answer_keeps_the_instance_and_an_error_replaces_it() {
    let module = runtime(Duration::from_secs(10), Isolation::Pooled)
        .load_module_bytes(crate::MISBEHAVING_WAT.as_bytes())
        .unwrap();
    let first = count(&module);
    // A facade's domain error travels inside Ok: the instance stays.
    let domain: Result<(), &str> = module
        .with_instance("count", None, |_| Ok(Err("no answer for that")))
        .unwrap();
    assert_eq!(domain, Err("no answer for that"));
    // The pool hands out instances last in, first out... or not: so count on
    // every instance of the pool until the same one comes back.
    let mut seen = vec![first];
    while seen.iter().all(|&c| c != first + 1) {
        seen.push(count(&module));
        assert!(
            seen.len() < 100,
            "the first instance never came back: {seen:?}"
        );
    }
    // An error in the closure is a failed call: that instance is replaced.
    let size = module.pool_stats().size;
    let failed = module.with_instance("count", None, |_| -> wasmtime::Result<()> {
        Err(Error::abi("count", "a broken answer").into())
    });
    assert!(matches!(failed, Err(Error::Abi { .. })), "{failed:?}");
    assert_eq!(module.pool_stats().size, size);
}

#[test]
fn a_panic_in_a_call_leaves_the_pool_counts_right() {
    for isolation in BOTH {
        let module = runtime(Duration::from_secs(10), isolation)
            .load_module_bytes(crate::MISBEHAVING_WAT.as_bytes())
            .unwrap();
        let before = module.pool_stats();
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            module.with_instance("count", None, |_| -> wasmtime::Result<()> {
                panic!("a facade bug")
            })
        }));
        assert!(panicked.is_err());
        let after = module.pool_stats();
        assert_eq!(after.busy, 0, "{isolation:?}: {after:?}");
        // The panicked instance is gone, not counted as alive or busy.
        let expected_size = if isolation == Isolation::Pooled {
            before.size - 1
        } else {
            0
        };
        assert_eq!(after.size, expected_size, "{isolation:?}");
        // And the pool still serves, growing back on demand.
        assert_eq!(
            module.call("add", &[Value::I32(1), Value::I32(2)]).unwrap(),
            [Value::I32(3)]
        );
        assert_eq!(module.pool_stats().busy, 0);
    }
}

use std::sync::Arc;
use std::time::Duration;

use fastwasm_runtime::{Algorithm, CancelToken, Error, FibonacciModule, Isolation, Value};

use crate::{BOTH, guest_path, misbehaving, runtime};

#[test]
fn eight_threads_of_ten_thousand_calls_all_right() {
    for isolation in BOTH {
        let fib = Arc::new(
            FibonacciModule::new(
                runtime(Duration::from_secs(10), isolation)
                    .load(guest_path())
                    .unwrap(),
            )
            .unwrap(),
        );
        let calls = if isolation == Isolation::Pooled {
            10_000
        } else {
            2_000
        };
        let threads: Vec<_> = (0..8_u32)
            .map(|t| {
                let fib = Arc::clone(&fib);
                std::thread::spawn(move || {
                    for i in 0..calls {
                        let n = (i + t) % 94;
                        let algorithm = Algorithm::ALL[(i % 3) as usize];
                        let n = if algorithm == Algorithm::Recursive {
                            n % 16
                        } else {
                            n
                        };
                        assert_eq!(
                            fib.u64(algorithm, n).unwrap(),
                            fib_kernels::iterative(n).unwrap()
                        );
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("no thread panicked");
        }
        let stats = fib.module().pool_stats();
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
        .load_bytes(crate::MISBEHAVING_WAT.as_bytes())
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

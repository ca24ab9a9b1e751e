use std::time::{Duration, Instant};

use fastwasm_runtime::{CancelToken, Error, Value};

use crate::{BOTH, MISBEHAVING_WAT, misbehaving, runtime, wait_until};

#[test]
fn a_cancelled_call_stops_and_the_module_still_answers() {
    for isolation in BOTH {
        // A 60 s deadline: only the cancel can stop the call this soon.
        let module = runtime(Duration::from_mins(1), isolation)
            .load_module_bytes(MISBEHAVING_WAT.as_bytes())
            .unwrap();
        let cancel = CancelToken::new();
        let started = Instant::now();
        let error = std::thread::scope(|scope| {
            let call = scope.spawn(|| module.call_cancellable("spin", &[], &cancel));
            assert!(
                wait_until(|| module.pool_stats().busy == 1),
                "the call never started"
            );
            cancel.cancel();
            call.join().unwrap().unwrap_err()
        });
        let elapsed = started.elapsed();
        assert!(
            matches!(&error, Error::Cancelled { export } if export == "spin"),
            "{error:?}"
        );
        assert_eq!(error.to_string(), "`spin` was cancelled before it finished");
        // Far below the deadline; a bound that ends a failure, not a speed target.
        assert!(elapsed < Duration::from_secs(30), "{elapsed:?}");
        let stats = module.pool_stats();
        assert_eq!((stats.cancelled, stats.timeouts, stats.traps), (1, 0, 0));
        assert_eq!(
            module.call("add", &[Value::I32(2), Value::I32(3)]).unwrap(),
            [Value::I32(5)]
        );
    }
}

#[test]
fn a_call_with_a_token_still_has_its_deadline() {
    for isolation in BOTH {
        let module = misbehaving(isolation);
        let error = module
            .call_cancellable("spin", &[], &CancelToken::new())
            .unwrap_err();
        assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
        assert_eq!(module.pool_stats().cancelled, 0);
    }
}

#[test]
fn a_call_made_after_cancel_does_not_start() {
    let module = misbehaving(fastwasm_runtime::Isolation::Pooled);
    let cancel = CancelToken::new();
    cancel.cancel();
    let error = module.call_cancellable("count", &[], &cancel).unwrap_err();
    assert!(matches!(error, Error::Cancelled { .. }), "{error:?}");
    // The counter was never incremented: the call did not run.
    assert_eq!(module.call("count", &[]).unwrap(), [Value::I32(1)]);
}

#[test]
fn an_uncancelled_token_changes_nothing() {
    let module = misbehaving(fastwasm_runtime::Isolation::Pooled);
    let cancel = CancelToken::new();
    for i in 1..=100 {
        let args = [Value::I32(i), Value::I32(1)];
        assert_eq!(
            module.call_cancellable("add", &args, &cancel).unwrap(),
            [Value::I32(i + 1)]
        );
    }
    assert_eq!(module.pool_stats().cancelled, 0);
}

use std::sync::Arc;
use std::time::Duration;

use fastwasm_runtime::{Error as RuntimeError, Isolation, Value};
use fib_host::{Algorithm, Error, FibError, FibValue, FibonacciModule};

use crate::{BOTH, guest_path, runtime};

fn guest(isolation: Isolation) -> FibonacciModule {
    FibonacciModule::new(
        runtime(Duration::from_secs(10), isolation)
            .load_module(guest_path())
            .unwrap(),
    )
    .unwrap()
}

#[test]
fn f93_is_unsigned_through_the_facade_and_negative_through_the_generic_api() {
    let fib = guest(Isolation::Pooled);
    assert_eq!(
        fib.u64(Algorithm::FastDoubling, 93).unwrap(),
        12_200_160_415_121_876_738
    );
    let raw = fib
        .module()
        .call("calculate_fibonacci", &[Value::I32(93)])
        .unwrap();
    assert_eq!(
        raw,
        [Value::I64(12_200_160_415_121_876_738_u64.cast_signed())]
    );
    assert!(matches!(raw[0], Value::I64(v) if v < 0));
}

#[test]
fn every_algorithm_matches_the_native_kernels() {
    for isolation in BOTH {
        let fib = guest(isolation);
        for algorithm in Algorithm::ALL {
            let top = if algorithm == Algorithm::Recursive {
                25
            } else {
                93
            };
            for n in 0..=top {
                assert_eq!(
                    fib.u64(algorithm, n).unwrap(),
                    algorithm.u64(n).unwrap(),
                    "{algorithm} {n}"
                );
                assert_eq!(
                    fib.decimal(algorithm, n).unwrap(),
                    fib_kernels::decimal(algorithm, n).unwrap()
                );
            }
        }
        for n in [94, 100, 1000, 20_000] {
            for algorithm in [Algorithm::Iterative, Algorithm::FastDoubling] {
                let digits = fib.decimal(algorithm, n).unwrap();
                assert_eq!(digits, fib_kernels::decimal(algorithm, n).unwrap());
                assert_eq!(
                    fib.compute(algorithm, n).unwrap(),
                    FibValue::Digits(digits.clone())
                );
                assert_eq!(
                    fib.compute(algorithm, n)
                        .unwrap()
                        .to_big()
                        .unwrap()
                        .to_string(),
                    digits
                );
            }
        }
    }
}

#[test]
fn out_of_range_is_an_error_never_a_wrapped_number() {
    let fib = guest(Isolation::Pooled);
    for algorithm in Algorithm::ALL {
        assert!(matches!(
            fib.u64(algorithm, 94),
            Err(Error::Fib(FibError::U64Overflow { n: 94 }))
        ));
    }
    assert!(matches!(
        fib.decimal(Algorithm::Recursive, 94),
        Err(Error::Fib(FibError::U64Overflow { n: 94 }))
    ));
    // The guest itself traps rather than wrap, if asked directly.
    let error = fib
        .module()
        .call("calculate_fibonacci", &[Value::I32(100)])
        .unwrap_err();
    assert!(
        matches!(
            error,
            RuntimeError::Trap {
                code: "unreachable",
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn a_module_without_the_abi_is_refused() {
    let rt = runtime(Duration::from_secs(1), Isolation::Pooled);
    let module = rt
        .load_module_bytes(crate::MISBEHAVING_WAT.as_bytes())
        .unwrap();
    let error = FibonacciModule::new(module).err().unwrap();
    assert!(
        matches!(&error, Error::Runtime(RuntimeError::MissingExport { name }) if name == "fib_iterative"),
        "{error:?}"
    );
    let wrong = rt
        .load_module_bytes(
            br#"(module (func (export "fib_iterative") (param i64) (result i64) local.get 0))"#,
        )
        .unwrap();
    let error = FibonacciModule::new(wrong).err().unwrap();
    assert_eq!(
        error.to_string(),
        "`fib_iterative` has signature (i64) -> i64, but the call needs (i32) -> i64"
    );
}

#[test]
fn a_slow_digits_call_times_out() {
    let fib = FibonacciModule::new(
        runtime(Duration::from_millis(50), Isolation::Pooled)
            .load_module(guest_path())
            .unwrap(),
    )
    .unwrap();
    let error = fib.decimal(Algorithm::Iterative, 1_000_000).unwrap_err();
    assert!(
        matches!(error, Error::Runtime(RuntimeError::Timeout { .. })),
        "{error:?}"
    );
    assert_eq!(fib.u64(Algorithm::Iterative, 10).unwrap(), 55);
}

#[test]
fn cancelling_stops_a_long_computation_and_the_guest_stays_exact() {
    let fib = guest(Isolation::Pooled);
    let cancel = fastwasm_runtime::CancelToken::new();
    // Recursive F(80) would run far past the 10 s deadline.
    let error = std::thread::scope(|scope| {
        let call = scope.spawn(|| fib.compute_cancellable(Algorithm::Recursive, 80, &cancel));
        assert!(
            crate::wait_until(|| fib.module().pool_stats().busy == 1),
            "the call never started"
        );
        cancel.cancel();
        call.join().unwrap().unwrap_err()
    });
    assert!(
        matches!(error, Error::Runtime(RuntimeError::Cancelled { .. })),
        "{error:?}"
    );
    assert_eq!(fib.module().pool_stats().cancelled, 1);
    let fresh = fastwasm_runtime::CancelToken::new();
    assert_eq!(
        fib.decimal_cancellable(Algorithm::FastDoubling, 100, &fresh)
            .unwrap(),
        "354224848179261915075"
    );
    assert_eq!(
        fib.compute_cancellable(Algorithm::Iterative, 93, &fresh)
            .unwrap(),
        FibValue::U64(12_200_160_415_121_876_738)
    );
}

#[test]
fn eight_threads_of_ten_thousand_calls_all_right() {
    for isolation in BOTH {
        let fib = Arc::new(
            FibonacciModule::new(
                runtime(Duration::from_secs(10), isolation)
                    .load_module(guest_path())
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
            // It grows to the number of concurrent callers, never past them.
            assert!(stats.size >= 1 && stats.size <= 8, "{stats:?}");
        } else {
            assert_eq!(stats.size, 0);
        }
    }
}

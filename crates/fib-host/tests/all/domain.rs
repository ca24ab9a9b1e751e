//! Domain errors (arguments with no answer) never cost a healthy instance;
//! a guest that breaks the ABI does.

use std::time::Duration;

use fastwasm_runtime::{Error as RuntimeError, ErrorKind, Isolation, Value};
use fib_host::{Algorithm, Error, FibError, FibonacciModule, native};

use crate::runtime;

/// Speaks the ABI, but `fib_decimal` refuses every n with `U64_OVERFLOW` (a
/// domain answer), except n = 107, where it returns a buffer outside memory (an
/// ABI break). `calls` counts the `fib_decimal` calls this instance made.
const REFUSING_GUEST: &str = r#"(module
    (memory (export "memory") 1)
    (global $calls (mut i32) (i32.const 0))
    (func $zero (param i32) (result i64) (i64.const 0))
    (func (export "fib_iterative") (param i32) (result i64) (call $zero (local.get 0)))
    (func (export "fib_recursive") (param i32) (result i64) (call $zero (local.get 0)))
    (func (export "fib_fast_doubling") (param i32) (result i64) (call $zero (local.get 0)))
    (func (export "calculate_fibonacci") (param i32) (result i64) (call $zero (local.get 0)))
    (func (export "fib_decimal") (param i32 i32) (result i64)
        (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
        (if (result i64) (i32.eq (local.get 1) (i32.const 107))
            (then (i64.const 0x7fff000000000004))
            (else (i64.const 2))))
    (func (export "fib_decimal_free") (param i32 i32))
    (func (export "calls") (result i32) (global.get $calls))
    (func (export "fastwasm_abi_version") (result i32) (i32.const 1)))"#;

fn refusing() -> FibonacciModule {
    let module = runtime(Duration::from_secs(10), Isolation::Pooled)
        .load_module_bytes(REFUSING_GUEST.as_bytes())
        .unwrap();
    FibonacciModule::new(module).unwrap()
}

#[test]
fn a_domain_error_from_the_guest_keeps_its_instance() {
    let fib = refusing();
    for n in [200, 300, 400] {
        let error = fib.decimal(Algorithm::Iterative, n).unwrap_err();
        assert!(
            matches!(error, Error::Fib(FibError::U64Overflow { n: got }) if got == n),
            "{error:?}"
        );
    }
    // One instance (pool_size 1) saw all three calls: it was never replaced.
    assert_eq!(fib.module().call("calls", &[]).unwrap(), [Value::I32(3)]);
    let stats = fib.module().pool_stats();
    assert_eq!((stats.size, stats.traps), (1, 0));
}

#[test]
fn an_abi_break_costs_the_instance() {
    let fib = refusing();
    assert!(fib.decimal(Algorithm::Iterative, 200).is_err());
    let error = fib.decimal(Algorithm::Iterative, 107).unwrap_err();
    let Error::Runtime(error) = error else {
        panic!("{error:?}")
    };
    assert_eq!(error.kind(), ErrorKind::Abi);
    assert!(error.to_string().contains("outside memory"), "{error}");
    assert!(matches!(error, RuntimeError::Abi { .. }));
    // A fresh instance replaced it: its count starts again.
    assert_eq!(fib.module().call("calls", &[]).unwrap(), [Value::I32(0)]);
    assert_eq!(fib.module().pool_stats().size, 1);
}

#[test]
fn arguments_with_no_answer_never_reach_the_guest() {
    let fib = refusing();
    assert!(matches!(
        fib.decimal(Algorithm::Recursive, 94),
        Err(Error::Fib(FibError::U64Overflow { n: 94 }))
    ));
    assert_eq!(fib.module().call("calls", &[]).unwrap(), [Value::I32(0)]);
}

#[test]
fn native_gives_the_same_values_and_refusals() {
    assert_eq!(
        native(Algorithm::FastDoubling, 100).unwrap().to_digits(),
        "354224848179261915075"
    );
    assert_eq!(
        native(Algorithm::Recursive, 94),
        Err(FibError::U64Overflow { n: 94 })
    );
}

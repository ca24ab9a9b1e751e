//! Resources on a pinned instance: handles made, passed by borrow and by
//! own, dropped with the guest's destructor, the cap on live handles, and
//! what a fault does to every handle of its instance.

use std::time::Duration;

use fastwasm_runtime::wasmtime::component::{ResourceAny, Val};
use fastwasm_runtime::{
    CacheDir, CallOptions, Component, ErrorKind, Isolation, Pinned, Returned, Runtime,
    RuntimeConfig,
};

use crate::components::path_of;

const COUNTERS: &str = "fastwasm:echo/counters@0.1.0";

fn echo_with(max_resources: usize, isolation: Isolation) -> Component {
    let mut config = RuntimeConfig::default();
    config.cache_dir = CacheDir::Disabled;
    config.isolation = isolation;
    config.pool_size = Some(1);
    config.max_resources = max_resources;
    config.timeout = Duration::from_secs(10);
    Runtime::with_config(config)
        .unwrap()
        .load(path_of("echo"))
        .unwrap()
        .into_component()
        .unwrap()
}

fn call(pinned: &mut Pinned, name: &str, args: &[Val]) -> Option<Val> {
    match pinned
        .call(&format!("{COUNTERS}/{name}"), args, &CallOptions::default())
        .unwrap()
        .value
    {
        Returned::Val(value) => value,
        Returned::Fast(_) => unreachable!("a pinned call takes the general path"),
    }
}

fn handle(value: Option<Val>) -> ResourceAny {
    match value {
        Some(Val::Resource(handle)) => handle,
        other => panic!("not a handle: {other:?}"),
    }
}

#[test]
fn the_component_lists_its_resource_with_constructor_methods_and_statics() {
    let echo = echo_with(8, Isolation::Pooled);
    let counter = echo.resource("counter").unwrap();
    assert_eq!(counter.full_name(), format!("{COUNTERS}/counter"));
    assert!(counter.constructor.is_some());
    let methods: Vec<&str> = counter.methods.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(methods, ["up", "value", "add", "boom", "siblings", "spin"]);
    assert!(counter.static_function("sum").is_some());
    let make = echo.function(&format!("{COUNTERS}/make-counter")).unwrap();
    assert!(make.resources && make.unsupported.is_none());
    assert!(echo.resource_of(make.result.as_ref().unwrap()).is_some());
    assert_eq!(
        echo.resource("nothing").unwrap_err().kind(),
        ErrorKind::MissingExport
    );
}

#[test]
fn handles_live_in_their_instance_across_calls_and_the_destructor_runs_on_drop() {
    let echo = echo_with(8, Isolation::Pooled);
    let mut pinned = echo.pin().unwrap();
    let a = handle(call(&mut pinned, "[constructor]counter", &[Val::U32(5)]));
    let b = handle(call(&mut pinned, "make-counter", &[]));
    assert_eq!(
        call(&mut pinned, "[method]counter.up", &[Val::Resource(a)]),
        Some(Val::U32(6))
    );
    assert_eq!(
        call(&mut pinned, "[method]counter.up", &[Val::Resource(b)]),
        Some(Val::U32(1))
    );
    // Two borrows in one call, and a new handle back.
    let sum = handle(call(
        &mut pinned,
        "[static]counter.sum",
        &[Val::Resource(a), Val::Resource(b)],
    ));
    assert_eq!(
        call(&mut pinned, "[method]counter.value", &[Val::Resource(sum)]),
        Some(Val::U32(7))
    );
    assert_eq!(pinned.live(), 3);
    assert_eq!(call(&mut pinned, "live-counters", &[]), Some(Val::U32(3)));
    // `own`: the guest takes it and drops it.
    assert_eq!(
        call(&mut pinned, "consume", &[Val::Resource(sum)]),
        Some(Val::U32(7))
    );
    assert_eq!(pinned.live(), 2);
    assert_eq!(call(&mut pinned, "live-counters", &[]), Some(Val::U32(2)));
    let moved = pinned
        .call(
            &format!("{COUNTERS}/[method]counter.up"),
            &[Val::Resource(sum)],
            &CallOptions::default(),
        )
        .unwrap_err();
    assert_eq!(moved.kind(), ErrorKind::Resource);
    assert!(moved.to_string().contains("moved into a call"), "{moved}");
    pinned.drop_resource(a, "counter").unwrap();
    assert_eq!(call(&mut pinned, "live-counters", &[]), Some(Val::U32(1)));
    let twice = pinned.drop_resource(a, "counter").unwrap_err();
    assert!(twice.to_string().contains("already dropped"), "{twice}");
    pinned.drop_resource(b, "counter").unwrap();
    assert_eq!(pinned.live(), 0);
    drop(pinned);
    // Every handle was dropped: the instance is back in the pool, clean.
    assert_eq!(echo.pool_stats().busy, 0);
    assert_eq!(echo.pool_stats().size, 1);
    let mut again = echo.pin().unwrap();
    assert_eq!(call(&mut again, "live-counters", &[]), Some(Val::U32(0)));
}

#[test]
fn a_handle_from_another_instance_is_refused_before_the_guest_runs() {
    let echo = echo_with(8, Isolation::Pooled);
    let mut one = echo.pin().unwrap();
    let mut two = echo.pin().unwrap();
    let a = handle(call(&mut one, "make-counter", &[]));
    let b = handle(call(&mut two, "make-counter", &[]));
    let error = one
        .call(
            &format!("{COUNTERS}/[method]counter.add"),
            &[Val::Resource(a), Val::Resource(b)],
            &CallOptions::default(),
        )
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Resource);
    assert!(error.to_string().contains("another instance"), "{error}");
    // Refused before the call: the instance and its handle are fine.
    assert_eq!(
        call(&mut one, "[method]counter.up", &[Val::Resource(a)]),
        Some(Val::U32(1))
    );
}

#[test]
fn the_cap_on_live_handles_is_an_error_naming_its_limit() {
    let echo = echo_with(2, Isolation::Pooled);
    let mut pinned = echo.pin().unwrap();
    let a = handle(call(&mut pinned, "make-counter", &[]));
    let mut other = echo.pin().unwrap();
    let _b = handle(call(&mut other, "make-counter", &[]));
    // Two live across the component's instances: the third is refused.
    let full = pinned
        .call(
            &format!("{COUNTERS}/make-counter"),
            &[],
            &CallOptions::default(),
        )
        .unwrap_err();
    assert_eq!(full.kind(), ErrorKind::ResourceLimit);
    assert!(full.to_string().contains("all 2 live resources"), "{full}");
    pinned.drop_resource(a, "counter").unwrap();
    handle(call(&mut pinned, "make-counter", &[]));
}

#[test]
fn a_trap_in_a_method_throws_the_instance_away_and_every_handle_says_so() {
    for isolation in [Isolation::Pooled, Isolation::PerCall] {
        let echo = echo_with(8, isolation);
        let mut pinned = echo.pin().unwrap();
        let a = handle(call(&mut pinned, "make-counter", &[]));
        let b = handle(call(&mut pinned, "make-counter", &[]));
        let trap = pinned
            .call(
                &format!("{COUNTERS}/[method]counter.boom"),
                &[Val::Resource(a)],
                &CallOptions::default(),
            )
            .unwrap_err();
        assert_eq!(trap.kind(), ErrorKind::Trap, "{trap}");
        assert_eq!(pinned.live(), 0);
        let gone = pinned
            .call(
                &format!("{COUNTERS}/[method]counter.up"),
                &[Val::Resource(b)],
                &CallOptions::default(),
            )
            .unwrap_err();
        assert_eq!(gone.kind(), ErrorKind::Resource);
        assert!(
            gone.to_string().contains(
                "thrown away when `fastwasm:echo/counters@0.1.0/[method]counter.boom` failed"
            ),
            "{gone}"
        );
        assert!(pinned.gone().is_some());
        // Dropping a handle of a discarded instance is not an error.
        pinned.drop_resource(b, "counter").unwrap();
        drop(pinned);
        assert_eq!(echo.pool_stats().busy, 0, "{isolation:?}");
        // A new pin gets a healthy instance.
        let mut fresh = echo.pin().unwrap();
        assert_eq!(call(&mut fresh, "live-counters", &[]), Some(Val::U32(0)));
    }
}

#[test]
fn an_instance_dropped_with_handles_left_is_not_pooled() {
    let echo = echo_with(8, Isolation::Pooled);
    let mut pinned = echo.pin().unwrap();
    handle(call(&mut pinned, "make-counter", &[]));
    drop(pinned);
    let mut next = echo.pin().unwrap();
    // Not the instance that still held a counter.
    assert_eq!(call(&mut next, "live-counters", &[]), Some(Val::U32(0)));
}

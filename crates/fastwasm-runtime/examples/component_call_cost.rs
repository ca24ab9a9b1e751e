//! What one call into a component costs from Rust: wasmtime on its own (a
//! typed call where the shape has one, else the dynamic `Val` call), next to
//! the same call through fastwasm's pooled `Component`. `make bench-micro`
//! runs it once per round, between the Python contenders, and reports the
//! fastwasm overhead over the bare typed call (`bench/suite/micro.py`).
//!
//! ```text
//! cargo run --release -p fastwasm-runtime --example component_call_cost -- \
//!     python/fastwasm/components/echo.wasm 0.2 1048576
//! ```
//!
//! Arguments: the echo component, seconds per row (default 0.2), and the
//! length of the `xor-bytes` data (default 1 MiB). Prints one
//! `row<TAB>mean µs per call` line per contender.

mod common;

use std::time::Duration;

use fastwasm_runtime::wasmtime::component::{Instance, Val};
use fastwasm_runtime::wasmtime::{self, Store};
use fastwasm_runtime::{CallOptions, Component, FastArg, Returned, Runtime};

use common::{Host, bare_instance, time};

fn points(n: usize) -> Val {
    Val::List(
        (0..n)
            .map(|i| {
                #[allow(clippy::cast_precision_loss)]
                let x = i as f64;
                Val::Record(vec![
                    ("x".into(), Val::Float64(x)),
                    ("y".into(), Val::Float64(-x)),
                ])
            })
            .collect(),
    )
}

fn ten() -> Val {
    Val::Record(vec![
        ("a".into(), Val::U8(1)),
        ("b".into(), Val::S8(-2)),
        ("c".into(), Val::U16(3)),
        ("d".into(), Val::S16(-4)),
        ("e".into(), Val::U32(5)),
        ("f".into(), Val::S32(-6)),
        ("g".into(), Val::U64(7)),
        ("h".into(), Val::S64(-8)),
        ("i".into(), Val::Float32(1.5)),
        ("j".into(), Val::String("ten".into())),
    ])
}

/// The record rows: the dynamic `Val` call on both sides (a record has no
/// typed form without generated bindings).
fn val_rows(
    store: &mut Store<Host>,
    instance: &Instance,
    fastwasm: &Component,
    budget: Duration,
    rows: &mut Vec<(&'static str, f64)>,
) -> wasmtime::Result<()> {
    let echo_ten = instance
        .get_func(&mut *store, "echo-ten")
        .ok_or_else(|| wasmtime::format_err!("no echo-ten"))?;
    let echo_points = instance
        .get_func(&mut *store, "echo-points")
        .ok_or_else(|| wasmtime::format_err!("no echo-points"))?;
    let (ten, points) = (ten(), points(1000));
    let mut out = [Val::Bool(false)];
    rows.push((
        "wasmtime Val: echo-ten(record of 10)",
        time(budget, || {
            echo_ten
                .call(&mut *store, std::slice::from_ref(&ten), &mut out)
                .unwrap();
        }),
    ));
    rows.push((
        "fastwasm Component::call: echo-ten(record of 10)",
        time(budget, || {
            fastwasm
                .call("echo-ten", std::slice::from_ref(&ten), None)
                .unwrap();
        }),
    ));
    rows.push((
        "wasmtime Val: echo-points(1,000 records)",
        time(budget, || {
            echo_points
                .call(&mut *store, std::slice::from_ref(&points), &mut out)
                .unwrap();
        }),
    ));
    rows.push((
        "fastwasm Component::call: echo-points(1,000 records)",
        time(budget, || {
            fastwasm
                .call("echo-points", std::slice::from_ref(&points), None)
                .unwrap();
        }),
    ));
    Ok(())
}

/// The resource rows: a method call on a live `counter` against the plain
/// call of the same shape (`nothing() -> u32`, above), and constructing and
/// dropping one; the dynamic `Val` call on both sides (a handle has no typed
/// form without generated bindings).
fn resource_rows(
    store: &mut Store<Host>,
    instance: &Instance,
    fastwasm: &Component,
    budget: Duration,
    rows: &mut Vec<(&'static str, f64)>,
) -> wasmtime::Result<()> {
    const COUNTERS: &str = "fastwasm:echo/counters@0.1.0";
    let interface = instance
        .get_export_index(&mut *store, None, COUNTERS)
        .ok_or_else(|| wasmtime::format_err!("no {COUNTERS}"))?;
    let func = |store: &mut Store<Host>, name: &str| {
        let index = instance
            .get_export_index(&mut *store, Some(&interface), name)
            .ok_or_else(|| wasmtime::format_err!("no {name}"))?;
        instance
            .get_func(&mut *store, index)
            .ok_or_else(|| wasmtime::format_err!("{name} is not a function"))
    };
    let (new, value) = (
        func(store, "[constructor]counter")?,
        func(store, "[method]counter.value")?,
    );
    let mut out = [Val::Bool(false)];
    new.call(&mut *store, &[Val::U32(0)], &mut out)?;
    let counter = out[0].clone();
    rows.push((
        "wasmtime Val: [method]counter.value()",
        time(budget, || {
            value
                .call(&mut *store, std::slice::from_ref(&counter), &mut out)
                .unwrap();
        }),
    ));
    rows.push((
        "wasmtime Val: construct and drop a counter",
        time(budget, || {
            new.call(&mut *store, &[Val::U32(0)], &mut out).unwrap();
            let Val::Resource(handle) = out[0] else {
                unreachable!("a constructor gives a handle")
            };
            handle.resource_drop(&mut *store).unwrap();
        }),
    ));
    let mut pinned = fastwasm.pin()?;
    let options = CallOptions::default();
    let handle = |called: fastwasm_runtime::Called| match called.value {
        Returned::Val(Some(Val::Resource(handle))) => handle,
        other => unreachable!("a constructor gives a handle, not {other:?}"),
    };
    let ours = handle(pinned.call(
        &format!("{COUNTERS}/[constructor]counter"),
        &[Val::U32(0)],
        &options,
    )?);
    let method = format!("{COUNTERS}/[method]counter.value");
    let constructor = format!("{COUNTERS}/[constructor]counter");
    rows.push((
        "fastwasm Pinned::call: [method]counter.value()",
        time(budget, || {
            pinned
                .call(&method, &[Val::Resource(ours)], &options)
                .unwrap();
        }),
    ));
    rows.push((
        "fastwasm Pinned: construct and drop a counter",
        time(budget, || {
            let made = handle(pinned.call(&constructor, &[Val::U32(0)], &options).unwrap());
            pinned.drop_resource(made, "counter").unwrap();
        }),
    ));
    Ok(())
}

fn main() -> wasmtime::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "python/fastwasm/components/echo.wasm".into());
    let seconds: f64 = args.next().map_or(Ok(0.2), |s| s.parse())?;
    let budget = Duration::from_secs_f64(seconds);
    let len: usize = args.next().map_or(Ok(1 << 20), |s| s.parse())?;

    let ascii = "a".repeat(1024); // 1 KiB of ASCII
    let text = "é".repeat(512); // 1 KiB of 2-byte characters
    let bytes = vec![7u8; len];
    let key = Val::U8(0x5a);

    let (mut store, instance) = bare_instance(&path, false)?;
    let nothing = instance.get_typed_func::<(), (u32,)>(&mut store, "nothing")?;
    let reverse = instance.get_typed_func::<(&str,), (String,)>(&mut store, "reverse")?;
    let xor = instance.get_typed_func::<(&[u8], u8), (Vec<u8>,)>(&mut store, "xor-bytes")?;

    // fastwasm: the same component, pooled, with the runtime's defaults.
    let runtime = Runtime::new()?;
    let fastwasm = runtime.load(&path)?.into_component()?;

    let mut rows: Vec<(&str, f64)> = Vec::new();
    rows.push((
        "wasmtime typed: nothing()",
        time(budget, || {
            nothing.call(&mut store, ()).unwrap();
        }),
    ));
    rows.push((
        "fastwasm Component::call_fast: nothing()",
        time(budget, || {
            fastwasm.call_fast("nothing", &[], None).unwrap();
        }),
    ));
    for (label_bare, label_ours, text) in [
        (
            "wasmtime typed: reverse(1 KiB ASCII)",
            "fastwasm Component::call_fast: reverse(1 KiB ASCII)",
            &ascii,
        ),
        (
            "wasmtime typed: reverse(1 KiB of é)",
            "fastwasm Component::call_fast: reverse(1 KiB of é)",
            &text,
        ),
    ] {
        rows.push((
            label_bare,
            time(budget, || {
                reverse.call(&mut store, (text,)).unwrap();
            }),
        ));
        rows.push((
            label_ours,
            time(budget, || {
                fastwasm
                    .call_fast("reverse", &[FastArg::Str(text)], None)
                    .unwrap();
            }),
        ));
    }
    rows.push((
        "wasmtime typed: xor-bytes(data)",
        time(budget, || {
            xor.call(&mut store, (&bytes, 0x5a)).unwrap();
        }),
    ));
    rows.push((
        "fastwasm Component::call_fast: xor-bytes(data)",
        time(budget, || {
            let args = [FastArg::Bytes(&bytes), FastArg::Scalar(&key)];
            fastwasm.call_fast("xor-bytes", &args, None).unwrap();
        }),
    ));
    val_rows(&mut store, &instance, &fastwasm, budget, &mut rows)?;
    resource_rows(&mut store, &instance, &fastwasm, budget, &mut rows)?;
    #[allow(clippy::print_stdout)]
    for (name, micros) in rows {
        println!("{name}\t{micros:.4}");
    }
    Ok(())
}

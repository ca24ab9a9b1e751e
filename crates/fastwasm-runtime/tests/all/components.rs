//! Components: told apart from modules, typed calls on both paths, WASI
//! denied by default, the same limits and error kinds as modules, and a
//! healthy pool after every fault.

use std::time::Duration;

use fastwasm_runtime::wasmtime::component::Val;
use fastwasm_runtime::{
    Bulk, CacheDir, CacheOutcome, CancelToken, Component, DirGrant, Error, ErrorKind, FastArg,
    FastValue, Grants, Isolation, LoadOptions, Loaded, Payload, Runtime, RuntimeConfig,
};

use crate::{BOTH, wait_until};

fn path(name: &str) -> String {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    match name {
        "fault" => format!("{root}/tests/components/fault.wasm"),
        other => format!("{root}/python/fastwasm/components/{other}.wasm"),
    }
}

fn runtime(isolation: Isolation, timeout: Duration) -> Runtime {
    let mut config = RuntimeConfig::default();
    config.timeout = timeout;
    config.isolation = isolation;
    config.cache_dir = CacheDir::Disabled;
    config.max_memory_bytes = 32 << 20;
    config.pool_size = Some(1);
    Runtime::with_config(config).unwrap()
}

pub(crate) fn path_of(name: &str) -> String {
    path(name)
}

pub(crate) fn component(name: &str, isolation: Isolation) -> Component {
    runtime(isolation, Duration::from_secs(10))
        .load(path(name))
        .unwrap()
        .into_component()
        .unwrap()
}

fn call(c: &Component, name: &str, args: &[Val]) -> Option<Val> {
    c.call(name, args, None).unwrap().0
}

#[test]
fn load_tells_a_component_from_a_module() {
    let rt = runtime(Isolation::Pooled, Duration::from_secs(10));
    assert!(matches!(
        rt.load(path("echo")).unwrap(),
        Loaded::Component(_)
    ));
    assert!(matches!(
        rt.load(crate::guest_path()).unwrap(),
        Loaded::Module(_)
    ));
    let error = rt.load(path("echo")).unwrap().into_module().err().unwrap();
    assert_eq!(error.kind(), ErrorKind::InvalidModule);
}

#[test]
fn exports_are_listed_with_their_wit_signatures() {
    let echo = component("echo", Isolation::Pooled);
    let signature = |name: &str| echo.function(name).unwrap().signature();
    assert_eq!(
        signature("checked-div"),
        "func(a: s32, b: s32) -> result<s32, string>"
    );
    assert_eq!(signature("checked_div"), signature("checked-div"));
    assert_eq!(
        signature("echo-point"),
        "func(v: record { x: f64, y: f64 }) -> record { x: f64, y: f64 }"
    );
    assert_eq!(
        signature("fastwasm:echo/api@0.1.0/greet"),
        "func(name: string) -> string"
    );
    assert!(echo.function("xor-bytes").unwrap().has_fast_path());
    assert!(!echo.function("echo-points").unwrap().has_fast_path());
    let counter = echo
        .function("fastwasm:echo/counters@0.1.0/make-counter")
        .unwrap();
    assert!(counter.resources && counter.unsupported.is_none());
    assert!(matches!(
        echo.function("nope"),
        Err(Error::MissingExport { .. })
    ));
}

#[test]
fn typed_values_go_there_and_back_in_both_isolation_modes() {
    for isolation in BOTH {
        let echo = component("echo", isolation);
        assert_eq!(
            call(&echo, "echo-u64", &[Val::U64(u64::MAX)]),
            Some(Val::U64(u64::MAX))
        );
        let point = Val::Record(vec![
            ("x".into(), Val::Float64(1.5)),
            ("y".into(), Val::Float64(-2.0)),
        ]);
        assert_eq!(
            call(&echo, "echo-point", std::slice::from_ref(&point)),
            Some(point)
        );
        assert_eq!(
            call(&echo, "checked-div", &[Val::S32(7), Val::S32(0)]),
            Some(Val::Result(Err(Some(Box::new(Val::String(
                "cannot divide 7 by 0".into()
            ))))))
        );
        assert_eq!(
            call(
                &echo,
                "fastwasm:echo/api@0.1.0/greet",
                &[Val::String("you".into())]
            ),
            Some(Val::String("Hello, you!".into()))
        );
    }
}

#[test]
fn the_fast_path_gives_what_the_general_path_gives() {
    let echo = component("echo", Isolation::Pooled);
    let data: Vec<u8> = (0..=255).cycle().take(100_000).collect();
    let key = Val::U8(0x5a);
    let (fast, _) = echo
        .call_fast(
            "xor-bytes",
            &[FastArg::Bytes(&data), FastArg::Scalar(&key)],
            None,
        )
        .unwrap();
    let list = Val::List(data.iter().copied().map(Val::U8).collect());
    let (general, _) = echo.call("xor-bytes", &[list, key], None).unwrap();
    let expected: Vec<u8> = data.iter().map(|b| b ^ 0x5a).collect();
    assert_eq!(fast, FastValue::Bulk(Bulk::Bytes(expected.clone())));
    assert_eq!(
        general,
        Some(Val::List(expected.into_iter().map(Val::U8).collect()))
    );
    let (reversed, _) = echo
        .call_fast("reverse", &[FastArg::Str("añb")], None)
        .unwrap();
    assert_eq!(reversed, FastValue::Bulk(Bulk::Str("bña".into())));
    let image = component("image", Isolation::Pooled);
    let (refused, _) = image
        .call_fast(
            "blur",
            &[
                FastArg::Bytes(&[0; 12]),
                FastArg::Scalar(&Val::U32(2)),
                FastArg::Scalar(&Val::U32(2)),
                FastArg::Scalar(&Val::U32(1)),
            ],
            None,
        )
        .unwrap();
    assert!(
        matches!(refused, FastValue::Result(Err(Bulk::Str(ref e))) if e.contains("12 bytes")),
        "{refused:?}"
    );
}

/// A fast-path value as the general path gives it.
fn as_val(value: FastValue) -> Option<Val> {
    let bulk = |bulk: Bulk| match bulk {
        Bulk::Bytes(bytes) => Val::List(bytes.into_iter().map(Val::U8).collect()),
        Bulk::Str(text) => Val::String(text),
        Bulk::Numbers(numbers) => numbers.to_val(),
    };
    let payload = |payload: Payload| {
        Box::new(match payload {
            Payload::Scalar(val) => val,
            Payload::Bulk(b) => bulk(b),
        })
    };
    match value {
        FastValue::Unit => None,
        FastValue::Scalar(val) => Some(val),
        FastValue::Bulk(b) => Some(bulk(b)),
        FastValue::Option(o) => Some(Val::Option(o.map(payload))),
        FastValue::Result(r) => Some(Val::Result(
            r.map(|p| Some(payload(p)))
                .map_err(|b| Some(Box::new(bulk(b)))),
        )),
    }
}

#[test]
fn a_scalar_in_an_option_or_a_result_takes_the_fast_path_at_its_own_offset() {
    let echo = component("echo", Isolation::Pooled);
    let bytes = |b: &[u8]| Val::List(b.iter().copied().map(Val::U8).collect());
    let text = |t: &str| Val::String(t.into());
    // Some and none, ok and err, for each size in memory: a payload read at
    // the wrong offset or width gives a different value than the general
    // path's.
    let cases: Vec<(&str, Vec<Val>)> = vec![
        ("find-byte", vec![bytes(b"abcdef"), Val::U8(b'e')]),
        ("find-byte", vec![bytes(b"abcdef"), Val::U8(b'z')]),
        ("first-byte", vec![bytes(&[0xfe, 1])]),
        ("first-byte", vec![bytes(&[])]),
        ("first-char", vec![text("ñu")]),
        ("first-char", vec![text("")]),
        ("parse-bool", vec![text("true")]),
        ("parse-bool", vec![text("false")]),
        ("parse-bool", vec![text("maybe")]),
        ("checked-add-u16", vec![Val::U16(40_000), Val::U16(25_000)]),
        ("checked-add-u16", vec![Val::U16(40_000), Val::U16(30_000)]),
        ("checked-mul-u64", vec![Val::U64(u64::MAX / 3), Val::U64(3)]),
        ("checked-mul-u64", vec![Val::U64(u64::MAX / 3), Val::U64(4)]),
        ("checked-div", vec![Val::S32(-7), Val::S32(2)]),
        ("checked-div", vec![Val::S32(1), Val::S32(0)]),
    ];
    for (name, args) in cases {
        assert!(echo.function(name).unwrap().has_fast_path(), "{name}");
        let fast_args: Vec<FastArg<'_>> = args
            .iter()
            .map(|arg| match arg {
                Val::String(t) => FastArg::Str(t),
                other => FastArg::Scalar(other),
            })
            .collect();
        let lists: Vec<Vec<u8>>;
        let fast_args = if let Val::List(items) = &args[0] {
            lists = vec![
                items
                    .iter()
                    .map(|v| match v {
                        Val::U8(b) => *b,
                        other => panic!("{other:?}"),
                    })
                    .collect(),
            ];
            let mut with_bytes = vec![FastArg::Bytes(&lists[0])];
            with_bytes.extend_from_slice(&fast_args[1..]);
            with_bytes
        } else {
            fast_args
        };
        let (fast, _) = echo.call_fast(name, &fast_args, None).unwrap();
        let (general, _) = echo.call(name, &args, None).unwrap();
        assert_eq!(as_val(fast), general, "{name}{args:?}");
    }
    let numeric = component("numeric", Isolation::Pooled);
    let dot = numeric.function("dot").unwrap();
    assert!(dot.has_fast_path());
    let (a, b) = ([1.5, -2.0, 4.0], [2.0, 0.25, 0.5]);
    let (fast, _) = numeric
        .call_fast(
            "dot",
            &[
                FastArg::Numbers(fastwasm_runtime::NumberSlice::F64(&a)),
                FastArg::Numbers(fastwasm_runtime::NumberSlice::F64(&b)),
            ],
            None,
        )
        .unwrap();
    assert_eq!(
        fast,
        FastValue::Result(Ok(Payload::Scalar(Val::Float64(4.5))))
    );
}

#[test]
fn a_function_that_passes_a_resource_is_refused_off_a_pinned_instance() {
    let echo = component("echo", Isolation::Pooled);
    let error = echo
        .call("fastwasm:echo/counters@0.1.0/make-counter", &[], None)
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unsupported);
    assert!(error.to_string().contains("pinned instance"), "{error}");
}

#[test]
fn wasi_grants_nothing_but_clocks_and_random() {
    let fault = component("fault", Isolation::Pooled);
    let read = call(&fault, "read-file", &[Val::String("/etc/passwd".into())]);
    assert!(matches!(read, Some(Val::Result(Err(_)))), "{read:?}");
    assert_eq!(call(&fault, "environment", &[]), Some(Val::List(vec![])));
    assert_eq!(call(&fault, "arguments", &[]), Some(Val::List(vec![])));
    assert_eq!(call(&fault, "read-stdin", &[]), Some(Val::U32(0)));
    let connect = call(&fault, "connect", &[Val::String("127.0.0.1:9".into())]);
    assert!(matches!(connect, Some(Val::Result(Err(_)))), "{connect:?}");
    assert!(matches!(call(&fault, "now", &[]), Some(Val::U64(t)) if t > 1_700_000_000_000_000_000));
}

#[test]
fn a_grant_opens_one_directory_read_only_and_gives_variables_by_value() {
    let dir = std::env::temp_dir().join(format!("fastwasm-test-grants-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("words.txt"), "apple").unwrap();
    let options = LoadOptions {
        grants: Grants {
            dirs: vec![DirGrant {
                host: dir.clone(),
                guest: "/data".into(),
            }],
            env: vec![("LOCALE".into(), "de_CH".into())],
        },
        ..LoadOptions::default()
    };
    let fault = runtime(Isolation::PerCall, Duration::from_secs(5))
        .load_with(path("fault"), options)
        .unwrap()
        .into_component()
        .unwrap();
    assert_eq!(fault.grants().dirs[0].guest, "/data");
    let read = call(
        &fault,
        "read-file",
        &[Val::String("/data/words.txt".into())],
    );
    assert_eq!(
        read,
        Some(Val::Result(Ok(Some(Box::new(Val::String("apple".into()))))))
    );
    let write = call(
        &fault,
        "write-file",
        &[
            Val::String("/data/words.txt".into()),
            Val::String("no".into()),
        ],
    );
    assert!(matches!(write, Some(Val::Result(Err(_)))), "{write:?}");
    let escape = call(
        &fault,
        "read-file",
        &[Val::String("/data/../words.txt".into())],
    );
    assert!(matches!(escape, Some(Val::Result(Err(_)))), "{escape:?}");
    let env = call(&fault, "environment", &[]);
    let expected = Val::Tuple(vec![
        Val::String("LOCALE".into()),
        Val::String("de_CH".into()),
    ]);
    assert_eq!(env, Some(Val::List(vec![expected])));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn stdout_and_stderr_are_captured_per_call_up_to_the_cap() {
    let fault = component("fault", Isolation::Pooled);
    let (_, output) = fault
        .call("chatter", &[Val::String("hi".into()), Val::U32(2)], None)
        .unwrap();
    assert_eq!(
        (
            output.stdout.as_slice(),
            output.stderr.as_slice(),
            output.dropped
        ),
        (&b"hi\nhi\n"[..], &b"hi\nhi\n"[..], 0)
    );
    // The next call on the same instance starts empty.
    let (_, output) = fault
        .call(
            "chatter",
            &[Val::String("x".repeat(1000)), Val::U32(100)],
            None,
        )
        .unwrap();
    assert_eq!(output.stdout.len(), 64 << 10);
    assert_eq!(output.dropped, 2 * (100 * 1001 - (64 << 10)));
}

#[test]
fn faults_get_the_module_error_kinds_and_the_pool_recovers() {
    for isolation in BOTH {
        let rt = runtime(isolation, Duration::from_secs(1));
        let fault = rt.load(path("fault")).unwrap().into_component().unwrap();
        let panic = fault
            .call("panic", &[Val::String("boom".into())], None)
            .unwrap_err();
        assert!(
            matches!(
                &panic,
                Error::Trap {
                    code: "unreachable",
                    ..
                }
            ),
            "{panic:?}"
        );
        assert!(panic.to_string().contains("boom"), "{panic}");
        let spin = fault.call("spin", &[], None).unwrap_err();
        assert_eq!(spin.kind(), ErrorKind::Timeout);
        let grow = fault.call("grow", &[Val::U32(64)], None).unwrap_err();
        assert_eq!(grow.kind(), ErrorKind::MemoryLimit);
        assert_eq!(call(&fault, "grow", &[Val::U32(2)]), Some(Val::U32(2)));
        let stats = fault.pool_stats();
        assert_eq!(
            (stats.traps, stats.timeouts, stats.memory_limits, stats.busy),
            (1, 1, 1, 0)
        );
    }
}

#[test]
fn a_cancelled_component_call_stops() {
    let fault = component("fault", Isolation::Pooled);
    let cancel = CancelToken::new();
    let error = std::thread::scope(|scope| {
        let call = scope.spawn(|| fault.call("spin", &[], Some(&cancel)));
        assert!(
            wait_until(|| fault.pool_stats().busy == 1),
            "the call never started"
        );
        cancel.cancel();
        call.join().unwrap().unwrap_err()
    });
    assert_eq!(error.kind(), ErrorKind::Cancelled);
    assert_eq!(call(&fault, "grow", &[Val::U32(1)]), Some(Val::U32(1)));
}

#[test]
fn imports_neither_wasi_nor_provided_are_named_at_load() {
    let rt = runtime(Isolation::Pooled, Duration::from_secs(1));
    let wat = br#"(component
        (import "acme:host/log" (instance (export "log" (func (param "m" string)))))
        (import "acme:host/clock" (instance (export "now" (func (result u64))))))"#;
    let error = rt.load_bytes(wat).err().unwrap();
    assert_eq!(error.kind(), ErrorKind::InvalidModule);
    let message = error.to_string();
    assert!(
        message.contains("acme:host/log") && message.contains("acme:host/clock"),
        "{message}"
    );
}

#[test]
fn components_are_cached_on_disk_like_modules() {
    let dir = std::env::temp_dir().join(format!("fastwasm-test-components-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let load = || {
        let mut config = RuntimeConfig::default();
        config.cache_dir = CacheDir::Path(dir.clone());
        config.pool_size = Some(1);
        Runtime::with_config(config)
            .unwrap()
            .load(path("fib"))
            .unwrap()
    };
    assert_eq!(load().load_info().cache, CacheOutcome::Miss);
    let warm = load();
    assert_eq!(warm.load_info().cache, CacheOutcome::Hit);
    let fib = warm.into_component().unwrap();
    let algorithm = Val::Enum("fast-doubling".into());
    assert_eq!(
        call(&fib, "fib", &[Val::U32(100), algorithm]),
        Some(Val::Result(Ok(Some(Box::new(Val::String(
            "354224848179261915075".into()
        ))))))
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

//! One fuzz case of `fastwasm-runtime`'s load-and-call path.
//!
//! A case turns fuzzer bytes into a `wasm-smith` module or component, loads
//! it into a runtime with a short deadline and a small memory cap, and calls
//! its exports with zero (or, for a component, default) arguments. Every outcome may be an error; a panic or a
//! crash of the process is the bug being looked for. Two drivers share this
//! code, in the way wasmtime's `crates/fuzzing` serves its `fuzz/` targets:
//! the bounded, seeded run in `make test` (`fastwasm-runtime`'s
//! `tests/all/fuzz.rs`) and the coverage-guided libFuzzer target of
//! `make fuzz` (`fuzz/fuzz_targets/load_and_call.rs`).
//!
//! ```
//! use fastwasm_fuzzing::FuzzHost;
//!
//! let host = FuzzHost::new();
//! for outcome in host.run(&[7u8; 4096], 1) {
//!     assert!(outcome.starts_with("load: ") || outcome.starts_with("call: ") || outcome == "no module from the bytes");
//! }
//! ```

use std::time::Duration;

use arbitrary::Arbitrary;
/// The byte source the generators draw from, re-exported for their callers.
pub use arbitrary::Unstructured;
use fastwasm_runtime::wasmtime::component::{Type, Val};
use fastwasm_runtime::{
    CacheDir, Component, Error, Isolation, Loaded, Module, Runtime, RuntimeConfig, Value, ValueType,
};

/// At most this many exports are called per module, so one case stays short.
pub const CALLS_PER_MODULE: usize = 6;

/// The runtimes a fuzz case runs in: one pooled, one with a fresh instance per
/// call. Build it once per process, as a server builds its runtime.
pub struct FuzzHost {
    runtimes: [Runtime; 2],
}

impl Default for FuzzHost {
    fn default() -> Self {
        Self {
            runtimes: [
                fuzz_runtime(Isolation::Pooled),
                fuzz_runtime(Isolation::PerCall),
            ],
        }
    }
}

impl FuzzHost {
    /// Both runtimes (see [`fuzz_runtime`]).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// One case: a module drawn from `data` and `variant` (see [`module_from`]),
    /// or, when `variant % 8 == 7`, a component (see [`component_from`]);
    /// exercised (see [`exercise`]) in the pooled runtime when `variant` is
    /// even and per call when it is odd. Returns the outcomes, or
    /// `"no module from the bytes"`.
    #[must_use]
    pub fn run(&self, data: &[u8], variant: u64) -> Vec<String> {
        let u = &mut Unstructured::new(data);
        let wasm = if variant % 8 == 7 {
            component_from(u)
        } else {
            module_from(u, variant)
        };
        match wasm {
            Ok(wasm) => exercise(&self.runtimes[(variant % 2) as usize], &wasm),
            Err(_) => vec!["no module from the bytes".to_owned()],
        }
    }
}

/// A runtime for fuzzing: a 20 ms deadline, an 8 MiB memory cap, one pooled
/// instance, no disk cache.
///
/// # Panics
///
/// If the runtime cannot be built, which is a bug in this configuration.
#[must_use]
pub fn fuzz_runtime(isolation: Isolation) -> Runtime {
    let mut config = RuntimeConfig::default();
    config.timeout = Duration::from_millis(20);
    config.epoch_tick = Duration::from_millis(2);
    config.max_memory_bytes = 8 << 20;
    config.isolation = isolation;
    config.pool_size = Some(1);
    config.cache_dir = CacheDir::Disabled;
    Runtime::with_config(config).expect("a runtime from a fixed configuration")
}

/// A `wasm-smith` module drawn from `u`.
///
/// `variant` steers the mix, so that most modules can be loaded and called
/// and the rest must be refused cleanly: one in four keeps imports (which the
/// host never provides), one in five may use proposals the host's wasmtime is
/// built without (GC, threads, exceptions, ...), and two in three export every
/// function.
///
/// # Errors
///
/// When `u` runs out of bytes or holds no valid configuration or module.
pub fn module_from(u: &mut Unstructured<'_>, variant: u64) -> arbitrary::Result<Vec<u8>> {
    let mut config = wasm_smith::Config::arbitrary(u)?;
    if !variant.is_multiple_of(4) {
        config.max_imports = 0;
    }
    if !variant.is_multiple_of(5) {
        config.gc_enabled = false;
        // externref needs GC; wasm-smith has no funcref-only switch.
        config.reference_types_enabled = false;
        config.exceptions_enabled = false;
        config.compact_imports_enabled = false;
        config.threads_enabled = false;
        config.shared_everything_threads_enabled = false;
        config.wide_arithmetic_enabled = false;
        config.custom_descriptors_enabled = false;
    }
    config.max_memory32_bytes = config.max_memory32_bytes.min(16 << 20);
    config.export_everything = !variant.is_multiple_of(3);
    Ok(wasm_smith::Module::new(config, u)?.to_bytes())
}

/// A `wasm-smith` component drawn from `u`.
///
/// wasm-smith's component generator is a work in progress upstream
/// (bytecodealliance/wasm-tools#1000): it mostly builds components of type
/// definitions, imports and nested core modules, rarely a callable export, and
/// may produce an invalid component. Both are useful here: the loader must
/// refuse what is invalid cleanly, and whatever loads is called.
///
/// # Errors
///
/// When `u` runs out of bytes or holds no valid configuration or component.
pub fn component_from(u: &mut Unstructured<'_>) -> arbitrary::Result<Vec<u8>> {
    let mut config = wasm_smith::Config::arbitrary(u)?;
    config.max_memory32_bytes = config.max_memory32_bytes.min(16 << 20);
    Ok(wasm_smith::Component::new(config, u)?.to_bytes())
}

/// Loads `wasm` into `runtime` and calls up to [`CALLS_PER_MODULE`] of its
/// exports: a core module's scalar exports with zero arguments, a
/// component's functions with [`default_val`] arguments. Returns one outcome
/// per step, such as `"load: ok"`, `"load: invalid module"`,
/// `"call: timeout"`; a component's are prefixed `"component "`.
#[must_use]
pub fn exercise(runtime: &Runtime, wasm: &[u8]) -> Vec<String> {
    match runtime.load_bytes(wasm) {
        Ok(Loaded::Module(module)) => exercise_module(&module),
        Ok(Loaded::Component(component)) => exercise_component(&component),
        Err(error) => vec![format!("load: {}", kind(&error))],
    }
}

fn exercise_module(loaded: &Module) -> Vec<String> {
    let mut outcomes = vec!["load: ok".to_owned()];
    let callable = loaded
        .exports()
        .iter()
        .filter_map(|e| e.signature.as_ref().map(|s| (&e.name, s)))
        .take(CALLS_PER_MODULE);
    for (name, signature) in callable {
        let args: Vec<Value> = signature.params.iter().map(|&t| zero(t)).collect();
        outcomes.push(match loaded.call(name, &args) {
            Ok(_) => "call: ok".to_owned(),
            Err(error) => format!("call: {}", kind(&error)),
        });
    }
    outcomes
}

fn kind(error: &Error) -> &'static str {
    match error {
        Error::InvalidModule { .. } => "invalid module",
        Error::Trap { .. } => "trap",
        Error::Timeout { .. } => "timeout",
        Error::MemoryLimit { .. } => "memory limit",
        Error::InstanceLimit { .. } => "instance limit",
        Error::WrongSignature { .. } => "wrong signature",
        Error::Unsupported { .. } => "unsupported",
        _ => "other",
    }
}

fn exercise_component(component: &Component) -> Vec<String> {
    let mut outcomes = vec!["component load: ok".to_owned()];
    for function in component.functions().iter().take(CALLS_PER_MODULE) {
        let args: Vec<Val> = function
            .params
            .iter()
            .map(|(_, t)| default_val(t))
            .collect();
        outcomes.push(match component.call(&function.name, &args, None) {
            Ok(_) => "component call: ok".to_owned(),
            Err(error) => format!("component call: {}", kind(&error)),
        });
    }
    outcomes
}

/// A value of type `ty`: zero, empty, the first case, `none`, `ok`.
/// Resources, futures and streams get a placeholder the runtime refuses
/// (`Error::Unsupported`) before the guest sees it.
#[must_use]
pub fn default_val(ty: &Type) -> Val {
    match ty {
        Type::S8 => Val::S8(0),
        Type::U8 => Val::U8(0),
        Type::S16 => Val::S16(0),
        Type::U16 => Val::U16(0),
        Type::S32 => Val::S32(0),
        Type::U32 => Val::U32(0),
        Type::S64 => Val::S64(0),
        Type::U64 => Val::U64(0),
        Type::Float32 => Val::Float32(0.0),
        Type::Float64 => Val::Float64(0.0),
        Type::Char => Val::Char('a'),
        Type::String => Val::String(String::new()),
        Type::List(_) => Val::List(Vec::new()),
        Type::Map(_) => Val::Map(Vec::new()),
        Type::FixedLengthList(l) => {
            Val::FixedLengthList((0..l.len()).map(|_| default_val(&l.ty())).collect())
        }
        Type::Record(r) => Val::Record(
            r.fields()
                .map(|f| (f.name.to_owned(), default_val(&f.ty)))
                .collect(),
        ),
        Type::Tuple(t) => Val::Tuple(t.types().map(|t| default_val(&t)).collect()),
        Type::Variant(v) => v.cases().next().map_or(Val::Bool(false), |case| {
            Val::Variant(
                case.name.to_owned(),
                case.ty.map(|t| Box::new(default_val(&t))),
            )
        }),
        Type::Enum(e) => Val::Enum(e.names().next().unwrap_or_default().to_owned()),
        Type::Flags(_) => Val::Flags(Vec::new()),
        Type::Option(_) => Val::Option(None),
        Type::Result(r) => Val::Result(Ok(r.ok().map(|t| Box::new(default_val(&t))))),
        // `bool`, and the placeholder.
        _ => Val::Bool(false),
    }
}

/// An arbitrary value of type `ty` drawn from `u`: any scalar, NaN and
/// surrogate-free chars included; lists of up to 8 elements; every case of a
/// variant, enum, option and result; any subset of flags.
///
/// # Errors
///
/// When `u` runs out of bytes.
pub fn arbitrary_val(u: &mut Unstructured<'_>, ty: &Type) -> arbitrary::Result<Val> {
    let list = |u: &mut Unstructured<'_>, element: &Type| -> arbitrary::Result<Vec<Val>> {
        let len = u.int_in_range(0..=8)?;
        (0..len).map(|_| arbitrary_val(u, element)).collect()
    };
    let boxed = |u: &mut Unstructured<'_>, ty: Option<Type>| -> arbitrary::Result<_> {
        ty.map(|t| arbitrary_val(u, &t).map(Box::new)).transpose()
    };
    Ok(match ty {
        Type::Bool => Val::Bool(u.arbitrary()?),
        Type::S8 => Val::S8(u.arbitrary()?),
        Type::U8 => Val::U8(u.arbitrary()?),
        Type::S16 => Val::S16(u.arbitrary()?),
        Type::U16 => Val::U16(u.arbitrary()?),
        Type::S32 => Val::S32(u.arbitrary()?),
        Type::U32 => Val::U32(u.arbitrary()?),
        Type::S64 => Val::S64(u.arbitrary()?),
        Type::U64 => Val::U64(u.arbitrary()?),
        Type::Float32 => Val::Float32(u.arbitrary()?),
        Type::Float64 => Val::Float64(u.arbitrary()?),
        Type::Char => Val::Char(u.arbitrary()?),
        Type::String => Val::String(u.arbitrary()?),
        Type::List(l) => Val::List(list(u, &l.ty())?),
        Type::Map(m) => {
            let len = u.int_in_range(0..=8)?;
            Val::Map(
                (0..len)
                    .map(|_| Ok((arbitrary_val(u, &m.key())?, arbitrary_val(u, &m.value())?)))
                    .collect::<arbitrary::Result<_>>()?,
            )
        }
        Type::FixedLengthList(l) => Val::FixedLengthList(
            (0..l.len())
                .map(|_| arbitrary_val(u, &l.ty()))
                .collect::<arbitrary::Result<_>>()?,
        ),
        Type::Record(r) => Val::Record(
            r.fields()
                .map(|f| Ok((f.name.to_owned(), arbitrary_val(u, &f.ty)?)))
                .collect::<arbitrary::Result<_>>()?,
        ),
        Type::Tuple(t) => Val::Tuple(
            t.types()
                .map(|t| arbitrary_val(u, &t))
                .collect::<arbitrary::Result<_>>()?,
        ),
        Type::Variant(v) => {
            let cases: Vec<_> = v.cases().collect();
            let case = u.choose(&cases)?;
            Val::Variant(case.name.to_owned(), boxed(u, case.ty.clone())?)
        }
        Type::Enum(e) => {
            let names: Vec<&str> = e.names().collect();
            Val::Enum((*u.choose(&names)?).to_owned())
        }
        Type::Flags(f) => {
            let mut set = Vec::new();
            for name in f.names() {
                if u.arbitrary()? {
                    set.push(name.to_owned());
                }
            }
            Val::Flags(set)
        }
        Type::Option(o) => Val::Option(if u.arbitrary()? {
            Some(Box::new(arbitrary_val(u, &o.ty())?))
        } else {
            None
        }),
        Type::Result(r) => Val::Result(if u.arbitrary()? {
            Ok(boxed(u, r.ok())?)
        } else {
            Err(boxed(u, r.err())?)
        }),
        _ => default_val(ty),
    })
}

fn zero(ty: ValueType) -> Value {
    match ty {
        ValueType::I32 => Value::I32(0),
        ValueType::I64 => Value::I64(0),
        ValueType::F32 => Value::F32(0.0),
        ValueType::F64 => Value::F64(0.0),
    }
}

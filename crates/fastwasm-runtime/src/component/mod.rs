//! WebAssembly components: any WIT interface, called with typed values.
//!
//! A component is compiled once (and cached like a module), linked against
//! WASI preview 2 with nothing granted (`wasi.rs`), and instantiated from an
//! `InstancePre` into the same pool as modules: the same deadline, cancel
//! token, memory cap, stack cap and error kinds.
//!
//! Functions are addressed by their WIT name: `checked-div` for a function
//! the component exports itself, and `interface/function` for one of an
//! exported interface, with the interface's full name, version included:
//! `demo:image/filters@0.1.0/blur`. Python's `snake_case` spelling of the
//! function name is accepted too (`checked_div`).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::{Duration, Instant};

use wasmtime::component::Val;

use crate::config::Limits;
use crate::fast::{FastArg, FastValue};
use crate::placement::Costs;
use crate::pool::{CallOptions, Lease, Linked, LoadInfo, Pool, PoolStats, Stop};
use crate::store::CallState;
use crate::wasi::{CallOutput, Grants};
use crate::wit::kebab;
use crate::{CancelToken, Error, Runtime};

mod function;
mod pinned;
mod resource;

use function::functions;
pub use function::{Callee, Function};
pub use pinned::Pinned;
pub use resource::ResourceExport;

/// A compiled, linked component, ready to call from any number of threads.
/// Cheap to clone: clones share the compiled code and the instance pool.
#[derive(Clone)]
pub struct Component {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool<Pre>,
    functions: Vec<Function>,
    by_name: HashMap<String, usize>,
    info: LoadInfo,
    costs: Costs,
    resources: Vec<ResourceExport>,
    /// Handles the host owns across every pinned instance (`max_resources`).
    live_resources: AtomicUsize,
}

/// A call's arguments, borrowed: for the typed fast path (bytes and strings
/// as they are), or one [`Val`] per parameter for the general path.
#[derive(Debug, Clone, Copy)]
pub enum Args<'a> {
    /// For a function whose [`Function::has_fast_path`].
    Fast(&'a [FastArg<'a>]),
    /// For any function.
    Vals(&'a [Val]),
}

/// A call's arguments, owned, so that another thread can make the call:
/// for the fast path, any owner of its bytes and strings (a `Vec`, a
/// Python object's buffer) that lends them as [`FastArg`]s; or one [`Val`]
/// per parameter.
#[derive(Debug, Clone)]
pub enum OwnedArgs<A> {
    /// For a function whose [`Function::has_fast_path`].
    Fast(Vec<A>),
    /// For any function.
    Vals(Vec<Val>),
}

/// An owned fast-path argument: lends itself as the [`FastArg`] the runtime
/// takes.
pub trait LendArg {
    /// The argument, borrowed.
    fn arg(&self) -> FastArg<'_>;
}

impl<A: LendArg> OwnedArgs<A> {
    /// The arguments, borrowed as [`Component::invoke`] takes them.
    pub fn with_args<R>(&self, body: impl FnOnce(Args<'_>) -> R) -> R {
        match self {
            Self::Fast(owned) => {
                let fast: Vec<FastArg<'_>> = owned.iter().map(LendArg::arg).collect();
                body(Args::Fast(&fast))
            }
            Self::Vals(vals) => body(Args::Vals(vals)),
        }
    }
}

/// What a call returned, by the path it took.
#[derive(Debug, Clone, PartialEq)]
pub enum Returned {
    /// From the fast path.
    Fast(FastValue),
    /// From the general path: the result, if the function has one.
    Val(Option<Val>),
}

/// A call that returned.
#[derive(Debug, Clone, PartialEq)]
pub struct Called {
    /// What it returned.
    pub value: Returned,
    /// What the guest wrote to stdout and stderr.
    pub output: CallOutput,
    /// The call's own time, instance included.
    pub elapsed: Duration,
}

/// A component, pre-linked with WASI.
struct Pre(wasmtime::component::InstancePre<CallState>);

impl Linked for Pre {
    type Instance = wasmtime::component::Instance;
    type Func = wasmtime::component::Func;
    const WASI: bool = true;

    fn instantiate(
        &self,
        store: &mut wasmtime::Store<CallState>,
    ) -> wasmtime::Result<Self::Instance> {
        self.0.instantiate(store)
    }
}

/// The WASI interfaces the host links (`wasmtime_wasi::p2::add_to_linker_sync`).
const WASI_PACKAGES: [&str; 6] = [
    "wasi:cli/",
    "wasi:clocks/",
    "wasi:filesystem/",
    "wasi:io/",
    "wasi:random/",
    "wasi:sockets/",
];

impl Component {
    pub(crate) fn new(
        runtime: Runtime,
        component: &wasmtime::component::Component,
        info: LoadInfo,
        limits: Limits,
        grants: Grants,
    ) -> Result<Self, Error> {
        let engine = component.engine();
        let mut linker = wasmtime::component::Linker::<CallState>::new(engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
            .map_err(|e| Error::engine("cannot link WASI", e))?;
        let pre = linker.instantiate_pre(component).map_err(|source| {
            let ty = component.component_type();
            let missing: Vec<&str> = ty
                .imports(engine)
                .map(|(name, _)| name)
                .filter(|name| !WASI_PACKAGES.iter().any(|p| name.starts_with(p)))
                .collect();
            let reason = if missing.is_empty() {
                format!("{source:#}")
            } else {
                format!(
                    "it imports {}, which fastwasm does not provide (only WASI preview 2)",
                    missing.join(", ")
                )
            };
            Error::InvalidModule {
                reason,
                source: Some(source.into_boxed_dyn_error()),
            }
        })?;
        let mut functions = functions(engine, component);
        for (position, function) in functions.iter_mut().enumerate() {
            function.position = position;
        }
        let resources = resource::resources(engine, component, &functions);
        let by_name = functions
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.clone(), i))
            .collect();
        let costs = Costs::new(
            functions.len(),
            limits.placement,
            runtime.shared.config.inline_threshold,
        );
        let pool = Pool::new(
            runtime,
            engine.clone(),
            Pre(pre),
            functions.len(),
            limits,
            grants,
        )?;
        Ok(Self {
            inner: Arc::new(Inner {
                pool,
                functions,
                by_name,
                info,
                costs,
                resources,
                live_resources: AtomicUsize::new(0),
            }),
        })
    }

    /// Every exported function, the component's own first, then each exported
    /// interface's, in the component's order.
    #[must_use]
    pub fn functions(&self) -> &[Function] {
        &self.inner.functions
    }

    /// The function named `name` (WIT or `snake_case` spelling).
    ///
    /// # Errors
    /// [`Error::MissingExport`] when the component exports no such function.
    pub fn function(&self, name: &str) -> Result<&Function, Error> {
        self.index(name).map(|i| &self.inner.functions[i])
    }

    fn index(&self, name: &str) -> Result<usize, Error> {
        let by_name = &self.inner.by_name;
        by_name
            .get(name)
            .or_else(|| by_name.get(&kebab(name)))
            .copied()
            .ok_or_else(|| Error::MissingExport {
                name: name.to_owned(),
            })
    }

    /// What its instances are granted: read-only directories and
    /// environment variables ([`crate::LoadOptions::grants`]).
    #[must_use]
    pub fn grants(&self) -> &Grants {
        self.inner.pool.grants()
    }

    /// Whether its calls run under a deadline, so a timeout or a
    /// [`CancelToken`] can stop them ([`crate::LoadOptions::deadline`]).
    #[must_use]
    pub fn has_deadline(&self) -> bool {
        self.inner.pool.limits().deadline
    }

    /// How the component was loaded: cache outcome, time, size.
    #[must_use]
    pub fn load_info(&self) -> LoadInfo {
        self.inner.info.clone()
    }

    /// The runtime this component belongs to.
    #[must_use]
    pub fn runtime(&self) -> &Runtime {
        &self.inner.pool.runtime
    }

    /// Pool size, busy instances, and counters of failed calls.
    #[must_use]
    pub fn pool_stats(&self) -> PoolStats {
        self.inner.pool.stats()
    }

    /// Calls `name` with `args`, one [`Val`] per parameter, under the
    /// runtime's limits: the general path, for any supported WIT type.
    /// Returns the result (if the function has one) and what the guest wrote
    /// to stdout and stderr.
    ///
    /// # Errors
    /// [`Error::MissingExport`]; [`Error::Unsupported`] for a function that
    /// passes resources, futures or streams; [`Error::WrongSignature`] when
    /// `args` do not have the parameters' types; and the call's failures
    /// ([`Error::Trap`] with the guest's stderr tail, [`Error::Timeout`],
    /// [`Error::Cancelled`], [`Error::MemoryLimit`], [`Error::InstanceLimit`]).
    pub fn call(
        &self,
        name: &(impl Callee + ?Sized),
        args: &[Val],
        cancel: Option<&CancelToken>,
    ) -> Result<(Option<Val>, CallOutput), Error> {
        let options = CallOptions {
            cancel,
            timeout: None,
        };
        let called = self.invoke(name, Args::Vals(args), &options)?;
        match called.value {
            Returned::Val(value) => Ok((value, called.output)),
            Returned::Fast(_) => unreachable!("Args::Vals takes the general path"),
        }
    }

    /// Calls `name` through the typed fast path: bytes and strings cross as
    /// one copy each. Only for functions whose [`Function::has_fast_path`];
    /// the arguments must match the parameters' types (`fast.rs`).
    ///
    /// # Errors
    /// As [`Component::call`], and [`Error::WrongSignature`] when the
    /// function has no fast path or the arguments do not fit it.
    pub fn call_fast(
        &self,
        name: &(impl Callee + ?Sized),
        args: &[FastArg<'_>],
        cancel: Option<&CancelToken>,
    ) -> Result<(FastValue, CallOutput), Error> {
        let options = CallOptions {
            cancel,
            timeout: None,
        };
        let called = self.invoke(name, Args::Fast(args), &options)?;
        match called.value {
            Returned::Fast(value) => Ok((value, called.output)),
            Returned::Val(_) => unreachable!("Args::Fast takes the fast path"),
        }
    }

    /// Calls `name` with `args` under `options`, by the path the arguments
    /// are for, and times it: the one call every other goes through. The
    /// time feeds the function's [`Placement::Measured`](crate::Placement)
    /// rule.
    ///
    /// # Errors
    /// As [`Component::call`] and [`Component::call_fast`], and
    /// [`Error::InvalidConfig`] naming `timeout_s` for a deadline looser than
    /// the function's.
    pub fn invoke(
        &self,
        name: &(impl Callee + ?Sized),
        args: Args<'_>,
        options: &CallOptions<'_>,
    ) -> Result<Called, Error> {
        match self.run(name.position(self)?, args, options, false) {
            Ok(called) => Ok(called),
            Err(Stop::Failed(error)) => Err(error),
            Err(Stop::Preempted) => unreachable!("only an inline call is preempted"),
        }
    }

    /// As [`Component::invoke`], inline in a caller that must not block:
    /// preempted at the next epoch tick. `Ok(None)` when it was: nothing of
    /// the call remains, and the caller runs it again on a call thread
    /// ([`Runtime::spawn`]) with [`Component::invoke`].
    ///
    /// # Errors
    /// As [`Component::invoke`].
    pub fn invoke_inline(
        &self,
        name: &(impl Callee + ?Sized),
        args: Args<'_>,
        options: &CallOptions<'_>,
    ) -> Result<Option<Called>, Error> {
        match self.run(name.position(self)?, args, options, true) {
            Ok(called) => Ok(Some(called)),
            Err(Stop::Failed(error)) => Err(error),
            Err(Stop::Preempted) => Ok(None),
        }
    }

    /// Whether a caller that must not block runs `name` inline now, by the
    /// component's [`Placement`](crate::Placement).
    ///
    /// # Errors
    /// [`Error::MissingExport`] when the component exports no such function.
    pub fn runs_inline(&self, name: &(impl Callee + ?Sized)) -> Result<bool, Error> {
        Ok(self.inner.costs.runs_inline(name.position(self)?))
    }

    fn run(
        &self,
        index: usize,
        args: Args<'_>,
        options: &CallOptions<'_>,
        inline: bool,
    ) -> Result<Called, Stop> {
        let function = self.callable(index)?;
        let shape = match args {
            Args::Vals(vals) if vals.len() != function.params.len() => {
                return Err(Stop::Failed(Error::WrongSignature {
                    name: function.name.clone(),
                    expected: format!("{} arguments", vals.len()),
                    actual: function.signature(),
                }));
            }
            Args::Vals(_) => None,
            Args::Fast(fast) => {
                let Some(shape) = function.shape else {
                    return Err(Stop::Failed(Error::WrongSignature {
                        name: function.name.clone(),
                        expected: "a function with a fast path".into(),
                        actual: function.signature(),
                    }));
                };
                shape.check(&function.name, fast)?;
                Some(shape)
            }
        };
        let started = Instant::now();
        let ran = self
            .inner
            .pool
            .run(&function.name, options, inline, |lease| {
                let func = func(lease, index, function);
                let value = match (args, shape) {
                    (Args::Fast(fast), Some(shape)) => {
                        Returned::Fast(shape.call(func, &mut *lease.store, fast)?)
                    }
                    (Args::Vals(vals), _) => {
                        let mut results =
                            vec![Val::Bool(false); usize::from(function.result.is_some())];
                        func.call(&mut *lease.store, vals, &mut results)?;
                        Returned::Val(results.pop())
                    }
                    (Args::Fast(_), None) => unreachable!("a shape was found above"),
                };
                Ok((value, output(lease)))
            });
        let elapsed = started.elapsed();
        match &ran {
            Ok(_) | Err(Stop::Preempted | Stop::Failed(Error::Timeout { .. })) => {
                self.inner.costs.record(index, elapsed);
            }
            // Another failure says nothing about how long the function takes.
            Err(Stop::Failed(_)) => {}
        }
        let (value, output) = ran?;
        Ok(Called {
            value,
            output,
            elapsed,
        })
    }

    fn callable(&self, index: usize) -> Result<&Function, Stop> {
        let function = &self.inner.functions[index];
        let reason = match &function.unsupported {
            Some(reason) => reason.clone(),
            None if function.resources => format!(
                "`{}` passes a resource, which lives in one instance across calls: it runs only on a pinned instance",
                function.name
            ),
            None => return Ok(function),
        };
        Err(Stop::Failed(Error::Unsupported {
            function: function.name.clone(),
            reason,
        }))
    }
}

fn func(
    lease: &mut Lease<'_, wasmtime::component::Instance, wasmtime::component::Func>,
    index: usize,
    function: &Function,
) -> wasmtime::component::Func {
    lease.func(index, |store, instance| {
        instance
            .get_func(store, function.index)
            .expect("the export index comes from this component's own type")
    })
}

fn output(
    lease: &mut Lease<'_, wasmtime::component::Instance, wasmtime::component::Func>,
) -> CallOutput {
    lease
        .store()
        .data()
        .wasi
        .as_ref()
        .map(crate::wasi::WasiState::take_output)
        .unwrap_or_default()
}

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use crossbeam_queue::ArrayQueue;
use std::time::Duration;

use crate::cache::CacheOutcome;
use crate::error::trap_code;
use crate::value::{Export, Signature, Value, ValueType};
use crate::{CancelToken, Error, Isolation, Runtime};

/// How a module was loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadInfo {
    /// Whether the compiled code came from the disk cache.
    pub cache: CacheOutcome,
    /// Time to get compiled code: read from the cache, or compile (and write).
    pub load_time: Duration,
    /// The module's size in bytes.
    pub size_bytes: usize,
}

/// The instance pool of a module, as [`Module::pool_stats`] reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolStats {
    /// Instances alive in the pool (idle or busy). Always 0 in per-call mode.
    pub size: usize,
    /// Calls running now.
    pub busy: usize,
    /// Calls that trapped.
    pub traps: u64,
    /// Calls interrupted at their deadline.
    pub timeouts: u64,
    /// Calls stopped at the memory cap.
    pub memory_limits: u64,
    /// Calls stopped by their [`CancelToken`].
    pub cancelled: u64,
}

/// A compiled, linked module, ready to call from any number of threads.
/// Cheap to clone: clones share the compiled code and the instance pool.
#[derive(Clone)]
pub struct Module {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    runtime: Runtime,
    pre: wasmtime::InstancePre<CallState>,
    exports: Vec<Export>,
    by_name: HashMap<String, usize>,
    info: LoadInfo,
    deadline_ticks: u64,
    // Lock-free, sized to max_instances so a push never fails. Boxed: a slot
    // is a few hundred bytes, and only the pointer should move.
    idle: ArrayQueue<Box<Slot>>,
    size: AtomicUsize,
    /// Calls in flight in per-call mode (pooled mode derives it from the pool).
    per_call_busy: AtomicUsize,
    traps: AtomicU64,
    timeouts: AtomicU64,
    memory_limits: AtomicU64,
    cancelled: AtomicU64,
}

/// The runtime's state in every `Store`: the memory cap, what the guest last
/// asked for above it, and the running call's cancel token. Opaque: a facade
/// only passes `&mut Store<CallState>` on to wasmtime's typed calls.
pub struct CallState {
    max_memory: usize,
    refused_growth: Option<usize>,
    cancel: Option<CancelToken>,
    /// Epoch ticks left before the deadline, counted down when `cancel` makes
    /// the call wake at every tick.
    ticks_left: u64,
}

impl CallState {
    /// Called by wasmtime when the epoch deadline is reached. Without a cancel
    /// token the deadline is the call's own, so the call ends; with one, the
    /// deadline is the next tick, so the token is checked at every tick.
    fn on_deadline(&mut self) -> wasmtime::Result<wasmtime::UpdateDeadline> {
        let Some(cancel) = &self.cancel else {
            return Ok(wasmtime::UpdateDeadline::Interrupt);
        };
        if cancel.is_cancelled() {
            // The export's name is filled in by `classify`.
            return Err(wasmtime::Error::new(Error::Cancelled {
                export: String::new(),
            }));
        }
        if self.ticks_left == 0 {
            return Ok(wasmtime::UpdateDeadline::Interrupt);
        }
        self.ticks_left -= 1;
        Ok(wasmtime::UpdateDeadline::Continue(1))
    }
}

impl wasmtime::ResourceLimiter for CallState {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_memory {
            self.refused_growth = Some(desired);
            // Trap instead of returning -1 from memory.grow, so the caller gets
            // a memory-limit error rather than whatever the guest makes of -1.
            wasmtime::bail!("memory limit");
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

/// One instance and its store, and what facades resolved on it.
struct Slot {
    store: wasmtime::Store<CallState>,
    instance: wasmtime::Instance,
    funcs: Vec<Option<wasmtime::Func>>,
    /// Values a facade resolved once for this instance (typed functions, its
    /// memory), by type: see [`Lease::cached`].
    cache: Vec<(TypeId, Box<dyn Any + Send>)>,
}

/// An instance lent to the closure of [`Module::with_instance`], with the
/// deadline, the memory cap and the cancel token of the call already set.
pub struct Lease<'a> {
    store: &'a mut wasmtime::Store<CallState>,
    instance: wasmtime::Instance,
    funcs: &'a mut Vec<Option<wasmtime::Func>>,
    cache: &'a mut Vec<(TypeId, Box<dyn Any + Send>)>,
}

impl Lease<'_> {
    /// The instance's store, for wasmtime's calls.
    pub fn store(&mut self) -> &mut wasmtime::Store<CallState> {
        self.store
    }

    /// The instance.
    #[must_use]
    pub fn instance(&self) -> wasmtime::Instance {
        self.instance
    }

    /// A value of type `T` made once per instance by `resolve`, then reused
    /// (typed functions, an exported memory), with the store beside it.
    /// Resolving `TypedFunc`s once per instance, not per call, is what makes
    /// a facade's call as cheap as wasmtime's own typed call.
    ///
    /// # Errors
    /// What `resolve` returns, the first time.
    ///
    /// # Panics
    /// Never: the entry stored under `TypeId::of::<T>()` is always a `T`.
    pub fn cached<T: Any + Send>(
        &mut self,
        resolve: impl FnOnce(&mut wasmtime::Store<CallState>, wasmtime::Instance) -> wasmtime::Result<T>,
    ) -> wasmtime::Result<(&T, &mut wasmtime::Store<CallState>)> {
        let key = TypeId::of::<T>();
        let index = if let Some(index) = self.cache.iter().position(|(k, _)| *k == key) {
            index
        } else {
            let value = resolve(self.store, self.instance)?;
            self.cache.push((key, Box::new(value)));
            self.cache.len() - 1
        };
        let value = self.cache[index]
            .1
            .downcast_ref::<T>()
            .expect("the entry under TypeId::of::<T>() is a T");
        Ok((value, self.store))
    }
}

impl Module {
    pub(crate) fn new(
        runtime: Runtime,
        module: &wasmtime::Module,
        info: LoadInfo,
    ) -> Result<Self, Error> {
        let imports: Vec<String> = module
            .imports()
            .map(|i| format!("{}::{}", i.module(), i.name()))
            .collect();
        if !imports.is_empty() {
            return Err(Error::InvalidModule {
                reason: format!(
                    "it imports {}, and fastwasm provides no imports",
                    imports.join(", ")
                ),
                source: None,
            });
        }
        let exports: Vec<Export> = module
            .exports()
            .filter_map(|e| match e.ty() {
                wasmtime::ExternType::Func(ty) => Some(Export {
                    name: e.name().to_owned(),
                    signature: signature_of(&ty),
                }),
                _ => None,
            })
            .collect();
        let by_name = exports
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name.clone(), i))
            .collect();
        let linker = wasmtime::Linker::<CallState>::new(&runtime.shared.engine);
        let pre = linker
            .instantiate_pre(module)
            .map_err(Error::invalid_module)?;
        let deadline_ticks = runtime.shared.config.deadline_ticks();
        let pool_size = match runtime.shared.config.isolation {
            Isolation::Pooled => runtime.shared.config.pool_size(),
            Isolation::PerCall => 0,
        };
        let max_instances = runtime.shared.config.max_instances as usize;
        let inner = Inner {
            runtime,
            pre,
            exports,
            by_name,
            info,
            deadline_ticks,
            idle: ArrayQueue::new(max_instances),
            size: AtomicUsize::new(0),
            per_call_busy: AtomicUsize::new(0),
            traps: AtomicU64::new(0),
            timeouts: AtomicU64::new(0),
            memory_limits: AtomicU64::new(0),
            cancelled: AtomicU64::new(0),
        };
        for _ in 0..pool_size {
            let slot = inner.instantiate("(instantiation)")?;
            inner.size.fetch_add(1, Ordering::Relaxed);
            inner.put(slot);
        }
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// Every function export with its signature, in module order.
    #[must_use]
    pub fn exports(&self) -> &[Export] {
        &self.inner.exports
    }

    /// How the module was loaded: cache outcome, time, size.
    #[must_use]
    pub fn load_info(&self) -> LoadInfo {
        self.inner.info
    }

    /// The runtime this module belongs to.
    #[must_use]
    pub fn runtime(&self) -> &Runtime {
        &self.inner.runtime
    }

    /// Pool size, busy instances, and counters of traps, timeouts and
    /// memory-limit stops.
    #[must_use]
    pub fn pool_stats(&self) -> PoolStats {
        let inner = &self.inner;
        let idle = inner.idle.len();
        let size = inner.size.load(Ordering::Relaxed);
        PoolStats {
            size,
            // Pooled: every live instance not idle is in a call, so the hot
            // path needs no shared counter.
            busy: size.saturating_sub(idle) + inner.per_call_busy.load(Ordering::Relaxed),
            traps: inner.traps.load(Ordering::Relaxed),
            timeouts: inner.timeouts.load(Ordering::Relaxed),
            memory_limits: inner.memory_limits.load(Ordering::Relaxed),
            cancelled: inner.cancelled.load(Ordering::Relaxed),
        }
    }

    /// The index and signature of a callable function export.
    ///
    /// # Errors
    /// [`Error::MissingExport`] when there is no function of that name.
    pub(crate) fn export(&self, name: &str) -> Result<(usize, Option<&Signature>), Error> {
        let index = *self
            .inner
            .by_name
            .get(name)
            .ok_or_else(|| Error::MissingExport {
                name: name.to_owned(),
            })?;
        Ok((index, self.inner.exports[index].signature.as_ref()))
    }

    /// The scalar signature of function export `name`.
    ///
    /// # Errors
    /// [`Error::MissingExport`], or [`Error::WrongSignature`] when the export
    /// uses types outside the scalar API.
    pub fn signature(&self, name: &str) -> Result<&Signature, Error> {
        self.export(name)?.1.ok_or_else(|| Error::WrongSignature {
            name: name.to_owned(),
            expected: "scalar parameters and results".into(),
            actual: "a non-scalar type".into(),
        })
    }

    /// Checks that export `name` has exactly `expected` as its type.
    ///
    /// # Errors
    /// [`Error::MissingExport`] or [`Error::WrongSignature`].
    pub fn require(&self, name: &str, expected: &Signature) -> Result<(), Error> {
        match self.export(name)?.1 {
            Some(actual) if actual == expected => Ok(()),
            actual => Err(Error::WrongSignature {
                name: name.to_owned(),
                expected: expected.to_string(),
                actual: actual.map_or_else(|| "a non-scalar type".to_owned(), ToString::to_string),
            }),
        }
    }

    /// Calls a scalar export with `args`, checked against its type, under the
    /// runtime's deadline and memory cap.
    ///
    /// ```
    /// use fastwasm_runtime::{Runtime, RuntimeConfig, CacheDir, Value};
    ///
    /// let mut config = RuntimeConfig::default();
    /// config.cache_dir = CacheDir::Disabled;
    /// let runtime = Runtime::with_config(config)?;
    /// let module = runtime.load_bytes(br#"(module
    ///     (func (export "add") (param i32 i32) (result i32)
    ///         local.get 0 local.get 1 i32.add))"#)?;
    /// assert_eq!(module.call("add", &[Value::I32(2), Value::I32(40)])?, [Value::I32(42)]);
    /// # Ok::<(), fastwasm_runtime::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::MissingExport`], [`Error::WrongSignature`] when the arguments
    /// do not match, [`Error::Trap`], [`Error::Timeout`], [`Error::MemoryLimit`]
    /// or [`Error::InstanceLimit`].
    pub fn call(&self, export: &str, args: &[Value]) -> Result<Vec<Value>, Error> {
        self.call_with(export, args, None)
    }

    /// As [`Module::call`], and stopped with [`Error::Cancelled`] once `cancel`
    /// is cancelled.
    ///
    /// # Errors
    /// As [`Module::call`], and [`Error::Cancelled`].
    pub fn call_cancellable(
        &self,
        export: &str,
        args: &[Value],
        cancel: &CancelToken,
    ) -> Result<Vec<Value>, Error> {
        self.call_with(export, args, Some(cancel))
    }

    fn call_with(
        &self,
        export: &str,
        args: &[Value],
        cancel: Option<&CancelToken>,
    ) -> Result<Vec<Value>, Error> {
        let (index, signature) = self.export(export)?;
        let given: Vec<ValueType> = args.iter().map(|a| a.ty()).collect();
        let Some(signature) = signature.filter(|s| s.params == given) else {
            return Err(Error::WrongSignature {
                name: export.to_owned(),
                expected: Signature::new(&given, &[]).to_string(),
                actual: signature
                    .map_or_else(|| "a non-scalar type".to_owned(), ToString::to_string),
            });
        };
        // One buffer holds the parameters, then the results, as wasmtime's
        // unchecked call wants it.
        let mut raw: Vec<wasmtime::ValRaw> = args.iter().map(|a| a.to_raw()).collect();
        raw.resize(
            signature.params.len().max(signature.results.len()),
            wasmtime::ValRaw::i32(0),
        );
        self.with_instance(export, cancel, |lease| {
            let func = lease.func(index, export);
            // SAFETY: `func` is this module's export `export`, whose type is
            // `signature` (scalars only, so no references to keep alive); the
            // buffer holds exactly its parameter types, checked above, and has
            // room for its results. The call is not made from async code.
            unsafe { func.call_unchecked(&mut *lease.store, &raw mut raw[..]) }
        })?;
        Ok(signature
            .results
            .iter()
            .zip(&raw)
            .map(|(&ty, raw)| Value::from_raw(ty, *raw))
            .collect())
    }

    /// Runs `body` on an instance under the deadline, the memory cap and
    /// `cancel`: a pooled one, or a fresh one in per-call mode. This is the
    /// hook a typed facade builds on (see [`Lease::cached`]).
    ///
    /// What `body` returns decides the instance's fate. `Ok` means the
    /// instance did nothing wrong, and it goes back to the pool: so a facade
    /// returns its domain errors inside `Ok` (as `Ok(Err(domain_error))`).
    /// `Err` means the call failed (a trap, the deadline, the memory cap, or
    /// an [`Error::abi`] the facade raised): the instance is thrown away and,
    /// in pooled mode, replaced, so the pool never shrinks. If `body` panics,
    /// the instance is dropped and the pool's counts stay right.
    ///
    /// `label` names the call in errors (the export, usually).
    ///
    /// ```
    /// use fastwasm_runtime::{CacheDir, Runtime, RuntimeConfig};
    ///
    /// let mut config = RuntimeConfig::default();
    /// config.cache_dir = CacheDir::Disabled;
    /// let module = Runtime::with_config(config)?.load_bytes(br#"(module
    ///     (func (export "square") (param i32) (result i32) local.get 0 local.get 0 i32.mul))"#)?;
    /// // Resolved once per instance, then reused by every call on it.
    /// struct Square(wasmtime::TypedFunc<i32, i32>);
    /// let value = module.with_instance("square", None, |lease| {
    ///     let (square, store) = lease.cached(|store, instance| {
    ///         Ok(Square(instance.get_typed_func(store, "square")?))
    ///     })?;
    ///     square.0.call(store, 7)
    /// })?;
    /// assert_eq!(value, 49);
    /// # Ok::<(), fastwasm_runtime::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Cancelled`] when `cancel` was cancelled before the call;
    /// [`Error::InstanceLimit`] when no instance can be had; and the call's
    /// failure, classified: [`Error::Trap`], [`Error::Timeout`],
    /// [`Error::Cancelled`], [`Error::MemoryLimit`], or the runtime [`Error`]
    /// that `body` returned inside its `wasmtime::Error`.
    pub fn with_instance<R>(
        &self,
        label: &str,
        cancel: Option<&CancelToken>,
        body: impl FnOnce(&mut Lease<'_>) -> wasmtime::Result<R>,
    ) -> Result<R, Error> {
        let inner = &*self.inner;
        if cancel.is_some_and(CancelToken::is_cancelled) {
            inner.cancelled.fetch_add(1, Ordering::Relaxed);
            return Err(Error::Cancelled {
                export: label.to_owned(),
            });
        }
        let mut call = Call::start(inner, label)?;
        let slot = call.slot();
        let state = slot.store.data_mut();
        state.cancel = cancel.cloned();
        if cancel.is_some() {
            state.ticks_left = inner.deadline_ticks - 1;
            slot.store.set_epoch_deadline(1);
        } else {
            slot.store.set_epoch_deadline(inner.deadline_ticks);
        }
        let mut lease = Lease {
            store: &mut slot.store,
            instance: slot.instance,
            funcs: &mut slot.funcs,
            cache: &mut slot.cache,
        };
        match body(&mut lease) {
            Ok(value) => {
                call.succeeded();
                Ok(value)
            }
            Err(error) => Err(call.failed(label, error)),
        }
    }
}

/// One call's instance, and the pool's accounting for it. Every way out
/// settles the accounting exactly once: [`Call::succeeded`] and
/// [`Call::failed`], or `Drop` when the call's closure panicked.
struct Call<'a> {
    inner: &'a Inner,
    slot: Option<Box<Slot>>,
    pooled: bool,
}

impl<'a> Call<'a> {
    fn start(inner: &'a Inner, label: &str) -> Result<Self, Error> {
        let pooled = inner.runtime.shared.config.isolation == Isolation::Pooled;
        let slot = if pooled {
            inner.take(label)?
        } else {
            let slot = inner.instantiate(label)?;
            inner.per_call_busy.fetch_add(1, Ordering::Relaxed);
            slot
        };
        Ok(Self {
            inner,
            slot: Some(slot),
            pooled,
        })
    }

    fn slot(&mut self) -> &mut Slot {
        self.slot
            .as_mut()
            .expect("a call holds its slot until it ends")
    }

    /// The instance did nothing wrong: back to the pool.
    fn succeeded(mut self) {
        let slot = self.slot.take().expect("a call ends once");
        if self.pooled {
            self.inner.put(slot);
        } else {
            self.inner.per_call_busy.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// The call failed: the instance is dropped and, when pooled, replaced.
    fn failed(mut self, label: &str, error: wasmtime::Error) -> Error {
        let slot = self.slot.take().expect("a call ends once");
        let error = self.inner.classify_state(label, slot.store.data(), error);
        drop(slot);
        if self.pooled {
            self.inner.replace();
        } else {
            self.inner.per_call_busy.fetch_sub(1, Ordering::Relaxed);
        }
        error
    }
}

impl Drop for Call<'_> {
    fn drop(&mut self) {
        // Only reached with a slot when the closure panicked: drop the
        // instance (it may be mid-call), and count it gone. The pool regrows
        // on demand; instantiating here, during an unwind, could panic again.
        if self.slot.take().is_some() {
            if self.pooled {
                self.inner.size.fetch_sub(1, Ordering::Relaxed);
            } else {
                self.inner.per_call_busy.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }
}

impl Lease<'_> {
    /// Export `index` (named `name`) as a `Func`, looked up once per instance.
    fn func(&mut self, index: usize, name: &str) -> wasmtime::Func {
        if let Some(func) = self.funcs[index] {
            return func;
        }
        let func = self
            .instance
            .get_func(&mut *self.store, name)
            .expect("the export index comes from this module's own export list");
        self.funcs[index] = Some(func);
        func
    }
}

impl Inner {
    fn instantiate(&self, export: &str) -> Result<Box<Slot>, Error> {
        let config = &self.runtime.shared.config;
        let state = CallState {
            max_memory: config.max_memory_bytes,
            refused_growth: None,
            cancel: None,
            ticks_left: 0,
        };
        let mut store = wasmtime::Store::new(&self.runtime.shared.engine, state);
        store.limiter(|state| state);
        store.epoch_deadline_callback(|mut store| store.data_mut().on_deadline());
        // A start function runs during instantiation, so it gets a deadline too.
        store.set_epoch_deadline(self.deadline_ticks);
        match self.pre.instantiate(&mut store) {
            Ok(instance) => Ok(Box::new(Slot {
                store,
                instance,
                funcs: vec![None; self.exports.len()],
                cache: Vec::new(),
            })),
            Err(error) if error.is::<wasmtime::PoolConcurrencyLimitError>() => {
                Err(Error::InstanceLimit {
                    limit: config.max_instances,
                })
            }
            Err(error) => Err(self.classify_state(export, store.data(), error)),
        }
    }

    fn take(&self, export: &str) -> Result<Box<Slot>, Error> {
        if let Some(slot) = self.idle.pop() {
            return Ok(slot);
        }
        // Every instance is busy: this caller gets a new one, and the pool
        // keeps it, so the pool grows to the number of callers.
        let slot = self.instantiate(export)?;
        self.size.fetch_add(1, Ordering::Relaxed);
        Ok(slot)
    }

    fn put(&self, slot: Box<Slot>) {
        // Cannot be full: at most max_instances slots exist at all.
        if self.idle.push(slot).is_err() {
            self.size.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Replaces an instance that was thrown away after a failure.
    fn replace(&self) {
        match self.instantiate("(instantiation)") {
            Ok(slot) => self.put(slot),
            Err(_) => {
                self.size.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }

    fn classify_state(&self, export: &str, state: &CallState, error: wasmtime::Error) -> Error {
        if let Some(requested) = state.refused_growth {
            self.memory_limits.fetch_add(1, Ordering::Relaxed);
            return Error::MemoryLimit {
                export: export.to_owned(),
                requested,
                limit: state.max_memory,
            };
        }
        if let Some(&trap) = error.downcast_ref::<wasmtime::Trap>() {
            if trap == wasmtime::Trap::Interrupt {
                self.timeouts.fetch_add(1, Ordering::Relaxed);
                return Error::Timeout {
                    export: export.to_owned(),
                    timeout: self.runtime.shared.config.timeout,
                };
            }
            self.traps.fetch_add(1, Ordering::Relaxed);
            return Error::Trap {
                export: export.to_owned(),
                code: trap_code(trap),
                message: trap.to_string(),
            };
        }
        if error.is::<wasmtime::ThrownException>() {
            self.traps.fetch_add(1, Ordering::Relaxed);
            return Error::Trap {
                export: export.to_owned(),
                code: "uncaught_exception",
                message: "a Wasm exception was thrown and not caught".into(),
            };
        }
        match error.downcast::<Error>() {
            Ok(Error::Cancelled { .. }) => {
                self.cancelled.fetch_add(1, Ordering::Relaxed);
                Error::Cancelled {
                    export: export.to_owned(),
                }
            }
            Ok(ours) => ours,
            Err(other) => Error::engine(format!("calling `{export}`"), other),
        }
    }
}

fn signature_of(ty: &wasmtime::FuncType) -> Option<Signature> {
    let params = ty
        .params()
        .map(|t| ValueType::from_wasmtime(&t))
        .collect::<Option<Vec<_>>>()?;
    let results = ty
        .results()
        .map(|t| ValueType::from_wasmtime(&t))
        .collect::<Option<Vec<_>>>()?;
    Some(Signature { params, results })
}

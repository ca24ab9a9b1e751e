use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use crate::config::Limits;
use crate::placement::Costs;
use crate::pool::{CallOptions, Lease, Linked, LoadInfo, Pool, PoolStats, Stop};
use crate::store::CallState;
use crate::value::{Export, Signature, Value, ValueType};
use crate::{CancelToken, Error, Runtime};

/// A compiled, linked core module, ready to call from any number of threads.
/// Cheap to clone: clones share the compiled code and the instance pool.
#[derive(Clone)]
pub struct Module {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pool: Pool<Core>,
    exports: Vec<Export>,
    by_name: HashMap<String, usize>,
    info: LoadInfo,
    costs: Costs,
}

/// A core module, pre-linked (no imports are provided).
pub(crate) struct Core(wasmtime::InstancePre<CallState>);

impl Linked for Core {
    type Instance = wasmtime::Instance;
    type Func = wasmtime::Func;
    const WASI: bool = false;

    fn instantiate(
        &self,
        store: &mut wasmtime::Store<CallState>,
    ) -> wasmtime::Result<wasmtime::Instance> {
        self.0.instantiate(store)
    }
}

impl Module {
    pub(crate) fn new(
        runtime: Runtime,
        module: &wasmtime::Module,
        info: LoadInfo,
        limits: Limits,
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
        let linker = wasmtime::Linker::<CallState>::new(module.engine());
        let pre = linker
            .instantiate_pre(module)
            .map_err(Error::invalid_module)?;
        let costs = Costs::new(
            exports.len(),
            limits.placement,
            runtime.shared.config.inline_threshold,
        );
        let pool = Pool::new(
            runtime,
            module.engine().clone(),
            Core(pre),
            exports.len(),
            limits,
            crate::Grants::default(),
        )?;
        Ok(Self {
            inner: Arc::new(Inner {
                pool,
                exports,
                by_name,
                info,
                costs,
            }),
        })
    }

    /// Every function export with its signature, in module order.
    #[must_use]
    pub fn exports(&self) -> &[Export] {
        &self.inner.exports
    }

    /// Whether its calls run under a deadline, so a timeout or a
    /// [`CancelToken`] can stop them ([`crate::LoadOptions::deadline`]).
    #[must_use]
    pub fn has_deadline(&self) -> bool {
        self.inner.pool.limits().deadline
    }

    /// How the module was loaded: cache outcome, time, size.
    #[must_use]
    pub fn load_info(&self) -> LoadInfo {
        self.inner.info.clone()
    }

    /// The runtime this module belongs to.
    #[must_use]
    pub fn runtime(&self) -> &Runtime {
        &self.inner.pool.runtime
    }

    /// Pool size, busy instances, and counters of traps, timeouts and
    /// memory-limit stops.
    #[must_use]
    pub fn pool_stats(&self) -> PoolStats {
        self.inner.pool.stats()
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
    /// let module = runtime.load_module_bytes(br#"(module
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
        self.call_with(export, args, &CallOptions::default())
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
        let options = CallOptions {
            cancel: Some(cancel),
            timeout: None,
        };
        self.call_with(export, args, &options)
    }

    /// As [`Module::call`], under `options`: a cancel token and a tighter
    /// deadline. The call's time feeds the export's
    /// [`Placement::Measured`](crate::Placement) rule.
    ///
    /// # Errors
    /// As [`Module::call`], [`Error::Cancelled`], and [`Error::InvalidConfig`]
    /// naming `timeout_s` for a deadline looser than the module's.
    pub fn call_with(
        &self,
        export: &str,
        args: &[Value],
        options: &CallOptions<'_>,
    ) -> Result<Vec<Value>, Error> {
        match self.run(export, args, options, false) {
            Ok(values) => Ok(values),
            Err(Stop::Failed(error)) => Err(error),
            Err(Stop::Preempted) => unreachable!("only an inline call is preempted"),
        }
    }

    /// As [`Module::call_with`], inline in a caller that must not block:
    /// `Ok(None)` when it was preempted at the next epoch tick (see
    /// [`Component::invoke_inline`](crate::Component::invoke_inline)).
    ///
    /// # Errors
    /// As [`Module::call_with`].
    pub fn call_inline(
        &self,
        export: &str,
        args: &[Value],
        options: &CallOptions<'_>,
    ) -> Result<Option<Vec<Value>>, Error> {
        match self.run(export, args, options, true) {
            Ok(values) => Ok(Some(values)),
            Err(Stop::Failed(error)) => Err(error),
            Err(Stop::Preempted) => Ok(None),
        }
    }

    /// Whether a caller that must not block runs `export` inline now, by the
    /// module's [`Placement`](crate::Placement).
    ///
    /// # Errors
    /// [`Error::MissingExport`] when there is no function of that name.
    pub fn runs_inline(&self, export: &str) -> Result<bool, Error> {
        Ok(self.inner.costs.runs_inline(self.export(export)?.0))
    }

    fn run(
        &self,
        export: &str,
        args: &[Value],
        options: &CallOptions<'_>,
        inline: bool,
    ) -> Result<Vec<Value>, Stop> {
        let (index, signature) = self.export(export)?;
        let given: Vec<ValueType> = args.iter().map(|a| a.ty()).collect();
        let Some(signature) = signature.filter(|s| s.params == given) else {
            return Err(Stop::Failed(Error::WrongSignature {
                name: export.to_owned(),
                expected: Signature::new(&given, &[]).to_string(),
                actual: signature
                    .map_or_else(|| "a non-scalar type".to_owned(), ToString::to_string),
            }));
        };
        // One buffer holds the parameters, then the results, as wasmtime's
        // unchecked call wants it.
        let mut raw: Vec<wasmtime::ValRaw> = args.iter().map(|a| a.to_raw()).collect();
        raw.resize(
            signature.params.len().max(signature.results.len()),
            wasmtime::ValRaw::i32(0),
        );
        let started = Instant::now();
        let ran = self.inner.pool.run(export, options, inline, |lease| {
            let func = lease.func(index, |store, instance| {
                instance
                    .get_func(store, export)
                    .expect("the export index comes from this module's own export list")
            });
            // SAFETY: `func` is this module's export `export`, whose type is
            // `signature` (scalars only, so no references to keep alive); the
            // buffer holds exactly its parameter types, checked above, and has
            // room for its results. The call is not made from async code.
            unsafe { func.call_unchecked(lease.store(), &raw mut raw[..]) }
        });
        match &ran {
            Ok(()) | Err(Stop::Preempted | Stop::Failed(Error::Timeout { .. })) => {
                self.inner.costs.record(index, started.elapsed());
            }
            Err(Stop::Failed(_)) => {}
        }
        ran?;
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
    /// let module = Runtime::with_config(config)?.load_module_bytes(br#"(module
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
        self.inner.pool.with_instance(label, cancel, body)
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

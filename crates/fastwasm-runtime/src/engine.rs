use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, mpsc};
use std::thread::JoinHandle;

use crate::cache::DiskCache;
use crate::threads::CallThreads;
use crate::{Error, RuntimeConfig};

/// The wasmtime engines, the epoch ticker, and the disk cache. Cheap to
/// clone; every clone and every [`Module`](crate::Module) loaded from it
/// share them. Epoch interruption is an engine setting, so a runtime has one
/// engine with it (calls under a deadline) and, once a module turns the
/// deadline off, one without; each is built when first needed.
/// The ticker thread stops when the last of them is dropped. (Loading lives in
/// `load.rs`: this file is below `module.rs`, which holds a `Runtime`.)
#[derive(Clone)]
pub struct Runtime {
    pub(crate) shared: Arc<Shared>,
}

pub(crate) struct Shared {
    /// With epoch interruption; shared with the ticker, which advances it
    /// once it exists.
    with_deadline: Arc<OnceLock<wasmtime::Engine>>,
    /// Without: for trusted code that turned the deadline off.
    without_deadline: OnceLock<wasmtime::Engine>,
    pub(crate) config: RuntimeConfig,
    pub(crate) cache: Option<DiskCache>,
    /// Why there is no disk cache, or the last file it refused.
    cache_note: Mutex<Option<String>>,
    pub(crate) cache_refusals: AtomicU64,
    /// Epoch ticks so far: a clock of `epoch_tick` resolution that costs a
    /// relaxed load to read ([`Runtime::epoch_ticks`]).
    ticks: Arc<AtomicU64>,
    threads: CallThreads,
    ticker: Option<Ticker>,
    /// The engine settings a precompiled artifact must have, by deadline
    /// and CPU baseline, once computed (`artifact.rs`): building an engine
    /// to hash its settings costs milliseconds, once per pair, not per load.
    artifact_settings: Mutex<Vec<((bool, crate::Cpu), String)>>,
}

/// The state of a runtime's disk cache of compiled modules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheStatus {
    /// The directory in use; `None` when there is no disk cache.
    pub dir: Option<PathBuf>,
    /// Why there is no disk cache, or why the last refused file was refused.
    pub note: Option<String>,
    /// Refusals so far: a directory or a cached file that failed the
    /// ownership and permission checks (each load then compiled in memory).
    pub refusals: u64,
}

/// Advances the engine's epoch every `epoch_tick`, which is what interrupts a
/// call that overruns its deadline.
struct Ticker {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Ticker {
    fn start(
        engine: Arc<OnceLock<wasmtime::Engine>>,
        tick: std::time::Duration,
        ticks: Arc<AtomicU64>,
    ) -> Result<Self, Error> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("fastwasm-epoch".into())
            .spawn(move || {
                // Runs until the sender is dropped (Disconnected) or sends.
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(tick) {
                    if let Some(engine) = engine.get() {
                        engine.increment_epoch();
                    }
                    ticks.fetch_add(1, Ordering::Relaxed);
                }
            })
            .map_err(|source| Error::Engine {
                context: "cannot start the epoch ticker thread".into(),
                source: source.into(),
            })?;
        Ok(Self {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Stop the ticker before the engine goes.
        drop(self.ticker.take());
    }
}

impl Runtime {
    /// A runtime with the default [`RuntimeConfig`].
    ///
    /// # Errors
    /// As [`Runtime::with_config`].
    pub fn new() -> Result<Self, Error> {
        Self::with_config(RuntimeConfig::default())
    }

    /// A runtime with `config`: builds the engine for `config.deadline`
    /// (epoch interruption, the stack cap, and the pooling allocator sized by
    /// `max_instances` and `max_memory_bytes`), opens the disk cache and
    /// starts the ticker.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a bad setting; [`Error::Engine`] when
    /// wasmtime refuses the configuration. A cache directory that fails its
    /// checks is no error: the runtime compiles in memory and says why in
    /// [`Runtime::cache_status`].
    pub fn with_config(config: RuntimeConfig) -> Result<Self, Error> {
        config.validate()?;
        let (cache, cache_note, cache_refusals) = match DiskCache::open(&config.cache_dir) {
            Ok(cache) => (Some(cache), None, 0),
            Err(off) => (None, Some(off.reason), u64::from(off.refused)),
        };
        let with_deadline = Arc::new(OnceLock::new());
        let ticks = Arc::new(AtomicU64::new(0));
        let ticker = Ticker::start(
            Arc::clone(&with_deadline),
            config.epoch_tick,
            Arc::clone(&ticks),
        )?;
        let threads = CallThreads::new(config.call_threads(), config.call_thread_nice);
        let runtime = Self {
            shared: Arc::new(Shared {
                with_deadline,
                without_deadline: OnceLock::new(),
                config,
                cache,
                cache_note: Mutex::new(cache_note),
                cache_refusals: AtomicU64::new(cache_refusals),
                ticks,
                threads,
                ticker: Some(ticker),
                artifact_settings: Mutex::new(Vec::new()),
            }),
        };
        // The runtime's own engine now, so a configuration wasmtime refuses
        // fails here rather than at the first load.
        runtime.engine(runtime.shared.config.deadline)?;
        Ok(runtime)
    }

    /// The engine for code that runs with the deadline or without it, built
    /// on first use. Both have the same settings but epoch interruption, and
    /// each its own pooling allocator of `max_instances`.
    ///
    /// # Errors
    /// [`Error::Engine`] when wasmtime refuses the configuration.
    pub(crate) fn engine(&self, deadline: bool) -> Result<&wasmtime::Engine, Error> {
        let shared = &self.shared;
        let cell = if deadline {
            &*shared.with_deadline
        } else {
            &shared.without_deadline
        };
        if let Some(engine) = cell.get() {
            return Ok(engine);
        }
        let engine = new_engine(
            &shared.config,
            deadline,
            shared.config.cpu,
            shared.config.max_instances,
        )?;
        // Two first loads may race to build it: one wins, the other's is
        // dropped unused.
        Ok(cell.get_or_init(|| engine))
    }

    /// The settings compiled code for `cpu` has when this runtime's engine
    /// compiles it (with the deadline or without), as `artifact.rs` hashes
    /// them; computed once per pair.
    pub(crate) fn artifact_settings(&self, deadline: bool, cpu: crate::Cpu) -> Option<String> {
        let key = (deadline, cpu);
        let mut known = self
            .shared
            .artifact_settings
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((_, settings)) = known.iter().find(|(k, _)| *k == key) {
            return Some(settings.clone());
        }
        // This runtime's own engine when it compiles for that baseline: the
        // pooling allocator's size is not among the settings code depends on.
        let settings = if cpu == self.shared.config.cpu {
            crate::cache::settings_hash(self.engine(deadline).ok()?)
        } else {
            crate::cache::settings_hash(&new_engine(&self.shared.config, deadline, cpu, 1).ok()?)
        };
        known.push((key, settings.clone()));
        Some(settings)
    }

    /// The configuration this runtime was built with.
    #[must_use]
    pub fn config(&self) -> &RuntimeConfig {
        &self.shared.config
    }

    /// The disk cache: its directory, why it is not in use, and how many
    /// refusals it made. A server logs `note` once at start-up when
    /// `refusals` is not 0, and exports `refusals` as a metric.
    ///
    /// # Panics
    /// Never: a poisoned lock still holds a usable note.
    #[must_use]
    pub fn cache_status(&self) -> CacheStatus {
        let shared = &self.shared;
        CacheStatus {
            dir: shared.cache.as_ref().map(|c| c.dir().to_owned()),
            note: shared
                .cache_note
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
            refusals: shared.cache_refusals.load(Ordering::Relaxed),
        }
    }

    /// Runs `job` on one of the runtime's call threads: for a caller that
    /// must not block on a guest call (an event loop). At most
    /// [`RuntimeConfig::call_threads`] run at once, each started on demand;
    /// more jobs wait their turn, first come first served. A job that
    /// panics does not take its thread down.
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use fastwasm_runtime::{CacheDir, Runtime, RuntimeConfig, Value};
    ///
    /// let mut config = RuntimeConfig::default();
    /// config.cache_dir = CacheDir::Disabled;
    /// let runtime = Runtime::with_config(config)?;
    /// let module = runtime.load_module_bytes(br#"(module
    ///     (func (export "inc") (param i32) (result i32) local.get 0 i32.const 1 i32.add))"#)?;
    /// let (done, answer) = mpsc::channel();
    /// runtime.spawn(move || done.send(module.call("inc", &[Value::I32(41)])).unwrap())?;
    /// assert_eq!(answer.recv().unwrap()?, [Value::I32(42)]);
    /// # Ok::<(), fastwasm_runtime::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Engine`] when no call thread runs and the operating system
    /// refuses to start one; `job` is dropped unrun.
    pub fn spawn(&self, job: impl FnOnce() + Send + 'static) -> Result<(), Error> {
        self.shared.threads.spawn(Box::new(job))
    }

    /// The most call threads this runtime runs ([`Runtime::spawn`]).
    #[must_use]
    pub fn call_threads(&self) -> usize {
        self.shared.threads.max()
    }

    /// Epoch ticks since the runtime started: a clock of `epoch_tick`
    /// resolution that costs one relaxed atomic load. Two readings around a
    /// call bound its length from below by whole ticks, which is how a
    /// binding notices a long blocking call without timing every call.
    #[must_use]
    pub fn epoch_ticks(&self) -> u64 {
        self.shared.ticks.load(Ordering::Relaxed)
    }

    pub(crate) fn refused(&self, reason: String) {
        self.shared.cache_refusals.fetch_add(1, Ordering::Relaxed);
        *self
            .shared
            .cache_note
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(reason);
    }
}

/// An engine with `config`'s settings, epoch interruption as `deadline`
/// says, compiling for `cpu`, with a pooling allocator of `instances`
/// (which compiled code does not depend on: an engine that only compiles
/// artifacts takes one).
pub(crate) fn new_engine(
    config: &RuntimeConfig,
    deadline: bool,
    cpu: crate::Cpu,
    instances: u32,
) -> Result<wasmtime::Engine, Error> {
    let mut pooling = wasmtime::PoolingAllocationConfig::new();
    pooling
        .total_core_instances(instances)
        .total_component_instances(instances)
        .total_memories(instances)
        .total_tables(instances)
        .max_memory_size(config.max_memory_bytes);
    let mut wasm_config = wasmtime::Config::new();
    wasm_config
        .epoch_interruption(deadline)
        // Phase 3, off by default in wasmtime: arithmetic on stack values
        // only. The bundled guest's bigint words need it
        // (docs/bigint-choice.md, docs/security.md).
        .wasm_wide_arithmetic(true)
        // A relaxed-SIMD instruction gives the same bits on every CPU
        // family, so replicas agree (docs/security.md).
        .relaxed_simd_deterministic(true)
        .max_wasm_stack(config.max_stack_bytes)
        .allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pooling));
    cpu.configure(&mut wasm_config)?;
    wasmtime::Engine::new(&wasm_config).map_err(|e| Error::engine("cannot create the engine", e))
}

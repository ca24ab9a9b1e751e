use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread::JoinHandle;

use crate::cache::DiskCache;
use crate::{Error, RuntimeConfig};

/// One wasmtime `Engine`, its epoch ticker, and the disk cache. Cheap to clone;
/// every clone and every [`Module`](crate::Module) loaded from it share them.
/// The ticker thread stops when the last of them is dropped. (Loading lives in
/// `load.rs`: this file is below `module.rs`, which holds a `Runtime`.)
#[derive(Clone)]
pub struct Runtime {
    pub(crate) shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub(crate) engine: wasmtime::Engine,
    pub(crate) config: RuntimeConfig,
    pub(crate) cache: Option<DiskCache>,
    /// Why there is no disk cache, or the last file it refused.
    cache_note: Mutex<Option<String>>,
    pub(crate) cache_refusals: AtomicU64,
    ticker: Option<Ticker>,
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
    fn start(engine: wasmtime::Engine, tick: std::time::Duration) -> Result<Self, Error> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("fastwasm-epoch".into())
            .spawn(move || {
                // Runs until the sender is dropped (Disconnected) or sends.
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(tick) {
                    engine.increment_epoch();
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

    /// A runtime with `config`: builds the engine (epoch interruption, the
    /// stack cap, and the pooling allocator sized by `max_instances` and
    /// `max_memory_bytes`), opens the disk cache and starts the ticker.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a bad setting; [`Error::Engine`] when
    /// wasmtime refuses the configuration. A cache directory that fails its
    /// checks is no error: the runtime compiles in memory and says why in
    /// [`Runtime::cache_status`].
    pub fn with_config(config: RuntimeConfig) -> Result<Self, Error> {
        config.validate()?;
        let mut pooling = wasmtime::PoolingAllocationConfig::new();
        pooling
            .total_core_instances(config.max_instances)
            .total_component_instances(config.max_instances)
            .total_memories(config.max_instances)
            .total_tables(config.max_instances)
            .max_memory_size(config.max_memory_bytes);
        let mut wasm_config = wasmtime::Config::new();
        wasm_config
            .epoch_interruption(true)
            // Phase 3, off by default in wasmtime: arithmetic on stack values
            // only. The bundled guest's bigint words need it
            // (docs/bigint-choice.md, docs/security.md).
            .wasm_wide_arithmetic(true)
            .max_wasm_stack(config.max_stack_bytes)
            .allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pooling));
        let engine = wasmtime::Engine::new(&wasm_config)
            .map_err(|e| Error::engine("cannot create the engine", e))?;
        let (cache, cache_note, cache_refusals) = match DiskCache::open(&config.cache_dir) {
            Ok(cache) => (Some(cache), None, 0),
            Err(off) => (None, Some(off.reason), u64::from(off.refused)),
        };
        let ticker = Ticker::start(engine.clone(), config.epoch_tick)?;
        Ok(Self {
            shared: Arc::new(Shared {
                engine,
                config,
                cache,
                cache_note: Mutex::new(cache_note),
                cache_refusals: AtomicU64::new(cache_refusals),
                ticker: Some(ticker),
            }),
        })
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

    pub(crate) fn refused(&self, reason: String) {
        self.shared.cache_refusals.fetch_add(1, Ordering::Relaxed);
        *self
            .shared
            .cache_note
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(reason);
    }
}

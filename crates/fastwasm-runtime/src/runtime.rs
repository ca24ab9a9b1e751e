use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Instant;

use crate::cache::{CacheOutcome, DiskCache};
use crate::module::{LoadInfo, Module};
use crate::{Error, RuntimeConfig};

/// One wasmtime `Engine`, its epoch ticker, and the disk cache. Cheap to clone;
/// every clone and every [`Module`] loaded from it share them. The ticker
/// thread stops when the last of them is dropped.
#[derive(Clone)]
pub struct Runtime {
    pub(crate) shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub(crate) engine: wasmtime::Engine,
    pub(crate) config: RuntimeConfig,
    cache: Option<DiskCache>,
    ticker: Option<Ticker>,
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
            .map_err(|e| Error::Engine(format!("cannot start the epoch ticker thread: {e}")))?;
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
    /// [`Error::InvalidConfig`] for a bad setting or an unusable cache
    /// directory; [`Error::Engine`] when wasmtime refuses the configuration.
    pub fn with_config(config: RuntimeConfig) -> Result<Self, Error> {
        config.validate()?;
        let mut pooling = wasmtime::PoolingAllocationConfig::new();
        pooling
            .total_core_instances(config.max_instances)
            .total_memories(config.max_instances)
            .total_tables(config.max_instances)
            .max_memory_size(config.max_memory_bytes);
        let mut wasm_config = wasmtime::Config::new();
        wasm_config
            .epoch_interruption(true)
            .max_wasm_stack(config.max_stack_bytes)
            .allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pooling));
        let engine = wasmtime::Engine::new(&wasm_config)?;
        let cache = DiskCache::open(&config.cache_dir)?;
        let ticker = Ticker::start(engine.clone(), config.epoch_tick)?;
        Ok(Self {
            shared: Arc::new(Shared {
                engine,
                config,
                cache,
                ticker: Some(ticker),
            }),
        })
    }

    /// The configuration this runtime was built with.
    #[must_use]
    pub fn config(&self) -> &RuntimeConfig {
        &self.shared.config
    }

    /// Loads a module from a file: reads it, then as [`Runtime::load_bytes`].
    ///
    /// # Errors
    /// [`Error::ModuleNotFound`] when the file cannot be read, and everything
    /// [`Runtime::load_bytes`] returns.
    pub fn load(&self, path: impl AsRef<Path>) -> Result<Module, Error> {
        let path = path.as_ref();
        let limit = self.shared.config.max_module_bytes;
        let size = std::fs::metadata(path)
            .map_err(|source| Error::ModuleNotFound {
                path: path.to_owned(),
                source,
            })?
            .len();
        // Checked before reading, so an oversized file is never read in full.
        if size > limit as u64 {
            return Err(too_large(size, limit));
        }
        let bytes = std::fs::read(path).map_err(|source| Error::ModuleNotFound {
            path: path.to_owned(),
            source,
        })?;
        self.load_bytes(&bytes)
    }

    /// Loads a module from its bytes (binary, or text when it starts like WAT):
    /// from the disk cache when it is there, else compiled and cached. Then
    /// links it (no imports are provided) and, in pooled mode, creates
    /// `pool_size` instances.
    ///
    /// # Errors
    /// [`Error::InvalidModule`] when the bytes are too large (`max_module_bytes`),
    /// malformed, or import anything; [`Error::InstanceLimit`] or a trap when
    /// the first instances cannot be created.
    pub fn load_bytes(&self, wasm: &[u8]) -> Result<Module, Error> {
        let limit = self.shared.config.max_module_bytes;
        if wasm.len() > limit {
            return Err(too_large(wasm.len() as u64, limit));
        }
        let started = Instant::now();
        let engine = &self.shared.engine;
        let invalid = |e: wasmtime::Error| Error::InvalidModule {
            reason: format!("{e:#}"),
        };
        let (module, cache) = match &self.shared.cache {
            None => (
                wasmtime::Module::new(engine, wasm).map_err(invalid)?,
                CacheOutcome::Disabled,
            ),
            Some(cache) => {
                let path = cache.path_for(engine, wasm);
                if let Some(module) = DiskCache::load(engine, &path) {
                    (module, CacheOutcome::Hit)
                } else {
                    let module = wasmtime::Module::new(engine, wasm).map_err(invalid)?;
                    // A cache that cannot be written only costs the next start a compile.
                    let outcome = match DiskCache::store(&path, &module) {
                        Ok(()) => CacheOutcome::Miss,
                        Err(_) => CacheOutcome::Disabled,
                    };
                    (module, outcome)
                }
            }
        };
        let info = LoadInfo {
            cache,
            load_time: started.elapsed(),
            size_bytes: wasm.len(),
        };
        Module::new(self.clone(), &module, info)
    }
}

fn too_large(size: u64, limit: usize) -> Error {
    Error::InvalidModule {
        reason: format!("{size} bytes is over the limit of {limit} bytes (max_module_bytes)"),
    }
}

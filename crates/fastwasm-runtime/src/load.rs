//! Loading modules: the disk cache (or a compile), then linking. A part of
//! [`Runtime`]'s API kept apart from `engine.rs`, so that `module.rs`, which
//! holds a `Runtime`, sits between the two and the modules form no cycle.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Instant;

use crate::Error;
use crate::cache::{CacheOutcome, DiskCache, Lookup};
use crate::engine::Runtime;
use crate::module::{LoadInfo, Module};

impl Runtime {
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
        let invalid = Error::invalid_module;
        let (module, cache) = match &self.shared.cache {
            None if self.shared.cache_refusals.load(Ordering::Relaxed) > 0 => (
                wasmtime::Module::new(engine, wasm).map_err(invalid)?,
                CacheOutcome::Refused,
            ),
            None => (
                wasmtime::Module::new(engine, wasm).map_err(invalid)?,
                CacheOutcome::Disabled,
            ),
            Some(cache) => {
                let path = cache.path_for(engine, wasm);
                let refusal = match cache.load(engine, &path) {
                    Lookup::Hit(module) => {
                        return self.linked(&module, CacheOutcome::Hit, started, wasm.len());
                    }
                    Lookup::Absent => None,
                    Lookup::Refused(reason) => Some(reason),
                };
                let module = wasmtime::Module::new(engine, wasm).map_err(invalid)?;
                // A cache that cannot be written only costs the next start a
                // compile. A refused file is replaced with ours.
                let stored = DiskCache::store(&path, &module).is_ok();
                let outcome = match (refusal, stored) {
                    (Some(reason), _) => {
                        self.refused(reason);
                        CacheOutcome::Refused
                    }
                    (None, true) => CacheOutcome::Miss,
                    (None, false) => CacheOutcome::Disabled,
                };
                (module, outcome)
            }
        };
        self.linked(&module, cache, started, wasm.len())
    }

    fn linked(
        &self,
        module: &wasmtime::Module,
        cache: CacheOutcome,
        started: Instant,
        size_bytes: usize,
    ) -> Result<Module, Error> {
        let info = LoadInfo {
            cache,
            load_time: started.elapsed(),
            size_bytes,
        };
        Module::new(self.clone(), module, info)
    }
}

fn too_large(size: u64, limit: usize) -> Error {
    Error::InvalidModule {
        reason: format!("{size} bytes is over the limit of {limit} bytes (max_module_bytes)"),
        source: None,
    }
}

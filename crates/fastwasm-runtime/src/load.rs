//! Loading: a core module or a component, told apart by its header; the
//! disk cache (or a compile); then linking. A part of [`Runtime`]'s API kept
//! apart from `engine.rs`, so that `module.rs` and `component.rs`, which hold
//! a `Runtime`, sit between the two and the modules form no cycle.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Instant;

use crate::artifact::{self, Found, is_component};
use crate::cache::{CacheOutcome, DiskCache, Lookup};
use crate::component::Component;
use crate::engine::Runtime;
use crate::module::Module;
use crate::pool::LoadInfo;
use crate::{Error, LoadOptions};

/// What a file held: a core module or a component.
#[derive(Clone)]
pub enum Loaded {
    /// A core WebAssembly module (scalar exports, `Module::call`).
    Module(Module),
    /// A component (WIT-typed exports, `Component::call`).
    Component(Component),
}

impl Loaded {
    /// The core module.
    ///
    /// # Errors
    /// [`Error::InvalidModule`] when it is a component.
    pub fn into_module(self) -> Result<Module, Error> {
        match self {
            Self::Module(module) => Ok(module),
            Self::Component(_) => Err(Error::InvalidModule {
                reason: "it is a component, and this needs a core module".into(),
                source: None,
            }),
        }
    }

    /// The component.
    ///
    /// # Errors
    /// [`Error::InvalidModule`] when it is a core module.
    pub fn into_component(self) -> Result<Component, Error> {
        match self {
            Self::Component(component) => Ok(component),
            Self::Module(_) => Err(Error::InvalidModule {
                reason: "it is a core module, and this needs a component".into(),
                source: None,
            }),
        }
    }

    /// How it was loaded.
    #[must_use]
    pub fn load_info(&self) -> LoadInfo {
        match self {
            Self::Module(module) => module.load_info(),
            Self::Component(component) => component.load_info(),
        }
    }
}

impl Runtime {
    /// Loads a module or a component from a file: reads it, then as
    /// [`Runtime::load_bytes`].
    ///
    /// # Errors
    /// [`Error::ModuleNotFound`] when the file cannot be read, and everything
    /// [`Runtime::load_bytes`] returns.
    pub fn load(&self, path: impl AsRef<Path>) -> Result<Loaded, Error> {
        self.load_with(path, LoadOptions::default())
    }

    /// As [`Runtime::load`], with limits tighter than the runtime's for this
    /// module or component alone.
    ///
    /// # Errors
    /// As [`Runtime::load`], and [`Error::InvalidConfig`] for an option looser
    /// than the runtime's limit.
    pub fn load_with(&self, path: impl AsRef<Path>, options: LoadOptions) -> Result<Loaded, Error> {
        let path = path.as_ref();
        let limit = self.shared.config.max_module_bytes;
        let not_found = |source| Error::ModuleNotFound {
            path: path.to_owned(),
            source,
        };
        let size = std::fs::metadata(path).map_err(not_found)?.len();
        // Checked before reading, so an oversized file is never read in full.
        if size > limit as u64 {
            return Err(too_large(size, limit));
        }
        let wasm = std::fs::read(path).map_err(not_found)?;
        let mut options = options;
        if options.artifact.is_none() {
            options.artifact = Some(path.with_extension("cwasm"));
        }
        self.load_bytes_with(&wasm, options)
    }

    /// Loads a module or a component from its bytes, binary or WAT text,
    /// telling them apart by the header: from the disk cache when it is
    /// there, else compiled and cached. Then links it (a module gets no
    /// imports, a component WASI preview 2 with nothing granted) and, in
    /// pooled mode, creates `pool_size` instances.
    ///
    /// # Errors
    /// [`Error::InvalidModule`] when the bytes are too large (`max_module_bytes`),
    /// malformed, or import what the host does not provide (each named);
    /// [`Error::InstanceLimit`] or a trap when the first instances cannot be
    /// created.
    pub fn load_bytes(&self, wasm: &[u8]) -> Result<Loaded, Error> {
        self.load_bytes_with(wasm, LoadOptions::default())
    }

    /// As [`Runtime::load_bytes`], with limits tighter than the runtime's,
    /// and a component's grants.
    ///
    /// # Errors
    /// As [`Runtime::load_bytes`], and [`Error::InvalidConfig`] for an option
    /// looser than the runtime's limit, or a grant that [`crate::Grants::check`]
    /// refuses or that a core module cannot take.
    pub fn load_bytes_with(&self, wasm: &[u8], options: LoadOptions) -> Result<Loaded, Error> {
        let limits = options.limits(&self.shared.config)?;
        let artifact = options.artifact.as_deref();
        options.grants.check()?;
        let limit = self.shared.config.max_module_bytes;
        if wasm.len() > limit {
            return Err(too_large(wasm.len() as u64, limit));
        }
        let started = Instant::now();
        let binary = wat::parse_bytes(wasm).map_err(|e| Error::InvalidModule {
            reason: e.to_string(),
            source: Some(Box::new(e)),
        })?;
        let engine = self.engine(limits.deadline)?;
        let size = wasm.len();
        let mut refusal = None;
        if is_component(&binary) {
            let from_artifact = self.precompiled(
                artifact,
                wasm,
                "component",
                limits.deadline,
                &mut refusal,
                |bytes| {
                    // SAFETY: `artifact::load` checks where the bytes come from;
                    // this is wasmtime's deserializer for this kind and engine.
                    unsafe { wasmtime::component::Component::deserialize(engine, bytes) }
                },
            );
            let (code, cache) = match from_artifact {
                Some(code) => (code, CacheOutcome::Precompiled),
                None => self.compiled(
                    engine,
                    "component",
                    &binary,
                    |bytes| wasmtime::component::Component::new(engine, bytes),
                    // SAFETY: `DiskCache::load` checks where the bytes come
                    // from; this is the deserializer it asks for.
                    |bytes| unsafe { wasmtime::component::Component::deserialize(engine, bytes) },
                    wasmtime::component::Component::serialize,
                )?,
            };
            let info = load_info(cache, refusal, started, size);
            Component::new(self.clone(), &code, info, limits, options.grants).map(Loaded::Component)
        } else {
            let from_artifact = self.precompiled(
                artifact,
                wasm,
                "module",
                limits.deadline,
                &mut refusal,
                |bytes| {
                    // SAFETY: as above.
                    unsafe { wasmtime::Module::deserialize(engine, bytes) }
                },
            );
            let (code, cache) = match from_artifact {
                Some(code) => (code, CacheOutcome::Precompiled),
                None => self.compiled(
                    engine,
                    "module",
                    &binary,
                    |bytes| wasmtime::Module::new(engine, bytes),
                    // SAFETY: as above.
                    |bytes| unsafe { wasmtime::Module::deserialize(engine, bytes) },
                    wasmtime::Module::serialize,
                )?,
            };
            if !options.grants.is_empty() {
                return Err(Error::InvalidConfig {
                    setting: if options.grants.dirs.is_empty() {
                        "env"
                    } else {
                        "dirs"
                    },
                    reason:
                        "a core module has no WASI, so it can be granted nothing: build a component"
                            .into(),
                });
            }
            let info = load_info(cache, refusal, started, size);
            Module::new(self.clone(), &code, info, limits).map(Loaded::Module)
        }
    }

    /// Loads a core module from a file: [`Runtime::load`], which must find one.
    ///
    /// # Errors
    /// As [`Runtime::load`], and [`Error::InvalidModule`] for a component.
    pub fn load_module(&self, path: impl AsRef<Path>) -> Result<Module, Error> {
        self.load(path)?.into_module()
    }

    /// Loads a core module from its bytes: [`Runtime::load_bytes`], which must
    /// find one.
    ///
    /// # Errors
    /// As [`Runtime::load_bytes`], and [`Error::InvalidModule`] for a component.
    pub fn load_module_bytes(&self, wasm: &[u8]) -> Result<Module, Error> {
        self.load_bytes(wasm)?.into_module()
    }

    /// The code of the artifact at `artifact` for `wasm`, when there is one
    /// and it passes every check; a refusal's reason goes to `refusal`.
    fn precompiled<T>(
        &self,
        artifact: Option<&Path>,
        wasm: &[u8],
        kind: &str,
        deadline: bool,
        refusal: &mut Option<String>,
        deserialize: impl FnOnce(&[u8]) -> wasmtime::Result<T>,
    ) -> Option<T> {
        let path = artifact?;
        // SAFETY: the caller's `deserialize` is wasmtime's, for this kind of
        // code and the engine it loads into; `artifact::load` checks the rest.
        match unsafe { artifact::load(path, wasm, kind, self, deadline, deserialize) } {
            Found::Used(code) => Some(code),
            Found::Absent => None,
            Found::Refused(reason) => {
                *refusal = Some(reason);
                None
            }
        }
    }

    /// Compiled code for `binary`: from the disk cache, or compiled now (and
    /// written there). The cache key holds `engine`'s compatibility hash, so
    /// code compiled with the deadline and without it never mix.
    fn compiled<T>(
        &self,
        engine: &wasmtime::Engine,
        kind: &str,
        binary: &[u8],
        compile: impl FnOnce(&[u8]) -> wasmtime::Result<T>,
        deserialize: impl FnOnce(&[u8]) -> wasmtime::Result<T>,
        serialize: impl FnOnce(&T) -> wasmtime::Result<Vec<u8>>,
    ) -> Result<(T, CacheOutcome), Error> {
        let Some(cache) = &self.shared.cache else {
            let outcome = if self.shared.cache_refusals.load(Ordering::Relaxed) > 0 {
                CacheOutcome::Refused
            } else {
                CacheOutcome::Disabled
            };
            return Ok((compile(binary).map_err(Error::invalid_module)?, outcome));
        };
        let path = cache.path_for(engine, kind, binary);
        // SAFETY: `deserialize` is wasmtime's, for this kind of code.
        let refusal = match unsafe { cache.load(&path, deserialize) } {
            Lookup::Hit(code) => return Ok((code, CacheOutcome::Hit)),
            Lookup::Absent => None,
            Lookup::Refused(reason) => Some(reason),
        };
        let code = compile(binary).map_err(Error::invalid_module)?;
        // A cache that cannot be written only costs the next start a
        // compile. A refused file is replaced with ours.
        let stored = serialize(&code).is_ok_and(|bytes| DiskCache::store(&path, &bytes).is_ok());
        let outcome = match (refusal, stored) {
            (Some(reason), _) => {
                self.refused(reason);
                CacheOutcome::Refused
            }
            (None, true) => CacheOutcome::Miss,
            (None, false) => CacheOutcome::Disabled,
        };
        Ok((code, outcome))
    }
}

fn load_info(
    cache: CacheOutcome,
    artifact: Option<String>,
    started: Instant,
    size_bytes: usize,
) -> LoadInfo {
    LoadInfo {
        cache,
        artifact: artifact.map(Into::into),
        load_time: started.elapsed(),
        size_bytes,
    }
}

fn too_large(size: u64, limit: usize) -> Error {
    Error::InvalidModule {
        reason: format!("{size} bytes is over the limit of {limit} bytes (max_module_bytes)"),
        source: None,
    }
}

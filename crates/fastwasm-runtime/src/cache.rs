//! The disk cache of compiled modules: `Module::serialize` output, keyed by
//! the module bytes and the engine's compatibility hash, in a private directory.

use std::fmt::Write as _;
use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::{CacheDir, Error};

/// Bumped when the file layout or the key changes.
const FORMAT: &str = "fastwasm-compiled-module-v1";

/// How a module was loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CacheOutcome {
    /// Compiled code came from the disk cache; nothing was compiled.
    Hit,
    /// Compiled now, and written to the disk cache for the next process.
    Miss,
    /// Compiled now; the disk cache is disabled.
    Disabled,
}

impl CacheOutcome {
    /// `"hit"`, `"miss"` or `"disabled"`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Hit => "hit",
            Self::Miss => "miss",
            Self::Disabled => "disabled",
        }
    }
}

pub(crate) struct DiskCache {
    dir: PathBuf,
}

/// Feeds `Hash` output into SHA-256, so the engine's compatibility hash becomes
/// part of a key that is stable across processes.
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn finish(&self) -> u64 {
        unreachable!("only the digest is read")
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

impl DiskCache {
    /// Opens (creating it mode 0700 when missing) the cache directory.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] when the directory cannot be created or can be
    /// written by other users: loading compiled code from there would run
    /// whatever they put in it.
    pub(crate) fn open(config: &CacheDir) -> Result<Option<Self>, Error> {
        let dir = match config {
            CacheDir::Disabled => return Ok(None),
            CacheDir::Path(dir) => dir.clone(),
            CacheDir::Default => default_dir(),
        };
        let invalid = |reason: String| Error::InvalidConfig {
            setting: "cache_dir",
            reason,
        };
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(|e| invalid(format!("cannot create {}: {e}", dir.display())))?;
        let mode = fs::metadata(&dir)
            .map_err(|e| invalid(format!("cannot read {}: {e}", dir.display())))?
            .permissions()
            .mode();
        if mode & 0o022 != 0 {
            return Err(invalid(format!(
                "{} is writable by other users (mode {:o}); compiled code is only loaded from a private directory",
                dir.display(),
                mode & 0o777
            )));
        }
        Ok(Some(Self { dir }))
    }

    pub(crate) fn path_for(&self, engine: &wasmtime::Engine, wasm: &[u8]) -> PathBuf {
        let mut hasher = Sha256Hasher(Sha256::new());
        FORMAT.hash(&mut hasher);
        engine.precompile_compatibility_hash().hash(&mut hasher);
        hasher.0.update(wasm);
        let digest = hasher.0.finalize();
        let key = digest
            .iter()
            .fold(String::with_capacity(64), |mut key, byte| {
                let _ = write!(key, "{byte:02x}");
                key
            });
        self.dir.join(format!("{key}.cwasm"))
    }

    /// The cached module at `path`, if there is a usable one. A file that
    /// wasmtime rejects (another version, corruption) is removed.
    pub(crate) fn load(engine: &wasmtime::Engine, path: &Path) -> Option<wasmtime::Module> {
        if !path.exists() {
            return None;
        }
        // SAFETY: the file is in a directory only this user can write (checked
        // in `open`), under a name derived from the module bytes and the
        // engine's compatibility hash, and was written by `store` below from
        // `Module::serialize`. wasmtime still checks its header and version.
        if let Ok(module) = unsafe { wasmtime::Module::deserialize_file(engine, path) } {
            Some(module)
        } else {
            let _ = fs::remove_file(path);
            None
        }
    }

    /// Writes the compiled module, atomically, readable by this user only.
    pub(crate) fn store(path: &Path, module: &wasmtime::Module) -> Result<(), Error> {
        let bytes = module.serialize()?;
        let tmp = path.with_extension(format!(
            "{}.{:?}.tmp",
            std::process::id(),
            std::thread::current().id()
        ));
        let write = || -> std::io::Result<()> {
            let mut file = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&tmp)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            fs::rename(&tmp, path)
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            Error::Engine(format!(
                "cannot write the compiled-module cache {}: {e}",
                path.display()
            ))
        })
    }
}

fn default_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("FASTWASM_CACHE_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(xdg) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(xdg).join("fastwasm");
    }
    if let Some(home) = std::env::var_os("HOME") {
        return PathBuf::from(home).join(".cache").join("fastwasm");
    }
    std::env::temp_dir().join(format!("fastwasm-cache-{}", std::process::id()))
}

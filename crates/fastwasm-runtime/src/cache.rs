//! The disk cache of compiled modules: `Module::serialize` output, keyed by
//! the module bytes and the engine's compatibility hash.
//!
//! A cached file is native machine code that the process runs, so only the
//! user running fastwasm may be able to fill the cache (docs/security.md has
//! the threat model):
//! - the directory must be owned by this user and writable by nobody else;
//! - so must every parent, up to `/`, except that a parent may be a sticky,
//!   world-writable `/tmp`-style directory when the directory below it on the
//!   path is this user's own (in a sticky directory, nobody else can remove
//!   or rename it);
//! - a symbolic link on the path must be root's or this user's;
//! - each file is opened without following a symbolic link, and must be a
//!   regular file of this user's, writable by nobody else;
//! - files are written to a fresh temporary file, then renamed into place.
//!
//! Anything else is refused: the module is compiled in memory instead, and the
//! refusal is counted and its reason kept for the servers to log and export.
//! With neither `XDG_CACHE_HOME` nor `HOME` (and no directory given), there is no disk
//! cache at all: a guessable fallback under `/tmp` is what let another local
//! user plant code before.

use std::fmt::Write as _;
use std::fs;
use std::hash::{Hash, Hasher};
use std::io::{ErrorKind as IoErrorKind, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::{CacheDir, Error};

/// Bumped when the file layout or the key changes.
const FORMAT: &str = "fastwasm-compiled-module-v2";

/// Where a module's compiled code came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CacheOutcome {
    /// Compiled code came from a precompiled artifact beside the file
    /// (`NAME.cwasm`, [`crate::compile_artifact`]); nothing was compiled.
    Precompiled,
    /// Compiled code came from the disk cache; nothing was compiled.
    Hit,
    /// Compiled now, and written to the disk cache for the next process.
    Miss,
    /// Compiled now; there is no disk cache (disabled, unavailable, or not
    /// writable).
    Disabled,
    /// Compiled now, in memory: the cache directory or the cached file failed
    /// the ownership and permission checks. See [`crate::Runtime::cache_status`].
    Refused,
}

impl CacheOutcome {
    /// `"precompiled"`, `"hit"`, `"miss"`, `"disabled"` or `"refused"`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Precompiled => "precompiled",
            Self::Hit => "hit",
            Self::Miss => "miss",
            Self::Disabled => "disabled",
            Self::Refused => "refused",
        }
    }
}

/// Why there is no disk cache.
pub(crate) struct CacheOff {
    /// Said in the status and, when `refused`, logged by the servers.
    pub(crate) reason: String,
    /// A check failed (as opposed to: disabled, or no place to put it).
    pub(crate) refused: bool,
}

/// What a lookup found.
pub(crate) enum Lookup<T> {
    Hit(T),
    Absent,
    Refused(String),
}

pub(crate) struct DiskCache {
    dir: PathBuf,
    uid: u32,
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

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// The settings of `engine` that compiled code depends on (wasmtime's
/// compatibility hash, through SHA-256 so that it is stable across
/// processes of one build), as hex: part of a cache key, and what a
/// precompiled artifact records of the engine that made it.
pub(crate) fn settings_hash(engine: &wasmtime::Engine) -> String {
    let mut hasher = Sha256Hasher(Sha256::new());
    engine.precompile_compatibility_hash().hash(&mut hasher);
    hex(&hasher.0.finalize())
}

fn current_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

impl DiskCache {
    /// Opens the cache directory, creating it (mode 0700) when missing, and
    /// checks it and its parents.
    pub(crate) fn open(config: &CacheDir) -> Result<Self, CacheOff> {
        let dir = match config {
            CacheDir::Disabled => return Err(off("disabled by the configuration")),
            CacheDir::Path(dir) => dir.clone(),
            CacheDir::Default => {
                default_dir().ok_or_else(|| off("neither XDG_CACHE_HOME nor HOME is set"))?
            }
        };
        let uid = current_uid();
        let dir =
            std::path::absolute(&dir).map_err(|e| refused(format!("{}: {e}", dir.display())))?;
        check_links(&dir, uid)?;
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(|e| off(&format!("cannot create {}: {e}", dir.display())))?;
        let dir = fs::canonicalize(&dir).map_err(|e| refused(format!("{}: {e}", dir.display())))?;
        let meta = fs::metadata(&dir).map_err(|e| refused(format!("{}: {e}", dir.display())))?;
        if !meta.is_dir() {
            return Err(refused(format!("{} is not a directory", dir.display())));
        }
        owned_and_private(&dir, &meta, uid).map_err(refused)?;
        check_parents(&dir, uid).map_err(refused)?;
        Ok(Self { dir, uid })
    }

    /// The directory in use.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file for `wasm` compiled as `kind` (`"module"` or `"component"`).
    pub(crate) fn path_for(&self, engine: &wasmtime::Engine, kind: &str, wasm: &[u8]) -> PathBuf {
        let mut key = Sha256::new();
        for part in [FORMAT, kind, &settings_hash(engine)] {
            key.update(part.as_bytes());
            key.update([0]);
        }
        key.update(wasm);
        self.dir.join(format!("{}.cwasm", hex(&key.finalize())))
    }

    /// The cached code at `path`, as `deserialize` makes it from the file's
    /// bytes, if there is a usable one. A file that fails the checks is
    /// refused; a file that wasmtime rejects (another version, corruption)
    /// is removed.
    ///
    /// # Safety
    /// `deserialize` must be wasmtime's `Module::deserialize` or
    /// `Component::deserialize`: the bytes are compiled code that it maps
    /// and that the process runs. This function checks where they come from.
    pub(crate) unsafe fn load<T>(
        &self,
        path: &Path,
        deserialize: impl FnOnce(&[u8]) -> wasmtime::Result<T>,
    ) -> Lookup<T> {
        let bytes = match read_checked(path, self.uid) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Lookup::Absent,
            Err(reason) => return Lookup::Refused(reason),
        };
        // The bytes come from a regular file, owned by this user and writable
        // by nobody else, in a directory with the same guarantees, under a
        // name derived from the module bytes, their kind and the engine's
        // compatibility hash; `store` below wrote it from `serialize`.
        // wasmtime still checks its header and version.
        if let Ok(code) = deserialize(&bytes) {
            Lookup::Hit(code)
        } else {
            let _ = fs::remove_file(path);
            Lookup::Absent
        }
    }

    /// Writes compiled code (`serialize`'s bytes), atomically, readable by
    /// this user only. A refused file at `path` is replaced (a rename does not
    /// follow a link).
    pub(crate) fn store(path: &Path, bytes: &[u8]) -> Result<(), Error> {
        let tmp = path.with_extension(format!(
            "{}.{:?}.tmp",
            std::process::id(),
            std::thread::current().id()
        ));
        let write = || -> std::io::Result<()> {
            // create_new: O_EXCL, which never follows a link nor reuses a file.
            let mut file = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&tmp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            fs::rename(&tmp, path)
        };
        write().map_err(|source| {
            let _ = fs::remove_file(&tmp);
            Error::Engine {
                context: format!("cannot write the compiled-module cache {}", path.display()),
                source: source.into(),
            }
        })
    }
}

/// The bytes of `path` if it is a regular file of this user's that nobody
/// else may write, opened without following a symbolic link and checked on
/// the open file (so the file checked is the file read); `Ok(None)` when
/// there is none; `Err` saying why it was refused.
fn read_checked(path: &Path, uid: u32) -> Result<Option<Vec<u8>>, String> {
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path);
    let mut file = match file {
        Ok(file) => file,
        Err(e) if e.kind() == IoErrorKind::NotFound => return Ok(None),
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(format!("{} is a symbolic link", path.display()));
        }
        Err(e) => return Err(format!("cannot open {}: {e}", path.display())),
    };
    let meta = file.metadata().map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err(format!("{} is not a regular file", path.display()));
    }
    owned_and_private(path, &meta, uid)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(Some(bytes))
}

/// As the cache reads its files ([`read_checked`]), for a file elsewhere (a
/// precompiled artifact): the same ownership rules, for this process's user.
pub(crate) fn owned_and_private_file(path: &Path) -> Result<Option<Vec<u8>>, String> {
    read_checked(path, current_uid())
}

fn off(reason: &str) -> CacheOff {
    CacheOff {
        reason: reason.to_owned(),
        refused: false,
    }
}

fn refused(reason: String) -> CacheOff {
    CacheOff {
        reason,
        refused: true,
    }
}

/// Owned by `uid` and writable by nobody else.
fn owned_and_private(path: &Path, meta: &fs::Metadata, uid: u32) -> Result<(), String> {
    if meta.uid() != uid {
        return Err(format!(
            "{} is owned by uid {}, not by this user (uid {uid})",
            path.display(),
            meta.uid()
        ));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(format!(
            "{} can be written by other users (mode {:o})",
            path.display(),
            meta.mode() & 0o7777
        ));
    }
    Ok(())
}

/// Every symbolic link on the path (as given, made absolute) must be root's
/// or this user's: anybody else could point it elsewhere later.
fn check_links(dir: &Path, uid: u32) -> Result<(), CacheOff> {
    let mut prefix = PathBuf::new();
    for component in dir.components() {
        prefix.push(component);
        if !matches!(component, Component::Normal(_)) {
            continue;
        }
        match fs::symlink_metadata(&prefix) {
            Ok(meta) if meta.file_type().is_symlink() && meta.uid() != 0 && meta.uid() != uid => {
                return Err(refused(format!(
                    "{} is a symbolic link owned by uid {}",
                    prefix.display(),
                    meta.uid()
                )));
            }
            // Missing components are created below, with this user's ownership.
            _ => {}
        }
    }
    Ok(())
}

/// Every parent of `dir` (canonical) is root's or this user's, and writable by
/// nobody else, or sticky with this user's own directory below it.
fn check_parents(dir: &Path, uid: u32) -> Result<(), String> {
    let mut below = dir;
    for parent in dir.ancestors().skip(1) {
        let meta = fs::metadata(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        if meta.uid() != 0 && meta.uid() != uid {
            return Err(format!(
                "its parent {} is owned by uid {}",
                parent.display(),
                meta.uid()
            ));
        }
        if meta.mode() & 0o022 != 0 {
            let sticky = meta.mode() & 0o1000 != 0;
            let below_is_ours = fs::metadata(below).is_ok_and(|m| m.uid() == uid);
            if !(sticky && below_is_ours) {
                return Err(format!(
                    "its parent {} can be written by other users (mode {:o})",
                    parent.display(),
                    meta.mode() & 0o7777
                ));
            }
        }
        below = parent;
    }
    Ok(())
}

/// `$XDG_CACHE_HOME/fastwasm`, else `$HOME/.cache/fastwasm`; else none.
fn default_dir() -> Option<PathBuf> {
    if let Some(xdg) = std::env::var_os("XDG_CACHE_HOME") {
        return Some(PathBuf::from(xdg).join("fastwasm"));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache").join("fastwasm"))
}

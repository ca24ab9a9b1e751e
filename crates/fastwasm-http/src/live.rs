//! The kernel set a server serves now, and its reload: new versions of
//! kernels without a restart and without a dropped request.
//!
//! A reload reads every file again and loads each changed one beside the
//! version that serves. Then the whole set is swapped at once: a call that
//! started before the swap keeps the set it started with (an `Arc`) to its
//! end, and every call after it gets the new one. A file that fails to load
//! leaves its kernel's old version serving, with the failure listed; a file
//! that is gone stops being served once its calls in flight end.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use arc_swap::ArcSwap;
use fastwasm_runtime::Runtime;
use serde_json::{Value, json};

use crate::answer::Answer;
use crate::kernel::{Kernel, KernelFiles, ReloadFailure};
use crate::set::KernelSet;
use crate::sidecar::Limits;

/// Where a set's kernels came from, and what they were loaded with: what a
/// reload loads again.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// Every `*.wasm` file of a folder.
    Dir {
        dir: PathBuf,
        defaults: Limits,
        grants_root: Option<PathBuf>,
    },
    /// Named files (a name of `None`: the file's stem).
    Files {
        files: KernelPaths,
        defaults: Limits,
        grants_root: Option<PathBuf>,
    },
    /// Bytes a server carries in its binary: nothing to read again.
    Embedded,
}

impl Source {
    pub(crate) fn defaults(&self) -> Limits {
        match self {
            Self::Dir { defaults, .. } | Self::Files { defaults, .. } => *defaults,
            Self::Embedded => unreachable!("embedded kernels are never read from disk"),
        }
    }

    pub(crate) fn grants_root(&self) -> Option<&Path> {
        match self {
            Self::Dir { grants_root, .. } | Self::Files { grants_root, .. } => {
                grants_root.as_deref()
            }
            Self::Embedded => None,
        }
    }

    /// Each kernel's `(name, path)`, and the fingerprint of the files, taken
    /// before any is read: a file written after it shows as a change.
    pub(crate) fn paths(&self) -> Result<(KernelPaths, Fingerprint), String> {
        let paths = match self {
            Self::Dir { dir, .. } => {
                let entries = std::fs::read_dir(dir)
                    .map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
                let mut paths: Vec<PathBuf> = entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
                    .collect();
                paths.sort();
                paths.into_iter().map(|p| (None, p)).collect()
            }
            Self::Files { files, .. } => files.clone(),
            Self::Embedded => Vec::new(),
        };
        let fingerprint = Fingerprint::of(paths.iter().map(|(_, path)| path.as_path()));
        Ok((paths, fingerprint))
    }

    /// The fingerprint of the files as they are now.
    fn fingerprint_now(&self) -> Fingerprint {
        self.paths().map(|(_, f)| f).unwrap_or_default()
    }
}

/// Each kernel's name (`None`: its file's stem) and path.
pub(crate) type KernelPaths = Vec<(Option<String>, PathBuf)>;

/// Each kernel file's and sidecar's size and modification time (`None`
/// when it is not there): what a watch compares to tell that a reload is
/// due, without reading or hashing a byte.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Fingerprint(Vec<(PathBuf, Option<(u64, SystemTime)>)>);

impl Fingerprint {
    fn of<'a>(paths: impl Iterator<Item = &'a Path>) -> Self {
        let stat = |path: PathBuf| {
            let seen = std::fs::metadata(&path)
                .ok()
                .and_then(|m| Some((m.len(), m.modified().ok()?)));
            (path, seen)
        };
        Self(
            paths
                .flat_map(|path| [stat(path.to_owned()), stat(path.with_extension("toml"))])
                .collect(),
        )
    }
}

/// What one reload did, kernel by kernel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reload {
    /// The set's generation after it ([`KernelSet::generation`]).
    pub generation: u64,
    /// Kernels whose new or changed files loaded and now serve.
    pub loaded: Vec<String>,
    /// Kernels whose files did not change.
    pub unchanged: Vec<String>,
    /// Kernels whose files are gone: no longer served.
    pub removed: Vec<String>,
    /// Kernels whose new files did not load, with why; the version before
    /// serves on, when there was one.
    pub failed: Vec<(String, String)>,
    /// Why nothing could be reloaded, when nothing could (the kernels are
    /// embedded in the server, or their folder cannot be listed).
    pub refused: Option<String>,
}

impl Reload {
    /// The answer of the admin route that asked for it: 200 with what it
    /// did (failures included: each listed kernel keeps serving its old
    /// version), or 409 when nothing could be reloaded.
    #[must_use]
    pub fn answer(&self) -> Answer {
        if let Some(reason) = &self.refused {
            return Answer::detail(409, reason, "refused");
        }
        let failed: Vec<Value> = self
            .failed
            .iter()
            .map(|(kernel, error)| json!({ "kernel": kernel, "error": error }))
            .collect();
        let body = json!({
            "generation": self.generation,
            "loaded": self.loaded,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "failed": failed,
        });
        Answer::json(200, &body, "ok")
    }
}

/// The kernel set a server serves now: read with [`LiveKernels::current`],
/// replaced whole by [`LiveKernels::reload`].
pub struct LiveKernels {
    current: ArcSwap<KernelSet>,
    runtime: Runtime,
    /// One reload at a time: two at once would load the same files twice
    /// and the later swap would undo the earlier.
    reloading: Mutex<()>,
}

impl LiveKernels {
    /// Serves `set`, which was loaded into `runtime` (a reload loads there too).
    #[must_use]
    pub fn new(runtime: Runtime, set: KernelSet) -> Self {
        Self {
            current: ArcSwap::from_pointee(set),
            runtime,
            reloading: Mutex::new(()),
        }
    }

    /// The set serving now. A call holds it to its end, so a reload in the
    /// meantime changes nothing under the call.
    #[must_use]
    pub fn current(&self) -> Arc<KernelSet> {
        self.current.load_full()
    }

    /// Whether a kernel file or sidecar changed since the serving set was
    /// read (sizes and modification times only: no file is read), for a
    /// server that reloads when files change.
    #[must_use]
    pub fn changed(&self) -> bool {
        let set = self.current.load();
        match set.source {
            Source::Embedded => false,
            _ => set.source.fingerprint_now() != set.fingerprint,
        }
    }

    /// Reads every kernel file again, loads each new or changed one beside
    /// the version serving, and swaps the new set in, all at once. A file
    /// that fails to load leaves its old version serving; a kernel whose
    /// file is gone is dropped. Blocks while it compiles; one reload runs at
    /// a time.
    pub fn reload(&self) -> Reload {
        let _one = self
            .reloading
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let old = self.current();
        let (set, report) = reloaded(&self.runtime, &old);
        if let Some(set) = set {
            self.current.store(Arc::new(set));
        }
        report
    }
}

/// The set `old` becomes, if anything changed, and what changed.
fn reloaded(runtime: &Runtime, old: &KernelSet) -> (Option<KernelSet>, Reload) {
    let mut report = Reload {
        generation: old.generation,
        ..Reload::default()
    };
    if matches!(old.source, Source::Embedded) {
        report.refused = Some(format!(
            "the kernels are embedded in the server, so there is nothing to reload: set {} to serve a folder",
            old.names().kernels
        ));
        return (None, report);
    }
    let (paths, fingerprint) = match old.source.paths() {
        Ok(found) => found,
        Err(error) => {
            report.refused = Some(format!("{error}: the kernels serve on as they were"));
            return (None, report);
        }
    };
    let mut kernels = BTreeMap::new();
    let mut failures = BTreeMap::new();
    for (name, path) in paths {
        let files = KernelFiles::read(name.as_deref(), &path);
        let identity = files.identity();
        let name = files.name.clone();
        let serving = old.kernels.get(&name);
        if let Some(kernel) = serving.filter(|k| k.identity == identity && !identity.is_empty()) {
            kernels.insert(name.clone(), Arc::clone(kernel));
            report.unchanged.push(name);
            continue;
        }
        let tried = old.failures.get(&name);
        if let (Some(kernel), Some(failure)) = (serving, tried.filter(|f| f.identity == identity)) {
            // The same broken files as last time: not compiled again.
            kernels.insert(name.clone(), Arc::clone(kernel));
            report.failed.push((name.clone(), failure.error.clone()));
            failures.insert(name, failure.clone());
            continue;
        }
        let kernel = Kernel::of_files(
            runtime,
            files,
            old.source.defaults(),
            old.source.grants_root(),
        );
        let error = kernel.loaded.as_ref().err().cloned();
        match (error, serving.filter(|k| k.loaded.is_ok())) {
            (None, _) => {
                kernels.insert(name.clone(), Arc::new(kernel));
                report.loaded.push(name);
            }
            (Some(error), Some(serving)) => {
                kernels.insert(name.clone(), Arc::clone(serving));
                report.failed.push((name.clone(), error.clone()));
                let failure = ReloadFailure {
                    error,
                    sha256: kernel.sha256,
                    at: kernel.loaded_at,
                    identity,
                };
                failures.insert(name, failure);
            }
            // Nothing served before: listed with its error, as at start-up.
            (Some(error), None) => {
                report.failed.push((name.clone(), error));
                kernels.insert(name, Arc::new(kernel));
            }
        }
    }
    report.removed = old
        .kernels
        .keys()
        .filter(|name| !kernels.contains_key(*name))
        .cloned()
        .collect();
    let same_failures = failures.len() == old.failures.len()
        && failures.iter().all(|(name, f)| {
            old.failures
                .get(name)
                .is_some_and(|o| o.identity == f.identity)
        });
    if report.loaded.is_empty() && report.removed.is_empty() && same_failures {
        return (None, report);
    }
    report.generation = old.generation + 1;
    let set = old.succeeded_by(kernels, failures, fingerprint, report.generation);
    (Some(set), report)
}

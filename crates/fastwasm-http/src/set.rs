//! The kernel set: every kernel of a folder (or of named files), and the
//! answers of its routes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fastwasm_runtime::{CallOptions, CancelToken, Runtime};
use serde_json::{Map, Value, json};

use crate::answer::Answer;
use crate::call::{Arguments, Target};
use crate::kernel::{Kernel, KernelFiles, ReloadFailure};
use crate::live::{Fingerprint, Source};
use crate::openapi::{operation, route};
use crate::sidecar::Limits;
use crate::status::SettingNames;

/// The kernels directory, loaded.
///
/// A set never changes: a reload makes a new one
/// ([`crate::LiveKernels::reload`]), sharing each unchanged kernel with
/// this one, so a call keeps the set it started with to its end.
pub struct KernelSet {
    pub(crate) kernels: BTreeMap<String, Arc<Kernel>>,
    /// The newer files a reload could not load, by kernel: the version in
    /// `kernels` serves on.
    pub(crate) failures: BTreeMap<String, ReloadFailure>,
    /// Why the directory could not be listed, if it could not.
    pub dir_error: Option<String>,
    /// Where the routes are mounted: `/kernels` by default.
    prefix: String,
    /// What the caller calls its settings, for the details of errors.
    names: SettingNames,
    /// Where the kernels came from, and with what, to load them again.
    pub(crate) source: Source,
    /// The files' sizes and times when they were read.
    pub(crate) fingerprint: Fingerprint,
    /// 0 for the first set, one more for each reload that changed it.
    pub(crate) generation: u64,
}

/// Where the kernel routes are, unless a server mounts them elsewhere.
pub const DEFAULT_PREFIX: &str = "/kernels";

/// The metrics label of a function no kernel exports.
pub const UNKNOWN_FUNCTION: &str = "(unknown)";

impl KernelSet {
    /// No kernels at all; errors name the settings `names`.
    #[must_use]
    pub fn empty(names: SettingNames) -> Self {
        Self {
            kernels: BTreeMap::new(),
            failures: BTreeMap::new(),
            dir_error: None,
            prefix: DEFAULT_PREFIX.to_owned(),
            names,
            source: Source::Embedded,
            fingerprint: Fingerprint::default(),
            generation: 0,
        }
    }

    /// A set loaded from `source` afresh.
    pub(crate) fn of_source(runtime: &Runtime, source: Source) -> Self {
        let mut set = Self::empty(source.defaults().names);
        let (paths, fingerprint) = match source.paths() {
            Ok(found) => found,
            Err(error) => {
                set.dir_error = Some(error);
                set.source = source;
                return set;
            }
        };
        set.fingerprint = fingerprint;
        for (name, path) in paths {
            let files = KernelFiles::read(name.as_deref(), &path);
            let kernel = Kernel::of_files(runtime, files, source.defaults(), source.grants_root());
            set.insert(kernel);
        }
        set.source = source;
        set
    }

    /// The set a reload makes of this one: its kernels and failures, the
    /// files' fingerprint when they were read, and its generation; where
    /// it is mounted, its words and its source stay.
    pub(crate) fn succeeded_by(
        &self,
        kernels: BTreeMap<String, Arc<Kernel>>,
        failures: BTreeMap<String, ReloadFailure>,
        fingerprint: Fingerprint,
        generation: u64,
    ) -> Self {
        Self {
            kernels,
            failures,
            dir_error: None,
            prefix: self.prefix.clone(),
            names: self.names,
            source: self.source.clone(),
            fingerprint,
            generation,
        }
    }

    /// What the caller calls its settings.
    pub(crate) fn names(&self) -> SettingNames {
        self.names
    }

    pub(crate) fn insert(&mut self, kernel: Kernel) {
        self.kernels.insert(kernel.name.clone(), Arc::new(kernel));
    }

    /// Which version of the set this is: 0 as loaded, one more for each
    /// reload that changed it (a cache of what is made from the set, its
    /// `OpenAPI` paths say, is keyed by it).
    #[must_use]
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Every `*.wasm` file in `dir`, each loaded into `runtime` with
    /// `defaults` tightened by its sidecar. A file that fails to load is kept,
    /// with its error: it never stops the others.
    #[must_use]
    pub fn load(
        runtime: &Runtime,
        dir: &Path,
        defaults: Limits,
        grants_root: Option<&Path>,
    ) -> Self {
        let source = Source::Dir {
            dir: dir.to_owned(),
            defaults,
            grants_root: grants_root.map(Path::to_owned),
        };
        Self::of_source(runtime, source)
    }

    /// One file as a set of one kernel (the `fastwasm call` command), named
    /// after its file stem, with its sidecar if it has one.
    #[must_use]
    pub fn load_file(
        runtime: &Runtime,
        path: &Path,
        defaults: Limits,
        grants_root: Option<&Path>,
    ) -> Self {
        let source = Source::Files {
            files: vec![(None, path.to_owned())],
            defaults,
            grants_root: grants_root.map(Path::to_owned),
        };
        Self::of_source(runtime, source)
    }

    /// Named files, each with its sidecar (`NAME.toml` beside `NAME.wasm`)
    /// if it has one. A file that fails to load is kept, with its error.
    #[must_use]
    pub fn load_files(
        runtime: &Runtime,
        files: &[(String, PathBuf)],
        defaults: Limits,
        grants_root: Option<&Path>,
    ) -> Self {
        let source = Source::Files {
            files: files
                .iter()
                .map(|(name, path)| (Some(name.clone()), path.clone()))
                .collect(),
            defaults,
            grants_root: grants_root.map(Path::to_owned),
        };
        Self::of_source(runtime, source)
    }

    /// Kernels from bytes the server carries (its own examples, embedded in
    /// its binary), each named and without a sidecar.
    #[must_use]
    pub fn load_embedded(runtime: &Runtime, kernels: &[(&str, &[u8])], defaults: Limits) -> Self {
        let mut set = Self::empty(defaults.names);
        for (name, bytes) in kernels {
            let kernel = Kernel::of_bytes(
                runtime,
                (*name).to_owned(),
                format!("{name}.wasm"),
                Ok(bytes.to_vec()),
                None,
                defaults,
            );
            set.insert(kernel);
        }
        set
    }

    /// The refused grants of its kernels' sidecars (a directory outside the
    /// grants root, say), each naming the file and the key: a server does
    /// not start while there is one.
    #[must_use]
    pub fn grant_errors(&self) -> Vec<&str> {
        self.kernels
            .values()
            .filter_map(|k| k.grant_error.as_deref())
            .collect()
    }

    /// Each kernel whose precompiled artifact was refused (so it was
    /// compiled), with why: for the servers' start-up log.
    #[must_use]
    pub fn artifact_refusals(&self) -> Vec<(&str, String)> {
        self.kernels
            .values()
            .filter_map(|k| {
                let info = k.loaded.as_ref().ok()?.load_info();
                Some((k.name.as_str(), info.artifact?.to_string()))
            })
            .collect()
    }

    /// The set with its routes mounted at `prefix` (`/kernels`): the paths
    /// its listing and its `OpenAPI` operations name.
    #[must_use]
    pub fn with_prefix(mut self, prefix: &str) -> Self {
        prefix.trim_end_matches('/').clone_into(&mut self.prefix);
        self
    }

    /// Where its routes are mounted.
    #[must_use]
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The kernels, by name.
    pub fn kernels(&self) -> impl Iterator<Item = &Kernel> {
        self.kernels.values().map(Arc::as_ref)
    }

    /// The newer file of kernel `name` that a reload could not load, if
    /// there was one: the kernel's version before it serves on.
    #[must_use]
    pub fn reload_failure(&self, name: &str) -> Option<&ReloadFailure> {
        self.failures.get(name)
    }

    /// The kernel `name`.
    ///
    /// # Errors
    /// A 404 [`Answer`] naming the kernels there are.
    pub fn kernel(&self, name: &str) -> Result<&Kernel, Answer> {
        self.kernels.get(name).map(Arc::as_ref).ok_or_else(|| {
            let names: Vec<&str> = self.kernels.keys().map(String::as_str).collect();
            let there = if names.is_empty() {
                format!("there are none ({})", self.names.kernels)
            } else {
                format!("there are {}", names.join(", "))
            };
            Answer::not_found(&format!("no kernel named {name:?}; {there}"))
        })
    }

    /// The `function` label of a call's metrics: the WIT name of `function`
    /// when `kernel` exports it (either spelling), else `(unknown)`. A name
    /// a client made up never becomes a label of its own, since every label
    /// set is kept for the life of the process.
    #[must_use]
    pub fn metric_function(&self, kernel: &str, function: &str) -> &str {
        self.kernel(kernel)
            .ok()
            .and_then(|m| m.loaded.as_ref().ok())
            .and_then(|component| component.function(function).ok())
            .map_or(UNKNOWN_FUNCTION, |f| f.name.as_str())
    }

    /// `GET /kernels`.
    #[must_use]
    pub fn list(&self) -> Answer {
        let kernels: Vec<Value> = self
            .kernels
            .values()
            .map(|m| m.describe(&self.prefix, self.failures.get(&m.name)))
            .collect();
        Answer::json(200, &json!({ "kernels": kernels }), "ok")
    }

    /// `GET /kernels/{kernel}`.
    #[must_use]
    pub fn show(&self, name: &str) -> Answer {
        match self.kernel(name) {
            Ok(kernel) => {
                let failure = self.failures.get(name);
                Answer::json(200, &kernel.describe(&self.prefix, failure), "ok")
            }
            Err(answer) => answer,
        }
    }

    /// `POST /kernels/{kernel}/{function}`, start to end: the target, the
    /// body's size, its arguments, the call, the answer. Servers that need
    /// to do something between the steps (admission control, a cancel token
    /// tied to the client) call them one by one.
    #[must_use]
    pub fn call(
        &self,
        kernel: &str,
        function: &str,
        body: &[u8],
        content_type: Option<&str>,
        accept: Option<&str>,
        cancel: Option<&CancelToken>,
    ) -> Answer {
        let options = CallOptions {
            cancel,
            timeout: None,
        };
        self.call_with(kernel, function, body, content_type, accept, &options)
    }

    /// As [`KernelSet::call`], under `options`.
    #[must_use]
    pub fn call_with(
        &self,
        kernel: &str,
        function: &str,
        body: &[u8],
        content_type: Option<&str>,
        accept: Option<&str>,
        options: &CallOptions<'_>,
    ) -> Answer {
        match self.prepare(kernel, function, body, content_type) {
            Ok((target, args)) => target.call(&args, accept, options),
            Err(answer) => answer,
        }
    }

    /// As [`KernelSet::call_with`], inline in a caller that must not block:
    /// `None` when the call was preempted (run it again on a call thread
    /// with [`KernelSet::call_with`]: `fastwasm_runtime::Placement`).
    #[must_use]
    pub fn call_inline(
        &self,
        kernel: &str,
        function: &str,
        body: &[u8],
        content_type: Option<&str>,
        accept: Option<&str>,
        options: &CallOptions<'_>,
    ) -> Option<Answer> {
        match self.prepare(kernel, function, body, content_type) {
            Ok((target, args)) => target.call_inline(&args, accept, options),
            Err(answer) => Some(answer),
        }
    }

    /// The target and its arguments, or the answer that refuses them.
    fn prepare(
        &self,
        kernel: &str,
        function: &str,
        body: &[u8],
        content_type: Option<&str>,
    ) -> Result<(Target<'_>, Arguments), Answer> {
        let target = self.kernel(kernel).and_then(|m| m.target(function))?;
        if body.len() > target.kernel.limits.max_body_bytes {
            return Err(Answer::too_large(
                target.kernel,
                target.kernel.limits.max_body_bytes,
            ));
        }
        let args = target.arguments(body, content_type)?;
        Ok((target, args))
    }

    /// Whether a caller that must not block runs `function` of `kernel`
    /// inline now (`fastwasm_runtime::Placement`); false for a kernel or
    /// function that is not there (its 404 is cheap either way).
    #[must_use]
    pub fn runs_inline(&self, kernel: &str, function: &str) -> bool {
        self.kernels
            .get(kernel)
            .and_then(|m| m.loaded.as_ref().ok())
            .and_then(|component| component.runs_inline(function).ok())
            .unwrap_or(true)
    }

    /// The `OpenAPI` path items of every function of every loaded kernel,
    /// keyed by their literal paths, to merge into a document's `paths`.
    #[must_use]
    pub fn openapi_paths(&self) -> Map<String, Value> {
        let mut paths = Map::new();
        for kernel in self.kernels.values() {
            let Ok(component) = &kernel.loaded else {
                continue;
            };
            for function in component
                .functions()
                .iter()
                .filter(|f| crate::openapi::unsupported(f).is_none())
            {
                paths.insert(
                    route(&self.prefix, &kernel.name, &function.name),
                    operation(kernel, function),
                );
            }
        }
        paths
    }
}

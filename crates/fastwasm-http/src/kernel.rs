//! One kernel: a `.wasm` component of the folder (or a named file), loaded
//! with its limits, or the error it failed with.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use fastwasm_runtime::{Component, Cpu, LoadOptions, Loaded, Runtime};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::answer::Answer;
use crate::call::Target;
use crate::openapi::describe_function;
use crate::sidecar::{Limits, SidecarGrants};

/// One `.wasm` file of the directory: loaded, or its error.
pub struct Kernel {
    /// The file stem: the kernel's name in its routes.
    pub name: String,
    /// The file name (`blur.wasm`).
    pub file: String,
    /// The file's SHA-256, hex.
    pub sha256: String,
    /// The file's size.
    pub size_bytes: u64,
    /// When it was loaded (or failed to).
    pub loaded_at: SystemTime,
    /// What a reload compares to tell a changed kernel: the SHA-256 of its
    /// file and of its sidecar's text.
    pub(crate) identity: String,
    /// Its limits: the server's, tightened by its sidecar.
    pub limits: Limits,
    /// The sidecar keys that tightened them.
    pub tightened: Vec<&'static str>,
    /// What its sidecar grants it.
    pub grants: SidecarGrants,
    /// Why its sidecar's grants were refused, if they were: a server does
    /// not start with such a kernel ([`crate::KernelSet::grant_errors`]).
    pub grant_error: Option<String>,
    /// The component, or why it did not load.
    pub loaded: Result<Component, String>,
}

impl Kernel {
    /// What sets the limit of sidecar key `key` (`timeout_s`,
    /// `max_memory_mb`, `max_body_bytes`): the sidecar when it tightened
    /// it, else the server's setting, in the words of `limits.names`.
    #[must_use]
    pub fn set_by(&self, key: &str) -> String {
        if self.tightened.contains(&key) {
            return format!("{}.toml {key}", self.name);
        }
        let names = &self.limits.names;
        match key {
            "timeout_s" => names.timeout,
            "max_memory_mb" => names.max_memory,
            "max_body_bytes" => names.max_body,
            other => other,
        }
        .to_owned()
    }

    /// The kernel of files already read.
    pub(crate) fn of_files(
        runtime: &Runtime,
        files: KernelFiles,
        defaults: Limits,
        grants_root: Option<&Path>,
    ) -> Self {
        let identity = files.identity();
        let KernelFiles {
            name,
            file,
            bytes,
            sidecar,
            artifact,
        } = files;
        let mut kernel = Self::new(name, file, &bytes, defaults);
        kernel.identity = identity;
        if let Some((sidecar_file, text)) = &sidecar {
            match crate::sidecar::grants(
                sidecar_file,
                text,
                grants_root,
                defaults.names.grants_root,
            ) {
                Ok(grants) => kernel.grants = grants,
                Err(error) => {
                    kernel.grant_error = Some(error.to_string());
                    kernel.loaded = Err(error.to_string());
                    return kernel;
                }
            }
        }
        kernel.loaded = bytes
            .and_then(|bytes| kernel.load_component(runtime, &bytes, sidecar, defaults, artifact));
        kernel
    }

    /// A kernel from its bytes (`file` names it in messages), with a
    /// sidecar's `(file name, text)` if it has one.
    pub(crate) fn of_bytes(
        runtime: &Runtime,
        name: String,
        file: String,
        bytes: Result<Vec<u8>, String>,
        sidecar: Option<(String, String)>,
        defaults: Limits,
    ) -> Self {
        let mut kernel = Self::new(name, file, &bytes, defaults);
        kernel.loaded =
            bytes.and_then(|bytes| kernel.load_component(runtime, &bytes, sidecar, defaults, None));
        kernel
    }

    /// A kernel not loaded yet.
    fn new(name: String, file: String, bytes: &Result<Vec<u8>, String>, defaults: Limits) -> Self {
        let (sha256, size_bytes) = match bytes {
            Ok(bytes) => (format!("{:x}", Sha256::digest(bytes)), bytes.len() as u64),
            Err(_) => (String::new(), 0),
        };
        Self {
            name,
            file,
            identity: sha256.clone(),
            sha256,
            size_bytes,
            loaded_at: SystemTime::now(),
            limits: defaults,
            tightened: Vec::new(),
            grants: SidecarGrants::default(),
            grant_error: None,
            loaded: Err(String::new()),
        }
    }

    fn load_component(
        &mut self,
        runtime: &Runtime,
        bytes: &[u8],
        sidecar: Option<(String, String)>,
        defaults: Limits,
        artifact: Option<PathBuf>,
    ) -> Result<Component, String> {
        if let Some((file, text)) = sidecar {
            self.limits = defaults
                .tightened(&file, &text)
                .map_err(|e| e.to_string())?;
            let table: toml::Table = text.parse().unwrap_or_default();
            self.tightened = crate::sidecar::KEYS
                .into_iter()
                .filter(|k| table.contains_key(*k))
                .collect();
        }
        let options = LoadOptions {
            timeout: Some(self.limits.timeout),
            max_memory_bytes: Some(self.limits.max_memory_mb << 20),
            placement: self.limits.placement,
            deadline: Some(self.limits.deadline),
            grants: self.grants.grants.clone(),
            artifact,
        };
        match runtime
            .load_bytes_with(bytes, options)
            .map_err(|e| e.to_string())?
        {
            Loaded::Component(component) => Ok(component),
            Loaded::Module(_) => Err(format!(
                "{} is a core module: only components are served (see docs/your-own-kernel.md)",
                self.file
            )),
        }
    }

    /// The function `name` (WIT or `snake_case` spelling) of a loaded kernel.
    ///
    /// # Errors
    /// A 404 [`Answer`] for a kernel that did not load or a function it
    /// does not export.
    pub fn target(&self, name: &str) -> Result<Target<'_>, Answer> {
        let component = self.loaded.as_ref().map_err(|error| {
            Answer::not_found(&format!("kernel {:?} did not load: {error}", self.name))
        })?;
        let function = component.function(name).map_err(|_| {
            let names: Vec<&str> = component
                .functions()
                .iter()
                .map(|f| f.name.as_str())
                .collect();
            Answer::not_found(&format!(
                "kernel {:?} has no function {name:?}; it has {}",
                self.name,
                names.join(", ")
            ))
        })?;
        Ok(Target {
            kernel: self,
            component,
            function,
        })
    }

    /// `loaded_at` in RFC 3339, UTC, to the millisecond.
    #[must_use]
    pub fn loaded_at_rfc3339(&self) -> String {
        humantime::format_rfc3339_millis(self.loaded_at).to_string()
    }

    /// What `GET {prefix}/{kernel}` answers; `failure`: the newer file a
    /// reload could not load, while this version serves on.
    pub(crate) fn describe(&self, prefix: &str, failure: Option<&ReloadFailure>) -> Value {
        let load = self.loaded.as_ref().ok().map(|component| {
            let info = component.load_info();
            json!({
                "code": info.cache.name(),
                "artifact_refused": info.artifact.as_deref(),
            })
        });
        let functions: Vec<Value> = self
            .loaded
            .as_ref()
            .map(|c| {
                c.functions()
                    .iter()
                    .map(|f| describe_function(prefix, &self.name, f))
                    .collect()
            })
            .unwrap_or_default();
        json!({
            "name": self.name,
            "file": self.file,
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "loaded_at": self.loaded_at_rfc3339(),
            "error": self.loaded.as_ref().err(),
            "reload_error": failure.map(ReloadFailure::describe),
            "limits": {
                "timeout_s": self.limits.timeout.as_secs_f64(),
                "max_memory_mb": self.limits.max_memory_mb,
                "max_body_bytes": self.limits.max_body_bytes,
                "placement": self.limits.placement.name(),
                "deadline": self.limits.deadline,
            },
            // What a client may know of the grants: guest paths and
            // variable names, never host paths or values.
            "grants": {
                "dirs": self.grants.grants.dirs.iter().map(|d| &d.guest).collect::<Vec<_>>(),
                "env": self.grants.grants.env.iter().map(|(name, _)| name).collect::<Vec<_>>(),
                "log_output": self.grants.log_output,
            },
            // Where its compiled code came from (`precompiled`, the cache,
            // a compile) and why an artifact beside it was refused.
            "load": load,
            "functions": functions,
        })
    }
}

/// A kernel's files, read: its `.wasm` bytes (or why they could not be
/// read), its sidecar's text, and where its precompiled artifact would be.
pub(crate) struct KernelFiles {
    pub(crate) name: String,
    file: String,
    bytes: Result<Vec<u8>, String>,
    sidecar: Option<(String, String)>,
    artifact: Option<PathBuf>,
}

impl KernelFiles {
    /// The file at `path`, named `name` or after its stem, and the sidecar
    /// beside it (`NAME.toml`) if there is one.
    pub(crate) fn read(name: Option<&str>, path: &Path) -> Self {
        let name = name.map_or_else(
            || {
                path.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default()
            },
            str::to_owned,
        );
        let file = path
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let sidecar_path = path.with_extension("toml");
        let sidecar = std::fs::read_to_string(&sidecar_path).ok().map(|text| {
            let file = sidecar_path.file_name().map_or_else(
                || format!("{name}.toml"),
                |f| f.to_string_lossy().into_owned(),
            );
            (file, text)
        });
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read {file}: {e}"));
        Self {
            name,
            file,
            bytes,
            sidecar,
            artifact: Some(path.with_extension("cwasm")),
        }
    }

    /// The SHA-256 of the `.wasm` bytes, and of the sidecar's text when
    /// there is one: what [`Kernel::identity`] holds.
    pub(crate) fn identity(&self) -> String {
        let Ok(bytes) = &self.bytes else {
            return String::new();
        };
        let wasm = format!("{:x}", Sha256::digest(bytes));
        match &self.sidecar {
            None => wasm,
            Some((_, text)) => format!("{wasm}+{:x}", Sha256::digest(text.as_bytes())),
        }
    }
}

/// A newer file of a kernel that a reload could not load: the version
/// before it serves on.
#[derive(Debug, Clone)]
pub struct ReloadFailure {
    /// Why it did not load.
    pub error: String,
    /// The newer file's SHA-256.
    pub sha256: String,
    /// When the reload tried it.
    pub at: SystemTime,
    /// The newer files' identity, so the same broken files are not
    /// compiled again.
    pub(crate) identity: String,
}

impl ReloadFailure {
    fn describe(&self) -> Value {
        json!({
            "error": self.error,
            "sha256": self.sha256,
            "at": humantime::format_rfc3339_millis(self.at).to_string(),
        })
    }
}

/// Compiles the kernel `path` (`NAME.wasm`) ahead of time for `cpu` and
/// writes the artifact beside it (`NAME.cwasm`, see
/// `fastwasm_runtime::compile_artifact`), as `runtime` would load it: with
/// the deadline unless the kernel's sidecar turns it off. Returns the
/// artifact's path.
///
/// # Errors
/// What cannot be read, parsed, compiled or written, naming the file.
pub fn compile_artifact(
    runtime: &Runtime,
    path: &Path,
    cpu: Cpu,
    defaults: Limits,
) -> Result<PathBuf, String> {
    let wasm = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let sidecar = path.with_extension("toml");
    let limits = match std::fs::read_to_string(&sidecar) {
        Ok(text) => defaults
            .tightened(&sidecar.display().to_string(), &text)
            .map_err(|e| e.to_string())?,
        Err(_) => defaults,
    };
    let mut config = runtime.config().clone();
    config.deadline = limits.deadline;
    let bytes = fastwasm_runtime::compile_artifact(&config, &wasm, cpu)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let artifact = path.with_extension("cwasm");
    let partial = path.with_extension("cwasm.partial");
    std::fs::write(&partial, &bytes)
        .and_then(|()| std::fs::rename(&partial, &artifact))
        .map_err(|e| format!("cannot write {}: {e}", artifact.display()))?;
    Ok(artifact)
}

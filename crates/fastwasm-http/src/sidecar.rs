//! A module's own limits: `NAME.toml` next to `NAME.wasm`, which may only
//! tighten the server's.
//!
//! ```toml
//! timeout_s = 0.5          # at most the server's deadline
//! max_memory_mb = 16       # at most the server's memory cap
//! max_body_bytes = 65536   # at most the server's body limit
//! heavy = false            # declared cheap: calls run inline, without a heavy-work slot
//! deadline = false         # trusted code: no epoch checks, so no timeout and no cancel
//! log_output = true        # its stdout and stderr lines as log records
//!
//! [dirs]                   # read-only directories, under the operator's grants root
//! "dictionaries/en" = "/dictionary"
//!
//! [env]                    # the only variables it sees, by value
//! LANG = "en"
//! ```
//!
//! Without `heavy`, where a call runs is measured (see
//! `fastwasm_runtime::Placement`): inline once the function's recent calls
//! were each cheap, else off the event loop with a heavy-work slot.
//!
//! `deadline = false` is the one key that loosens: whoever may write the
//! `.wasm` next to it decides to trust it. Its calls cannot be stopped, so a
//! server waits at most `timeout_s` for an answer (then a 504), while the call
//! runs on to its end and keeps its heavy-work slot until then.
//!
//! Grants (`dirs`, `env`, `log_output`) give a component what it may use,
//! deny by default as without a sidecar. A directory is a path under the
//! grants root the operator sets (`FASTWASM_GRANTS_ROOT`): resolved, links
//! and `..` included, it must stay under the root, or the server does not
//! start ([`grants`]). Without a root, a sidecar grants no directory.

use std::path::Path;
use std::time::Duration;

use fastwasm_runtime::{DirGrant, Grants, Placement};
use toml::Value;

use crate::status::SettingNames;

/// The limits of one module's calls.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// The deadline of one call.
    pub timeout: Duration,
    /// The linear-memory cap of one instance, in MiB.
    pub max_memory_mb: usize,
    /// The largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Where a call runs: measured (the default), inline (`heavy = false`:
    /// declared cheap) or on a call thread with a heavy-work slot (`heavy =
    /// true`).
    pub placement: Placement,
    /// Whether calls run under the deadline (`deadline = false` turns it
    /// off: see the module docs).
    pub deadline: bool,
    /// What the server calls the settings these tighten, for its messages.
    pub names: SettingNames,
}

/// What is wrong with a sidecar file: the key, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {key}: {reason}")]
pub struct SidecarError {
    /// The sidecar's file name.
    pub file: String,
    /// The offending key (or `(file)` when the file does not parse).
    pub key: String,
    /// What it must be.
    pub reason: String,
}

impl SidecarError {
    fn new(file: &str, key: &str, reason: String) -> Self {
        Self {
            file: file.to_owned(),
            key: key.to_owned(),
            reason,
        }
    }
}

/// The sidecar `text` (named `file` in errors) as a TOML table.
fn parse(file: &str, text: &str) -> Result<toml::Table, SidecarError> {
    text.parse()
        .map_err(|e: toml::de::Error| SidecarError::new(file, "(file)", e.message().to_owned()))
}

/// The keys a sidecar may set that tighten limits.
pub const KEYS: [&str; 5] = [
    "timeout_s",
    "max_memory_mb",
    "max_body_bytes",
    "heavy",
    "deadline",
];

/// The keys a sidecar may set that grant capabilities ([`grants`]).
pub const GRANT_KEYS: [&str; 3] = ["dirs", "env", "log_output"];

/// What a sidecar grants a component: directories and variables, and
/// whether its output is logged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SidecarGrants {
    /// The runtime's grants: directories (resolved, under the root) and
    /// variables.
    pub grants: Grants,
    /// Whether its stdout and stderr lines are logged.
    pub log_output: bool,
}

/// The grants of the sidecar `text` (named `file` in errors). A directory
/// is a host path under `root` (relative paths are taken from it) that
/// resolves, links and `..` included, to a directory under it; the server
/// calls the root `root_setting`.
///
/// # Errors
/// [`SidecarError`] naming the key (`dirs`, `env`, `log_output`): of the
/// wrong type, a directory outside the root or missing, or any directory
/// when there is no root.
pub fn grants(
    file: &str,
    text: &str,
    root: Option<&Path>,
    root_setting: &str,
) -> Result<SidecarGrants, SidecarError> {
    let error = |key: &str, reason: String| SidecarError::new(file, key, reason);
    let table = parse(file, text)?;
    let mut granted = SidecarGrants::default();
    let strings = |key: &str, value: &Value| -> Result<Vec<(String, String)>, SidecarError> {
        let Value::Table(entries) = value else {
            return Err(error(
                key,
                format!("must be a table of strings, got {value}"),
            ));
        };
        entries
            .iter()
            .map(|(k, v)| match v {
                Value::String(v) => Ok((k.clone(), v.clone())),
                other => Err(error(key, format!("{k}: must be a string, got {other}"))),
            })
            .collect()
    };
    if let Some(value) = table.get("dirs") {
        let entries = strings("dirs", value)?;
        if !entries.is_empty() {
            let Some(root) = root else {
                return Err(error(
                    "dirs",
                    format!("no directory may be granted: {root_setting} is not set"),
                ));
            };
            let root = root
                .canonicalize()
                .map_err(|e| error("dirs", format!("{root_setting} {}: {e}", root.display())))?;
            for (host, guest) in entries {
                let resolved = root
                    .join(&host)
                    .canonicalize()
                    .map_err(|e| error("dirs", format!("{host:?} under {root_setting}: {e}")))?;
                if !resolved.starts_with(&root) {
                    return Err(error(
                        "dirs",
                        format!(
                            "{host:?} is outside {root_setting} ({}): a sidecar grants only under it",
                            root.display()
                        ),
                    ));
                }
                granted.grants.dirs.push(DirGrant {
                    host: resolved,
                    guest,
                });
            }
        }
    }
    if let Some(value) = table.get("env") {
        granted.grants.env = strings("env", value)?;
    }
    match table.get("log_output") {
        None => {}
        Some(Value::Boolean(on)) => granted.log_output = *on,
        Some(other) => {
            return Err(error(
                "log_output",
                format!("must be true or false, got {other}"),
            ));
        }
    }
    granted.grants.check().map_err(|e| {
        let key = match &e {
            fastwasm_runtime::Error::InvalidConfig { setting, .. } => setting,
            _ => "dirs",
        };
        error(key, e.to_string())
    })?;
    Ok(granted)
}

impl Limits {
    /// These limits, tightened by the sidecar `text` (named `file` in
    /// errors).
    ///
    /// # Errors
    /// [`SidecarError`] naming the key: unknown, of the wrong type, zero, or
    /// looser than the server's limit (named by its setting, `names`).
    pub fn tightened(self, file: &str, text: &str) -> Result<Self, SidecarError> {
        let error = |key: &str, reason: String| SidecarError::new(file, key, reason);
        let table = parse(file, text)?;
        let mut limits = self;
        for (key, value) in &table {
            match (key.as_str(), value) {
                ("timeout_s", Value::Float(_) | Value::Integer(_)) => {
                    #[allow(clippy::cast_precision_loss)]
                    let seconds = value
                        .as_float()
                        .unwrap_or_else(|| value.as_integer().unwrap_or_default() as f64);
                    let max = self.timeout.as_secs_f64();
                    if !(seconds > 0.0 && seconds <= max) {
                        let reason = format!(
                            "{seconds} is not in (0, {max}] ({}): a sidecar may only tighten",
                            self.names.timeout
                        );
                        return Err(error(key, reason));
                    }
                    limits.timeout = Duration::from_secs_f64(seconds);
                }
                ("max_memory_mb", Value::Integer(mb)) => {
                    limits.max_memory_mb = bounded(*mb, self.max_memory_mb, self.names.max_memory)
                        .map_err(|reason| error(key, reason))?;
                }
                ("max_body_bytes", Value::Integer(bytes)) => {
                    limits.max_body_bytes =
                        bounded(*bytes, self.max_body_bytes, self.names.max_body)
                            .map_err(|reason| error(key, reason))?;
                }
                ("heavy", Value::Boolean(heavy)) => {
                    limits.placement = if *heavy {
                        Placement::Threads
                    } else {
                        Placement::Inline
                    };
                }
                ("deadline", Value::Boolean(deadline)) => limits.deadline = *deadline,
                (
                    "timeout_s" | "max_memory_mb" | "max_body_bytes" | "heavy" | "deadline",
                    other,
                ) => {
                    let wanted = match key.as_str() {
                        "timeout_s" => "a number of seconds",
                        "heavy" | "deadline" => "true or false",
                        _ => "an integer",
                    };
                    let reason = format!("must be {wanted}, got {other}");
                    return Err(error(key, reason));
                }
                (key, _) if GRANT_KEYS.contains(&key) => {}
                _ => {
                    let reason = format!(
                        "unknown key: a sidecar may set {}, {}",
                        KEYS.join(", "),
                        GRANT_KEYS.join(", ")
                    );
                    return Err(error(key, reason));
                }
            }
        }
        Ok(limits)
    }
}

fn bounded(value: i64, max: usize, setting: &str) -> Result<usize, String> {
    usize::try_from(value)
        .ok()
        .filter(|v| (1..=max).contains(v))
        .ok_or_else(|| {
            format!("{value} is not in [1, {max}] ({setting}): a sidecar may only tighten")
        })
}

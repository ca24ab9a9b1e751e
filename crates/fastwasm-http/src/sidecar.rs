//! A module's own limits: `NAME.toml` next to `NAME.wasm`, which may only
//! tighten the server's.
//!
//! ```toml
//! timeout_s = 0.5          # at most the server's deadline
//! max_memory_mb = 16       # at most the server's memory cap
//! max_body_bytes = 65536   # at most the server's body limit
//! heavy = false            # declared cheap: calls run inline, without a heavy-work slot
//! deadline = false         # trusted code: no epoch checks, so no timeout and no cancel
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

use std::time::Duration;

use fastwasm_runtime::Placement;
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

/// The keys a sidecar may set.
pub const KEYS: [&str; 5] = [
    "timeout_s",
    "max_memory_mb",
    "max_body_bytes",
    "heavy",
    "deadline",
];

impl Limits {
    /// These limits, tightened by the sidecar `text` (named `file` in
    /// errors).
    ///
    /// # Errors
    /// [`SidecarError`] naming the key: unknown, of the wrong type, zero, or
    /// looser than the server's limit (named by its setting, `names`).
    pub fn tightened(self, file: &str, text: &str) -> Result<Self, SidecarError> {
        let error = |key: &str, reason: String| SidecarError {
            file: file.to_owned(),
            key: key.to_owned(),
            reason,
        };
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| error("(file)", e.message().to_owned()))?;
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
                _ => {
                    let reason = format!("unknown key: a sidecar may set {}", KEYS.join(", "));
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

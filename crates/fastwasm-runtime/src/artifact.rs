//! Precompiled artifacts: a module or component compiled ahead of time (at
//! an image's build, say) for a CPU baseline, so that a new replica loads
//! it instead of compiling it.
//!
//! An artifact is `NAME.cwasm` beside `NAME.wasm`: one header line, then
//! wasmtime's own serialized code (`Engine::precompile_component` or
//! `precompile_module`). The header records what the code was made from
//! and for: the `.wasm`'s SHA-256, the kind, the wasmtime version, whether
//! it has the deadline's epoch checks, the CPU baseline and its features,
//! and the compiling engine's settings (its compatibility hash).
//!
//! The loader uses an artifact only when every check passes, and otherwise
//! compiles and says why ([`crate::LoadInfo::artifact`]). An artifact is
//! native code the process runs, so it must first pass the disk cache's
//! ownership rules (owned by this user, writable by nobody else,
//! `cache.rs`); then its source's SHA-256 must be the `.wasm`'s, its
//! CPU features within what this runtime allows ([`Cpu`]), its engine
//! settings this runtime's for that baseline, and wasmtime must accept it
//! (`deserialize` checks the version, the flags and the host's CPU again).
//! The checks say nothing of who built the `.wasm` or the artifact: whoever
//! may write them may run code in the process (docs/security.md).

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::cache::{hex, owned_and_private_file, settings_hash};
use crate::cpu::Cpu;
use crate::{Error, RuntimeConfig};

/// The first line of every artifact: its format.
const MAGIC: &str = "fastwasm-artifact-v1";

/// What an artifact says of itself.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Header {
    kind: String,
    source_sha256: String,
    wasmtime: String,
    deadline: bool,
    cpu: Cpu,
    features: Vec<String>,
    engine: String,
}

impl Header {
    fn line(&self) -> String {
        format!(
            "{MAGIC} kind={} source_sha256={} wasmtime={} deadline={} cpu={} features={} engine={}\n",
            self.kind,
            self.source_sha256,
            self.wasmtime,
            self.deadline,
            self.cpu.name(),
            self.features.join(","),
            self.engine
        )
    }

    fn parse(line: &str) -> Option<Self> {
        let mut words = line.split(' ');
        if words.next()? != MAGIC {
            return None;
        }
        let mut field = |key: &str| {
            words
                .next()?
                .strip_prefix(key)?
                .strip_prefix('=')
                .map(str::to_owned)
        };
        Some(Self {
            kind: field("kind")?,
            source_sha256: field("source_sha256")?,
            wasmtime: field("wasmtime")?,
            deadline: field("deadline")?.parse().ok()?,
            cpu: field("cpu")?.parse().ok()?,
            features: field("features")?
                .split(',')
                .filter(|f| !f.is_empty())
                .map(str::to_owned)
                .collect(),
            engine: field("engine")?,
        })
    }
}

/// Hex SHA-256 of `bytes`.
fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The layer field of the binary header: `\0asm`, then a version and a layer.
const COMPONENT_LAYER: [u8; 2] = [1, 0];

/// Whether binary WebAssembly is a component (layer 1), not a core module.
pub(crate) fn is_component(binary: &[u8]) -> bool {
    binary.get(6..8) == Some(&COMPONENT_LAYER)
}

/// What the binary is: `"component"` or `"module"`.
fn kind_of(binary: &[u8]) -> &'static str {
    if is_component(binary) {
        "component"
    } else {
        "module"
    }
}

/// An engine that compiles as `config`'s runtime does, for `cpu`.
fn compiling_engine(
    config: &RuntimeConfig,
    deadline: bool,
    cpu: Cpu,
) -> Result<wasmtime::Engine, Error> {
    crate::engine::new_engine(config, deadline, cpu, 1)
}

/// `wasm` (binary or text) compiled ahead of time for `cpu`, with the
/// settings of a runtime built with `config`, as an artifact's bytes.
///
/// # Errors
/// [`Error::InvalidModule`] when the bytes do not compile;
/// [`Error::InvalidConfig`] naming `cpu` for a baseline of another
/// architecture.
pub fn compile_artifact(config: &RuntimeConfig, wasm: &[u8], cpu: Cpu) -> Result<Vec<u8>, Error> {
    let binary = wat::parse_bytes(wasm).map_err(|e| Error::InvalidModule {
        reason: e.to_string(),
        source: Some(Box::new(e)),
    })?;
    let engine = compiling_engine(config, config.deadline, cpu)?;
    let kind = kind_of(&binary);
    let code = if kind == "component" {
        engine.precompile_component(&binary)
    } else {
        engine.precompile_module(&binary)
    }
    .map_err(Error::invalid_module)?;
    let header = Header {
        kind: kind.to_owned(),
        source_sha256: sha256(wasm),
        wasmtime: crate::WASMTIME_VERSION.to_owned(),
        deadline: config.deadline,
        cpu,
        features: cpu.features().into_iter().map(str::to_owned).collect(),
        engine: settings_hash(&engine),
    };
    let mut bytes = header.line().into_bytes();
    bytes.extend_from_slice(&code);
    Ok(bytes)
}

/// What the loader found beside a `.wasm`.
pub(crate) enum Found<T> {
    /// No artifact there.
    Absent,
    /// An artifact passed every check: its code.
    Used(T),
    /// An artifact was there and was not used: why.
    Refused(String),
}

/// The artifact `path`, for the `.wasm` whose bytes are `wasm` (a `kind`,
/// `"component"` or `"module"`), if it passes
/// every check (see the module docs); `deserialize` is wasmtime's.
///
/// # Safety
/// `deserialize` must be wasmtime's `Module::deserialize` or
/// `Component::deserialize` for `engine`: the bytes are compiled code the
/// process runs. This function checks where they come from.
pub(crate) unsafe fn load<T>(
    path: &Path,
    wasm: &[u8],
    kind: &str,
    runtime: &crate::Runtime,
    deadline: bool,
    deserialize: impl FnOnce(&[u8]) -> wasmtime::Result<T>,
) -> Found<T> {
    let config = runtime.config();
    let bytes = match owned_and_private_file(path) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Found::Absent,
        Err(reason) => return Found::Refused(reason),
    };
    let refused = |reason: String| Found::Refused(format!("{}: {reason}", path.display()));
    let Some(end) = bytes.iter().position(|&b| b == b'\n') else {
        return refused("not a fastwasm artifact".into());
    };
    let Some(header) = std::str::from_utf8(&bytes[..end])
        .ok()
        .and_then(Header::parse)
    else {
        return refused(format!(
            "not a fastwasm artifact (its first line is not {MAGIC}'s)"
        ));
    };
    let source = sha256(wasm);
    if header.source_sha256 != source {
        return refused(format!(
            "compiled from another .wasm (sha256 {}, and this file's is {source})",
            header.source_sha256
        ));
    }
    if header.kind != kind {
        return refused(format!(
            "compiled as a {}, and this is a {kind}",
            header.kind
        ));
    }
    if header.wasmtime != crate::WASMTIME_VERSION {
        return refused(format!(
            "compiled by wasmtime {}, and this is {}",
            header.wasmtime,
            crate::WASMTIME_VERSION
        ));
    }
    if header.deadline != deadline {
        let with = |on: bool| if on { "with" } else { "without" };
        return refused(format!(
            "compiled {} the deadline's checks, and this runtime loads it {} them",
            with(header.deadline),
            with(deadline)
        ));
    }
    let allowed = config.cpu.features();
    let missing: Vec<&str> = header
        .features
        .iter()
        .map(String::as_str)
        .filter(|f| !allowed.contains(f))
        .collect();
    if !missing.is_empty() {
        return refused(format!(
            "compiled for CPU baseline {} with features this runtime's CPU ({}) lacks: {}",
            header.cpu.name(),
            config.cpu.name(),
            missing.join(", ")
        ));
    }
    let same_settings =
        runtime.artifact_settings(deadline, header.cpu).as_deref() == Some(header.engine.as_str());
    if !same_settings {
        return refused(
            "compiled by an engine with other settings than this runtime's (another fastwasm build or configuration)".into(),
        );
    }
    match deserialize(&bytes[end + 1..]) {
        Ok(code) => Found::Used(code),
        Err(error) => refused(format!("wasmtime refused it: {error:#}")),
    }
}

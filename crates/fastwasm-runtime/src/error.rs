//! The runtime's one error type and its exhaustive classification. What a
//! kind means over HTTP is the serving layer's (fastwasm-http's `status`).

use std::path::PathBuf;
use std::time::Duration;

/// A boxed error from below (wasmtime, the file system), kept as the source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything the runtime can refuse or report. `Display` gives a message fit
/// for an end user; limits are named by their setting; the cause, when there
/// is one below, is kept as the `source`.
///
/// Deliberately not `#[non_exhaustive]`: the binding and the servers match on
/// it (or on [`Error::kind`]) with no catch-all arm, so a new variant does not
/// build until each of them has decided what it means.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The module file does not exist or cannot be read.
    #[error("module not found: {}: {source}", path.display())]
    ModuleNotFound {
        /// The path that was tried.
        path: PathBuf,
        /// Why it could not be read.
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not a WebAssembly module this runtime can run: malformed,
    /// too large, or importing something the runtime does not provide.
    #[error("invalid module: {reason}")]
    InvalidModule {
        /// What is wrong with it (with wasmtime's own chain of causes, when
        /// wasmtime refused it).
        reason: String,
        /// wasmtime's error, when it refused the module.
        #[source]
        source: Option<BoxError>,
    },
    /// The module has no function export of that name.
    #[error("the module has no exported function `{name}`")]
    MissingExport {
        /// The export that was asked for.
        name: String,
    },
    /// The export exists but its type is not the one the call needs.
    #[error("`{name}` has signature {actual}, but the call needs {expected}")]
    WrongSignature {
        /// The export.
        name: String,
        /// What the caller or the facade needed, like `(i32) -> i64`.
        expected: String,
        /// What the module declares.
        actual: String,
    },
    /// The guest trapped: `unreachable`, an out-of-bounds access, a stack
    /// overflow and the like. The instance is thrown away.
    #[error(
        "`{export}` trapped ({code}): {message}{}",
        stderr_suffix(guest_stderr)
    )]
    Trap {
        /// The export that was called.
        export: String,
        /// A stable short name for the trap, like `unreachable` or `stack_overflow`.
        code: &'static str,
        /// wasmtime's description of the trap.
        message: String,
        /// The end of what a component wrote to stderr during the call (a
        /// Rust guest's panic message); empty for core modules.
        guest_stderr: String,
    },
    /// The call ran past its deadline and was interrupted. The instance is
    /// thrown away.
    #[error("`{export}` did not finish within the deadline of {:.3} s", timeout.as_secs_f64())]
    Timeout {
        /// The export that was called.
        export: String,
        /// The deadline that was exceeded.
        timeout: Duration,
    },
    /// The call's [`CancelToken`](crate::CancelToken) was cancelled (its
    /// caller no longer wants the answer). The instance is thrown away.
    #[error("`{export}` was cancelled before it finished")]
    Cancelled {
        /// The export that was called.
        export: String,
    },
    /// The guest tried to grow its linear memory past the cap. The instance is
    /// thrown away.
    #[error(
        "`{export}` tried to grow linear memory to {requested} bytes, over the cap of {limit} bytes"
    )]
    MemoryLimit {
        /// The export that was called.
        export: String,
        /// The size the guest asked for.
        requested: usize,
        /// The cap.
        limit: usize,
    },
    /// Every instance slot of the runtime is in use.
    #[error("all {limit} instance slots are in use")]
    InstanceLimit {
        /// The cap.
        limit: u32,
    },
    /// A component already holds as many live resources as its cap allows.
    #[error("all {limit} live resources of this component are in use")]
    ResourceLimit {
        /// The cap.
        limit: usize,
    },
    /// A resource cannot be used: it was closed, its instance was thrown
    /// away after a failure, or it is not one the call can take.
    #[error("`{resource}` cannot be used: {reason}")]
    Resource {
        /// The resource's WIT name.
        resource: String,
        /// Why, naming what happened.
        reason: String,
    },
    /// A setting is out of range.
    #[error("invalid setting {setting}: {reason}")]
    InvalidConfig {
        /// The setting's name.
        setting: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The guest broke the contract a facade expects of it (its ABI), for
    /// example by returning a buffer outside its memory. The instance is
    /// thrown away.
    #[error("the guest broke its ABI in `{export}`: {reason}")]
    Abi {
        /// The export that was called.
        export: String,
        /// What was wrong.
        reason: String,
    },
    /// The function passes a type this host cannot carry yet (a resource, a
    /// future, a stream or an error-context).
    #[error("{reason}")]
    Unsupported {
        /// The function's WIT name.
        function: String,
        /// What it passes, named.
        reason: String,
    },
    /// Anything else wasmtime reports (engine set-up, serializing a module,
    /// an error the guest call raised that fits no other kind).
    #[error("wasmtime: {context}: {source}")]
    Engine {
        /// What the runtime was doing.
        context: String,
        /// wasmtime's error.
        #[source]
        source: BoxError,
    },
}

/// What kind of failure an [`Error`] is. Exhaustive on purpose: every layer
/// (the Python binding, both servers) matches on it with no catch-all arm,
/// so a new kind does not build until each of them has decided what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// [`Error::ModuleNotFound`].
    ModuleNotFound,
    /// [`Error::InvalidModule`].
    InvalidModule,
    /// [`Error::MissingExport`].
    MissingExport,
    /// [`Error::WrongSignature`].
    WrongSignature,
    /// [`Error::Trap`].
    Trap,
    /// [`Error::Timeout`].
    Timeout,
    /// [`Error::Cancelled`].
    Cancelled,
    /// [`Error::MemoryLimit`].
    MemoryLimit,
    /// [`Error::InstanceLimit`].
    InstanceLimit,
    /// [`Error::ResourceLimit`].
    ResourceLimit,
    /// [`Error::Resource`].
    Resource,
    /// [`Error::InvalidConfig`].
    InvalidConfig,
    /// [`Error::Abi`].
    Abi,
    /// [`Error::Unsupported`].
    Unsupported,
    /// [`Error::Engine`].
    Engine,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [Self; 15] = [
        Self::ModuleNotFound,
        Self::InvalidModule,
        Self::MissingExport,
        Self::WrongSignature,
        Self::Trap,
        Self::Timeout,
        Self::Cancelled,
        Self::MemoryLimit,
        Self::InstanceLimit,
        Self::ResourceLimit,
        Self::Resource,
        Self::InvalidConfig,
        Self::Abi,
        Self::Unsupported,
        Self::Engine,
    ];

    /// A stable snake-case name: `"trap"`, `"memory_limit"`, ... (metrics
    /// labels, the Python exceptions' `kind`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::ModuleNotFound => "module_not_found",
            Self::InvalidModule => "invalid_module",
            Self::MissingExport => "missing_export",
            Self::WrongSignature => "wrong_signature",
            Self::Trap => "trap",
            Self::Timeout => "timeout",
            Self::Cancelled => "cancelled",
            Self::MemoryLimit => "memory_limit",
            Self::InstanceLimit => "instance_limit",
            Self::ResourceLimit => "resource_limit",
            Self::Resource => "resource",
            Self::InvalidConfig => "invalid_config",
            Self::Abi => "abi",
            Self::Unsupported => "unsupported",
            Self::Engine => "engine",
        }
    }
}

impl Error {
    /// What kind of failure this is.
    #[must_use]
    pub const fn kind(&self) -> ErrorKind {
        match self {
            Self::ModuleNotFound { .. } => ErrorKind::ModuleNotFound,
            Self::InvalidModule { .. } => ErrorKind::InvalidModule,
            Self::MissingExport { .. } => ErrorKind::MissingExport,
            Self::WrongSignature { .. } => ErrorKind::WrongSignature,
            Self::Trap { .. } => ErrorKind::Trap,
            Self::Timeout { .. } => ErrorKind::Timeout,
            Self::Cancelled { .. } => ErrorKind::Cancelled,
            Self::MemoryLimit { .. } => ErrorKind::MemoryLimit,
            Self::InstanceLimit { .. } => ErrorKind::InstanceLimit,
            Self::ResourceLimit { .. } => ErrorKind::ResourceLimit,
            Self::Resource { .. } => ErrorKind::Resource,
            Self::InvalidConfig { .. } => ErrorKind::InvalidConfig,
            Self::Abi { .. } => ErrorKind::Abi,
            Self::Unsupported { .. } => ErrorKind::Unsupported,
            Self::Engine { .. } => ErrorKind::Engine,
        }
    }

    /// A guest that broke the contract a facade expects of it: return this
    /// from a [`Module::with_instance`](crate::Module::with_instance) closure
    /// (as a `wasmtime::Error`) and the instance is thrown away.
    #[must_use]
    pub fn abi(export: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Abi {
            export: export.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn engine(context: impl Into<String>, source: wasmtime::Error) -> Self {
        Self::Engine {
            context: context.into(),
            source: source.into_boxed_dyn_error(),
        }
    }

    pub(crate) fn invalid_module(source: wasmtime::Error) -> Self {
        Self::InvalidModule {
            reason: format!("{source:#}"),
            source: Some(source.into_boxed_dyn_error()),
        }
    }
}

fn stderr_suffix(stderr: &str) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!("; the guest's stderr: {stderr}")
    }
}

/// A stable short name for a wasmtime trap.
pub(crate) fn trap_code(trap: wasmtime::Trap) -> &'static str {
    use wasmtime::Trap;
    match trap {
        Trap::StackOverflow => "stack_overflow",
        Trap::MemoryOutOfBounds => "memory_out_of_bounds",
        Trap::HeapMisaligned => "heap_misaligned",
        Trap::TableOutOfBounds => "table_out_of_bounds",
        Trap::IndirectCallToNull => "indirect_call_to_null",
        Trap::BadSignature => "bad_signature",
        Trap::IntegerOverflow => "integer_overflow",
        Trap::IntegerDivisionByZero => "integer_division_by_zero",
        Trap::BadConversionToInteger => "bad_conversion_to_integer",
        Trap::UnreachableCodeReached => "unreachable",
        Trap::Interrupt => "interrupt",
        Trap::OutOfFuel => "out_of_fuel",
        Trap::NullReference => "null_reference",
        Trap::ArrayOutOfBounds => "array_out_of_bounds",
        Trap::AllocationTooLarge => "allocation_too_large",
        // wasmtime::Trap is non_exhaustive: traps of proposals this host is
        // built without.
        _ => "other",
    }
}

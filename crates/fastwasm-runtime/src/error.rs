use std::path::PathBuf;
use std::time::Duration;

use fib_kernels::FibError;

/// Everything the runtime can refuse or report. `Display` gives a message fit
/// for an end user; limits are named by their setting.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The module file does not exist or cannot be read.
    #[error("module not found: {}: {source}", path.display())]
    ModuleNotFound {
        /// The path that was tried.
        path: PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// The bytes are not a WebAssembly module this runtime can run: malformed,
    /// too large, or importing something the runtime does not provide.
    #[error("invalid module: {reason}")]
    InvalidModule {
        /// What is wrong with it.
        reason: String,
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
    #[error("`{export}` trapped ({code}): {message}")]
    Trap {
        /// The export that was called.
        export: String,
        /// A stable short name for the trap, like `unreachable` or `stack_overflow`.
        code: &'static str,
        /// wasmtime's description of the trap.
        message: String,
    },
    /// The call ran past its deadline and was interrupted. The instance is
    /// thrown away.
    #[error("`{export}` did not finish within the deadline of {:.3} s (timeout_s)", timeout.as_secs_f64())]
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
        "`{export}` tried to grow linear memory to {requested} bytes, over the cap of {limit} bytes (max_memory_mb)"
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
    #[error("all {limit} instance slots are in use (max_instances)")]
    InstanceLimit {
        /// The cap.
        limit: u32,
    },
    /// A setting is out of range.
    #[error("invalid setting {setting}: {reason}")]
    InvalidConfig {
        /// The setting's name.
        setting: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The guest broke its documented ABI (docs/guest-abi.md), for example by
    /// returning a buffer outside its memory.
    #[error("the guest broke the fastwasm ABI in `{export}`: {reason}")]
    Abi {
        /// The export that was called.
        export: String,
        /// What was wrong.
        reason: String,
    },
    /// The arguments cannot have a Fibonacci answer (for example F(94) from a
    /// u64 kernel).
    #[error(transparent)]
    Fib(#[from] FibError),
    /// Anything else wasmtime reports (engine set-up, the disk cache).
    #[error("wasmtime: {0}")]
    Engine(String),
}

impl From<wasmtime::Error> for Error {
    fn from(error: wasmtime::Error) -> Self {
        Self::Engine(format!("{error:#}"))
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
        _ => "other",
    }
}

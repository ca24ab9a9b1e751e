//! The one table of HTTP answers to a failed WASM call, for both servers:
//! the status of each error kind, its `Retry-After`, and the `detail` of its
//! body, naming the setting behind a limit in the server's own words.

use fastwasm_runtime::{Error, ErrorKind};

/// The HTTP status of a guest's own error: the `err` of a `result` at the
/// top of a function's signature. The guest judged the input and said no:
/// a client error, with the error value as the body (not a validation error,
/// which is 422).
pub const GUEST_ERROR_STATUS: u16 = 400;

/// nginx's "client closed request": logged and counted, never seen by a client.
pub const CLIENT_CLOSED_REQUEST: u16 = 499;

/// What a server calls the settings behind the limits its answers name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettingNames {
    /// The deadline of a call.
    pub timeout: &'static str,
    /// The linear-memory cap of an instance.
    pub max_memory: &'static str,
    /// The instances alive at once.
    pub max_instances: &'static str,
    /// The live resources of one component. Only a library reaches it: the
    /// servers refuse every function that passes a resource.
    pub max_resources: &'static str,
    /// The largest request body.
    pub max_body: &'static str,
    /// The heavy calls at once (admission control).
    pub max_concurrent: &'static str,
    /// How long a heavy call waits for a slot.
    pub queue_timeout: &'static str,
    /// Where the kernels are.
    pub kernels: &'static str,
    /// The operator's root for the directories a sidecar grants.
    pub grants_root: &'static str,
}

impl SettingNames {
    /// fastwasm's own servers: their `FASTWASM_*` variables.
    pub const SERVICE: Self = Self {
        timeout: "FASTWASM_WASM_TIMEOUT_S",
        max_memory: "FASTWASM_WASM_MAX_MEMORY_MB",
        max_instances: "FASTWASM_WASM_MAX_INSTANCES",
        max_resources: "max_resources",
        max_body: "FASTWASM_MAX_BODY_BYTES",
        max_concurrent: "FASTWASM_MAX_CONCURRENT_HEAVY",
        queue_timeout: "FASTWASM_QUEUE_TIMEOUT_S",
        kernels: "FASTWASM_KERNELS_DIR",
        grants_root: "FASTWASM_GRANTS_ROOT",
    };

    /// A library user's: the keyword arguments of the Python API.
    pub const LIBRARY: Self = Self {
        timeout: "timeout_s",
        max_memory: "max_memory_mb",
        max_instances: "max_instances",
        max_resources: "max_resources",
        max_body: "max_body_bytes",
        max_concurrent: "max_concurrent",
        queue_timeout: "queue_timeout_s",
        kernels: "folder",
        grants_root: "grants_root",
    };

    /// `"service"` or `"library"`, by name.
    #[must_use]
    pub fn named(name: &str) -> Option<Self> {
        match name {
            "service" => Some(Self::SERVICE),
            "library" => Some(Self::LIBRARY),
            _ => None,
        }
    }
}

/// The HTTP status a request gets when its WASM call fails this way
/// (docs/errors.md; `tests/parity` checks each).
///
/// - 400: the memory cap. It is the same for the same input every time,
///   so it must not invite retries, as a 5xx would.
/// - 503 (with [`retry_after_s`]): no instance slot free now.
/// - 504: the deadline.
/// - 499: the caller cancelled (only logged: its client is gone).
/// - 501: the function passes a type the host cannot carry yet.
/// - 409: a resource that cannot be used (closed, or its instance thrown
///   away); a library reaches it, never a server.
/// - 502: the guest failed, or does not fit the call.
#[must_use]
pub const fn status(kind: ErrorKind) -> u16 {
    match kind {
        ErrorKind::MemoryLimit => 400,
        ErrorKind::Unsupported => 501,
        ErrorKind::InstanceLimit | ErrorKind::ResourceLimit => 503,
        ErrorKind::Resource => 409,
        ErrorKind::Timeout => 504,
        ErrorKind::Cancelled => CLIENT_CLOSED_REQUEST,
        ErrorKind::Trap
        | ErrorKind::Abi
        | ErrorKind::Engine
        | ErrorKind::ModuleNotFound
        | ErrorKind::InvalidModule
        | ErrorKind::MissingExport
        | ErrorKind::WrongSignature
        | ErrorKind::InvalidConfig => 502,
    }
}

/// Seconds for a `Retry-After` header: only transient kinds have one.
#[must_use]
pub const fn retry_after_s(kind: ErrorKind) -> Option<u32> {
    match kind {
        ErrorKind::InstanceLimit | ErrorKind::ResourceLimit => Some(1),
        ErrorKind::Resource
        | ErrorKind::ModuleNotFound
        | ErrorKind::InvalidModule
        | ErrorKind::MissingExport
        | ErrorKind::WrongSignature
        | ErrorKind::Trap
        | ErrorKind::Timeout
        | ErrorKind::Cancelled
        | ErrorKind::MemoryLimit
        | ErrorKind::InvalidConfig
        | ErrorKind::Abi
        | ErrorKind::Unsupported
        | ErrorKind::Engine => None,
    }
}

/// `message` with the setting (in `names`) behind the limit an error of
/// `kind` hit: `… (set by timeout_s)`. A library's exception says this.
#[must_use]
pub fn with_setting(kind: ErrorKind, message: &str, names: &SettingNames) -> String {
    match kind {
        ErrorKind::Timeout => format!("{message} (set by {})", names.timeout),
        ErrorKind::MemoryLimit => format!("{message} (set by {})", names.max_memory),
        ErrorKind::InstanceLimit => {
            format!("{message} (set by {}); retry later", names.max_instances)
        }
        ErrorKind::ResourceLimit => {
            format!(
                "{message} (set by {}); close some first",
                names.max_resources
            )
        }
        ErrorKind::Resource
        | ErrorKind::Cancelled
        | ErrorKind::Unsupported
        | ErrorKind::Trap
        | ErrorKind::Abi
        | ErrorKind::Engine
        | ErrorKind::ModuleNotFound
        | ErrorKind::InvalidModule
        | ErrorKind::MissingExport
        | ErrorKind::WrongSignature
        | ErrorKind::InvalidConfig => message.to_owned(),
    }
}

/// The `detail` of the error body for an error of `kind` whose message is
/// `message`: [`with_setting`], and for a 502 what failed, since the
/// client of a server sees no guest of its own.
#[must_use]
pub fn detail(kind: ErrorKind, message: &str, names: &SettingNames) -> String {
    let text = with_setting(kind, message, names);
    match status(kind) {
        502 => format!("the WASM guest failed: {text}"),
        _ => text,
    }
}

/// [`detail`] of a runtime error.
#[must_use]
pub fn error_detail(error: &Error, names: &SettingNames) -> String {
    detail(error.kind(), &error.to_string(), names)
}

/// The kind named `name` (`ErrorKind::name`), for a caller that kept only
/// the name (a Python exception's `kind`).
#[must_use]
pub fn kind_named(name: &str) -> Option<ErrorKind> {
    ErrorKind::ALL.into_iter().find(|kind| kind.name() == name)
}

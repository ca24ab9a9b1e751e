//! The fastwasm host runtime: WebAssembly kernels called from Rust with
//! compile-once start-up, cheap instances and limits on every call.
//!
//! - One [`Runtime`] owns one wasmtime `Engine`, an epoch ticker thread that
//!   enforces deadlines, and a disk cache of compiled modules, so a second
//!   process start deserializes instead of compiling.
//! - A [`Module`] is compiled and linked once. Calls take an instance from a
//!   thread-safe pool ([`Isolation::Pooled`], the default) or get a fresh one
//!   from a pre-linked `InstancePre` on the pooling allocator
//!   ([`Isolation::PerCall`]).
//! - Every call runs under a wall-clock deadline, a linear-memory cap and a
//!   bounded stack, and can be stopped from another thread with a
//!   [`CancelToken`]. A call that fails in any way loses its instance, which
//!   is replaced.
//! - [`Module::call`] calls any scalar export of any module.
//!   [`Module::with_instance`] is the hook for a typed facade over a guest's
//!   own ABI: it lends the facade an instance under the limits, and
//!   [`Lease::cached`] keeps the facade's typed functions per instance.
//! - [`mapping`] is the one value mapping of component calls: a Python object
//!   or a JSON value to the WIT value of a type, with the same rules and errors.
//! - One [`Error`] type; [`Error::kind`] classifies it exhaustively (what a
//!   kind means over HTTP is fastwasm-http's).
//!
//! The runtime knows no guest in particular, and no Python: the `PyO3`
//! binding, the axum server and the facades all sit on top.
//!
//! ```
//! use std::time::Duration;
//! use fastwasm_runtime::{CacheDir, Error, Runtime, RuntimeConfig, Value};
//!
//! let mut config = RuntimeConfig::default();
//! config.timeout = Duration::from_millis(200);
//! config.cache_dir = CacheDir::Disabled;
//! let runtime = Runtime::with_config(config)?;
//!
//! let module = runtime.load_module_bytes(br#"(module
//!     (func (export "double") (param i64) (result i64)
//!         local.get 0 i64.const 2 i64.mul)
//!     (func (export "spin") (loop (br 0))))"#)?;
//!
//! assert_eq!(module.call("double", &[Value::I64(21)])?, [Value::I64(42)]);
//! assert!(matches!(module.call("spin", &[]), Err(Error::Timeout { .. })));
//! // The instance that timed out was replaced; the module still answers.
//! assert_eq!(module.call("double", &[Value::I64(4)])?, [Value::I64(8)]);
//! # Ok::<(), Error>(())
//! ```

mod artifact;
mod cache;
mod cancel;
mod component;
mod config;
mod cpu;
mod engine;
mod error;
mod fast;
mod lease;
mod load;
pub mod mapping;
mod module;
mod placement;
mod pool;
mod store;
mod threads;
mod value;
mod wasi;
mod wit;

/// The wasmtime version this runtime was built with (from `Cargo.lock`).
pub const WASMTIME_VERSION: &str = env!("WASMTIME_VERSION_IN_LOCK");

pub use artifact::compile_artifact;
pub use cache::CacheOutcome;
pub use cancel::CancelToken;
pub use component::{
    Args, Called, Callee, Component, Function, LendArg, OwnedArgs, Pinned, ResourceExport, Returned,
};
pub use config::{
    CacheDir, INLINE_STREAK, Isolation, LoadOptions, Placement, RuntimeConfig, available_cores,
};
pub use cpu::Cpu;
pub use engine::{CacheStatus, Runtime};
pub use error::{BoxError, Error, ErrorKind};
pub use fast::{Bulk, FastArg, FastValue, NumberSlice, NumberType, Numbers, Payload};
pub use load::Loaded;
pub use module::Module;
pub use pool::{CallOptions, Lease, LoadInfo, PoolStats};
pub use store::CallState;
pub use value::{Export, Signature, Value, ValueType};
pub use wasi::{CallOutput, DirGrant, Grants};
/// The wasmtime crate this runtime is built on, for facades that name its
/// types (`TypedFunc`, `Memory`) in [`Module::with_instance`] closures.
pub use wasmtime;
pub use wit::{has_resources, kebab, snake, type_text};

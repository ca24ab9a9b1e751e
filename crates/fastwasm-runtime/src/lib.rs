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
//! - [`Module::call`] calls any scalar export of any module;
//!   [`FibonacciModule`] speaks the fastwasm guest ABI (docs/guest-abi.md).
//!
//! No Python here: the `PyO3` binding and the axum server both sit on top.
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
//! let module = runtime.load_bytes(br#"(module
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

mod cache;
mod cancel;
mod config;
mod error;
mod fibonacci;
mod module;
mod runtime;
mod value;

/// The wasmtime version this runtime was built with (from `Cargo.lock`).
pub const WASMTIME_VERSION: &str = env!("FASTWASM_WASMTIME_VERSION");

pub use cache::CacheOutcome;
pub use cancel::CancelToken;
pub use config::{CacheDir, Isolation, RuntimeConfig};
pub use error::Error;
pub use fib_kernels::{Algorithm, FibError, MAX_U64_N};
pub use fibonacci::{ABI_VERSION, FibValue, FibonacciModule};
pub use module::{LoadInfo, Module, PoolStats};
pub use runtime::Runtime;
pub use value::{Export, Signature, Value, ValueType};

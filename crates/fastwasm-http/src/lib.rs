//! HTTP, written once for both servers (the `FastAPI` service, through the
//! Python binding, and fastwasm-server): what every route answers, the
//! settings, the status table, the metric names, and the kernel routes.
//!
//! - [`status`]: the HTTP answer of each runtime error kind, naming the
//!   setting behind a limit in the server's own words ([`SettingNames`]).
//! - [`settings`]: every `FASTWASM_*` setting, its default and its range.
//! - [`fibonacci`]: the Fibonacci routes' bodies and their refusals.
//! - [`admission`]: the 503 of a heavy call that found no slot.
//! - [`metrics`]: every metric's name, help, labels and buckets.
//! - Kernels: a folder of components loaded into a [`KernelSet`] (each
//!   with the limits of its `NAME.toml`, [`sidecar`]), whose routes are
//!   `GET {prefix}` and `GET {prefix}/{kernel}` ([`KernelSet::list`],
//!   [`KernelSet::show`]), `POST {prefix}/{kernel}/{function}`
//!   ([`KernelSet::call`], or its steps for a server that does admission
//!   control in between), and one `OpenAPI` operation per function
//!   ([`KernelSet::openapi_paths`]). Values cross as JSON by [`json`].
//!
//! Every answer is an [`Answer`]: status, content type and body bytes, the
//! same from both servers.
//!
//! ```
//! use fastwasm_http::{KernelSet, SettingNames, sidecar::Limits};
//! use fastwasm_runtime::{Placement, Runtime};
//! use std::time::Duration;
//!
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../python/fastwasm/components");
//! let limits = Limits {
//!     timeout: Duration::from_secs(5),
//!     max_memory_mb: 64,
//!     max_body_bytes: 1 << 20,
//!     placement: Placement::Measured,
//!     deadline: true,
//!     names: SettingNames::LIBRARY,
//! };
//! // No grants root: no sidecar may grant a directory.
//! let kernels = KernelSet::load(&Runtime::new()?, dir.as_ref(), limits, None);
//! let answer = kernels.call("fib", "fib", br#"{"n": 90, "algorithm": "fast-doubling"}"#, None, None, None);
//! assert_eq!(answer.status, 200);
//! let body: serde_json::Value = serde_json::from_slice(&answer.body)?;
//! assert_eq!(body["result"], "2880067194370816120");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod admin;
pub mod admission;
mod answer;
mod call;
pub mod fibonacci;
pub mod json;
mod kernel;
mod live;
pub mod metrics;
mod openapi;
pub mod schema;
mod set;
pub mod settings;
pub mod sidecar;
pub mod status;

pub use answer::{Answer, GuestOutput};
pub use call::{Arguments, Owned, Target};
pub use kernel::{Kernel, ReloadFailure, compile_artifact};
pub use live::{LiveKernels, Reload};
pub use set::{DEFAULT_PREFIX, KernelSet, UNKNOWN_FUNCTION};
pub use settings::{Settings, SettingsError};
pub use status::SettingNames;

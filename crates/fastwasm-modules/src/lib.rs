//! Components served over HTTP: what the module routes of both servers
//! answer, written once.
//!
//! At start-up a server loads its modules directory into a [`ModuleSet`]:
//! every `*.wasm` component, named after its file stem, with its limits
//! tightened by an optional `NAME.toml` sidecar ([`sidecar`]). A file that
//! fails to load is listed with its error. Then the routes are:
//!
//! - `GET /modules` and `GET /modules/{module}`: [`ModuleSet::list`] and
//!   [`ModuleSet::show`];
//! - `POST /modules/{module}/{function}`: [`ModuleSet::call`], or its steps
//!   ([`ModuleSet::module`], [`Module::target`], [`Target::arguments`],
//!   [`Target::call`]) for a server that does admission control in between;
//! - `/openapi.json`: [`ModuleSet::openapi_paths`], one operation per
//!   function at its literal path, merged into the server's document.
//!
//! Every answer is an [`Answer`]: status, content type and body bytes, the
//! same from the `FastAPI` service (through the Python binding) as from
//! fastwasm-server. Values cross as JSON by the mapping in [`json`].
//!
//! ```
//! use fastwasm_modules::{ModuleSet, sidecar::Limits};
//! use fastwasm_runtime::{Placement, Runtime};
//! use std::time::Duration;
//!
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../python/fastwasm/components");
//! let limits = Limits { timeout: Duration::from_secs(5), max_memory_mb: 64, max_body_bytes: 1 << 20, placement: Placement::Measured };
//! let modules = ModuleSet::load(&Runtime::new()?, dir.as_ref(), limits);
//! let answer = modules.call("fib", "fib", br#"{"n": 90, "algorithm": "fast-doubling"}"#, None, None, None);
//! assert_eq!(answer.status, 200);
//! let body: serde_json::Value = serde_json::from_slice(&answer.body)?;
//! assert_eq!(body["result"], "2880067194370816120");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod json;
mod set;
pub mod sidecar;

pub use fastwasm_runtime::GUEST_ERROR_STATUS;
pub use set::{Answer, Arguments, DEFAULT_PREFIX, Module, ModuleSet, Owned, Target};

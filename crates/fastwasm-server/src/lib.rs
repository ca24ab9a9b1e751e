//! fastwasm-server: the fastwasm HTTP API served natively by Rust, on axum
//! and tokio, with `fastwasm-runtime` unchanged underneath.
//!
//! The JSON fields, status codes, error messages, limits and `FASTWASM_*`
//! settings are those of the `FastAPI` service (`fastwasm serve`); a shared
//! test suite runs against both over HTTP (`tests/parity`). The Python-only
//! route `/fibonacci/{n}` answers 404 here.
//!
//! ```
//! use axum::body::Body;
//! use axum::http::Request;
//! use fastwasm_server::{AppState, Settings, app};
//! use tower::ServiceExt;
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let settings = Settings::from_vars([("FASTWASM_MAX_N_RECURSIVE".into(), "30".into())])?;
//! let router = app(AppState::new(settings)?);
//! let request = Request::get("/fibonacci-wasm/39").body(Body::empty()).unwrap();
//! let response = router.oneshot(request).await.unwrap();
//! assert_eq!(response.status(), 200);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

pub mod admission;
pub mod compute;
pub mod error;
pub mod kernels;
pub mod metrics;
pub mod params;
pub mod reload;
pub mod slash;

use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Instant;

use axum::Router;
use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, RawQuery, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fastwasm_http::fibonacci::{self, Method};
use fastwasm_http::{KernelSet, LiveKernels};
use fastwasm_runtime::Runtime;
use fib_host::{Algorithm, FibonacciModule};
use futures_util::FutureExt as _;
use serde_json::{Value, json};

pub use crate::admission::Admission;
pub use crate::error::ApiError;
pub use crate::metrics::Metrics;
pub use fastwasm_http::{Settings, SettingsError};

use crate::compute::compute;
use crate::params::{int_error_item, parse_algorithm, parse_int};
use percent_encoding::percent_decode_str;

/// The `FastAPI` service's `OpenAPI` document, which this server shares
/// (`make openapi` regenerates it; a test checks it is current).
const SHARED_OPENAPI: &str = include_str!("../../../docs/openapi.json");

/// The route only the Python service has.
pub(crate) const PYTHON_ROUTE: &str = "/fibonacci/{n}";

/// The bundled guest, embedded (see `build.rs`): served unless
/// `FASTWASM_WASM_MODULE` names another.
const EMBEDDED_GUEST: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/guest-fibonacci_wasm.wasm"));

/// Every route, for the trailing-slash redirects (the router lists them
/// too). The kernel routes also answer at `/modules`, their old path.
const ROUTES: [&str; 13] = [
    "/fibonacci-wasm/{n}",
    "/fibonacci-native/{n}",
    "/compare/{n}",
    PYTHON_ROUTE,
    "/health",
    "/metrics",
    "/openapi.json",
    "/kernels",
    "/kernels/{kernel}",
    "/kernels/{kernel}/{*function}",
    "/modules",
    "/modules/{kernel}",
    "/modules/{kernel}/{*function}",
];

/// Everything the handlers share, built once at start-up.
pub struct AppState {
    /// The settings it was built with.
    pub settings: Settings,
    /// The guest, checked against the ABI, with its instance pool.
    pub guest: FibonacciModule,
    /// Slots for heavy work.
    pub admission: Admission,
    /// Prometheus metrics.
    pub metrics: Metrics,
    /// The kernels: `FASTWASM_KERNELS_DIR`, or the embedded examples, as
    /// the last reload left them.
    pub kernels: LiveKernels,
    module_path: String,
    exports: Value,
    versions: Value,
    /// The document, and the kernel set generation it was made for.
    openapi: Mutex<(u64, Arc<String>)>,
    local_addr: OnceLock<SocketAddr>,
}

impl AppState {
    /// Builds the runtime and loads the guest, as the Python service's
    /// lifespan does. When the disk cache refused its directory or a cached
    /// file, says why in the log, once.
    ///
    /// # Errors
    /// The facade's errors: a bad setting, a missing or invalid module, a
    /// module that is not a fastwasm guest.
    pub fn new(settings: Settings) -> Result<Arc<Self>, fib_host::Error> {
        let runtime = Runtime::with_config(settings.runtime_config())?;
        let (module_path, module) = match &settings.wasm_module {
            Some(path) => (path.display().to_string(), runtime.load_module(path)?),
            None => (
                "(the bundled guest, embedded)".to_owned(),
                runtime.load_module_bytes(EMBEDDED_GUEST)?,
            ),
        };
        let guest = FibonacciModule::new(module)?;
        let cache = runtime.cache_status();
        if cache.refusals > 0 {
            tracing::warn!(
                refusals = cache.refusals,
                reason = cache.note.as_deref().unwrap_or_default(),
                "the compiled-module cache was refused; modules are compiled in memory"
            );
        }
        let exports = guest
            .module()
            .exports()
            .iter()
            .map(|e| {
                let signature = e
                    .signature
                    .as_ref()
                    .map_or_else(|| "(non-scalar)".to_owned(), ToString::to_string);
                json!({"name": e.name, "signature": signature})
            })
            .collect();
        let admission = Admission::new(settings.max_concurrent_heavy, settings.queue_timeout);
        let kernels = kernels::load(&runtime, &settings);
        let refused = kernels.grant_errors();
        if !refused.is_empty() {
            // A grant the operator did not allow is a start-up error: the
            // server must not serve a kernel with less than its sidecar
            // says, nor more than the root allows.
            return Err(fastwasm_runtime::Error::InvalidConfig {
                setting: "FASTWASM_GRANTS_ROOT",
                reason: refused.join("; "),
            }
            .into());
        }
        Ok(Arc::new(Self {
            guest,
            admission,
            metrics: Metrics::new(),
            module_path,
            exports,
            versions: json!({
                "fastwasm": env!("CARGO_PKG_VERSION"),
                "wasmtime": fastwasm_runtime::WASMTIME_VERSION,
                "server": "fastwasm-server (axum)",
            }),
            openapi: Mutex::new((kernels.generation(), Arc::new(served_openapi(&kernels)))),
            kernels: LiveKernels::new(runtime, kernels),
            settings,
            local_addr: OnceLock::new(),
        }))
    }

    /// Records the address the server listens on, for redirects of requests
    /// that carry no `Host` header.
    pub fn set_local_addr(&self, address: SocketAddr) {
        let _ = self.local_addr.set(address);
    }

    /// The `OpenAPI` document of the kernels serving now: made again only
    /// after a reload changed them.
    fn openapi(&self) -> Arc<String> {
        let kernels = self.kernels.current();
        let mut cached = self.openapi.lock().unwrap_or_else(PoisonError::into_inner);
        if cached.0 != kernels.generation() {
            *cached = (kernels.generation(), Arc::new(served_openapi(&kernels)));
        }
        Arc::clone(&cached.1)
    }
}

/// The shared document without the Python-only route, with one operation
/// per served function (the Python service adds the same ones).
fn served_openapi(kernels: &KernelSet) -> String {
    let mut document: Value =
        serde_json::from_str(SHARED_OPENAPI).expect("docs/openapi.json is checked by a test");
    if let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) {
        paths.remove(PYTHON_ROUTE);
        paths.extend(kernels.openapi_paths());
    }
    document.to_string()
}

/// The router: every route, the JSON 404 and 405, and the access log.
pub fn app(state: Arc<AppState>) -> Router {
    let router = Router::new();
    // The admin route exists only when there is a token to check.
    let router = if state.settings.admin_token.is_some() {
        router.route(
            fastwasm_http::admin::RELOAD_ROUTE,
            post(reload::admin_reload)
                .fallback(|| async { ApiError::MethodNotAllowed { allow: "POST" } }),
        )
    } else {
        router
    };
    router
        .route(ROUTES[0], get(fibonacci_wasm))
        .route(ROUTES[1], get(fibonacci_native))
        .route(ROUTES[2], get(compare))
        .route(ROUTES[3], get(no_python_method))
        .route(ROUTES[4], get(health))
        .route(ROUTES[5], get(metrics))
        .route(ROUTES[6], get(openapi))
        .route(ROUTES[7], get(kernels::list))
        .route(ROUTES[8], get(kernels::show))
        .route(
            ROUTES[9],
            post(kernels::call).fallback(|| async { ApiError::MethodNotAllowed { allow: "POST" } }),
        )
        .route(ROUTES[10], get(kernels::list))
        .route(ROUTES[11], get(kernels::show))
        .route(
            ROUTES[12],
            post(kernels::call).fallback(|| async { ApiError::MethodNotAllowed { allow: "POST" } }),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed { allow: "GET" } })
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            access_log,
        ))
        .with_state(state)
}

/// 404, or 307 to the path without its trailing slash when that is a route.
async fn not_found(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let location = slash::redirect(
        &ROUTES,
        request.uri(),
        request.headers(),
        state.local_addr.get().copied(),
    )
    .and_then(|location| HeaderValue::from_str(&location).ok());
    match location {
        Some(location) => (
            StatusCode::TEMPORARY_REDIRECT,
            [(header::LOCATION, location)],
        )
            .into_response(),
        None => ApiError::NotFound.into_response(),
    }
}

fn json_response(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// The `{n}` path segment, decoded as uvicorn decodes paths: invalid UTF-8
/// becomes U+FFFD, so every such path reaches validation (422), and an encoded
/// `/` makes the path match no route (404), as in the `FastAPI` service.
struct RawN(String);

impl<S: Send + Sync> FromRequestParts<S> for RawN {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let segment = parts.uri.path().rsplit('/').next().unwrap_or_default();
        let n = percent_decode_str(segment).decode_utf8_lossy();
        if n.contains('/') {
            return Err(ApiError::NotFound);
        }
        Ok(Self(n.into_owned()))
    }
}

/// n and the algorithm, checked as the Python service checks them: 422 for
/// what does not parse, then 400 for a negative n or one above its limit.
fn request_of(
    state: &AppState,
    RawN(raw): &RawN,
    query: Option<&str>,
) -> Result<(u32, Algorithm), ApiError> {
    let n = parse_int(raw);
    let algorithm = parse_algorithm(query);
    let (n, algorithm) = match (n, algorithm) {
        (Ok(n), Ok(algorithm)) => (n, algorithm),
        (n, algorithm) => {
            let mut items = Vec::new();
            if let Err(error) = n {
                items.push(int_error_item(error, raw));
            }
            if let Err(item) = algorithm {
                items.push(item);
            }
            return Err(ApiError::Validation(items));
        }
    };
    fibonacci::check(&n.to_string(), algorithm, &state.settings)
        .map(|n| (n, algorithm))
        .map_err(ApiError::Refused)
}

async fn one_method(
    state: &AppState,
    method: Method,
    n: &RawN,
    query: Option<&str>,
) -> Result<Response, ApiError> {
    let (n, algorithm) = request_of(state, n, query)?;
    let result = compute(state, method, n, algorithm).await?;
    let body = fibonacci::body(&result).ok_or(ApiError::NotDigits)?;
    Ok(json_response(body))
}

async fn fibonacci_wasm(
    State(state): State<Arc<AppState>>,
    n: RawN,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    one_method(&state, Method::Wasm, &n, query.as_deref()).await
}

async fn fibonacci_native(
    State(state): State<Arc<AppState>>,
    n: RawN,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    one_method(&state, Method::Native, &n, query.as_deref()).await
}

async fn compare(
    State(state): State<Arc<AppState>>,
    n: RawN,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let (n, algorithm) = request_of(&state, &n, query.as_deref())?;
    let wasm = compute(&state, Method::Wasm, n, algorithm).await?;
    let native = compute(&state, Method::Native, n, algorithm).await?;
    let body = fibonacci::compare_body(n, algorithm, &[wasm, native]).ok_or(ApiError::NotDigits)?;
    Ok(json_response(body))
}

async fn no_python_method() -> ApiError {
    ApiError::NoPythonMethod {
        route: PYTHON_ROUTE,
    }
}

async fn health(State(state): State<Arc<AppState>>) -> Response {
    let module = state.guest.module();
    let info = module.load_info();
    let pool = module.pool_stats();
    let body = json!({
        "status": "ok",
        "versions": state.versions,
        "module": {
            "path": state.module_path,
            "size_bytes": info.size_bytes,
            "cache": info.cache.name(),
            "load_time_s": info.load_time.as_secs_f64(),
            "isolation": state.settings.wasm_isolation.name(),
            "exports": state.exports,
            "pool": {
                "size": pool.size,
                "busy": pool.busy,
                "traps": pool.traps,
                "timeouts": pool.timeouts,
                "memory_limits": pool.memory_limits,
                "cancelled": pool.cancelled,
            },
        },
    });
    json_response(body.to_string())
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let module = state.guest.module();
    let text = state.metrics.exposition(
        module.pool_stats(),
        &state.admission,
        module.runtime().cache_status().refusals,
    );
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

async fn openapi(State(state): State<Arc<AppState>>) -> Response {
    json_response(state.openapi().as_str().to_owned())
}

const REQUEST_ID: &str = "x-request-id";

fn sane_request_id(given: Option<&HeaderValue>) -> Option<String> {
    let id = given?.to_str().ok()?;
    let sane = (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(&b));
    sane.then(|| id.to_owned())
}

/// One access-log line and one count per request, also for a request whose
/// client left (its future is dropped mid-way: logged as 499).
struct AccessRecord {
    state: Arc<AppState>,
    request_id: String,
    method: String,
    path: String,
    query: String,
    route: String,
    client: String,
    started: Instant,
    status: u16,
}

impl Drop for AccessRecord {
    fn drop(&mut self) {
        self.state.metrics.request(&self.route, self.status);
        tracing::info!(
            target: "fastwasm.access",
            request_id = %self.request_id,
            method = %self.method,
            path = %self.path,
            query = %self.query,
            route = %self.route,
            status = self.status,
            duration_ms = (self.started.elapsed().as_secs_f64() * 1e6).round() / 1e3,
            client = %self.client,
            "request"
        );
    }
}

/// The `route` label of a matched route: its template as `OpenAPI` writes
/// it (`{function}`, not axum's `{*function}`), as the Python service labels
/// it too.
fn route_label(template: &str) -> String {
    template.replace("{*", "{")
}

/// The outermost middleware of [`app`]: the request id (the caller's sane
/// `X-Request-ID`, or a fresh one, echoed back), one access-log line and one
/// count per request, and the catch-all that turns a panic into a JSON 500.
pub async fn access_log(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let request_id = sane_request_id(request.headers().get(REQUEST_ID))
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let mut record = AccessRecord {
        state,
        method: request.method().to_string(),
        path: request.uri().path().to_owned(),
        query: request.uri().query().unwrap_or_default().to_owned(),
        route: request
            .extensions()
            .get::<MatchedPath>()
            .map_or_else(|| "unmatched".to_owned(), |p| route_label(p.as_str())),
        client: request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string())
            .unwrap_or_default(),
        request_id,
        started: Instant::now(),
        status: fastwasm_http::status::CLIENT_CLOSED_REQUEST,
    };
    // The catch-all: a panic anywhere below becomes a JSON 500 that carries
    // the request id, logged with its message, and the server keeps serving.
    let mut response = match AssertUnwindSafe(next.run(request)).catch_unwind().await {
        Ok(response) => response,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(ToString::to_string)
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(not a string)".to_owned());
            record.state.metrics.internal_error();
            tracing::error!(
                target: "fastwasm.error",
                request_id = %record.request_id,
                path = %record.path,
                panic = %message,
                "unhandled error"
            );
            error::internal_error_response(&record.request_id)
        }
    };
    record.status = response.status().as_u16();
    if let Ok(value) = HeaderValue::from_str(&record.request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

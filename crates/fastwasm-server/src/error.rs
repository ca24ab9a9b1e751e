//! The one error type of the server and its HTTP responses.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Every way a request can fail, with the status and `{"detail": ...}` body
/// the `FastAPI` service gives it. It becomes a response in one place
/// ([`IntoResponse`]).
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 422: the path or query did not validate (pydantic's error items).
    #[error("request validation failed")]
    Validation(Vec<Value>),
    /// 400: n is negative.
    #[error("Fibonacci is not defined for negative numbers")]
    Negative,
    /// 400: n is above its algorithm's limit.
    #[error("n = {n} is above the limit of {limit} for {algorithm} (set by {setting})")]
    AboveLimit {
        /// n as given, normalised.
        n: String,
        /// The limit.
        limit: u32,
        /// The algorithm's name.
        algorithm: &'static str,
        /// The variable that sets the limit.
        setting: &'static str,
    },
    /// 503 with `Retry-After`: no slot for heavy work within the queue timeout.
    #[error(
        "all {slots} slots for heavy work are busy (FASTWASM_MAX_CONCURRENT_HEAVY) and none freed up within {queue_timeout_s} s (FASTWASM_QUEUE_TIMEOUT_S); retry later"
    )]
    Overloaded {
        /// The number of slots.
        slots: usize,
        /// The queue timeout, formatted as Python's `:g` would.
        queue_timeout_s: String,
        /// Seconds for `Retry-After`.
        retry_after_s: u64,
    },
    /// 404: a route only the Python service has.
    #[error(
        "this server has no Python method: {route} is served only by the FastAPI service (fastwasm serve); use /fibonacci-wasm/{{n}} or /fibonacci-native/{{n}}"
    )]
    NoPythonMethod {
        /// The route template.
        route: &'static str,
    },
    /// 404 for anything else.
    #[error("Not Found")]
    NotFound,
    /// 405.
    #[error("Method Not Allowed")]
    MethodNotAllowed,
    /// 499, only logged: the client left before the answer.
    #[error("the client closed the connection before F({n}) was computed")]
    ClientDisconnected {
        /// n.
        n: u32,
    },
    /// A runtime error of the WASM method: 504, 503 or 502 as in the Python service.
    #[error(transparent)]
    Runtime(#[from] fastwasm_runtime::Error),
    /// The native kernel refused the arguments (a bug if it ever shows: the
    /// limits are checked before).
    #[error(transparent)]
    Fib(#[from] fastwasm_runtime::FibError),
}

/// nginx's "client closed request".
pub const CLIENT_CLOSED_REQUEST: u16 = 499;

/// Seconds a client should wait before retrying when no WASM instance slot was free.
pub const INSTANCE_RETRY_AFTER_S: u64 = 1;

/// The `detail` of every unplanned failure (a 500): nothing internal leaks.
pub const INTERNAL_ERROR_DETAIL: &str = "internal error";

/// The 500 answer to an unplanned failure, with the request id that the log
/// line carries too.
#[must_use]
pub fn internal_error_response(request_id: &str) -> Response {
    let body = json!({"detail": INTERNAL_ERROR_DETAIL, "request_id": request_id}).to_string();
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

impl ApiError {
    /// The HTTP status of this error.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        use fastwasm_runtime::Error as E;
        match self {
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            // A memory-cap hit is deterministic for the request: a 4xx, never retried.
            Self::Negative
            | Self::AboveLimit { .. }
            | Self::Fib(_)
            | Self::Runtime(E::Fib(_) | E::MemoryLimit { .. }) => StatusCode::BAD_REQUEST,
            // Transient: 503 with Retry-After.
            Self::Overloaded { .. } | Self::Runtime(E::InstanceLimit { .. }) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::NoPythonMethod { .. } | Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::ClientDisconnected { .. } => {
                StatusCode::from_u16(CLIENT_CLOSED_REQUEST).unwrap_or(StatusCode::BAD_REQUEST)
            }
            Self::Runtime(E::Timeout { .. }) => StatusCode::GATEWAY_TIMEOUT,
            Self::Runtime(_) => StatusCode::BAD_GATEWAY,
        }
    }

    /// The `detail` of the body, worded as the Python service words it.
    #[must_use]
    pub fn detail(&self) -> Value {
        use fastwasm_runtime::Error as E;
        match self {
            Self::Validation(items) => Value::Array(items.clone()),
            Self::Runtime(e @ E::Timeout { .. }) => {
                json!(format!("{e} (set by FASTWASM_WASM_TIMEOUT_S)"))
            }
            Self::Runtime(e @ E::MemoryLimit { .. }) => {
                json!(format!("{e} (set by FASTWASM_WASM_MAX_MEMORY_MB)"))
            }
            Self::Runtime(e @ E::InstanceLimit { .. }) => json!(format!("{e}; retry later")),
            Self::Runtime(e @ E::Fib(_)) => json!(e.to_string()),
            Self::Runtime(e) => json!(format!("the WASM guest failed: {e}")),
            other => json!(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = json!({"detail": self.detail()}).to_string();
        let mut response =
            (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
        match self {
            Self::Overloaded { retry_after_s, .. } => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
            }
            Self::Runtime(fastwasm_runtime::Error::InstanceLimit { .. }) => {
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(INSTANCE_RETRY_AFTER_S),
                );
            }
            Self::MethodNotAllowed => {
                response
                    .headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static("GET"));
            }
            _ => {}
        }
        response
    }
}

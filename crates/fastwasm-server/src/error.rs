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
    /// 405, with the methods the route allows.
    #[error("Method Not Allowed")]
    MethodNotAllowed {
        /// The `Allow` header.
        allow: &'static str,
    },
    /// 499, only logged: the client left before the answer.
    #[error("the client closed the connection before {what} was computed")]
    ClientDisconnected {
        /// What it asked for.
        what: String,
    },
    /// The WASM call failed: the status and detail are the runtime's table
    /// ([`fastwasm_runtime::ErrorKind::http_status`],
    /// [`fastwasm_runtime::Error::http_detail`]), which the Python service
    /// uses too.
    #[error(transparent)]
    Runtime(#[from] fastwasm_runtime::Error),
    /// 400: the arguments have no answer (a bug if it ever shows: the limits
    /// are checked before).
    #[error(transparent)]
    Fib(#[from] fastwasm_fibonacci::FibError),
}

impl From<fastwasm_fibonacci::Error> for ApiError {
    fn from(error: fastwasm_fibonacci::Error) -> Self {
        match error {
            fastwasm_fibonacci::Error::Runtime(e) => Self::Runtime(e),
            fastwasm_fibonacci::Error::Fib(e) => Self::Fib(e),
        }
    }
}

/// nginx's "client closed request".
pub const CLIENT_CLOSED_REQUEST: u16 = fastwasm_runtime::CLIENT_CLOSED_REQUEST;

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
    ///
    /// # Panics
    /// Never: every code here is a valid HTTP status.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        let code = match self {
            Self::Validation(_) => 422,
            Self::Negative | Self::AboveLimit { .. } | Self::Fib(_) => 400,
            Self::Overloaded { .. } => 503,
            Self::NoPythonMethod { .. } | Self::NotFound => 404,
            Self::MethodNotAllowed { .. } => 405,
            Self::ClientDisconnected { .. } => CLIENT_CLOSED_REQUEST,
            Self::Runtime(e) => e.kind().http_status(),
        };
        StatusCode::from_u16(code).expect("every status here is a valid HTTP status")
    }

    /// The `detail` of the body, worded as the Python service words it.
    #[must_use]
    pub fn detail(&self) -> Value {
        match self {
            Self::Validation(items) => Value::Array(items.clone()),
            Self::Runtime(e) => json!(e.http_detail()),
            other => json!(other.to_string()),
        }
    }

    /// Seconds for `Retry-After`, for the transient failures.
    #[must_use]
    pub fn retry_after_s(&self) -> Option<u64> {
        match self {
            Self::Overloaded { retry_after_s, .. } => Some(*retry_after_s),
            Self::Runtime(e) => e.kind().retry_after_s().map(u64::from),
            _ => None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = json!({"detail": self.detail()}).to_string();
        let mut response =
            (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
        if let Some(seconds) = self.retry_after_s() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let Self::MethodNotAllowed { allow } = self {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        response
    }
}

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
    /// 400: n is negative or above its algorithm's limit
    /// (`fastwasm_http::fibonacci::check` words it).
    #[error("{0}")]
    Refused(String),
    /// 503 with `Retry-After`: no slot for heavy work within the queue
    /// timeout (`fastwasm_http::admission::overloaded` words it).
    #[error("{detail}")]
    Overloaded {
        /// What happened, naming the settings.
        detail: String,
        /// Seconds for `Retry-After`.
        retry_after_s: u64,
    },
    /// 500: the kernels produced something other than decimal digits (a bug,
    /// never sent as a wrong body).
    #[error("F(n) came back as something other than decimal digits")]
    NotDigits,
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
    /// The WASM call failed: the status and detail are the one table of
    /// `fastwasm_http::status`, which the Python service uses too.
    #[error(transparent)]
    Runtime(#[from] fastwasm_runtime::Error),
    /// 400: the arguments have no answer (a bug if it ever shows: the limits
    /// are checked before).
    #[error(transparent)]
    Fib(#[from] fib_host::FibError),
}

impl From<fib_host::Error> for ApiError {
    fn from(error: fib_host::Error) -> Self {
        match error {
            fib_host::Error::Runtime(e) => Self::Runtime(e),
            fib_host::Error::Fib(e) => Self::Fib(e),
        }
    }
}

use fastwasm_http::status::{self, CLIENT_CLOSED_REQUEST, SettingNames};

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
            Self::Refused(_) | Self::Fib(_) => 400,
            Self::NotDigits => 500,
            Self::Overloaded { .. } => 503,
            Self::NoPythonMethod { .. } | Self::NotFound => 404,
            Self::MethodNotAllowed { .. } => 405,
            Self::ClientDisconnected { .. } => CLIENT_CLOSED_REQUEST,
            Self::Runtime(e) => status::status(e.kind()),
        };
        StatusCode::from_u16(code).expect("every status here is a valid HTTP status")
    }

    /// The `detail` of the body, worded as the Python service words it.
    #[must_use]
    pub fn detail(&self) -> Value {
        match self {
            Self::Validation(items) => Value::Array(items.clone()),
            Self::Runtime(e) => json!(status::error_detail(e, &SettingNames::SERVICE)),
            other => json!(other.to_string()),
        }
    }

    /// Seconds for `Retry-After`, for the transient failures.
    #[must_use]
    pub fn retry_after_s(&self) -> Option<u64> {
        match self {
            Self::Overloaded { retry_after_s, .. } => Some(*retry_after_s),
            Self::Runtime(e) => status::retry_after_s(e.kind()).map(u64::from),
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

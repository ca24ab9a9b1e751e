//! What the kernel routes answer: status, content type and body bytes, the
//! same from both servers.

use serde_json::{Value, json};

use crate::json::Invalid;
use crate::kernel::Kernel;

/// An HTTP answer, with everything a server needs to send it and to count
/// it: the same bytes from both servers.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// `application/json`, or `application/octet-stream` for raw bytes.
    pub content_type: &'static str,
    /// The body.
    pub body: Vec<u8>,
    /// Seconds for a `Retry-After` header, when the failure is transient.
    pub retry_after_s: Option<u32>,
    /// The call's own time, for the metrics and the `X-Execution-Time`
    /// header of a raw answer; `None` when nothing was called.
    pub execution_time_s: Option<f64>,
    /// What happened, for the metrics: `ok`, `guest_error`, `validation`,
    /// `not_found`, `too_large`, `unsupported_media_type`, or an error kind
    /// of the runtime (`timeout`, `trap`, ...).
    pub outcome: &'static str,
    /// The `WWW-Authenticate` header of a 401: how to authenticate.
    pub challenge: Option<&'static str>,
    /// What the guest wrote, for a kernel whose sidecar asks for its output
    /// in the log (`log_output = true`): each server logs it its own way.
    pub guest_output: Option<Box<GuestOutput>>,
}

/// What one call of a kernel wrote to stdout and stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestOutput {
    /// The kernel.
    pub kernel: String,
    /// The function.
    pub function: String,
    /// What it wrote (bounded by the runtime's `max_output_bytes`).
    pub output: fastwasm_runtime::CallOutput,
}

impl Answer {
    pub(crate) fn json(status: u16, body: &Value, outcome: &'static str) -> Self {
        Self {
            status,
            content_type: "application/json",
            body: body.to_string().into_bytes(),
            retry_after_s: None,
            execution_time_s: None,
            outcome,
            challenge: None,
            guest_output: None,
        }
    }

    pub(crate) fn detail(status: u16, detail: &str, outcome: &'static str) -> Self {
        Self::json(status, &json!({ "detail": detail }), outcome)
    }

    /// 422, with the body `FastAPI` gives a validation error.
    pub(crate) fn invalid(errors: &[Invalid]) -> Self {
        let detail: Vec<Value> = errors
            .iter()
            .map(|e| {
                let mut loc = vec![Value::from("body")];
                loc.extend(e.loc.iter().map(Value::from));
                json!({"type": e.kind, "loc": loc, "msg": e.msg, "input": e.input})
            })
            .collect();
        Self::json(422, &json!({ "detail": detail }), "validation")
    }

    /// 413 for a body over `limit` bytes (the kernel's `max_body_bytes`).
    #[must_use]
    pub fn too_large(kernel: &Kernel, limit: usize) -> Self {
        Self::detail(
            413,
            &format!(
                "the request body is over the limit of {limit} bytes (set by {})",
                kernel.set_by("max_body_bytes")
            ),
            "too_large",
        )
    }

    /// 504 for a call of a kernel without a deadline (`deadline = false`)
    /// that did not answer within its `timeout_s`: the server stops waiting,
    /// and the call, which nothing can stop, runs on to its end with its
    /// heavy-work slot. The answer of a server that must not hang.
    #[must_use]
    pub fn unanswered(kernel: &Kernel, function: &str) -> Self {
        Self::detail(
            504,
            &format!(
                "{}/{function} did not answer within {:.3} s (set by {}); it runs without a deadline (deadline = false), so it cannot be stopped and runs on to its end",
                kernel.name,
                kernel.limits.timeout.as_secs_f64(),
                kernel.set_by("timeout_s")
            ),
            "timeout",
        )
    }

    /// 404 for an unknown kernel or function.
    #[must_use]
    pub fn not_found(detail: &str) -> Self {
        Self::detail(404, detail, "not_found")
    }
}

//! The kernel routes: `GET /kernels`, `GET /kernels/{kernel}` and
//! `POST /kernels/{kernel}/{function}` (and the same under `/modules`, their
//! old path). What they answer is `fastwasm-http`, the same code the Python
//! service calls; this reads the body up to the kernel's limit and does
//! admission control.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use fastwasm_http::{Answer, KernelSet, Settings};
use fastwasm_runtime::{CallOptions, CancelToken, Runtime};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};

use crate::AppState;
use crate::compute::CancelOnDrop;
use crate::error::ApiError;

/// The example components this server ships, embedded (see `build.rs`).
const EMBEDDED: [(&str, &[u8]); 6] = [
    (
        "echo",
        include_bytes!(concat!(env!("OUT_DIR"), "/components-echo.wasm")),
    ),
    (
        "fib",
        include_bytes!(concat!(env!("OUT_DIR"), "/components-fib.wasm")),
    ),
    (
        "image",
        include_bytes!(concat!(env!("OUT_DIR"), "/components-image.wasm")),
    ),
    (
        "markdown",
        include_bytes!(concat!(env!("OUT_DIR"), "/components-markdown.wasm")),
    ),
    (
        "numeric",
        include_bytes!(concat!(env!("OUT_DIR"), "/components-numeric.wasm")),
    ),
    (
        "words",
        include_bytes!(concat!(env!("OUT_DIR"), "/components-words.wasm")),
    ),
];

/// `FASTWASM_KERNELS_DIR`, or the embedded examples, loaded; each kernel
/// that failed is logged (and listed with its error), never fatal.
pub fn load(runtime: &Runtime, settings: &Settings) -> KernelSet {
    let limits = settings.kernel_limits();
    let kernels = match &settings.kernels_dir {
        Some(dir) => KernelSet::load(runtime, dir, limits, settings.grants_root.as_deref()),
        None => KernelSet::load_embedded(runtime, &EMBEDDED, limits),
    };
    if let Some(reason) = &kernels.dir_error {
        tracing::warn!(target: "fastwasm.startup", reason = %reason, "no kernels served");
    }
    for (kernel, reason) in kernels.artifact_refusals() {
        tracing::warn!(target: "fastwasm.startup", kernel = %kernel, reason = %reason, "a precompiled artifact was refused; the kernel was compiled");
    }
    for kernel in kernels.kernels() {
        if let Err(error) = &kernel.loaded {
            tracing::warn!(target: "fastwasm.startup", kernel = %kernel.name, error = %error, "a kernel did not load");
        }
    }
    kernels
}

/// Logs what a kernel's call wrote, when its sidecar asks
/// (`log_output = true`): one event per line on the `fastwasm.guest`
/// target, stdout at INFO and stderr at WARN, as the Python service does.
fn log_output(answer: &Answer) {
    let Some(written) = &answer.guest_output else {
        return;
    };
    let (kernel, function) = (&written.kernel, &written.function);
    for line in String::from_utf8_lossy(&written.output.stdout).lines() {
        tracing::info!(target: "fastwasm.guest", kernel = %kernel, function = %function, stream = "stdout", "{line}");
    }
    for line in String::from_utf8_lossy(&written.output.stderr).lines() {
        tracing::warn!(target: "fastwasm.guest", kernel = %kernel, function = %function, stream = "stderr", "{line}");
    }
    if written.output.dropped > 0 {
        tracing::warn!(target: "fastwasm.guest", kernel = %kernel, function = %function, dropped = written.output.dropped, "output past the cap was dropped");
    }
}

/// The answer as `fastwasm-http` made it.
pub(crate) fn respond(answer: Answer) -> Response {
    log_output(&answer);
    let mut response = (
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        [(header::CONTENT_TYPE, answer.content_type)],
        answer.body,
    )
        .into_response();
    let headers = response.headers_mut();
    if let Some(seconds) = answer.retry_after_s {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    if let Some(challenge) = answer.challenge {
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        );
    }
    if answer.content_type == "application/octet-stream"
        && let Some(seconds) = answer.execution_time_s
        && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
    {
        headers.insert("x-execution-time", value);
    }
    response
}

/// `GET /kernels`.
pub async fn list(State(state): State<Arc<AppState>>) -> Response {
    respond(state.kernels.current().list())
}

/// `GET /kernels/{kernel}`.
pub async fn show(State(state): State<Arc<AppState>>, Path(kernel): Path<String>) -> Response {
    respond(state.kernels.current().show(&kernel))
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// `POST /kernels/{kernel}/{function}`: a cheap call runs inline; any other
/// takes a slot and runs on the blocking pool, cancelled if the client leaves.
/// The call keeps the kernel set it started with to its end, whatever a
/// reload swaps in meanwhile.
///
/// # Errors
/// [`ApiError::Overloaded`] when no slot frees up in time.
pub async fn call(
    State(state): State<Arc<AppState>>,
    Path((kernel, function)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let kernels = state.kernels.current();
    let found = match kernels.kernel(&kernel) {
        Ok(found) => found,
        Err(answer) => return Ok(respond(answer)),
    };
    let limits = found.limits;
    let label = kernels.metric_function(&kernel, &function).to_owned();
    let too_large = || {
        let answer = Answer::too_large(found, limits.max_body_bytes);
        state
            .metrics
            .kernel_call(&kernel, &label, answer.outcome, None);
        respond(answer)
    };
    let declared =
        header_text(&headers, header::CONTENT_LENGTH).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limits.max_body_bytes) {
        return Ok(too_large());
    }
    let body = match Limited::new(body, limits.max_body_bytes).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.is::<LengthLimitError>() => return Ok(too_large()),
        // The client went away mid-body: nobody reads this answer.
        Err(_) => {
            return Err(ApiError::ClientDisconnected {
                what: format!("{kernel}/{function}"),
            });
        }
    };
    let content_type = header_text(&headers, header::CONTENT_TYPE);
    let accept = header_text(&headers, header::ACCEPT);
    let (kernel_name, function_name) = (kernel.clone(), function.clone());
    let unanswered_label = label.clone();
    // Counted where the call ends, so a call whose client left counts too
    // (as `cancelled`), after this request's future is gone.
    let count = move |state: &AppState, answer: Answer| {
        state
            .metrics
            .kernel_call(&kernel, &label, answer.outcome, answer.execution_time_s);
        answer
    };
    // Cheap (declared, or measured so: fastwasm_runtime::Placement): on this
    // async worker, preempted at the next epoch tick if it turns out not to be.
    if kernels.runs_inline(&kernel_name, &function_name)
        && let Some(answer) = kernels.call_inline(
            &kernel_name,
            &function_name,
            &body,
            content_type.as_deref(),
            accept.as_deref(),
            &CallOptions::default(),
        )
    {
        return Ok(respond(count(&state, answer)));
    }
    let permit = state.admission.slot().await?;
    let cancel = CancelToken::new();
    let guard = CancelOnDrop(cancel.clone());
    let shared = Arc::clone(&state);
    let set = Arc::clone(&kernels);
    let work = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let options = CallOptions {
            cancel: Some(&cancel),
            timeout: None,
        };
        let answer = set.call_with(
            &kernel_name,
            &function_name,
            &body,
            content_type.as_deref(),
            accept.as_deref(),
            &options,
        );
        count(&shared, answer)
    });
    // A call that nothing can stop (`deadline = false`) is waited for at
    // most its timeout; it keeps its slot (the permit) until it ends.
    let finished = if limits.deadline {
        Ok(work.await)
    } else {
        tokio::time::timeout(limits.timeout, work).await
    };
    drop(guard);
    let Ok(finished) = finished else {
        let answer = Answer::unanswered(found, &function);
        let metrics = &state.metrics;
        metrics.kernel_call(&found.name, &unanswered_label, answer.outcome, None);
        return Ok(respond(answer));
    };
    let answer = finished.unwrap_or_else(|error| std::panic::resume_unwind(error.into_panic()));
    Ok(respond(answer))
}

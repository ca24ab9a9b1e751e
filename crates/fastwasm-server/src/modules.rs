//! The module routes: `GET /modules`, `GET /modules/{module}` and
//! `POST /modules/{module}/{function}`. What they answer is
//! `fastwasm-modules`, the same code the Python service calls; this reads
//! the body up to the module's limit and does admission control.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use fastwasm_modules::{Answer, ModuleSet};
use fastwasm_runtime::{CallOptions, CancelToken, Runtime};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};

use crate::AppState;
use crate::compute::CancelOnDrop;
use crate::error::ApiError;
use crate::settings::Settings;

/// `FASTWASM_MODULES_DIR`, loaded; each module that failed is logged (and
/// listed with its error), never fatal.
pub fn load(runtime: &Runtime, settings: &Settings) -> ModuleSet {
    let modules = ModuleSet::load(runtime, &settings.modules_dir, settings.module_limits());
    if let Some(reason) = &modules.dir_error {
        tracing::warn!(target: "fastwasm.startup", reason = %reason, "no modules served");
    }
    for module in modules.modules() {
        if let Err(error) = &module.loaded {
            tracing::warn!(target: "fastwasm.startup", module = %module.name, error = %error, "a module did not load");
        }
    }
    modules
}

/// The answer as `fastwasm-modules` made it.
fn respond(answer: Answer) -> Response {
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
    if answer.content_type == "application/octet-stream"
        && let Some(seconds) = answer.execution_time_s
        && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
    {
        headers.insert("x-execution-time", value);
    }
    response
}

/// `GET /modules`.
pub async fn list(State(state): State<Arc<AppState>>) -> Response {
    respond(state.modules.list())
}

/// `GET /modules/{module}`.
pub async fn show(State(state): State<Arc<AppState>>, Path(module): Path<String>) -> Response {
    respond(state.modules.show(&module))
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// `POST /modules/{module}/{function}`: a cheap call runs inline; any other
/// takes a slot and runs on the blocking pool, cancelled if the client leaves.
///
/// # Errors
/// [`ApiError::Overloaded`] when no slot frees up in time.
pub async fn call(
    State(state): State<Arc<AppState>>,
    Path((module, function)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let modules = &state.modules;
    let found = match modules.module(&module) {
        Ok(found) => found,
        Err(answer) => return Ok(respond(answer)),
    };
    let limits = found.limits;
    let label = modules.metric_function(&module, &function).to_owned();
    let too_large = || {
        let answer = Answer::too_large(found, limits.max_body_bytes);
        state
            .metrics
            .module_call(&module, &label, answer.outcome, None);
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
                what: format!("{module}/{function}"),
            });
        }
    };
    let content_type = header_text(&headers, header::CONTENT_TYPE);
    let accept = header_text(&headers, header::ACCEPT);
    let (module_name, function_name) = (module.clone(), function.clone());
    // Counted where the call ends, so a call whose client left counts too
    // (as `cancelled`), after this request's future is gone.
    let count = move |state: &AppState, answer: Answer| {
        state
            .metrics
            .module_call(&module, &label, answer.outcome, answer.execution_time_s);
        answer
    };
    // Cheap (declared, or measured so: fastwasm_runtime::Placement): on this
    // async worker, preempted at the next epoch tick if it turns out not to be.
    if state.modules.runs_inline(&module_name, &function_name)
        && let Some(answer) = state.modules.call_inline(
            &module_name,
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
    let work = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let options = CallOptions {
            cancel: Some(&cancel),
            timeout: None,
        };
        let answer = shared.modules.call_with(
            &module_name,
            &function_name,
            &body,
            content_type.as_deref(),
            accept.as_deref(),
            &options,
        );
        count(&shared, answer)
    });
    let answer = work
        .await
        .unwrap_or_else(|error| std::panic::resume_unwind(error.into_panic()));
    drop(guard);
    Ok(respond(answer))
}

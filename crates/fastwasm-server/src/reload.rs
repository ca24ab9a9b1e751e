//! New kernel versions without a restart: the kernels folder is read again
//! on SIGHUP, on `POST /admin/reload` (only when `FASTWASM_ADMIN_TOKEN` is
//! set) and, with `FASTWASM_RELOAD_KERNELS`, whenever a file in it changes.
//! What a reload does is `fastwasm_http::LiveKernels::reload`, the same
//! code the Python service calls; this triggers it off the async workers,
//! logs it and counts it.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::Response;
use fastwasm_http::Reload;

use crate::AppState;
use crate::kernels::respond;

/// Reloads the kernels, blocking: logs each kernel swapped in, removed or
/// refused, and counts the reload.
pub fn reload(state: &AppState, trigger: &'static str) -> Reload {
    let report = state.kernels.reload();
    if let Some(reason) = &report.refused {
        tracing::warn!(target: "fastwasm.reload", trigger, reason = %reason, "the kernels were not reloaded");
        return report;
    }
    state.metrics.kernel_reload(report.failed.len());
    for (kernel, error) in &report.failed {
        tracing::warn!(target: "fastwasm.reload", trigger, kernel = %kernel, error = %error, "a kernel file did not load; its version before serves on");
    }
    tracing::info!(
        target: "fastwasm.reload",
        trigger,
        generation = report.generation,
        loaded = ?report.loaded,
        removed = ?report.removed,
        failed = report.failed.len(),
        unchanged = report.unchanged.len(),
        "kernels reloaded"
    );
    report
}

/// `POST /admin/reload`: the reload's report, for a request that carries
/// the admin token; 401 for any other.
pub async fn admin_reload(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if let Some(refusal) = state.settings.admin_refusal(authorization) {
        return respond(refusal);
    }
    let shared = Arc::clone(&state);
    match tokio::task::spawn_blocking(move || reload(&shared, "admin")).await {
        Ok(report) => respond(report.answer()),
        Err(error) => std::panic::resume_unwind(error.into_panic()),
    }
}

/// Reloads on every SIGHUP, until the server stops.
pub async fn on_hangup(state: Arc<AppState>) {
    let Ok(mut hangups) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
    else {
        tracing::warn!(target: "fastwasm.reload", "cannot listen for SIGHUP: reload with the admin route");
        return;
    };
    while hangups.recv().await.is_some() {
        let shared = Arc::clone(&state);
        let _ = tokio::task::spawn_blocking(move || reload(&shared, "SIGHUP")).await;
    }
}

/// Reloads whenever a kernel file or sidecar changes (their sizes and
/// times, looked at every `FASTWASM_RELOAD_POLL_S`), until the server stops.
pub async fn on_change(state: Arc<AppState>) {
    let mut ticks = tokio::time::interval(state.settings.reload_poll);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let shared = Arc::clone(&state);
        let _ = tokio::task::spawn_blocking(move || {
            if shared.kernels.changed() {
                reload(&shared, "change");
            }
        })
        .await;
    }
}

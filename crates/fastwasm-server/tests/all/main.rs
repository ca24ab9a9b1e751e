//! Integration tests of fastwasm-server: the router in-process (no socket),
//! settings and parameter parsing. The same API over real HTTP, against the
//! Python service, is tested by `tests/parity` (pytest).
#![allow(clippy::missing_panics_doc, clippy::must_use_candidate)] // test helpers panic on purpose

mod kernels;
mod params;
mod routes;
mod settings;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use fastwasm_server::{AppState, Settings};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// State with these `FASTWASM_*` settings, and no disk cache writes outside a temp dir.
pub fn state(vars: &[(&str, &str)]) -> Arc<AppState> {
    let mut all: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    all.push((
        "FASTWASM_CACHE_DIR".into(),
        std::env::temp_dir()
            .join("fastwasm-server-tests-cache")
            .display()
            .to_string(),
    ));
    AppState::new(Settings::from_vars(all).expect("settings")).expect("state")
}

/// GET `uri`: status, headers and body.
pub async fn get(state: &Arc<AppState>, uri: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let request = Request::get(uri).body(Body::empty()).unwrap();
    let response = fastwasm_server::app(Arc::clone(state))
        .oneshot(request)
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (
        parts.status,
        parts.headers,
        String::from_utf8(bytes.to_vec()).unwrap(),
    )
}

/// GET `uri` as JSON.
pub async fn get_json(state: &Arc<AppState>, uri: &str) -> (StatusCode, serde_json::Value) {
    let (status, _, body) = get(state, uri).await;
    (status, serde_json::from_str(&body).expect("a JSON body"))
}

/// Polls `condition` until it holds: true, or false after 30 s. The bound
/// only ends a failing test; nothing here measures speed.
pub fn wait_until(mut condition: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !condition() {
        if std::time::Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    true
}

//! The kernel routes in-process: the answers are fastwasm-http's (tested
//! there); here, that the server wires them: listing, a call with its body,
//! the body limit, the method, admission and the metrics.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use fastwasm_server::AppState;
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::{get, get_json, state};

async fn post(
    state: &Arc<AppState>,
    uri: &str,
    body: &'static [u8],
) -> (StatusCode, serde_json::Value) {
    let request = Request::post(uri).body(Body::from(body)).unwrap();
    let response = fastwasm_server::app(Arc::clone(state))
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn the_bundled_components_are_listed_and_called() {
    let state = state(&[("FASTWASM_MAX_BODY_BYTES", "100")]);
    let (status, listing) = get_json(&state, "/kernels").await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = listing["kernels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["echo", "fib", "image", "markdown", "numeric", "words"]
    );
    let (status, answer) = post(
        &state,
        "/kernels/fib/fib",
        br#"{"n": 50, "algorithm": "iterative"}"#,
    )
    .await;
    assert_eq!(
        (status, answer["result"].as_str()),
        (StatusCode::OK, Some("12586269025"))
    );
    let (status, answer) = post(
        &state,
        "/kernels/echo/fastwasm:echo/api@0.1.0/greet",
        br#"{"name": "axum"}"#,
    )
    .await;
    assert_eq!(
        (status, answer["result"].as_str()),
        (StatusCode::OK, Some("Hello, axum!"))
    );
    let big: &'static [u8] = br#"{"text": "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"}"#;
    let (status, answer) = post(&state, "/kernels/echo/reverse", big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        answer["detail"]
            .as_str()
            .unwrap()
            .contains("FASTWASM_MAX_BODY_BYTES")
    );
    let (status, headers, _) = get(&state, "/kernels/fib/fib").await;
    assert_eq!(
        (status, headers["allow"].to_str().unwrap()),
        (StatusCode::METHOD_NOT_ALLOWED, "POST")
    );
    let (_, _, metrics) = get(&state, "/metrics").await;
    assert!(
        metrics
            .contains(r#"fastwasm_kernel_calls_total{function="fib",kernel="fib",outcome="ok"} 1"#),
        "{metrics}"
    );
    assert!(metrics.contains(
        r#"fastwasm_kernel_calls_total{function="reverse",kernel="echo",outcome="too_large"} 1"#
    ));
}

#[tokio::test]
async fn a_missing_directory_serves_no_kernels_and_the_rest_works() {
    let state = state(&[("FASTWASM_KERNELS_DIR", "/nonexistent/fastwasm-http")]);
    let (status, listing) = get_json(&state, "/kernels").await;
    assert_eq!(
        (status, listing),
        (StatusCode::OK, serde_json::json!({"kernels": []}))
    );
    let (status, answer) = post(&state, "/kernels/fib/fib", b"{}").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        answer["detail"],
        "no kernel named \"fib\"; there are none (FASTWASM_KERNELS_DIR)"
    );
    assert_eq!(get(&state, "/fibonacci-wasm/10").await.0, StatusCode::OK);
}

#[tokio::test]
async fn the_old_modules_paths_answer_as_the_kernel_paths() {
    let empty = state(&[("FASTWASM_MODULES_DIR", "/nonexistent/fastwasm-http")]);
    let (status, listing) = get_json(&empty, "/modules").await;
    assert_eq!(
        (status, listing),
        (StatusCode::OK, serde_json::json!({"kernels": []}))
    );
    let examples = state(&[]);
    for path in ["/kernels/fib/fib", "/modules/fib/fib"] {
        let (status, answer) =
            post(&examples, path, br#"{"n": 10, "algorithm": "iterative"}"#).await;
        assert_eq!(
            (status, answer["result"].as_str()),
            (StatusCode::OK, Some("55")),
            "{path}"
        );
    }
}

/// A folder with the fault component, trusted with `deadline = false`.
fn trusted_fault_folder() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("fastwasm-server-trusted-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let fault = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/components/fault.wasm"
    );
    std::fs::copy(fault, dir.join("fault.wasm")).unwrap();
    std::fs::write(
        dir.join("fault.toml"),
        "deadline = false\ntimeout_s = 0.2\n",
    )
    .unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_without_a_deadline_gets_a_504_and_keeps_its_slot_until_it_ends() {
    let dir = trusted_fault_folder();
    let state = state(&[("FASTWASM_KERNELS_DIR", dir.to_str().unwrap())]);
    let (_, shown) = get_json(&state, "/kernels/fault").await;
    assert_eq!(shown["limits"]["deadline"], false);
    // Answered within its time: as any call.
    let (status, answer) = post(&state, "/kernels/fault/busy", br#"{"ms": 1}"#).await;
    assert_eq!(
        (status, answer["result"].as_u64()),
        (StatusCode::OK, Some(1))
    );
    // Not answered within 0.2 s: a 504 that says the call runs on, and the
    // call keeps its slot until it ends.
    let (status, answer) = post(&state, "/kernels/fault/busy", br#"{"ms": 3000}"#).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    let detail = answer["detail"].as_str().unwrap();
    assert!(
        detail.contains("without a deadline") && detail.contains("fault.toml timeout_s"),
        "{detail}"
    );
    assert_eq!(state.admission.busy(), 1, "the call runs on, with its slot");
    assert!(
        crate::wait_until(|| state.admission.busy() == 0),
        "the call ended"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

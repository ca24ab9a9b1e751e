use axum::http::StatusCode;
use serde_json::json;

use crate::{get, get_json, state};

#[tokio::test]
async fn the_tutorial_endpoint_is_exact_and_json() {
    let state = state(&[]);
    let (status, headers, body) = get(&state, "/fibonacci-wasm/39").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["x-request-id"].len(), 32);
    let data: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(data["fibonacci"], 63_245_986);
    assert_eq!(data["digits"], "63245986");
    assert_eq!(
        data["message"],
        "Fibonacci of 39 is 63245986 (calculated using WASM)"
    );
    assert!(data["execution_time"].as_f64().unwrap() > 0.0);
}

#[tokio::test]
async fn values_past_u64_are_decimal_strings_every_client_reads() {
    let state = state(&[]);
    let (status, body) = get_json(&state, "/fibonacci-native/1000?algorithm=fast_doubling").await;
    assert_eq!(status, StatusCode::OK);
    let digits = body["digits"].as_str().unwrap();
    assert_eq!(body["fibonacci"], digits);
    assert_eq!(digits.len(), 209);
    assert!(digits.starts_with("434665576869374564356885276750406258025646605173717804024817290895365554179490518904038798400792551692959225930803226347752096896232398733224711616429964409065331879382989696499285160037044761377951668492288"));
    // F(93), the largest in a u64, is still the tutorial's JSON integer.
    let (_, top) = get_json(&state, "/fibonacci-wasm/93").await;
    assert_eq!(top["fibonacci"], 12_200_160_415_121_876_738_u64);
    assert_eq!(top["digits"], "12200160415121876738");
    let (_, wasm) = get_json(&state, "/fibonacci-wasm/1000?algorithm=iterative").await;
    assert_eq!(
        wasm["message"],
        "Fibonacci of 1000 is 4346655768…6849228875 (209 digits) (calculated using WASM)"
    );
}

#[tokio::test]
async fn refusals_name_their_limit() {
    let state = state(&[("FASTWASM_MAX_N_RECURSIVE", "30")]);
    for (uri, status, detail) in [
        (
            "/fibonacci-wasm/-1",
            StatusCode::BAD_REQUEST,
            json!("Fibonacci is not defined for negative numbers"),
        ),
        (
            "/fibonacci-wasm/31?algorithm=recursive",
            StatusCode::BAD_REQUEST,
            json!(
                "n = 31 is above the limit of 30 for recursive (set by FASTWASM_MAX_N_RECURSIVE)"
            ),
        ),
        ("/nope", StatusCode::NOT_FOUND, json!("Not Found")),
    ] {
        assert_eq!(
            get_json(&state, uri).await,
            (status, json!({"detail": detail})),
            "{uri}"
        );
    }
    let (status, body) = get_json(&state, "/fibonacci-wasm/x?algorithm=y").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let types: Vec<_> = body["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["type"].clone())
        .collect();
    assert_eq!(types, [json!("int_parsing"), json!("enum")]);
}

#[tokio::test]
async fn the_python_route_says_this_server_has_no_python() {
    let (status, body) = get_json(&state(&[]), "/fibonacci/10").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .starts_with("this server has no Python method")
    );
}

#[tokio::test]
async fn a_deadline_is_504_and_the_pool_still_answers() {
    let state = state(&[
        ("FASTWASM_WASM_TIMEOUT_S", "0.05"),
        ("FASTWASM_MAX_N_RECURSIVE", "60"),
    ]);
    let (status, body) = get_json(&state, "/fibonacci-wasm/60?algorithm=recursive").await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .ends_with(" s (set by FASTWASM_WASM_TIMEOUT_S)")
    );
    let (status, body) = get_json(&state, "/compare/25?algorithm=recursive").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["agree"], true);
    assert_eq!(body["results"][0]["fibonacci"], 75025);
    let (_, health) = get_json(&state, "/health").await;
    assert_eq!(health["module"]["pool"]["timeouts"], 1);
}

#[tokio::test]
async fn no_free_slot_is_503_with_retry_after() {
    let state = state(&[
        ("FASTWASM_MAX_CONCURRENT_HEAVY", "1"),
        ("FASTWASM_QUEUE_TIMEOUT_S", "0.1"),
        ("FASTWASM_WASM_TIMEOUT_S", "1"),
        ("FASTWASM_MAX_N_RECURSIVE", "60"),
    ]);
    let holder = tokio::spawn({
        let state = std::sync::Arc::clone(&state);
        async move {
            get(&state, "/fibonacci-wasm/60?algorithm=recursive")
                .await
                .0
        }
    });
    let taken = async {
        while state.admission.busy() == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    };
    // The bound only ends a failing test.
    tokio::time::timeout(std::time::Duration::from_secs(30), taken)
        .await
        .expect("the heavy request took the slot");
    let (status, headers, _) = get(&state, "/fibonacci-native/500").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(headers["retry-after"], "1");
    // Cheap requests never wait for a slot.
    assert_eq!(get(&state, "/fibonacci-wasm/39").await.0, StatusCode::OK);
    assert_eq!(holder.await.unwrap(), StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(state.admission.rejected(), 1);
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let state = state(&[]);
    get(&state, "/fibonacci-wasm/39").await;
    get(&state, "/fibonacci-wasm/-1").await;
    let (status, headers, text) = get(&state, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    assert!(
        text.contains(r#"fastwasm_requests_total{route="/fibonacci-wasm/{n}",status="200"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"fastwasm_requests_total{route="/fibonacci-wasm/{n}",status="400"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"fastwasm_compute_seconds_count{algorithm="iterative",method="WASM"} 1"#),
        "{text}"
    );
    assert!(text.contains("fastwasm_heavy_slots "), "{text}");
}

#[tokio::test]
async fn paths_are_read_as_uvicorn_and_starlette_read_them() {
    let state = state(&[]);
    // A trailing slash on a route is a 307 to the route, query kept.
    let (status, headers, body) = get(&state, "/fibonacci-wasm/5/?algorithm=recursive").await;
    assert_eq!(status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(headers["location"], "/fibonacci-wasm/5?algorithm=recursive");
    assert!(body.is_empty());
    let (status, _, _) = get(&state, "/nope/").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Invalid UTF-8 is U+FFFD and reaches validation; an encoded `/` matches no route.
    let (status, data) = get_json(&state, "/fibonacci-wasm/%FF").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(data["detail"][0]["input"], "\u{FFFD}");
    let (status, _, _) = get(&state, "/fibonacci-wasm/5%2F6").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_unplanned_panic_is_a_json_500_with_the_request_id() {
    use axum::routing::get as route_get;
    let state = state(&[]);
    // A fault injected under the server's own outermost middleware.
    let router = axum::Router::new()
        .route(
            "/boom",
            route_get(|| async {
                panic!("injected fault");
                #[allow(unreachable_code)]
                ""
            }),
        )
        .layer(axum::middleware::from_fn_with_state(
            std::sync::Arc::clone(&state),
            fastwasm_server::access_log,
        ));
    let request = axum::http::Request::get("/boom")
        .header("x-request-id", "fault-1")
        .body(axum::body::Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(router, request).await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(response.headers()["x-request-id"], "fault-1");
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    assert_eq!(
        std::str::from_utf8(&body).unwrap(),
        r#"{"detail":"internal error","request_id":"fault-1"}"#
    );
    let (_, _, metrics) = get(&state, "/metrics").await;
    assert!(
        metrics.contains("fastwasm_internal_errors_total 1"),
        "{metrics}"
    );
    // The server goes on answering.
    assert_eq!(get(&state, "/fibonacci-wasm/39").await.0, StatusCode::OK);
}

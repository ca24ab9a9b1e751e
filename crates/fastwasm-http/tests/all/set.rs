//! The kernels directory and the answers of the kernel routes.

use fastwasm_http::Answer;
use serde_json::{Value, json};

use crate::{components, copy, dir, fault, load};

fn body(answer: &Answer) -> Value {
    serde_json::from_slice(&answer.body).unwrap()
}

#[test]
fn a_directory_loads_what_it_can_and_lists_the_rest_with_errors() {
    let dir = dir();
    copy(&dir, &components().join("image.wasm"), "image.wasm");
    std::fs::write(dir.path().join("broken.wasm"), b"\0asm not really").unwrap();
    std::fs::write(dir.path().join("core.wasm"), b"(module)").unwrap();
    copy(&dir, &components().join("fib.wasm"), "strict.wasm");
    std::fs::write(dir.path().join("strict.toml"), "timeout_s = 99\n").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a module").unwrap();
    let set = load(dir.path());
    let listed = body(&set.list());
    let names: Vec<&str> = listed["kernels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["broken", "core", "image", "strict"]);
    let errors: Vec<&Value> = listed["kernels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["error"])
        .collect();
    assert!(
        errors[0].as_str().unwrap().contains("failed to parse"),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].as_str().unwrap().contains("is a core module"),
        "{}",
        errors[1]
    );
    assert_eq!(errors[2], &Value::Null);
    assert_eq!(
        errors[3],
        "strict.toml: timeout_s: 99 is not in (0, 5] (FASTWASM_WASM_TIMEOUT_S): a sidecar may only tighten"
    );
    let image = body(&set.show("image"));
    assert_eq!(
        image["size_bytes"],
        std::fs::metadata(components().join("image.wasm"))
            .unwrap()
            .len()
    );
    assert_eq!(image["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(image["functions"][0]["name"], "blur");
    assert_eq!(
        image["functions"][0]["signature"],
        "func(rgba: list<u8>, width: u32, height: u32, radius: u32) -> result<list<u8>, string>"
    );
    assert_eq!(image["functions"][0]["raw_response"], true);
    assert_eq!(image["functions"][1]["raw_request"], true);
    let missing = set.show("nope");
    assert_eq!(
        (missing.status, body(&missing)),
        (
            404,
            json!({"detail": "no kernel named \"nope\"; there are broken, core, image, strict"})
        )
    );
    let broken = set.call("broken", "x", b"{}", None, None, None);
    assert_eq!(broken.status, 404);
    // Only loaded kernels have operations.
    let paths: Vec<String> = set.openapi_paths().keys().cloned().collect();
    assert_eq!(paths, ["/kernels/image/blur", "/kernels/image/grayscale"]);
}

#[test]
fn a_call_answers_with_the_result_and_its_time() {
    let set = load(&components());
    let answer = set.call(
        "fib",
        "fib",
        br#"{"n": 100, "algorithm": "fast_doubling"}"#,
        Some("application/json"),
        None,
        None,
    );
    assert_eq!((answer.status, answer.outcome), (200, "ok"));
    let json = body(&answer);
    assert_eq!(json["kernel"], "fib");
    assert_eq!(json["function"], "fib");
    assert_eq!(json["result"], "354224848179261915075");
    assert!(json["execution_time"].as_f64().unwrap() > 0.0);
    assert_eq!(answer.execution_time_s.map(|s| s > 0.0), Some(true));
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["kernel", "function", "result", "execution_time"]);
}

#[test]
fn every_failure_has_its_status_and_shape() {
    let set = load(&components());
    let call = |module: &str, function: &str, body: &[u8]| {
        set.call(module, function, body, None, None, None)
    };
    // The guest's own error: 400 with the error value, not `detail`.
    let guest = call("fib", "fib", br#"{"n": 94, "algorithm": "recursive"}"#);
    assert_eq!((guest.status, guest.outcome), (400, "guest_error"));
    let error = body(&guest);
    assert_eq!(error["kernel"], "fib");
    assert!(error["error"].as_str().unwrap().contains("93"));
    assert!(error.get("detail").is_none());
    // Validation: 422, FastAPI's shape, every problem located under `body`.
    let invalid = call(
        "fib",
        "fib",
        br#"{"n": -1, "algorithm": "golden", "extra": 1}"#,
    );
    assert_eq!(invalid.status, 422);
    let detail = body(&invalid)["detail"].clone();
    let locs: Vec<&Value> = detail
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["loc"])
        .collect();
    assert_eq!(
        locs,
        [
            &json!(["body", "extra"]),
            &json!(["body", "n"]),
            &json!(["body", "algorithm"])
        ]
    );
    let missing = call("fib", "fib", br#"{"n": 1}"#);
    assert_eq!(
        body(&missing)["detail"][0]["loc"],
        json!(["body", "algorithm"])
    );
    let not_json = call("fib", "fib", b"{");
    assert_eq!(body(&not_json)["detail"][0]["type"], "json_invalid");
    let not_object = call("fib", "fib", b"[1, 2]");
    assert_eq!(not_object.status, 422);
    // 404 names what there is.
    let unknown = call("fib", "fob", b"{}");
    assert_eq!(unknown.status, 404);
    assert_eq!(
        body(&unknown)["detail"],
        "kernel \"fib\" has no function \"fob\"; it has fib"
    );
    // Any content type but raw bytes is read as JSON (curl -d sends form
    // encoding); raw bytes go only to a function that takes them (415).
    let form = set.call(
        "fib",
        "fib",
        br#"{"n": 1, "algorithm": "iterative"}"#,
        Some("application/x-www-form-urlencoded"),
        None,
        None,
    );
    assert_eq!(form.status, 200);
    let text = set.call("fib", "fib", b"n=1", Some("text/plain"), None, None);
    assert_eq!(body(&text)["detail"][0]["type"], "json_invalid");
    let raw = set.call(
        "fib",
        "fib",
        b"\x01",
        Some("application/octet-stream"),
        None,
        None,
    );
    assert_eq!(raw.status, 415);
}

#[test]
fn bytes_may_travel_raw_both_ways() {
    let set = load(&components());
    let rgba = [10u8, 20, 30, 40, 50, 60, 70, 80];
    let gray = set.call(
        "image",
        "grayscale",
        &rgba,
        Some("application/octet-stream"),
        Some("application/octet-stream"),
        None,
    );
    assert_eq!(
        (gray.status, gray.content_type),
        (200, "application/octet-stream")
    );
    assert_eq!(gray.body, [18, 18, 18, 40, 58, 58, 58, 80]);
    let json = set.call(
        "image",
        "grayscale",
        &rgba,
        Some("application/octet-stream"),
        None,
        None,
    );
    assert_eq!(body(&json)["result"], "EhISKDo6OlA=");
    let blurred = set.call(
        "image",
        "blur",
        br#"{"rgba": "CgoKCg==", "width": 1, "height": 1, "radius": 1}"#,
        None,
        Some("application/octet-stream, application/json;q=0.5"),
        None,
    );
    assert_eq!(
        (blurred.status, blurred.body.as_slice()),
        (200, [10u8, 10, 10, 10].as_slice())
    );
}

#[test]
fn the_body_limit_and_the_sidecar_limits_hold() {
    let dir = dir();
    copy(&dir, &fault(), "fault.wasm");
    std::fs::write(
        dir.path().join("fault.toml"),
        "timeout_s = 0.2\nmax_body_bytes = 64\n",
    )
    .unwrap();
    let set = load(dir.path());
    let big = format!(r#"{{"message": "{}"}}"#, "x".repeat(100));
    let too_large = set.call("fault", "panic", big.as_bytes(), None, None, None);
    assert_eq!(too_large.status, 413);
    assert_eq!(
        body(&too_large)["detail"],
        "the request body is over the limit of 64 bytes (set by fault.toml max_body_bytes)"
    );
    let spin = set.call("fault", "spin", b"{}", None, None, None);
    assert_eq!((spin.status, spin.outcome), (504, "timeout"));
    assert!(
        body(&spin)["detail"]
            .as_str()
            .unwrap()
            .ends_with("(set by fault.toml timeout_s)"),
        "{}",
        body(&spin)
    );
    let trap = set.call(
        "fault",
        "panic",
        br#"{"message": "boom"}"#,
        None,
        None,
        None,
    );
    assert_eq!((trap.status, trap.outcome), (502, "trap"));
    assert!(body(&trap)["detail"].as_str().unwrap().contains("boom"));
    let grow = set.call("fault", "grow", br#"{"mib": 64}"#, None, None, None);
    assert_eq!((grow.status, grow.outcome), (400, "memory_limit"));
    // After every fault, the kernel still answers.
    let ok = set.call(
        "fault",
        "chatter",
        br#"{"line": "hi", "count": 1}"#,
        None,
        None,
        None,
    );
    assert_eq!(body(&ok)["result"], 1);
}

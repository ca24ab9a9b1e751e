//! Reloading a kernels folder: new versions swap in whole, a call keeps the
//! set it started with, a broken file leaves its old version serving, and a
//! removed file stops being served.

use std::sync::Arc;

use fastwasm_http::{KernelSet, LiveKernels};
use serde_json::Value;

use crate::{components, copy, dir, limits, runtime};

/// `wasm` with a custom section appended: another file (another SHA-256)
/// that computes the same.
fn another_version(wasm: &[u8], tag: u8) -> Vec<u8> {
    let name = b"fastwasm-test-version";
    let payload = [tag];
    let mut bytes = wasm.to_vec();
    bytes.push(0); // custom section
    let size = 1 + name.len() + payload.len();
    bytes.push(u8::try_from(size).unwrap());
    bytes.push(u8::try_from(name.len()).unwrap());
    bytes.extend_from_slice(name);
    bytes.extend_from_slice(&payload);
    bytes
}

/// A folder with the fib kernel in it, served.
fn serving_fib() -> (tempfile::TempDir, LiveKernels) {
    let dir = dir();
    copy(&dir, &components().join("fib.wasm"), "fib.wasm");
    let runtime = runtime();
    let set = KernelSet::load(&runtime, dir.path(), limits(), None);
    (dir, LiveKernels::new(runtime, set))
}

fn fib_90(set: &KernelSet) -> String {
    let answer = set.call(
        "fib",
        "fib",
        br#"{"n": 90, "algorithm": "iterative"}"#,
        None,
        None,
        None,
    );
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let body: Value = serde_json::from_slice(&answer.body).unwrap();
    body["result"].as_str().unwrap().to_owned()
}

fn described(set: &KernelSet, name: &str) -> Value {
    serde_json::from_slice(&set.show(name).body).unwrap()
}

/// Writes `bytes` to `path` as a rollout should: beside it, then renamed over it.
fn replace(path: &std::path::Path, bytes: &[u8]) {
    let partial = path.with_extension("partial");
    std::fs::write(&partial, bytes).unwrap();
    std::fs::rename(&partial, path).unwrap();
}

#[test]
fn a_reload_swaps_changed_kernels_in_and_keeps_calls_in_flight_on_their_set() {
    let dir = dir();
    copy(&dir, &components().join("fib.wasm"), "fib.wasm");
    copy(&dir, &components().join("echo.wasm"), "echo.wasm");
    let runtime = runtime();
    let live = LiveKernels::new(
        runtime.clone(),
        KernelSet::load(&runtime, dir.path(), limits(), None),
    );
    let first = live.current();
    assert_eq!(first.generation(), 0);
    let loaded_at = described(&first, "fib")["loaded_at"].clone();
    assert!(loaded_at.as_str().unwrap().ends_with('Z'), "{loaded_at}");

    // Nothing changed: nothing is compiled, and the set stays.
    assert!(!live.changed());
    let report = live.reload();
    assert_eq!(report.unchanged, ["echo", "fib"]);
    assert!(report.loaded.is_empty() && report.failed.is_empty());
    assert!(Arc::ptr_eq(&first, &live.current()));

    // A new version: loaded beside the old, then swapped in.
    let fib = dir.path().join("fib.wasm");
    let original = std::fs::read(&fib).unwrap();
    let newer = another_version(&original, 1);
    replace(&fib, &newer);
    assert!(live.changed());
    let report = live.reload();
    assert_eq!(
        (report.loaded.as_slice(), report.generation),
        (&["fib".to_owned()][..], 1)
    );
    assert_eq!(report.unchanged, ["echo"]);
    assert!(!live.changed());
    let second = live.current();
    let sha = |set: &KernelSet| described(set, "fib")["sha256"].as_str().unwrap().to_owned();
    assert_eq!(
        sha(&second),
        format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(&newer))
    );
    assert_ne!(sha(&first), sha(&second));
    // The unchanged kernel is the same one, its instances warm.
    let echo = |set: &KernelSet| std::ptr::from_ref(set.kernel("echo").unwrap());
    assert_eq!(echo(&first), echo(&second));
    // A call that holds the first set still runs on it, and both agree.
    assert_eq!(fib_90(&first), "2880067194370816120");
    assert_eq!(fib_90(&second), "2880067194370816120");

    // A broken new file: the version before serves on, the failure listed.
    let broken = b"\0asm this is not a component".to_vec();
    replace(&fib, &broken);
    let report = live.reload();
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert_eq!(report.failed[0].0, "fib");
    let third = live.current();
    assert_eq!(third.generation(), 2);
    assert_eq!(fib_90(&third), "2880067194370816120");
    let shown = described(&third, "fib");
    assert_eq!(
        shown["sha256"].as_str().unwrap(),
        sha(&second),
        "the serving version's"
    );
    let failure = &shown["reload_error"];
    let broken_sha = format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(&broken));
    assert_eq!(failure["sha256"].as_str().unwrap(), broken_sha);
    assert!(
        failure["error"]
            .as_str()
            .unwrap()
            .contains("invalid module"),
        "{failure}"
    );
    assert!(described(&third, "echo")["reload_error"].is_null());

    // The same broken file again: not compiled again, nothing swapped.
    let report = live.reload();
    assert_eq!(report.failed.len(), 1);
    assert!(Arc::ptr_eq(&third, &live.current()));

    // The file fixed: the failure is gone.
    replace(&fib, &original);
    let report = live.reload();
    assert_eq!(report.loaded, ["fib"]);
    assert!(described(&live.current(), "fib")["reload_error"].is_null());

    // A removed file: its calls in flight finish on their set; new ones 404.
    let before = live.current();
    std::fs::remove_file(dir.path().join("echo.wasm")).unwrap();
    let report = live.reload();
    assert_eq!(report.removed, ["echo"]);
    let after = live.current();
    assert_eq!(after.show("echo").status, 404);
    let echoed = before.call("echo", "echo-string", br#"{"v": "hi"}"#, None, None, None);
    assert_eq!(
        echoed.status,
        200,
        "{}",
        String::from_utf8_lossy(&echoed.body)
    );
}

#[test]
fn a_kernel_new_in_the_folder_is_served_and_a_broken_one_is_listed_with_its_error() {
    let (dir, live) = serving_fib();
    copy(&dir, &components().join("fib.wasm"), "again.wasm");
    std::fs::write(dir.path().join("broken.wasm"), b"not wasm").unwrap();
    let report = live.reload();
    assert_eq!(report.loaded, ["again"]);
    assert_eq!(report.failed.len(), 1);
    let set = live.current();
    let shown = described(&set, "broken");
    assert!(shown["error"].as_str().is_some(), "{shown}");
    let answer = set.call(
        "again",
        "fib",
        br#"{"n": 10, "algorithm": "iterative"}"#,
        None,
        None,
        None,
    );
    assert_eq!(answer.status, 200);
    let answer: Value = serde_json::from_slice(&report.answer().body).unwrap();
    assert_eq!(answer["loaded"], serde_json::json!(["again"]));
    assert_eq!(answer["failed"][0]["kernel"], "broken");
}

#[test]
fn a_sidecar_change_is_a_change_and_embedded_kernels_refuse_to_reload() {
    let (dir, live) = serving_fib();
    std::fs::write(dir.path().join("fib.toml"), "timeout_s = 1\n").unwrap();
    assert!(live.changed());
    assert_eq!(live.reload().loaded, ["fib"]);
    let limits_now = &described(&live.current(), "fib")["limits"];
    assert_eq!(limits_now["timeout_s"], 1.0);

    let wasm = std::fs::read(components().join("fib.wasm")).unwrap();
    let runtime = runtime();
    let embedded = KernelSet::load_embedded(&runtime, &[("fib", wasm.as_slice())], limits());
    let live = LiveKernels::new(runtime, embedded);
    assert!(!live.changed());
    let report = live.reload();
    let answer = report.answer();
    assert_eq!(answer.status, 409);
    assert!(String::from_utf8_lossy(&answer.body).contains("FASTWASM_KERNELS_DIR"));
}

//! Sidecars tighten a kernel's limits, never loosen them, and name the key
//! that is wrong.

use fastwasm_runtime::Placement;
use std::time::Duration;

use fastwasm_http::SettingNames;
use fastwasm_http::sidecar::Limits;

use crate::limits;

fn tighten(text: &str) -> Result<Limits, String> {
    limits()
        .tightened("blur.toml", text)
        .map_err(|e| e.to_string())
}

#[test]
fn every_key_tightens() {
    let tight =
        tighten("timeout_s = 0.25\nmax_memory_mb = 8\nmax_body_bytes = 1024\nheavy = false\n")
            .unwrap();
    assert_eq!(
        tight,
        Limits {
            timeout: Duration::from_millis(250),
            max_memory_mb: 8,
            max_body_bytes: 1024,
            placement: Placement::Inline,
            deadline: true,
            names: SettingNames::SERVICE,
        }
    );
    assert_eq!(
        tighten("heavy = true").unwrap().placement,
        Placement::Threads
    );
    assert_eq!(
        tighten("timeout_s = 2").unwrap().timeout,
        Duration::from_secs(2)
    );
    // The one key that loosens: whoever writes the file trusts the kernel.
    assert!(!tighten("deadline = false").unwrap().deadline);
    assert!(tighten("deadline = true").unwrap().deadline);
    let wrong = tighten("deadline = \"off\"").unwrap_err();
    assert!(
        wrong.contains("deadline") && wrong.contains("true or false"),
        "{wrong}"
    );
    assert_eq!(tighten("").unwrap(), limits());
}

#[test]
fn a_wrong_key_is_named() {
    for (text, message) in [
        (
            "timeout_s = 60",
            "blur.toml: timeout_s: 60 is not in (0, 5] (FASTWASM_WASM_TIMEOUT_S): a sidecar may only tighten",
        ),
        (
            "max_memory_mb = 0",
            "blur.toml: max_memory_mb: 0 is not in [1, 32] (FASTWASM_WASM_MAX_MEMORY_MB): a sidecar may only tighten",
        ),
        (
            "max_body_bytes = 99999999",
            "blur.toml: max_body_bytes: 99999999 is not in [1, 1048576] (FASTWASM_MAX_BODY_BYTES): a sidecar may only tighten",
        ),
        (
            "heavy = \"no\"",
            "blur.toml: heavy: must be true or false, got \"no\"",
        ),
        (
            "timeout = 1",
            "blur.toml: timeout: unknown key: a sidecar may set timeout_s, max_memory_mb, max_body_bytes, heavy, deadline, dirs, env, log_output",
        ),
    ] {
        assert_eq!(tighten(text).unwrap_err(), message);
    }
    assert!(
        tighten("timeout_s = ")
            .unwrap_err()
            .starts_with("blur.toml: (file): ")
    );
}

/// The grants of `text`, with the root `root`.
fn grants(
    text: &str,
    root: Option<&std::path::Path>,
) -> Result<fastwasm_http::sidecar::SidecarGrants, String> {
    fastwasm_http::sidecar::grants("k.toml", text, root, "FASTWASM_GRANTS_ROOT")
        .map_err(|e| e.to_string())
}

#[test]
fn grants_resolve_under_the_root_and_name_the_key_when_they_leave_it() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("data")).unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), root.path().join("link")).unwrap();
    let ok = grants(
        "log_output = true\n[dirs]\n\"data\" = \"/data\"\n[env]\nLANG = \"en\"\n",
        Some(root.path()),
    )
    .unwrap();
    assert!(ok.log_output);
    assert_eq!(ok.grants.env, [("LANG".to_owned(), "en".to_owned())]);
    assert_eq!(ok.grants.dirs[0].guest, "/data");
    assert_eq!(
        ok.grants.dirs[0].host,
        root.path().canonicalize().unwrap().join("data")
    );
    for (text, says) in [
        // `..`, a symlink, an absolute path: each resolves outside.
        ("[dirs]\n\"../\" = \"/x\"\n", "outside FASTWASM_GRANTS_ROOT"),
        (
            "[dirs]\n\"link\" = \"/x\"\n",
            "outside FASTWASM_GRANTS_ROOT",
        ),
        (
            "[dirs]\n\"/etc\" = \"/x\"\n",
            "outside FASTWASM_GRANTS_ROOT",
        ),
        (
            "[dirs]\n\"missing\" = \"/x\"\n",
            "k.toml: dirs: \"missing\" under FASTWASM_GRANTS_ROOT",
        ),
        ("[dirs]\n\"data\" = \"relative\"\n", "k.toml: dirs:"),
        ("[env]\nLANG = 1\n", "k.toml: env: LANG: must be a string"),
        ("env = \"LANG\"\n", "k.toml: env: must be a table"),
        (
            "log_output = \"yes\"\n",
            "k.toml: log_output: must be true or false",
        ),
    ] {
        let error = grants(text, Some(root.path())).unwrap_err();
        assert!(error.contains(says), "{text}: {error}");
        assert!(error.starts_with("k.toml: "), "{error}");
    }
    let no_root = grants("[dirs]\n\"data\" = \"/data\"\n", None).unwrap_err();
    assert!(
        no_root
            .contains("k.toml: dirs: no directory may be granted: FASTWASM_GRANTS_ROOT is not set"),
        "{no_root}"
    );
    // Grant keys are not limits: the limits parser lets them through.
    assert!(tighten("log_output = true\n[env]\nA = \"b\"\n").is_ok());
}

use std::time::Duration;

use fastwasm_runtime::Isolation;
use fastwasm_server::Settings;
use fib_host::Algorithm;

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn the_defaults_are_the_python_services() {
    let settings = Settings::from_vars([]).unwrap();
    assert_eq!((settings.host.as_str(), settings.port), ("127.0.0.1", 8000));
    assert_eq!(
        settings.max_n(Algorithm::Iterative),
        (100_000, "FASTWASM_MAX_N_ITERATIVE")
    );
    assert_eq!(
        settings.max_n(Algorithm::FastDoubling),
        (1_000_000, "FASTWASM_MAX_N_FAST_DOUBLING")
    );
    assert_eq!(
        settings.max_n(Algorithm::Recursive),
        (40, "FASTWASM_MAX_N_RECURSIVE")
    );
    assert_eq!(settings.queue_timeout, Duration::from_secs(2));
    assert_eq!(settings.wasm_timeout, Duration::from_secs(10));
    assert_eq!(settings.wasm_max_memory_mb, 64);
    assert_eq!(settings.max_module_bytes, 16 << 20);
    assert_eq!(settings.wasm_isolation, Isolation::Pooled);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    assert_eq!(settings.max_concurrent_heavy, 2 * cores);
}

#[test]
fn fastwasm_variables_are_read_and_others_ignored() {
    let settings = Settings::from_vars(vars(&[
        ("FASTWASM_PORT", "8001"),
        ("FASTWASM_MAX_N_RECURSIVE", "93"),
        ("FASTWASM_QUEUE_TIMEOUT_S", "0.25"),
        ("FASTWASM_WASM_ISOLATION", "per-call"),
        ("FASTWASM_WASM_MODULE", "/srv/fib.wasm"),
        ("PORT", "1"),
    ]))
    .unwrap();
    assert_eq!(settings.port, 8001);
    assert_eq!(settings.max_n_recursive, 93);
    assert_eq!(settings.queue_timeout, Duration::from_millis(250));
    assert_eq!(settings.wasm_isolation, Isolation::PerCall);
    assert_eq!(
        settings.wasm_module.as_deref(),
        Some(std::path::Path::new("/srv/fib.wasm"))
    );
}

#[test]
fn a_bad_value_is_refused_naming_its_variable_and_range() {
    for (name, value, reason) in [
        (
            "FASTWASM_MAX_N_RECURSIVE",
            "94",
            "must be an integer in [0, 93]",
        ),
        ("FASTWASM_PORT", "http", "must be an integer in [1, 65535]"),
        (
            "FASTWASM_WASM_TIMEOUT_S",
            "0",
            "must be a number of seconds in (0, 86400]",
        ),
        (
            "FASTWASM_WASM_ISOLATION",
            "shared",
            "must be \"pooled\" or \"per-call\"",
        ),
    ] {
        let error = Settings::from_vars(vars(&[(name, value)])).unwrap_err();
        assert_eq!(error.variable, name);
        assert_eq!(error.reason, reason);
        assert!(
            error
                .to_string()
                .starts_with(&format!("invalid setting {name}=")),
            "{error}"
        );
    }
}

#[test]
fn the_reload_settings_parse_and_the_admin_token_is_never_shown() {
    let settings = Settings::from_vars([]).unwrap();
    assert!(!settings.reload_kernels);
    assert_eq!(settings.reload_poll, Duration::from_millis(500));
    assert_eq!(settings.admin_token, None);
    assert_eq!(settings.to_json()["admin_token"], serde_json::Value::Null);

    let token = "0123456789abcdef!";
    let settings = Settings::from_vars(vars(&[
        ("FASTWASM_RELOAD_KERNELS", "Yes"),
        ("FASTWASM_RELOAD_POLL_S", "0.1"),
        ("FASTWASM_ADMIN_TOKEN", token),
    ]))
    .unwrap();
    assert!(settings.reload_kernels);
    assert_eq!(settings.reload_poll, Duration::from_millis(100));
    assert_eq!(settings.admin_token.as_deref(), Some(token));
    let printed = settings.to_json().to_string();
    assert!(printed.contains(r#""admin_token":"(set)""#), "{printed}");
    assert!(!printed.contains(token));
    assert!(
        settings
            .admin_refusal(Some(&format!("Bearer {token}")))
            .is_none()
    );
    assert_eq!(settings.admin_refusal(None).map(|a| a.status), Some(401));

    let flag = Settings::from_vars(vars(&[("FASTWASM_RELOAD_KERNELS", "maybe")])).unwrap_err();
    assert_eq!(flag.variable, "FASTWASM_RELOAD_KERNELS");
    for short in ["too-short", "sixteen chars ok", "caf\u{e9}0123456789abcdef"] {
        let error = Settings::from_vars(vars(&[("FASTWASM_ADMIN_TOKEN", short)])).unwrap_err();
        assert_eq!(error.variable, "FASTWASM_ADMIN_TOKEN");
        assert!(!error.to_string().contains(short), "{error}");
    }
}

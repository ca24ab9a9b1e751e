//! The one status table: docs/errors.md is the table the code has.

use fastwasm_http::status::{SettingNames, detail, kind_named, retry_after_s, status};
use fastwasm_runtime::ErrorKind;

#[test]
fn docs_errors_md_is_the_table_the_code_has() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/errors.md"))
        .unwrap();
    let rows: Vec<Vec<&str>> = doc
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| line.split('|').map(str::trim).collect())
        .collect();
    assert_eq!(rows.len(), ErrorKind::ALL.len());
    for (row, kind) in rows.iter().zip(ErrorKind::ALL) {
        assert_eq!(row[1], format!("`{}`", kind.name()));
        assert_eq!(row[2], status(kind).to_string(), "{kind:?}");
        let retry = retry_after_s(kind).map_or("—".to_owned(), |s| s.to_string());
        assert_eq!(row[3], retry, "{kind:?}");
    }
}

#[test]
fn a_detail_names_the_setting_in_the_servers_words() {
    let message = "`spin` did not finish within the deadline of 1.000 s";
    assert_eq!(
        detail(ErrorKind::Timeout, message, &SettingNames::SERVICE),
        format!("{message} (set by FASTWASM_WASM_TIMEOUT_S)")
    );
    assert_eq!(
        detail(ErrorKind::Timeout, message, &SettingNames::LIBRARY),
        format!("{message} (set by timeout_s)")
    );
    assert!(
        detail(ErrorKind::Trap, "boom", &SettingNames::LIBRARY)
            .starts_with("the WASM guest failed")
    );
    for kind in ErrorKind::ALL {
        assert_eq!(kind_named(kind.name()), Some(kind));
    }
    assert_eq!(kind_named("nope"), None);
}

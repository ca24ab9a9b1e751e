//! Checks that this crate still unifies the workspace's features: each build
//! that `make` runs resolves every third-party crate with the same features.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// `name version` -> the feature sets it is built with (one for the target, and
/// one for the host when proc-macros or build scripts use it too), as `cargo tree`
/// resolves them for `selection`.
fn features(selection: &[&str]) -> BTreeMap<String, BTreeSet<Vec<String>>> {
    let output = Command::new(env!("CARGO"))
        .args(["tree", "--locked", "--offline", "--prefix", "none"])
        .args(["-e", "normal,build,dev", "-f", "{p}|{f}"])
        .args(selection)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut resolved: BTreeMap<String, BTreeSet<Vec<String>>> = BTreeMap::new();
    for line in String::from_utf8(output.stdout).unwrap().lines() {
        let Some((package, features)) = line.split_once('|') else {
            continue;
        };
        if package.contains("(/") || features.ends_with("(*)") {
            continue; // workspace members, and repeats
        }
        let name = package.trim_end_matches(" (proc-macro)").to_owned();
        let mut list: Vec<String> = features
            .split(',')
            .filter(|f| !f.is_empty())
            .map(str::to_owned)
            .collect();
        list.sort();
        resolved.entry(name).or_default().insert(list);
    }
    resolved
}

#[test]
fn every_build_make_runs_resolves_the_same_features() {
    let everything = features(&["--workspace"]);
    // maturin builds -p fastwasm-py; `make server-bin` builds -p fastwasm-server.
    for package in ["fastwasm-py", "fastwasm-server"] {
        let alone = features(&["-p", package]);
        let drifted: Vec<String> = alone
            .iter()
            .filter(|(name, list)| everything.get(*name) != Some(list))
            .map(|(name, list)| format!("{name}: {list:?} vs {:?}", everything.get(name)))
            .collect();
        assert!(
            drifted.is_empty(),
            "-p {package} resolves these differently from --workspace; \
             add the missing features to crates/workspace-hack/Cargo.toml:\n{}",
            drifted.join("\n")
        );
    }
}

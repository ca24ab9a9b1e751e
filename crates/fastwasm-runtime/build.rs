//! Records the wasmtime version from the workspace lock file, so `/health`
//! and reports name the engine that actually runs.

fn main() {
    // Read at run time: a build script compiled in another checkout of the
    // workspace can be reused here, and `env!` would point it at that one.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let lock = std::path::Path::new(&manifest_dir).join("../../Cargo.lock");
    println!("cargo::rerun-if-changed={}", lock.display());
    let version = std::fs::read_to_string(&lock)
        .ok()
        .and_then(|text| {
            let mut lines = text.lines();
            while let Some(line) = lines.next() {
                if line == "name = \"wasmtime\"" {
                    return lines
                        .next()?
                        .strip_prefix("version = \"")?
                        .strip_suffix('"')
                        .map(str::to_owned);
                }
            }
            None
        })
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo::rustc-env=WASMTIME_VERSION_IN_LOCK={version}");
}

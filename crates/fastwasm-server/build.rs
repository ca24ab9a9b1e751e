//! Embeds what the server ships: the bundled guest and the example
//! components, built by `make wasm components` into the Python package. The
//! binary then needs no file of this source tree at run time.

use std::path::Path;

const FILES: [&str; 7] = [
    "guest/fibonacci_wasm.wasm",
    "components/echo.wasm",
    "components/fib.wasm",
    "components/image.wasm",
    "components/markdown.wasm",
    "components/numeric.wasm",
    "components/words.wasm",
];

fn main() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let package = Path::new(&manifest_dir).join("../../python/fastwasm");
    for file in FILES {
        let source = package.join(file);
        println!("cargo::rerun-if-changed={}", source.display());
        let target = Path::new(&out_dir).join(file.replace('/', "-"));
        if let Err(error) = std::fs::copy(&source, &target) {
            panic!(
                "fastwasm-server embeds {}: {error}; `make wasm components` builds it",
                source.display()
            );
        }
    }
}

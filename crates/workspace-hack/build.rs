//! Empty: Cargo resolves `[build-dependencies]` only for a crate with a build script.
fn main() {}

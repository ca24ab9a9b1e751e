//! No code. See `Cargo.toml`: this crate only pins the union of third-party
//! features so that every native build of the workspace shares one wasmtime.
#![no_std]

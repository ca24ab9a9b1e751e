//! The guest tested as WASM: the built `fibonacci_wasm.wasm`, loaded with wasmtime.
//!
//! `make wasm` builds the module; `FASTWASM_GUEST_WASM` may point elsewhere.

mod decimal;
mod exports;

use std::path::PathBuf;
use std::sync::OnceLock;

use wasmtime::{Engine, Instance, Module, Store, TypedFunc};

fn module_path() -> PathBuf {
    std::env::var_os("FASTWASM_GUEST_WASM").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../python/fastwasm/guest/fibonacci_wasm.wasm")
        },
        PathBuf::from,
    )
}

/// One engine and one compiled module for the whole test binary.
fn module() -> &'static (Engine, Module) {
    static MODULE: OnceLock<(Engine, Module)> = OnceLock::new();
    MODULE.get_or_init(|| {
        let path = module_path();
        // The guest uses wasm's wide arithmetic (see the Makefile's GUEST_RUSTFLAGS).
        let engine = Engine::new(wasmtime::Config::new().wasm_wide_arithmetic(true))
            .expect("an engine with wide arithmetic");
        let module = Module::from_file(&engine, &path).unwrap_or_else(|e| {
            panic!(
                "cannot load {} (run `make wasm` first): {e:#}",
                path.display()
            )
        });
        (engine, module)
    })
}

/// A fresh store and instance, instantiated with an empty import list.
fn instantiate() -> (Store<()>, Instance) {
    let (engine, module) = module();
    let mut store = Store::new(engine, ());
    let instance = Instance::new(&mut store, module, &[]).expect("instantiates with no imports");
    (store, instance)
}

fn typed<P: wasmtime::WasmParams, R: wasmtime::WasmResults>(
    store: &mut Store<()>,
    instance: &Instance,
    name: &str,
) -> TypedFunc<P, R> {
    instance
        .get_typed_func::<P, R>(store, name)
        .unwrap_or_else(|e| panic!("export {name}: {e:#}"))
}

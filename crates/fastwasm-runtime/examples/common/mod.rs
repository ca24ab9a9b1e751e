//! What the cost examples share: wasmtime alone, as its own examples set it
//! up, and the timer.

use std::time::{Duration, Instant};

use fastwasm_runtime::wasmtime::component::{Instance, Linker};
use fastwasm_runtime::wasmtime::{self, Config, Engine, Store};
use wasmtime_wasi::{ResourceTable, WasiCtx, WasiCtxView, WasiView};

/// wasmtime's own WASI state, as its examples hold it.
pub struct Host {
    ctx: WasiCtx,
    table: ResourceTable,
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

/// Mean µs per call of `call`, run for about `budget`.
pub fn time(budget: Duration, mut call: impl FnMut()) -> f64 {
    call();
    let started = Instant::now();
    let mut calls = 0u32;
    while started.elapsed() < budget {
        for _ in 0..16 {
            call();
        }
        calls += 16;
    }
    started.elapsed().as_secs_f64() * 1e6 / f64::from(calls)
}

/// wasmtime alone: a default engine with the component model (and epoch
/// interruption when `epochs`, with a deadline never reached), WASI p2
/// linked, one instance.
pub fn bare_instance(path: &str, epochs: bool) -> wasmtime::Result<(Store<Host>, Instance)> {
    let mut config = Config::new();
    config.wasm_component_model(true).epoch_interruption(epochs);
    let engine = Engine::new(&config)?;
    let component = wasmtime::component::Component::from_file(&engine, path)?;
    let mut linker = Linker::<Host>::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    let host = Host {
        ctx: WasiCtx::builder().build(),
        table: ResourceTable::new(),
    };
    let mut store = Store::new(&engine, host);
    store.set_epoch_deadline(u64::MAX / 2);
    let instance = linker.instantiate(&mut store, &component)?;
    Ok((store, instance))
}

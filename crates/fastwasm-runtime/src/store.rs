//! The state every `Store` carries, and how a store is made.

use crate::wasi::{Grants, WasiState};
use crate::{CancelToken, Error};
use wasmtime_wasi::{WasiCtxView, WasiView};

/// The runtime's state in every `Store`: the memory cap, what the guest last
/// asked for above it, the running call's cancel token, and, for a
/// component, its WASI state. Opaque: a facade only passes
/// `&mut Store<CallState>` on to wasmtime's typed calls.
pub struct CallState {
    pub(crate) max_memory: usize,
    pub(crate) refused_growth: Option<usize>,
    pub(crate) cancel: Option<CancelToken>,
    /// Epoch ticks left before the deadline, counted down when `cancel` makes
    /// the call wake at every tick.
    pub(crate) ticks_left: u64,
    /// Components only: WASI, deny by default, with captured stdout and stderr.
    pub(crate) wasi: Option<WasiState>,
    /// The call runs inline in a caller that must not block: it is
    /// preempted at the next epoch tick (see [`crate::Placement`]).
    pub(crate) inline: bool,
    /// The running call was preempted (set by the deadline callback).
    pub(crate) preempted: bool,
}

/// What the deadline callback raises to preempt an inline call; the pool
/// tells it apart by [`CallState::preempted`].
#[derive(Debug)]
pub(crate) struct Preempted;

impl std::fmt::Display for Preempted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an inline call was preempted at an epoch tick")
    }
}

impl std::error::Error for Preempted {}

impl CallState {
    /// Called by wasmtime when the epoch deadline is reached. Without a cancel
    /// token the deadline is the call's own, so the call ends; with one, the
    /// deadline is the next tick, so the token is checked at every tick.
    fn on_deadline(&mut self) -> wasmtime::Result<wasmtime::UpdateDeadline> {
        if self.inline {
            self.preempted = true;
            return Err(wasmtime::Error::new(Preempted));
        }
        let Some(cancel) = &self.cancel else {
            return Ok(wasmtime::UpdateDeadline::Interrupt);
        };
        if cancel.is_cancelled() {
            // The export's name is filled in by the classification.
            return Err(wasmtime::Error::new(Error::Cancelled {
                export: String::new(),
            }));
        }
        if self.ticks_left == 0 {
            return Ok(wasmtime::UpdateDeadline::Interrupt);
        }
        self.ticks_left -= 1;
        Ok(wasmtime::UpdateDeadline::Continue(1))
    }

    /// Prepares the store's state for a call under `cancel`.
    pub(crate) fn begin_call(&mut self, cancel: Option<&CancelToken>, inline: bool) {
        self.cancel = cancel.cloned();
        self.inline = inline;
        self.preempted = false;
        if let Some(wasi) = &self.wasi {
            wasi.clear_output();
        }
    }
}

impl wasmtime::ResourceLimiter for CallState {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_memory {
            self.refused_growth = Some(desired);
            // Trap instead of returning -1 from memory.grow, so the caller gets
            // a memory-limit error rather than whatever the guest makes of -1.
            wasmtime::bail!("memory limit");
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

/// A store with the limiter, the deadline callback and a first deadline (a
/// start function runs during instantiation, so it gets one too), and, for a
/// component, WASI state with its grants.
pub(crate) fn new_store(
    engine: &wasmtime::Engine,
    config: &crate::RuntimeConfig,
    max_memory: usize,
    deadline_ticks: u64,
    wasi: Option<&Grants>,
) -> Result<wasmtime::Store<CallState>, Error> {
    let state = CallState {
        max_memory,
        refused_growth: None,
        cancel: None,
        ticks_left: 0,
        wasi: wasi
            .map(|grants| WasiState::new(config.max_output_bytes, grants))
            .transpose()?,
        inline: false,
        preempted: false,
    };
    let mut store = wasmtime::Store::new(engine, state);
    store.limiter(|state| state);
    store.epoch_deadline_callback(|mut store| store.data_mut().on_deadline());
    store.set_epoch_deadline(deadline_ticks);
    Ok(store)
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        let wasi = self
            .wasi
            .as_mut()
            .expect("only component stores are linked to WASI, and they have its state");
        WasiCtxView {
            ctx: &mut wasi.ctx,
            table: &mut wasi.table,
        }
    }
}

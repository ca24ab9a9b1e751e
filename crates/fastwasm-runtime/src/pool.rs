//! The instance pool, shared by core modules and components: instances from
//! a pre-linked `InstancePre`, reused (pooled) or fresh per call, every call
//! under the deadline, the memory cap and its cancel token, and the failures
//! classified into one [`Error`].

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use crossbeam_queue::ArrayQueue;

use crate::cache::CacheOutcome;
use crate::config::Limits;
use crate::error::trap_code;
pub use crate::lease::Lease;
pub(crate) use crate::lease::{Linked, Slot};
use crate::store::{CallState, new_store};
use crate::wasi::Grants;
use crate::{CancelToken, Error, Isolation, Runtime};

/// How a module or component was loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadInfo {
    /// Where the compiled code came from: a precompiled artifact, the disk
    /// cache, or a compile.
    pub cache: CacheOutcome,
    /// Why the precompiled artifact beside the file (`NAME.cwasm`) was not
    /// used, when there was one and it was refused (`artifact.rs`).
    pub artifact: Option<std::sync::Arc<str>>,
    /// Time to get compiled code: read from the cache, or compile (and write).
    pub load_time: Duration,
    /// The file's size in bytes.
    pub size_bytes: usize,
}

/// An instance pool, as `pool_stats()` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolStats {
    /// Instances alive in the pool (idle or busy). Always 0 in per-call mode.
    pub size: usize,
    /// Calls running now.
    pub busy: usize,
    /// Calls that trapped.
    pub traps: u64,
    /// Calls interrupted at their deadline.
    pub timeouts: u64,
    /// Calls stopped at the memory cap.
    pub memory_limits: u64,
    /// Calls stopped by their [`CancelToken`].
    pub cancelled: u64,
    /// Inline calls preempted at an epoch tick and run again on a call
    /// thread (see [`crate::Placement`]).
    pub preempted: u64,
}

/// What one call may do: its cancel token, a deadline tighter than the
/// pool's, and whether it runs inline (preempted at the next epoch tick).
#[derive(Debug, Clone, Copy, Default)]
pub struct CallOptions<'a> {
    /// Stops the call from another thread.
    pub cancel: Option<&'a CancelToken>,
    /// A deadline tighter than the function's (`timeout_s`); a looser one
    /// is an [`Error::InvalidConfig`].
    pub timeout: Option<Duration>,
}

/// Why a call did not return.
pub(crate) enum Stop {
    /// It failed; the error says how.
    Failed(Error),
    /// It ran inline and was preempted at an epoch tick: nothing of it
    /// remains, and it is to be run again on a call thread.
    Preempted,
}

/// Why a call on a pinned instance did not return.
pub(crate) enum PinnedStop {
    /// It never started (cancelled already, a looser deadline): the
    /// instance is untouched.
    Refused(Error),
    /// It started and failed: the instance may be mid-call.
    Failed(Error),
}

impl From<Error> for Stop {
    fn from(error: Error) -> Self {
        Self::Failed(error)
    }
}

/// The pool of one module or component.
pub(crate) struct Pool<L: Linked> {
    pub(crate) runtime: Runtime,
    /// The engine `linked` was compiled for: with the deadline or without.
    engine: wasmtime::Engine,
    /// What its instances are granted (components only).
    grants: Grants,
    pub(crate) linked: L,
    funcs: usize,
    limits: Limits,
    deadline_ticks: u64,
    // Lock-free, sized to max_instances so a push never fails. Boxed: a slot
    // is a few hundred bytes, and only the pointer should move.
    idle: ArrayQueue<Box<Slot<L>>>,
    size: AtomicUsize,
    /// Calls in flight in per-call mode (pooled mode derives it from the pool).
    per_call_busy: AtomicUsize,
    traps: AtomicU64,
    timeouts: AtomicU64,
    memory_limits: AtomicU64,
    cancelled: AtomicU64,
    preempted: AtomicU64,
}

impl<L: Linked> Pool<L> {
    /// A pool for `linked`, whose instances cache `funcs` function handles;
    /// in pooled mode, with its first instances made.
    pub(crate) fn new(
        runtime: Runtime,
        engine: wasmtime::Engine,
        linked: L,
        funcs: usize,
        limits: Limits,
        grants: Grants,
    ) -> Result<Self, Error> {
        let config = &runtime.shared.config;
        let deadline_ticks = config.deadline_ticks(limits.timeout);
        let pool_size = match config.isolation {
            Isolation::Pooled => config.pool_size(),
            Isolation::PerCall => 0,
        };
        let max_instances = config.max_instances as usize;
        let pool = Self {
            runtime,
            engine,
            grants,
            linked,
            funcs,
            limits,
            deadline_ticks,
            idle: ArrayQueue::new(max_instances),
            size: AtomicUsize::new(0),
            per_call_busy: AtomicUsize::new(0),
            traps: AtomicU64::new(0),
            timeouts: AtomicU64::new(0),
            memory_limits: AtomicU64::new(0),
            cancelled: AtomicU64::new(0),
            preempted: AtomicU64::new(0),
        };
        for _ in 0..pool_size {
            let slot = pool.instantiate("(instantiation)")?;
            pool.size.fetch_add(1, Ordering::Relaxed);
            pool.put(slot);
        }
        Ok(pool)
    }

    /// The limits its calls run under.
    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }

    /// What its instances are granted.
    pub(crate) fn grants(&self) -> &Grants {
        &self.grants
    }

    pub(crate) fn stats(&self) -> PoolStats {
        let idle = self.idle.len();
        let size = self.size.load(Ordering::Relaxed);
        PoolStats {
            size,
            // Pooled: every live instance not idle is in a call, so the hot
            // path needs no shared counter.
            busy: size.saturating_sub(idle) + self.per_call_busy.load(Ordering::Relaxed),
            traps: self.traps.load(Ordering::Relaxed),
            timeouts: self.timeouts.load(Ordering::Relaxed),
            memory_limits: self.memory_limits.load(Ordering::Relaxed),
            cancelled: self.cancelled.load(Ordering::Relaxed),
            preempted: self.preempted.load(Ordering::Relaxed),
        }
    }

    /// Runs `body` on an instance (see `Module::with_instance`).
    pub(crate) fn with_instance<R>(
        &self,
        label: &str,
        cancel: Option<&CancelToken>,
        body: impl FnOnce(&mut Lease<'_, L::Instance, L::Func>) -> wasmtime::Result<R>,
    ) -> Result<R, Error> {
        let options = CallOptions {
            cancel,
            timeout: None,
        };
        match self.run(label, &options, false, body) {
            Ok(value) => Ok(value),
            Err(Stop::Failed(error)) => Err(error),
            Err(Stop::Preempted) => unreachable!("only an inline call is preempted"),
        }
    }

    /// Runs `body` on an instance under `options`; `inline` preempts it at
    /// the next epoch tick.
    pub(crate) fn run<R>(
        &self,
        label: &str,
        options: &CallOptions<'_>,
        inline: bool,
        body: impl FnOnce(&mut Lease<'_, L::Instance, L::Func>) -> wasmtime::Result<R>,
    ) -> Result<R, Stop> {
        let (timeout, ticks) = self.admit(label, options, inline)?;
        let mut call = Call::start(self, label)?;
        match Self::enter(call.slot(), options.cancel, inline, ticks, body) {
            Ok(value) => {
                call.succeeded();
                Ok(value)
            }
            Err(error) => Err(call.failed(label, timeout, error)),
        }
    }

    /// Runs `body` on `slot`, an instance taken out with [`Pool::pin`],
    /// under the same limits as [`Pool::run`] (never inline). On an error
    /// the instance may be mid-call: the caller gives it back with
    /// [`Pool::unpin`] as unhealthy.
    pub(crate) fn run_pinned<R>(
        &self,
        slot: &mut Slot<L>,
        label: &str,
        options: &CallOptions<'_>,
        body: impl FnOnce(&mut Lease<'_, L::Instance, L::Func>) -> wasmtime::Result<R>,
    ) -> Result<R, PinnedStop> {
        let (timeout, ticks) = self
            .admit(label, options, false)
            .map_err(PinnedStop::Refused)?;
        Self::enter(slot, options.cancel, false, ticks, body).map_err(|error| {
            PinnedStop::Failed(self.classify(label, timeout, slot.store.data(), error))
        })
    }

    /// What a call may run under: its deadline, and its epoch ticks; or why
    /// it may not start (cancelled already, a looser deadline, inline with
    /// no deadline).
    fn admit(
        &self,
        label: &str,
        options: &CallOptions<'_>,
        inline: bool,
    ) -> Result<(Duration, u64), Error> {
        if options.cancel.is_some_and(CancelToken::is_cancelled) {
            self.cancelled.fetch_add(1, Ordering::Relaxed);
            return Err(Error::Cancelled {
                export: label.to_owned(),
            });
        }
        let timeout = self.limits.call_timeout(options.timeout)?;
        if inline && !self.limits.deadline {
            return Err(Error::InvalidConfig {
                setting: "placement",
                reason: format!(
                    "`{label}` runs without a deadline, so it cannot run inline: nothing could preempt it"
                ),
            });
        }
        let ticks = if options.timeout.is_none() {
            self.deadline_ticks
        } else {
            self.runtime.shared.config.deadline_ticks(timeout)
        };
        Ok((timeout, ticks))
    }

    /// Sets `slot`'s store up for one call and runs `body` on it.
    fn enter<R>(
        slot: &mut Slot<L>,
        cancel: Option<&CancelToken>,
        inline: bool,
        ticks: u64,
        body: impl FnOnce(&mut Lease<'_, L::Instance, L::Func>) -> wasmtime::Result<R>,
    ) -> wasmtime::Result<R> {
        slot.store.data_mut().begin_call(cancel, inline);
        if inline {
            slot.store.set_epoch_deadline(1);
        } else if cancel.is_some() {
            slot.store.data_mut().ticks_left = ticks - 1;
            slot.store.set_epoch_deadline(1);
        } else {
            slot.store.set_epoch_deadline(ticks);
        }
        body(&mut slot.lease())
    }

    /// Takes an instance out for one caller: from the pool (or a new one it
    /// keeps), or, per call, a fresh one. Give it back with [`Pool::unpin`].
    pub(crate) fn pin(&self, label: &str) -> Result<Box<Slot<L>>, Error> {
        if self.pooled() {
            self.take(label)
        } else {
            let slot = self.instantiate(label)?;
            self.per_call_busy.fetch_add(1, Ordering::Relaxed);
            Ok(slot)
        }
    }

    /// Gives back an instance from [`Pool::pin`]: a healthy one to the pool
    /// (pooled); an unhealthy one is dropped and, pooled, replaced.
    pub(crate) fn unpin(&self, slot: Box<Slot<L>>, healthy: bool) {
        match (self.pooled(), healthy) {
            (true, true) => self.put(slot),
            (true, false) => {
                drop(slot);
                self.replace();
            }
            (false, _) => {
                drop(slot);
                self.per_call_busy.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }

    /// Counts an instance from [`Pool::pin`] gone without giving it back
    /// (dropped during an unwind). The pool regrows on demand; instantiating
    /// here, during an unwind, could panic again.
    pub(crate) fn lost(&self) {
        if self.pooled() {
            self.size.fetch_sub(1, Ordering::Relaxed);
        } else {
            self.per_call_busy.fetch_sub(1, Ordering::Relaxed);
        }
    }

    fn pooled(&self) -> bool {
        self.runtime.shared.config.isolation == Isolation::Pooled
    }

    fn instantiate(&self, label: &str) -> Result<Box<Slot<L>>, Error> {
        let shared = &self.runtime.shared;
        let mut store = new_store(
            &self.engine,
            &shared.config,
            self.limits.max_memory_bytes,
            self.deadline_ticks,
            L::WASI.then_some(&self.grants),
        )?;
        match self.linked.instantiate(&mut store) {
            Ok(instance) => Ok(Box::new(Slot {
                store,
                instance,
                funcs: vec![None; self.funcs],
                cache: Vec::new(),
            })),
            Err(error) if error.is::<wasmtime::PoolConcurrencyLimitError>() => {
                Err(Error::InstanceLimit {
                    limit: shared.config.max_instances,
                })
            }
            Err(error) => Err(self.classify(label, self.limits.timeout, store.data(), error)),
        }
    }

    fn take(&self, label: &str) -> Result<Box<Slot<L>>, Error> {
        if let Some(slot) = self.idle.pop() {
            return Ok(slot);
        }
        // Every instance is busy: this caller gets a new one, and the pool
        // keeps it, so the pool grows to the number of callers.
        let slot = self.instantiate(label)?;
        self.size.fetch_add(1, Ordering::Relaxed);
        Ok(slot)
    }

    fn put(&self, slot: Box<Slot<L>>) {
        // Cannot be full: at most max_instances slots exist at all.
        if self.idle.push(slot).is_err() {
            self.size.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Replaces an instance that was thrown away after a failure.
    fn replace(&self) {
        match self.instantiate("(instantiation)") {
            Ok(slot) => self.put(slot),
            Err(_) => {
                self.size.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }

    fn classify(
        &self,
        label: &str,
        timeout: Duration,
        state: &CallState,
        error: wasmtime::Error,
    ) -> Error {
        if let Some(requested) = state.refused_growth {
            self.memory_limits.fetch_add(1, Ordering::Relaxed);
            return Error::MemoryLimit {
                export: label.to_owned(),
                requested,
                limit: state.max_memory,
            };
        }
        let trap = |code: &'static str, message: String| Error::Trap {
            export: label.to_owned(),
            code,
            message,
            guest_stderr: state
                .wasi
                .as_ref()
                .map(crate::wasi::WasiState::stderr_tail)
                .unwrap_or_default(),
        };
        if let Some(&code) = error.downcast_ref::<wasmtime::Trap>() {
            if code == wasmtime::Trap::Interrupt {
                self.timeouts.fetch_add(1, Ordering::Relaxed);
                return Error::Timeout {
                    export: label.to_owned(),
                    timeout,
                };
            }
            self.traps.fetch_add(1, Ordering::Relaxed);
            return trap(trap_code(code), code.to_string());
        }
        if error.is::<wasmtime::ThrownException>() {
            self.traps.fetch_add(1, Ordering::Relaxed);
            let message = "a Wasm exception was thrown and not caught".to_owned();
            return trap("uncaught_exception", message);
        }
        match error.downcast::<Error>() {
            Ok(Error::Cancelled { .. }) => {
                self.cancelled.fetch_add(1, Ordering::Relaxed);
                Error::Cancelled {
                    export: label.to_owned(),
                }
            }
            Ok(ours) => ours,
            Err(other) => Error::engine(format!("calling `{label}`"), other),
        }
    }
}

/// One call's instance, and the pool's accounting for it. Every way out
/// settles the accounting exactly once: [`Call::succeeded`] and
/// [`Call::failed`], or `Drop` when the call's closure panicked.
struct Call<'a, L: Linked> {
    pool: &'a Pool<L>,
    slot: Option<Box<Slot<L>>>,
}

impl<'a, L: Linked> Call<'a, L> {
    fn start(pool: &'a Pool<L>, label: &str) -> Result<Self, Error> {
        Ok(Self {
            pool,
            slot: Some(pool.pin(label)?),
        })
    }

    fn slot(&mut self) -> &mut Slot<L> {
        self.slot
            .as_mut()
            .expect("a call holds its slot until it ends")
    }

    /// The instance did nothing wrong: back to the pool.
    fn succeeded(mut self) {
        let slot = self.slot.take().expect("a call ends once");
        self.pool.unpin(slot, true);
    }

    /// The call failed, or was preempted: the instance is dropped and, when
    /// pooled, replaced.
    fn failed(mut self, label: &str, timeout: Duration, error: wasmtime::Error) -> Stop {
        let slot = self.slot.take().expect("a call ends once");
        let stop = if slot.store.data().preempted {
            self.pool.preempted.fetch_add(1, Ordering::Relaxed);
            Stop::Preempted
        } else {
            Stop::Failed(self.pool.classify(label, timeout, slot.store.data(), error))
        };
        self.pool.unpin(slot, false);
        stop
    }
}

impl<L: Linked> Drop for Call<'_, L> {
    fn drop(&mut self) {
        // Only reached with a slot when the closure panicked: the instance
        // may be mid-call, so it is dropped, not pooled.
        if self.slot.take().is_some() {
            self.pool.lost();
        }
    }
}

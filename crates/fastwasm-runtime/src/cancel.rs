use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Stops a WASM call from another thread, as when the client that asked for
/// it has gone away. Cheap to clone; clones share one flag.
///
/// A call made with a token checks it at every epoch tick (`epoch_tick`, 5 ms
/// by default), so it stops within about one tick of [`CancelToken::cancel`]
/// and fails with [`Error::Cancelled`](crate::Error::Cancelled). A call
/// started after the token was cancelled does not start at all.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token that is not cancelled.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels every call made with this token or its clones, now and later.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`CancelToken::cancel`] was called.
    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

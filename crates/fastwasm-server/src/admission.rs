//! Admission control for heavy work: a bounded number of slots.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use fastwasm_http::SettingNames;
use fastwasm_http::admission::overloaded;

use crate::error::ApiError;

/// Admission control: heavy computations take one of a bounded number of
/// slots. Cheap requests never take one, so they never wait behind heavy work.
#[derive(Debug)]
pub struct Admission {
    slots: usize,
    queue_timeout: Duration,
    semaphore: Arc<Semaphore>,
    rejected: AtomicU64,
}

impl Admission {
    /// `slots` slots; a request waits at most `queue_timeout` for one.
    #[must_use]
    pub fn new(slots: usize, queue_timeout: Duration) -> Self {
        Self {
            slots,
            queue_timeout,
            semaphore: Arc::new(Semaphore::new(slots)),
            rejected: AtomicU64::new(0),
        }
    }

    /// A slot, held until the permit is dropped: by the blocking task that
    /// does the work, so a slot stays busy while its thread runs.
    ///
    /// # Errors
    /// [`ApiError::Overloaded`] when no slot frees up within the queue timeout.
    pub async fn slot(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        let acquire = Arc::clone(&self.semaphore).acquire_owned();
        // The semaphore is never closed, so an error is the timeout.
        if let Ok(Ok(permit)) = tokio::time::timeout(self.queue_timeout, acquire).await {
            return Ok(permit);
        }
        self.rejected.fetch_add(1, Ordering::Relaxed);
        let names = SettingNames::SERVICE;
        let (detail, retry_after_s) = overloaded(
            self.slots,
            self.queue_timeout,
            names.max_concurrent,
            names.queue_timeout,
        );
        Err(ApiError::Overloaded {
            detail,
            retry_after_s,
        })
    }

    /// The number of slots.
    #[must_use]
    pub fn slots(&self) -> usize {
        self.slots
    }

    /// Slots in use now.
    #[must_use]
    pub fn busy(&self) -> usize {
        self.slots - self.semaphore.available_permits()
    }

    /// Requests refused so far.
    #[must_use]
    pub fn rejected(&self) -> u64 {
        self.rejected.load(Ordering::Relaxed)
    }
}

//! The measured half of [`Placement`]: each function's recent call times,
//! and the one rule that reads them.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::config::{INLINE_STREAK, Placement};

/// Per function of one module or component: how many calls in a row took
/// less than the threshold.
pub(crate) struct Costs {
    streaks: Box<[AtomicU32]>,
    placement: Placement,
    threshold: Duration,
}

impl Costs {
    pub(crate) fn new(functions: usize, placement: Placement, threshold: Duration) -> Self {
        Self {
            streaks: (0..functions).map(|_| AtomicU32::new(0)).collect(),
            placement,
            threshold,
        }
    }

    /// Whether a caller that must not block runs function `index` inline now.
    pub(crate) fn runs_inline(&self, index: usize) -> bool {
        match self.placement {
            Placement::Inline => true,
            Placement::Threads => false,
            Placement::Measured => {
                !self.threshold.is_zero()
                    && self.streaks[index].load(Ordering::Relaxed) >= INLINE_STREAK
            }
        }
    }

    /// A call of function `index` that ran for `elapsed` (or was preempted
    /// after `elapsed`): under the threshold it extends the streak, over it
    /// ends the streak.
    pub(crate) fn record(&self, index: usize, elapsed: Duration) {
        let streak = &self.streaks[index];
        let now = streak.load(Ordering::Relaxed);
        if elapsed < self.threshold {
            // Written only while it grows: a hot function's calls then only
            // read the shared counter.
            if now < INLINE_STREAK {
                streak.store(now + 1, Ordering::Relaxed);
            }
        } else if now != 0 {
            streak.store(0, Ordering::Relaxed);
        }
    }
}

//! Admission control's refusal: a heavy call that found no slot within the
//! queue timeout is a 503, with a `Retry-After` of the timeout, rounded up.

use std::time::Duration;

/// The detail and `Retry-After` seconds of the 503 for a heavy call that
/// found none of `slots` slots free within `queue_timeout`; the two settings
/// are named as the server calls them (`SettingNames::max_concurrent` and
/// `queue_timeout`, or a user's own).
#[must_use]
pub fn overloaded(
    slots: usize,
    queue_timeout: Duration,
    slots_setting: &str,
    timeout_setting: &str,
) -> (String, u64) {
    let seconds = queue_timeout.as_secs_f64();
    let detail = format!(
        "all {slots} slots for heavy work are busy ({slots_setting}) and none freed up within {seconds} s ({timeout_setting}); retry later",
    );
    // At least 1 s: a client that retries at once would only queue again.
    let retry_after =
        (queue_timeout.as_secs() + u64::from(queue_timeout.subsec_nanos() > 0)).max(1);
    (detail, retry_after)
}

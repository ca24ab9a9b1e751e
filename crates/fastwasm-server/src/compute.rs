//! Where work runs: cheap u64 results inline on the async worker; heavy work
//! on the blocking pool, under admission control, cancelled if its client
//! leaves.

use std::time::Instant;

use fastwasm_runtime::CancelToken;
use fib_host::{Algorithm, FibValue, FibonacciModule, native};

use crate::AppState;
use crate::error::ApiError;
use fastwasm_http::fibonacci::{Computation, Method};

/// F(n) by `method`, timing the computation alone. `cancel` stops a WASM
/// call; a native call cannot be interrupted (the n limits bound it).
///
/// # Errors
/// The facade's errors for WASM (the call's failures); [`ApiError::Fib`] for
/// arguments with no answer (a bug if it ever shows: the limits are checked
/// before).
pub fn compute_sync(
    method: Method,
    n: u32,
    algorithm: Algorithm,
    guest: &FibonacciModule,
    cancel: Option<&CancelToken>,
) -> Result<Computation, ApiError> {
    let started = Instant::now();
    let value = match (method, cancel) {
        (Method::Wasm, Some(cancel)) => guest.compute_cancellable(algorithm, n, cancel)?,
        (Method::Wasm, None) => guest.compute(algorithm, n)?,
        (Method::Native, _) => native(algorithm, n)?,
        (Method::Python, _) => {
            return Err(ApiError::NoPythonMethod {
                route: crate::PYTHON_ROUTE,
            });
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    let digits = match value {
        FibValue::U64(v) => v.to_string(),
        FibValue::Digits(digits) => digits,
    };
    Ok(Computation {
        method,
        n,
        algorithm,
        digits,
        seconds,
    })
}

/// Cancels the token when dropped: hyper drops a request's future when its
/// client disconnects, and with it this guard.
pub(crate) struct CancelOnDrop(pub(crate) CancelToken);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// As [`compute_sync`]: inline when cheap, else on the blocking pool with a
/// slot from admission control. The time goes to the histogram.
///
/// # Errors
/// [`ApiError::Overloaded`] when no slot frees up in time, and the errors of
/// [`compute_sync`].
pub async fn compute(
    state: &AppState,
    method: Method,
    n: u32,
    algorithm: Algorithm,
) -> Result<Computation, ApiError> {
    let result = if algorithm.is_cheap(n) {
        compute_sync(method, n, algorithm, &state.guest, None)?
    } else {
        let permit = state.admission.slot().await?;
        let cancel = CancelToken::new();
        let guard = CancelOnDrop(cancel.clone());
        let guest = state.guest.clone();
        let work = tokio::task::spawn_blocking(move || {
            // The slot is held by the thread, so it stays busy until the work stops.
            let _permit = permit;
            compute_sync(method, n, algorithm, &guest, Some(&cancel))
        });
        // A panic in the computation goes on unwinding here, to the catch-all
        // in the access log (a JSON 500 with the request id). The task is
        // never aborted, so there is no other join error.
        let result = work
            .await
            .unwrap_or_else(|error| std::panic::resume_unwind(error.into_panic()));
        // Done: cancelling now reaches nothing.
        drop(guard);
        result?
    };
    state
        .metrics
        .compute(method.label(), algorithm.name(), result.seconds);
    Ok(result)
}

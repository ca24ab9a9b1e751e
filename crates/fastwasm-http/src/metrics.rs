//! Every metric both servers export: its name, kind, help text, labels and
//! buckets, written once. Each server registers these with its own
//! Prometheus client (prometheus-client in Rust, `prometheus_client` in
//! Python), so a scrape reads the same series from either.

/// What kind of metric it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only goes up (`_total` is added by the clients).
    Counter,
    /// Goes up and down.
    Gauge,
    /// Observations in [`COMPUTE_BUCKETS`].
    Histogram,
}

impl Kind {
    /// `"counter"`, `"gauge"` or `"histogram"`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Counter => "counter",
            Self::Gauge => "gauge",
            Self::Histogram => "histogram",
        }
    }
}

/// One metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metric {
    /// Its name, without a `_total` suffix.
    pub name: &'static str,
    /// What it is.
    pub kind: Kind,
    /// Its help text.
    pub help: &'static str,
    /// Its labels, in the order both clients write them (by name).
    pub labels: &'static [&'static str],
}

/// Compute times span 0.1 µs (a u64 in WASM) to seconds (recursive Python).
pub const COMPUTE_BUCKETS: [f64; 10] = [1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0, 60.0];

const fn metric(
    name: &'static str,
    kind: Kind,
    help: &'static str,
    labels: &'static [&'static str],
) -> Metric {
    Metric {
        name,
        kind,
        help,
        labels,
    }
}

/// HTTP requests.
pub const REQUESTS: Metric = metric(
    "fastwasm_requests",
    Kind::Counter,
    "HTTP requests by route template and status.",
    &["route", "status"],
);
/// The Fibonacci computations' own time.
pub const COMPUTE_SECONDS: Metric = metric(
    "fastwasm_compute_seconds",
    Kind::Histogram,
    "Time in the computation alone, by method and algorithm.",
    &["algorithm", "method"],
);
/// Calls of kernel functions.
pub const KERNEL_CALLS: Metric = metric(
    "fastwasm_kernel_calls",
    Kind::Counter,
    "Calls of kernel functions, by outcome (ok, guest_error, validation, timeout, trap, cancelled, ...).",
    &["function", "kernel", "outcome"],
);
/// Kernel calls' own time.
pub const KERNEL_COMPUTE_SECONDS: Metric = metric(
    "fastwasm_kernel_compute_seconds",
    Kind::Histogram,
    "Time in a kernel function's call alone.",
    &["function", "kernel"],
);
/// The guest's instance pool.
pub const POOL_INSTANCES: Metric = metric(
    "fastwasm_wasm_pool_instances",
    Kind::Gauge,
    "WASM instances alive in the pool.",
    &[],
);
/// Instances in a call.
pub const POOL_BUSY: Metric = metric(
    "fastwasm_wasm_pool_busy",
    Kind::Gauge,
    "WASM instances in a call now.",
    &[],
);
/// Admission control's slots.
pub const HEAVY_SLOTS: Metric = metric(
    "fastwasm_heavy_slots",
    Kind::Gauge,
    "Slots for heavy work (admission control).",
    &[],
);
/// Slots in use.
pub const HEAVY_BUSY: Metric = metric(
    "fastwasm_heavy_busy",
    Kind::Gauge,
    "Heavy calls running now.",
    &[],
);
/// Heavy calls refused.
pub const HEAVY_REJECTED: Metric = metric(
    "fastwasm_heavy_rejected",
    Kind::Counter,
    "Heavy calls refused with 503.",
    &[],
);
/// The guest's calls stopped at their deadline.
pub const WASM_TIMEOUTS: Metric = metric(
    "fastwasm_wasm_timeouts",
    Kind::Counter,
    "WASM calls stopped at their deadline.",
    &[],
);
/// The guest's calls that trapped.
pub const WASM_TRAPS: Metric = metric(
    "fastwasm_wasm_traps",
    Kind::Counter,
    "WASM calls that trapped.",
    &[],
);
/// The guest's calls stopped at the memory cap.
pub const WASM_MEMORY_LIMITS: Metric = metric(
    "fastwasm_wasm_memory_limits",
    Kind::Counter,
    "WASM calls stopped at the memory cap.",
    &[],
);
/// The guest's calls cancelled.
pub const WASM_CANCELLED: Metric = metric(
    "fastwasm_wasm_cancelled",
    Kind::Counter,
    "WASM calls stopped because their client disconnected.",
    &[],
);
/// Refusals of the compiled-code cache.
pub const CACHE_REFUSALS: Metric = metric(
    "fastwasm_cache_refusals",
    Kind::Counter,
    "Compiled-module cache directories or files refused by the ownership checks.",
    &[],
);
/// Reloads of the kernels.
pub const KERNEL_RELOADS: Metric = metric(
    "fastwasm_kernel_reloads",
    Kind::Counter,
    "Reloads of the kernels folder (on SIGHUP, the admin route or a change), whatever they found.",
    &[],
);
/// Kernel files a reload could not load.
pub const KERNEL_RELOAD_FAILURES: Metric = metric(
    "fastwasm_kernel_reload_failures",
    Kind::Counter,
    "Kernel files a reload could not load; the version before each serves on. Each is logged.",
    &[],
);
/// Unplanned failures.
pub const INTERNAL_ERRORS: Metric = metric(
    "fastwasm_internal_errors",
    Kind::Counter,
    "Requests that failed in an unplanned way (500); each is logged.",
    &[],
);

/// Every metric, in the order the servers register them.
pub const ALL: [Metric; 17] = [
    REQUESTS,
    COMPUTE_SECONDS,
    KERNEL_CALLS,
    KERNEL_COMPUTE_SECONDS,
    POOL_INSTANCES,
    POOL_BUSY,
    HEAVY_SLOTS,
    HEAVY_BUSY,
    HEAVY_REJECTED,
    WASM_TIMEOUTS,
    WASM_TRAPS,
    WASM_MEMORY_LIMITS,
    WASM_CANCELLED,
    CACHE_REFUSALS,
    KERNEL_RELOADS,
    KERNEL_RELOAD_FAILURES,
    INTERNAL_ERRORS,
];

//! Prometheus metrics with the Python service's names.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use fastwasm_runtime::PoolStats;

use crate::admission::Admission;

/// Compute times span 0.1 µs (a u64 in WASM) to seconds; the same buckets as
/// the Python service.
const COMPUTE_BUCKETS: [f64; 10] = [1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0, 60.0];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ComputeLabels {
    method: &'static str,
    algorithm: &'static str,
}

// Labels in the order prometheus_client (Python) writes them: by name.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ModuleCallLabels {
    function: String,
    module: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ModuleLabels {
    function: String,
    module: String,
}

fn compute_histogram() -> Histogram {
    Histogram::new(COMPUTE_BUCKETS)
}

/// The server's metrics, with the names, types and labels of the Python
/// service's.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    compute_seconds: Family<ComputeLabels, Histogram>,
    module_calls: Family<ModuleCallLabels, Counter>,
    module_compute_seconds: Family<ModuleLabels, Histogram>,
    pool_instances: Gauge,
    pool_busy: Gauge,
    heavy_slots: Gauge,
    heavy_busy: Gauge,
    timeouts: Counter,
    traps: Counter,
    memory_limits: Counter,
    cancelled: Counter,
    rejected: Counter,
    cache_refusals: Counter,
    internal_errors: Counter,
    /// One scrape at a time copies the sources into the counters.
    sync: std::sync::Mutex<()>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Every metric, registered and at zero.
    #[must_use]
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let compute_seconds = Family::<ComputeLabels, Histogram>::new_with_constructor(
            compute_histogram as fn() -> _,
        );
        registry.register(
            "fastwasm_requests",
            "HTTP requests by route template and status",
            requests.clone(),
        );
        registry.register(
            "fastwasm_compute_seconds",
            "Time in the computation alone, by method and algorithm",
            compute_seconds.clone(),
        );
        let module_calls = Family::<ModuleCallLabels, Counter>::default();
        registry.register(
            "fastwasm_module_calls",
            "Calls of served module functions, by outcome (ok, guest_error, validation, timeout, trap, ...)",
            module_calls.clone(),
        );
        let module_compute_seconds =
            Family::<ModuleLabels, Histogram>::new_with_constructor(compute_histogram as fn() -> _);
        registry.register(
            "fastwasm_module_compute_seconds",
            "Time in a module function's call alone",
            module_compute_seconds.clone(),
        );
        let mut gauge = |name: &str, help: &str| {
            let gauge = Gauge::default();
            registry.register(name, help, gauge.clone());
            gauge
        };
        let pool_instances = gauge(
            "fastwasm_wasm_pool_instances",
            "WASM instances alive in the pool",
        );
        let pool_busy = gauge("fastwasm_wasm_pool_busy", "WASM instances in a call now");
        let heavy_slots = gauge(
            "fastwasm_heavy_slots",
            "Slots for heavy work (admission control)",
        );
        let heavy_busy = gauge("fastwasm_heavy_busy", "Heavy computations running now");
        let mut counter = |name: &str, help: &str| {
            let counter = Counter::default();
            registry.register(name, help, counter.clone());
            counter
        };
        let timeouts = counter(
            "fastwasm_wasm_timeouts",
            "WASM calls stopped at their deadline",
        );
        let traps = counter("fastwasm_wasm_traps", "WASM calls that trapped");
        let memory_limits = counter(
            "fastwasm_wasm_memory_limits",
            "WASM calls stopped at the memory cap",
        );
        let cancelled = counter(
            "fastwasm_wasm_cancelled",
            "WASM calls stopped because their client disconnected",
        );
        let rejected = counter("fastwasm_heavy_rejected", "Heavy requests refused with 503");
        let cache_refusals = counter(
            "fastwasm_cache_refusals",
            "Compiled-module cache directories or files refused by the ownership checks",
        );
        let internal_errors = counter(
            "fastwasm_internal_errors",
            "Requests that failed in an unplanned way (500); each is logged",
        );
        Self {
            registry,
            requests,
            compute_seconds,
            module_calls,
            module_compute_seconds,
            pool_instances,
            pool_busy,
            heavy_slots,
            heavy_busy,
            timeouts,
            traps,
            memory_limits,
            cancelled,
            rejected,
            cache_refusals,
            internal_errors,
            sync: std::sync::Mutex::new(()),
        }
    }

    /// Counts a finished request.
    pub fn request(&self, route: &str, status: u16) {
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_owned(),
                status: status.to_string(),
            })
            .inc();
    }

    /// Counts a request that failed in an unplanned way (a 500).
    pub fn internal_error(&self) {
        self.internal_errors.inc();
    }

    /// Records the time of one computation.
    pub fn compute(&self, method: &'static str, algorithm: &'static str, seconds: f64) {
        self.compute_seconds
            .get_or_create(&ComputeLabels { method, algorithm })
            .observe(seconds);
    }

    /// Counts a call of a module function and records its time.
    pub fn module_call(
        &self,
        module: &str,
        function: &str,
        outcome: &'static str,
        seconds: Option<f64>,
    ) {
        self.module_calls
            .get_or_create(&ModuleCallLabels {
                module: module.to_owned(),
                function: function.to_owned(),
                outcome,
            })
            .inc();
        if let Some(seconds) = seconds {
            self.module_compute_seconds
                .get_or_create(&ModuleLabels {
                    module: module.to_owned(),
                    function: function.to_owned(),
                })
                .observe(seconds);
        }
    }

    /// The Prometheus text, with the pool and admission state read now.
    #[must_use]
    pub fn exposition(
        &self,
        pool: PoolStats,
        admission: &Admission,
        cache_refusals: u64,
    ) -> String {
        let _one_at_a_time = self
            .sync
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let set = |gauge: &Gauge, value: usize| {
            gauge.set(i64::try_from(value).unwrap_or(i64::MAX));
        };
        set(&self.pool_instances, pool.size);
        set(&self.pool_busy, pool.busy);
        set(&self.heavy_slots, admission.slots());
        set(&self.heavy_busy, admission.busy());
        // The sources count; the counters follow them by the difference.
        for (counter, total) in [
            (&self.timeouts, pool.timeouts),
            (&self.traps, pool.traps),
            (&self.memory_limits, pool.memory_limits),
            (&self.cancelled, pool.cancelled),
            (&self.rejected, admission.rejected()),
            (&self.cache_refusals, cache_refusals),
        ] {
            counter.inc_by(total.saturating_sub(counter.get()));
        }
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

//! Prometheus metrics: the names, help texts and labels of
//! `fastwasm_http::metrics`, the table the Python service registers too.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use fastwasm_http::metrics::{self as spec, COMPUTE_BUCKETS, Metric};
use fastwasm_runtime::PoolStats;

use crate::admission::Admission;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    status: String,
}

// Labels in the order of the table (by name, as prometheus_client writes them).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ComputeLabels {
    algorithm: &'static str,
    method: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KernelCallLabels {
    function: String,
    kernel: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KernelLabels {
    function: String,
    kernel: String,
}

/// prometheus-client adds the period and `_total` itself.
fn help(metric: &Metric) -> &'static str {
    metric.help.strip_suffix('.').unwrap_or(metric.help)
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
    kernel_calls: Family<KernelCallLabels, Counter>,
    kernel_compute_seconds: Family<KernelLabels, Histogram>,
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
    kernel_reloads: Counter,
    kernel_reload_failures: Counter,
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
        registry.register(spec::REQUESTS.name, help(&spec::REQUESTS), requests.clone());
        registry.register(
            spec::COMPUTE_SECONDS.name,
            help(&spec::COMPUTE_SECONDS),
            compute_seconds.clone(),
        );
        let kernel_calls = Family::<KernelCallLabels, Counter>::default();
        registry.register(
            spec::KERNEL_CALLS.name,
            help(&spec::KERNEL_CALLS),
            kernel_calls.clone(),
        );
        let kernel_compute_seconds =
            Family::<KernelLabels, Histogram>::new_with_constructor(compute_histogram as fn() -> _);
        registry.register(
            spec::KERNEL_COMPUTE_SECONDS.name,
            help(&spec::KERNEL_COMPUTE_SECONDS),
            kernel_compute_seconds.clone(),
        );
        let mut gauge = |metric: Metric| {
            let gauge = Gauge::default();
            registry.register(metric.name, help(&metric), gauge.clone());
            gauge
        };
        let pool_instances = gauge(spec::POOL_INSTANCES);
        let pool_busy = gauge(spec::POOL_BUSY);
        let heavy_slots = gauge(spec::HEAVY_SLOTS);
        let heavy_busy = gauge(spec::HEAVY_BUSY);
        let mut counter = |metric: Metric| {
            let counter = Counter::default();
            registry.register(metric.name, help(&metric), counter.clone());
            counter
        };
        let timeouts = counter(spec::WASM_TIMEOUTS);
        let traps = counter(spec::WASM_TRAPS);
        let memory_limits = counter(spec::WASM_MEMORY_LIMITS);
        let cancelled = counter(spec::WASM_CANCELLED);
        let rejected = counter(spec::HEAVY_REJECTED);
        let cache_refusals = counter(spec::CACHE_REFUSALS);
        let kernel_reloads = counter(spec::KERNEL_RELOADS);
        let kernel_reload_failures = counter(spec::KERNEL_RELOAD_FAILURES);
        let internal_errors = counter(spec::INTERNAL_ERRORS);
        Self {
            registry,
            requests,
            compute_seconds,
            kernel_calls,
            kernel_compute_seconds,
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
            kernel_reloads,
            kernel_reload_failures,
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

    /// Counts a reload of the kernels and the files it could not load.
    pub fn kernel_reload(&self, failures: usize) {
        self.kernel_reloads.inc();
        self.kernel_reload_failures
            .inc_by(u64::try_from(failures).unwrap_or(u64::MAX));
    }

    /// Records the time of one computation.
    pub fn compute(&self, method: &'static str, algorithm: &'static str, seconds: f64) {
        self.compute_seconds
            .get_or_create(&ComputeLabels { algorithm, method })
            .observe(seconds);
    }

    /// Counts a call of a kernel function and records its time.
    pub fn kernel_call(
        &self,
        kernel: &str,
        function: &str,
        outcome: &'static str,
        seconds: Option<f64>,
    ) {
        self.kernel_calls
            .get_or_create(&KernelCallLabels {
                kernel: kernel.to_owned(),
                function: function.to_owned(),
                outcome,
            })
            .inc();
        if let Some(seconds) = seconds {
            self.kernel_compute_seconds
                .get_or_create(&KernelLabels {
                    kernel: kernel.to_owned(),
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

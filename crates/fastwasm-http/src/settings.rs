//! Every `FASTWASM_*` setting of fastwasm's servers, with its default and
//! its range: both servers read them here, and print them alike
//! (`fastwasm settings`, `fastwasm-server --print-settings`).

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use fastwasm_runtime::{CacheDir, Isolation, Placement, RuntimeConfig};
use fib_host::Algorithm;

use crate::sidecar::Limits;
use crate::status::SettingNames;

/// The largest n a u32 holds: anything above is above every limit.
const U32_MAX: u64 = u32::MAX as u64;

/// Every limit and knob of fastwasm's servers, from `FASTWASM_*` variables.
/// A setting only one server uses is read (and checked) by both.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `FASTWASM_HOST`: the address to bind. Default 127.0.0.1.
    pub host: String,
    /// `FASTWASM_PORT`: the port to bind. Default 8000.
    pub port: u16,
    /// `FASTWASM_WORKERS`: worker processes of `fastwasm serve`, tokio
    /// worker threads of fastwasm-server. Default: one process; one thread
    /// per core.
    pub workers: Option<usize>,
    /// `FASTWASM_MAX_N_ITERATIVE`. Default 100000.
    pub max_n_iterative: u32,
    /// `FASTWASM_MAX_N_FAST_DOUBLING`. Default 1000000.
    pub max_n_fast_doubling: u32,
    /// `FASTWASM_MAX_N_RECURSIVE`, at most 93. Default 40.
    pub max_n_recursive: u32,
    /// `FASTWASM_MAX_CONCURRENT_HEAVY`: heavy computations at once. Default 2 × cores.
    pub max_concurrent_heavy: usize,
    /// `FASTWASM_QUEUE_TIMEOUT_S`: how long a heavy request waits for a slot. Default 2 s.
    pub queue_timeout: Duration,
    /// `FASTWASM_MAX_MODULE_BYTES`. Default 16 MiB.
    pub max_module_bytes: usize,
    /// `FASTWASM_THREADPOOL_SIZE`: threads for heavy native work (and, in
    /// fastwasm-server, heavy WASM work). Default 40, as anyio's.
    pub threadpool_size: usize,
    /// `FASTWASM_PYTHON_WORKERS`: worker processes for heavy pure-Python
    /// work (the Python service). Default: one per core.
    pub python_workers: usize,
    /// `FASTWASM_PYTHON_TIMEOUT_S`: the deadline of one heavy pure-Python
    /// computation (the Python service). Default 120 s.
    pub python_timeout: Duration,
    /// `FASTWASM_WASM_TIMEOUT_S`: deadline of one WASM call. Default 10 s.
    pub wasm_timeout: Duration,
    /// `FASTWASM_WASM_MAX_MEMORY_MB`: linear-memory cap of one instance. Default 64.
    pub wasm_max_memory_mb: usize,
    /// `FASTWASM_WASM_MAX_INSTANCES`: WASM instances alive at once. Default 256.
    pub wasm_max_instances: u32,
    /// `FASTWASM_WASM_ISOLATION`: `pooled` or `per-call`. Default pooled.
    pub wasm_isolation: Isolation,
    /// `FASTWASM_WASM_MODULE`: the guest. `None`: the guest each server
    /// ships.
    pub wasm_module: Option<PathBuf>,
    /// `FASTWASM_KERNELS_DIR` (`FASTWASM_MODULES_DIR`, its old name, is
    /// still read): the components served under `/kernels`. `None`: the
    /// example components each server ships.
    pub kernels_dir: Option<PathBuf>,
    /// `FASTWASM_MAX_BODY_BYTES`: the largest body of a kernel call. Default 8 MiB.
    pub max_body_bytes: usize,
    /// `FASTWASM_GRANTS_ROOT`: the only directory under which a kernel's
    /// sidecar may grant directories. `None`, the default: no sidecar
    /// grants a directory.
    pub grants_root: Option<PathBuf>,
    /// `FASTWASM_CACHE_DIR`: compiled-module cache. Default as the runtime's.
    pub cache_dir: Option<PathBuf>,
    /// `FASTWASM_ADMIN_TOKEN`: the bearer token of the admin routes
    /// ([`crate::admin`]), at least 16 visible ASCII characters. `None`,
    /// the default: there are no admin routes.
    pub admin_token: Option<String>,
    /// `FASTWASM_RELOAD_KERNELS`: reload the kernels folder when a file in
    /// it changes (development). Default false: only on SIGHUP or the
    /// admin route.
    pub reload_kernels: bool,
    /// `FASTWASM_RELOAD_POLL_S`: how often a server that reloads on change
    /// looks at the files' sizes and times. Default 0.5 s.
    pub reload_poll: Duration,
}

/// A `FASTWASM_*` variable that is out of range or does not parse.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid setting {variable}={value:?}: {reason}")]
pub struct SettingsError {
    /// The environment variable.
    pub variable: String,
    /// Its value.
    pub value: String,
    /// What it must be.
    pub reason: String,
}

/// The CPU count every CPU-dependent default follows, the same rule as the
/// Python service's (it reads it through the binding).
fn cores() -> usize {
    fastwasm_runtime::available_cores()
}

impl Settings {
    /// Settings from the process environment.
    ///
    /// # Errors
    /// [`SettingsError`] naming the first variable that is invalid.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_vars(std::env::vars())
    }

    /// Settings from `(name, value)` pairs; names without the `FASTWASM_`
    /// prefix are ignored, as are unknown ones.
    ///
    /// # Errors
    /// [`SettingsError`] naming the first variable that is invalid.
    pub fn from_vars(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, SettingsError> {
        let vars: std::collections::HashMap<String, String> = vars
            .into_iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("FASTWASM_")?.to_ascii_lowercase(), v)))
            .collect();
        let env = Env(&vars);
        Ok(Self {
            host: env.get("host").unwrap_or("127.0.0.1").to_owned(),
            port: env.int("port", 8000, 1, 65535)?,
            workers: env.optional_int("workers", 1, 1024)?,
            max_n_iterative: env.int("max_n_iterative", 100_000, 0, U32_MAX)?,
            max_n_fast_doubling: env.int("max_n_fast_doubling", 1_000_000, 0, U32_MAX)?,
            max_n_recursive: env.int("max_n_recursive", 40, 0, 93)?,
            max_concurrent_heavy: env.int("max_concurrent_heavy", 2 * cores() as u64, 1, 4096)?,
            queue_timeout: env.seconds("queue_timeout_s", 2.0, 3600.0)?,
            max_module_bytes: env.int("max_module_bytes", 16 << 20, 1, u64::MAX)?,
            threadpool_size: env.optional_int("threadpool_size", 1, 1024)?.unwrap_or(40),
            python_workers: env.int("python_workers", cores() as u64, 1, 1024)?,
            python_timeout: env.seconds("python_timeout_s", 120.0, 86400.0)?,
            wasm_timeout: env.seconds("wasm_timeout_s", 10.0, 86400.0)?,
            wasm_max_memory_mb: env.int("wasm_max_memory_mb", 64, 1, 4096)?,
            wasm_max_instances: env.int("wasm_max_instances", 256, 1, 10_000)?,
            wasm_isolation: match env.get("wasm_isolation") {
                None => Isolation::Pooled,
                Some(s) => Isolation::from_str(s).map_err(|_| {
                    env.invalid("wasm_isolation", "must be \"pooled\" or \"per-call\"")
                })?,
            },
            wasm_module: env.get("wasm_module").map(PathBuf::from),
            kernels_dir: env
                .get("kernels_dir")
                .or_else(|| env.get("modules_dir"))
                .map(PathBuf::from),
            max_body_bytes: env.int("max_body_bytes", 8 << 20, 1, 1 << 30)?,
            grants_root: env.get("grants_root").map(PathBuf::from),
            cache_dir: env.get("cache_dir").map(PathBuf::from),
            admin_token: env.token("admin_token")?,
            reload_kernels: env.flag("reload_kernels", false)?,
            reload_poll: env.seconds("reload_poll_s", 0.5, 60.0)?,
        })
    }

    /// The limit for `algorithm` and the environment variable that sets it.
    #[must_use]
    pub fn max_n(&self, algorithm: Algorithm) -> (u32, &'static str) {
        match algorithm {
            Algorithm::Iterative => (self.max_n_iterative, "FASTWASM_MAX_N_ITERATIVE"),
            Algorithm::Recursive => (self.max_n_recursive, "FASTWASM_MAX_N_RECURSIVE"),
            Algorithm::FastDoubling => (self.max_n_fast_doubling, "FASTWASM_MAX_N_FAST_DOUBLING"),
        }
    }

    /// The settings as JSON, keyed and typed as the Python service's
    /// `Settings` dumps them (`fastwasm settings`): `fastwasm-server
    /// --print-settings` prints this, and `tests/parity` compares the two.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "host": self.host,
            "port": self.port,
            "workers": self.workers,
            "max_n_iterative": self.max_n_iterative,
            "max_n_fast_doubling": self.max_n_fast_doubling,
            "max_n_recursive": self.max_n_recursive,
            "max_concurrent_heavy": self.max_concurrent_heavy,
            "queue_timeout_s": self.queue_timeout.as_secs_f64(),
            "max_module_bytes": self.max_module_bytes,
            "threadpool_size": self.threadpool_size,
            "python_workers": self.python_workers,
            "python_timeout_s": self.python_timeout.as_secs_f64(),
            "wasm_timeout_s": self.wasm_timeout.as_secs_f64(),
            "wasm_max_memory_mb": self.wasm_max_memory_mb,
            "wasm_max_instances": self.wasm_max_instances,
            "wasm_isolation": self.wasm_isolation.name(),
            "wasm_module": self.wasm_module,
            "kernels_dir": self.kernels_dir,
            "max_body_bytes": self.max_body_bytes,
            "grants_root": self.grants_root,
            "cache_dir": self.cache_dir,
            // Whether there is one: the token itself is never printed.
            "admin_token": self.admin_token.as_ref().map(|_| "(set)"),
            "reload_kernels": self.reload_kernels,
            "reload_poll_s": self.reload_poll.as_secs_f64(),
        })
    }

    /// `None` when the admin routes may answer a request with this
    /// `Authorization` header; else the 401 (also when no token is set:
    /// then a server mounts no admin route at all).
    #[must_use]
    pub fn admin_refusal(&self, authorization: Option<&str>) -> Option<crate::Answer> {
        crate::admin::refusal(
            authorization,
            self.admin_token.as_deref(),
            "FASTWASM_ADMIN_TOKEN",
        )
    }

    /// The limits every kernel gets, before its sidecar.
    #[must_use]
    pub fn kernel_limits(&self) -> Limits {
        Limits {
            timeout: self.wasm_timeout,
            max_memory_mb: self.wasm_max_memory_mb,
            max_body_bytes: self.max_body_bytes,
            placement: Placement::Measured,
            deadline: true,
            names: SettingNames::SERVICE,
        }
    }

    /// The runtime configuration these settings ask for.
    #[must_use]
    pub fn runtime_config(&self) -> RuntimeConfig {
        let mut config = RuntimeConfig::default();
        config.timeout = self.wasm_timeout;
        config.max_memory_bytes = self.wasm_max_memory_mb << 20;
        config.max_instances = self.wasm_max_instances;
        config.max_module_bytes = self.max_module_bytes;
        config.isolation = self.wasm_isolation;
        // A call thread for every heavy-work slot: a call that holds a slot
        // never waits for a thread.
        config.call_threads = Some(self.max_concurrent_heavy);
        config.cache_dir = self
            .cache_dir
            .clone()
            .map_or(CacheDir::Default, CacheDir::Path);
        config
    }
}

struct Env<'a>(&'a std::collections::HashMap<String, String>);

impl Env<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    fn invalid(&self, name: &str, reason: &str) -> SettingsError {
        SettingsError {
            variable: format!("FASTWASM_{}", name.to_ascii_uppercase()),
            value: self.get(name).unwrap_or_default().to_owned(),
            reason: reason.to_owned(),
        }
    }

    fn int<T: TryFrom<u64>>(
        &self,
        name: &str,
        default: u64,
        min: u64,
        max: u64,
    ) -> Result<T, SettingsError> {
        let value = match self.get(name) {
            None => default,
            Some(s) => s
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|v| (min..=max).contains(v))
                .ok_or_else(|| {
                    self.invalid(name, &format!("must be an integer in [{min}, {max}]"))
                })?,
        };
        T::try_from(value).map_err(|_| self.invalid(name, "is too large for this machine"))
    }

    fn optional_int(&self, name: &str, min: u64, max: u64) -> Result<Option<usize>, SettingsError> {
        match self.get(name) {
            None => Ok(None),
            Some(_) => self.int(name, 0, min, max).map(Some),
        }
    }

    fn flag(&self, name: &str, default: bool) -> Result<bool, SettingsError> {
        match self.get(name).map(|s| s.trim().to_ascii_lowercase()) {
            None => Ok(default),
            Some(s) if ["1", "true", "yes", "on"].contains(&s.as_str()) => Ok(true),
            Some(s) if ["0", "false", "no", "off"].contains(&s.as_str()) => Ok(false),
            Some(_) => Err(self.invalid(name, "must be true or false (1/0, yes/no, on/off)")),
        }
    }

    fn token(&self, name: &str) -> Result<Option<String>, SettingsError> {
        let Some(token) = self.get(name) else {
            return Ok(None);
        };
        let min = crate::admin::MIN_TOKEN_CHARS;
        if token.len() < min || !token.bytes().all(|b| b.is_ascii_graphic()) {
            let mut error = self.invalid(
                name,
                &format!("must be at least {min} visible ASCII characters, with no spaces"),
            );
            // A secret, even a refused one, never goes into a message.
            "(hidden)".clone_into(&mut error.value);
            return Err(error);
        }
        Ok(Some(token.to_owned()))
    }

    fn seconds(&self, name: &str, default: f64, max: f64) -> Result<Duration, SettingsError> {
        let seconds = match self.get(name) {
            None => default,
            Some(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|v| *v > 0.0 && *v <= max)
                .ok_or_else(|| {
                    self.invalid(name, &format!("must be a number of seconds in (0, {max}]"))
                })?,
        };
        Ok(Duration::from_secs_f64(seconds))
    }
}

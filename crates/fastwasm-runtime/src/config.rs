use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::Error;

/// How calls get a WebAssembly instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Isolation {
    /// A thread-safe pool of instances that are reused across calls. It grows
    /// to the number of concurrent callers. An instance that traps or times out
    /// is thrown away and replaced, never reused.
    #[default]
    Pooled,
    /// A fresh `Store` and instance for every call, from a pre-linked
    /// `InstancePre` on wasmtime's pooling allocator. Nothing survives a call.
    PerCall,
}

impl Isolation {
    /// The name used in settings and reports: `"pooled"` or `"per-call"`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Pooled => "pooled",
            Self::PerCall => "per-call",
        }
    }
}

impl FromStr for Isolation {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "pooled" => Ok(Self::Pooled),
            "per-call" | "per_call" => Ok(Self::PerCall),
            _ => Err(Error::InvalidConfig {
                setting: "isolation",
                reason: format!("{s:?} is not one of \"pooled\", \"per-call\""),
            }),
        }
    }
}

/// Where compiled modules are cached on disk.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CacheDir {
    /// `$XDG_CACHE_HOME/fastwasm`, else `$HOME/.cache/fastwasm`; with
    /// neither set, no disk cache (never a guessable path under `/tmp`).
    #[default]
    Default,
    /// This directory. It is created with mode 0700 if missing. It and its
    /// parents must pass the checks of docs/security.md, or the runtime
    /// compiles in memory.
    Path(PathBuf),
    /// No disk cache: every load compiles.
    Disabled,
}

/// Everything a [`crate::Runtime`] can be told. Every limit is here, has a
/// default, and is named in the error that enforces it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RuntimeConfig {
    /// Wall-clock deadline of one call (`timeout_s`). Default 10 s.
    pub timeout: Duration,
    /// Cap on one instance's linear memory in bytes (`max_memory_mb`).
    /// Default 64 MiB.
    pub max_memory_bytes: usize,
    /// Cap on the WebAssembly stack in bytes (`max_stack_bytes`). Default 512 KiB.
    pub max_stack_bytes: usize,
    /// Largest module file accepted (`max_module_bytes`). Default 16 MiB.
    pub max_module_bytes: usize,
    /// How calls get an instance. Default [`Isolation::Pooled`].
    pub isolation: Isolation,
    /// Instances created up front per module in pooled mode (`pool_size`).
    /// The pool still grows to the number of concurrent callers. `None`, the
    /// default: [`available_cores`], at most 16 and at most `max_instances`
    /// ([`RuntimeConfig::pool_size`]).
    pub pool_size: Option<usize>,
    /// Most instances alive at once across the runtime (`max_instances`); the
    /// size of wasmtime's pooling allocator. A runtime that also runs code
    /// without a deadline has a second engine, and a second allocator of
    /// this size ([`RuntimeConfig::deadline`]). Default 256.
    pub max_instances: u32,
    /// Most live resources (WIT `resource` handles the host owns) each
    /// component holds at once (`max_resources`); each pins an instance
    /// (see [`crate::Pinned`]), so this bounds what a caller that never
    /// closes them can hold. Default 1024.
    pub max_resources: usize,
    /// The CPU baseline the runtime compiles for, and the most an artifact
    /// it loads may assume (`cpu`, [`crate::Cpu`]). Default
    /// [`Cpu::Native`](crate::Cpu::Native): every feature of this machine.
    /// A portable level must be one this machine has.
    pub cpu: crate::Cpu,
    /// The disk cache of compiled modules.
    pub cache_dir: CacheDir,
    /// How often the ticker thread advances the epoch, which is the
    /// resolution of the deadline. Default 5 ms.
    pub epoch_tick: Duration,
    /// What a component may write to stdout, and to stderr, in one call
    /// (`max_output_bytes`); past it, output is dropped and counted. Default 64 KiB.
    pub max_output_bytes: usize,
    /// Threads that run calls handed off by callers that must not block
    /// (`call_threads`, [`crate::Runtime::spawn`]). `None`, the default:
    /// twice [`available_cores`], at least 2 ([`RuntimeConfig::call_threads`]).
    pub call_threads: Option<usize>,
    /// How much nicer than the process the call threads run (Linux nice
    /// steps, `call_thread_nice`): a thread that serves an event loop then
    /// wins the CPU from guest calls whenever it has work, and guest calls
    /// get what it leaves (`bench/suite/acall_bench.py` measures the trade). 0 keeps
    /// the process's priority. Default 19, as nice as Linux allows.
    pub call_thread_nice: i32,
    /// A function whose recent calls each took less than this runs inline in
    /// a caller that would otherwise hand it to a call thread
    /// (`inline_threshold_us`; see [`crate::Placement`]). Zero turns the
    /// measured rule off: only functions declared cheap run inline.
    /// Default 50 µs.
    pub inline_threshold: Duration,
    /// Whether calls run under a deadline (`deadline`). Default true.
    ///
    /// `false` compiles without epoch interruption, for trusted code only:
    /// the guest's loop heads and function entries then carry no check, and
    /// nothing can stop a call once it runs. There is no timeout, a
    /// [`CancelToken`](crate::CancelToken) is seen only before the call
    /// starts, and no call runs inline (it could not be preempted). A runtime
    /// keeps one engine per setting, so one module may turn it off
    /// ([`LoadOptions::deadline`]) while the rest keep theirs.
    pub deadline: bool,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            max_memory_bytes: 64 << 20,
            max_stack_bytes: 512 << 10,
            max_module_bytes: 16 << 20,
            isolation: Isolation::Pooled,
            pool_size: None,
            max_instances: 256,
            max_resources: 1024,
            cpu: crate::Cpu::Native,
            cache_dir: CacheDir::Default,
            epoch_tick: Duration::from_millis(5),
            max_output_bytes: 64 << 10,
            call_threads: None,
            call_thread_nice: 19,
            inline_threshold: Duration::from_micros(50),
            deadline: true,
        }
    }
}

/// The CPUs this process may use: its affinity mask and cgroup quota, as
/// `std::thread::available_parallelism` reads them, or 1 when unknown. The
/// one rule every CPU-dependent default follows, in the runtime and in both
/// servers (the Python service reads it through the binding).
#[must_use]
pub fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// A WebAssembly page is 64 KiB.
pub(crate) const WASM_PAGE: usize = 64 << 10;

impl RuntimeConfig {
    /// Checks every setting, naming the one that is wrong.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a zero or out-of-range setting.
    pub fn validate(&self) -> Result<(), Error> {
        let invalid =
            |setting: &'static str, reason: String| Err(Error::InvalidConfig { setting, reason });
        if self.timeout.is_zero() || self.timeout > Duration::from_hours(24) {
            return invalid(
                "timeout_s",
                format!("{:?} is not in (0 s, 86400 s]", self.timeout),
            );
        }
        if self.max_memory_bytes < WASM_PAGE || self.max_memory_bytes > 4 << 30 {
            return invalid(
                "max_memory_mb",
                format!(
                    "{} bytes is not between one 64 KiB page and 4 GiB",
                    self.max_memory_bytes
                ),
            );
        }
        if self.max_stack_bytes < 16 << 10 || self.max_stack_bytes > 64 << 20 {
            return invalid(
                "max_stack_bytes",
                format!(
                    "{} bytes is not between 16 KiB and 64 MiB",
                    self.max_stack_bytes
                ),
            );
        }
        if self.max_module_bytes == 0 {
            return invalid("max_module_bytes", "must be at least 1".into());
        }
        if self.max_instances == 0 {
            return invalid("max_instances", "must be at least 1".into());
        }
        let native = crate::Cpu::Native.features();
        if let Some(missing) = self
            .cpu
            .features()
            .into_iter()
            .find(|f| !native.contains(f))
        {
            return invalid(
                "cpu",
                format!(
                    "this machine lacks {missing}, which {} assumes",
                    self.cpu.name()
                ),
            );
        }
        if self.max_resources == 0 {
            return invalid("max_resources", "must be at least 1".into());
        }
        if let Some(pool_size) = self.pool_size
            && pool_size > self.max_instances as usize
        {
            return invalid(
                "pool_size",
                format!(
                    "{pool_size} is more than max_instances ({})",
                    self.max_instances
                ),
            );
        }
        if self.max_output_bytes > 64 << 20 {
            return invalid(
                "max_output_bytes",
                format!("{} bytes is more than 64 MiB", self.max_output_bytes),
            );
        }
        if self.call_threads.is_some_and(|n| n == 0 || n > 1024) {
            return invalid(
                "call_threads",
                format!("{:?} is not in [1, 1024]", self.call_threads),
            );
        }
        if !(0..=19).contains(&self.call_thread_nice) {
            return invalid(
                "call_thread_nice",
                format!("{} is not in [0, 19]", self.call_thread_nice),
            );
        }
        if self.inline_threshold > self.epoch_tick {
            return invalid(
                "inline_threshold_us",
                format!(
                    "{:?} is more than the epoch tick ({:?}), the longest an inline call may run",
                    self.inline_threshold, self.epoch_tick
                ),
            );
        }
        if self.epoch_tick.is_zero() || self.epoch_tick > self.timeout {
            return invalid(
                "epoch_tick",
                format!("{:?} is not in (0, timeout]", self.epoch_tick),
            );
        }
        Ok(())
    }

    /// The instances a pooled module creates up front: `pool_size`, or by
    /// default [`available_cores`], at most 16 and at most `max_instances`.
    #[must_use]
    pub fn pool_size(&self) -> usize {
        self.pool_size
            .unwrap_or_else(|| available_cores().min(16).min(self.max_instances as usize))
    }

    /// The threads that run handed-off calls: `call_threads`, or by default
    /// twice [`available_cores`], at least 2.
    #[must_use]
    pub fn call_threads(&self) -> usize {
        self.call_threads
            .unwrap_or_else(|| (2 * available_cores()).max(2))
    }

    /// The epoch deadline, in ticks, of one call. One tick more than the
    /// timeout divided by the tick, so a call never stops early: the next tick
    /// may come at once after the deadline is set.
    /// Epoch ticks for a deadline of `timeout`: never early, at most one
    /// tick late.
    pub(crate) fn deadline_ticks(&self, timeout: Duration) -> u64 {
        let ticks = timeout.as_nanos().div_ceil(self.epoch_tick.as_nanos());
        u64::try_from(ticks).unwrap_or(u64::MAX - 1) + 1
    }
}

/// Limits for one module or component, tighter than its runtime's, and
/// what a component is granted (`Runtime::load_with`): a server gives each
/// of its modules its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// The deadline of one call; default the runtime's `timeout`.
    pub timeout: Option<Duration>,
    /// The linear-memory cap of one instance; default the runtime's
    /// `max_memory_bytes`.
    pub max_memory_bytes: Option<usize>,
    /// Where a caller that must not block runs its calls; default
    /// [`Placement::Measured`]. Without a deadline, `Measured` means
    /// [`Placement::Threads`], and `Inline` is refused.
    pub placement: Placement,
    /// Whether calls run under a deadline; default the runtime's `deadline`
    /// (see [`RuntimeConfig::deadline`] for what turning it off gives up).
    pub deadline: Option<bool>,
    /// What a component may reach beyond deny-by-default: read-only
    /// directories and environment variables. A core module has no WASI,
    /// so it can be granted nothing.
    pub grants: crate::Grants,
    /// A precompiled artifact of the bytes ([`crate::compile_artifact`]),
    /// used when it passes every check (`artifact.rs`), else the bytes are
    /// compiled and [`crate::LoadInfo::artifact`] says why. `Runtime::load`
    /// looks beside the file (`NAME.cwasm`) when this is `None`.
    pub artifact: Option<PathBuf>,
}

/// Where a caller that must not block (an event loop, a server's async
/// worker) runs a function's calls: inline, in its own thread, or on one of
/// the runtime's call threads.
///
/// Inline costs the least, and holds up everything else the caller serves
/// for as long as the call runs, so an inline call is preempted at the next
/// epoch tick (`epoch_tick`, 5 ms by default): its instance is thrown away
/// and the call runs again on a call thread. That is safe because an
/// instance is the only state a call has; what a preempted call wrote to
/// stdout or stderr is lost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Placement {
    /// By measurement: a function runs inline once its last
    /// [`INLINE_STREAK`] calls each took less than `inline_threshold`, and
    /// goes back to the call threads as soon as one call takes longer (or is
    /// preempted). A function starts on the call threads.
    #[default]
    Measured,
    /// Declared cheap: always inline (still preempted at the next tick).
    Inline,
    /// Declared heavy: always on a call thread.
    Threads,
}

/// Consecutive calls under `inline_threshold` after which a function runs
/// inline ([`Placement::Measured`]).
pub const INLINE_STREAK: u32 = 8;

impl Placement {
    /// `"measured"`, `"inline"` or `"threads"`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Measured => "measured",
            Self::Inline => "inline",
            Self::Threads => "threads",
        }
    }
}

impl FromStr for Placement {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "measured" => Ok(Self::Measured),
            "inline" => Ok(Self::Inline),
            "threads" => Ok(Self::Threads),
            _ => Err(Error::InvalidConfig {
                setting: "placement",
                reason: format!("{s:?} is not one of \"measured\", \"inline\", \"threads\""),
            }),
        }
    }
}

/// The limits a pool enforces: its runtime's, or tighter ones.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// The deadline of one call; with `deadline` off, only what a server
    /// waits for an answer.
    pub(crate) timeout: Duration,
    pub(crate) max_memory_bytes: usize,
    pub(crate) placement: Placement,
    /// Whether the engine checks the epoch, so a call can be stopped.
    pub(crate) deadline: bool,
}

impl Limits {
    /// The deadline of one call: the pool's, or `timeout` when it is
    /// tighter.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming `timeout_s` when `timeout` is zero or
    /// looser than the pool's deadline: a call may only tighten it; and when
    /// the pool has no deadline to tighten.
    pub(crate) fn call_timeout(&self, timeout: Option<Duration>) -> Result<Duration, Error> {
        match timeout {
            None => Ok(self.timeout),
            Some(_) if !self.deadline => Err(Error::InvalidConfig {
                setting: "timeout_s",
                reason: "this function runs without a deadline (deadline = false), so a call cannot set one".into(),
            }),
            Some(t) if !t.is_zero() && t <= self.timeout => Ok(t),
            Some(t) => Err(Error::InvalidConfig {
                setting: "timeout_s",
                reason: format!(
                    "{:.3} s is not in (0, {:.3}] s: a call may only tighten its function's deadline",
                    t.as_secs_f64(),
                    self.timeout.as_secs_f64()
                ),
            }),
        }
    }
}

impl LoadOptions {
    /// The limits these options give under `config`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] when an option is zero or looser than the
    /// runtime's own limit: options may only tighten.
    pub(crate) fn limits(&self, config: &RuntimeConfig) -> Result<Limits, Error> {
        let timeout = self.timeout.unwrap_or(config.timeout);
        if timeout.is_zero() || timeout > config.timeout {
            return Err(Error::InvalidConfig {
                setting: "timeout",
                reason: format!(
                    "{:.3} s is not in (0, {:.3}] s, the runtime's timeout",
                    timeout.as_secs_f64(),
                    config.timeout.as_secs_f64()
                ),
            });
        }
        let max_memory_bytes = self.max_memory_bytes.unwrap_or(config.max_memory_bytes);
        if max_memory_bytes == 0 || max_memory_bytes > config.max_memory_bytes {
            return Err(Error::InvalidConfig {
                setting: "max_memory_bytes",
                reason: format!(
                    "{max_memory_bytes} bytes is not in [1, {}], the runtime's cap",
                    config.max_memory_bytes
                ),
            });
        }
        let deadline = self.deadline.unwrap_or(config.deadline);
        let placement = match (deadline, self.placement) {
            (true, placement) => placement,
            (false, Placement::Inline) => {
                return Err(Error::InvalidConfig {
                    setting: "placement",
                    reason: "\"inline\" needs the deadline: without it an inline call cannot be preempted".into(),
                });
            }
            (false, Placement::Measured | Placement::Threads) => Placement::Threads,
        };
        Ok(Limits {
            timeout,
            max_memory_bytes,
            placement,
            deadline,
        })
    }
}

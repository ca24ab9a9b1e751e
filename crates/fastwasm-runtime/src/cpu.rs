//! CPU baselines: what compiled code may assume of the processor, from
//! `native` (this machine) to documented portable levels.

use std::str::FromStr;

use crate::Error;

/// A CPU baseline compiled code may assume: `native` (this machine's
/// features), or a documented portable level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Cpu {
    /// Every feature this machine has: the fastest code, for this machine
    /// (and its exact kind) only.
    #[default]
    Native,
    /// x86-64-v2 (2009 on): SSE3, SSSE3, SSE4.1, SSE4.2, POPCNT, CMPXCHG16B.
    X86_64V2,
    /// x86-64-v3 (2015 on): v2 and AVX, AVX2, BMI1, BMI2, FMA, LZCNT.
    X86_64V3,
    /// x86-64-v4: v3 and AVX-512 F, VL, DQ.
    X86_64V4,
    /// aarch64 with the ARMv8.0 base features only.
    Aarch64V8,
    /// aarch64 ARMv8.1 on: the base and LSE atomics.
    Aarch64V81,
}

const X86_V2: &[&str] = &[
    "has_sse3",
    "has_ssse3",
    "has_sse41",
    "has_sse42",
    "has_popcnt",
    "has_cmpxchg16b",
];
const X86_V3: &[&str] = &[
    "has_avx",
    "has_avx2",
    "has_bmi1",
    "has_bmi2",
    "has_fma",
    "has_lzcnt",
];
const X86_V4: &[&str] = &["has_avx512f", "has_avx512vl", "has_avx512dq"];

impl Cpu {
    /// Every baseline, by name.
    pub const ALL: [Self; 6] = [
        Self::Native,
        Self::X86_64V2,
        Self::X86_64V3,
        Self::X86_64V4,
        Self::Aarch64V8,
        Self::Aarch64V81,
    ];

    /// `native`, `x86-64-v2`, `x86-64-v3`, `x86-64-v4`, `aarch64-v8` or `aarch64-v8.1`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Native => "native",
            Self::X86_64V2 => "x86-64-v2",
            Self::X86_64V3 => "x86-64-v3",
            Self::X86_64V4 => "x86-64-v4",
            Self::Aarch64V8 => "aarch64-v8",
            Self::Aarch64V81 => "aarch64-v8.1",
        }
    }

    /// The architecture a portable level is for (`None` for native).
    const fn arch(self) -> Option<&'static str> {
        match self {
            Self::Native => None,
            Self::X86_64V2 | Self::X86_64V3 | Self::X86_64V4 => Some("x86_64"),
            Self::Aarch64V8 | Self::Aarch64V81 => Some("aarch64"),
        }
    }

    /// The code generator's CPU feature flags the baseline turns on; for
    /// native, the ones this machine has.
    #[must_use]
    pub fn features(self) -> Vec<&'static str> {
        let levels: &[&[&str]] = match self {
            Self::Native => return native_features(),
            Self::X86_64V2 => &[X86_V2],
            Self::X86_64V3 => &[X86_V2, X86_V3],
            Self::X86_64V4 => &[X86_V2, X86_V3, X86_V4],
            Self::Aarch64V8 => &[],
            Self::Aarch64V81 => &[&["has_lse"]],
        };
        levels
            .iter()
            .flat_map(|level| level.iter().copied())
            .collect()
    }

    /// Sets `config` to compile for this baseline.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming `cpu` for a level of another
    /// architecture than this machine's: this build compiles for its own.
    pub(crate) fn configure(self, config: &mut wasmtime::Config) -> Result<(), Error> {
        let Some(arch) = self.arch() else {
            return Ok(());
        };
        if arch != std::env::consts::ARCH {
            return Err(Error::InvalidConfig {
                setting: "cpu",
                reason: format!(
                    "{} is a level for {arch}, and this build compiles for {}",
                    self.name(),
                    std::env::consts::ARCH
                ),
            });
        }
        let triple = format!("{arch}-unknown-linux-gnu");
        config
            .target(&triple)
            .map_err(|e| Error::engine("cannot target the CPU baseline", e))?;
        for flag in self.features() {
            // SAFETY: code compiled with a feature runs only where the CPU
            // has it: a runtime checks its own baseline against this machine
            // (`RuntimeConfig::validate`), and wasmtime's `deserialize`
            // checks an artifact's features against the host's.
            unsafe {
                config.cranelift_flag_enable(flag);
            }
        }
        Ok(())
    }
}

impl FromStr for Cpu {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|cpu| cpu.name() == name)
            .ok_or_else(|| Error::InvalidConfig {
                setting: "cpu",
                reason: format!(
                    "{name:?} is not a CPU baseline: one of {}",
                    Self::ALL.map(Self::name).join(", ")
                ),
            })
    }
}

/// The feature flags of every level of this machine's architecture that it
/// has (what `native` compiles for, as far as the levels go).
fn native_features() -> Vec<&'static str> {
    let mut features = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        macro_rules! has {
            ($($flag:literal => $feature:tt),* $(,)?) => {
                $(if std::arch::is_x86_feature_detected!($feature) { features.push($flag); })*
            };
        }
        has!(
            "has_sse3" => "sse3", "has_ssse3" => "ssse3", "has_sse41" => "sse4.1",
            "has_sse42" => "sse4.2", "has_popcnt" => "popcnt", "has_cmpxchg16b" => "cmpxchg16b",
            "has_avx" => "avx", "has_avx2" => "avx2", "has_bmi1" => "bmi1", "has_bmi2" => "bmi2",
            "has_fma" => "fma", "has_lzcnt" => "lzcnt", "has_avx512f" => "avx512f",
            "has_avx512vl" => "avx512vl", "has_avx512dq" => "avx512dq",
        );
    }
    #[cfg(target_arch = "aarch64")]
    if std::arch::is_aarch64_feature_detected!("lse") {
        features.push("has_lse");
    }
    features
}

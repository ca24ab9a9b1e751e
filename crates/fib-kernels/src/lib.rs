//! Fibonacci kernels: the pure algorithms behind every fastwasm method.
//!
//! `#![no_std]` with `alloc` and no I/O, so the same code runs natively, inside
//! the WASM guest and inside the Python extension.
//!
//! Two families:
//! - **u64** ([`iterative`], [`recursive`], [`fast_doubling`]): exact or an
//!   [`FibError::U64Overflow`]; they never wrap. F(93) is the largest Fibonacci
//!   number that fits in a `u64`.
//! - **exact big integers** ([`big::iterative`], [`big::fast_doubling`], and
//!   [`decimal`] for the decimal digits), for any `n` that fits in memory.
//!
//! ```
//! use fib_kernels::{Algorithm, FibError};
//!
//! assert_eq!(fib_kernels::fast_doubling(93), Ok(12_200_160_415_121_876_738));
//! assert_eq!(fib_kernels::iterative(94), Err(FibError::U64Overflow { n: 94 }));
//!
//! let digits = fib_kernels::decimal(Algorithm::FastDoubling, 100)?;
//! assert_eq!(digits, "354224848179261915075");
//! # Ok::<(), FibError>(())
//! ```
#![no_std]

extern crate alloc;

pub mod big;
mod error;

use core::fmt;
use core::str::FromStr;

use alloc::string::{String, ToString};

pub use error::FibError;

/// The largest `n` whose F(n) fits in a `u64`: F(93) = 12200160415121876738.
pub const MAX_U64_N: u32 = 93;

/// The largest recursive `n` cheap enough to run without leaving the caller's
/// thread: F(12) takes a few hundred calls, well under a microsecond natively
/// and a few in pure Python. Every layer decides "heavy" by [`Algorithm::is_cheap`].
pub const CHEAP_MAX_N_RECURSIVE: u32 = 12;

/// The Fibonacci algorithms. One list, shared by the guest ABI, the runtime,
/// the HTTP API and the tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// Linear-time loop of additions.
    Iterative,
    /// The naive exponential recursion, kept on purpose as the CPU-heavy case.
    Recursive,
    /// O(log n) steps using F(2k) and F(2k+1).
    FastDoubling,
}

impl Algorithm {
    /// Every algorithm, in ABI-code order.
    pub const ALL: [Algorithm; 3] = [Self::Iterative, Self::Recursive, Self::FastDoubling];

    /// The name used in URLs, settings and reports (`"fast_doubling"`, ...).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Iterative => "iterative",
            Self::Recursive => "recursive",
            Self::FastDoubling => "fast_doubling",
        }
    }

    /// The number that stands for this algorithm in the guest ABI
    /// (`docs/guest-abi.md`): 0, 1 or 2.
    #[must_use]
    pub const fn code(self) -> u32 {
        match self {
            Self::Iterative => 0,
            Self::Recursive => 1,
            Self::FastDoubling => 2,
        }
    }

    /// The algorithm for an ABI code, if there is one.
    #[must_use]
    pub const fn from_code(code: u32) -> Option<Self> {
        match code {
            0 => Some(Self::Iterative),
            1 => Some(Self::Recursive),
            2 => Some(Self::FastDoubling),
            _ => None,
        }
    }

    /// The largest `n` this algorithm accepts at all, if it has a limit of its
    /// own: the naive recursion is a `u64` algorithm, so it stops at
    /// [`MAX_U64_N`]. The others take any `u32` (memory permitting).
    #[must_use]
    pub const fn max_n(self) -> Option<u32> {
        match self {
            Self::Recursive => Some(MAX_U64_N),
            Self::Iterative | Self::FastDoubling => None,
        }
    }

    /// Checks `n` against [`Algorithm::max_n`].
    ///
    /// # Errors
    /// [`FibError::U64Overflow`] for a recursive `n` past [`MAX_U64_N`].
    pub const fn check(self, n: u32) -> Result<(), FibError> {
        match self.max_n() {
            Some(max) if n > max => Err(FibError::U64Overflow { n }),
            _ => Ok(()),
        }
    }

    /// Whether F(n) by this algorithm is cheap: a `u64` result by a linear or
    /// logarithmic algorithm, or a recursion up to [`CHEAP_MAX_N_RECURSIVE`].
    /// Cheap work runs inline (on an event loop, with the GIL held); anything
    /// else is heavy, and goes to a thread or a process, under admission
    /// control. The one rule the Python service, the binding and
    /// fastwasm-server share.
    #[must_use]
    pub const fn is_cheap(self, n: u32) -> bool {
        match self {
            Self::Recursive => n <= CHEAP_MAX_N_RECURSIVE,
            Self::Iterative | Self::FastDoubling => n <= MAX_U64_N,
        }
    }

    /// F(n) as a `u64` with this algorithm.
    ///
    /// # Errors
    /// [`FibError::U64Overflow`] when n > [`MAX_U64_N`].
    pub fn u64(self, n: u32) -> Result<u64, FibError> {
        match self {
            Self::Iterative => iterative(n),
            Self::Recursive => recursive(n),
            Self::FastDoubling => fast_doubling(n),
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Algorithm {
    type Err = FibError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|a| a.name() == s)
            .ok_or_else(|| FibError::UnknownAlgorithm { name: s.into() })
    }
}

/// F(n) by a loop of checked additions.
///
/// # Errors
/// [`FibError::U64Overflow`] when F(n) does not fit in a `u64` (n > 93).
pub fn iterative(n: u32) -> Result<u64, FibError> {
    if n == 0 {
        return Ok(0);
    }
    // (a, b) = (F(i-1), F(i)); stop at i = n so F(n+1) is never needed.
    let (mut a, mut b) = (0_u64, 1_u64);
    for _ in 1..n {
        let next = a.checked_add(b).ok_or(FibError::U64Overflow { n })?;
        a = b;
        b = next;
    }
    Ok(b)
}

/// F(n) by the naive exponential recursion F(n) = F(n-1) + F(n-2).
///
/// Deliberately slow, the CPU-heavy comparison case. As written it makes
/// 2F(n+1) − 1 calls, as the Python version does; LLVM turns one of the two
/// recursive calls into a loop, so the compiled code makes about F(n+1).
///
/// # Errors
/// [`FibError::U64Overflow`] when n > 93. That is checked up front, because the
/// recursion would make about F(n) calls before a checked addition overflowed.
pub fn recursive(n: u32) -> Result<u64, FibError> {
    if n > MAX_U64_N {
        return Err(FibError::U64Overflow { n });
    }
    Ok(recursive_unchecked(n))
}

fn recursive_unchecked(n: u32) -> u64 {
    if n < 2 {
        u64::from(n)
    } else {
        recursive_unchecked(n - 1) + recursive_unchecked(n - 2)
    }
}

/// F(n) by fast doubling: F(2k) = F(k)·(2F(k+1) − F(k)), F(2k+1) = F(k)² + F(k+1)².
///
/// Works in `u128` with checked operations, so overflow is detected, never wrapped.
///
/// # Errors
/// [`FibError::U64Overflow`] when F(n) does not fit in a `u64` (n > 93).
pub fn fast_doubling(n: u32) -> Result<u64, FibError> {
    let overflow = || FibError::U64Overflow { n };
    // (a, b) = (F(k), F(k+1)) for k = the bits of n read so far.
    let (mut a, mut b) = (0_u128, 1_u128);
    for bit in (0..u32::BITS - n.leading_zeros()).rev() {
        let two_b_minus_a = b.checked_mul(2).ok_or_else(overflow)? - a;
        let c = a.checked_mul(two_b_minus_a).ok_or_else(overflow)?;
        let d = a
            .checked_mul(a)
            .zip(b.checked_mul(b))
            .and_then(|(a2, b2)| a2.checked_add(b2))
            .ok_or_else(overflow)?;
        (a, b) = if (n >> bit) & 1 == 1 {
            (d, c.checked_add(d).ok_or_else(overflow)?)
        } else {
            (c, d)
        };
    }
    u64::try_from(a).map_err(|_| overflow())
}

/// The exact decimal digits of F(n), computed with `algorithm`.
///
/// Iterative and fast doubling work on big integers and accept any `n`
/// (memory permitting); recursive is a `u64` algorithm.
///
/// # Errors
/// [`FibError::U64Overflow`] for [`Algorithm::Recursive`] when n > 93.
pub fn decimal(algorithm: Algorithm, n: u32) -> Result<String, FibError> {
    #[cfg(not(target_arch = "wasm32"))]
    use big as bigint;
    #[cfg(target_arch = "wasm32")]
    use big::wasm as bigint;
    algorithm.check(n)?;
    Ok(match algorithm {
        Algorithm::Iterative => bigint::iterative(n).to_string(),
        Algorithm::FastDoubling => bigint::fast_doubling(n).to_string(),
        Algorithm::Recursive => recursive(n)?.to_string(),
    })
}

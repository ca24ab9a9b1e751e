//! The Fibonacci facade over [`fastwasm_runtime`]: F(n) from the fastwasm
//! guest (`fibonacci_wasm.wasm`, docs/guest-abi.md), typed, checked and exact,
//! with every call under the runtime's deadline, memory cap and cancel token.
//!
//! The runtime knows no guest in particular; this crate knows this one's ABI:
//! the `u64` exports, and `fib_decimal`, which leaves the decimal digits of
//! F(n) in guest memory for the host to read and give back. It resolves the
//! guest's typed functions once per pooled instance ([`Lease::cached`]), so a
//! call costs what wasmtime's own typed call costs.
//!
//! Errors: [`Error::Fib`] for arguments that have no answer (a domain error:
//! the instance did nothing wrong and stays in the pool), and
//! [`Error::Runtime`] for the call's own failures.
//!
//! ```
//! use fib_host::{Algorithm, Error, FibError, FibonacciModule};
//! use fastwasm_runtime::Runtime;
//!
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../python/fastwasm/guest/fibonacci_wasm.wasm");
//! let fib = FibonacciModule::new(Runtime::new()?.load_module(path)?)?;
//! assert_eq!(fib.u64(Algorithm::Iterative, 93)?, 12_200_160_415_121_876_738);
//! assert_eq!(fib.decimal(Algorithm::FastDoubling, 100)?, "354224848179261915075");
//! assert!(matches!(
//!     fib.u64(Algorithm::Recursive, 94),
//!     Err(Error::Fib(FibError::U64Overflow { n: 94 }))
//! ));
//! # Ok::<(), Error>(())
//! ```

use fastwasm_runtime::wasmtime::{self, Memory, TypedFunc};
use fastwasm_runtime::{CallState, CancelToken, Lease, Module, Signature, Value, ValueType};
use num_bigint::BigUint;

pub use fib_kernels::{Algorithm, CHEAP_MAX_N_RECURSIVE, FibError, MAX_U64_N};

/// The ABI version this host speaks (`fastwasm_abi_version`).
pub const ABI_VERSION: u32 = 1;

/// The u64 export of each algorithm, in [`Algorithm::ALL`] order.
const U64_EXPORTS: [&str; 3] = ["fib_iterative", "fib_recursive", "fib_fast_doubling"];
const TUTORIAL_EXPORT: &str = "calculate_fibonacci";
const DECIMAL: &str = "fib_decimal";
const DECIMAL_FREE: &str = "fib_decimal_free";
const VERSION: &str = "fastwasm_abi_version";

/// `fib_decimal` error codes, as in the guest.
const UNKNOWN_ALGORITHM: u32 = 1;
const U64_OVERFLOW: u32 = 2;

/// Everything the facade can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The call failed, or the module is not a fastwasm guest.
    #[error(transparent)]
    Runtime(#[from] fastwasm_runtime::Error),
    /// The arguments have no answer (F(94) from a `u64` kernel, say).
    #[error(transparent)]
    Fib(#[from] FibError),
}

/// An exact F(n): a `u64` when it fits, else its decimal digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FibValue {
    /// n ≤ 93.
    U64(u64),
    /// The decimal digits, no sign, no leading zeros.
    Digits(String),
}

impl FibValue {
    /// The decimal digits, for either kind.
    #[must_use]
    pub fn to_digits(&self) -> String {
        match self {
            Self::U64(v) => v.to_string(),
            Self::Digits(d) => d.clone(),
        }
    }

    /// As a big integer; `None` only for `Digits` that are not decimal digits,
    /// which a value from this crate never is.
    #[must_use]
    pub fn to_big(&self) -> Option<BigUint> {
        match self {
            Self::U64(v) => Some(BigUint::from(*v)),
            Self::Digits(d) => d.parse().ok(),
        }
    }
}

/// F(n) by the kernels compiled into this process: no sandbox, no deadline.
/// The same algorithms as the guest's, for comparisons.
///
/// # Errors
/// [`FibError::U64Overflow`] for a recursive n past [`MAX_U64_N`].
pub fn native(algorithm: Algorithm, n: u32) -> Result<FibValue, FibError> {
    algorithm.check(n)?;
    if n <= MAX_U64_N {
        algorithm.u64(n).map(FibValue::U64)
    } else {
        fib_kernels::decimal(algorithm, n).map(FibValue::Digits)
    }
}

/// F(n) natively as a big integer, for callers that want the number (an
/// exact `int` in Python), not its digits.
///
/// # Errors
/// [`FibError::U64Overflow`] for a recursive n past [`MAX_U64_N`].
pub fn native_big(algorithm: Algorithm, n: u32) -> Result<BigUint, FibError> {
    algorithm.check(n)?;
    Ok(match algorithm {
        Algorithm::FastDoubling => fib_kernels::big::fast_doubling(n),
        Algorithm::Iterative => fib_kernels::big::iterative(n),
        Algorithm::Recursive => BigUint::from(algorithm.u64(n)?),
    })
}

/// The guest's typed exports, resolved once per instance.
struct Exports {
    // The guest's u64 travels as a WASM i64; typing the result as u64 makes
    // wasmtime hand back the same bits as unsigned, so F(93) stays positive.
    by_algorithm: [TypedFunc<u32, u64>; 3],
    decimal: TypedFunc<(u32, u32), u64>,
    free: TypedFunc<(u32, u32), ()>,
    memory: Memory,
}

impl Exports {
    fn resolve(
        store: &mut wasmtime::Store<CallState>,
        instance: wasmtime::Instance,
    ) -> wasmtime::Result<Self> {
        Ok(Self {
            by_algorithm: [
                instance.get_typed_func(&mut *store, U64_EXPORTS[0])?,
                instance.get_typed_func(&mut *store, U64_EXPORTS[1])?,
                instance.get_typed_func(&mut *store, U64_EXPORTS[2])?,
            ],
            decimal: instance.get_typed_func(&mut *store, DECIMAL)?,
            free: instance.get_typed_func(&mut *store, DECIMAL_FREE)?,
            memory: instance
                .get_memory(&mut *store, "memory")
                .ok_or_else(|| wasmtime::Error::new(abi_error("no exported memory")))?,
        })
    }

    fn of<'a>(
        lease: &'a mut Lease<'_>,
    ) -> wasmtime::Result<(&'a Self, &'a mut wasmtime::Store<CallState>)> {
        lease.cached(Self::resolve)
    }
}

/// F(n) computed inside the fastwasm guest, with every call under the
/// runtime's limits. Cheap to clone.
#[derive(Clone)]
pub struct FibonacciModule {
    module: Module,
}

impl FibonacciModule {
    /// Wraps a loaded module after checking that it speaks the ABI: every
    /// export with its exact signature, and `fastwasm_abi_version() == 1`.
    ///
    /// # Errors
    /// [`fastwasm_runtime::Error::MissingExport`] or
    /// [`fastwasm_runtime::Error::WrongSignature`] (as [`Error::Runtime`]), or
    /// [`fastwasm_runtime::Error::Abi`] for another ABI version.
    pub fn new(module: Module) -> Result<Self, Error> {
        use ValueType::{I32, I64};
        for name in U64_EXPORTS.iter().chain(&[TUTORIAL_EXPORT]) {
            module.require(name, &Signature::new(&[I32], &[I64]))?;
        }
        module.require(DECIMAL, &Signature::new(&[I32, I32], &[I64]))?;
        module.require(DECIMAL_FREE, &Signature::new(&[I32, I32], &[]))?;
        module.require(VERSION, &Signature::new(&[], &[I32]))?;
        let version = module.call(VERSION, &[])?;
        if version != [Value::I32(ABI_VERSION.cast_signed())] {
            let reason =
                format!("the module speaks ABI {version:?}, this host speaks {ABI_VERSION}");
            return Err(fastwasm_runtime::Error::abi(VERSION, reason).into());
        }
        Ok(Self { module })
    }

    /// The underlying module.
    #[must_use]
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// F(n) as a `u64`.
    ///
    /// # Errors
    /// [`FibError::U64Overflow`] (as [`Error::Fib`]) when n > 93, checked
    /// before any call; the call's failures as [`Error::Runtime`].
    pub fn u64(&self, algorithm: Algorithm, n: u32) -> Result<u64, Error> {
        self.u64_with(algorithm, n, None)
    }

    fn u64_with(
        &self,
        algorithm: Algorithm,
        n: u32,
        cancel: Option<&CancelToken>,
    ) -> Result<u64, Error> {
        if n > MAX_U64_N {
            return Err(FibError::U64Overflow { n }.into());
        }
        let export = U64_EXPORTS[algorithm.code() as usize];
        Ok(self.module.with_instance(export, cancel, |lease| {
            let (exports, store) = Exports::of(lease)?;
            exports.by_algorithm[algorithm.code() as usize].call(store, n)
        })?)
    }

    /// The exact decimal digits of F(n): past 93 read from guest memory and
    /// given back, up to 93 the `u64` export's answer formatted here.
    ///
    /// # Errors
    /// [`Error::Fib`] for an n the algorithm cannot do (recursive past 93);
    /// [`fastwasm_runtime::Error::Abi`] if the guest returns a bad buffer; the
    /// call's failures.
    pub fn decimal(&self, algorithm: Algorithm, n: u32) -> Result<String, Error> {
        self.decimal_with(algorithm, n, None)
    }

    /// As [`FibonacciModule::decimal`], stopped once `cancel` is cancelled.
    ///
    /// # Errors
    /// As [`FibonacciModule::decimal`], and
    /// [`fastwasm_runtime::Error::Cancelled`].
    pub fn decimal_cancellable(
        &self,
        algorithm: Algorithm,
        n: u32,
        cancel: &CancelToken,
    ) -> Result<String, Error> {
        self.decimal_with(algorithm, n, Some(cancel))
    }

    fn decimal_with(
        &self,
        algorithm: Algorithm,
        n: u32,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        algorithm.check(n)?;
        if n <= MAX_U64_N {
            // A u64 and Rust's formatting: cheaper than the decimal export,
            // which moves a buffer through guest memory.
            return Ok(self.u64_with(algorithm, n, cancel)?.to_string());
        }
        let answer = self.module.with_instance(DECIMAL, cancel, |lease| {
            let (exports, store) = Exports::of(lease)?;
            let packed = exports.decimal.call(&mut *store, (algorithm.code(), n))?;
            let (ptr, len) = ((packed >> 32) as u32, packed as u32);
            if ptr == 0 {
                // The guest said no: a domain error, and the instance is healthy.
                return match len {
                    U64_OVERFLOW => Ok(Err(FibError::U64Overflow { n })),
                    UNKNOWN_ALGORITHM => Ok(Err(FibError::UnknownAlgorithm {
                        name: algorithm.to_string(),
                    })),
                    code => Err(abi_error(&format!("unknown error code {code}")).into()),
                };
            }
            let digits = exports
                .memory
                .data(&*store)
                .get(ptr as usize..ptr as usize + len as usize)
                .ok_or_else(|| abi_error(&format!("buffer {ptr}+{len} is outside memory")))?;
            if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return Err(abi_error("the buffer is not decimal digits").into());
            }
            let digits = String::from_utf8_lossy(digits).into_owned();
            exports.free.call(store, (ptr, len))?;
            Ok(Ok(digits))
        })?;
        Ok(answer?)
    }

    /// F(n) exactly: the u64 export when n ≤ 93, else the decimal digits.
    ///
    /// # Errors
    /// As [`FibonacciModule::u64`] and [`FibonacciModule::decimal`].
    pub fn compute(&self, algorithm: Algorithm, n: u32) -> Result<FibValue, Error> {
        self.compute_with(algorithm, n, None)
    }

    /// As [`FibonacciModule::compute`], stopped once `cancel` is cancelled:
    /// for a caller that may stop wanting the answer, like a web request
    /// whose client has gone away.
    ///
    /// # Errors
    /// As [`FibonacciModule::compute`], and
    /// [`fastwasm_runtime::Error::Cancelled`].
    pub fn compute_cancellable(
        &self,
        algorithm: Algorithm,
        n: u32,
        cancel: &CancelToken,
    ) -> Result<FibValue, Error> {
        self.compute_with(algorithm, n, Some(cancel))
    }

    fn compute_with(
        &self,
        algorithm: Algorithm,
        n: u32,
        cancel: Option<&CancelToken>,
    ) -> Result<FibValue, Error> {
        algorithm.check(n)?;
        if n <= MAX_U64_N {
            self.u64_with(algorithm, n, cancel).map(FibValue::U64)
        } else {
            self.decimal_with(algorithm, n, cancel)
                .map(FibValue::Digits)
        }
    }
}

fn abi_error(reason: &str) -> fastwasm_runtime::Error {
    fastwasm_runtime::Error::abi(DECIMAL, reason)
}

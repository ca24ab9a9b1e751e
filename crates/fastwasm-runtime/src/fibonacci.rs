//! The Fibonacci facade over the fastwasm guest ABI (docs/guest-abi.md).

use fib_kernels::{Algorithm, FibError, MAX_U64_N};
use num_bigint::BigUint;

use crate::module::{CallState, Slot};
use crate::value::{Signature, ValueType};
use crate::{CancelToken, Error, Module};

/// The ABI version this host speaks (`fastwasm_abi_version`).
pub const ABI_VERSION: u32 = 1;

/// The u64 export of each algorithm, in [`Algorithm::ALL`] order.
const U64_EXPORTS: [&str; 3] = ["fib_iterative", "fib_recursive", "fib_fast_doubling"];
const DECIMAL: &str = "fib_decimal";
const DECIMAL_FREE: &str = "fib_decimal_free";

/// `fib_decimal` error codes, as in the guest.
const UNKNOWN_ALGORITHM: u32 = 1;
const U64_OVERFLOW: u32 = 2;

/// The typed exports, resolved once per instance.
pub(crate) struct FibFuncs {
    // The guest's u64 travels as a WASM i64; typing the result as u64 makes
    // wasmtime hand back the same bits as unsigned, so F(93) stays positive.
    by_algorithm: [wasmtime::TypedFunc<u32, u64>; 3],
    decimal: wasmtime::TypedFunc<(u32, u32), u64>,
    free: wasmtime::TypedFunc<(u32, u32), ()>,
    memory: wasmtime::Memory,
}

impl FibFuncs {
    /// Resolves the exports into `slot.fib` on the slot's first Fibonacci call.
    /// (Cloning a `TypedFunc` touches wasmtime's type registry, so they are
    /// borrowed from the slot, never cloned per call.)
    fn ensure(slot: &mut Slot) -> wasmtime::Result<(&Self, &mut wasmtime::Store<CallState>)> {
        if slot.fib.is_none() {
            slot.fib = Some(Self::resolve(slot.instance, &mut slot.store)?);
        }
        match (&slot.fib, &mut slot.store) {
            (Some(funcs), store) => Ok((funcs, store)),
            (None, _) => Err(wasmtime::format_err!(
                "the Fibonacci exports were not resolved"
            )),
        }
    }

    fn resolve(
        instance: wasmtime::Instance,
        store: &mut wasmtime::Store<CallState>,
    ) -> wasmtime::Result<Self> {
        let by_algorithm = [
            instance.get_typed_func(&mut *store, U64_EXPORTS[0])?,
            instance.get_typed_func(&mut *store, U64_EXPORTS[1])?,
            instance.get_typed_func(&mut *store, U64_EXPORTS[2])?,
        ];
        Ok(Self {
            by_algorithm,
            decimal: instance.get_typed_func(&mut *store, DECIMAL)?,
            free: instance.get_typed_func(&mut *store, DECIMAL_FREE)?,
            memory: instance
                .get_memory(&mut *store, "memory")
                .ok_or_else(|| wasmtime::format_err!("no exported memory"))?,
        })
    }
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
    /// As a big integer.
    ///
    /// # Errors
    /// [`Error::Abi`] when the digits do not parse (a guest that broke the ABI).
    pub fn into_big(self) -> Result<BigUint, Error> {
        match self {
            Self::U64(v) => Ok(BigUint::from(v)),
            Self::Digits(d) => BigUint::parse_bytes(d.as_bytes(), 10)
                .ok_or_else(|| abi_error("the digits do not parse".into())),
        }
    }

    /// The decimal digits, for either kind.
    #[must_use]
    pub fn to_digits(&self) -> String {
        match self {
            Self::U64(v) => v.to_string(),
            Self::Digits(d) => d.clone(),
        }
    }
}

/// F(n) computed inside the fastwasm guest, with every call under the
/// runtime's limits.
///
/// ```no_run
/// use fastwasm_runtime::{Runtime, FibonacciModule};
/// use fib_kernels::Algorithm;
///
/// let runtime = Runtime::new()?;
/// let fib = FibonacciModule::new(runtime.load("python/fastwasm/modules/fibonacci_wasm.wasm")?)?;
/// assert_eq!(fib.u64(Algorithm::Iterative, 93)?, 12_200_160_415_121_876_738);
/// assert_eq!(fib.decimal(Algorithm::FastDoubling, 100)?, "354224848179261915075");
/// # Ok::<(), fastwasm_runtime::Error>(())
/// ```
#[derive(Clone)]
pub struct FibonacciModule {
    module: Module,
}

impl FibonacciModule {
    /// Wraps a loaded module after checking that it speaks the ABI: every
    /// export with its exact signature, and `fastwasm_abi_version() == 1`.
    ///
    /// # Errors
    /// [`Error::MissingExport`], [`Error::WrongSignature`], or [`Error::Abi`]
    /// for another ABI version.
    pub fn new(module: Module) -> Result<Self, Error> {
        use ValueType::{I32, I64};
        for name in U64_EXPORTS.iter().chain(&["calculate_fibonacci"]) {
            module.require(name, &Signature::new(&[I32], &[I64]))?;
        }
        module.require(DECIMAL, &Signature::new(&[I32, I32], &[I64]))?;
        module.require(DECIMAL_FREE, &Signature::new(&[I32, I32], &[]))?;
        module.require("fastwasm_abi_version", &Signature::new(&[], &[I32]))?;
        let version = module.call("fastwasm_abi_version", &[])?;
        if version != [crate::Value::I32(ABI_VERSION.cast_signed())] {
            return Err(Error::Abi {
                export: "fastwasm_abi_version".into(),
                reason: format!(
                    "the module speaks ABI {version:?}, this host speaks {ABI_VERSION}"
                ),
            });
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
    /// before any call; [`Error::Timeout`] and the other call errors.
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
        self.module.with_slot(export, cancel, |slot| {
            let (funcs, store) = FibFuncs::ensure(slot)?;
            funcs.by_algorithm[algorithm.code() as usize].call(store, n)
        })
    }

    /// The exact decimal digits of F(n), read from guest memory and given back.
    ///
    /// # Errors
    /// [`Error::Fib`] for an n the algorithm cannot do (recursive past 93);
    /// [`Error::Abi`] if the guest returns a bad buffer; the call errors.
    pub fn decimal(&self, algorithm: Algorithm, n: u32) -> Result<String, Error> {
        self.decimal_with(algorithm, n, None)
    }

    /// As [`FibonacciModule::decimal`], stopped once `cancel` is cancelled.
    ///
    /// # Errors
    /// As [`FibonacciModule::decimal`], and [`Error::Cancelled`].
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
        self.module.with_slot(DECIMAL, cancel, |slot| {
            let (funcs, store) = FibFuncs::ensure(slot)?;
            let packed = funcs.decimal.call(&mut *store, (algorithm.code(), n))?;
            let (ptr, len) = ((packed >> 32) as u32, packed as u32);
            if ptr == 0 {
                let error = match len {
                    U64_OVERFLOW => Error::Fib(FibError::U64Overflow { n }),
                    UNKNOWN_ALGORITHM => Error::Fib(FibError::UnknownAlgorithm {
                        name: algorithm.to_string(),
                    }),
                    code => abi_error(format!("unknown error code {code}")),
                };
                return Err(wasmtime::Error::new(error));
            }
            let data = funcs.memory.data(&*store);
            let digits = data
                .get(ptr as usize..ptr as usize + len as usize)
                .ok_or_else(|| {
                    wasmtime::Error::new(abi_error(format!("buffer {ptr}+{len} is outside memory")))
                })?;
            if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return Err(wasmtime::Error::new(abi_error(
                    "the buffer is not decimal digits".into(),
                )));
            }
            let digits = String::from_utf8_lossy(digits).into_owned();
            funcs.free.call(store, (ptr, len))?;
            Ok(digits)
        })
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
    /// ```
    /// use fastwasm_runtime::{Algorithm, CancelToken, Error, FibonacciModule, Runtime};
    ///
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../python/fastwasm/modules/fibonacci_wasm.wasm");
    /// let runtime = Runtime::new()?;
    /// let fib = FibonacciModule::new(runtime.load(path)?)?;
    /// let cancel = CancelToken::new();
    /// assert_eq!(fib.compute_cancellable(Algorithm::Iterative, 10, &cancel)?.to_digits(), "55");
    /// cancel.cancel();
    /// let stopped = fib.compute_cancellable(Algorithm::Recursive, 60, &cancel);
    /// assert!(matches!(stopped, Err(Error::Cancelled { .. })));
    /// # Ok::<(), Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`FibonacciModule::compute`], and [`Error::Cancelled`].
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
        if n <= MAX_U64_N {
            self.u64_with(algorithm, n, cancel).map(FibValue::U64)
        } else {
            self.decimal_with(algorithm, n, cancel)
                .map(FibValue::Digits)
        }
    }

    /// F(n) as a big integer (parsed from the guest's digits when n > 93).
    ///
    /// # Errors
    /// As [`FibonacciModule::compute`].
    pub fn big(&self, algorithm: Algorithm, n: u32) -> Result<BigUint, Error> {
        self.compute(algorithm, n)?.into_big()
    }
}

fn abi_error(reason: String) -> Error {
    Error::Abi {
        export: DECIMAL.into(),
        reason,
    }
}

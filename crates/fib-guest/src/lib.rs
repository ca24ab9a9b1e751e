//! The fastwasm WASM guest (`fibonacci_wasm.wasm`): C-ABI exports over
//! [`fib_kernels`], for `wasm32-unknown-unknown`, with no imports.
//!
//! The ABI is specified in `docs/guest-abi.md`. In short:
//! - `calculate_fibonacci(n: u32) -> u64`: the tutorial's export, same values
//!   for n ≤ 93, and a trap (`unreachable`) instead of a wrapped number above.
//! - `fib_iterative`, `fib_recursive`, `fib_fast_doubling`: `(u32) -> u64`, trap
//!   on overflow the same way.
//! - `fib_decimal(algorithm: u32, n: u32) -> u64`: the exact decimal digits of
//!   F(n) in a guest buffer, returned as `ptr << 32 | len`; `ptr == 0` means
//!   `len` is an error code. The host gives it back with `fib_decimal_free`.
//! - `fastwasm_abi_version() -> u32`.
//!
//! The u64 results cross the boundary as WASM `i64`: F(93) reaches a generic
//! host as a negative number and must be reinterpreted as unsigned.

use fib_kernels::{Algorithm, FibError};

/// Bumped whenever an export changes meaning or signature.
const ABI_VERSION: u32 = 1;

/// `fib_decimal` error codes (the low 32 bits when the pointer half is 0).
mod decimal_error {
    pub const UNKNOWN_ALGORITHM: u32 = 1;
    pub const U64_OVERFLOW: u32 = 2;
}

/// Stops the guest with a trap the host can tell apart from a value.
#[cold]
fn trap() -> ! {
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
    #[cfg(not(target_arch = "wasm32"))]
    std::process::abort();
}

fn u64_or_trap(result: Result<u64, FibError>) -> u64 {
    result.unwrap_or_else(|_| trap())
}

/// The tutorial's export: F(n) by iteration; traps when n > 93.
#[unsafe(no_mangle)]
pub extern "C" fn calculate_fibonacci(n: u32) -> u64 {
    u64_or_trap(fib_kernels::iterative(n))
}

/// F(n) by iteration; traps when n > 93.
#[unsafe(no_mangle)]
pub extern "C" fn fib_iterative(n: u32) -> u64 {
    u64_or_trap(fib_kernels::iterative(n))
}

/// F(n) by the naive exponential recursion; traps when n > 93.
#[unsafe(no_mangle)]
pub extern "C" fn fib_recursive(n: u32) -> u64 {
    u64_or_trap(fib_kernels::recursive(n))
}

/// F(n) by fast doubling; traps when n > 93.
#[unsafe(no_mangle)]
pub extern "C" fn fib_fast_doubling(n: u32) -> u64 {
    u64_or_trap(fib_kernels::fast_doubling(n))
}

/// The version of this ABI (`docs/guest-abi.md`).
#[unsafe(no_mangle)]
pub extern "C" fn fastwasm_abi_version() -> u32 {
    ABI_VERSION
}

/// Writes the decimal digits of F(n) (ASCII, no sign, no terminator) into a
/// fresh guest buffer and returns `ptr << 32 | len`.
///
/// On error the pointer half is 0 and the low half is an error code.
/// The caller owns the buffer and must return it with [`fib_decimal_free`].
#[unsafe(no_mangle)]
pub extern "C" fn fib_decimal(algorithm: u32, n: u32) -> u64 {
    let Some(algorithm) = Algorithm::from_code(algorithm) else {
        return u64::from(decimal_error::UNKNOWN_ALGORITHM);
    };
    match fib_kernels::decimal(algorithm, n) {
        Ok(digits) => {
            let len = digits.len() as u64;
            let ptr = Box::into_raw(digits.into_bytes().into_boxed_slice()).cast::<u8>();
            // wasm32 addresses are 32 bits wide; a Box is never at address 0.
            ((ptr as usize as u64) << 32) | len
        }
        Err(FibError::U64Overflow { .. }) => u64::from(decimal_error::U64_OVERFLOW),
        Err(FibError::UnknownAlgorithm { .. }) => u64::from(decimal_error::UNKNOWN_ALGORITHM),
    }
}

/// Frees a buffer returned by [`fib_decimal`].
///
/// # Safety
/// `ptr` and `len` must be exactly a pair that `fib_decimal` returned, and each
/// pair may be freed once. A host that breaks this can only corrupt the guest's
/// own linear memory, never its own.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fib_decimal_free(ptr: u32, len: u32) {
    let slice = core::ptr::slice_from_raw_parts_mut(ptr as usize as *mut u8, len as usize);
    // SAFETY: per the contract above, this is the Box<[u8]> that fib_decimal leaked.
    drop(unsafe { Box::from_raw(slice) });
}

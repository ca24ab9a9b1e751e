//! The decimal-digits export: the pointer/length protocol, error codes, memory.

use fib_kernels::Algorithm;
use wasmtime::{Instance, Memory, Store, TypedFunc};

use crate::{instantiate, typed};

struct Guest {
    store: Store<()>,
    memory: Memory,
    decimal: TypedFunc<(u32, u32), u64>,
    free: TypedFunc<(u32, u32), ()>,
}

/// What `fib_decimal` answered: the digits, or the error code.
fn split(packed: u64) -> (u32, u32) {
    ((packed >> 32) as u32, packed as u32)
}

impl Guest {
    fn new() -> Self {
        let (mut store, instance): (Store<()>, Instance) = instantiate();
        let memory = instance
            .get_memory(&mut store, "memory")
            .expect("exports memory");
        let decimal = typed(&mut store, &instance, "fib_decimal");
        let free = typed(&mut store, &instance, "fib_decimal_free");
        Self {
            store,
            memory,
            decimal,
            free,
        }
    }

    /// Calls `fib_decimal`, copies the digits out and frees the guest buffer.
    fn digits(&mut self, algorithm: u32, n: u32) -> Result<String, u32> {
        let (ptr, len) = split(self.decimal.call(&mut self.store, (algorithm, n)).unwrap());
        if ptr == 0 {
            return Err(len);
        }
        let mut bytes = vec![0; len as usize];
        self.memory
            .read(&self.store, ptr as usize, &mut bytes)
            .unwrap();
        self.free.call(&mut self.store, (ptr, len)).unwrap();
        Ok(String::from_utf8(bytes).expect("ASCII digits"))
    }
}

#[test]
fn digits_match_the_native_kernels() {
    let mut guest = Guest::new();
    for (n, count) in [(94, 20), (1000, 209), (100_000, 20_899)] {
        let native = fib_kernels::decimal(Algorithm::FastDoubling, n).unwrap();
        assert_eq!(native.len(), count);
        for algorithm in [Algorithm::Iterative, Algorithm::FastDoubling] {
            assert_eq!(
                guest.digits(algorithm.code(), n).unwrap(),
                native,
                "{algorithm} F({n})"
            );
        }
    }
    assert_eq!(
        guest.digits(Algorithm::FastDoubling.code(), 94).unwrap(),
        "19740274219868223167"
    );
    assert_eq!(
        guest.digits(Algorithm::Recursive.code(), 20).unwrap(),
        "6765"
    );
    assert_eq!(
        guest.digits(Algorithm::FastDoubling.code(), 0).unwrap(),
        "0"
    );
}

#[test]
fn error_codes() {
    let mut guest = Guest::new();
    assert_eq!(guest.digits(3, 10), Err(1), "unknown algorithm");
    assert_eq!(guest.digits(u32::MAX, 10), Err(1), "unknown algorithm");
    assert_eq!(
        guest.digits(Algorithm::Recursive.code(), 94),
        Err(2),
        "u64 overflow"
    );
}

#[test]
fn memory_stays_bounded_over_10000_big_results() {
    let mut guest = Guest::new();
    let expected = fib_kernels::decimal(Algorithm::FastDoubling, 10_000).unwrap();
    for _ in 0..100 {
        guest
            .digits(Algorithm::FastDoubling.code(), 10_000)
            .unwrap();
    }
    let warmed_up = guest.memory.data_size(&guest.store);
    for i in 0..10_000 {
        let digits = guest
            .digits(Algorithm::FastDoubling.code(), 10_000)
            .unwrap();
        if i % 1000 == 0 {
            assert_eq!(digits, expected);
        }
    }
    assert_eq!(
        guest.memory.data_size(&guest.store),
        warmed_up,
        "linear memory grew"
    );
}

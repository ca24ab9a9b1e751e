//! Coverage-guided fuzzing of the runtime's load-and-call path: each input
//! becomes a `wasm-smith` module that is loaded and called, pooled or per
//! call, exactly as in the bounded run of `make test`. Run it with `make fuzz`.
#![no_main]

use std::sync::LazyLock;

use arbitrary::Unstructured;
use fastwasm_fuzzing::{exercise, fuzz_runtime, module_from};
use fastwasm_runtime::{Isolation, Runtime};
use libfuzzer_sys::fuzz_target;

// One runtime per isolation for the whole process, as in a server.
static RUNTIMES: LazyLock<[Runtime; 2]> = LazyLock::new(|| {
    [
        fuzz_runtime(Isolation::Pooled),
        fuzz_runtime(Isolation::PerCall),
    ]
});

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(variant) = u.arbitrary::<u64>() else {
        return;
    };
    if let Ok(wasm) = module_from(&mut u, variant) {
        let _ = exercise(&RUNTIMES[(variant % 2) as usize], &wasm);
    }
});

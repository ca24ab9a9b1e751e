//! Coverage-guided fuzzing of the runtime's load-and-call path: each input
//! becomes a `wasm-smith` module that is loaded and called, pooled or per
//! call, exactly as in the bounded run of `make test`. Run it with `make fuzz`.
#![no_main]

use std::sync::LazyLock;

use fastwasm_fuzzing::FuzzHost;
use libfuzzer_sys::fuzz_target;

static HOST: LazyLock<FuzzHost> = LazyLock::new(FuzzHost::new);

// The first 8 bytes pick the variant; the rest become the module.
fuzz_target!(|data: &[u8]| {
    if let Some((variant, rest)) = data.split_first_chunk::<8>() {
        let _ = HOST.run(rest, u64::from_le_bytes(*variant));
    }
});

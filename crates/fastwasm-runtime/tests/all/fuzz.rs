//! A bounded, seeded fuzz run of the load-and-call path with `wasm-smith`
//! modules, using the case that `make fuzz` drives coverage-guided
//! (`fastwasm-fuzzing`).
//!
//! Every outcome may be an error; what must never happen is a panic or a
//! crash of the process. The counts are printed
//! (`cargo test --release -p fastwasm-runtime --test all -- --nocapture fuzz`).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use fastwasm_fuzzing::FuzzHost;

const CASES: u64 = 5000;
const BUDGET: Duration = Duration::from_secs(30);

/// `SplitMix64`: a small, well-known generator, so every case is reproducible.
fn bytes_for(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    (0..len)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) as u8
        })
        .collect()
}

#[test]
fn wasm_smith_modules_never_crash_the_host() {
    let host = FuzzHost::new();
    let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
    let started = Instant::now();
    let mut cases = 0;
    for seed in 0..CASES {
        if started.elapsed() > BUDGET {
            break;
        }
        cases += 1;
        for outcome in host.run(&bytes_for(seed, 16 << 10), seed) {
            *outcomes.entry(outcome).or_default() += 1;
        }
    }
    #[allow(clippy::print_stdout)]
    {
        println!(
            "fuzz: {cases} cases in {:.1} s, 0 crashes; outcomes: {outcomes:?}",
            started.elapsed().as_secs_f64()
        );
    }
    assert!(cases >= 50, "the budget allowed only {cases} cases");
    assert!(
        outcomes.get("load: ok").copied().unwrap_or(0) > 0,
        "no module loaded: {outcomes:?}"
    );
}

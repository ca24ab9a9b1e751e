//! A bounded, seeded fuzz run of the load-and-call path with `wasm-smith`
//! modules and components, using the case that `make fuzz` drives coverage-guided
//! (`fastwasm-fuzzing`).
//!
//! Every outcome may be an error; what must never happen is a panic or a
//! crash of the process. The counts are printed
//! (`cargo test --release -p fastwasm-runtime --test all -- --nocapture fuzz`).

use std::collections::BTreeMap;
use std::time::Instant;

use fastwasm_fuzzing::{FuzzHost, Unstructured, arbitrary_val};
use fastwasm_runtime::Isolation;

/// The same cases on every machine and under any load: what the run covers
/// never depends on how fast it goes.
const CASES: u64 = 5000;

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
    for seed in 0..CASES {
        for outcome in host.run(&bytes_for(seed, 16 << 10), seed) {
            *outcomes.entry(outcome).or_default() += 1;
        }
    }
    #[allow(clippy::print_stdout)]
    {
        println!(
            "fuzz: {CASES} cases in {:.1} s, 0 crashes; outcomes: {outcomes:?}",
            started.elapsed().as_secs_f64()
        );
    }
    assert!(
        outcomes.get("load: ok").copied().unwrap_or(0) > 0,
        "no module loaded: {outcomes:?}"
    );
    // wasm-smith's components rarely export a function (fastwasm-fuzzing's
    // `component_from`): their loading is what this run reaches.
    assert!(
        outcomes.get("component load: ok").copied().unwrap_or(0) > 0,
        "no component loaded: {outcomes:?}"
    );
}

/// Every `echo-*` export of the echo component returns what it was given, for
/// seeded arbitrary values of its type (every WIT type the runtime carries),
/// pooled and per call. The Python property tests do the same through the
/// Python mapping (`tests/fastwasm/test_component.py`).
#[test]
fn the_echo_component_returns_every_arbitrary_value() {
    for isolation in [Isolation::Pooled, Isolation::PerCall] {
        let echo = crate::components::component("echo", isolation);
        let functions: Vec<_> = echo
            .functions()
            .iter()
            .filter(|f| f.name.starts_with("echo-") && f.unsupported.is_none())
            .cloned()
            .collect();
        assert!(functions.len() >= 20, "{} echo functions", functions.len());
        let mut calls = 0;
        for seed in 0..40 {
            let data = bytes_for(seed, 4 << 10);
            let mut u = Unstructured::new(&data);
            for function in &functions {
                let Ok(value) = arbitrary_val(&mut u, &function.params[0].1) else {
                    break;
                };
                let (back, _) = echo
                    .call(&function.name, std::slice::from_ref(&value), None)
                    .unwrap_or_else(|e| panic!("{} {value:?}: {e}", function.name));
                assert_eq!(back.as_ref(), Some(&value), "{}", function.name);
                calls += 1;
            }
        }
        assert!(calls >= 500, "only {calls} calls drew values");
    }
}

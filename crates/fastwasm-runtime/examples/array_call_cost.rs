//! What one call of `scale(v: list<f64>, k: f64) -> list<f64>` costs from
//! Rust: wasmtime alone with its typed call (without and with epoch
//! interruption), next to fastwasm's pooled `Component` on the fast path,
//! with its deadline and without. `bench/suite/arrays.py` runs it once per
//! round beside the Python rows.
//!
//! ```text
//! cargo run --release -p fastwasm-runtime --example array_call_cost -- \
//!     python/fastwasm/components/numeric.wasm 0.2 1000000
//! ```
//!
//! Arguments: the numeric component, seconds per row (default 0.2), and the
//! number of elements (default 1,000,000). Prints one `row<TAB>mean µs per
//! call` line per contender.

mod common;

use std::time::Duration;

use fastwasm_runtime::wasmtime;
use fastwasm_runtime::wasmtime::component::Val;
use fastwasm_runtime::{FastArg, LoadOptions, NumberSlice, Runtime};

use common::{bare_instance, time};

fn main() -> wasmtime::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "python/fastwasm/components/numeric.wasm".into());
    let budget = Duration::from_secs_f64(args.next().map_or(Ok(0.2), |s| s.parse())?);
    let len: usize = args.next().map_or(Ok(1_000_000), |s| s.parse())?;
    #[allow(clippy::cast_precision_loss)]
    let v: Vec<f64> = (0..len).map(|i| i as f64).collect();

    let mut rows = Vec::new();
    // wasmtime alone, without and with epoch interruption (fastwasm's
    // deadline: a check at every loop head and function entry).
    for epochs in [false, true] {
        let (mut store, instance) = bare_instance(&path, epochs)?;
        let scale = instance.get_typed_func::<(&[f64], f64), (Vec<f64>,)>(&mut store, "scale")?;
        let label = if epochs {
            "wasmtime typed, epoch interruption on: scale(list<f64>)"
        } else {
            "wasmtime typed: scale(list<f64>)"
        };
        rows.push((
            label,
            time(budget, || {
                let (out,) = scale.call(&mut store, (&v, 2.0)).unwrap();
                assert_eq!(out.len(), len);
            }),
        ));
    }

    let runtime = Runtime::new()?;
    let k = Val::Float64(2.0);
    let args = [FastArg::Numbers(NumberSlice::F64(&v)), FastArg::Scalar(&k)];
    for deadline in [true, false] {
        let options = LoadOptions {
            deadline: Some(deadline),
            ..LoadOptions::default()
        };
        let fastwasm = runtime.load_with(&path, options)?.into_component()?;
        let label = if deadline {
            "fastwasm Component::call_fast: scale(list<f64>)"
        } else {
            "fastwasm Component::call_fast, deadline off: scale(list<f64>)"
        };
        rows.push((
            label,
            time(budget, || {
                fastwasm.call_fast("scale", &args, None).unwrap();
            }),
        ));
    }
    #[allow(clippy::print_stdout)] // the benchmark reads these lines
    for (label, micros) in rows {
        println!("{label}\t{micros:.3}");
    }
    Ok(())
}

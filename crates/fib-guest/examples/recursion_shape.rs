//! How the compiler shaped the guest's naive recursion: the function that
//! the `fib_recursive` export calls (or is) and that calls itself, with the
//! number of its call sites that target itself and of loops in its body, as
//! one JSON line.
//!
//! `F(n) = F(n-1) + F(n-2)` as written has two self-calls and no loop. One
//! self-call inside a loop means LLVM turned the second call into loop
//! iterations, so a run makes about F(n+1) calls, not 2F(n+1) − 1.
//! `make bench-micro` runs this and reports the call counts.
#![allow(clippy::print_stdout, missing_docs, reason = "a command-line example")]

use std::path::PathBuf;

use std::collections::BTreeMap;

use wasmparser::{ExternalKind, Operator, Parser, Payload};

/// What one function body does: the functions it calls, and its loops.
#[derive(Default)]
struct Body {
    calls: Vec<u32>,
    loops: u32,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args_os().nth(1).map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../python/fastwasm/guest/fibonacci_wasm.wasm")
        },
        PathBuf::from,
    );
    let bytes = std::fs::read(&path)?;
    let (mut bodies, mut export) = (BTreeMap::new(), None);
    let mut index = 0_u32;
    for payload in Parser::new(0).parse_all(&bytes) {
        match payload? {
            // Imported functions would come first in the index space; the
            // guest has none (its tests check that).
            Payload::ImportSection(_) => return Err("the guest imports something".into()),
            Payload::ExportSection(exports) => {
                for item in exports {
                    let item = item?;
                    if item.name == "fib_recursive" && item.kind == ExternalKind::Func {
                        export = Some(item.index);
                    }
                }
            }
            Payload::CodeSectionEntry(code) => {
                let mut body = Body::default();
                let mut ops = code.get_operators_reader()?;
                while !ops.eof() {
                    match ops.read()? {
                        Operator::Call { function_index } => body.calls.push(function_index),
                        Operator::Loop { .. } => body.loops += 1,
                        _ => {}
                    }
                }
                bodies.insert(index, body);
                index += 1;
            }
            _ => {}
        }
    }
    let export = export.ok_or("no fib_recursive export")?;
    let self_calls = |f: u32| bodies[&f].calls.iter().filter(|&&c| c == f).count();
    // The export itself, or the first function it calls that recurses.
    let recursive = std::iter::once(export)
        .chain(bodies[&export].calls.iter().copied())
        .find(|&f| self_calls(f) > 0)
        .ok_or("fib_recursive reaches no self-recursive function")?;
    println!(
        r#"{{"export":"fib_recursive","function_index":{recursive},"self_calls":{},"loops":{}}}"#,
        self_calls(recursive),
        bodies[&recursive].loops
    );
    Ok(())
}

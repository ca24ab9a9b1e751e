//! The crate's layout: its modules depend on each other without a cycle, and
//! nothing in it knows a guest in particular.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// Each module's source, comments removed.
fn sources() -> BTreeMap<String, String> {
    std::fs::read_dir(SRC)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            let code: Vec<&str> = text
                .lines()
                .map(|line| line.split("//").next().unwrap())
                .collect();
            (name, code.join("\n"))
        })
        .collect()
}

/// Names `lib.rs` re-exports, and the module each comes from.
fn reexports(lib: &str) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for statement in lib.split(';') {
        let Some(rest) = statement.trim().strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, items)) = rest.split_once("::") else {
            continue;
        };
        for item in items.trim_matches(|c| c == '{' || c == '}').split(',') {
            names.insert(item.trim().to_owned(), module.to_owned());
        }
    }
    names
}

/// module -> the modules it uses through `crate::`.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let sources = sources();
    let via_root = reexports(&sources["lib"]);
    let mut edges = BTreeMap::new();
    for (module, code) in &sources {
        if module == "lib" {
            continue;
        }
        let mut uses = BTreeSet::new();
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
                group[..group.find('}').unwrap()].split(',').collect()
            } else {
                vec![rest]
            };
            for name in names {
                let name: String = name
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let target = if sources.contains_key(&name) {
                    Some(name)
                } else {
                    via_root.get(&name).cloned()
                };
                if let Some(target) = target.filter(|t| t != module) {
                    uses.insert(target);
                }
            }
        }
        edges.insert(module.clone(), uses);
    }
    edges
}

// Depth-first search; a module met again on the current path closes a cycle.
fn visit<'a>(
    node: &'a str,
    edges: &'a BTreeMap<String, BTreeSet<String>>,
    path: &mut Vec<&'a str>,
    done: &mut BTreeSet<&'a str>,
) {
    if done.contains(node) {
        return;
    }
    assert!(!path.contains(&node), "a cycle: {path:?} -> {node}");
    path.push(node);
    for next in &edges[node] {
        visit(next, edges, path, done);
    }
    path.pop();
    done.insert(node);
}

#[test]
fn the_modules_depend_on_each_other_without_a_cycle() {
    let edges = graph();
    assert!(edges["module"].contains("engine"), "{edges:?}"); // the parse sees real edges
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        visit(node, &edges, &mut Vec::new(), &mut done);
    }
}

#[test]
fn no_guest_in_particular() {
    for (module, code) in sources() {
        let lower = code.to_lowercase();
        assert!(
            !lower.contains("fib"),
            "src/{module}.rs mentions a Fibonacci guest"
        );
    }
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    for crate_name in ["fib-kernels", "num-bigint"] {
        assert!(!manifest.contains(crate_name), "depends on {crate_name}");
    }
}

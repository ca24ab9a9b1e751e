//! The u64 exports, the module's shape and its traps.

use wasmtime::{ExternType, Trap, ValType};

use crate::{instantiate, module, typed};

const U64_EXPORTS: [&str; 4] = [
    "calculate_fibonacci",
    "fib_iterative",
    "fib_recursive",
    "fib_fast_doubling",
];

fn func_signature(name: &str) -> (Vec<String>, Vec<String>) {
    let (_, module) = module();
    let Some(ExternType::Func(ty)) = module.get_export(name) else {
        panic!("{name} is not an exported function");
    };
    let show = |t: ValType| t.to_string();
    (
        ty.params().map(show).collect(),
        ty.results().map(show).collect(),
    )
}

#[test]
fn imports_nothing() {
    let (_, module) = module();
    let imports: Vec<String> = module
        .imports()
        .map(|i| format!("{}::{}", i.module(), i.name()))
        .collect();
    assert!(imports.is_empty(), "the guest imports {imports:?}");
}

#[test]
fn every_export_has_the_documented_signature() {
    for name in U64_EXPORTS {
        assert_eq!(
            func_signature(name),
            (vec!["i32".into()], vec!["i64".into()]),
            "{name}"
        );
    }
    assert_eq!(
        func_signature("fib_decimal"),
        (vec!["i32".into(), "i32".into()], vec!["i64".into()])
    );
    assert_eq!(
        func_signature("fib_decimal_free"),
        (vec!["i32".into(), "i32".into()], vec![])
    );
    assert_eq!(
        func_signature("fastwasm_abi_version"),
        (vec![], vec!["i32".into()])
    );
    let (_, module) = module();
    assert!(matches!(
        module.get_export("memory"),
        Some(ExternType::Memory(_))
    ));
}

#[test]
fn abi_version_is_1() {
    let (mut store, instance) = instantiate();
    let version = typed::<(), u32>(&mut store, &instance, "fastwasm_abi_version");
    assert_eq!(version.call(&mut store, ()).unwrap(), 1);
}

#[test]
fn u64_exports_match_the_native_kernels() {
    let (mut store, instance) = instantiate();
    for name in ["calculate_fibonacci", "fib_iterative", "fib_fast_doubling"] {
        let f = typed::<u32, u64>(&mut store, &instance, name);
        for n in 0..=93 {
            assert_eq!(
                f.call(&mut store, n).unwrap(),
                fib_kernels::iterative(n).unwrap(),
                "{name}({n})"
            );
        }
    }
    let recursive = typed::<u32, u64>(&mut store, &instance, "fib_recursive");
    for n in 0..=25 {
        assert_eq!(
            recursive.call(&mut store, n).unwrap(),
            fib_kernels::iterative(n).unwrap()
        );
    }
}

#[test]
fn f93_reaches_a_generic_host_as_a_negative_i64() {
    let (mut store, instance) = instantiate();
    let signed = typed::<i32, i64>(&mut store, &instance, "calculate_fibonacci");
    let raw = signed.call(&mut store, 93).unwrap();
    assert!(raw < 0);
    assert_eq!(raw.cast_unsigned(), 12_200_160_415_121_876_738);
}

#[test]
fn every_u64_export_traps_past_93_instead_of_wrapping() {
    for name in U64_EXPORTS {
        for n in [94, 100, u32::MAX] {
            // A trap poisons nothing here, but a fresh instance keeps each case independent.
            let (mut store, instance) = instantiate();
            let f = typed::<u32, u64>(&mut store, &instance, name);
            let err = f.call(&mut store, n).expect_err("must trap");
            assert_eq!(
                err.downcast_ref::<Trap>(),
                Some(&Trap::UnreachableCodeReached),
                "{name}({n}): {err:#}"
            );
        }
    }
}

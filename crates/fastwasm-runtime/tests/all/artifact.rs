//! Precompiled artifacts: used when every check passes, and otherwise
//! refused, naming why, while the file is compiled and loads right.

use std::os::unix::fs::{PermissionsExt, chown};
use std::path::{Path, PathBuf};

use fastwasm_runtime::wasmtime::component::Val;
use fastwasm_runtime::{
    CacheDir, CacheOutcome, Cpu, ErrorKind, Loaded, Runtime, RuntimeConfig, compile_artifact,
};

use crate::components::path_of;

/// `nobody`: an owner that is not this user.
const OTHER_UID: u32 = 65534;

fn config(cpu: Cpu) -> RuntimeConfig {
    let mut config = RuntimeConfig::default();
    config.cache_dir = CacheDir::Disabled;
    config.pool_size = Some(1);
    config.cpu = cpu;
    config
}

/// `NAME.wasm` copied into a fresh directory, with `artifact` as its
/// `NAME.cwasm`; the path of the `.wasm`.
fn with_artifact(name: &str, artifact: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let wasm = dir.path().join(format!("{name}.wasm"));
    std::fs::copy(path_of(name), &wasm).unwrap();
    std::fs::write(wasm.with_extension("cwasm"), artifact).unwrap();
    (dir, wasm)
}

fn artifact(name: &str, config: &RuntimeConfig, cpu: Cpu) -> Vec<u8> {
    compile_artifact(config, &std::fs::read(path_of(name)).unwrap(), cpu).unwrap()
}

/// Loads `wasm` with `config` and checks that it works whatever happened to
/// its artifact: where its code came from, and why an artifact was refused.
fn load(wasm: &Path, config: RuntimeConfig) -> (CacheOutcome, Option<String>) {
    let loaded = Runtime::with_config(config).unwrap().load(wasm).unwrap();
    let Loaded::Component(echo) = &loaded else {
        panic!("echo is a component")
    };
    assert_eq!(
        echo.call("nothing", &[], None).unwrap().0,
        Some(Val::U32(42))
    );
    let info = loaded.load_info();
    (info.cache, info.artifact.map(|a| a.to_string()))
}

#[test]
fn an_artifact_that_passes_every_check_is_used_for_native_and_for_a_portable_level() {
    for cpu in [Cpu::Native, Cpu::X86_64V2] {
        if cpu != Cpu::Native && !cfg!(target_arch = "x86_64") {
            continue;
        }
        let (_dir, wasm) = with_artifact("echo", &artifact("echo", &config(Cpu::Native), cpu));
        assert_eq!(
            load(&wasm, config(Cpu::Native)),
            (CacheOutcome::Precompiled, None),
            "{cpu:?}"
        );
    }
}

#[test]
fn an_artifact_is_refused_naming_why_and_the_file_is_compiled() {
    let native = config(Cpu::Native);
    let refused = |wasm: &Path, config: RuntimeConfig| {
        let (cache, why) = load(wasm, config);
        assert_eq!(cache, CacheOutcome::Disabled);
        why.expect("a refusal says why")
    };
    // From another `.wasm`.
    let (_dir, wasm) = with_artifact("echo", &artifact("fib", &native, Cpu::Native));
    assert!(refused(&wasm, native.clone()).contains("compiled from another .wasm"));
    // By another engine configuration: without the deadline's checks...
    let mut trusted = native.clone();
    trusted.deadline = false;
    let (_dir, wasm) = with_artifact("echo", &artifact("echo", &trusted, Cpu::Native));
    let why = refused(&wasm, native.clone());
    assert!(
        why.contains("compiled without the deadline's checks"),
        "{why}"
    );
    // ... or settings its code depends on that differ from this runtime's
    // (another fastwasm build: its header says so).
    let mut other_build = artifact("echo", &native, Cpu::Native);
    let at = other_build
        .windows(7)
        .position(|w| w == b"engine=")
        .unwrap()
        + 7;
    other_build[at..at + 64].fill(b'0');
    let (_dir, wasm) = with_artifact("echo", &other_build);
    let why = refused(&wasm, native.clone());
    assert!(why.contains("an engine with other settings"), "{why}");
    // Not an artifact at all.
    let (_dir, wasm) = with_artifact("echo", b"\0asm garbage");
    assert!(refused(&wasm, native.clone()).contains("not a fastwasm artifact"));
    // Writable by others.
    let (_dir, wasm) = with_artifact("echo", &artifact("echo", &native, Cpu::Native));
    let cwasm = wasm.with_extension("cwasm");
    std::fs::set_permissions(&cwasm, std::fs::Permissions::from_mode(0o666)).unwrap();
    let why = refused(&wasm, native.clone());
    assert!(why.contains("can be written by other users"), "{why}");
}

#[test]
fn an_artifact_for_cpu_features_the_runtime_does_not_allow_is_refused() {
    if !cfg!(target_arch = "x86_64") {
        return;
    }
    // The runtime's baseline stands for a machine without AVX: an artifact
    // compiled for x86-64-v3 assumes it, so it is refused, naming it.
    let (_dir, wasm) = with_artifact(
        "echo",
        &artifact("echo", &config(Cpu::Native), Cpu::X86_64V3),
    );
    let (cache, why) = load(&wasm, config(Cpu::X86_64V2));
    assert_eq!(cache, CacheOutcome::Disabled);
    let why = why.unwrap();
    assert!(
        why.contains("compiled for CPU baseline x86-64-v3 with features this runtime's CPU (x86-64-v2) lacks: has_avx"),
        "{why}"
    );
}

#[test]
fn an_artifact_owned_by_another_user_is_refused() {
    let (_dir, wasm) = with_artifact("echo", &artifact("echo", &config(Cpu::Native), Cpu::Native));
    let cwasm = wasm.with_extension("cwasm");
    if chown(&cwasm, Some(OTHER_UID), None).is_err() {
        eprintln!("skipped: this test needs root to give a file to uid {OTHER_UID}");
        return;
    }
    let (cache, why) = load(&wasm, config(Cpu::Native));
    assert_eq!(cache, CacheOutcome::Disabled);
    assert!(why.unwrap().contains(&format!("owned by uid {OTHER_UID}")));
}

#[test]
fn a_baseline_this_machine_lacks_or_of_another_architecture_is_a_setting_error() {
    let other = if cfg!(target_arch = "x86_64") {
        Cpu::Aarch64V8
    } else {
        Cpu::X86_64V2
    };
    let error = compile_artifact(&config(Cpu::Native), b"(module)", other).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidConfig);
    assert!(error.to_string().contains("cpu"), "{error}");
    assert_eq!(
        "x86-64-v9".parse::<Cpu>().unwrap_err().kind(),
        ErrorKind::InvalidConfig
    );
}

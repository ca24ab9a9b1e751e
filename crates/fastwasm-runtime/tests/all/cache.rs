//! The disk cache: used when only its owner can fill it, refused otherwise,
//! and a refused cache never stops a module from loading right.

use std::os::unix::fs::{PermissionsExt, chown, lchown, symlink};
use std::path::{Path, PathBuf};

use fastwasm_runtime::{CacheDir, CacheOutcome, Module, Runtime, RuntimeConfig, Value};

/// `nobody`: an owner that is not this user.
const OTHER_UID: u32 = 65534;

fn runtime_with_cache(dir: &Path) -> Runtime {
    let mut config = RuntimeConfig::default();
    config.cache_dir = CacheDir::Path(dir.to_owned());
    config.pool_size = Some(1);
    Runtime::with_config(config).unwrap()
}

/// A fresh directory under the system's temp dir (a sticky /tmp: allowed as
/// a parent of a directory of ours).
fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fastwasm-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Whether this process may give files away (root, as in CI). The tests that
/// need another owner say so and stop early without it.
fn can_chown(dir: &Path) -> bool {
    std::fs::create_dir_all(dir).unwrap();
    let probe = dir.join("probe");
    std::fs::write(&probe, b"").unwrap();
    let ok = chown(&probe, Some(OTHER_UID), None).is_ok();
    std::fs::remove_file(&probe).unwrap();
    if !ok {
        eprintln!("skipped: this test needs root to give a file to uid {OTHER_UID}");
    }
    ok
}

fn the_only_cwasm(dir: &Path) -> PathBuf {
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files.into_iter().next().unwrap()
}

/// Loads the misbehaving module with a cache in `dir`, checks it answers
/// right, and returns how it was loaded.
fn load_and_call(dir: &Path) -> (Module, CacheOutcome) {
    let module = runtime_with_cache(dir)
        .load_module_bytes(crate::MISBEHAVING_WAT.as_bytes())
        .unwrap();
    assert_eq!(
        module
            .call("add", &[Value::I32(40), Value::I32(2)])
            .unwrap(),
        [Value::I32(42)]
    );
    let outcome = module.load_info().cache;
    (module, outcome)
}

#[test]
fn a_second_runtime_loads_from_the_cache() {
    let dir = scratch_dir("cache");
    let cold = runtime_with_cache(&dir)
        .load_module(crate::guest_path())
        .unwrap();
    assert_eq!(cold.load_info().cache, CacheOutcome::Miss);
    let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
    let file_mode = std::fs::metadata(the_only_cwasm(&dir))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(file_mode & 0o777, 0o600);
    let warm = runtime_with_cache(&dir)
        .load_module(crate::guest_path())
        .unwrap();
    assert_eq!(warm.load_info().cache, CacheOutcome::Hit);
    assert_eq!(
        warm.call("calculate_fibonacci", &[Value::I32(39)]).unwrap(),
        [Value::I64(63_245_986)]
    );
    assert_eq!(warm.runtime().cache_status().refusals, 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_corrupt_cache_entry_is_recompiled() {
    let dir = scratch_dir("corrupt");
    load_and_call(&dir);
    std::fs::write(the_only_cwasm(&dir), b"garbage").unwrap();
    assert_eq!(load_and_call(&dir).1, CacheOutcome::Miss);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_directory_others_can_write_is_refused_and_the_module_still_loads() {
    for mode in [0o770, 0o777, 0o722] {
        let dir = scratch_dir(&format!("shared-{mode:o}"));
        std::fs::create_dir_all(&dir).unwrap();
        chmod(&dir, mode);
        let (module, outcome) = load_and_call(&dir);
        assert_eq!(outcome, CacheOutcome::Refused);
        let status = module.runtime().cache_status();
        assert_eq!((status.dir, status.refusals), (None, 1));
        assert!(
            status
                .note
                .unwrap()
                .contains("can be written by other users"),
            "mode {mode:o}"
        );
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            0,
            "nothing written"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn a_directory_owned_by_another_user_is_refused() {
    let dir = scratch_dir("other-owner");
    if !can_chown(&dir) {
        return;
    }
    chmod(&dir, 0o700);
    chown(&dir, Some(OTHER_UID), None).unwrap();
    let (module, outcome) = load_and_call(&dir);
    assert_eq!(outcome, CacheOutcome::Refused);
    let note = module.runtime().cache_status().note.unwrap();
    assert!(
        note.contains(&format!("owned by uid {OTHER_UID}")),
        "{note}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_parent_others_can_write_is_refused_unless_it_is_sticky() {
    let top = scratch_dir("parent");
    let dir = top.join("cache");
    std::fs::create_dir_all(&dir).unwrap();
    chmod(&top, 0o777);
    let (module, outcome) = load_and_call(&dir);
    assert_eq!(outcome, CacheOutcome::Refused);
    let note = module.runtime().cache_status().note.unwrap();
    assert!(note.contains("its parent"), "{note}");
    // Sticky, like /tmp: nobody else can remove or rename our directory there.
    chmod(&top, 0o1777);
    assert_eq!(load_and_call(&dir).1, CacheOutcome::Miss);
    std::fs::remove_dir_all(&top).unwrap();
}

#[test]
fn a_symlinked_cache_file_is_refused_and_replaced() {
    let dir = scratch_dir("symlink");
    load_and_call(&dir);
    let file = the_only_cwasm(&dir);
    let elsewhere = scratch_dir("symlink-target");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let target = elsewhere.join("planted.cwasm");
    std::fs::rename(&file, &target).unwrap();
    symlink(&target, &file).unwrap();
    let (module, outcome) = load_and_call(&dir);
    assert_eq!(outcome, CacheOutcome::Refused);
    let status = module.runtime().cache_status();
    assert_eq!(status.refusals, 1);
    assert!(status.note.unwrap().contains("symbolic link"));
    // Replaced by a regular file of ours, which the next process uses.
    assert!(std::fs::symlink_metadata(&file).unwrap().is_file());
    assert_eq!(load_and_call(&dir).1, CacheOutcome::Hit);
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&elsewhere).unwrap();
}

#[test]
fn a_planted_or_writable_cache_file_is_refused() {
    let dir = scratch_dir("planted");
    load_and_call(&dir);
    let file = the_only_cwasm(&dir);
    chmod(&file, 0o666);
    let (module, outcome) = load_and_call(&dir);
    assert_eq!(outcome, CacheOutcome::Refused);
    assert!(
        module
            .runtime()
            .cache_status()
            .note
            .unwrap()
            .contains("can be written by other users")
    );
    if can_chown(&scratch_dir("planted-probe")) {
        // A file another user put under the key the cache would read.
        let file = the_only_cwasm(&dir);
        chown(&file, Some(OTHER_UID), Some(OTHER_UID)).unwrap();
        let (module, outcome) = load_and_call(&dir);
        assert_eq!(outcome, CacheOutcome::Refused);
        let note = module.runtime().cache_status().note.unwrap();
        assert!(
            note.contains(&format!("owned by uid {OTHER_UID}")),
            "{note}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_symlink_on_the_path_owned_by_another_user_is_refused() {
    let top = scratch_dir("link-on-path");
    if !can_chown(&top) {
        return;
    }
    let real = top.join("real");
    std::fs::create_dir_all(&real).unwrap();
    chmod(&real, 0o700);
    let link = top.join("link");
    symlink(&real, &link).unwrap();
    lchown(&link, Some(OTHER_UID), None).unwrap();
    let (module, outcome) = load_and_call(&link.join("cache"));
    assert_eq!(outcome, CacheOutcome::Refused);
    let note = module.runtime().cache_status().note.unwrap();
    assert!(note.contains("symbolic link owned by uid"), "{note}");
    std::fs::remove_dir_all(&top).unwrap();
}

use std::os::unix::fs::PermissionsExt;

use fastwasm_runtime::{CacheDir, CacheOutcome, Error, Runtime, RuntimeConfig, Value};

fn runtime_with_cache(dir: &std::path::Path) -> Runtime {
    let mut config = RuntimeConfig::default();
    config.cache_dir = CacheDir::Path(dir.to_owned());
    Runtime::with_config(config).unwrap()
}

fn scratch_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("fastwasm-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn a_second_runtime_loads_from_the_cache() {
    let dir = scratch_dir("cache");
    let cold = runtime_with_cache(&dir).load(crate::guest_path()).unwrap();
    assert_eq!(cold.load_info().cache, CacheOutcome::Miss);
    let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
    let warm = runtime_with_cache(&dir).load(crate::guest_path()).unwrap();
    assert_eq!(warm.load_info().cache, CacheOutcome::Hit);
    assert_eq!(
        warm.call("calculate_fibonacci", &[Value::I32(39)]).unwrap(),
        [Value::I64(63_245_986)]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_corrupt_cache_entry_is_recompiled() {
    let dir = scratch_dir("corrupt");
    runtime_with_cache(&dir)
        .load_bytes(crate::MISBEHAVING_WAT.as_bytes())
        .unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        std::fs::write(entry.unwrap().path(), b"garbage").unwrap();
    }
    let module = runtime_with_cache(&dir)
        .load_bytes(crate::MISBEHAVING_WAT.as_bytes())
        .unwrap();
    assert_eq!(module.load_info().cache, CacheOutcome::Miss);
    assert_eq!(
        module.call("add", &[Value::I32(1), Value::I32(1)]).unwrap(),
        [Value::I32(2)]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_cache_directory_others_can_write_is_refused() {
    let dir = scratch_dir("shared");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let mut config = RuntimeConfig::default();
    config.cache_dir = CacheDir::Path(dir.clone());
    let error = Runtime::with_config(config).err().unwrap();
    assert!(
        matches!(
            error,
            Error::InvalidConfig {
                setting: "cache_dir",
                ..
            }
        ),
        "{error:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

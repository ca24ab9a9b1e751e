//! The call threads: jobs run off the caller's thread, never more at once
//! than `call_threads`, and a panicking job takes no thread down.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, mpsc};
use std::time::Duration;

use fastwasm_runtime::{CacheDir, Runtime, RuntimeConfig, Value};

use crate::MISBEHAVING_WAT;

fn runtime(threads: usize) -> Runtime {
    let mut config = RuntimeConfig::default();
    config.cache_dir = CacheDir::Disabled;
    config.call_threads = Some(threads);
    config.pool_size = Some(1);
    Runtime::with_config(config).expect("runtime")
}

#[test]
fn jobs_run_on_at_most_call_threads_threads() {
    let runtime = runtime(2);
    assert_eq!(runtime.call_threads(), 2);
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (done, finished) = mpsc::channel();
    for _ in 0..8 {
        let (running, most, done) = (Arc::clone(&running), Arc::clone(&most), done.clone());
        runtime
            .spawn(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(20));
                running.fetch_sub(1, Ordering::SeqCst);
                done.send(std::thread::current().name().map(str::to_owned))
                    .unwrap();
            })
            .unwrap();
    }
    let names: Vec<_> = (0..8).map(|_| finished.recv().unwrap().unwrap()).collect();
    assert_eq!(most.load(Ordering::SeqCst), 2);
    assert!(
        names.iter().all(|n| n.starts_with("fastwasm-call-")),
        "{names:?}"
    );
}

#[test]
fn jobs_run_concurrently_up_to_the_limit() {
    // Two jobs that each wait for the other finish only if both run at once.
    let runtime = runtime(2);
    let barrier = Arc::new(Barrier::new(2));
    let (done, finished) = mpsc::channel();
    for _ in 0..2 {
        let (barrier, done) = (Arc::clone(&barrier), done.clone());
        runtime
            .spawn(move || {
                barrier.wait();
                done.send(()).unwrap();
            })
            .unwrap();
    }
    for _ in 0..2 {
        finished.recv_timeout(Duration::from_secs(30)).unwrap();
    }
}

#[test]
fn a_panicking_job_leaves_its_thread_serving() {
    let runtime = runtime(1);
    runtime.spawn(|| panic!("a job's own bug")).unwrap();
    let module = runtime
        .load_module_bytes(MISBEHAVING_WAT.as_bytes())
        .unwrap();
    let (done, answer) = mpsc::channel();
    runtime
        .spawn(move || {
            done.send(module.call("add", &[Value::I32(1), Value::I32(2)]))
                .unwrap();
        })
        .unwrap();
    assert_eq!(
        answer
            .recv_timeout(Duration::from_secs(30))
            .unwrap()
            .unwrap(),
        [Value::I32(3)]
    );
}

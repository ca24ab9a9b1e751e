//! The runtime's call threads: a bounded set of threads that run guest calls
//! for callers that must not block, such as an event loop (the Python
//! binding's `acall`, and a server's heavy requests).
//!
//! Threads start on demand, up to `call_threads`, and then wait for the next
//! job; a job that finds every thread busy waits in a FIFO queue. They end
//! when the runtime does: the last handle closes the queue, and each thread
//! finishes the jobs already queued (their callers are waiting for them)
//! before it exits.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use crate::Error;

/// A unit of work for a call thread.
pub(crate) type Job = Box<dyn FnOnce() + Send + 'static>;

/// The queue the threads share.
struct Queue {
    state: Mutex<State>,
    ready: Condvar,
}

struct State {
    jobs: VecDeque<Job>,
    /// Threads started so far (they never end before `closed`).
    threads: usize,
    /// Threads waiting for a job now.
    idle: usize,
    closed: bool,
}

/// The call threads of one runtime.
pub(crate) struct CallThreads {
    queue: Arc<Queue>,
    max: usize,
    nice: i32,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A job runs outside the lock, so a poisoned lock means a panic in
        // this file's few lines, which leave the state consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl CallThreads {
    /// At most `max` threads, none started yet.
    pub(crate) fn new(max: usize, nice: i32) -> Self {
        Self {
            queue: Arc::new(Queue {
                state: Mutex::new(State {
                    jobs: VecDeque::new(),
                    threads: 0,
                    idle: 0,
                    closed: false,
                }),
                ready: Condvar::new(),
            }),
            max,
            nice,
        }
    }

    /// The most threads this runtime runs calls on.
    pub(crate) fn max(&self) -> usize {
        self.max
    }

    /// Queues `job`, starting a thread when none is idle and fewer than
    /// `max` run.
    ///
    /// # Errors
    /// [`Error::Engine`] when the operating system refuses a new thread and
    /// none is running to take the job.
    pub(crate) fn spawn(&self, job: Job) -> Result<(), Error> {
        let mut state = self.queue.lock();
        let start = state.idle <= state.jobs.len() && state.threads < self.max;
        state.jobs.push_back(job);
        if !start {
            drop(state);
            self.queue.ready.notify_one();
            return Ok(());
        }
        state.threads += 1;
        let number = state.threads;
        drop(state);
        let queue = Arc::clone(&self.queue);
        let nice = self.nice;
        let started = std::thread::Builder::new()
            .name(format!("fastwasm-call-{number}"))
            .spawn(move || {
                lower_priority(nice);
                work(&queue);
            });
        if let Err(source) = started {
            let mut state = self.queue.lock();
            state.threads -= 1;
            if state.threads == 0 {
                // Nobody would ever run it: take it back (it is the last
                // one queued, as no thread runs to take any).
                state.jobs.pop_back();
                return Err(Error::Engine {
                    context: "cannot start a call thread".into(),
                    source: source.into(),
                });
            }
        }
        Ok(())
    }
}

/// Makes this thread `nice` steps nicer than it was (Linux schedules
/// threads one by one, so the process's other threads keep theirs). A
/// thread may always lower its own priority; failing that, it keeps it.
fn lower_priority(nice: i32) {
    if nice <= 0 {
        return;
    }
    // SAFETY: gettid has no preconditions; getpriority and setpriority read
    // and change this thread's own nice value, which needs no privilege in
    // this direction. errno is reset, as getpriority can return -1 validly.
    unsafe {
        let thread = libc::gettid().cast_unsigned();
        *libc::__errno_location() = 0;
        let now = libc::getpriority(libc::PRIO_PROCESS, thread);
        if now != -1 || *libc::__errno_location() == 0 {
            libc::setpriority(libc::PRIO_PROCESS, thread, (now + nice).min(19));
        }
    }
}

/// One call thread: runs jobs until the queue is closed and empty.
fn work(queue: &Queue) {
    let mut state = queue.lock();
    loop {
        if let Some(job) = state.jobs.pop_front() {
            drop(state);
            // A job catches its own panics (it settles its caller either
            // way); one that escapes must not take the thread's count with it.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            state = queue.lock();
            continue;
        }
        if state.closed {
            return;
        }
        state.idle += 1;
        state = queue
            .ready
            .wait(state)
            .unwrap_or_else(PoisonError::into_inner);
        state.idle -= 1;
    }
}

impl Drop for CallThreads {
    fn drop(&mut self) {
        self.queue.lock().closed = true;
        self.queue.ready.notify_all();
    }
}

//! WASI preview 2 for components, deny by default.
//!
//! A component's store gets a `WasiCtx` with nothing granted: no preopened
//! directories, no environment variables, no arguments, no sockets or name
//! lookups, and an empty stdin. Clocks and random numbers work (they reveal
//! nothing the guest could not measure by itself). stdout and stderr are
//! captured per call, up to a cap, so a guest's `println!` or panic message
//! reaches the caller instead of the server's own terminal.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::WasiCtx;
use wasmtime_wasi::async_trait;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// What a guest wrote to stdout and stderr during one call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallOutput {
    /// stdout, up to the cap (`max_output_bytes`).
    pub stdout: Vec<u8>,
    /// stderr, up to the cap.
    pub stderr: Vec<u8>,
    /// Bytes written past the cap, and dropped.
    pub dropped: u64,
}

/// One captured stream: a buffer with a cap. Writes past the cap are dropped
/// and counted; they never fail, so a chatty guest is never blocked or trapped.
#[derive(Debug, Clone)]
struct Capture(Arc<Shared>);

/// The buffer, and whether anything is in it: a call that wrote nothing
/// (most) reads the flag instead of taking the lock.
#[derive(Debug, Default)]
struct Shared {
    written: AtomicBool,
    captured: Mutex<Captured>,
}

#[derive(Debug, Default)]
struct Captured {
    bytes: Vec<u8>,
    cap: usize,
    dropped: u64,
}

impl Capture {
    fn new(cap: usize) -> Self {
        Self(Arc::new(Shared {
            written: AtomicBool::new(false),
            captured: Mutex::new(Captured {
                cap,
                ..Captured::default()
            }),
        }))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Captured> {
        self.0
            .captured
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn append(&self, data: &[u8]) {
        let mut captured = self.lock();
        self.0.written.store(true, Ordering::Release);
        let room = captured.cap.saturating_sub(captured.bytes.len());
        let kept = data.len().min(room);
        captured.bytes.extend_from_slice(&data[..kept]);
        captured.dropped += (data.len() - kept) as u64;
    }

    /// The bytes written since the last take, and how many were dropped.
    fn take(&self) -> (Vec<u8>, u64) {
        if !self.0.written.swap(false, Ordering::AcqRel) {
            return (Vec::new(), 0);
        }
        let mut captured = self.lock();
        let dropped = std::mem::take(&mut captured.dropped);
        (std::mem::take(&mut captured.bytes), dropped)
    }

    fn tail(&self, max: usize) -> String {
        let captured = self.lock();
        let start = captured.bytes.len().saturating_sub(max);
        String::from_utf8_lossy(&captured.bytes[start..])
            .trim()
            .to_owned()
    }
}

impl IsTerminal for Capture {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for Capture {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[async_trait]
impl OutputStream for Capture {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.append(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        // Always room: what does not fit under the cap is dropped, not waited for.
        Ok(1 << 20)
    }
}

#[async_trait]
impl Pollable for Capture {
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for Capture {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.append(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// A component store's WASI state: the context, its resource table, and the
/// captured stdout and stderr.
pub(crate) struct WasiState {
    pub(crate) ctx: WasiCtx,
    pub(crate) table: ResourceTable,
    stdout: Capture,
    stderr: Capture,
}

impl WasiState {
    /// Deny by default: see the module docs.
    pub(crate) fn new(max_output_bytes: usize) -> Self {
        let (stdout, stderr) = (
            Capture::new(max_output_bytes),
            Capture::new(max_output_bytes),
        );
        let mut builder = WasiCtx::builder();
        builder
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false);
        Self {
            ctx: builder.build(),
            table: ResourceTable::new(),
            stdout,
            stderr,
        }
    }

    /// Forgets output left from an earlier call on this instance.
    pub(crate) fn clear_output(&self) {
        self.stdout.take();
        self.stderr.take();
    }

    /// What the guest wrote during this call.
    pub(crate) fn take_output(&self) -> CallOutput {
        let (stdout, dropped_out) = self.stdout.take();
        let (stderr, dropped_err) = self.stderr.take();
        CallOutput {
            stdout,
            stderr,
            dropped: dropped_out + dropped_err,
        }
    }

    /// The end of stderr, for an error message (a Rust guest's panic message).
    pub(crate) fn stderr_tail(&self) -> String {
        self.stderr.tail(STDERR_TAIL_BYTES)
    }
}

/// How much of the guest's stderr a trap's message carries.
const STDERR_TAIL_BYTES: usize = 1024;

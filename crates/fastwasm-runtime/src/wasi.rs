//! WASI preview 2 for components, deny by default.
//!
//! A component's store gets a `WasiCtx` with nothing granted unless its
//! [`Grants`] say: no preopened directories (a grant opens one read-only),
//! no environment variables (a grant gives each by value; nothing is
//! inherited from the host), no arguments, no sockets or name lookups, and
//! an empty stdin. Clocks and random numbers work (they reveal
//! nothing the guest could not measure by itself). stdout and stderr are
//! captured per call, up to a cap, so a guest's `println!` or panic message
//! reaches the caller instead of the server's own terminal.

use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{FsPerms, WasiCtx};

use crate::Error;
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

/// What a component is granted beyond deny-by-default
/// ([`LoadOptions::grants`](crate::LoadOptions::grants)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    /// Directories the guest may read, and nothing else of the host's
    /// filesystem: each is preopened read-only, so writes fail, and `..`
    /// cannot leave it (WASI resolves every path under its preopen).
    pub dirs: Vec<DirGrant>,
    /// The environment variables the guest sees, by value, in this order.
    pub env: Vec<(String, String)>,
}

/// A host directory, and the path the guest opens it at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirGrant {
    /// The directory on the host.
    pub host: PathBuf,
    /// Where the guest finds it: an absolute path such as `/data`.
    pub guest: String,
}

impl Grants {
    /// Whether nothing is granted.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.dirs.is_empty() && self.env.is_empty()
    }

    /// Checks every grant, naming the one that is wrong: a host directory
    /// must be one, a guest path absolute and used once, a variable's name
    /// non-empty without `=` or NUL, and no value holds a NUL.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming `dirs` or `env`.
    pub fn check(&self) -> Result<(), Error> {
        let invalid =
            |setting: &'static str, reason: String| Err(Error::InvalidConfig { setting, reason });
        for (i, dir) in self.dirs.iter().enumerate() {
            if !dir.host.is_dir() {
                return invalid(
                    "dirs",
                    format!("{} is not a directory on the host", dir.host.display()),
                );
            }
            if !dir.guest.starts_with('/') || dir.guest.contains('\0') {
                return invalid(
                    "dirs",
                    format!("the guest path {:?} is not an absolute path", dir.guest),
                );
            }
            if self.dirs[..i].iter().any(|d| d.guest == dir.guest) {
                return invalid(
                    "dirs",
                    format!("the guest path {:?} is granted twice", dir.guest),
                );
            }
        }
        for (name, value) in &self.env {
            if name.is_empty() || name.contains(['=', '\0']) || value.contains('\0') {
                return invalid(
                    "env",
                    format!(
                        "{name:?} is not a variable name (non-empty, no '=' or NUL) with a value without NUL"
                    ),
                );
            }
        }
        Ok(())
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
    /// Deny by default, and `grants`: see the module docs.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming `dirs` when a granted directory can
    /// no longer be opened (it was checked at load).
    pub(crate) fn new(max_output_bytes: usize, grants: &Grants) -> Result<Self, Error> {
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
            .allow_ip_name_lookup(false)
            .envs(&grants.env);
        for dir in &grants.dirs {
            builder
                .preopened_dir(&dir.host, &dir.guest, FsPerms::ReadOnly)
                .map_err(|e| Error::InvalidConfig {
                    setting: "dirs",
                    reason: format!("cannot open {}: {e}", dir.host.display()),
                })?;
        }
        Ok(Self {
            ctx: builder.build(),
            table: ResourceTable::new(),
            stdout,
            stderr,
        })
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

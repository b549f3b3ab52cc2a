//! The HTTP/1.1 serving loop: accepts connections under a cap, drives each with hyper, and
//! enforces the transport limits `axum::serve` lacks (header, idle and stall timeouts) plus a
//! bounded graceful shutdown.
//!
//! Each connection has a small state machine, fed by its socket (bytes read or written) and by
//! its service (a request started or answered):
//!
//! - `Head`: waiting for a request's headers, from accept or from the first byte of the next
//!   request on a kept-alive connection. Closed `header_timeout` after that point, however
//!   slowly the bytes trickle in (slowloris).
//! - `Busy`: a handler is running. The request timeout (a layer, answering 503) bounds it; the
//!   connection is only dropped as a backstop, `request_timeout + idle_timeout` after it began.
//! - `Idle`: answered, no byte of a next request yet. Closed `idle_timeout` after the last byte
//!   written (so a client that stops reading its response is also let go).

pub mod trim;

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::time::Instant;
use tower::ServiceExt;

use crate::http::{self, HttpSettings};

/// The limits the loop enforces (copied out of [`HttpSettings`]).
#[derive(Debug, Clone, Copy)]
struct Limits {
    header: Duration,
    idle: Duration,
    busy_backstop: Duration,
    max_conns: u32,
    grace: Duration,
}

impl Limits {
    fn new(s: &HttpSettings) -> Self {
        Limits {
            header: s.header_timeout,
            idle: s.idle_timeout,
            busy_backstop: s.request_timeout + s.idle_timeout,
            // The semaphore counts in u32 when we wait for every permit back.
            max_conns: s.max_conns.clamp(1, 1 << 24) as u32,
            grace: s.shutdown_grace,
        }
    }
}

/// What the accept loop tells the connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Running,
    /// Finish the request in flight, then close; close idle and half-open connections now.
    Drain,
    /// The grace period is over: close now.
    Kill,
}

/// Serves `router` on `listener` until `shutdown` resolves, then drains for at most the grace
/// period. Connections beyond the cap wait in the kernel's accept queue.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    settings: &HttpSettings,
    shutdown: impl Future<Output = ()>,
) {
    let limits = Limits::new(settings);
    // One permit per open connection. Taking the permit *before* accept keeps surplus
    // connections in the kernel's backlog (no fd of ours, no busy loop) instead of accepting and
    // dropping them: a well-behaved client is delayed until a slow one times out, not refused.
    let permits = Arc::new(Semaphore::new(limits.max_conns as usize));
    let (stop_tx, stop_rx) = watch::channel(Stop::Running);
    let mut shutdown = pin!(shutdown);
    let mut backoff = Duration::ZERO;
    loop {
        let permit = tokio::select! {
            biased;
            _ = &mut shutdown => break,
            p = permits.clone().acquire_owned() => p.expect("the semaphore is never closed"),
        };
        let accepted = tokio::select! {
            biased;
            _ = &mut shutdown => break,
            r = listener.accept() => r,
        };
        match accepted {
            Ok((stream, addr)) => {
                backoff = Duration::ZERO;
                let conn = Connection {
                    router: router.clone(),
                    addr,
                    limits,
                    stop: stop_rx.clone(),
                };
                tokio::spawn(async move {
                    conn.run(stream).await;
                    drop(permit);
                });
            }
            // The peer gave up before we accepted: nothing to back off from.
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                // EMFILE, ENFILE, ENOBUFS…: retrying at once would spin on the same error.
                backoff = (backoff * 2).clamp(Duration::from_millis(10), Duration::from_secs(1));
                tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "accept failed");
                tokio::select! {
                    _ = &mut shutdown => break,
                    _ = tokio::time::sleep(backoff) => {}
                }
            }
        }
    }
    // Stop accepting: the kernel now refuses new connections.
    drop(listener);
    let _ = stop_tx.send(Stop::Drain);
    let open = limits.max_conns as usize - permits.available_permits();
    if open > 0 {
        tracing::info!(open, "waiting for open connections to finish");
    }
    let all_closed = permits.acquire_many(limits.max_conns);
    if tokio::time::timeout(limits.grace, all_closed)
        .await
        .is_err()
    {
        let open = limits.max_conns as usize - permits.available_permits();
        tracing::warn!(
            open,
            "shutdown grace period over: closing the remaining connections"
        );
        let _ = stop_tx.send(Stop::Kill);
        // The tasks notice at their next poll; don't wait on one that never yields.
        let _ = tokio::time::timeout(
            Duration::from_millis(250),
            permits.acquire_many(limits.max_conns),
        )
        .await;
    }
}

fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Raises the soft limit on open files to the hard limit (what Go's runtime does at start) and
/// returns the resulting limit, so the connection cap can be checked against it.
#[cfg(unix)]
pub fn raise_fd_limit() -> Option<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return None;
        }
        if lim.rlim_cur < lim.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                lim = raised;
            }
        }
    }
    // rlim_t is u64 on Linux but not on every unix.
    #[allow(clippy::unnecessary_cast)]
    Some(lim.rlim_cur as u64)
}

#[cfg(not(unix))]
pub fn raise_fd_limit() -> Option<u64> {
    None
}

struct Connection {
    router: Router,
    addr: SocketAddr,
    limits: Limits,
    stop: watch::Receiver<Stop>,
}

impl Connection {
    async fn run(mut self, stream: TcpStream) {
        let tracker = Arc::new(Tracker::new());
        let io = TokioIo::new(Tracked {
            inner: stream,
            tracker: tracker.clone(),
        });
        let service = ConnService {
            router: self.router.clone(),
            addr: self.addr,
            tracker: tracker.clone(),
        };
        let mut builder = hyper::server::conn::http1::Builder::new();
        // The tracker enforces the header timeout (and, unlike hyper's, a separate idle one).
        builder.header_read_timeout(None);
        let mut conn = pin!(builder.serve_connection(io, service));
        let mut draining = false;
        loop {
            let phase = tracker.phase();
            if draining && phase == Phase::Head {
                tracing::debug!(addr = %self.addr, "shutdown: closing a half-open connection");
                return;
            }
            let deadline = tracker.deadline(&self.limits);
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!(addr = %self.addr, error = %e, "connection ended with an error");
                    }
                    return;
                }
                _ = tokio::time::sleep_until(deadline) => {
                    // Progress may have moved the deadline while we slept.
                    if tracker.deadline(&self.limits) <= Instant::now() {
                        tracing::debug!(addr = %self.addr, phase = ?tracker.phase(), "connection timed out");
                        return;
                    }
                }
                _ = tracker.changed.notified() => {}
                r = self.stop.changed() => {
                    if r.is_err() || *self.stop.borrow() == Stop::Kill {
                        return;
                    }
                    if !draining {
                        // Hyper closes an idle connection at once and answers the request in
                        // flight with `Connection: close`; half-open ones are closed above.
                        conn.as_mut().graceful_shutdown();
                        draining = true;
                    }
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Head,
    Busy,
    Idle,
}

struct TrackState {
    phase: Phase,
    since: Instant,
    last_write: Instant,
}

/// A connection's phase, shared by its socket wrapper, its service and its watchdog.
struct Tracker {
    state: Mutex<TrackState>,
    /// Wakes the watchdog when a phase change may bring the deadline forward.
    changed: Notify,
}

impl Tracker {
    fn new() -> Self {
        let now = Instant::now();
        Tracker {
            state: Mutex::new(TrackState {
                phase: Phase::Head,
                since: now,
                last_write: now,
            }),
            changed: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TrackState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn phase(&self) -> Phase {
        self.lock().phase
    }

    fn set(&self, phase: Phase) {
        {
            let mut s = self.lock();
            s.phase = phase;
            s.since = Instant::now();
        }
        self.changed.notify_one();
    }

    fn on_read(&self) {
        // The first byte of the next request starts its header clock. (Bytes that arrived
        // while the previous request was busy are covered by the idle timeout instead.)
        if self.phase() == Phase::Idle {
            self.set(Phase::Head);
        }
    }

    fn on_write(&self) {
        self.lock().last_write = Instant::now();
    }

    fn deadline(&self, l: &Limits) -> Instant {
        let s = self.lock();
        match s.phase {
            Phase::Head => s.since + l.header,
            Phase::Busy => s.since + l.busy_backstop,
            Phase::Idle => s.since.max(s.last_write) + l.idle,
        }
    }
}

/// The socket, reporting progress to the tracker.
struct Tracked {
    inner: TcpStream,
    tracker: Arc<Tracker>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.tracker.on_read();
        }
        r
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.tracker.on_write();
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.tracker.on_write();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The router for one connection: adds the peer address (for the rate limiter), normalizes the
/// path, and marks the connection busy while the handler runs.
struct ConnService {
    router: Router,
    addr: SocketAddr,
    tracker: Arc<Tracker>,
}

/// Marks the connection idle when the handler is done, or dropped.
struct BusyGuard(Arc<Tracker>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.set(Phase::Idle);
    }
}

impl hyper::service::Service<hyper::Request<Incoming>> for ConnService {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn call(&self, req: hyper::Request<Incoming>) -> Self::Future {
        self.tracker.set(Phase::Busy);
        let guard = BusyGuard(self.tracker.clone());
        let mut req = req.map(Body::new);
        req.extensions_mut().insert(ConnectInfo(self.addr));
        let fut = self.router.clone().oneshot(http::normalize_path(req));
        Box::pin(async move {
            let r = fut.await;
            drop(guard);
            r
        })
    }
}

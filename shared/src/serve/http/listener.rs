//! Accepting HTTP connections within limits, so slow or hostile peers cannot starve
//! live clients.
//!
//! Every accepted socket gets a row in a [`ConnectionTable`]. Each connection is served
//! by hyper with a header-read timeout, and a watchdog closes it when it stays idle:
//! a connection that never completed a request after `header_read_timeout`, a
//! keep-alive connection with nothing in flight after `idle_timeout`. A request counts
//! as in flight until its response body ends (an SSE stream included), not when its
//! headers go out.
//!
//! The table holds at most `max_connections` rows (also kept below the process's
//! file-descriptor limit). When it is full, the oldest connection with nothing in
//! flight is closed to make room, preferring ones that never finished a request (a
//! half-open socket is the cheapest thing an attacker can hold); only when every
//! connection is busy is the new one refused with an immediate 503.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use http_body::Frame;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use crate::metrics;

/// File descriptors kept free for everything that is not a client connection
/// (files fs-server opens, database sockets, upstream HTTP), at least this many.
const FD_RESERVE_MIN: usize = 64;

/// What an over-capacity client reads before its socket closes.
const REFUSAL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: 142\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32000,\"message\":\"Server busy: every connection slot is serving a request. Retry after 1 second.\"}}";

/// Limits on the connections one server holds.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Most connections open at once (before the file-descriptor clamp).
    pub max_connections: usize,
    /// Time a client has to send a request's headers.
    pub header_read_timeout: Duration,
    /// Time a keep-alive connection may sit with no request before it is closed.
    pub idle_timeout: Duration,
}

impl ConnectionLimits {
    /// `max_connections`, lowered so the connections plus a reserve fit in the
    /// file-descriptor limit `fd_limit` (the soft `RLIMIT_NOFILE`).
    pub fn clamped_to_fds(mut self, fd_limit: Option<u64>) -> Self {
        if let Some(limit) = fd_limit.and_then(|l| usize::try_from(l).ok()) {
            let reserve = FD_RESERVE_MIN.max(limit / 8);
            self.max_connections = self
                .max_connections
                .min(limit.saturating_sub(reserve).max(1));
        }
        self
    }
}

/// Raises the soft file-descriptor limit to the hard one (as Go's runtime does), so
/// a server is not held to a login shell's 1,024 when the system allows more;
/// returns the soft limit now in force.
pub fn raise_fd_limit() -> Option<u64> {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if let (Some(current), Some(maximum)) = (limit.current, limit.maximum)
        && maximum > current
        && setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(maximum),
                maximum: Some(maximum),
            },
        )
        .is_ok()
    {
        return Some(maximum);
    }
    // `None` in `current` means unlimited.
    limit.current.or(Some(u64::MAX))
}

/// One accepted connection, as the table sees it.
struct Connection {
    /// Requests being answered now (until their response bodies end).
    active: AtomicUsize,
    /// Requests whose headers arrived on this connection so far.
    started: AtomicU64,
    /// When the connection last had nothing in flight, as milliseconds since the
    /// table's epoch.
    idle_since_ms: AtomicU64,
    /// Fired to close the connection at once (eviction).
    close: CancellationToken,
}

/// Every open connection, oldest first, with what is needed to choose one to close.
pub struct ConnectionTable {
    limits: ConnectionLimits,
    epoch: Instant,
    next_id: AtomicU64,
    open: Mutex<BTreeMap<u64, Arc<Connection>>>,
    /// Fired when the server stops: connections finish what is in flight and close.
    graceful: CancellationToken,
    /// Whether the cap has been reached once (it is logged once; metrics count each).
    cap_reached: AtomicBool,
}

impl ConnectionTable {
    pub fn new(limits: ConnectionLimits) -> Arc<Self> {
        Arc::new(Self {
            limits,
            epoch: Instant::now(),
            next_id: AtomicU64::new(0),
            open: Mutex::new(BTreeMap::new()),
            graceful: CancellationToken::new(),
            cap_reached: AtomicBool::new(false),
        })
    }

    pub fn limits(&self) -> ConnectionLimits {
        self.limits
    }

    /// Connections open now.
    pub fn len(&self) -> usize {
        self.rows().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn rows(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Arc<Connection>>> {
        // A panic while holding this lock leaves the map consistent (single inserts
        // and removes), so a poisoned lock is still usable.
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn insert(&self) -> (u64, Arc<Connection>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let connection = Arc::new(Connection {
            active: AtomicUsize::new(0),
            started: AtomicU64::new(0),
            idle_since_ms: AtomicU64::new(self.now_ms()),
            close: CancellationToken::new(),
        });
        self.rows().insert(id, connection.clone());
        metrics::global().set_connections_open(self.len());
        (id, connection)
    }

    fn remove(&self, id: u64) {
        let left = {
            let mut rows = self.rows();
            rows.remove(&id);
            rows.len()
        };
        metrics::global().set_connections_open(left);
    }

    /// Closes the oldest connection with nothing in flight, preferring one that never
    /// finished a request; `false` when every connection is busy.
    fn evict_one(&self) -> bool {
        let victim = {
            let mut rows = self.rows();
            let idle = |c: &Arc<Connection>| c.active.load(Ordering::Acquire) == 0;
            let never_served = rows
                .iter()
                .find(|(_, c)| idle(c) && c.started.load(Ordering::Acquire) == 0)
                .map(|(id, _)| *id);
            let chosen = never_served.or_else(|| {
                rows.iter()
                    .filter(|(_, c)| idle(c))
                    .min_by_key(|(_, c)| c.idle_since_ms.load(Ordering::Acquire))
                    .map(|(id, _)| *id)
            });
            chosen.and_then(|id| rows.remove(&id))
        };
        match victim {
            Some(connection) => {
                connection.close.cancel();
                metrics::global().count_connection_evicted();
                if !self.cap_reached.swap(true, Ordering::AcqRel) {
                    tracing::warn!(
                        max_connections = self.limits.max_connections,
                        "connection limit reached: idle connections are being closed to make room (counted in mcp_http_connections_evicted_total)"
                    );
                }
                true
            }
            None => false,
        }
    }

    /// Accepts connections until `stop` fires, serving each with `app`.
    pub async fn accept(
        self: &Arc<Self>,
        listener: TcpListener,
        app: Router,
        stop: CancellationToken,
    ) {
        loop {
            let accepted = tokio::select! {
                _ = stop.cancelled() => return,
                accepted = listener.accept() => accepted,
            };
            let (stream, peer) = match accepted {
                Ok(pair) => pair,
                Err(e) if is_out_of_descriptors(&e) => {
                    // The kernel keeps the client queued; free a slot and try again.
                    if !self.evict_one() {
                        tracing::warn!("out of file descriptors with every connection busy");
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
                Err(e) => {
                    tracing::debug!(error = %e, "accept failed");
                    continue;
                }
            };
            if self.len() >= self.limits.max_connections && !self.evict_one() {
                refuse(stream);
                continue;
            }
            let _ = stream.set_nodelay(true);
            // The row goes in before the next accept, so the cap sees it at once.
            let row = self.insert();
            let table = self.clone();
            let app = app.clone();
            tokio::spawn(async move { table.serve(row, stream, peer, app).await });
        }
    }

    /// Tells every connection to finish what it has in flight and close.
    pub fn close_gracefully(&self) {
        self.graceful.cancel();
    }

    /// Waits until every connection has closed, or `timeout` passes; returns how many
    /// are still open.
    pub async fn wait_closed(&self, timeout: Duration) -> usize {
        let deadline = Instant::now() + timeout;
        while !self.is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.len()
    }

    async fn serve(
        self: Arc<Self>,
        (id, connection): (u64, Arc<Connection>),
        stream: TcpStream,
        peer: SocketAddr,
        app: Router,
    ) {
        let service = {
            let table = self.clone();
            let connection = connection.clone();
            hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                let mut request = request.map(Body::new);
                request.extensions_mut().insert(ConnectInfo(peer));
                let in_flight = InFlight::begin(table.clone(), connection.clone());
                let app = app.clone();
                async move {
                    let response = app.oneshot(request).await?;
                    Ok::<_, Infallible>(
                        response.map(|body| Body::new(TrackedBody::new(body, in_flight))),
                    )
                }
            })
        };
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(self.limits.header_read_timeout);
        builder
            .http2()
            .timer(TokioTimer::new())
            .max_concurrent_streams(64);
        let served = builder.serve_connection(TokioIo::new(stream), service);
        tokio::pin!(served);
        let mut closing = false;
        loop {
            tokio::select! {
                result = served.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                    break;
                }
                _ = connection.close.cancelled() => break,
                _ = self.graceful.cancelled(), if !closing => {
                    served.as_mut().graceful_shutdown();
                    closing = true;
                }
                _ = self.idle_expired(&connection), if !closing => {
                    if connection.started.load(Ordering::Acquire) == 0 {
                        break;
                    }
                    served.as_mut().graceful_shutdown();
                    closing = true;
                }
            }
        }
        self.remove(id);
    }

    /// Completes when `connection` has had nothing in flight for longer than allowed:
    /// `header_read_timeout` before its first request, `idle_timeout` after.
    ///
    /// The state it waits on changes without waking it (a request starts or ends), so
    /// it looks again at least every `min(header_read_timeout, idle_timeout)`: a
    /// connection is closed at most that long after its allowance ran out.
    async fn idle_expired(&self, connection: &Connection) {
        let recheck = self
            .limits
            .header_read_timeout
            .min(self.limits.idle_timeout);
        loop {
            let now = self.now_ms();
            let wait = if connection.active.load(Ordering::Acquire) > 0 {
                self.limits.idle_timeout
            } else {
                let allowed = if connection.started.load(Ordering::Acquire) == 0 {
                    self.limits.header_read_timeout
                } else {
                    self.limits.idle_timeout
                };
                let idle_for = Duration::from_millis(
                    now.saturating_sub(connection.idle_since_ms.load(Ordering::Acquire)),
                );
                if idle_for >= allowed {
                    return;
                }
                allowed - idle_for
            };
            tokio::time::sleep(wait.min(recheck).max(Duration::from_millis(10))).await;
        }
    }
}

fn is_out_of_descriptors(error: &std::io::Error) -> bool {
    matches!(error.raw_os_error(), Some(code) if code == rustix::io::Errno::MFILE.raw_os_error() || code == rustix::io::Errno::NFILE.raw_os_error())
}

/// How many refused connections may linger at once, and for how long, so that their
/// clients read the 503 before the socket closes.
const LINGERING_MAX: usize = 64;
const LINGER_FOR: Duration = Duration::from_millis(500);
static LINGERING: AtomicUsize = AtomicUsize::new(0);

/// Answers an over-capacity client with 503 and closes. Closing a socket whose
/// request is still unread makes the kernel reset it, and the client may then never
/// see the 503; so the refusal is followed by a half-close and a short wait for the
/// client to go, for a bounded number of sockets at a time (past that, the socket is
/// simply closed).
fn refuse(stream: TcpStream) {
    metrics::global().count_connection_refused();
    if stream.try_write(REFUSAL).is_err() {
        return;
    }
    if LINGERING.fetch_add(1, Ordering::AcqRel) >= LINGERING_MAX {
        LINGERING.fetch_sub(1, Ordering::AcqRel);
        return;
    }
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = stream;
        let _ = stream.shutdown().await;
        let mut sink = [0u8; 1024];
        let _ = tokio::time::timeout(LINGER_FOR, async {
            while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
        })
        .await;
        LINGERING.fetch_sub(1, Ordering::AcqRel);
    });
}

/// Marks one request in flight on its connection until dropped.
struct InFlight {
    table: Arc<ConnectionTable>,
    connection: Arc<Connection>,
}

impl InFlight {
    fn begin(table: Arc<ConnectionTable>, connection: Arc<Connection>) -> Self {
        connection.started.fetch_add(1, Ordering::AcqRel);
        connection.active.fetch_add(1, Ordering::AcqRel);
        Self { table, connection }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.connection
            .idle_since_ms
            .store(self.table.now_ms(), Ordering::Release);
        self.connection.active.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body that keeps a guard alive until the body ends or is dropped.
pub struct TrackedBody<G> {
    inner: Body,
    guard: Option<G>,
}

impl<G> TrackedBody<G> {
    pub fn new(inner: Body, guard: G) -> Self {
        Self {
            inner,
            guard: Some(guard),
        }
    }
}

impl<G: Unpin> http_body::Body for TrackedBody<G> {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None) | Poll::Ready(Some(Err(_)))) {
            self.guard = None;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max: usize) -> ConnectionLimits {
        ConnectionLimits {
            max_connections: max,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
        }
    }

    #[test]
    fn connection_cap_stays_below_the_descriptor_limit() {
        assert_eq!(limits(1024).clamped_to_fds(Some(1024)).max_connections, 896);
        assert_eq!(limits(100).clamped_to_fds(Some(1024)).max_connections, 100);
        assert_eq!(limits(1024).clamped_to_fds(Some(100)).max_connections, 36);
        assert_eq!(limits(1024).clamped_to_fds(None).max_connections, 1024);
    }

    #[test]
    fn the_refusal_is_well_formed_http() {
        let text = std::str::from_utf8(REFUSAL).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(
            head.contains(&format!("Content-Length: {}", body.len())),
            "{head}"
        );
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["error"]["code"], -32000);
    }

    #[tokio::test]
    async fn eviction_prefers_connections_that_never_served_a_request() {
        let table = ConnectionTable::new(limits(3));
        let (_, served_idle) = table.insert();
        served_idle.started.store(1, Ordering::Release);
        let (_, busy) = table.insert();
        busy.started.store(1, Ordering::Release);
        busy.active.store(1, Ordering::Release);
        let (_, half_open) = table.insert();
        assert!(table.evict_one());
        assert!(half_open.close.is_cancelled());
        assert!(table.evict_one());
        assert!(served_idle.close.is_cancelled());
        assert!(!table.evict_one(), "a busy connection is never evicted");
        assert!(!busy.close.is_cancelled());
        assert_eq!(table.len(), 1);
    }
}

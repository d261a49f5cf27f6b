//! What a hostile or busy network does to the transports, as scenarios both the
//! end-to-end tests (small numbers) and the soak benchmark `mcp-abuse` (the full
//! ones, against release builds) run: half-open connection floods, thousands of idle
//! sessions, SIGTERM during a call, malformed messages over HTTP and stdio, and
//! token guessing.
//!
//! Everything speaks raw HTTP/JSON-RPC (or raw stdio lines) to a server on loopback,
//! so each scenario can see exactly what came back and how long it took.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::malformed;

/// A SQLite query that never ends by itself: sql-server stops it at
/// `--query-timeout`, which makes a tool call of a known length.
pub const ENDLESS_QUERY: &str =
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n";

/// An empty SQLite database file for sql-server: the directory holding it (delete it
/// last) and the database URL.
pub fn empty_sqlite() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("empty.sqlite");
    std::fs::write(&path, b"").expect("write the database file");
    let url = format!("sqlite:{}", path.display());
    (dir, url)
}

/// The protocol version of clients that `initialize` and hold a session.
pub const SESSION_PROTOCOL: &str = "2025-11-25";
/// The protocol version of clients that send no `initialize` and hold no session.
pub const STATELESS_PROTOCOL: &str = "2026-07-28";

/// Every JSON-RPC message in a response body, whether it came as JSON or as SSE.
pub fn messages_in(body: &str) -> Vec<Value> {
    if let Ok(value) = serde_json::from_str::<Value>(body) {
        return vec![value];
    }
    body.lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .filter_map(|data| serde_json::from_str(data.trim()).ok())
        .collect()
}

/// A raw MCP-over-HTTP client for one server.
#[derive(Clone)]
pub struct McpHttp {
    pub base: String,
    pub http: reqwest::Client,
}

/// What one POST got back.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub session: Option<String>,
    pub retry_after: Option<String>,
    pub messages: Vec<Value>,
}

impl McpHttp {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.to_string(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("reqwest client"),
        }
    }

    /// POSTs raw bytes to `/mcp`, on `session` when given.
    pub async fn post(&self, body: Vec<u8>, session: Option<&str>) -> reqwest::Result<Answer> {
        let mut request = self
            .http
            .post(format!("{}/mcp", self.base))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .body(body);
        if let Some(id) = session {
            request = request
                .header("Mcp-Session-Id", id)
                .header("MCP-Protocol-Version", SESSION_PROTOCOL);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let session = header("mcp-session-id");
        let retry_after = header("retry-after");
        let text = response.text().await?;
        Ok(Answer {
            status,
            session,
            retry_after,
            messages: messages_in(&text),
        })
    }

    /// Opens a 2025-11-25 session (initialize, then notifications/initialized).
    pub async fn open_session(&self) -> reqwest::Result<Answer> {
        let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": SESSION_PROTOCOL, "capabilities": {},
            "clientInfo": {"name": "abuse", "version": "0"}}});
        let answer = self.post(init.to_string().into_bytes(), None).await?;
        if let Some(id) = &answer.session {
            let done = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
            self.post(done.to_string().into_bytes(), Some(id)).await?;
        }
        Ok(answer)
    }

    /// Sends request `method` on `session` and returns its response message.
    pub async fn request(
        &self,
        session: Option<&str>,
        id: i64,
        method: &str,
        params: Value,
    ) -> reqwest::Result<(u16, Option<Value>)> {
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let answer = self.post(body.to_string().into_bytes(), session).await?;
        let response = answer.messages.into_iter().find(|m| {
            m["id"] == json!(id) && (m.get("result").is_some() || m.get("error").is_some())
        });
        Ok((answer.status, response))
    }

    /// Sends request `method` the 2026-07-28 way: no session, the protocol version
    /// in a header and in the request's `_meta`.
    pub async fn request_stateless(
        &self,
        id: i64,
        method: &str,
        params: Value,
    ) -> reqwest::Result<(u16, Option<Value>)> {
        let (status, messages) = self
            .stateless_messages(id, method, params, json!({}))
            .await?;
        let message = messages.into_iter().find(|m| m["id"] == json!(id));
        Ok((status, message))
    }

    /// Like [`McpHttp::request_stateless`] with `extra_meta` added to the request's
    /// `_meta`; returns every message of the response (notifications included).
    pub async fn stateless_messages(
        &self,
        id: i64,
        method: &str,
        mut params: Value,
        extra_meta: Value,
    ) -> reqwest::Result<(u16, Vec<Value>)> {
        params["_meta"] = json!({
            "io.modelcontextprotocol/protocolVersion": STATELESS_PROTOCOL,
            "io.modelcontextprotocol/clientInfo": {"name": "abuse", "version": "0"},
            "io.modelcontextprotocol/clientCapabilities": {},
        });
        if let (Some(meta), Some(extra)) = (params["_meta"].as_object_mut(), extra_meta.as_object())
        {
            meta.extend(extra.clone());
        }
        let mut request = self
            .http
            .post(format!("{}/mcp", self.base))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .header("MCP-Protocol-Version", STATELESS_PROTOCOL)
            .header("Mcp-Method", method);
        if let Some(name) = params["name"].as_str() {
            request = request.header("Mcp-Name", name);
        }
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let response = request.body(body.to_string()).send().await?;
        let status = response.status().as_u16();
        let text = response.text().await?;
        Ok((status, messages_in(&text)))
    }

    /// `GET /healthz`: its status.
    pub async fn health(&self) -> reqwest::Result<u16> {
        let response = self
            .http
            .get(format!("{}/healthz", self.base))
            .send()
            .await?;
        Ok(response.status().as_u16())
    }
}

/// The value of metric `name` (without labels) in Prometheus text, if there.
pub fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

/// The server's `/metrics` text (empty if it cannot be read).
pub async fn metrics_text(base: &str) -> String {
    match reqwest::get(format!("{base}/metrics")).await {
        Ok(response) => response.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Resident memory of process `pid`, in MB (Linux).
pub fn rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// What a half-open flood did to a live client.
#[derive(Debug)]
pub struct FloodReport {
    /// Sockets that connected and sent part of a request's headers.
    pub opened: usize,
    /// Calls the live client made during the flood, and how many were answered.
    pub calls: usize,
    pub answered: usize,
    /// The slowest answered call.
    pub slowest: Duration,
    /// Flood sockets the server had not closed when the check ended.
    pub still_open: usize,
    /// How long after the flood started the last flood socket was closed.
    pub all_closed_after: Option<Duration>,
}

/// Opens `sockets` connections that send half a request's headers and never finish,
/// then has a live client alternate `/healthz` and `tools/call tool` (on a 2025-11-25
/// session opened first) `calls` times, and finally waits up to `close_wait` for the
/// server to close every flood socket.
pub async fn half_open_flood(
    addr: SocketAddr,
    sockets: usize,
    calls: usize,
    tool: (&str, Value),
    close_wait: Duration,
) -> FloodReport {
    let client = McpHttp::new(&format!("http://{addr}"));
    let session = client.open_session().await.ok().and_then(|a| a.session);
    let started = Instant::now();
    let mut flood = Vec::with_capacity(sockets);
    for _ in 0..sockets {
        let connect = tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(addr));
        let Ok(Ok(mut stream)) = connect.await else {
            continue;
        };
        let partial = format!("POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: appl");
        if stream.write_all(partial.as_bytes()).await.is_ok() {
            flood.push(stream);
        }
    }
    let opened = flood.len();
    let mut answered = 0;
    let mut slowest = Duration::ZERO;
    for n in 0..calls {
        let call = Instant::now();
        let ok = if n % 2 == 0 {
            client.health().await.is_ok_and(|s| s == 200)
        } else {
            let params = json!({"name": tool.0, "arguments": tool.1});
            match client
                .request(session.as_deref(), 1000 + n as i64, "tools/call", params)
                .await
            {
                Ok((200, Some(message))) => message.get("result").is_some(),
                _ => false,
            }
        };
        if ok {
            answered += 1;
            slowest = slowest.max(call.elapsed());
        }
    }
    let (still_open, all_closed_after) = wait_closed(&mut flood, started, close_wait).await;
    FloodReport {
        opened,
        calls,
        answered,
        slowest,
        still_open,
        all_closed_after,
    }
}

/// Waits until the server has closed every socket in `flood` (or `limit` passes);
/// returns how many are still open and, if none is, when the last one closed.
async fn wait_closed(
    flood: &mut Vec<TcpStream>,
    started: Instant,
    limit: Duration,
) -> (usize, Option<Duration>) {
    let deadline = Instant::now() + limit;
    let mut buf = [0u8; 512];
    loop {
        flood.retain(|stream| match stream.try_read(&mut buf) {
            Ok(0) => false,
            Ok(_) => true,
            Err(e) => e.kind() == std::io::ErrorKind::WouldBlock,
        });
        if flood.is_empty() {
            return (0, Some(started.elapsed()));
        }
        if Instant::now() >= deadline {
            return (flood.len(), None);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Memory of a server before, during and after a round of idle sessions.
#[derive(Debug, Clone, Copy)]
pub struct SessionRound {
    pub created: usize,
    pub refused: usize,
    pub before_mb: f64,
    pub peak_mb: f64,
    pub after_expiry_mb: f64,
}

/// Opens `count` sessions (with `parallel` clients at a time) and leaves them idle,
/// sampling the server's RSS; then waits `expiry_wait` (the server's idle timeout
/// plus its sweep) and samples again.
pub async fn idle_sessions_round(
    base: &str,
    pid: u32,
    count: usize,
    parallel: usize,
    expiry_wait: Duration,
) -> SessionRound {
    let before_mb = rss_mb(pid).unwrap_or(0.0);
    let peak_kb = Arc::new(AtomicU64::new(0));
    let sampling = {
        let peak_kb = peak_kb.clone();
        tokio::spawn(async move {
            while let Some(mb) = rss_mb(pid) {
                peak_kb.fetch_max((mb * 1024.0) as u64, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let client = McpHttp::new(base);
    let per_worker = count.div_ceil(parallel.max(1));
    let workers: Vec<_> = (0..parallel.max(1))
        .map(|w| {
            let client = client.clone();
            let mine = per_worker.min(count.saturating_sub(w * per_worker));
            tokio::spawn(async move {
                let (mut created, mut refused) = (0, 0);
                for _ in 0..mine {
                    match client.open_session().await {
                        Ok(a) if a.session.is_some() => created += 1,
                        _ => refused += 1,
                    }
                }
                (created, refused)
            })
        })
        .collect();
    let (mut created, mut refused) = (0, 0);
    for worker in workers {
        let (c, r) = worker.await.expect("session worker");
        created += c;
        refused += r;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    sampling.abort();
    let peak_mb = peak_kb.load(Ordering::Relaxed) as f64 / 1024.0;
    tokio::time::sleep(expiry_wait).await;
    SessionRound {
        created,
        refused,
        before_mb,
        peak_mb: peak_mb.max(before_mb),
        after_expiry_mb: rss_mb(pid).unwrap_or(0.0),
    }
}

/// How one malformed body was answered over HTTP.
#[derive(Debug)]
pub struct MalformedOutcome {
    pub name: &'static str,
    pub status: u16,
    /// `(code, id)` of the error that came back, if one did.
    pub error: Option<(i64, Value)>,
    pub expected: (u16, i64, Value),
    /// Whether a ping on the same session was answered right after.
    pub next_answered: bool,
}

impl MalformedOutcome {
    pub fn ok(&self) -> bool {
        self.status == self.expected.0
            && self.error == Some((self.expected.1, self.expected.2.clone()))
            && self.next_answered
    }
}

/// The HTTP status a malformed body must get: 400 when the message itself is
/// unreadable or invalid, 200 (the error answers the request) otherwise.
pub fn expected_status(code: i64) -> u16 {
    match code {
        malformed::PARSE_ERROR | malformed::INVALID_REQUEST => 400,
        _ => 200,
    }
}

/// Sends every case of the shared corpus as a POST body on a 2025-11-25 session, each
/// followed by a ping on the same session.
pub async fn malformed_over_http(base: &str) -> Vec<MalformedOutcome> {
    let client = McpHttp::new(base);
    let session = client.open_session().await.expect("initialize").session;
    let mut outcomes = Vec::new();
    for (n, case) in malformed::corpus().into_iter().enumerate() {
        let (status, error) = match client.post(case.bytes.clone(), session.as_deref()).await {
            Ok(answer) => {
                let error = answer
                    .messages
                    .iter()
                    .find(|m| m.get("error").is_some())
                    .map(|m| (m["error"]["code"].as_i64().unwrap_or(0), m["id"].clone()));
                (answer.status, error)
            }
            Err(_) => (0, None),
        };
        let ping = client
            .request(session.as_deref(), 50_000 + n as i64, "ping", json!({}))
            .await;
        let next_answered = matches!(ping, Ok((200, Some(ref m))) if m.get("result").is_some());
        outcomes.push(MalformedOutcome {
            name: case.name,
            status,
            error,
            expected: (expected_status(case.code), case.code, case.id),
            next_answered,
        });
    }
    outcomes
}

/// How a call in flight fared when its server was told to stop.
#[derive(Debug)]
pub struct StopOutcome {
    /// The HTTP status and the call's response message, if one came.
    pub status: u16,
    pub response: Option<Value>,
    /// When the response arrived, counted from the signal.
    pub answered_after: Duration,
}

/// Starts `tools/call tool` (on a 2025-11-25 session when `with_session`, else the
/// 2026-07-28 way), sends SIGTERM to `pid` after `signal_after`, and returns what the
/// call got.
pub async fn sigterm_during_call(
    base: &str,
    pid: u32,
    with_session: bool,
    tool: (&str, Value),
    signal_after: Duration,
) -> StopOutcome {
    let client = McpHttp::new(base);
    let session = if with_session {
        let answer = client.open_session().await.expect("initialize");
        Some(answer.session.expect("a session id"))
    } else {
        None
    };
    let params = json!({"name": tool.0, "arguments": tool.1});
    let call = {
        let client = client.clone();
        tokio::spawn(async move {
            match session {
                Some(id) => client.request(Some(&id), 7, "tools/call", params).await,
                None => client.request_stateless(7, "tools/call", params).await,
            }
        })
    };
    tokio::time::sleep(signal_after).await;
    let signalled = Instant::now();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .is_ok_and(|s| s.success());
    assert!(sent, "could not signal {pid}");
    let (status, response) = call
        .await
        .expect("call task")
        .map_or((0, None), |(status, message)| (status, message));
    StopOutcome {
        status,
        response,
        answered_after: signalled.elapsed(),
    }
}

/// Sends every case of the shared corpus as one stdio line to `binary args...` (after
/// the initialize handshake), each followed by a ping.
pub async fn malformed_over_stdio(binary: &str, args: &[&str]) -> Vec<MalformedOutcome> {
    let (mut raw, _) = crate::AsyncRawStdio::start(binary, args).await;
    let mut outcomes = Vec::new();
    for (n, case) in malformed::corpus().into_iter().enumerate() {
        raw.send_line(&case.bytes).await;
        let reply = raw
            .wait_for(Duration::from_secs(5), |v| {
                v.get("result").is_some() || v.get("error").is_some()
            })
            .await;
        let error = reply
            .as_ref()
            .filter(|m| m.get("error").is_some())
            .map(|m| (m["error"]["code"].as_i64().unwrap_or(0), m["id"].clone()));
        let ping = raw
            .wait_for_request(50_000 + n as i64, "ping", json!({}), Duration::from_secs(5))
            .await;
        outcomes.push(MalformedOutcome {
            name: case.name,
            // stdio has no status; a reply stands for it.
            status: if reply.is_some() { 200 } else { 0 },
            error,
            expected: (200, case.code, case.id),
            next_answered: ping.is_some_and(|m| m.get("result").is_some()),
        });
    }
    outcomes
}

/// Starts sql-server on an empty SQLite database with `--query-timeout
/// query_timeout` and `--shutdown-grace grace` (seconds), runs [`sigterm_during_call`]
/// with a query that lasts the whole timeout, and waits up to 15 s for the exit.
pub async fn stop_sql_server_during_query(
    with_session: bool,
    query_timeout: u64,
    grace: u64,
    signal_after: Duration,
) -> (StopOutcome, Option<std::process::ExitStatus>) {
    let (_dir, url) = empty_sqlite();
    let (timeout, grace) = (query_timeout.to_string(), grace.to_string());
    let mut server = crate::HttpServer::start(
        "sql-server",
        &[
            "--url",
            &url,
            "--query-timeout",
            &timeout,
            "--shutdown-grace",
            &grace,
        ],
        &[],
    );
    let outcome = sigterm_during_call(
        &server.base,
        server.child.id(),
        with_session,
        ("query", json!({"sql": ENDLESS_QUERY})),
        signal_after,
    )
    .await;
    let exit = server.wait_exit(Duration::from_secs(15));
    (outcome, exit)
}

/// Sends `count` requests with a wrong bearer token; returns the statuses in order.
pub async fn wrong_tokens(base: &str, count: usize) -> Vec<u16> {
    let http = reqwest::Client::new();
    let mut statuses = Vec::with_capacity(count);
    for n in 0..count {
        let status = http
            .post(format!("{base}/mcp"))
            .header("Authorization", format!("Bearer guess-{n}"))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .body("{}")
            .send()
            .await
            .map_or(0, |r| r.status().as_u16());
        statuses.push(status);
    }
    statuses
}

/// Reads an HTTP/1.1 response from a raw socket until it closes (for tests that
/// write raw requests).
pub async fn read_to_close(stream: &mut TcpStream, limit: Duration) -> String {
    let mut out = Vec::new();
    let _ = tokio::time::timeout(limit, stream.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

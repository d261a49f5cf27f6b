//! Helpers for end-to-end tests: locate the built server binaries, build fixture
//! trees, spawn servers over stdio or HTTP, and speak MCP to them — through rmcp's
//! client, or as raw JSON-RPC lines when a test needs to see the wire.
//!
//! The binaries are the ones `cargo build --workspace` produced (`make test` builds
//! them first). Set `E2E_BIN_DIR` to test binaries elsewhere (e.g. a release build).

pub mod abuse;
pub mod malformed;
pub mod scale;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use serde_json::{Value, json};

/// Path of a built workspace binary.
pub fn bin(name: &str) -> PathBuf {
    let dir = std::env::var_os("E2E_BIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/debug"));
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --workspace --bins` first (`make test` does)",
        path.display()
    );
    path
}

/// A temporary tree: `root/` (served), a sibling `root-evil/`, and `outside/`.
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = Self { dir };
        f.write(
            "root/hello.txt",
            "hello world\nsecond line é€😀\nthird line\n",
        );
        f.write(
            "root/src/main.rs",
            "fn main() {\n    println!(\"needle\");\n}\n",
        );
        f.write("root/.gitignore", "ignored/\n");
        f.write("root/ignored/skip.txt", "needle in ignored\n");
        f.write("root-evil/secret.txt", "EVIL-SIBLING-SECRET\n");
        f.write("outside/secret.txt", "OUTSIDE-SECRET\n");
        f
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn root(&self) -> PathBuf {
        self.path("root")
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
}

impl Default for Fixture {
    fn default() -> Self {
        Self::new()
    }
}

/// An rmcp client connected over stdio to `binary args...`.
pub async fn stdio_client(binary: &str, args: &[&str]) -> RunningService<RoleClient, ()> {
    let transport =
        TokioChildProcess::builder(tokio::process::Command::new(bin(binary)).configure(|c| {
            c.args(args).env("RUST_LOG", "warn");
        }))
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn server")
        .0;
    ().serve(transport).await.expect("initialize over stdio")
}

/// Calls a tool and returns the result (panics on a JSON-RPC error).
pub async fn call(
    client: &RunningService<RoleClient, ()>,
    tool: &str,
    args: Value,
) -> CallToolResult {
    let params = CallToolRequestParams::new(tool.to_string()).with_arguments(
        args.as_object()
            .expect("arguments must be an object")
            .clone(),
    );
    client.call_tool(params).await.expect("tools/call answered")
}

/// All text content of a tool result, joined by newlines.
pub fn text_of(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.as_str()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A successful tool result's JSON text (panics, showing the text, otherwise).
pub fn ok_json(result: &CallToolResult) -> Value {
    assert_ne!(
        result.is_error,
        Some(true),
        "tool failed: {}",
        text_of(result)
    );
    serde_json::from_str(&text_of(result))
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text_of(result)))
}

/// POSTs a 2025-11-25 `initialize` to `mcp_url` with `token` as the bearer (none: no
/// `Authorization` header); returns the status and the `WWW-Authenticate` value.
pub async fn initialize_status(mcp_url: &str, token: Option<&str>) -> (u16, String) {
    let initialize = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"e2e","version":"0"}}});
    let mut request = reqwest::Client::new()
        .post(mcp_url)
        .header("accept", "application/json, text/event-stream")
        .json(&initialize);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("the server answers");
    let challenge = response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (response.status().as_u16(), challenge)
}

/// Asserts that `mcp_url` answers `initialize` with 401 and a Bearer challenge both
/// without a token and with `bad_token` (then `invalid_token`), never echoing it.
pub async fn assert_refused_at_the_door(mcp_url: &str, bad_token: &str) {
    for token in [None, Some(bad_token)] {
        let (status, challenge) = initialize_status(mcp_url, token).await;
        assert_eq!(status, 401, "token {token:?}");
        assert!(challenge.starts_with("Bearer"), "{challenge}");
        assert_eq!(
            token.is_some(),
            challenge.contains("invalid_token"),
            "{challenge}"
        );
        assert!(
            !challenge.contains(bad_token),
            "the token is never echoed: {challenge}"
        );
    }
}

/// A free loopback port (racy in theory, fine for tests).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A server process serving HTTP on a loopback port; killed on drop.
pub struct HttpServer {
    pub child: Child,
    pub base: String,
}

impl HttpServer {
    /// Starts `binary --http 127.0.0.1:PORT args...` and waits for `/healthz`.
    pub fn start(binary: &str, args: &[&str], envs: &[(&str, &str)]) -> Self {
        Self::start_with_fd_limit(binary, args, envs, None)
    }

    /// Like [`HttpServer::start`], with the process's file-descriptor limit (soft and
    /// hard) set to `fd_limit` when given (through util-linux `prlimit`).
    pub fn start_with_fd_limit(
        binary: &str,
        args: &[&str],
        envs: &[(&str, &str)],
        fd_limit: Option<u32>,
    ) -> Self {
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let mut command = match fd_limit {
            Some(n) => {
                let mut c = Command::new("prlimit");
                c.arg(format!("--nofile={n}:{n}")).arg(bin(binary));
                c
            }
            None => Command::new(bin(binary)),
        };
        let child = command
            .arg("--http")
            .arg(&addr)
            .args(args)
            .envs(envs.iter().copied())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn server");
        let server = Self {
            child,
            base: format!("http://{addr}"),
        };
        server.wait_healthy();
        server
    }

    fn wait_healthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if probe::blocking_get(&format!("{}/healthz", self.base))
                .is_ok_and(|status| status == 200)
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("server at {} did not become healthy", self.base);
    }

    pub fn mcp_url(&self) -> String {
        format!("{}/mcp", self.base)
    }

    /// The server's address.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.base
            .trim_start_matches("http://")
            .parse()
            .expect("a socket address")
    }

    /// Waits up to `limit` for the process to exit; its status, if it did.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

mod probe {
    //! A minimal blocking GET for readiness polling, so tests need no blocking client.
    use std::io::{Read, Write};
    use std::net::TcpStream;

    /// The HTTP status of `GET url` (http://host:port/path only).
    pub fn blocking_get(url: &str) -> std::io::Result<u16> {
        let rest = url.strip_prefix("http://").unwrap_or(url);
        let (authority, path) = rest
            .split_once('/')
            .map(|(a, p)| (a, format!("/{p}")))
            .unwrap_or((rest, "/".into()));
        let mut stream = TcpStream::connect(authority)?;
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
        )?;
        let mut buf = String::new();
        stream.read_to_string(&mut buf)?;
        let status = buf
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        Ok(status)
    }
}

/// A server driven by raw JSON-RPC lines over stdio, for tests that must see the wire
/// (progress notifications, cancellation, stdout cleanliness).
pub struct RawStdio {
    pub child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// Every message the server wrote, in order.
    pub seen: Vec<Value>,
}

impl RawStdio {
    /// Spawns the server and completes the 2025-11-25 initialize handshake.
    pub fn start(binary: &str, args: &[&str]) -> Self {
        Self::start_with(binary, args, json!({}))
    }

    /// Like [`RawStdio::start`], declaring these client capabilities.
    pub fn start_with(binary: &str, args: &[&str], capabilities: Value) -> Self {
        Self::start_logging_to(binary, args, capabilities, Stdio::null())
    }

    /// Like [`RawStdio::start_with`], with the server's stderr (its log, at info)
    /// going to `stderr`.
    pub fn start_logging_to(
        binary: &str,
        args: &[&str],
        capabilities: Value,
        stderr: impl Into<Stdio>,
    ) -> Self {
        let mut child = Command::new(bin(binary))
            .args(args)
            .env("RUST_LOG", "info")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn server");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut raw = Self {
            child,
            stdin,
            stdout,
            seen: Vec::new(),
        };
        raw.send(
            json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": capabilities,
            "clientInfo": {"name": "raw-test", "version": "0"}}}),
        );
        raw.wait_for_id(0);
        raw.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        raw
    }

    pub fn send(&mut self, message: Value) {
        writeln!(self.stdin, "{message}").expect("write to server");
        self.stdin.flush().expect("flush");
    }

    /// Reads one line; panics if stdout carries anything but a JSON-RPC message.
    pub fn read(&mut self) -> Value {
        let mut line = String::new();
        let n = self.stdout.read_line(&mut line).expect("read from server");
        assert!(n > 0, "server closed stdout");
        let value: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line:?}"));
        assert_eq!(value["jsonrpc"], "2.0", "not JSON-RPC: {line}");
        self.seen.push(value.clone());
        value
    }

    /// Reads until the response with this id arrives, and returns it.
    pub fn wait_for_id(&mut self, id: i64) -> Value {
        loop {
            let v = self.read();
            if v["id"] == json!(id) && (v.get("result").is_some() || v.get("error").is_some()) {
                return v;
            }
        }
    }

    /// Messages seen so far with this method.
    pub fn notifications(&self, method: &str) -> Vec<&Value> {
        self.seen.iter().filter(|v| v["method"] == method).collect()
    }
}

impl Drop for RawStdio {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes `count` small text files spread over subdirectories of `dir`.
pub fn make_many_files(dir: &Path, count: usize, content: &str) {
    for i in 0..count {
        let sub = dir.join(format!("d{:03}", i / 100));
        if i % 100 == 0 {
            std::fs::create_dir_all(&sub).expect("mkdir");
        }
        std::fs::write(sub.join(format!("f{i:05}.txt")), content).expect("write");
    }
}

/// Like [`RawStdio`], but asynchronous, so a test can wait for a notification with a
/// deadline (and check that none arrives). Messages that arrive while waiting for
/// something else are kept, in order, for later waits.
pub struct AsyncRawStdio {
    child: tokio::process::Child,
    stdin: tokio::process::ChildStdin,
    lines: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
    unclaimed: std::collections::VecDeque<Value>,
}

impl AsyncRawStdio {
    /// Spawns the server without any handshake (a 2026-07-28 client sends none).
    pub fn spawn(binary: &str, args: &[&str]) -> Self {
        use tokio::io::AsyncBufReadExt;
        let mut child = tokio::process::Command::new(bin(binary))
            .args(args)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn server");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        Self {
            child,
            stdin,
            lines: tokio::io::BufReader::new(stdout).lines(),
            unclaimed: std::collections::VecDeque::new(),
        }
    }

    /// Spawns the server and completes the 2025-11-25 initialize handshake; returns
    /// the session and the initialize result.
    pub async fn start(binary: &str, args: &[&str]) -> (Self, Value) {
        let mut raw = Self::spawn(binary, args);
        let init = raw.initialize(0).await;
        (raw, init)
    }

    /// Runs the 2025-11-25 handshake (initialize as request `id`, then
    /// notifications/initialized) and returns the initialize response.
    pub async fn initialize(&mut self, id: i64) -> Value {
        let init = self
            .request(
                id,
                "initialize",
                json!({"protocolVersion": "2025-11-25", "capabilities": {},
                       "clientInfo": {"name": "raw-async-test", "version": "0"}}),
            )
            .await;
        self.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        init
    }

    /// The server's process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    pub async fn send(&mut self, message: Value) {
        use tokio::io::AsyncWriteExt;
        let line = format!("{message}\n");
        self.stdin
            .write_all(line.as_bytes())
            .await
            .expect("write to server");
        self.stdin.flush().await.expect("flush");
    }

    /// Sends `bytes` as they are, plus a newline: for input that is no JSON message.
    pub async fn send_line(&mut self, bytes: &[u8]) {
        use tokio::io::AsyncWriteExt;
        self.stdin.write_all(bytes).await.expect("write to server");
        self.stdin.write_all(b"\n").await.expect("write to server");
        self.stdin.flush().await.expect("flush");
    }

    /// Sends a request and returns its response (`result` or `error`) if it comes
    /// within `limit`.
    pub async fn wait_for_request(
        &mut self,
        id: i64,
        method: &str,
        params: Value,
        limit: Duration,
    ) -> Option<Value> {
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        self.wait_for(limit, |v| {
            v["id"] == json!(id) && (v.get("result").is_some() || v.get("error").is_some())
        })
        .await
    }

    /// Sends a request and returns its response (`result` or `error`), waiting up to
    /// 10 s.
    pub async fn request(&mut self, id: i64, method: &str, params: Value) -> Value {
        self.wait_for_request(id, method, params, Duration::from_secs(10))
            .await
            .unwrap_or_else(|| panic!("no response to {method} (id {id}) within 10 s"))
    }

    /// The first message (kept from earlier, or new) matching `wanted`, if one
    /// arrives within `timeout`. Other messages are kept for later.
    pub async fn wait_for(
        &mut self,
        timeout: Duration,
        wanted: impl Fn(&Value) -> bool,
    ) -> Option<Value> {
        if let Some(i) = self.unclaimed.iter().position(&wanted) {
            return self.unclaimed.remove(i);
        }
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let message = tokio::time::timeout_at(deadline, self.read()).await.ok()?;
            if wanted(&message) {
                return Some(message);
            }
            self.unclaimed.push_back(message);
        }
    }

    /// Forgets the messages kept so far (returns them).
    pub fn take_unclaimed(&mut self) -> Vec<Value> {
        self.unclaimed.drain(..).collect()
    }

    /// Reads one line; panics if stdout closes or carries anything but JSON-RPC.
    async fn read(&mut self) -> Value {
        let line = self
            .lines
            .next_line()
            .await
            .expect("read from server")
            .expect("server closed stdout");
        let value: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line:?}"));
        assert_eq!(value["jsonrpc"], "2.0", "not JSON-RPC: {line}");
        value
    }
}

/// How many inotify watches process `pid` holds now (Linux: from
/// `/proc/PID/fdinfo`); `None` where that cannot be read.
pub fn inotify_watches(pid: u32) -> Option<usize> {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?;
    let mut watches = 0;
    for fd in fds.filter_map(Result::ok) {
        let is_inotify = std::fs::read_link(fd.path())
            .is_ok_and(|target| target.to_string_lossy().contains("inotify"));
        if !is_inotify {
            continue;
        }
        let info = std::fs::read_to_string(format!(
            "/proc/{pid}/fdinfo/{}",
            fd.file_name().to_string_lossy()
        ))
        .ok()?;
        watches += info
            .lines()
            .filter(|l| l.starts_with("inotify wd:"))
            .count();
    }
    Some(watches)
}

/// A fake GitHub on a thread and runtime of its own, so a test that blocks (on a
/// child process, or a synchronous client) does not stall it, and the times it
/// records are when requests arrived.
pub fn fake_github_on_own_thread() -> fake_apis::github::FakeGithub {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the fake");
        runtime.block_on(async move {
            let fake = fake_apis::github::start(0)
                .await
                .expect("start the fake GitHub");
            tx.send(fake).expect("hand the fake over");
            std::future::pending::<()>().await
        });
    });
    rx.recv().expect("the fake started")
}

#[cfg(test)]
mod layout {
    /// The e2e tests are listed one by one in Cargo.toml (`autotests = false`): a file
    /// added to `e2e/` without its `[[test]]` entry would never run.
    #[test]
    fn every_file_in_e2e_is_a_test_target() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        let mut files = 0;
        for entry in std::fs::read_dir(dir.join("e2e")).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().to_string();
            if let Some(stem) = name.strip_suffix(".rs") {
                files += 1;
                assert!(
                    manifest.contains(&format!("path = \"e2e/{stem}.rs\"")),
                    "tests/e2e/{name} has no [[test]] entry in tests/Cargo.toml"
                );
            }
        }
        assert!(files >= 20, "found only {files} test files");
    }
}

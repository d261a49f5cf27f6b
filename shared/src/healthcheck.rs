//! `SERVER healthcheck`: a health probe for containers, with nothing but std (the
//! image has no curl).
//!
//! [`run`] sends `GET /healthz` to the address the server was told to serve on
//! (`--http` / `MCP_HTTP`) and returns the process exit code: 0 when the answer's
//! status line says 200, 1 for anything else (refused, timed out, another status, not
//! HTTP), as Docker's `HEALTHCHECK` expects. An unspecified bind address is probed on
//! loopback: `0.0.0.0` on `127.0.0.1`, `::` on `::1` and then `127.0.0.1` (a `::`
//! socket also takes IPv4, and some containers have no IPv6 loopback). The `Host`
//! header names `127.0.0.1`, which the server always allows, so `--allowed-host` does
//! not matter. Connecting, sending and reading share one deadline of [`TIMEOUT`],
//! below the image's `HEALTHCHECK --timeout`. The one-line result goes to stderr,
//! where `docker inspect` shows it in the container's health log.
//!
//! Without an HTTP address (a stdio server) there is nothing to probe: `run` says so
//! and returns 0. The image's `HEALTHCHECK` runs for every container of the image,
//! stdio ones included, and a stdio server is reachable only through the pipes of the
//! client that started it; failing would mark every such container unhealthy while
//! nothing is wrong (and get it restarted by whatever acts on health). The line
//! printed says so, and names `MCP_HTTP` for an HTTP server started with `--http`
//! alone: the probe, a separate process, sees only the environment, so such a
//! container's health says nothing; give it `MCP_HTTP` instead.

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// The whole probe's time limit: connecting, sending the request, reading the answer.
pub const TIMEOUT: Duration = Duration::from_secs(3);

/// How much of the answer is read at most while looking for the status line.
const MAX_STATUS_LINE: usize = 1024;

/// Probes `GET /healthz` of the server told to serve on `http`; returns the exit code
/// (0 healthy, 1 not) after printing one line to stderr. `None` (stdio) returns 0.
pub fn run(http: Option<SocketAddr>) -> i32 {
    let Some(bind) = http else {
        eprintln!(
            "healthcheck: healthy: nothing to probe without an HTTP address (MCP_HTTP or --http): a stdio server, or one started with --http alone, which this check cannot see (give it MCP_HTTP instead)"
        );
        return 0;
    };
    let (code, line) = check(bind, TIMEOUT);
    eprintln!("healthcheck: {line}");
    code
}

/// [`run`]'s work without printing: the exit code and the line to print.
fn check(bind: SocketAddr, timeout: Duration) -> (i32, String) {
    let deadline = Instant::now() + timeout;
    let mut failures = Vec::new();
    for target in probe_targets(bind) {
        match probe(target, deadline) {
            Ok(status) => {
                return (
                    0,
                    format!("healthy: GET http://{target}/healthz -> {status}"),
                );
            }
            Err(reason) => failures.push(format!("GET http://{target}/healthz -> {reason}")),
        }
    }
    (1, format!("unhealthy: {}", failures.join("; ")))
}

/// Where to send the probe for a server bound to `bind`, in order: the address itself,
/// or loopback for an unspecified one.
pub fn probe_targets(bind: SocketAddr) -> Vec<SocketAddr> {
    let port = bind.port();
    let v4 = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port);
    match bind.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => vec![v4],
        IpAddr::V6(ip) if ip.is_unspecified() => {
            vec![SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), port), v4]
        }
        _ => vec![bind],
    }
}

/// One `GET /healthz` to `target` before `deadline`: `Ok(status line)` for a 200,
/// `Err(what went wrong)` otherwise.
fn probe(target: SocketAddr, deadline: Instant) -> Result<String, String> {
    // A zero timeout is an error for the socket setters: keep at least 1 ms.
    let left = || {
        deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1))
    };
    let timed_out =
        |e: &std::io::Error| matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut);
    let mut stream = TcpStream::connect_timeout(&target, left()).map_err(|e| {
        if timed_out(&e) {
            "no connection before the deadline".to_string()
        } else {
            format!("cannot connect: {e}")
        }
    })?;
    let request = format!(
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nUser-Agent: mcp-healthcheck\r\nConnection: close\r\n\r\n",
        target.port()
    );
    stream
        .set_write_timeout(Some(left()))
        .and_then(|()| stream.write_all(request.as_bytes()))
        .map_err(|e| format!("cannot send the request: {e}"))?;
    let mut answer = Vec::new();
    let mut chunk = [0u8; 256];
    while !answer.contains(&b'\n') && answer.len() < MAX_STATUS_LINE {
        let read = stream
            .set_read_timeout(Some(left()))
            .and_then(|()| stream.read(&mut chunk));
        match read {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if timed_out(&e) => return Err("no answer before the deadline".to_string()),
            Err(e) => return Err(format!("cannot read the answer: {e}")),
        }
    }
    let line = answer.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line).trim_end().to_string();
    if line.is_empty() {
        return Err("connection closed without an answer".to_string());
    }
    let mut words = line.split_whitespace();
    let is_http = words.next().is_some_and(|v| v.starts_with("HTTP/1."));
    match words.next() {
        Some("200") if is_http => Ok(line),
        _ if is_http => Err(line),
        _ => Err(format!("not an HTTP answer: {:?}", truncate(&line, 80))),
    }
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::thread::{self, JoinHandle};

    /// A one-connection server on 127.0.0.1: reads the request head, then sends
    /// `answer`, or (with `None`) keeps the connection open without answering for 1 s.
    /// Joins to the request it read.
    fn serve_once(answer: Option<&'static str>) -> (SocketAddr, JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let handle = thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 512];
            while !request.ends_with(b"\r\n\r\n") {
                match conn.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            match answer {
                Some(answer) => {
                    let _ = conn.write_all(answer.as_bytes());
                }
                None => thread::sleep(Duration::from_secs(1)),
            }
            String::from_utf8_lossy(&request).into_owned()
        });
        (addr, handle)
    }

    const OK: &str = "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 3\r\n\r\nok\n";
    const UNAVAILABLE: &str = "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n";

    #[test]
    fn a_200_is_healthy_and_the_request_is_a_plain_get() {
        let (addr, server) = serve_once(Some(OK));
        let (code, line) = check(addr, TIMEOUT);
        assert_eq!(code, 0, "{line}");
        assert!(line.contains("HTTP/1.1 200 OK"), "{line}");
        let request = server.join().unwrap();
        assert!(
            request.starts_with("GET /healthz HTTP/1.1\r\n"),
            "{request}"
        );
        assert!(
            request.contains(&format!("\r\nHost: 127.0.0.1:{}\r\n", addr.port())),
            "{request}"
        );
    }

    #[test]
    fn run_returns_the_exit_code() {
        let (addr, server) = serve_once(Some(OK));
        assert_eq!(run(Some(addr)), 0);
        server.join().unwrap();
        let (addr, server) = serve_once(Some(UNAVAILABLE));
        assert_eq!(run(Some(addr)), 1);
        server.join().unwrap();
    }

    /// Probes a one-connection server sending `answer`: unhealthy, saying `why`.
    fn assert_unhealthy(answer: &'static str, why: &str) {
        let (addr, server) = serve_once(Some(answer));
        let (code, line) = check(addr, TIMEOUT);
        assert_eq!(code, 1, "{line}");
        assert!(line.contains(why), "{line}");
        server.join().unwrap();
    }

    #[test]
    fn another_status_is_unhealthy() {
        assert_unhealthy(UNAVAILABLE, "503 Service Unavailable");
    }

    #[test]
    fn no_answer_is_unhealthy_within_the_deadline() {
        let (addr, server) = serve_once(None);
        let started = Instant::now();
        let (code, line) = check(addr, Duration::from_millis(300));
        assert_eq!(code, 1);
        assert!(line.contains("no answer before the deadline"), "{line}");
        assert!(started.elapsed() < Duration::from_millis(1500));
        server.join().unwrap();
    }

    #[test]
    fn a_closed_connection_or_not_http_is_unhealthy() {
        assert_unhealthy("", "closed without an answer");
        assert_unhealthy("SSH-2.0-OpenSSH\r\n", "not an HTTP answer");
    }

    #[test]
    fn nothing_listening_is_unhealthy() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let (code, line) = check(SocketAddr::from(([127, 0, 0, 1], port)), TIMEOUT);
        assert_eq!(code, 1);
        assert!(line.contains("cannot connect"), "{line}");
    }

    #[test]
    fn an_unspecified_bind_address_is_probed_on_loopback() {
        let any4: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        let any6: SocketAddr = "[::]:8080".parse().unwrap();
        let other: SocketAddr = "192.0.2.7:8080".parse().unwrap();
        assert_eq!(probe_targets(any4), ["127.0.0.1:8080".parse().unwrap()]);
        assert_eq!(
            probe_targets(any6),
            [
                "[::1]:8080".parse().unwrap(),
                "127.0.0.1:8080".parse().unwrap()
            ]
        );
        assert_eq!(probe_targets(other), [other]);

        let (addr, server) = serve_once(Some(OK));
        let bind = SocketAddr::from(([0, 0, 0, 0], addr.port()));
        assert_eq!(check(bind, TIMEOUT).0, 0);
        server.join().unwrap();

        // `::` tries ::1 first, then 127.0.0.1 (where this server listens).
        let (addr, server) = serve_once(Some(OK));
        let bind = SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), addr.port());
        let (code, line) = check(bind, TIMEOUT);
        assert_eq!(code, 0, "{line}");
        server.join().unwrap();
    }

    #[test]
    fn stdio_has_nothing_to_probe() {
        assert_eq!(run(None), 0);
    }
}

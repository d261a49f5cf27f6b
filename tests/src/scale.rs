//! Replicas behind a real HAProxy sharing state through a real Redis, for the
//! scale-out tests and benchmark: what they need from the machine (with a plain
//! "skipped" when it is missing), replicas of a server with `--redis-url`, and
//! HAProxy running the shipped `configs/haproxy.cfg`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{HttpServer, free_port};

/// Where the machine's Redis is (`REDIS_URL`), when it answers a PING; otherwise
/// says why the test is skipped.
pub fn redis_url() -> Option<String> {
    let Ok(url) = std::env::var("REDIS_URL") else {
        eprintln!("skipped: REDIS_URL is not set (e.g. redis://127.0.0.1:6379; .ci/run sets it)");
        return None;
    };
    let authority = url
        .trim_start_matches("redis://")
        .rsplit('@')
        .next()
        .unwrap_or_default()
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string();
    if ping(&authority) {
        Some(url)
    } else {
        eprintln!("skipped: the Redis at REDIS_URL ({authority}) does not answer PING");
        None
    }
}

/// Whether a Redis at `authority` answers PING.
pub fn ping(authority: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(authority) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut answer = [0u8; 7];
    stream.write_all(b"PING\r\n").is_ok()
        && stream.read_exact(&mut answer).is_ok()
        && &answer == b"+PONG\r\n"
}

/// Whether HAProxy is installed (integration/scale/setup.sh installs it); otherwise
/// says why the test is skipped.
pub fn haproxy_available() -> bool {
    let found = Command::new("haproxy")
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        eprintln!("skipped: haproxy is not installed (run integration/scale/setup.sh)");
    }
    found
}

/// A Redis key prefix no other test run uses.
pub fn unique_prefix(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("mcp-e2e-{test}-{}-{nanos}", std::process::id())
}

/// The shipped HAProxy configuration.
pub fn haproxy_config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../configs/haproxy.cfg")
}

/// HAProxy on a loopback port in front of three replicas; killed on drop.
pub struct Balancer {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Balancer {
    /// Starts HAProxy with `configs/haproxy.cfg` in front of `replicas` (exactly
    /// three), sticky on `Mcp-Session-Id` when `sticky`, and waits until it proxies
    /// `/healthz`.
    pub fn start(replicas: &[SocketAddr], sticky: bool) -> Self {
        assert_eq!(
            replicas.len(),
            3,
            "configs/haproxy.cfg lists three replicas"
        );
        let port = free_port();
        let mut command = Command::new("haproxy");
        command
            .arg("-f")
            .arg(haproxy_config())
            .arg("-db")
            .env("MCP_LB_BIND", format!("127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (i, replica) in replicas.iter().enumerate() {
            command.env(format!("MCP_REPLICA_{}", i + 1), replica.to_string());
        }
        if sticky {
            command.env("MCP_STICKY_SESSIONS", "1");
        }
        let child = command.spawn().expect("spawn haproxy");
        let balancer = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if crate::probe::blocking_get(&format!("{}/healthz", balancer.base))
                .is_ok_and(|s| s == 200)
            {
                return balancer;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("haproxy at {} did not start proxying", balancer.base);
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `count` github-server replicas against the API at `api_url` acting as the
/// fake's demo user, sharing state through `redis` under `prefix` when given,
/// with `extra` arguments; each trusts a proxy on 127.0.0.1.
pub fn github_replicas(
    count: usize,
    api_url: &str,
    redis: Option<(&str, &str)>,
    extra: &[&str],
) -> Vec<HttpServer> {
    (0..count)
        .map(|_| {
            let mut args = vec!["--api-url", api_url, "--trusted-proxy", "127.0.0.1"];
            if let Some((url, prefix)) = redis {
                args.extend(["--redis-url", url, "--redis-prefix", prefix]);
            }
            args.extend_from_slice(extra);
            HttpServer::start(
                "github-server",
                &args,
                &[("GITHUB_TOKEN", fake_apis::github::DEMO_TOKEN)],
            )
        })
        .collect()
}

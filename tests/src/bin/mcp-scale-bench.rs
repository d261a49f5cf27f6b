//! What sharing through Redis adds to a call: github-server over HTTP against the
//! fake GitHub, once on its own and once with `--redis-url`, timing sequential
//! 2026-07-28 `tools/call get_me` round trips (p50/p99) for
//! - a cached read: the upstream response is in the cache and revalidated with a
//!   304 (local: moka; shared: a Redis GET), rate limiter off;
//! - a rate-limited read: the same with the upstream limiter on at a rate it never
//!   waits for (local: governor; shared: the GCRA script in Redis).
//!
//! The per-client HTTP limit is off in both, so only the upstream path differs.
//!
//! Usage: mcp-scale-bench [CALLS] (default 1000), with REDIS_URL set and the
//! servers built (E2E_BIN_DIR=target/release for release builds). Prints a
//! Markdown table.

use std::time::{Duration, Instant};

use e2e::abuse::McpHttp;
use e2e::fake_github_on_own_thread;
use e2e::scale::{github_replicas, redis_url, unique_prefix};
use serde_json::json;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

async fn timed_calls(base: &str, calls: usize) -> (Duration, Duration) {
    let client = McpHttp::new(base);
    let params = json!({"name": "get_me", "arguments": {}});
    // Warm-up: fills the cache and the connection pool.
    for i in 0..20 {
        client
            .request_stateless(i, "tools/call", params.clone())
            .await
            .expect("call");
    }
    let mut times = Vec::with_capacity(calls);
    for i in 0..calls {
        let started = Instant::now();
        let (status, message) = client
            .request_stateless(100 + i as i64, "tools/call", params.clone())
            .await
            .expect("call");
        times.push(started.elapsed());
        assert_eq!(status, 200);
        assert_ne!(
            message.expect("a response")["result"]["isError"],
            json!(true)
        );
    }
    times.sort();
    (percentile(&times, 0.50), percentile(&times, 0.99))
}

fn us(d: Duration) -> String {
    format!("{} µs", d.as_micros())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let calls: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let Some(url) = redis_url() else {
        std::process::exit(0);
    };
    let fake = fake_github_on_own_thread();
    let prefix = unique_prefix("bench");
    println!(
        "| read ({calls} sequential calls) | local p50 | local p99 | Redis p50 | Redis p99 | Redis adds (p50) |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, limiter) in [
        (
            "cached read (304 revalidation)",
            ["--api-rate-limit", "0", "--api-burst", "1"],
        ),
        (
            "rate-limited read (limiter never waits)",
            ["--api-rate-limit", "100000", "--api-burst", "100000"],
        ),
    ] {
        let mut extra = vec!["--rate-limit", "0"];
        extra.extend(limiter);
        let local = github_replicas(1, &fake.base_url, None, &extra);
        let shared = github_replicas(1, &fake.base_url, Some((&url, &prefix)), &extra);
        let (local50, local99) = timed_calls(&local[0].base, calls).await;
        let (shared50, shared99) = timed_calls(&shared[0].base, calls).await;
        println!(
            "| {name} | {} | {} | {} | {} | {} |",
            us(local50),
            us(local99),
            us(shared50),
            us(shared99),
            us(shared50.saturating_sub(local50))
        );
    }
}

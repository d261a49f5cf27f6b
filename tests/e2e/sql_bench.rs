//! sql-server's benchmark (run by `integration/sql/bench.sh`, i.e. `make bench`), on
//! PostgreSQL (`POSTGRES_URL`), side by side in one run:
//!
//! 1. the same statements run N times (default 1,000) sequentially, directly with sqlx
//!    (a pool, prepared and cached like sql-server's), through sql-server's `query`
//!    tool over stdio, and through `@modelcontextprotocol/server-postgres` (when
//!    `SQL_BENCH_NPM_SERVER` names its `dist/index.js`), both driven by the same minimal
//!    JSON-RPC client; reported as calls per second, sql-server's overhead over sqlx and
//!    its speed-up over the npm server;
//!    the same comparison is then made per kind of statement (point lookup, aggregate,
//!    join, group by, paged scan), as microseconds per call;
//! 2. a 1,000,000-row table queried without a LIMIT: the time until the capped rows
//!    arrive and the peak RSS of each server process.
//!
//! Every client connects the same way, without TLS (`sslmode=disable`): node-postgres
//! does not use TLS unless asked, while sqlx would otherwise negotiate it with a local
//! server that offers it, and the comparison is of the servers, not of the transports.
//!
//! Ignored in normal test runs. Writes a JSON summary to `SQL_BENCH_OUT` when set.

mod sql_support;

use std::time::{Duration, Instant};

use e2e::bin;
use serde_json::{Value, json};
use sql_support::*;
use sqlx::AssertSqlSafe;
use sqlx::postgres::{PgPool, PgPoolOptions};

const SETUP: &str = "
CREATE TABLE {s}.customers (id int PRIMARY KEY, name text NOT NULL, country char(2) NOT NULL);
INSERT INTO {s}.customers SELECT g, 'customer ' || g, (ARRAY['DE','FR','GB','US','NL'])[1 + g % 5] FROM generate_series(1, 1000) g;
CREATE TABLE {s}.orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES {s}.customers(id), total numeric(10,2) NOT NULL,
                         status text NOT NULL, placed_at timestamptz NOT NULL);
INSERT INTO {s}.orders SELECT g, 1 + g % 1000, (g % 997) * 1.25, (ARRAY['pending','paid','shipped'])[1 + g % 3],
                              timestamptz '2024-01-01' + g * interval '7 minutes' FROM generate_series(1, 50000) g;
CREATE INDEX ON {s}.orders (customer_id);
ANALYZE {s}.customers; ANALYZE {s}.orders;
";

/// What each kind of statement in [`statements`] is, by `i % 5`.
const KINDS: [&str; 5] = [
    "point lookup by primary key",
    "aggregate over one customer's orders",
    "join, 20 rows",
    "group by over ~1,000 rows",
    "paged scan, 10 rows",
];

fn statements(s: &str) -> Vec<String> {
    (0..10)
        .map(|i| match i % 5 {
            0 => format!("SELECT id, customer_id, total, status, placed_at FROM {s}.orders WHERE id = {}", 1000 + i * 37),
            1 => format!("SELECT count(*), sum(total) FROM {s}.orders WHERE customer_id = {}", 10 + i),
            2 => format!(
                "SELECT c.name, o.id, o.total FROM {s}.orders o JOIN {s}.customers c ON c.id = o.customer_id WHERE o.id BETWEEN {} AND {}",
                2000 + i * 100,
                2019 + i * 100
            ),
            3 => format!("SELECT status, count(*) AS n FROM {s}.orders WHERE customer_id < {} GROUP BY status ORDER BY status", 20 + i),
            _ => format!("SELECT id, name, country FROM {s}.customers WHERE country = 'FR' ORDER BY id LIMIT 10 OFFSET {}", i * 3),
        })
        .collect()
}

/// Each kind of statement with its statements: the kinds of the mix, then larger
/// listings that are measured on their own (they are not in the 1,000-call mix).
fn kinds(s: &str, mix: &[String]) -> Vec<(String, Vec<String>)> {
    let mut kinds: Vec<(String, Vec<String>)> = KINDS
        .iter()
        .enumerate()
        .map(|(k, kind)| {
            let of_kind = mix
                .iter()
                .enumerate()
                .filter(|(i, _)| i % KINDS.len() == k)
                .map(|(_, s)| s.clone())
                .collect();
            (kind.to_string(), of_kind)
        })
        .collect();
    for rows in [100, 1000] {
        let listing = (0..2)
            .map(|i| format!("SELECT id, customer_id, total, status, placed_at FROM {s}.orders WHERE id > {} ORDER BY id LIMIT {rows}", 5000 + i * 7000))
            .collect();
        kinds.push((format!("listing, {rows} rows (not in the mix)"), listing));
    }
    kinds
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// A minimal MCP client over stdio: one JSON-RPC line out, lines in until the answer.
/// The same client drives every server, so the comparison measures the servers.
struct Mcp {
    child: tokio::process::Child,
    stdin: tokio::process::ChildStdin,
    lines: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
    pid: u32,
    next_id: u64,
}

async fn spawn(program: &std::path::Path, args: &[&str]) -> Mcp {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn server");
    let pid = child.id().expect("pid");
    let stdin = child.stdin.take().expect("stdin");
    let lines = tokio::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut m = Mcp {
        child,
        stdin,
        lines,
        pid,
        next_id: 1,
    };
    m.request(
        "initialize",
        json!({"protocolVersion": "2025-11-25", "capabilities": {},
               "clientInfo": {"name": "sql-bench", "version": "0"}}),
    )
    .await;
    m.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .await;
    m
}

impl Mcp {
    async fn send(&mut self, message: Value) {
        use tokio::io::AsyncWriteExt;
        let mut line = message.to_string();
        line.push('\n');
        self.stdin.write_all(line.as_bytes()).await.expect("write");
        self.stdin.flush().await.expect("flush");
    }

    async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        loop {
            let line = self
                .lines
                .next_line()
                .await
                .expect("read")
                .expect("server closed stdout");
            let v: Value = serde_json::from_str(&line).expect("JSON-RPC line");
            if v["id"] == json!(id) {
                return v;
            }
        }
    }

    async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// Calls the `query` tool; returns whether it succeeded and the size of its text.
async fn call_query(m: &mut Mcp, sql: &str) -> (bool, usize) {
    let r = m
        .request(
            "tools/call",
            json!({"name": "query", "arguments": {"sql": sql}}),
        )
        .await;
    let result = &r["result"];
    let bytes = result["content"]
        .as_array()
        .map(|c| {
            c.iter()
                .filter_map(|b| b["text"].as_str())
                .map(str::len)
                .sum()
        })
        .unwrap_or(0);
    (
        result.is_object() && result["isError"] != json!(true),
        bytes,
    )
}

/// The median of `v` (which it sorts).
fn median_of(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// `url` with `sslmode=disable` (replacing any other mode).
fn without_tls(url: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("POSTGRES_URL is a URL");
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, _)| k != "sslmode")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    parsed
        .query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("sslmode", "disable");
    parsed.to_string()
}

/// Runs `n` sqlx calls of the statements in turn after a warm-up; returns calls per second.
async fn rate<F, Fut>(n: usize, stmts: &[String], mut f: F) -> f64
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for s in stmts.iter().cycle().take(50) {
        f(s.clone()).await;
    }
    let start = Instant::now();
    for s in stmts.iter().cycle().take(n) {
        f(s.clone()).await;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// How sqlx sends a statement.
#[derive(Clone, Copy)]
enum Protocol {
    /// Prepared and cached (`sqlx::query`).
    Extended,
    /// One simple-protocol message (`sqlx::raw_sql`).
    Simple,
}

/// Runs `n` sqlx calls of the statements on `pool`; calls per second.
async fn sqlx_rate(pool: &PgPool, n: usize, stmts: &[String], protocol: Protocol) -> f64 {
    rate(n, stmts, |s| {
        let pool = pool.clone();
        async move {
            let rows = match protocol {
                Protocol::Extended => sqlx::query(AssertSqlSafe(s)).fetch_all(&pool).await,
                Protocol::Simple => sqlx::raw_sql(AssertSqlSafe(s)).fetch_all(&pool).await,
            }
            .unwrap();
            assert!(!rows.is_empty());
        }
    })
    .await
}

/// Runs `n` `query` calls of the statements in turn after a warm-up; calls per second.
async fn mcp_rate(m: &mut Mcp, n: usize, stmts: &[String], who: &str) -> f64 {
    for s in stmts.iter().cycle().take(50) {
        assert!(call_query(m, s).await.0, "{who} refused {s}");
    }
    let start = Instant::now();
    for s in stmts.iter().cycle().take(n) {
        assert!(call_query(m, s).await.0, "{who} refused {s}");
    }
    n as f64 / start.elapsed().as_secs_f64()
}

// One thread for the client: on a small machine the client should not compete with
// the servers it measures.
#[tokio::test]
#[ignore = "benchmark: run integration/sql/bench.sh (make bench)"]
async fn sql_bench() {
    let Some(url) = postgres_url() else { return };
    let url = without_tls(&url);
    let n: usize = std::env::var("SQL_BENCH_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let big_rows: i64 = std::env::var("SQL_BENCH_BIG_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let npm = std::env::var("SQL_BENCH_NPM_SERVER")
        .ok()
        .filter(|p| std::path::Path::new(p).exists());
    let db = PgScratch::create(
        &url,
        "sqlmcp_bench",
        &format!(
            "{SETUP}\nCREATE TABLE {{s}}.big AS SELECT g AS id, md5(g::text) AS label, g * 0.01 AS amount FROM generate_series(1, {big_rows}) g;"
        ),
    )
    .await;
    // The npm server reads the search path's tables; give it ours too.
    let stmts = statements(&db.schema);
    let mut results = json!({"calls": n, "statements": stmts.len(), "big_rows": big_rows});

    // The machine is small and shared: every system runs `rounds` times, interleaved,
    // and its median rate counts.
    let rounds: usize = std::env::var("SQL_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    // sqlx directly: prepared and cached (sqlx::query) with the pool's defaults and
    // without its ping on every checkout (sql-server's setting); and the simple protocol.
    let default_pool = PgPoolOptions::new()
        .max_connections(4)
        .connect(&url)
        .await
        .unwrap();
    let pool = PgPoolOptions::new()
        .max_connections(4)
        .test_before_acquire(false)
        .connect(&url)
        .await
        .unwrap();
    let mut server = spawn(&bin("sql-server"), &["--url", &url]).await;
    let node = std::env::var("SQL_BENCH_NODE").unwrap_or_else(|_| "node".into());
    let mut npm_server = match &npm {
        Some(npm) => Some(spawn(std::path::Path::new(&node), &[npm, &url]).await),
        None => None,
    };
    let (mut sqlx_default, mut sqlx_prepared, mut sqlx_simple, mut ours, mut theirs) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        sqlx_default.push(sqlx_rate(&default_pool, n, &stmts, Protocol::Extended).await);
        sqlx_prepared.push(sqlx_rate(&pool, n, &stmts, Protocol::Extended).await);
        sqlx_simple.push(sqlx_rate(&pool, n, &stmts, Protocol::Simple).await);
        ours.push(mcp_rate(&mut server, n, &stmts, "sql-server").await);
        if let Some(npm_server) = npm_server.as_mut() {
            theirs.push(mcp_rate(npm_server, n, &stmts, "server-postgres").await);
        }
    }
    // The same, per kind of statement: microseconds per call.
    let per_kind_calls = (n / 4).max(50);
    let mut per_kind = Vec::new();
    for (kind, of_kind) in kinds(&db.schema, &stmts) {
        let (mut sqlx_us, mut ours_us, mut theirs_us) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            sqlx_us
                .push(1e6 / sqlx_rate(&pool, per_kind_calls, &of_kind, Protocol::Extended).await);
            ours_us.push(1e6 / mcp_rate(&mut server, per_kind_calls, &of_kind, "sql-server").await);
            if let Some(npm_server) = npm_server.as_mut() {
                theirs_us.push(
                    1e6 / mcp_rate(npm_server, per_kind_calls, &of_kind, "server-postgres").await,
                );
            }
        }
        let sqlx_us = median_of(&mut sqlx_us);
        let ours_us = median_of(&mut ours_us);
        let theirs_us = (!theirs_us.is_empty()).then(|| median_of(&mut theirs_us));
        per_kind.push(json!({
            "kind": kind,
            "sqlx_us": sqlx_us,
            "sql_server_us": ours_us,
            "npm_server_us": theirs_us,
            "overhead_vs_sqlx": ours_us / sqlx_us,
            "speedup_vs_npm": theirs_us.map(|t| t / ours_us),
        }));
    }
    results["per_kind_calls"] = json!(per_kind_calls);
    results["per_kind"] = json!(per_kind);
    default_pool.close().await;
    pool.close().await;
    let sqlx_default_rate = median_of(&mut sqlx_default);
    let sqlx_prepared_rate = median_of(&mut sqlx_prepared);
    let sqlx_rate = median_of(&mut sqlx_simple);
    let ours_rate = median_of(&mut ours);
    let rss_idle = peak_rss_kib(server.pid);

    // The 1,000,000-row table without LIMIT through sql-server.
    let big_sql = format!("SELECT * FROM {}.big", db.schema);
    let start = Instant::now();
    let (ok, bytes) = call_query(&mut server, &big_sql).await;
    let big_ours = start.elapsed();
    assert!(ok);
    let rss_big = peak_rss_kib(server.pid);
    let start = Instant::now();
    for _ in 0..5 {
        assert!(call_query(&mut server, &big_sql).await.0);
    }
    let big_ours_repeat = start.elapsed() / 5;
    let rss_big_repeat = peak_rss_kib(server.pid);
    server.stop().await;

    results["rounds"] = json!(rounds);
    results["sqlx_simple_per_s"] = json!(sqlx_rate);
    results["sqlx_default_pool_per_s"] = json!(sqlx_default_rate);
    results["sqlx_prepared_per_s"] = json!(sqlx_prepared_rate);
    results["sql_server_per_s"] = json!(ours_rate);
    results["overhead_vs_sqlx_default_pool"] = json!(sqlx_default_rate / ours_rate);
    results["overhead_vs_sqlx_prepared"] = json!(sqlx_prepared_rate / ours_rate);
    results["overhead_vs_sqlx_simple"] = json!(sqlx_rate / ours_rate);
    let fastest = sqlx_prepared_rate.max(sqlx_rate).max(sqlx_default_rate);
    results["overhead_vs_fastest_sqlx"] = json!(fastest / ours_rate);
    results["big_first_ms"] = json!(big_ours.as_secs_f64() * 1e3);
    results["big_repeat_ms"] = json!(big_ours_repeat.as_secs_f64() * 1e3);
    results["big_text_bytes"] = json!(bytes);
    results["sql_server_peak_rss_kib_after_calls"] = json!(rss_idle);
    results["sql_server_peak_rss_kib_after_big"] = json!(rss_big);
    results["sql_server_peak_rss_kib_after_6_big"] = json!(rss_big_repeat);

    // @modelcontextprotocol/server-postgres on the same table.
    if let Some(mut npm_server) = npm_server {
        let theirs_rate = median_of(&mut theirs);
        results["npm_server_per_s"] = json!(theirs_rate);
        results["speedup_vs_npm"] = json!(ours_rate / theirs_rate);
        let start = Instant::now();
        let big = tokio::time::timeout(
            Duration::from_secs(180),
            call_query(&mut npm_server, &big_sql),
        )
        .await;
        match big {
            Ok((ok, bytes)) => {
                results["npm_big_ms"] = json!(start.elapsed().as_secs_f64() * 1e3);
                results["npm_big_ok"] = json!(ok);
                results["npm_big_text_bytes"] = json!(bytes);
            }
            Err(_) => results["npm_big_ms"] = json!("timed out after 180 s"),
        }
        results["npm_peak_rss_kib"] = json!(peak_rss_kib(npm_server.pid));
        npm_server.stop().await;
    } else {
        results["npm_server_per_s"] = Value::Null;
    }
    db.drop_now().await;

    println!("SQL_BENCH_RESULT {results}");
    if let Ok(out) = std::env::var("SQL_BENCH_OUT") {
        std::fs::write(out, serde_json::to_string_pretty(&results).unwrap()).unwrap();
    }
}

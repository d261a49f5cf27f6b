//! `mcp-abuse`: the soak-and-abuse benchmark of the HTTP and stdio transports, run
//! against release builds by `make bench` (integration/bench/abuse.sh). It prints a
//! Markdown report with each figure next to its target:
//!
//! * (a) 1,100 half-open connections against fs-server held to 1,024 file
//!   descriptors, while a live client alternates `/healthz` and a tool call;
//! * (b) 5,000 sessions opened and left idle, two rounds, on fs-server and
//!   sql-server: RSS before, at the peak and after the sessions expired;
//! * (c) SIGTERM during a 5 s call (sql-server's query timeout makes one), for a
//!   2025-11-25 session and a 2026-07-28 client, and with a grace shorter than the call;
//! * (d) the malformed-message corpus over stdio and HTTP.
//!
//! The servers come from `E2E_BIN_DIR` (the release directory). Usage:
//! `mcp-abuse [--out FILE] [--sockets N] [--sessions N]`.

use std::fmt::Write as _;
use std::time::Duration;

use e2e::HttpServer;
use e2e::abuse::{self, MalformedOutcome};
use serde_json::json;

/// Session idle timeout for the session rounds (seconds).
const SESSION_IDLE: u64 = 10;

struct Options {
    out: Option<String>,
    sockets: usize,
    sessions: usize,
}

fn options() -> Options {
    let mut o = Options {
        out: None,
        sockets: 1100,
        sessions: 5000,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--out" => o.out = Some(value()),
            "--sockets" => o.sockets = value().parse().expect("--sockets N"),
            "--sessions" => o.sessions = value().parse().expect("--sessions N"),
            other => panic!("unknown option {other}; see the doc comment of mcp-abuse"),
        }
    }
    o
}

async fn metric(base: &str, name: &str) -> Option<f64> {
    abuse::metric(&abuse::metrics_text(base).await, name)
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

async fn half_open(report: &mut String, sockets: usize, root: &str) -> bool {
    let server =
        HttpServer::start_with_fd_limit("fs-server", &[root, "--rate-limit", "0"], &[], Some(1024));
    let flood = abuse::half_open_flood(
        server.addr(),
        sockets,
        40,
        ("list_roots", json!({})),
        Duration::from_secs(20),
    )
    .await;
    let evicted = metric(&server.base, "mcp_http_connections_evicted_total")
        .await
        .unwrap_or(0.0);
    let ok = flood.answered == flood.calls
        && flood.slowest <= Duration::from_secs(10)
        && flood.still_open == 0;
    let _ = writeln!(
        report,
        "## (a) {} half-open connections, fs-server limited to 1,024 file descriptors\n\n\
         | figure | value | target |\n|---|---|---|\n\
         | flood sockets connected and sending headers | {} | |\n\
         | live calls answered (healthz and tools/call) | {} of {} | all |\n\
         | slowest live call | {:.3} s | at most the header-read timeout (10 s) |\n\
         | half-open connections closed to make room | {evicted} | |\n\
         | every flood socket closed by the server after | {} | about the header-read timeout (10 s) after it connected |\n\
         | verdict | {} | |\n",
        sockets,
        flood.opened,
        flood.answered,
        flood.calls,
        flood.slowest.as_secs_f64(),
        flood
            .all_closed_after
            .map_or(format!("{} still open", flood.still_open), |d| format!(
                "{:.1} s",
                d.as_secs_f64()
            )),
        verdict(ok),
    );
    ok
}

async fn session_rounds(
    report: &mut String,
    label: &str,
    server: HttpServer,
    sessions: usize,
) -> bool {
    let expiry_wait = Duration::from_secs(SESSION_IDLE + 4);
    let pid = server.child.id();
    // Settle: one request so the runtime and the handler's first allocations are in.
    let _ = abuse::McpHttp::new(&server.base).health().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let first = abuse::idle_sessions_round(&server.base, pid, sessions, 8, expiry_wait).await;
    let second = abuse::idle_sessions_round(&server.base, pid, sessions, 8, expiry_wait).await;
    let start = first.before_mb;
    let ok = [first, second]
        .iter()
        .all(|r| r.created == sessions && r.peak_mb <= 100.0 && r.after_expiry_mb <= start + 20.0);
    let _ = writeln!(
        report,
        "### {label}\n\n\
         | round | sessions created | RSS before | peak RSS | RSS after expiry |\n|---|---|---|---|---|\n\
         | 1 | {} | {:.1} MB | {:.1} MB | {:.1} MB |\n\
         | 2 | {} | {:.1} MB | {:.1} MB | {:.1} MB |\n\n\
         Targets: peak at most 100 MB; after expiry within 20 MB of the start ({:.1} MB). Verdict: {}.\n",
        first.created,
        first.before_mb,
        first.peak_mb,
        first.after_expiry_mb,
        second.created,
        second.before_mb,
        second.peak_mb,
        second.after_expiry_mb,
        start,
        verdict(ok),
    );
    ok
}

async fn sigterm(report: &mut String) -> bool {
    let mut ok = true;
    let _ = writeln!(
        report,
        "## (c) SIGTERM during a 5 s call (sql-server, SQLite, --query-timeout 5), signal at 1 s\n\n\
         | client | grace | answer | after the signal | exit |\n|---|---|---|---|---|"
    );
    for (with_session, grace, want_result) in [
        (true, 10, true),
        (false, 10, true),
        (true, 2, false),
        (false, 2, false),
    ] {
        let (outcome, exit) =
            abuse::stop_sql_server_during_query(with_session, 5, grace, Duration::from_secs(1))
                .await;
        let answer = match &outcome.response {
            Some(m) if m.get("result").is_some() => "the tool's result",
            Some(m) if m["error"]["code"] == -32000 => "JSON-RPC error -32000",
            Some(_) => "another answer",
            None => "nothing",
        };
        let right = match &outcome.response {
            Some(m) if want_result => m.get("result").is_some(),
            Some(m) => m["error"]["code"] == -32000 && m["id"] == 7,
            None => false,
        };
        let exited_0 = exit.is_some_and(|s| s.success());
        ok &= right && exited_0;
        let _ = writeln!(
            report,
            "| {} | {grace} s | {answer} | {:.2} s | {} |",
            if with_session {
                "2025-11-25 session"
            } else {
                "2026-07-28"
            },
            outcome.answered_after.as_secs_f64(),
            exit.map_or("still running".to_string(), |s| s.to_string()),
        );
    }
    let _ = writeln!(
        report,
        "\nTargets: within the grace the result arrives; past it a JSON-RPC error for the request's id; exit 0. Verdict: {}.\n",
        verdict(ok)
    );
    ok
}

fn malformed_rows(report: &mut String, transport: &str, outcomes: &[MalformedOutcome]) -> bool {
    let right = outcomes.iter().filter(|o| o.ok()).count();
    let _ = writeln!(
        report,
        "| {transport} | {} | {right} | {} |",
        outcomes.len(),
        outcomes
            .iter()
            .filter(|o| !o.ok())
            .map(|o| o.name)
            .collect::<Vec<_>>()
            .join(", ")
    );
    right == outcomes.len() && outcomes.len() >= 30
}

#[tokio::main]
async fn main() {
    let o = options();
    let root = tempfile::tempdir().expect("tempdir");
    std::fs::write(root.path().join("hello.txt"), "hello\n").expect("write");
    let root = root.path().to_str().expect("utf-8 path").to_string();
    let mut report =
        String::from("# Soak and abuse benchmark of the transports (release builds)\n\n");
    let mut all = true;

    eprintln!("(a) half-open flood");
    all &= half_open(&mut report, o.sockets, &root).await;

    eprintln!("(b) idle sessions");
    let _ = writeln!(
        report,
        "## (b) {} sessions opened (2025-11-25 initialize) and left idle, twice; --session-idle-timeout {SESSION_IDLE}\n",
        o.sessions
    );
    let idle = SESSION_IDLE.to_string();
    let common = [
        "--rate-limit",
        "0",
        "--max-sessions",
        "10000",
        "--session-idle-timeout",
        &idle,
    ];
    let fs_args: Vec<&str> = std::iter::once(root.as_str()).chain(common).collect();
    all &= session_rounds(
        &mut report,
        "fs-server",
        HttpServer::start("fs-server", &fs_args, &[]),
        o.sessions,
    )
    .await;
    let (_dir, url) = abuse::empty_sqlite();
    let sql_args: Vec<&str> = ["--url", url.as_str()].into_iter().chain(common).collect();
    all &= session_rounds(
        &mut report,
        "sql-server",
        HttpServer::start("sql-server", &sql_args, &[]),
        o.sessions,
    )
    .await;

    eprintln!("(c) SIGTERM during calls");
    all &= sigterm(&mut report).await;

    eprintln!("(d) malformed messages");
    let _ = writeln!(
        report,
        "## (d) The malformed-message corpus, each followed by a ping\n\n\
         | transport | cases | answered with the expected code and id, next request answered | wrong |\n|---|---|---|---|"
    );
    let stdio = abuse::malformed_over_stdio("fs-server", &[&root]).await;
    all &= malformed_rows(&mut report, "stdio (fs-server)", &stdio);
    let server = HttpServer::start("fs-server", &[&root, "--rate-limit", "0"], &[]);
    let http = abuse::malformed_over_http(&server.base).await;
    all &= malformed_rows(&mut report, "HTTP (fs-server)", &http);
    drop(server);

    let _ = writeln!(report, "\nAll targets: {}.", verdict(all));
    print!("{report}");
    if let Some(path) = o.out {
        std::fs::write(&path, &report).expect("write the report");
        eprintln!("report written to {path}");
    }
}

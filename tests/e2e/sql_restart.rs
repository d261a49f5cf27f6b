//! Reconnecting after the database server restarts, and reporting one that is down.
//!
//! The restart tests really restart this machine's PostgreSQL and MariaDB with the
//! commands DEVELOPERS.md documents, and always start them again (a guard restarts the
//! server even when an assertion fails). They run only when POSTGRES_URL / MYSQL_URL
//! point at 127.0.0.1 and the control command exists; otherwise they print why they are
//! skipped. SQLite has no server: its case is a file that disappears and comes back.

mod sql_support;

use std::process::Command;
use std::time::{Duration, Instant};

use e2e::stdio_client;
use rmcp::RoleClient;
use rmcp::service::RunningService;
use serde_json::json;
use sql_support::*;

fn local(url: &str) -> bool {
    url.contains("@127.0.0.1") || url.contains("@localhost")
}

fn sh(cmd: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .status()
        .is_ok_and(|s| s.success())
}

/// Starts the server again when dropped (even while a test panics).
struct Restarter {
    start: &'static str,
    ready: &'static str,
}

impl Restarter {
    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if sh(self.ready) {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!(
            "the database did not come back: `{}` never succeeded",
            self.ready
        );
    }
}

impl Drop for Restarter {
    fn drop(&mut self) {
        if !sh(self.ready) {
            sh(self.start);
            self.wait_ready();
        }
    }
}

const PG_RESTART: &str =
    "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main restart";
const PG_START: &str = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start";
const PG_READY: &str = "pg_isready -h 127.0.0.1 -p 5432 -q";
const MY_STOP: &str = "mariadb-admin -uroot shutdown";
const MY_START: &str = "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd";
const MY_READY: &str = "mariadb-admin -uroot -h127.0.0.1 ping --connect-timeout=1 >/dev/null 2>&1";

#[tokio::test]
async fn postgres_restart_then_the_next_call_reconnects() {
    let Some(url) = postgres_url() else { return };
    if !local(&url) || !sh("command -v pg_ctlcluster >/dev/null") {
        println!("skipped: POSTGRES_URL is not this machine's PostgreSQL");
        return;
    }
    let guard = Restarter {
        start: PG_START,
        ready: PG_READY,
    };
    let c = stdio_client("sql-server", &["--url", &url, "--connect-timeout", "10"]).await;
    // Warm the pool with more than one connection.
    for _ in 0..4 {
        let r = query(&c, "SELECT 1", json!([])).await;
        assert_eq!(first_row(&r)[0], json!(1));
    }
    assert!(
        tokio::task::spawn_blocking(|| sh(PG_RESTART))
            .await
            .unwrap(),
        "restart failed"
    );
    tokio::task::spawn_blocking(move || guard.wait_ready())
        .await
        .unwrap();
    assert_reconnects_after_restart(c).await;
}

#[tokio::test]
async fn mariadb_restart_then_the_next_call_reconnects() {
    let Some(url) = mysql_url() else { return };
    if !local(&url) || !sh("command -v mariadb-admin >/dev/null && test -x /usr/sbin/mariadbd") {
        println!("skipped: MYSQL_URL is not this machine's MariaDB");
        return;
    }
    let guard = Restarter {
        start: MY_START,
        ready: MY_READY,
    };
    let c = stdio_client("sql-server", &["--url", &url, "--connect-timeout", "10"]).await;
    for _ in 0..4 {
        let r = query(&c, "SELECT 1", json!([])).await;
        assert_eq!(first_row(&r)[0], json!(1));
    }
    tokio::task::spawn_blocking(|| {
        assert!(sh(MY_STOP), "shutdown failed");
        // Wait until it is really down, then start it again.
        let deadline = Instant::now() + Duration::from_secs(30);
        while sh(MY_READY) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(sh(MY_START), "start failed");
    })
    .await
    .unwrap();
    tokio::task::spawn_blocking(move || guard.wait_ready())
        .await
        .unwrap();
    assert_reconnects_after_restart(c).await;
}

/// The first call after a restart succeeds promptly, and so does every call after it
/// (each pooled connection was replaced, none is left broken).
async fn assert_reconnects_after_restart(c: RunningService<RoleClient, ()>) {
    let (r, took) = timed(query(&c, "SELECT 42 AS after_restart", json!([]))).await;
    assert_eq!(
        first_row(&r)[0],
        json!(42),
        "the first call after the restart"
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
    for _ in 0..6 {
        let r = query(&c, "SELECT 2", json!([])).await;
        assert_eq!(
            first_row(&r)[0],
            json!(2),
            "every pooled connection was replaced"
        );
    }
    c.cancel().await.unwrap();
}

#[tokio::test]
async fn an_unreachable_server_is_a_clear_error_without_the_password() {
    for url in [
        "postgres://reader:hunter2secret@127.0.0.1:1/shop",
        "mysql://reader:hunter2secret@127.0.0.1:1/shop",
    ] {
        let c = stdio_client("sql-server", &["--url", url, "--connect-timeout", "1"]).await;
        let (r, took) = timed(query(&c, "SELECT 1", json!([]))).await;
        let text = error_text(&r);
        assert!(text.contains("Cannot reach database `default`"), "{text}");
        assert!(text.contains("reader:***@127.0.0.1:1/shop"), "{text}");
        assert!(!text.contains("hunter2secret"), "password leaked: {text}");
        assert!(text.contains("doctor"), "{text}");
        assert!(took < Duration::from_secs(5), "took {took:?}");
        c.cancel().await.unwrap();
    }
}

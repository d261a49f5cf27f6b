//! Shared helpers for sql-server's end-to-end tests: scratch databases on each engine
//! (a uniquely named schema or database per test, dropped afterwards), fingerprints of
//! every table and object (to prove an attack changed nothing), and MCP call helpers.
//!
//! PostgreSQL and MySQL/MariaDB tests read `POSTGRES_URL` and `MYSQL_URL`; when one is
//! unset, those tests print `skipped: … not set` and pass. SQLite always runs.

#![allow(dead_code)]

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use e2e::{RawStdio, call, text_of};
use rmcp::model::CallToolResult;
use rmcp::service::{RoleClient, RunningService};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Executor, Row};

pub type Client = RunningService<RoleClient, ()>;

/// The sample shop script (SQLite).
pub const SAMPLE_SQL: &str = include_str!("../../../integration/sql/sample.sql");

/// A name no other test (or test run) uses.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        nanos % 100_000
    )
}

/// `POSTGRES_URL`, or `None` after printing why the test is skipped.
pub fn postgres_url() -> Option<String> {
    let url = std::env::var("POSTGRES_URL").ok().filter(|u| !u.is_empty());
    if url.is_none() {
        println!("skipped: POSTGRES_URL not set");
    }
    url
}

/// `MYSQL_URL`, or `None` after printing why the test is skipped.
pub fn mysql_url() -> Option<String> {
    let url = std::env::var("MYSQL_URL").ok().filter(|u| !u.is_empty());
    if url.is_none() {
        println!("skipped: MYSQL_URL not set");
    }
    url
}

/// Creates a SQLite file from a script (with write access: this is the test's setup).
pub async fn sqlite_from_script(path: &Path, script: &str) {
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .connect()
        .await
        .expect("create sqlite file");
    conn.execute(sqlx::raw_sql(AssertSqlSafe(script.to_string())))
        .await
        .expect("run sqlite script");
    conn.close().await.expect("close sqlite");
}

/// SHA-256 of a file's bytes (and a note of any journal/WAL file beside it).
pub fn file_fingerprint(path: &Path) -> String {
    let bytes = std::fs::read(path).expect("read database file");
    let mut h = Sha256::new();
    h.update(&bytes);
    let mut out: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    for suffix in ["-journal", "-wal"] {
        let side = format!("{}{suffix}", path.display());
        if Path::new(&side).exists() {
            out.push_str(&format!(" +{suffix}"));
        }
    }
    out
}

/// A scratch PostgreSQL schema, dropped by [`PgScratch::drop_now`], or when dropped
/// (even by a failing test's unwinding).
pub struct PgScratch {
    pub admin: PgPool,
    pub schema: String,
    pub url: String,
    dropped: bool,
}

/// Runs `sql` on a fresh connection from a plain thread (usable inside `Drop`).
fn cleanup(url: String, sql: String) {
    let _ = std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async move {
            if url.starts_with("mysql") || url.starts_with("mariadb") {
                if let Ok(mut c) = sqlx::MySqlConnection::connect(&url).await {
                    let _ = c.execute(sqlx::raw_sql(AssertSqlSafe(sql))).await;
                }
            } else if let Ok(mut c) = sqlx::PgConnection::connect(&url).await {
                let _ = c.execute(sqlx::raw_sql(AssertSqlSafe(sql))).await;
            }
        });
    })
    .join();
}

impl Drop for PgScratch {
    fn drop(&mut self) {
        if !self.dropped {
            cleanup(
                self.url.clone(),
                format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema),
            );
        }
    }
}

impl PgScratch {
    /// Creates schema `prefix_…` and runs `script` with `{s}` replaced by its name.
    pub async fn create(url: &str, prefix: &str, script: &str) -> Self {
        let admin = PgPoolOptions::new()
            .max_connections(2)
            .connect(url)
            .await
            .expect("connect to POSTGRES_URL");
        let schema = unique(prefix);
        let mut sql = format!("CREATE SCHEMA {schema};\n");
        sql.push_str(&script.replace("{s}", &schema));
        admin
            .execute(sqlx::raw_sql(AssertSqlSafe(sql)))
            .await
            .expect("create PostgreSQL scratch schema");
        Self {
            admin,
            schema,
            url: url.to_string(),
            dropped: false,
        }
    }

    /// Every object of the schema with its rows' digest, sequence states, and the
    /// database's large-object count.
    pub async fn fingerprint(&self) -> String {
        let objects = sqlx::query(
            "SELECT c.relkind::text, c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 ORDER BY 2",
        )
        .bind(&self.schema)
        .fetch_all(&self.admin)
        .await
        .expect("list objects");
        let mut out = String::new();
        for row in &objects {
            let kind: String = row.get(0);
            let name: String = row.get(1);
            out.push_str(&format!("{kind}:{name}="));
            let digest: Option<String> = match kind.as_str() {
                "r" | "p" | "v" | "m" => sqlx::query_scalar(AssertSqlSafe(format!(
                    "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{}\".\"{name}\" t",
                    self.schema
                )))
                .fetch_one(&self.admin)
                .await
                .expect("table digest"),
                "S" => sqlx::query_scalar(AssertSqlSafe(format!(
                    "SELECT last_value::text || '/' || is_called::text FROM \"{}\".\"{name}\"",
                    self.schema
                )))
                .fetch_one(&self.admin)
                .await
                .expect("sequence state"),
                _ => None,
            };
            out.push_str(&digest.unwrap_or_default());
            out.push('\n');
        }
        let lobs: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_largeobject_metadata")
            .fetch_one(&self.admin)
            .await
            .expect("large objects");
        out.push_str(&format!("large objects: {lobs}\n"));
        out
    }

    pub async fn drop_now(mut self) {
        let _ = self
            .admin
            .execute(sqlx::raw_sql(AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {} CASCADE",
                self.schema
            ))))
            .await;
        self.admin.close().await;
        self.dropped = true;
    }
}

/// A scratch MySQL/MariaDB database, dropped by [`MyScratch::drop_now`], or when
/// dropped.
pub struct MyScratch {
    pub admin: MySqlPool,
    pub database: String,
    /// A URL that selects the scratch database.
    pub url: String,
    dropped: bool,
}

impl Drop for MyScratch {
    fn drop(&mut self) {
        if !self.dropped {
            cleanup(
                self.url.clone(),
                format!("DROP DATABASE IF EXISTS {}", self.database),
            );
        }
    }
}

/// `url` with its database path replaced by `database`.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{database}?{q}"),
        None => format!("{host_part}/{database}"),
    }
}

impl MyScratch {
    /// Creates database `prefix_…` and runs `script` (with `{d}` replaced) inside it.
    pub async fn create(url: &str, prefix: &str, script: &str) -> Self {
        let database = unique(prefix);
        let server: MySqlConnectOptions = url.parse().expect("MYSQL_URL");
        let mut conn = server.connect().await.expect("connect to MYSQL_URL");
        conn.execute(sqlx::raw_sql(AssertSqlSafe(format!(
            "CREATE DATABASE {database}"
        ))))
        .await
        .expect("create scratch database");
        conn.close().await.ok();
        let scratch_url = with_database(url, &database);
        let admin = MySqlPoolOptions::new()
            .max_connections(2)
            .connect(&scratch_url)
            .await
            .expect("connect to the scratch database");
        admin
            .execute(sqlx::raw_sql(AssertSqlSafe(
                script.replace("{d}", &database),
            )))
            .await
            .expect("run MySQL scratch script");
        Self {
            admin,
            database,
            url: scratch_url,
            dropped: false,
        }
    }

    /// Every table of the database with its checksum, plus sequence states.
    pub async fn fingerprint(&self) -> String {
        let tables = sqlx::query(
            "SELECT CAST(TABLE_NAME AS CHAR), CAST(TABLE_TYPE AS CHAR) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY 1",
        )
        .bind(&self.database)
        .fetch_all(&self.admin)
        .await
        .expect("list tables");
        let mut out = String::new();
        for row in &tables {
            let name: String = row.get(0);
            let kind: String = row.get(1);
            let digest: String = if kind == "SEQUENCE" {
                let r = sqlx::query(AssertSqlSafe(format!(
                    "SELECT CAST(next_not_cached_value AS CHAR) FROM `{}`.`{name}`",
                    self.database
                )))
                .fetch_one(&self.admin)
                .await
                .expect("sequence state");
                r.get(0)
            } else if kind == "VIEW" {
                String::new()
            } else {
                let r = sqlx::query(AssertSqlSafe(format!(
                    "CHECKSUM TABLE `{}`.`{name}` EXTENDED",
                    self.database
                )))
                .fetch_one(&self.admin)
                .await
                .expect("checksum");
                let v: Option<u64> = r.try_get(1).ok();
                format!("{v:?}")
            };
            out.push_str(&format!("{kind}:{name}={digest}\n"));
        }
        out
    }

    pub async fn drop_now(mut self) {
        let _ = self
            .admin
            .execute(sqlx::raw_sql(AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {}",
                self.database
            ))))
            .await;
        self.admin.close().await;
        self.dropped = true;
    }
}

/// Calls `query` with `sql` (and params) and returns the result.
pub async fn query(client: &Client, sql: &str, params: Value) -> CallToolResult {
    call(
        client,
        "query",
        serde_json::json!({"sql": sql, "params": params}),
    )
    .await
}

/// The structured content of a successful call (panics with the text otherwise).
pub fn structured(result: &CallToolResult) -> Value {
    assert_ne!(
        result.is_error,
        Some(true),
        "tool failed: {}",
        text_of(result)
    );
    result
        .structured_content
        .clone()
        .unwrap_or_else(|| panic!("no structuredContent: {}", text_of(result)))
}

/// The first row of a successful query, as a JSON array.
pub fn first_row(result: &CallToolResult) -> Vec<Value> {
    structured(result)["rows"][0]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("no rows: {}", text_of(result)))
}

/// Asserts the call failed and returns its text.
pub fn error_text(result: &CallToolResult) -> String {
    let text = text_of(result);
    assert_eq!(
        result.is_error,
        Some(true),
        "expected an error, got: {text}"
    );
    text
}

/// Runs `f` and returns its output with the time it took.
pub async fn timed<F: std::future::Future>(f: F) -> (F::Output, Duration) {
    let start = Instant::now();
    let out = f.await;
    (out, start.elapsed())
}

/// On a thread: starts sql-server on `url` over raw stdio, sends `sql` as a query,
/// cancels it 1.5 s later, then asks `SELECT 2 AS two` and returns that answer after
/// lingering `linger` (so the caller can look at the database meanwhile).
pub fn cancel_then_query(
    url: String,
    sql: String,
    linger: Duration,
) -> std::thread::JoinHandle<Value> {
    std::thread::spawn(move || {
        let mut raw = RawStdio::start("sql-server", &["--url", &url, "--query-timeout", "120"]);
        raw.send(
            json!({"jsonrpc": "2.0", "id": 10, "method": "tools/call", "params": {
            "name": "query", "arguments": {"sql": sql}}}),
        );
        std::thread::sleep(Duration::from_millis(1500));
        raw.send(
            json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
            "params": {"requestId": 10, "reason": "stop"}}),
        );
        raw.send(
            json!({"jsonrpc": "2.0", "id": 11, "method": "tools/call", "params": {
            "name": "query", "arguments": {"sql": "SELECT 2 AS two"}}}),
        );
        let r = raw.wait_for_id(11);
        std::thread::sleep(linger);
        r
    })
}

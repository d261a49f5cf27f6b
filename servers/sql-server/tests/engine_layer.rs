//! The engine layer alone: statements sent straight to the executor, bypassing the
//! parser gate, must still be unable to write. This is the layer that holds even if
//! the gate has a gap: SQLite opened read-only, PostgreSQL `BEGIN READ ONLY` over the
//! extended protocol, MySQL/MariaDB read-only session + transaction over prepared
//! statements. Session-poisoning sequences (lift read-only in one call, write in the
//! next, on the same pooled connection) are included.
//!
//! PostgreSQL and MySQL parts read `POSTGRES_URL` / `MYSQL_URL` and print a skip line
//! when unset. The scratch schema/database each part creates is dropped afterwards.

use std::time::Duration;

use serde_json::Value;
use sql_server::config::Limits;
use sql_server::db::{Database, PoolSettings, Registry};
use sql_server::dsn::Secrets;
use sql_server::exec;
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Executor};
use tokio_util::sync::CancellationToken;

fn limits() -> Limits {
    Limits {
        max_rows: 100,
        max_bytes: 1 << 20,
        timeout: Duration::from_secs(5),
    }
}

fn open(url: &str) -> Registry {
    Registry::open(
        &[("t".to_string(), url.to_string())],
        &Secrets::default(),
        PoolSettings {
            size: 1,
            connect_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(5),
        },
    )
    .expect("open")
}

async fn run(db: &Database, sql: &str) -> Result<Vec<Vec<Value>>, String> {
    exec::run(db, sql, &[], &limits(), &CancellationToken::new())
        .await
        .map(|r| r.rows)
        .map_err(|e| e.to_string())
}

/// Runs each step on the same pooled connection; every step marked `true` must fail.
async fn expect_all_fail(db: &Database, engine: &str, steps: &[(&str, bool)]) {
    for (sql, must_fail) in steps {
        let result = run(db, sql).await;
        if std::env::var("ENGINE_DEBUG").is_ok() {
            println!("{engine}: {sql} -> {result:?}");
        }
        // Let the background ROLLBACK finish so the single connection is reused.
        tokio::time::sleep(Duration::from_millis(30)).await;
        if *must_fail {
            assert!(
                result.is_err(),
                "{engine}: the engine accepted {sql:?}: {result:?}"
            );
        }
    }
}

/// Drops a scratch schema/database when the test ends, passing or failing.
struct Cleanup {
    url: String,
    sql: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let (url, sql) = (self.url.clone(), self.sql.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                if url.starts_with("mysql") {
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
}

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
            % 1_000_000
    )
}

#[tokio::test]
async fn sqlite_engine_refuses_writes_without_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.sqlite");
    {
        let mut c = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .connect()
            .await
            .unwrap();
        c.execute("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT); INSERT INTO t (v) VALUES ('a'), ('b');")
            .await
            .unwrap();
        c.close().await.unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let registry = open(&format!("sqlite:{}?mode=rwc", path.display()));
    let db = &registry.all()[0];
    let outside = dir.path().join("copy.sqlite");
    let attach = format!("ATTACH DATABASE '{}' AS evil", outside.display());
    let vacuum = format!("VACUUM INTO '{}'", outside.display());
    expect_all_fail(
        db,
        "SQLite",
        &[
            ("SELECT 1; DROP TABLE t", true),
            ("DROP TABLE t", true),
            ("CREATE TABLE x (a INTEGER)", true),
            ("INSERT INTO t (v) VALUES ('eve')", true),
            ("UPDATE t SET v = 'x'", true),
            ("DELETE FROM t", true),
            ("UPDATE sqlite_sequence SET seq = 99", true),
            ("PRAGMA user_version = 5", true),
            // Lifting query_only does not lift the read-only open, and the executor
            // turns it back on before the next statement (so no TEMP tables either).
            ("PRAGMA query_only = 0", false),
            ("INSERT INTO t (v) VALUES ('eve')", true),
            ("PRAGMA query_only = 0", false),
            ("CREATE TEMP TABLE tmp (a INTEGER)", true),
            (&attach, true),
            (&vacuum, true),
        ],
    )
    .await;
    let _ = run(db, "PRAGMA query_only = 0").await;
    let q = run(db, "PRAGMA query_only").await.unwrap();
    assert_eq!(q[0][0], serde_json::json!(1), "query_only is back on");
    assert_eq!(std::fs::read(&path).unwrap(), before, "the file changed");
    assert!(!outside.exists(), "ATTACH or VACUUM INTO created a file");
    assert!(
        run(db, "SELECT count(*) FROM t").await.unwrap()[0][0] == serde_json::json!(2),
        "reads still work"
    );
}

#[tokio::test]
async fn postgres_engine_refuses_writes_without_the_gate() {
    let Some(url) = std::env::var("POSTGRES_URL").ok().filter(|u| !u.is_empty()) else {
        println!("skipped: POSTGRES_URL not set");
        return;
    };
    let schema = unique("sqlmcp_eng");
    let _cleanup = Cleanup {
        url: url.clone(),
        sql: format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
    };
    let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
    admin
        .execute(sqlx::raw_sql(AssertSqlSafe(format!(
            "CREATE SCHEMA {schema}; CREATE TABLE {schema}.t (id serial PRIMARY KEY, v text); \
             INSERT INTO {schema}.t (v) VALUES ('a'), ('b'); CREATE SEQUENCE {schema}.s;"
        ))))
        .await
        .unwrap();
    let fingerprint = format!(
        "SELECT (SELECT string_agg(id || v, ',' ORDER BY id) FROM {schema}.t) || '/' || \
         (SELECT last_value || ':' || is_called FROM {schema}.s) || '/' || \
         (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '{schema}') || '/' || \
         (SELECT count(*) FROM pg_largeobject_metadata)"
    );
    let before: String = sqlx::query_scalar(AssertSqlSafe(fingerprint.clone()))
        .fetch_one(&mut admin)
        .await
        .unwrap();
    let registry = open(&url);
    let db = &registry.all()[0];
    let t = format!("{schema}.t");
    let steps: Vec<(String, bool)> = vec![
        (format!("SELECT 1; DROP TABLE {t}"), true),
        (format!("DROP TABLE {t}"), true),
        (format!("CREATE TABLE {schema}.x (a int)"), true),
        (format!("INSERT INTO {t} (v) VALUES ('eve')"), true),
        (format!("UPDATE {t} SET v = 'x'"), true),
        (format!("TRUNCATE {t}"), true),
        (
            format!("WITH d AS (DELETE FROM {t} RETURNING *) SELECT count(*) FROM d"),
            true,
        ),
        (format!("SELECT nextval('{schema}.s')"), true),
        (format!("SELECT setval('{schema}.s', 100)"), true),
        // Allowed inside a read-only transaction, but rolled back with it.
        ("SELECT lo_create(0)".to_string(), false),
        // The snapshot is taken before the statement: read-only cannot be lifted.
        ("SET transaction_read_only = off".to_string(), true),
        (
            "SELECT set_config('transaction_read_only', 'off', true)".to_string(),
            true,
        ),
        // Session defaults may change, but every statement begins READ ONLY itself.
        (
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE".to_string(),
            false,
        ),
        (format!("INSERT INTO {t} (v) VALUES ('eve')"), true),
        (
            "SELECT set_config('default_transaction_read_only', 'off', false)".to_string(),
            false,
        ),
        (format!("DELETE FROM {t}"), true),
        ("COMMIT".to_string(), false),
        (format!("DROP TABLE {t}"), true),
    ];
    let steps: Vec<(&str, bool)> = steps.iter().map(|(s, f)| (s.as_str(), *f)).collect();
    expect_all_fail(db, "PostgreSQL", &steps).await;
    let after: String = sqlx::query_scalar(AssertSqlSafe(fingerprint))
        .fetch_one(&mut admin)
        .await
        .unwrap();
    assert_eq!(before, after, "PostgreSQL data changed");
    admin
        .execute(sqlx::raw_sql(AssertSqlSafe(format!(
            "DROP SCHEMA {schema} CASCADE"
        ))))
        .await
        .unwrap();
}

#[tokio::test]
async fn mysql_engine_refuses_writes_without_the_gate() {
    let Some(url) = std::env::var("MYSQL_URL").ok().filter(|u| !u.is_empty()) else {
        println!("skipped: MYSQL_URL not set");
        return;
    };
    let database = unique("sqlmcp_eng");
    let _cleanup = Cleanup {
        url: url.clone(),
        sql: format!("DROP DATABASE IF EXISTS {database}"),
    };
    let mut admin = sqlx::MySqlConnection::connect(&url).await.unwrap();
    admin
        .execute(sqlx::raw_sql(AssertSqlSafe(format!(
            "CREATE DATABASE {database}; CREATE TABLE {database}.t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10)); \
             INSERT INTO {database}.t (v) VALUES ('a'), ('b');"
        ))))
        .await
        .unwrap();
    let fingerprint = format!(
        "SELECT CONCAT((SELECT GROUP_CONCAT(id, v ORDER BY id) FROM {database}.t), '/', \
         (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{database}'))"
    );
    let before: String = sqlx::query_scalar(AssertSqlSafe(fingerprint.clone()))
        .fetch_one(&mut admin)
        .await
        .unwrap();
    let registry = open(&url);
    let db = &registry.all()[0];
    let t = format!("{database}.t");
    let steps: Vec<(String, bool)> = vec![
        (format!("SELECT 1; DROP TABLE {t}"), true),
        (format!("DROP TABLE {t}"), true),
        (format!("CREATE TABLE {database}.x (a INT)"), true),
        (format!("ALTER TABLE {t} ADD COLUMN z INT"), true),
        (format!("TRUNCATE TABLE {t}"), true),
        (format!("CREATE INDEX i ON {t} (v)"), true),
        (format!("INSERT INTO {t} (v) VALUES ('eve')"), true),
        (format!("UPDATE {t} SET v = 'x'"), true),
        (format!("DELETE FROM {t}"), true),
        (
            format!("CREATE TEMPORARY TABLE {database}.tmp (a INT)"),
            true,
        ),
        // A later statement still begins READ ONLY whatever the session was told.
        ("SET SESSION TRANSACTION READ WRITE".to_string(), false),
        (format!("INSERT INTO {t} (v) VALUES ('eve')"), true),
        // DDL commits the statement's transaction implicitly and then runs under the
        // session's mode, which the executor re-asserts before every statement.
        (format!("DROP TABLE {t}"), true),
        ("SET SESSION TRANSACTION READ WRITE".to_string(), false),
        (format!("CREATE TABLE {database}.y (a INT)"), true),
        ("COMMIT".to_string(), false),
        (format!("DROP TABLE {t}"), true),
    ];
    let steps: Vec<(&str, bool)> = steps.iter().map(|(s, f)| (s.as_str(), *f)).collect();
    expect_all_fail(db, "MySQL/MariaDB", &steps).await;
    // A lexing-relevant SQL mode set by one statement is gone by the next.
    let _ = run(
        db,
        "SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES,ANSI_QUOTES'",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(30)).await;
    let mode = run(db, "SELECT @@SESSION.sql_mode").await.unwrap();
    let mode = mode[0][0].as_str().unwrap_or_default().to_string();
    assert!(
        !mode.contains("ANSI_QUOTES") && !mode.contains("NO_BACKSLASH"),
        "{mode}"
    );
    let after: String = sqlx::query_scalar(AssertSqlSafe(fingerprint))
        .fetch_one(&mut admin)
        .await
        .unwrap();
    assert_eq!(before, after, "MySQL data changed");
    admin
        .execute(sqlx::raw_sql(AssertSqlSafe(format!(
            "DROP DATABASE {database}"
        ))))
        .await
        .unwrap();
}

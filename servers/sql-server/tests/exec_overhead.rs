//! Where the time of one `query` call goes, without MCP: the gate, the executor
//! (read-only transaction, prepare, render) and plain sqlx on the same statements.
//! Ignored in normal runs; `cargo test --release -p sql-server --test exec_overhead --
//! --ignored --nocapture` with POSTGRES_URL set prints the figures.

use std::time::{Duration, Instant};

use sql_server::config::Limits;
use sql_server::db::{PoolSettings, Registry};
use sql_server::dsn::Secrets;
use sql_server::engine::Engine;
use sql_server::{exec, guard};
use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement: run by hand"]
async fn exec_overhead() {
    let Some(url) = std::env::var("POSTGRES_URL").ok() else {
        println!("skipped: POSTGRES_URL not set");
        return;
    };
    let n = 2000;
    let stmts = [
        "SELECT oid, relname, relkind FROM pg_class WHERE oid = 1259",
        "SELECT count(*) FROM pg_class WHERE relkind = 'r'",
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid < 2000 LIMIT 20",
    ];
    let start = Instant::now();
    for s in stmts.iter().cycle().take(n) {
        guard::check(s, Engine::Postgres).unwrap();
    }
    let gate = start.elapsed() / n as u32;

    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .connect(&url)
        .await
        .unwrap();
    for s in stmts.iter().cycle().take(100) {
        sqlx::query(sqlx::AssertSqlSafe(*s))
            .fetch_all(&pool)
            .await
            .unwrap();
    }
    let start = Instant::now();
    for s in stmts.iter().cycle().take(n) {
        sqlx::query(sqlx::AssertSqlSafe(*s))
            .fetch_all(&pool)
            .await
            .unwrap();
    }
    let direct = start.elapsed() / n as u32;

    let registry = Registry::open(
        &[("d".into(), url.clone())],
        &Secrets::default(),
        PoolSettings {
            size: 4,
            connect_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(30),
        },
    )
    .unwrap();
    let db = &registry.all()[0];
    let limits = Limits {
        max_rows: 1000,
        max_bytes: 1 << 20,
        timeout: Duration::from_secs(30),
    };
    let ct = CancellationToken::new();
    for s in stmts.iter().cycle().take(100) {
        exec::run(db, s, &[], &limits, &ct).await.unwrap();
    }
    let start = Instant::now();
    for s in stmts.iter().cycle().take(n) {
        exec::run(db, s, &[], &limits, &ct).await.unwrap();
    }
    let executor = start.elapsed() / n as u32;
    println!(
        "per call: gate {gate:?}, sqlx prepared {direct:?}, executor (read-only txn + render) {executor:?}"
    );
}

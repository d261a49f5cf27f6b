//! PostgreSQL: every statement runs alone in a `BEGIN READ ONLY` transaction, through
//! the extended query protocol (one statement per Parse; a second statement is a
//! protocol error).
//!
//! Pooled connections already wait inside that transaction (see `db::pg`), under the
//! session's `statement_timeout`: `BEGIN READ ONLY` and a first `SELECT` that takes
//! the transaction's snapshot, after which PostgreSQL refuses
//! to make the transaction read-write ("must be set before any query"), so not even a
//! statement that slipped past the gate could switch it. When the connection returns
//! to the pool, the statement's transaction is rolled back (undoing any `SET`, too) and
//! the next one begun, in the background.
//!
//! `statement_timeout` makes the server stop a long statement itself (a call asking
//! for a shorter one costs one `SET LOCAL`). On cancellation or a missed deadline the
//! connection is closed: PostgreSQL 14+ checks the client every second during a
//! statement (`client_connection_check_interval`) and stops; older servers get
//! `pg_cancel_backend` from a separate connection.

use std::time::Instant;

use futures::TryStreamExt;
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgTypeInfo, Postgres};
use sqlx::{AssertSqlSafe, Connection, Either, Executor, Row, Statement};
use tokio_util::sync::CancellationToken;

use super::prepare::{Driver, Prepared, prepare};
use super::{Collector, ExecError, Failure, GRACE, Race, Rows, params, race};
use crate::config::Limits;
use crate::db::pg::{CHECKS_CLIENT, Checked, PgPool};
use crate::engine::Engine;
use crate::render;

impl Driver for Postgres {
    const ENGINE: Engine = Engine::Postgres;
}

/// Text put before a query whose row cap the server applies (see [`run`]'s `capped`).
const CAP_PREFIX: &str = "SELECT * FROM (\n";

/// Runs `sql`. With `capped`, `sql` is a plain query that is wrapped as
/// `SELECT * FROM (sql) LIMIT cap + 1`, so the server stops after the rows that can be
/// shown (plans for it, and sends no more), and the connection stays usable.
pub(super) async fn run(
    pool: &PgPool,
    sql: &str,
    capped: bool,
    params: &[Value],
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<Rows, ExecError> {
    let wrapped;
    let (text, offset) = if capped {
        wrapped = format!(
            "{CAP_PREFIX}{sql}\n) AS sql_server_result LIMIT {}",
            limits.max_rows + 1
        );
        (wrapped.as_str(), CAP_PREFIX.chars().count())
    } else {
        (sql, 0)
    };
    // A dead pooled connection (the server restarted) fails at once; the statement is
    // read-only, so it is simply retried on another, a few times at most.
    let attempts = pool.max_size() + 1;
    let mut last = None;
    for _ in 0..attempts {
        let statement = Text {
            sql: text,
            shown: sql,
            offset,
            drain: capped,
        };
        match attempt(pool, &statement, params, limits, ct).await {
            Err(Attempt::Lost(e)) => last = Some(e),
            Err(Attempt::Failed(e)) => return Err(e),
            Ok(rows) => return Ok(rows),
        }
    }
    Err(last.map_or_else(
        || ExecError::Internal("no connection".into()),
        |e| ExecError::unreachable(&e),
    ))
}

/// The statement as sent, and as the user wrote it (for error positions).
struct Text<'a> {
    sql: &'a str,
    shown: &'a str,
    /// Characters before `shown` starts inside `sql`.
    offset: usize,
    /// Read the result to its end after the cap (it is bounded by the LIMIT).
    drain: bool,
}

enum Attempt {
    /// The connection was gone before the statement could run.
    Lost(sqlx::Error),
    Failed(ExecError),
}

async fn attempt(
    pool: &PgPool,
    text: &Text<'_>,
    params: &[Value],
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<Rows, Attempt> {
    let started = Instant::now();
    let mut held = pool
        .checkout()
        .await
        .map_err(|e| Attempt::Failed(ExecError::unreachable(&e)))?;
    let old_server = held
        .conn()
        .server_version_num()
        .is_none_or(|v| v < CHECKS_CLIENT);
    let mut pid = None;
    if limits.timeout != pool.statement_timeout || old_server {
        let mut setup = format!(
            "SET LOCAL statement_timeout = {}",
            limits.timeout.as_millis().max(1)
        );
        if old_server {
            setup.push_str("; SELECT pg_backend_pid()");
        }
        match held
            .conn()
            .fetch_optional(sqlx::raw_sql(AssertSqlSafe(setup)))
            .await
        {
            Ok(row) => pid = row.and_then(|r| r.try_get::<i32, _>(0).ok()),
            Err(e) if ExecError::connection_lost(&e) => return Err(Attempt::Lost(e)),
            Err(e) => {
                return Err(Attempt::Failed(ExecError::Internal(format!(
                    "setting the statement timeout failed: {e}"
                ))));
            }
        }
    }
    let outcome = race(
        statement(held.conn(), text, params, limits, started),
        ct,
        limits.timeout + GRACE,
    )
    .await;
    match outcome {
        Race::Done(Ok((rows, complete))) => {
            if complete {
                held.release();
            } else {
                // Unread rows may still be in flight: close rather than drain them.
                held.discard();
            }
            Ok(rows)
        }
        Race::Done(Err(Failure::Sql(e))) => {
            if ExecError::connection_lost(&e) {
                held.discard();
                // Nothing was returned yet: another connection may serve it.
                return Err(Attempt::Lost(e));
            }
            held.release();
            Err(Attempt::Failed(ExecError::from_statement_at(
                e,
                text.shown,
                text.offset,
                limits.timeout,
            )))
        }
        Race::Done(Err(Failure::Exec(e))) => {
            held.release();
            Err(Attempt::Failed(e))
        }
        Race::Cancelled => {
            stop(pool.connect_options().clone(), pid, held);
            Err(Attempt::Failed(ExecError::Cancelled))
        }
        Race::TimedOut => {
            stop(pool.connect_options().clone(), pid, held);
            Err(Attempt::Failed(ExecError::Timeout(limits.timeout)))
        }
    }
}

/// Prepares, binds and streams one statement into a bounded result; also says whether
/// the result was read to its end (so the connection can be reused).
async fn statement(
    conn: &mut PgConnection,
    text: &Text<'_>,
    values: &[Value],
    limits: &Limits,
    started: Instant,
) -> Result<(Rows, bool), Failure> {
    let Prepared {
        statement: prepared,
        columns,
        types: column_types,
    } = prepare::<Postgres>(conn, text.sql, values.len()).await?;
    let types: Vec<PgTypeInfo> = match prepared.parameters() {
        Some(Either::Left(types)) => types.to_vec(),
        Some(Either::Right(n)) => vec![PgTypeInfo::with_name("text"); n],
        None => Vec::new(),
    };
    let mut query = prepared.query();
    for (i, (v, ty)) in values.iter().zip(&types).enumerate() {
        let p = params::pg(i + 1, v, ty).map_err(|m| Failure::Exec(ExecError::Params(m)))?;
        query = query.bind(p);
    }
    let mut collector = Collector::new(limits);
    let mut stream = query.fetch(&mut *conn);
    let mut complete = true;
    while let Some(row) = stream.try_next().await? {
        let mut values = Vec::with_capacity(column_types.len());
        for (i, ty) in column_types.iter().enumerate() {
            values.push(render::pg::value(row.try_get_raw(i)?, ty));
        }
        if !collector.push(values) {
            complete = false;
            break;
        }
    }
    if !complete && text.drain {
        // The server's LIMIT bounds what is left: at most the row cap.
        while stream.try_next().await?.is_some() {}
        complete = true;
    }
    Ok((collector.finish(columns, started), complete))
}

/// Stops the statement: on servers that check their client, closing the connection
/// is enough; older ones get `pg_cancel_backend(pid)` from a separate connection first.
fn stop(options: PgConnectOptions, pid: Option<i32>, held: Checked) {
    let Some(pid) = pid else {
        held.discard();
        return;
    };
    tokio::spawn(async move {
        let cancel = async {
            let mut control = PgConnection::connect_with(&options).await?;
            sqlx::query("SELECT pg_cancel_backend($1)")
                .bind(pid)
                .execute(&mut control)
                .await?;
            control.close().await
        };
        if let Err(e) = tokio::time::timeout(GRACE * 2, cancel)
            .await
            .unwrap_or(Err(sqlx::Error::PoolTimedOut))
        {
            tracing::warn!(error = %e, "could not cancel the PostgreSQL backend");
        }
        held.discard();
    });
}

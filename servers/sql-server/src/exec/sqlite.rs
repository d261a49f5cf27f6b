//! SQLite: the file is opened read-only with `query_only` on (see `dsn`), so the engine
//! refuses writes whatever the statement says; `query_only` is re-asserted before every
//! statement so no earlier statement can have lifted it for TEMP objects, and the
//! attached-database limit is 0, so neither `ATTACH` nor `VACUUM INTO` can open (and
//! create) another file. A progress handler, installed before
//! each statement, interrupts the virtual machine when the deadline passes or the
//! client cancels; that is how a runaway query (a recursive CTE without end) stops.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use futures::TryStreamExt;
use serde_json::Value;
use sqlx::sqlite::{Sqlite, SqliteConnection, SqlitePool};
use sqlx::{Executor, Row, Statement, TypeInfo, ValueRef};
use tokio_util::sync::CancellationToken;

use super::prepare::{Driver, Prepared, prepare};
use super::{Collector, ExecError, Failure, GRACE, Race, Rows, race};
use crate::config::Limits;
use crate::db::held::Held;
use crate::engine::Engine;
use crate::render;

impl Driver for Sqlite {
    const ENGINE: Engine = Engine::Sqlite;
}

/// Virtual machine steps between two looks at the deadline.
const PROGRESS_STEPS: i32 = 1000;

pub(super) async fn run(
    pool: &SqlitePool,
    sql: &str,
    params: &[Value],
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<Rows, ExecError> {
    let started = Instant::now();
    let conn = pool
        .acquire()
        .await
        .map_err(|e| ExecError::unreachable(&e))?;
    let mut held: Held<Sqlite> = Held::new(conn);
    let stop = Arc::new(AtomicBool::new(false));
    let deadline = started + limits.timeout;
    {
        let flag = stop.clone();
        let mut handle = held
            .conn()
            .lock_handle()
            .await
            .map_err(|e| ExecError::unreachable(&e))?;
        handle.set_progress_handler(PROGRESS_STEPS, move || {
            !flag.load(Ordering::Relaxed) && Instant::now() < deadline
        });
        // No attached databases at all: this closes ATTACH and VACUUM INTO (which
        // attaches its output file) in the engine, whatever the gate let through.
        // SAFETY: the handle is locked out of sqlx's worker for this block, and
        // sqlite3_limit only reads/writes the connection's limit table.
        unsafe {
            libsqlite3_sys::sqlite3_limit(
                handle.as_raw_handle().as_ptr(),
                libsqlite3_sys::SQLITE_LIMIT_ATTACHED,
                0,
            );
        }
    }
    // Re-assert query_only: a statement that slipped past the gate could have lifted
    // it on this pooled connection (the read-only open still holds for the file, but
    // not for TEMP tables).
    held.conn()
        .execute("PRAGMA query_only = ON")
        .await
        .map_err(|e| ExecError::unreachable(&e))?;
    let outcome = race(
        statement(held.conn(), sql, params, limits, started),
        ct,
        limits.timeout + GRACE,
    )
    .await;
    match outcome {
        Race::Done(Ok(rows)) => {
            if rows.cut.is_some() {
                stop.store(true, Ordering::Relaxed);
            }
            held.release(false);
            Ok(rows)
        }
        Race::Done(Err(Failure::Sql(e))) => {
            let interrupted =
                matches!(&e, sqlx::Error::Database(d) if d.code().as_deref() == Some("9"));
            held.release(false);
            if interrupted && Instant::now() >= deadline {
                Err(ExecError::Timeout(limits.timeout))
            } else if interrupted {
                Err(ExecError::Cancelled)
            } else {
                Err(ExecError::from_statement(e, sql, limits.timeout))
            }
        }
        Race::Done(Err(Failure::Exec(e))) => {
            held.release(false);
            Err(e)
        }
        Race::Cancelled => {
            stop.store(true, Ordering::Relaxed);
            held.discard();
            Err(ExecError::Cancelled)
        }
        Race::TimedOut => {
            stop.store(true, Ordering::Relaxed);
            held.discard();
            Err(ExecError::Timeout(limits.timeout))
        }
    }
}

async fn statement(
    conn: &mut SqliteConnection,
    sql: &str,
    values: &[Value],
    limits: &Limits,
    started: Instant,
) -> Result<Rows, Failure> {
    let Prepared {
        statement: prepared,
        mut columns,
        types: declared,
    } = prepare::<Sqlite>(conn, sql, values.len()).await?;
    let mut query = prepared.query();
    for v in values {
        query = match v {
            Value::Null => query.bind(Option::<String>::None),
            Value::Bool(b) => query.bind(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => query.bind(i),
                None => query.bind(n.as_f64().unwrap_or(0.0)),
            },
            Value::String(s) => query.bind(s.clone()),
            other => query.bind(other.to_string()),
        };
    }
    let mut collector = Collector::new(limits);
    let mut stream = query.fetch(&mut *conn);
    // Expression columns (`SELECT x'ab' AS b`) have no declared type: they are named
    // after the storage class of their first non-NULL value (BLOB, REAL, INTEGER, TEXT).
    let mut untyped: Vec<usize> = (0..columns.len())
        .filter(|&i| columns[i].type_name == "NULL")
        .collect();
    while let Some(row) = stream.try_next().await? {
        let mut out = Vec::with_capacity(declared.len());
        for (i, ty) in declared.iter().enumerate() {
            out.push(render::sqlite::value(row.try_get_raw(i)?, ty));
        }
        untyped.retain(|&i| {
            let class = row
                .try_get_raw(i)
                .map(|raw| raw.type_info().name().to_string())
                .unwrap_or_else(|_| "NULL".to_string());
            if class == "NULL" {
                return true;
            }
            columns[i].type_name = class;
            false
        });
        if !collector.push(out) {
            break;
        }
    }
    Ok(collector.finish(columns, started))
}

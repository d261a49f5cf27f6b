//! Running one statement on one database: the engine-enforced layer of the read-only
//! guarantee, with bounds, timeouts and cancellation.
//!
//! Every engine module follows the same shape:
//! 1. take a pooled connection inside a read-only scope (PostgreSQL connections wait
//!    in the pool inside `BEGIN READ ONLY` under the session's `statement_timeout`;
//!    MySQL/MariaDB get `START TRANSACTION READ ONLY` with the engine's statement time
//!    limit; SQLite is read-only by how it was opened and gets an interrupting progress
//!    handler), retrying on a fresh connection when the pooled one died with a server
//!    restart;
//! 2. prepare the statement through the single-statement protocol (PostgreSQL extended
//!    protocol, MySQL `COM_STMT_PREPARE`), bind the parameters as real parameters, and
//!    stream rows into a `Collector` that stops at the row or byte cap (preparing,
//!    the placeholder-count check and the result columns' names are shared, in
//!    `prepare`: an engine implements its `Driver` trait);
//! 3. race all of that against the client's cancellation and a deadline; when either
//!    fires, the statement is stopped *on the server* (`pg_cancel_backend`,
//!    `KILL QUERY`, `sqlite3_interrupt` via the progress handler) and the connection is
//!    discarded;
//! 4. end the scope with `ROLLBACK` (PostgreSQL: as the connection returns to the
//!    pool), or discard the connection when rows were left unread (so a capped
//!    million-row result is not drained).

mod error;
mod mysql;
mod params;
mod pg;
mod prepare;
mod sqlite;

use std::future::Future;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::config::Limits;
use crate::db::{Database, Pool};
pub use error::ExecError;

/// Extra time the client waits past the server-side timeout before it stops the
/// statement itself (the server normally stops it first).
const GRACE: Duration = Duration::from_secs(2);

/// A column of a result.
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct Column {
    // No doc comment: it would become a description in `query`'s output schema.
    #[allow(missing_docs)]
    pub name: String,
    /// The engine's type name, e.g. INT4, NUMERIC, TIMESTAMPTZ, VARCHAR, TEXT.
    #[serde(rename = "type")]
    pub type_name: String,
}

/// Why rows were cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// More rows than the row cap.
    Rows(usize),
    /// The next row would pass the byte cap.
    Bytes(usize),
}

/// A statement's result, bounded.
#[derive(Debug, Clone)]
pub struct Rows {
    /// The result columns, in order.
    pub columns: Vec<Column>,
    /// The rows, each in column order.
    pub rows: Vec<Vec<Value>>,
    /// Why rows were cut, if they were.
    pub cut: Option<Cut>,
    /// JSON size of `rows`.
    pub bytes: usize,
    /// How long the statement took.
    pub elapsed: Duration,
}

/// Collects rows until a cap is reached.
pub(crate) struct Collector {
    max_rows: usize,
    max_bytes: usize,
    rows: Vec<Vec<Value>>,
    bytes: usize,
    cut: Option<Cut>,
}

impl Collector {
    pub(crate) fn new(limits: &Limits) -> Self {
        Self {
            max_rows: limits.max_rows,
            max_bytes: limits.max_bytes,
            rows: Vec::new(),
            bytes: 0,
            cut: None,
        }
    }

    /// Adds a row; `false` means a cap was reached and no more rows are wanted.
    pub(crate) fn push(&mut self, row: Vec<Value>) -> bool {
        if self.rows.len() >= self.max_rows {
            self.cut = Some(Cut::Rows(self.max_rows));
            return false;
        }
        let size = json_size(&row) + 1;
        if self.bytes + size > self.max_bytes {
            self.cut = Some(Cut::Bytes(self.max_bytes));
            return false;
        }
        self.bytes += size;
        self.rows.push(row);
        true
    }

    pub(crate) fn finish(self, columns: Vec<Column>, started: Instant) -> Rows {
        Rows {
            columns,
            rows: self.rows,
            cut: self.cut,
            bytes: self.bytes,
            elapsed: started.elapsed(),
        }
    }
}

/// The length of `v` serialized as JSON, without allocating it.
fn json_size(v: &impl serde::Serialize) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut c = Count(0);
    let _ = serde_json::to_writer(&mut c, v);
    c.0
}

/// Why the statement phase failed: a driver error (mapped with the SQL for context) or
/// an already-mapped one.
pub(crate) enum Failure {
    Sql(sqlx::Error),
    Exec(ExecError),
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        Failure::Sql(e)
    }
}

/// How a raced operation ended.
pub(crate) enum Race<T> {
    Done(T),
    Cancelled,
    TimedOut,
}

/// Runs `work` until it finishes, the client cancels, or `deadline` passes.
pub(crate) async fn race<T>(
    work: impl Future<Output = T>,
    ct: &CancellationToken,
    deadline: Duration,
) -> Race<T> {
    tokio::select! {
        biased;
        _ = ct.cancelled() => Race::Cancelled,
        _ = tokio::time::sleep(deadline) => Race::TimedOut,
        out = work => Race::Done(out),
    }
}

/// Runs one already-approved statement with `params` on `db`.
///
/// Each engine's future is boxed: the drivers' state machines make them kilobytes
/// large, and the callers' futures (tool handlers) are moved several times before
/// they run.
pub async fn run(
    db: &Database,
    sql: &str,
    params: &[Value],
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<Rows, ExecError> {
    let result = match &db.pool {
        Pool::Postgres(pool) => Box::pin(pg::run(pool, sql, false, params, limits, ct)).await,
        Pool::MySql(pool, flavor) => {
            Box::pin(mysql::run(pool, flavor, sql, params, limits, ct)).await
        }
        Pool::Sqlite(pool) => Box::pin(sqlite::run(pool, sql, params, limits, ct)).await,
    };
    result.map_err(|e| e.for_database(db))
}

/// Runs a statement the gate approved. Plain queries on PostgreSQL get the row cap
/// applied by the server (`SELECT * FROM (query) LIMIT cap + 1`), so a huge result
/// never leaves it and the connection is kept.
pub async fn run_approved(
    db: &Database,
    approved: &crate::guard::Approved,
    params: &[Value],
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<Rows, ExecError> {
    match (&db.pool, approved.kind) {
        (Pool::Postgres(pool), crate::guard::Kind::Query) => {
            Box::pin(pg::run(pool, &approved.sql, true, params, limits, ct))
                .await
                .map_err(|e| e.for_database(db))
        }
        _ => Box::pin(run(db, &approved.sql, params, limits, ct)).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn limits(rows: usize, bytes: usize) -> Limits {
        Limits {
            max_rows: rows,
            max_bytes: bytes,
            timeout: Duration::from_secs(1),
        }
    }

    #[test]
    fn row_cap_stops_on_the_extra_row() {
        let mut c = Collector::new(&limits(2, 1 << 20));
        assert!(c.push(vec![json!(1)]));
        assert!(c.push(vec![json!(2)]));
        assert!(!c.push(vec![json!(3)]));
        let rows = c.finish(vec![], Instant::now());
        assert_eq!(rows.rows.len(), 2);
        assert_eq!(rows.cut, Some(Cut::Rows(2)));
    }

    #[test]
    fn byte_cap_excludes_the_row_that_crosses_it() {
        let mut c = Collector::new(&limits(100, 20));
        assert!(c.push(vec![json!("abcdef")])); // ["abcdef"] = 10 bytes + 1
        assert!(!c.push(vec![json!("abcdefghij")]));
        let rows = c.finish(vec![], Instant::now());
        assert_eq!(rows.rows.len(), 1);
        assert_eq!(rows.cut, Some(Cut::Bytes(20)));
    }

    #[test]
    fn a_result_within_caps_is_not_cut() {
        let mut c = Collector::new(&limits(2, 1 << 20));
        assert!(c.push(vec![json!(1)]));
        assert_eq!(c.finish(vec![], Instant::now()).cut, None);
    }
}

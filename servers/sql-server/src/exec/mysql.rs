//! MySQL and MariaDB: every statement runs in `START TRANSACTION READ ONLY` on a
//! session already set to `SESSION TRANSACTION READ ONLY`, through the prepared
//! statement protocol (`COM_STMT_PREPARE` takes exactly one statement). MariaDB has no
//! JSON type on the wire (JSON is LONGTEXT with a `json_valid` check), so its JSON
//! columns are learned from the catalog (cached for a minute) and their values parsed.
//!
//! The setup, one round trip of sql-server's own text, re-asserts the session's
//! read-only mode and SQL mode (a statement that slipped past the gate could have
//! changed them, and MySQL keeps session settings), sets the engine's statement time
//! limit (MariaDB `max_statement_time` in seconds, MySQL `max_execution_time` in
//! milliseconds, which covers SELECT only) and fetches `CONNECTION_ID()`; on
//! cancellation or a missed deadline the statement is stopped with `KILL QUERY` from a
//! separate connection. DDL never gets here: the gate refuses it, because MySQL commits
//! implicitly before DDL and would leave the read-only transaction.

use std::sync::Arc;
use std::time::Instant;

use futures::TryStreamExt;
use serde_json::Value;
use sqlx::mysql::{MySql, MySqlConnectOptions, MySqlConnection, MySqlPool, MySqlTypeInfo};
use sqlx::{AssertSqlSafe, Column as _, Connection, Executor, Row, Statement};
use tokio_util::sync::CancellationToken;

use super::prepare::{Driver, Prepared, prepare};
use super::{Collector, Column, ExecError, Failure, GRACE, Race, Rows, race};
use crate::config::Limits;
use crate::db::held::Held;
use crate::db::mysql::json_valid_column;
use crate::db::{JsonColumns, MySqlFlavor};
use crate::engine::Engine;
use crate::render;

impl Driver for MySql {
    const ENGINE: Engine = Engine::MySql;

    fn type_name(ty: &MySqlTypeInfo) -> String {
        render::mysql::type_name(ty)
    }
}

pub(super) async fn run(
    pool: &MySqlPool,
    flavor: &Arc<MySqlFlavor>,
    sql: &str,
    params: &[Value],
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<Rows, ExecError> {
    let started = Instant::now();
    let (mut held, id) = begin(pool, flavor, limits).await?;
    let json_columns = if flavor.is_mariadb() {
        match flavor.json_columns() {
            Some(cols) => cols,
            None => flavor.set_json_columns(mariadb_json_columns(held.conn()).await),
        }
    } else {
        Arc::new(JsonColumns::new())
    };
    let outcome = race(
        statement(held.conn(), sql, params, limits, started, &json_columns),
        ct,
        limits.timeout + GRACE,
    )
    .await;
    match outcome {
        Race::Done(Ok(rows)) => {
            if rows.cut.is_some() {
                held.discard();
            } else {
                held.release(true);
            }
            Ok(rows)
        }
        Race::Done(Err(Failure::Sql(e))) => {
            if ExecError::connection_lost(&e) {
                held.discard();
            } else {
                held.release(true);
            }
            Err(ExecError::from_statement(e, sql, limits.timeout))
        }
        Race::Done(Err(Failure::Exec(e))) => {
            held.release(true);
            Err(e)
        }
        Race::Cancelled => {
            stop(pool.connect_options().as_ref().clone(), id, held);
            Err(ExecError::Cancelled)
        }
        Race::TimedOut => {
            stop(pool.connect_options().as_ref().clone(), id, held);
            Err(ExecError::Timeout(limits.timeout))
        }
    }
}

/// A pooled connection inside a read-only transaction with the time limit set, and its
/// connection id. Dead pooled connections are replaced, a few times at most.
async fn begin(
    pool: &MySqlPool,
    flavor: &MySqlFlavor,
    limits: &Limits,
) -> Result<(Held<MySql>, u64), ExecError> {
    let attempts = pool.options().get_max_connections() + 1;
    let mut last = None;
    for _ in 0..attempts {
        let conn = pool
            .acquire()
            .await
            .map_err(|e| ExecError::unreachable(&e))?;
        // The flavor is known once a connection has been made (see `db`).
        let limit = if flavor.is_mariadb() {
            format!(
                "SESSION max_statement_time = {:.3}",
                limits.timeout.as_secs_f64()
            )
        } else {
            format!(
                "SESSION max_execution_time = {}",
                limits.timeout.as_millis().max(1)
            )
        };
        let mode = flavor
            .sql_mode()
            .map(|m| format!("SESSION sql_mode = '{m}', "))
            .unwrap_or_default();
        // Session state is re-asserted every time: MySQL keeps SET SESSION across
        // statements, and DDL (which commits implicitly) runs under the session's
        // transaction mode, not the statement's transaction.
        let setup = format!(
            "SET SESSION TRANSACTION READ ONLY; SET {mode}{limit}; START TRANSACTION READ ONLY; SELECT CONNECTION_ID()"
        );
        let mut held = Held::new(conn);
        match held
            .conn()
            .fetch_one(sqlx::raw_sql(AssertSqlSafe(setup)))
            .await
            .and_then(|row| row.try_get::<u64, _>(0))
        {
            Ok(id) => return Ok((held, id)),
            Err(e) if ExecError::connection_lost(&e) => {
                held.discard();
                last = Some(e);
            }
            Err(e) => {
                return Err(ExecError::Internal(format!(
                    "starting the read-only transaction failed: {e}"
                )));
            }
        }
    }
    Err(last.map_or_else(
        || ExecError::Internal("no connection".into()),
        |e| ExecError::unreachable(&e),
    ))
}

/// MariaDB's JSON columns (LONGTEXT with a `json_valid` check) in every schema the user
/// can see; empty when the catalog cannot be read.
async fn mariadb_json_columns(conn: &mut MySqlConnection) -> JsonColumns {
    let rows = sqlx::query(
        "SELECT CAST(CONSTRAINT_SCHEMA AS CHAR), CAST(TABLE_NAME AS CHAR), CAST(CHECK_CLAUSE AS CHAR) \
         FROM information_schema.CHECK_CONSTRAINTS WHERE CHECK_CLAUSE LIKE '%json_valid%'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap_or_default();
    rows.iter()
        .filter_map(|r| {
            let schema: String = r.try_get(0).ok()?;
            let table: String = r.try_get(1).ok()?;
            let clause: String = r.try_get(2).ok()?;
            Some((schema, table, json_valid_column(&clause)?))
        })
        .collect()
}

/// Whether a result column comes straight from a MariaDB JSON column.
fn is_json_column(column: &sqlx::mysql::MySqlColumn, json: &JsonColumns) -> bool {
    if json.is_empty() {
        return false;
    }
    let origin = column.origin();
    let Some(tc) = origin.table_column() else {
        return false;
    };
    let Some((schema, table)) = tc.table.split_once('.') else {
        return false;
    };
    json.contains(&(schema.to_string(), table.to_string(), tc.name.to_string()))
}

async fn statement(
    conn: &mut MySqlConnection,
    sql: &str,
    values: &[Value],
    limits: &Limits,
    started: Instant,
    json_columns: &JsonColumns,
) -> Result<Rows, Failure> {
    let Prepared {
        statement: prepared,
        mut columns,
        ..
    } = prepare::<MySql>(conn, sql, values.len()).await?;
    let mut query = prepared.query();
    for v in values {
        query = match v {
            Value::Null => query.bind(Option::<String>::None),
            Value::Bool(b) => query.bind(*b),
            Value::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => query.bind(i),
                (None, Some(u)) => query.bind(u),
                _ => query.bind(n.as_f64().unwrap_or(0.0)),
            },
            Value::String(s) => query.bind(s.clone()),
            other => query.bind(other.to_string()),
        };
    }
    let mut collector = Collector::new(limits);
    let mut stream = query.fetch(&mut *conn);
    let mut first = true;
    let mut json: Vec<bool> = Vec::new();
    while let Some(row) = stream.try_next().await? {
        // The result set's own column types (the prepare step may report less precise
        // ones) decide how the binary values are read.
        let types: Vec<MySqlTypeInfo> = row
            .columns()
            .iter()
            .map(|c| c.type_info().clone())
            .collect();
        if first {
            json = row
                .columns()
                .iter()
                .map(|c| is_json_column(c, json_columns))
                .collect();
            columns = row
                .columns()
                .iter()
                .zip(&json)
                .map(|(c, is_json)| Column {
                    name: c.name().to_string(),
                    type_name: if *is_json {
                        "JSON".to_string()
                    } else {
                        render::mysql::type_name(c.type_info())
                    },
                })
                .collect();
            first = false;
        }
        let mut out = Vec::with_capacity(types.len());
        for (i, ty) in types.iter().enumerate() {
            let v = render::mysql::value(row.try_get_raw(i)?, ty);
            out.push(match v {
                Value::String(s) if json.get(i).copied().unwrap_or(false) => {
                    render::json_text(s.as_bytes())
                }
                other => other,
            });
        }
        if !collector.push(out) {
            break;
        }
    }
    Ok(collector.finish(columns, started))
}

/// Stops connection `id`'s statement from a separate connection, then closes `held`.
fn stop(options: MySqlConnectOptions, id: u64, held: Held<MySql>) {
    tokio::spawn(async move {
        let kill = async {
            let mut control = MySqlConnection::connect_with(&options).await?;
            control
                .execute(sqlx::raw_sql(AssertSqlSafe(format!("KILL QUERY {id}"))))
                .await?;
            control.close().await
        };
        if let Err(e) = tokio::time::timeout(GRACE * 2, kill)
            .await
            .unwrap_or(Err(sqlx::Error::PoolTimedOut))
        {
            tracing::warn!(error = %e, "could not stop the MySQL statement");
        }
        held.discard();
    });
}

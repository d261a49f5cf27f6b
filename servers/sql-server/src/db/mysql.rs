//! MySQL/MariaDB connections: made read-only right after they connect
//! (`SET SESSION TRANSACTION READ ONLY`), with the lexing-relevant SQL modes
//! (`ANSI_QUOTES`, `NO_BACKSLASH_ESCAPES`) removed so the gate's lexer matches the
//! server's, and what the server is ([`MySqlFlavor`]: MariaDB or not, its SQL mode,
//! MariaDB's JSON columns) recorded for the executor.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions};
use sqlx::{AssertSqlSafe, Executor, Row};

use super::PoolSettings;

/// What a MySQL-protocol pool learned on its first connect: whether the server is
/// MariaDB, and the session SQL mode to re-assert before every statement.
#[derive(Debug, Default)]
pub struct MySqlFlavor {
    is_mariadb: OnceLock<bool>,
    sql_mode: OnceLock<String>,
    json_columns: Mutex<Option<(Instant, Arc<JsonColumns>)>>,
}

/// MariaDB columns that hold JSON (LONGTEXT with a `json_valid` check), as
/// `(schema, table, column)`.
pub type JsonColumns = HashSet<(String, String, String)>;

/// The column a MariaDB `json_valid(...)` check clause names (how MariaDB marks a
/// LONGTEXT column as JSON), without backquotes.
pub fn json_valid_column(clause: &str) -> Option<String> {
    let lower = clause.to_ascii_lowercase();
    let start = lower.find("json_valid(")? + "json_valid(".len();
    let end = lower[start..].find(')')? + start;
    Some(clause[start..end].trim().trim_matches('`').to_string())
}

/// How long the list of MariaDB JSON columns is trusted before it is read again.
const JSON_COLUMNS_TTL: Duration = Duration::from_secs(60);

impl MySqlFlavor {
    /// Whether the server is MariaDB (known once a connection has been made).
    pub fn is_mariadb(&self) -> bool {
        self.is_mariadb.get().copied().unwrap_or(false)
    }

    /// The cached MariaDB JSON columns, unless they are older than a minute.
    pub fn json_columns(&self) -> Option<Arc<JsonColumns>> {
        let guard = self.json_columns.lock().ok()?;
        guard
            .as_ref()
            .filter(|(at, _)| at.elapsed() < JSON_COLUMNS_TTL)
            .map(|(_, cols)| cols.clone())
    }

    /// Caches `columns` as MariaDB's JSON columns for a minute, and returns them.
    pub fn set_json_columns(&self, columns: JsonColumns) -> Arc<JsonColumns> {
        let columns = Arc::new(columns);
        if let Ok(mut guard) = self.json_columns.lock() {
            *guard = Some((Instant::now(), columns.clone()));
        }
        columns
    }

    /// The server's SQL mode without `ANSI_QUOTES`/`NO_BACKSLASH_ESCAPES`/`ANSI`
    /// (letters, digits, `_` and `,` only).
    pub fn sql_mode(&self) -> Option<&str> {
        self.sql_mode.get().map(String::as_str)
    }
}

/// A lazily connecting pool whose connections are set up as the module doc says, and
/// the flavor its first connection learns.
pub(super) fn pool(
    options: MySqlConnectOptions,
    settings: PoolSettings,
) -> (MySqlPool, Arc<MySqlFlavor>) {
    let flavor = Arc::new(MySqlFlavor::default());
    let seen = flavor.clone();
    let pool = MySqlPoolOptions::new()
        .max_connections(settings.size)
        .acquire_timeout(settings.connect_timeout)
        .test_before_acquire(false)
        .idle_timeout(Duration::from_secs(300))
        .max_lifetime(Duration::from_secs(1800))
        .after_connect(move |conn, _meta| {
            let seen = seen.clone();
            Box::pin(async move {
                let row = sqlx::query("SELECT VERSION(), @@SESSION.sql_mode")
                    .fetch_one(&mut *conn)
                    .await?;
                let version: String = row.try_get(0)?;
                let mode: String = row.try_get(1)?;
                let _ = seen
                    .is_mariadb
                    .set(version.to_ascii_lowercase().contains("mariadb"));
                let kept: Vec<&str> = mode
                    .split(',')
                    .filter(|m| {
                        !m.is_empty()
                            && !matches!(*m, "ANSI_QUOTES" | "NO_BACKSLASH_ESCAPES" | "ANSI")
                    })
                    .collect();
                // The modes are server-provided names (letters and `_`).
                if kept
                    .iter()
                    .all(|m| m.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                {
                    let mode = kept.join(",");
                    conn.execute(sqlx::raw_sql(AssertSqlSafe(format!(
                        "SET SESSION sql_mode = '{mode}'"
                    ))))
                    .await?;
                    let _ = seen.sql_mode.set(mode);
                }
                conn.execute(sqlx::raw_sql(
                    "SET SESSION TRANSACTION READ ONLY; SET SESSION group_concat_max_len = 1048576",
                ))
                .await?;
                Ok(())
            })
        })
        .connect_lazy_with(options);
    (pool, flavor)
}

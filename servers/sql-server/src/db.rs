//! The configured databases and their connection pools.
//!
//! Pools are created lazily, so the server starts (and `tools/list` works) while a
//! database is down; the first call reports it unreachable. Each pool is bounded
//! (`--pool-size`), waits at most `--connect-timeout` for a connection, and does not
//! ping on every checkout: the executor retries on a fresh connection when a pooled one
//! turns out to be dead (after a database restart).
//!
//! PostgreSQL has its own pool ([`crate::pg_pool`]): connections wait in it inside a
//! fresh `BEGIN READ ONLY` transaction, set up when they connect and again, in the
//! background, each time they are returned; a statement therefore starts without an
//! extra round trip, and each one's effects (including any `SET`) are rolled back.
//!
//! MySQL/MariaDB connections are made read-only right after they connect
//! (`SET SESSION TRANSACTION READ ONLY`), lexing-relevant SQL modes (`ANSI_QUOTES`,
//! `NO_BACKSLASH_ESCAPES`) are removed so the gate's lexer matches the server's, and
//! whether the server is MariaDB is recorded (its statement time limit differs).

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use sqlx::mysql::{MySqlPool, MySqlPoolOptions};
use sqlx::sqlite::{SqlitePool, SqlitePoolOptions};
use sqlx::{AssertSqlSafe, Executor, Row};

use crate::dsn::{self, Secrets, Target};
use crate::engine::Engine;
use crate::pg_pool::PgPool;

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

/// How long the list of MariaDB JSON columns is trusted before it is read again.
const JSON_COLUMNS_TTL: Duration = Duration::from_secs(60);

impl MySqlFlavor {
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

/// A pool per engine.
#[derive(Debug, Clone)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
    MySql(MySqlPool, Arc<MySqlFlavor>),
}

/// One configured database.
#[derive(Debug)]
pub struct Database {
    pub name: String,
    pub engine: Engine,
    /// The URL with any password replaced by `***`.
    pub url: String,
    pub pool: Pool,
}

/// Pool sizing and timeouts.
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    pub size: u32,
    pub connect_timeout: Duration,
    /// The statement timeout a PostgreSQL connection's waiting transaction carries.
    pub statement_timeout: Duration,
}

impl Database {
    /// A lazily connecting, read-only pool for `url`.
    pub fn open(
        name: &str,
        url: &str,
        secrets: &Secrets,
        settings: PoolSettings,
    ) -> Result<Self, String> {
        let target = dsn::target(url, secrets)?;
        let engine = target.engine();
        let pool = match target {
            Target::Sqlite(options) => Pool::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(settings.size)
                    .acquire_timeout(settings.connect_timeout)
                    .test_before_acquire(false)
                    .idle_timeout(Duration::from_secs(600))
                    .connect_lazy_with(options),
            ),
            Target::Postgres(options) => Pool::Postgres(PgPool::new(
                options,
                settings.size,
                settings.connect_timeout,
                settings.statement_timeout,
            )?),
            Target::MySql(options) => {
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
                                        && !matches!(
                                            *m,
                                            "ANSI_QUOTES" | "NO_BACKSLASH_ESCAPES" | "ANSI"
                                        )
                                })
                                .collect();
                            // The modes are server-provided names (letters and `_`).
                            if kept.iter().all(|m| m.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')) {
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
                Pool::MySql(pool, flavor)
            }
        };
        Ok(Self {
            name: name.to_string(),
            engine,
            url: dsn::redact(url),
            pool,
        })
    }
}

/// Every configured database; the first is the default.
#[derive(Debug, Clone)]
pub struct Registry {
    databases: Arc<Vec<Arc<Database>>>,
}

impl Registry {
    /// Opens (lazily) every `(name, url)`.
    pub fn open(
        specs: &[(String, String)],
        secrets: &Secrets,
        settings: PoolSettings,
    ) -> Result<Self, String> {
        if specs.is_empty() {
            return Err("no database given: pass --url (or DATABASE_URL), e.g. `sql-server --url sqlite:./shop.db`, or --database NAME=URL".into());
        }
        let databases = specs
            .iter()
            .map(|(name, url)| Database::open(name, url, secrets, settings).map(Arc::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            databases: Arc::new(databases),
        })
    }

    /// All databases, the default first.
    pub fn all(&self) -> &[Arc<Database>] {
        &self.databases
    }

    /// The named database, or the default when `name` is `None` or empty.
    pub fn get(&self, name: Option<&str>) -> Result<Arc<Database>, String> {
        match name.map(str::trim).filter(|n| !n.is_empty()) {
            None => Ok(self.databases[0].clone()),
            Some(n) => self
                .databases
                .iter()
                .find(|d| d.name == n)
                .cloned()
                .ok_or_else(|| {
                    format!(
                        "no database named `{n}`; configured: {}",
                        self.databases
                            .iter()
                            .map(|d| format!("{} ({})", d.name, d.engine))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }),
        }
    }

    /// A one-line summary for the server instructions.
    pub fn describe(&self) -> String {
        self.databases
            .iter()
            .enumerate()
            .map(|(i, d)| {
                format!(
                    "{} ({}{})",
                    d.name,
                    d.engine,
                    if i == 0 { ", default" } else { "" }
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// For a SQLite database whose file is not there: what to tell the user, naming the
/// path as given and where it was looked for (a relative path is relative to the
/// directory the server was started in, which an MCP client picks). The pool connects
/// lazily, so the next call opens the file once it exists.
pub fn missing_sqlite_file(url: &str) -> Option<String> {
    let Ok(Target::Sqlite(options)) = dsn::target(url, &Secrets::default()) else {
        return None;
    };
    let path = options.get_filename();
    let text = path.to_string_lossy();
    if text.is_empty() || text == ":memory:" || path.exists() {
        return None;
    }
    let place = if path.is_absolute() {
        String::new()
    } else {
        let looked_at = std::env::current_dir()
            .map(|cwd| cwd.join(path.strip_prefix(".").unwrap_or(path)))
            .unwrap_or_else(|_| path.to_path_buf());
        format!(
            " (looked for {}: a relative path is relative to the directory the server was started in)",
            looked_at.display()
        )
    };
    Some(format!(
        "the SQLite file {} does not exist{place}. Fix the path in the server's --url sqlite:/absolute/path.db (sql-server never creates it); to try the server, `make demo` in its repository builds a sample shop at target/demo/shop.sqlite. The next call opens the file once it exists.",
        path.display()
    ))
}

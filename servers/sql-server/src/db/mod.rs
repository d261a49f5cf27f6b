//! The configured databases, their connection pools, and the connections the
//! executor holds: everything about connecting, one file per engine.
//!
//! - [`sqlite`]: SQLite pools, and what to say when the file is missing.
//! - [`pg`]: PostgreSQL's own pool: connections wait in it inside a fresh
//!   `BEGIN READ ONLY` transaction, set up when they connect and again, in the
//!   background, each time they are returned; a statement therefore starts without an
//!   extra round trip, and each one's effects (including any `SET`) are rolled back.
//! - [`mysql`]: MySQL/MariaDB pools, whose connections are made read-only as they
//!   connect, and what each server turned out to be ([`MySqlFlavor`]).
//! - `held`: a pooled SQLite or MySQL connection that is closed unless explicitly
//!   released (PostgreSQL's equivalent is [`pg::Checked`]).
//!
//! Pools are created lazily, so the server starts (and `tools/list` works) while a
//! database is down; the first call reports it unreachable. Each pool is bounded
//! (`--pool-size`), waits at most `--connect-timeout` for a connection, and does not
//! ping on every checkout: the executor retries on a fresh connection when a pooled one
//! turns out to be dead (after a database restart).

pub(crate) mod held;
pub mod mysql;
pub mod pg;
pub mod sqlite;

use std::sync::Arc;
use std::time::Duration;

use sqlx::mysql::MySqlPool;
use sqlx::sqlite::SqlitePool;

use crate::dsn::{self, Secrets, Target};
use crate::engine::Engine;
pub use mysql::{JsonColumns, MySqlFlavor};
use pg::PgPool;
pub use sqlite::missing_sqlite_file;

/// A pool per engine.
#[derive(Debug, Clone)]
pub enum Pool {
    /// A SQLite file, opened read-only.
    Sqlite(SqlitePool),
    /// A PostgreSQL server, through sql-server's own pool.
    Postgres(PgPool),
    /// A MySQL or MariaDB server, and what it turned out to be.
    MySql(MySqlPool, Arc<MySqlFlavor>),
}

/// One configured database.
#[derive(Debug)]
pub struct Database {
    /// The name calls use to pick it (`--database NAME=URL`; `default` for `--url`).
    pub name: String,
    /// Its engine.
    pub engine: Engine,
    /// The URL with any password replaced by `***`.
    pub url: String,
    /// Its connection pool.
    pub pool: Pool,
}

/// Pool sizing and timeouts.
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    /// Most connections open at once (`--pool-size`).
    pub size: u32,
    /// How long to wait for a connection (`--connect-timeout`).
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
            Target::Sqlite(options) => Pool::Sqlite(sqlite::pool(options, settings)),
            Target::Postgres(options) => Pool::Postgres(PgPool::new(
                options,
                settings.size,
                settings.connect_timeout,
                settings.statement_timeout,
            )?),
            Target::MySql(options) => {
                let (pool, flavor) = mysql::pool(options, settings);
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

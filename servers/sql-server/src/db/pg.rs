//! PostgreSQL connections: sql-server's own pool (deadpool over sqlx's `PgConnection`).
//!
//! Connections wait in the pool inside a fresh read-only transaction
//! (`RESET`), so a statement starts with no round trip of its own. When a
//! statement is done, [`Checked::release`] sends one combined reset
//! (`RESET`) in the background and puts the connection back
//! only when that succeeded; the reset is the liveness check, so a connection that
//! died (a server restart) is closed instead of returned.
//!
//! sqlx's own pool is not used for PostgreSQL because it pings every connection as it
//! comes back, on top of any `after_release` hook: one more round trip per call,
//! which on a small machine costs about as much as a cheap statement.
//!
//! Connections idle for a minute are closed by a reaper (they sit `idle in
//! transaction`, holding no locks and no snapshot); connections older than half an
//! hour are replaced when next checked out.

use std::time::Duration;

use deadpool::managed::{self, Metrics, Object, PoolError, RecycleError, RecycleResult};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{Connection, Executor};

/// How long a connection may wait in the pool (inside its transaction).
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How often idle connections are looked for.
const REAP_EVERY: Duration = Duration::from_secs(15);
/// How long a connection is used before it is replaced.
const MAX_LIFETIME: Duration = Duration::from_secs(1800);
/// Servers from this version on check their client during a statement
/// (`client_connection_check_interval`); older ones get their backends cancelled by pid.
pub(crate) const CHECKS_CLIENT: u32 = 140000;

/// The PostgreSQL scope every pooled connection waits in: the previous statement's
/// transaction rolled back (undoing any `SET` it made), a new `READ ONLY` one begun,
/// and its first snapshot taken, after which PostgreSQL refuses to make it read-write
/// ("must be set before any query"). Nothing is locked and no snapshot is held between
/// statements (READ COMMITTED).
const RESET: &str = "ROLLBACK; BEGIN READ ONLY; SELECT 1";

/// What a new connection runs: the waiting scope without a transaction to end.
const FIRST_SCOPE: &str = "BEGIN READ ONLY; SELECT 1";

/// `options` with the session's statement timeout, sent when connecting: a session
/// default, which the rollback after each statement restores (a `SET` inside the
/// transaction, even one sent together with `BEGIN`, would be rolled back with it).
fn with_statement_timeout(options: PgConnectOptions, timeout: Duration) -> PgConnectOptions {
    let millis = timeout.as_millis().max(1).to_string();
    options.options([("statement_timeout", millis.as_str())])
}

/// Makes connections and decides whether a waiting one may be handed out.
#[derive(Debug)]
pub struct Manager {
    options: PgConnectOptions,
}

impl managed::Manager for Manager {
    type Type = PgConnection;
    type Error = sqlx::Error;

    async fn create(&self) -> Result<PgConnection, sqlx::Error> {
        let mut conn = PgConnection::connect_with(&self.options).await?;
        // PostgreSQL 14+ notices a vanished client during a long statement, so
        // closing the connection stops the work.
        if conn
            .server_version_num()
            .is_some_and(|v| v >= CHECKS_CLIENT)
        {
            conn.execute("SET client_connection_check_interval = 1000")
                .await?;
        }
        conn.execute(sqlx::raw_sql(FIRST_SCOPE)).await?;
        Ok(conn)
    }

    /// No round trip: a waiting connection was reset when it came back. Only age
    /// is checked; a connection that died meanwhile fails its statement at once and
    /// the executor retries on another.
    async fn recycle(
        &self,
        _conn: &mut PgConnection,
        metrics: &Metrics,
    ) -> RecycleResult<sqlx::Error> {
        if metrics.last_used() > IDLE_TIMEOUT || metrics.age() > MAX_LIFETIME {
            return Err(RecycleError::message("connection too old; replacing it"));
        }
        Ok(())
    }
}

/// A bounded pool of PostgreSQL connections waiting in read-only transactions.
#[derive(Debug, Clone)]
pub struct PgPool {
    pool: managed::Pool<Manager>,
    /// The statement timeout the waiting transactions carry.
    pub statement_timeout: Duration,
}

impl PgPool {
    /// A pool that connects lazily (the first checkout connects). Must be called
    /// inside a Tokio runtime when idle connections should be reaped.
    pub fn new(
        options: PgConnectOptions,
        size: u32,
        connect_timeout: Duration,
        statement_timeout: Duration,
    ) -> Result<Self, String> {
        let manager = Manager {
            options: with_statement_timeout(options, statement_timeout),
        };
        let pool = managed::Pool::builder(manager)
            .max_size(size.max(1) as usize)
            .runtime(deadpool::Runtime::Tokio1)
            .wait_timeout(Some(connect_timeout))
            .create_timeout(Some(connect_timeout))
            .build()
            .map_err(|e| format!("could not set up the PostgreSQL pool: {e}"))?;
        if tokio::runtime::Handle::try_current().is_ok() {
            tokio::spawn(reap(pool.weak()));
        }
        Ok(Self {
            pool,
            statement_timeout,
        })
    }

    /// A connection inside a fresh read-only transaction.
    pub async fn checkout(&self) -> Result<Checked, sqlx::Error> {
        match self.pool.get().await {
            Ok(conn) => Ok(Checked { conn: Some(conn) }),
            Err(PoolError::Backend(e)) => Err(e),
            Err(PoolError::Timeout(_)) => Err(sqlx::Error::PoolTimedOut),
            Err(e) => Err(sqlx::Error::Protocol(format!("connection pool: {e}"))),
        }
    }

    /// The most connections the pool opens.
    pub fn max_size(&self) -> usize {
        self.pool.status().max_size
    }

    /// How to connect (for a separate control connection).
    pub fn connect_options(&self) -> &PgConnectOptions {
        &self.pool.manager().options
    }
}

/// Closes connections that waited longer than [`IDLE_TIMEOUT`], politely, until the
/// pool is gone.
async fn reap(pool: managed::WeakPool<Manager>) {
    loop {
        tokio::time::sleep(REAP_EVERY).await;
        let Some(pool) = pool.upgrade() else { return };
        let idle = pool.retain(|_, m| m.last_used() < IDLE_TIMEOUT).removed;
        for conn in idle {
            let _ = conn.close().await;
        }
    }
}

/// A checked-out connection that is closed unless released.
pub struct Checked {
    conn: Option<Object<Manager>>,
}

impl Checked {
    /// The connection, inside its read-only transaction.
    pub fn conn(&mut self) -> &mut PgConnection {
        self.conn.as_mut().expect("connection held")
    }

    /// Ends the statement's transaction and begins the next in the background (one
    /// round trip), then returns the connection to the pool; a failed reset closes it.
    pub fn release(mut self) {
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        tokio::spawn(async move {
            // Let the caller's response go out first: the reset is off the critical path.
            tokio::task::yield_now().await;
            if conn.execute(sqlx::raw_sql(RESET)).await.is_err() {
                close_hard(Object::take(conn));
            }
        });
    }

    /// Closes the connection without returning it to the pool.
    pub fn discard(self) {
        drop(self);
    }
}

impl Drop for Checked {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            close_hard(Object::take(conn));
        }
    }
}

/// Closes the socket without a goodbye (a graceful close would first read whatever
/// rows are still in flight).
fn close_hard(conn: PgConnection) {
    tokio::spawn(async move {
        let _ = conn.close_hard().await;
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_wait_in_a_read_only_transaction_with_a_snapshot_taken() {
        assert_eq!(FIRST_SCOPE, "BEGIN READ ONLY; SELECT 1");
        assert_eq!(RESET, format!("ROLLBACK; {FIRST_SCOPE}"));
    }

    #[test]
    fn the_statement_timeout_is_a_session_default() {
        let options = with_statement_timeout(PgConnectOptions::new(), Duration::from_secs(30));
        assert!(
            options
                .get_options()
                .is_some_and(|o| o.contains("statement_timeout=30000")),
            "{:?}",
            options.get_options()
        );
    }
}

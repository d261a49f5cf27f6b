//! A pooled connection whose fate is decided explicitly: [`Held::release`] ends its
//! read-only transaction and returns it to the pool; anything else (an error path, a
//! cancelled future, an explicit [`Held::discard`]) closes it, so a connection in an
//! unknown state never goes back to the pool.

use sqlx::pool::PoolConnection;
use sqlx::{Connection, Database, Executor};

/// A pooled connection that is closed unless released.
pub(crate) struct Held<DB: Database> {
    conn: Option<PoolConnection<DB>>,
}

impl<DB: Database> Held<DB>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    pub(crate) fn new(conn: PoolConnection<DB>) -> Self {
        Self { conn: Some(conn) }
    }

    pub(crate) fn conn(&mut self) -> &mut DB::Connection {
        self.conn.as_mut().expect("connection held")
    }

    /// Rolls back (when `rollback`) in the background, then returns the connection to
    /// the pool; a failed rollback closes it instead.
    pub(crate) fn release(mut self, rollback: bool) {
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        if !rollback {
            drop(conn);
            return;
        }
        tokio::spawn(async move {
            if conn.execute(sqlx::raw_sql("ROLLBACK")).await.is_err() {
                close(conn);
            }
        });
    }

    /// Closes the connection without returning it to the pool.
    pub(crate) fn discard(self) {
        drop(self);
    }
}

impl<DB: Database> Drop for Held<DB> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            close(conn);
        }
    }
}

/// Detaches a connection from its pool and closes the socket without a goodbye (a
/// graceful close would first read whatever rows are still in flight).
fn close<DB: Database>(conn: PoolConnection<DB>) {
    let raw = conn.detach();
    tokio::spawn(async move {
        let _ = raw.close_hard().await;
    });
}

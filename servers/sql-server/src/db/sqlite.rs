//! SQLite connections: the file opened read-only with `query_only` on (see `dsn`),
//! and what to say when the file is not there.

use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

use super::PoolSettings;
use crate::dsn::{self, Secrets, Target};

/// A lazily connecting pool of read-only connections to the file.
pub(super) fn pool(options: SqliteConnectOptions, settings: PoolSettings) -> SqlitePool {
    SqlitePoolOptions::new()
        .max_connections(settings.size)
        .acquire_timeout(settings.connect_timeout)
        .test_before_acquire(false)
        .idle_timeout(Duration::from_secs(600))
        .connect_lazy_with(options)
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

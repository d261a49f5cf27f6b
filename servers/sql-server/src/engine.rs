//! The three database engines sql-server speaks, and how each is named to users.

use std::fmt;

/// A database engine. MariaDB is served by the MySQL driver and counts as [`Engine::MySql`];
/// where the two differ at run time (timeouts), the connection reports which it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    /// SQLite files.
    Sqlite,
    /// PostgreSQL servers.
    Postgres,
    /// MySQL and MariaDB servers.
    MySql,
}

impl Engine {
    /// The placeholder syntax of this engine for a statement with `count`
    /// placeholders, for messages: `$1 … $3` in PostgreSQL, `?` elsewhere.
    pub fn placeholder_hint(self, count: usize) -> String {
        match self {
            Engine::Postgres => format!("$1 … ${}", count.max(1)),
            Engine::MySql | Engine::Sqlite => "?".to_string(),
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
            Engine::MySql => "MySQL/MariaDB",
        })
    }
}

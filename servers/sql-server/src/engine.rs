//! The three database engines sql-server speaks, and how each is named to users.
//!
//! # Adding an engine
//!
//! The compiler finds most places: add a variant to [`Engine`] and every `match` on
//! it, on [`crate::db::Pool`] and on [`crate::dsn::Target`] stops compiling until it
//! is filled. In order, an engine `foo` fills:
//!
//! 1. **Naming** (this file): the [`Engine`] variant, its [`fmt::Display`] name and
//!    [`Engine::placeholder_hint`].
//! 2. **Connecting**: `dsn.rs`: a [`crate::dsn::Target`] variant, the URL scheme in
//!    `engine_of` and `target` (read-only connect options, TLS from `Secrets`), and
//!    password redaction if its URLs differ; `db/foo.rs`: its pool (bounded, lazy,
//!    each connection made read-only as it connects), added to [`crate::db::Pool`]
//!    and `Database::open` in `db/mod.rs`; `db/held.rs` serves any sqlx pool.
//! 3. **Gating**: `guard/lexer.rs`: how the server lexes strings, identifiers and
//!    comments (the gate must split statements exactly as the server does);
//!    `guard/mod.rs`: its sqlparser dialect (`dialect`) and engine-only statements in
//!    `statement_kind`.
//! 4. **Executing**: `exec/foo.rs` with `run` (a read-only scope around one
//!    statement, retried on a dead pooled connection, raced against cancellation and
//!    the deadline, stopped on the server when either fires) and `statement` (binding
//!    and reading rows into a `Collector`); `impl Driver` (in `exec/prepare.rs`) for
//!    its sqlx database type, so `prepare` does the prepare step, the
//!    placeholder-count check and the column names; the dispatch in `exec::run` (and
//!    `exec::run_approved` if the server can cap rows itself); the driver's error
//!    codes in `exec/error.rs` (read-only refusals, lost connections).
//! 5. **Rendering values**: `render/foo.rs`: each wire type as JSON (see
//!    `render/mod.rs` for the shared rules: big integers and exact decimals as
//!    strings, bytes as base64, ISO 8601 times).
//! 6. **Catalog**: `catalog/foo.rs` with `schemas`, `tables`, `overview`, and `impl
//!    Describe` (in `catalog/describe.rs`: the find, similar-names, header and part
//!    queries `describe_table` runs), plus the four dispatches in `catalog/mod.rs`.
//! 7. **Plans**: `explain::statement` and `explain::render`.
//! 8. **Doctor**: the engine's arm in `doctor.rs`'s `check` (what it reports about
//!    the server and whether the connected role could write).
//!
//! Nothing in `tools/`, `server.rs`, `resources.rs` or `prompt.rs` changes: they see
//! only [`crate::db::Database`] and the functions above. Then run the e2e suites the
//! other engines have (`tests/e2e/sql_*.rs`: the attacks must fail on it too).

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

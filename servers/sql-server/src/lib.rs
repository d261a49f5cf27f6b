//! sql-server: read-only SQL over SQLite, PostgreSQL and MySQL/MariaDB as MCP tools.
//!
//! The read-only promise holds in three layers: the engine (a read-only SQLite open; a
//! PostgreSQL `BEGIN READ ONLY` transaction over the single-statement protocol; a
//! read-only MySQL/MariaDB session and transaction), the parser gate in [`guard`], and
//! the role the operator connects with (`doctor` warns when it could write).
//!
//! - [`config`]: options and limits.
//! - [`dsn`]: URLs, read-only connect options, password redaction.
//! - [`db`]: the configured databases, their pools and held connections (one file per
//!   engine).
//! - [`guard`]: the SQL gate (server-faithful lexer + sqlparser rules).
//! - [`exec`]: running one statement with caps, timeouts, cancellation, reconnects.
//! - [`render`]: database values as JSON; [`table`]: the compact text table.
//! - [`catalog`]: schemas, tables, table descriptions, overviews.
//! - [`explain`]: plans without execution.
//! - [`tools`]: each tool beside its parameters and handler, grouped by job;
//!   [`server`]: the `ServerHandler` glue; [`resources`], [`prompt`]: the rest of the
//!   MCP surface.
//! - [`custom`]: operator-defined tools (`--tools-file`), checked by the gate at start.
//! - [`tunnel`]: SSH tunnels to databases behind a bastion (`--ssh-tunnel`).
//! - [`doctor`]: the `doctor` command.

pub mod catalog;
pub mod config;
pub mod custom;
pub mod db;
pub mod doctor;
pub mod dsn;
pub mod engine;
pub mod exec;
pub mod explain;
pub mod guard;
pub mod prompt;
pub mod render;
pub mod resources;
pub mod server;
pub mod table;
pub mod tools;
pub mod tunnel;

//! sql-server: read-only SQL over SQLite, PostgreSQL and MySQL/MariaDB.
//!
//! Skeleton: the crate exists so the workspace, Makefile and Docker image have their
//! final shape. It parses the shared options (so `--help` and config files work) and
//! then says plainly that it is not built yet, exiting non-zero; `doctor` does the same.

use clap::Parser;
use shared::config::{self, CommonArgs, DOCTOR_HELP};

/// Command-line options (only the shared ones so far).
#[derive(Parser, Debug)]
#[command(name = "sql-server", version, about = "MCP server: read-only SQL over SQLite, PostgreSQL and MySQL/MariaDB (not built yet).", after_help = DOCTOR_HELP)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

fn main() {
    let _invocation = config::parse::<Args>();
    eprintln!(
        "sql-server is not built yet: this release ships fs-server only. Track the sql-server issue for progress."
    );
    std::process::exit(2);
}

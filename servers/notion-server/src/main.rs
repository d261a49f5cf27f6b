//! notion-server: Notion pages as Markdown.
//!
//! Skeleton: the crate exists so the workspace, Makefile and Docker image have their
//! final shape. It parses the shared options (so `--help` and config files work) and
//! then says plainly that it is not built yet, exiting non-zero; `doctor` does the same.

use clap::Parser;
use shared::config::{self, CommonArgs, DOCTOR_HELP};

/// Command-line options (only the shared ones so far).
#[derive(Parser, Debug)]
#[command(name = "notion-server", version, about = "MCP server: Notion pages as Markdown (not built yet).", after_help = DOCTOR_HELP)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

fn main() {
    let _invocation = config::parse::<Args>();
    eprintln!(
        "notion-server is not built yet: this release ships fs-server only. Track the notion-server issue for progress."
    );
    std::process::exit(2);
}

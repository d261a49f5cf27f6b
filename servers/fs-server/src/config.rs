//! fs-server's options: its roots and output bounds, plus the shared options.

use std::path::PathBuf;

use clap::Parser;
use shared::config::{CommonArgs, SOURCES_HELP};

/// Command-line options of fs-server (each also from its environment variable or the
/// TOML file given with --config).
#[derive(Parser, Debug, Clone)]
#[command(
    name = "fs-server",
    version,
    about = "MCP server for the files under one or more root directories: read, list, and search names and contents. Nothing outside the roots is reachable.",
    after_help = SOURCES_HELP,
    group(clap::ArgGroup::new("one:roots").multiple(true))
)]
pub struct FsArgs {
    /// Root directories the server may read, e.g. `fs-server ~/project ~/notes`. Roots
    /// come from one source only: the command line (these and --root), else
    /// FS_SERVER_ROOTS, else the config file's `root` list.
    #[arg(value_name = "ROOT", group = "one:roots")]
    pub paths: Vec<PathBuf>,

    /// Another root directory (repeatable). FS_SERVER_ROOTS takes a ':'-separated list.
    #[arg(
        long = "root",
        group = "one:roots",
        env = "FS_SERVER_ROOTS",
        value_delimiter = ':',
        value_name = "DIR"
    )]
    pub roots: Vec<PathBuf>,

    /// Enable the tools that change files (write_file, edit_file, create_directory,
    /// move_path, copy_path, append_file). Off by default: without it those tools are
    /// not even listed.
    #[arg(long, env = "FS_SERVER_ALLOW_WRITE")]
    pub allow_write: bool,

    /// Also enable delete_path (needs --allow-write as well).
    #[arg(long, env = "FS_SERVER_ALLOW_DELETE", requires = "allow_write")]
    pub allow_delete: bool,

    /// Largest text a read returns, in bytes; longer output is cut with a notice saying
    /// how to read the rest.
    #[arg(long, env = "FS_SERVER_MAX_READ_BYTES", default_value_t = 256 * 1024, value_name = "BYTES")]
    pub max_read_bytes: usize,

    /// Largest file read_media_file returns, in bytes (sent base64-encoded).
    #[arg(long, env = "FS_SERVER_MAX_MEDIA_BYTES", default_value_t = 10 * 1024 * 1024, value_name = "BYTES")]
    pub max_media_bytes: u64,

    /// Most entries list_directory returns.
    #[arg(
        long,
        env = "FS_SERVER_MAX_LIST_ENTRIES",
        default_value_t = 1000,
        value_name = "N"
    )]
    pub max_list_entries: usize,

    /// The options every server of the bundle shares (transport, logging, auth).
    #[command(flatten)]
    pub common: CommonArgs,
}

impl FsArgs {
    /// Every configured root, positional ones first, duplicates removed.
    pub fn all_roots(&self) -> Vec<PathBuf> {
        let mut all: Vec<PathBuf> = Vec::new();
        for root in self.paths.iter().chain(&self.roots) {
            if !all.contains(root) {
                all.push(root.clone());
            }
        }
        all
    }
}

/// Output bounds and what the user opted into, from the command line.
#[derive(Debug, Clone)]
pub struct Limits {
    /// `--max-read-bytes`: most bytes of text one read returns.
    pub max_read_bytes: usize,
    /// `--max-media-bytes`: largest file returned as media.
    pub max_media_bytes: u64,
    /// `--max-list-entries`: most entries `list_directory` shows.
    pub max_list_entries: usize,
    /// `--allow-write`: the tools that change files are listed and callable.
    pub allow_write: bool,
    /// `--allow-delete` (with `--allow-write`): `delete_path` too.
    pub allow_delete: bool,
}

impl Limits {
    /// The limits the command line sets.
    pub fn from_args(args: &FsArgs) -> Self {
        Self {
            max_read_bytes: args.max_read_bytes,
            max_media_bytes: args.max_media_bytes,
            max_list_entries: args.max_list_entries,
            allow_write: args.allow_write,
            allow_delete: args.allow_write && args.allow_delete,
        }
    }
}

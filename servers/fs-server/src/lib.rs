//! fs-server: an MCP server for the files under one or more root directories.
//!
//! Every path a client names is resolved by [`sandbox::Sandbox`] beneath a held
//! directory handle of one root, so nothing (`..`, absolute paths, symlinks,
//! races) can reach outside. The modules below each do one job:
//!
//! - [`sandbox`]: roots and race-free path resolution; its submodules hold the
//!   write primitives (atomic replace, append, rename, copy, remove).
//! - [`read`]: reading text (head, tail, ranges), media and file metadata.
//! - [`listing`]: one directory's entries.
//! - [`walk`]: recursive walks: the directory tree and name search.
//! - [`grep`]: content search built on ripgrep's crates.
//! - [`control`]: cancellation and progress for long operations.
//! - [`resource_list`]: `resources/list` of the roots' top-level files, paginated.
//! - [`watch`]: resource subscriptions: file watching and change notifications.
//! - [`server`]: the MCP tools, resources and roots handling.
//! - [`write`] and [`edit`]: the opt-in tools that change files (atomic writes,
//!   exact-text edits with a diff, moves, copies, deletes).

pub mod config;
pub mod control;
pub mod doctor;
pub mod edit;
pub mod error;
pub mod format;
pub mod grep;
pub mod hash;
pub mod listing;
pub mod prompt;
pub mod read;
pub mod resource_list;
pub mod resources;
pub mod sandbox;
pub mod server;
mod tools_write;
pub mod walk;
pub mod watch;
pub mod write;

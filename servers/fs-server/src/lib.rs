//! fs-server: an MCP server for the files under one or more root directories.
//!
//! Every path a client names is resolved by [`sandbox::Sandbox`] beneath a held
//! directory handle of one root, so nothing (`..`, absolute paths, symlinks,
//! races) can reach outside. The modules below each do one job:
//!
//! - [`server`]: the `ServerHandler` glue: the tool router, resources, prompt, roots.
//! - [`tools`]: every tool, one file per group, its declaration, parameters and
//!   handler side by side. A new tool goes there.
//! - [`sandbox`]: roots and race-free path resolution; its submodules hold the
//!   write primitives (slot operations, temporary files, tree copy, removal).
//! - Engines the tools use: [`text`] (reading text, head/tail/ranges), [`media`]
//!   (base64 and MIME sniffing), [`file_info`], [`walker`] (the walk set-up every
//!   recursive walk shares), [`guard`] (path locks and expected-hash checks),
//!   [`hash`] (SHA-256 to hex), [`format`](mod@format) (sizes, dates, kinds of file).
//! - [`control`]: cancellation and progress for long operations.
//! - [`resources`]: the `file://` template; [`resource_list`]: `resources/list` of
//!   the roots' top-level files, paginated; [`watch`]: resource subscriptions.
//! - [`prompt`]: the `explore_folder` prompt.
//! - [`config`], [`doctor`], [`error`]: options, `fs-server doctor`, failures.

pub mod config;
pub mod control;
pub mod doctor;
pub mod error;
pub mod file_info;
pub mod format;
pub mod guard;
pub mod hash;
pub mod media;
pub mod prompt;
pub mod resource_list;
pub mod resources;
pub mod sandbox;
pub mod server;
pub mod text;
pub mod tools;
pub mod walker;
pub mod watch;

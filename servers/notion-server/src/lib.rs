//! notion-server: Notion as MCP tools, with pages as Markdown.
//!
//! Reads: search, pages rendered as Markdown with their nested blocks (fetched
//! recursively with bounded depth, concurrency and output, continued by cursor),
//! data-source schemas and queries with readable property values, comments. Writes
//! (only with `--allow-write`): pages created and appended from Markdown within the
//! API's limits, property updates from plain values, comments, trash.
//!
//! - [`config`]: options; [`client`]: the Notion endpoints over the shared client.
//! - [`ids`]: ids and Notion URLs.
//! - [`rich_text`], [`blocks_to_md`], [`md_to_blocks`]: the Markdown conversions.
//! - [`properties`]: property values flattened and converted.
//! - [`fetch`], [`page`], [`listing`]: bounded reading; [`write`]: bounded writing.
//! - [`server`]: the MCP handler glue; [`tools`]: every tool beside its parameters
//!   and handler (`tools/read.rs`, `tools/write.rs`); [`doctor`].
//! - [`code_language`]: fenced code's language mapped onto Notion's list.

pub mod blocks_to_md;
pub mod client;
pub mod code_language;
pub mod config;
pub mod doctor;
pub mod fetch;
pub mod ids;
pub mod listing;
pub mod md_to_blocks;
pub mod page;
pub mod prompt;
pub mod properties;
pub mod rich_text;
pub mod server;
pub mod tools;
pub mod write;

//! notion-server: Notion as MCP tools, with pages as Markdown.
//!
//! Reads: search, pages rendered as Markdown with their nested blocks (fetched
//! recursively with bounded depth, concurrency and output, continued by cursor),
//! data-source schemas and queries with readable property values, comments. Writes
//! (only with `--allow-write`): pages created and appended from Markdown within the
//! API's limits, content replaced (whole or a range) without ever removing child
//! pages, databases or synced blocks, pages moved, databases created, property
//! updates from plain values, comments, trash.
//!
//! - [`config`]: options; [`client`]: the Notion endpoints over the shared client.
//! - [`ids`]: ids and Notion URLs.
//! - [`rich_text`], [`blocks_to_md`], [`md_to_blocks`]: the Markdown conversions;
//!   [`enhanced`]: Notion's enhanced Markdown (the markdown endpoints of
//!   Notion-Version 2026-03-11) to and from this server's.
//! - [`content`]: what `update_page_content` replaces and keeps, and its dry run.
//! - [`properties`]: property values flattened and converted.
//! - [`fetch`], [`page`], [`listing`]: bounded reading; [`write`]: bounded writing.
//! - [`server`]: the MCP handler glue; [`tools`]: every tool beside its parameters
//!   and handler (`tools/read.rs`, `tools/write.rs`); [`doctor`].
//! - [`code_language`]: fenced code's language mapped onto Notion's list.

pub mod blocks_to_md;
pub mod client;
pub mod code_language;
pub mod config;
pub mod content;
pub mod doctor;
pub mod enhanced;
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

//! The six built-in tools, one file per group of what they do: each tool's declaration
//! (`#[tool]` with the description the model reads), its parameters and output types
//! (whose doc comments are the model's manual) and its handler stand side by side.
//!
//! - [`query`]: `query` and `explain`, which run (or plan) the caller's SQL.
//! - [`schema`]: `list_schemas`, `list_tables`, `search_objects` and
//!   `describe_table`, which read the catalog.
//! - [`custom`]: the operator's tools from `--tools-file`, built at start (one route
//!   each) rather than declared with `#[tool]`.
//!
//! Each group is an `impl SqlServer` block with its own named router
//! (`#[tool_router(router = query_router)]`); [`crate::server::SqlServer::new`] adds
//! them together. A new tool goes into the group it belongs to (or a new file here
//! with its own router, added there too).

pub mod custom;
pub mod query;
pub mod schema;

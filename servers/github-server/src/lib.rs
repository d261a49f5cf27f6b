//! github-server: GitHub's REST API as compact MCP tools, grouped in toolsets.
//!
//! Users pick toolsets (`--toolsets`) or single tools (`--tools`); write tools exist
//! only with `--allow-write`. Every request goes through the shared upstream client
//! (rate limiter, retries for reads, ETag cache, actionable errors); list tools
//! follow `link` pages up to a limit and hand back a cursor; every output is bounded.
//!
//! - [`config`]: options, the token, the API base URL (`--api-url` / `--host`).
//! - [`upstream`]: GitHub's settings for the shared upstream client (headers, rate
//!   limit, missing-scope errors).
//! - [`app_auth`]: GitHub App mode's installation tokens (minted, kept, refreshed).
//! - [`api`]: checked request paths and the calls to GitHub.
//! - [`graphql`]: GitHub's GraphQL API through the same client (queries retried,
//!   mutations not, the points rate limit respected, opaque cursors).
//! - [`paging`]: list tools' pagination (limit, cursor, byte bound).
//! - [`shape`]: compact JSON and cut text with continuation notices.
//! - [`content`]: the one sanitiser for text people wrote, and the delimiters naming its author.
//! - [`toolsets`]: one module per toolset, and the selection of tools to serve.
//! - [`server`]: the MCP server handler.
//! - [`doctor`]: the `doctor` command.

pub mod api;
pub mod app_auth;
pub mod config;
pub mod content;
pub mod doctor;
pub mod graphql;
pub mod paging;
pub mod prompt;
pub mod server;
pub mod shape;
pub mod toolsets;
pub mod upstream;

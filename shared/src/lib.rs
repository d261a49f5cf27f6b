//! The runtime every server of the bundle shares.
//!
//! A server's `main` parses its flags with [`config::parse`], starts logging with
//! [`logging::init`], builds its `rmcp::ServerHandler`, and hands it to
//! [`serve::run`], which wraps it in [`observe::Observed`] (one span and metrics per
//! request, tolerant tool arguments) and serves it over stdio or streamable HTTP as the flags say.
//!
//! - [`arguments`]: tolerant tool arguments (`"true"` for `true`, JSON-encoded arrays),
//!   checked against the schema with errors that name the argument.
//! - [`error`]: how domain failures become MCP tool errors.
//! - [`config`]: flags, environment variables and the TOML file, in that precedence.
//! - [`auth`]: who may use the HTTP transport (static token, OAuth 2.1, per-user
//!   upstream tokens) and the `doctor` report on it.
//! - [`caller`]: the authenticated caller, carried from the HTTP layer to the tools.
//! - [`digest`]: SHA-256 keys and tags standing in for secrets and identities.
//! - [`logging`]: tracing to stderr, text or JSON.
//! - [`memory`]: giving freed heap memory back to the system.
//! - [`metrics`]: Prometheus counters and histograms served at `/metrics`.
//! - [`observe`]: the request-observing `ServerHandler` wrapper.
//! - [`schema`]: portable, compact tool schemas, and argument checks against them.
//! - [`serve`]: stdio and HTTP transports with their protections.
//! - [`upstream`]: the HTTP client for upstream APIs: retries, rate limit, cache, pagination.

pub mod arguments;
pub mod auth;
pub mod caller;
pub mod client_log;
pub mod cluster;
pub mod config;
pub mod digest;
pub mod error;
pub mod healthcheck;
pub mod logging;
pub mod memory;
pub mod metrics;
pub mod observe;
pub mod prompts;
pub mod schema;
pub mod serve;
pub mod upstream;

pub use error::ToolError;

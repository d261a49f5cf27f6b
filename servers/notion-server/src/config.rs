//! notion-server's options: how to reach Notion (token, version, base URL, client-side
//! rate limit), whether writes are allowed, and the bounds of `get_page`.
//!
//! The token comes from `NOTION_TOKEN` (or `--notion-token`, which process listings
//! show, so prefer the variable). `--rate-limit` belongs to the shared inbound HTTP
//! options, hence `--api-rate-limit` for Notion.

use clap::Parser;
use shared::config::{CommonArgs, SOURCES_HELP};

/// The API version sent by default (data sources need 2025-09-03 or later).
pub const DEFAULT_VERSION: &str = "2025-09-03";

/// The first API version with the markdown endpoints (`GET`/`PATCH
/// /v1/pages/{id}/markdown`): from it on, pages are read and edited through them,
/// and through the block walk before it.
pub const MARKDOWN_VERSION: &str = "2026-03-11";

/// Notion's rate limit: about 3 requests per second on average per integration
/// (the default of `--api-rate-limit`).
pub const RATE_PER_SECOND: u32 = 3;

/// Requests that may go at once after a quiet spell (the default of `--api-burst`).
pub const BURST: u32 = 6;

/// Command-line options of notion-server (each also from its environment variable or
/// the TOML file given with --config).
#[derive(Parser, Debug, Clone)]
#[command(
    name = "notion-server",
    version,
    about = "MCP server for Notion: search, pages as Markdown (child blocks fetched recursively), data-source queries with readable property values, comments; with --allow-write, pages created and appended from Markdown.",
    after_help = SOURCES_HELP
)]
pub struct NotionArgs {
    /// Notion integration token (secret_… or ntn_…). Prefer the environment variable:
    /// a flag shows in process listings.
    #[arg(
        long,
        env = "NOTION_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub notion_token: Option<String>,

    /// Over HTTP, act for each caller as themselves: every request's bearer token
    /// (`Authorization: Bearer ntn_…`) is the caller's own Notion token, checked with
    /// Notion once and sent on their calls only; the server holds no token (leave
    /// NOTION_TOKEN unset). Cannot be combined with --oauth-issuer.
    #[arg(long, env = "NOTION_PER_USER_TOKENS")]
    pub per_user_tokens: bool,

    /// The Notion-Version header sent with every request. From 2026-03-11 on, pages
    /// are read and edited through Notion's markdown endpoints (one request per
    /// page); before it, through the block walk.
    #[arg(long, env = "NOTION_VERSION", default_value = DEFAULT_VERSION, value_name = "VERSION")]
    pub notion_version: String,

    /// The API base URL (a local fake or a proxy; http:// works).
    #[arg(
        long,
        env = "NOTION_API_URL",
        default_value = "https://api.notion.com/v1",
        value_name = "URL"
    )]
    pub api_url: String,

    /// Requests per second sent to Notion on average (Notion allows about 3).
    #[arg(
        long,
        env = "NOTION_API_RATE_LIMIT",
        default_value_t = RATE_PER_SECOND,
        value_name = "PER_SECOND"
    )]
    pub api_rate_limit: u32,

    /// Requests that may go at once to Notion after a quiet spell.
    #[arg(
        long,
        env = "NOTION_API_BURST",
        default_value_t = BURST,
        value_name = "REQUESTS"
    )]
    pub api_burst: u32,

    /// List and allow the tools that change Notion (create_page, append_markdown,
    /// update_page_content, update_page_properties, move_page, create_data_source,
    /// add_comment, archive_page).
    #[arg(long, env = "NOTION_ALLOW_WRITE")]
    pub allow_write: bool,

    /// How many levels of nested blocks get_page fetches below the page.
    #[arg(
        long,
        env = "NOTION_MAX_DEPTH",
        default_value_t = 8,
        value_name = "LEVELS"
    )]
    pub max_depth: usize,

    /// Most child-list requests get_page has in flight at once.
    #[arg(
        long,
        env = "NOTION_FETCH_CONCURRENCY",
        default_value_t = 4,
        value_name = "N"
    )]
    pub fetch_concurrency: usize,

    /// Most blocks one get_page call fetches; deeper content past it is left out
    /// with a note saying how to read it.
    #[arg(
        long,
        env = "NOTION_MAX_BLOCKS",
        default_value_t = 3000,
        value_name = "N"
    )]
    pub max_blocks: usize,

    /// Most bytes of text one tool call returns; get_page stops there and says how to
    /// continue. A call may ask for less.
    #[arg(
        long,
        env = "NOTION_MAX_OUTPUT_BYTES",
        default_value_t = 60_000,
        value_name = "BYTES"
    )]
    pub max_output_bytes: usize,

    /// The options every server of the bundle shares (transport, HTTP, logging).
    #[command(flatten)]
    pub common: CommonArgs,
}

/// What the server runs with, derived from the options.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The integration token, when set (`NOTION_TOKEN`).
    pub token: Option<String>,
    /// Each HTTP caller's own token is used (see `--per-user-tokens`).
    pub per_user: bool,
    /// The `Notion-Version` header sent.
    pub notion_version: String,
    /// The API base URL.
    pub api_url: String,
    /// Requests per second to Notion (at least 1).
    pub rate_limit: u32,
    /// Requests at once after a quiet spell (at least 1).
    pub burst: u32,
    /// Whether the write tools are listed and allowed.
    pub allow_write: bool,
    /// How deep `get_page` follows nested blocks.
    pub max_depth: usize,
    /// Block-children requests in flight at once.
    pub concurrency: usize,
    /// Most blocks one `get_page` call fetches.
    pub max_blocks: usize,
    /// Most bytes of one tool result.
    pub max_output_bytes: usize,
}

impl Settings {
    /// Whether the configured version offers the markdown endpoints (versions are
    /// dates, so they compare as strings).
    pub fn markdown_endpoints(&self) -> bool {
        self.notion_version.as_str() >= MARKDOWN_VERSION
    }
}

impl NotionArgs {
    /// The settings these options make.
    pub fn settings(&self) -> Settings {
        Settings {
            token: self
                .notion_token
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string),
            per_user: self.per_user_tokens,
            notion_version: self.notion_version.trim().to_string(),
            api_url: self.api_url.trim().trim_end_matches('/').to_string(),
            rate_limit: self.api_rate_limit.max(1),
            burst: self.api_burst.max(1),
            allow_write: self.allow_write,
            max_depth: self.max_depth.max(1),
            concurrency: self.fetch_concurrency.clamp(1, 16),
            max_blocks: self.max_blocks.max(100),
            max_output_bytes: self.max_output_bytes.max(2_000),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::config::try_parse_from;

    fn args(argv: &[&str]) -> NotionArgs {
        let mut full = vec!["notion-server"];
        full.extend_from_slice(argv);
        try_parse_from::<NotionArgs>(full).unwrap().args
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let s = args(&[]).settings();
        assert_eq!(s.notion_version, "2025-09-03");
        assert_eq!(s.api_url, "https://api.notion.com/v1");
        assert_eq!((s.rate_limit, s.max_depth, s.concurrency), (3, 8, 4));
        assert!(!s.allow_write);
        assert!(!s.markdown_endpoints());
        let newer = args(&["--notion-version", "2026-03-11"]).settings();
        assert!(newer.markdown_endpoints());
    }

    #[test]
    fn flags_override_and_are_normalised() {
        let s = args(&[
            "--api-url",
            "http://127.0.0.1:9999/v1/",
            "--notion-version",
            "2022-06-28",
            "--allow-write",
            "--api-rate-limit",
            "0",
        ])
        .settings();
        assert_eq!(s.api_url, "http://127.0.0.1:9999/v1");
        assert_eq!(s.notion_version, "2022-06-28");
        assert!(s.allow_write);
        assert_eq!(s.rate_limit, 1);
    }
}

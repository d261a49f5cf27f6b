//! github-server's options: where the API is, which token, which tools, how fast.
//!
//! The token comes only from the environment (`GITHUB_TOKEN`, else
//! `GITHUB_PERSONAL_ACCESS_TOKEN`), never from a flag, so it stays out of process
//! listings. The API base URL is `--api-url`, else derived from `--host` (GitHub
//! Enterprise Server `HOST` -> `https://HOST/api/v3`, `SUB.ghe.com` ->
//! `https://api.SUB.ghe.com`), else `https://api.github.com`.
//!
//! GitHub App mode (`--app-id`, `--app-private-key-file`, `--app-installation-id`,
//! all three or none) acts as the app's installation with tokens minted by
//! [`crate::app_auth`] instead of a personal token; it refuses to start when a
//! `GITHUB_TOKEN` is set too, so it is never unclear whom the server acts as.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use shared::config::{CommonArgs, SOURCES_HELP};
use shared::upstream::{Credentials, RateLimit, UpstreamConfig};

use crate::app_auth::{AppSettings, InstallationTokens};

/// The public GitHub API.
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// Command-line options of github-server (each also from its environment variable or
/// the TOML file given with --config).
#[derive(Parser, Debug, Clone)]
#[command(
    name = "github-server",
    version,
    about = "MCP server for GitHub's REST API: pick toolsets or single tools, read-only unless --allow-write, automatic pagination up to a limit, compact bounded outputs. The token comes from GITHUB_TOKEN (or GITHUB_PERSONAL_ACCESS_TOKEN).",
    after_help = SOURCES_HELP
)]
pub struct GithubArgs {
    /// API base URL. Examples: https://api.github.com, https://ghe.example.com/api/v3,
    /// http://127.0.0.1:8080 (a local fake). Takes precedence over --host.
    #[arg(long, env = "GITHUB_API_URL", value_name = "URL")]
    pub api_url: Option<String>,

    /// GitHub host to derive the API URL from: github.com; a GitHub Enterprise Server
    /// host (ghe.example.com -> https://ghe.example.com/api/v3); a ghe.com tenant
    /// (acme.ghe.com -> https://api.acme.ghe.com). A scheme may be given
    /// (http://ghe.local:8080).
    #[arg(long, env = "GITHUB_HOST", value_name = "HOST")]
    pub host: Option<String>,

    /// Toolsets to enable, comma-separated: context, repos, issues, pull_requests,
    /// actions, search, notifications, discussions, releases, labels, gists, security;
    /// `default` (context,repos,issues,pull_requests)
    /// or `all`. Default: `default`, unless only --tools is given.
    #[arg(
        long,
        env = "GITHUB_TOOLSETS",
        value_delimiter = ',',
        value_name = "TOOLSET,..."
    )]
    pub toolsets: Vec<String>,

    /// Single tools to enable in addition to --toolsets, comma-separated.
    /// Example: --tools get_job_logs,list_workflow_runs. Given alone, only these tools
    /// are enabled.
    #[arg(
        long,
        env = "GITHUB_TOOLS",
        value_delimiter = ',',
        value_name = "TOOL,..."
    )]
    pub tools: Vec<String>,

    /// Enable the tools that change things on GitHub (create/update issues, comments,
    /// pull requests, reviews, merges, marking notifications read). Off by default:
    /// write tools are then not even listed.
    #[arg(long, env = "GITHUB_ALLOW_WRITE")]
    pub allow_write: bool,

    /// In public repositories, withhold text (issue and pull request titles and
    /// bodies, comments, reviews) by users without push access, replaced by a count; the
    /// permission check fails closed (an author whose access cannot be checked is
    /// withheld). Defends against prompt injection through public issues.
    #[arg(long, env = "GITHUB_LOCKDOWN")]
    pub lockdown: bool,

    /// Upstream requests per second this server sends to GitHub (0 turns the
    /// client-side limit off). Distinct from --rate-limit, which limits inbound HTTP.
    #[arg(long, env = "GITHUB_API_RATE_LIMIT", default_value_t = crate::upstream::RATE_PER_SECOND, value_name = "PER_SECOND")]
    pub api_rate_limit: u32,

    /// Burst of upstream requests allowed above --api-rate-limit.
    #[arg(long, env = "GITHUB_API_BURST", default_value_t = crate::upstream::BURST, value_name = "REQUESTS")]
    pub api_burst: u32,

    /// Seconds one upstream request may take (connect, send, full body).
    #[arg(
        long,
        env = "GITHUB_REQUEST_TIMEOUT",
        default_value_t = 30,
        value_name = "SECONDS"
    )]
    pub request_timeout: u64,

    /// Most bytes one tool result may hold; longer lists, bodies, files, diffs and logs
    /// are cut with a notice saying how to read the rest.
    #[arg(
        long,
        env = "GITHUB_MAX_OUTPUT_BYTES",
        default_value_t = 60_000,
        value_name = "BYTES"
    )]
    pub max_output_bytes: usize,

    /// Over HTTP, act for each caller as themselves: every request's bearer token
    /// (`Authorization: Bearer ghp_…`) is the caller's own GitHub token, as GitHub's
    /// hosted server does; it is checked with GitHub once and sent on their calls only.
    /// The server holds no token (leave GITHUB_TOKEN unset). Not with --oauth-issuer
    /// or the GitHub App options.
    #[arg(long, env = "GITHUB_PER_USER_TOKENS")]
    pub per_user_tokens: bool,

    /// GitHub App mode: the app's id (its settings page, "App ID"). With
    /// --app-private-key-file and --app-installation-id the server acts as the app's
    /// installation (its bot), with installation tokens it mints and refreshes itself;
    /// GITHUB_TOKEN must then be unset.
    #[arg(long, env = "GITHUB_APP_ID", value_name = "ID")]
    pub app_id: Option<u64>,

    /// GitHub App mode: the app's private key, the .pem file GitHub generated (PKCS#1
    /// or PKCS#8 RSA). Read once at start.
    #[arg(long, env = "GITHUB_APP_PRIVATE_KEY_FILE", value_name = "PATH")]
    pub app_private_key_file: Option<PathBuf>,

    /// GitHub App mode: the installation to act for (the number ending the
    /// installation's settings URL, .../settings/installations/ID).
    #[arg(long, env = "GITHUB_APP_INSTALLATION_ID", value_name = "ID")]
    pub app_installation_id: Option<u64>,

    /// The options every server of the bundle shares (transport, HTTP, logging).
    #[command(flatten)]
    pub common: CommonArgs,
}

impl GithubArgs {
    /// The token from the environment, if set and not blank.
    pub fn token(&self) -> Option<String> {
        self.token_with_source().map(|(token, _)| token)
    }

    /// The token and the name of the variable it came from.
    pub fn token_with_source(&self) -> Option<(String, &'static str)> {
        token_from(|name| std::env::var(name).ok())
    }

    /// The API base URL: --api-url, else derived from --host, else api.github.com.
    pub fn base_url(&self) -> Result<String, String> {
        if let Some(url) = self
            .api_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        {
            return normalize_url(url);
        }
        match self
            .host
            .as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty())
        {
            Some(host) => api_url_for_host(host),
            None => Ok(DEFAULT_API_URL.to_string()),
        }
    }

    /// The output bound, never below a few kilobytes.
    pub fn max_output(&self) -> usize {
        self.max_output_bytes.max(crate::api::Api::MIN_OUTPUT)
    }

    /// GitHub App mode's settings: `None` when none of the three options is given; an
    /// error naming what is missing when only some are, or when a token is set too.
    pub fn app(&self) -> Result<Option<AppSettings>, String> {
        let token_var = self.token_with_source().map(|(_, var)| var);
        app_settings(
            self.app_id,
            self.app_private_key_file.clone(),
            self.app_installation_id,
            token_var,
        )
    }

    /// The shared client's configuration for these options.
    pub fn upstream_config(&self) -> Result<UpstreamConfig, String> {
        self.upstream_setup().map(|(config, _)| config)
    }

    /// The shared client's configuration, and in GitHub App mode the token source it
    /// mints with (the app's key is read and checked here).
    pub fn upstream_setup(
        &self,
    ) -> Result<(UpstreamConfig, Option<Arc<InstallationTokens>>), String> {
        let app = self.app()?;
        if self.per_user_tokens && app.is_some() {
            return Err("--per-user-tokens acts for each caller with their own token; drop the --app-* options (or --per-user-tokens)".into());
        }
        let token = if app.is_some() || self.per_user_tokens {
            None
        } else {
            self.token()
        };
        let mut config = crate::upstream::config(self.base_url()?, token);
        if self.per_user_tokens {
            config.credentials = Credentials::PerUser;
        }
        config.total_timeout = Duration::from_secs(self.request_timeout.max(1));
        config.connect_timeout = config.total_timeout.min(Duration::from_secs(10));
        config.rate_limit =
            (self.api_rate_limit > 0).then(|| RateLimit::new(self.api_rate_limit, self.api_burst));
        let Some(app) = app else {
            return Ok((config, None));
        };
        let tokens = Arc::new(InstallationTokens::new(
            app,
            &config.base_url,
            &config.user_agent,
            config.total_timeout,
        )?);
        config.credentials = Credentials::Minted(tokens.clone());
        Ok((config, Some(tokens)))
    }
}

/// The three App options' names, with their variables, in the order they are named.
const APP_OPTIONS: [(&str, &str); 3] = [
    ("--app-id", "GITHUB_APP_ID"),
    ("--app-private-key-file", "GITHUB_APP_PRIVATE_KEY_FILE"),
    ("--app-installation-id", "GITHUB_APP_INSTALLATION_ID"),
];

/// All three App options or none; never together with a token (`token_var` names the
/// variable a token was found in).
fn app_settings(
    app_id: Option<u64>,
    private_key_file: Option<PathBuf>,
    installation_id: Option<u64>,
    token_var: Option<&str>,
) -> Result<Option<AppSettings>, String> {
    let private_key_file = private_key_file.filter(|p| !p.as_os_str().is_empty());
    let given = [
        app_id.is_some(),
        private_key_file.is_some(),
        installation_id.is_some(),
    ];
    let (Some(app_id), Some(private_key_file), Some(installation_id)) =
        (app_id, private_key_file, installation_id)
    else {
        if !given.contains(&true) {
            return Ok(None);
        }
        let missing: Vec<String> = APP_OPTIONS
            .iter()
            .zip(given)
            .filter(|(_, given)| !given)
            .map(|((flag, var), _)| format!("{flag} ({var})"))
            .collect();
        return Err(format!(
            "GitHub App mode needs --app-id, --app-private-key-file and --app-installation-id together; missing: {}",
            missing.join(", ")
        ));
    };
    if let Some(var) = token_var {
        return Err(format!(
            "both a token ({var}) and GitHub App mode (--app-id {app_id}) are set, so it is unclear whom to act as: \
             unset {var} to act as the app's installation, or drop the --app-* options (GITHUB_APP_*) to use the token"
        ));
    }
    Ok(Some(AppSettings {
        app_id,
        installation_id,
        private_key_file,
    }))
}

/// `GITHUB_TOKEN`, else `GITHUB_PERSONAL_ACCESS_TOKEN`, ignoring blank values.
fn token_from(var: impl Fn(&str) -> Option<String>) -> Option<(String, &'static str)> {
    TOKEN_VARS
        .into_iter()
        .filter_map(|name| var(name).map(|t| (t.trim().to_string(), name)))
        .find(|(t, _)| !t.is_empty())
}

/// Where the token is read from, in order.
pub const TOKEN_VARS: [&str; 2] = ["GITHUB_TOKEN", "GITHUB_PERSONAL_ACCESS_TOKEN"];

/// An explicit base URL, checked and without a trailing slash.
fn normalize_url(url: &str) -> Result<String, String> {
    let parsed = url::Url::parse(url).map_err(|e| {
        format!("--api-url `{url}` is not a URL ({e}); example: https://ghe.example.com/api/v3")
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(format!(
            "--api-url `{url}` must be an http:// or https:// URL with a host"
        ));
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// The API base URL of a GitHub host (see the module documentation).
pub fn api_url_for_host(host: &str) -> Result<String, String> {
    let (scheme, rest) = match host.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None => ("https".to_string(), host),
    };
    let authority = rest.trim_end_matches('/');
    if !matches!(scheme.as_str(), "http" | "https")
        || authority.is_empty()
        || authority.contains(['/', '?', '#', '@', ' '])
    {
        return Err(format!(
            "--host `{host}` must be a host name such as github.com, ghe.example.com or acme.ghe.com (or give --api-url)"
        ));
    }
    let name = authority
        .rsplit_once(':')
        .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
        .map_or(authority, |(name, _)| name)
        .to_ascii_lowercase();
    let url = if name == "github.com" || name == "api.github.com" {
        DEFAULT_API_URL.to_string()
    } else if name.ends_with(".ghe.com") {
        if name.starts_with("api.") {
            format!("{scheme}://{authority}")
        } else {
            format!("{scheme}://api.{authority}")
        }
    } else {
        format!("{scheme}://{authority}/api/v3")
    };
    normalize_url(&url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::config::try_parse_from;

    fn args(argv: &[&str]) -> GithubArgs {
        let mut full = vec!["github-server"];
        full.extend_from_slice(argv);
        try_parse_from::<GithubArgs>(full).unwrap().args
    }

    #[test]
    fn host_derives_the_api_url() {
        let cases = [
            ("github.com", "https://api.github.com"),
            ("api.github.com", "https://api.github.com"),
            ("ghe.example.com", "https://ghe.example.com/api/v3"),
            ("GHE.example.com/", "https://GHE.example.com/api/v3"),
            ("acme.ghe.com", "https://api.acme.ghe.com"),
            ("api.acme.ghe.com", "https://api.acme.ghe.com"),
            ("https://ghe.example.com", "https://ghe.example.com/api/v3"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080/api/v3"),
            ("ghe.local:8443", "https://ghe.local:8443/api/v3"),
        ];
        for (host, want) in cases {
            assert_eq!(api_url_for_host(host).unwrap(), want, "{host}");
        }
        assert!(api_url_for_host("ftp://x").is_err());
        assert!(api_url_for_host("a/b").is_err());
    }

    #[test]
    fn api_url_wins_over_host_and_keeps_http() {
        let a = args(&[
            "--api-url",
            "http://127.0.0.1:9999/",
            "--host",
            "ghe.example.com",
        ]);
        assert_eq!(a.base_url().unwrap(), "http://127.0.0.1:9999");
        assert_eq!(
            args(&["--host", "acme.ghe.com"]).base_url().unwrap(),
            "https://api.acme.ghe.com"
        );
        assert_eq!(args(&[]).base_url().unwrap(), DEFAULT_API_URL);
        assert!(args(&["--api-url", "not a url"]).base_url().is_err());
    }

    #[test]
    fn token_prefers_github_token_and_skips_blanks() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            token_from(env(&[
                ("GITHUB_TOKEN", "a"),
                ("GITHUB_PERSONAL_ACCESS_TOKEN", "b")
            ])),
            Some(("a".into(), "GITHUB_TOKEN"))
        );
        assert_eq!(
            token_from(env(&[
                ("GITHUB_TOKEN", " "),
                ("GITHUB_PERSONAL_ACCESS_TOKEN", "b\n")
            ])),
            Some(("b".into(), "GITHUB_PERSONAL_ACCESS_TOKEN"))
        );
        assert_eq!(token_from(env(&[])), None);
    }

    #[test]
    fn app_mode_needs_all_three_options_and_no_token() {
        let key = || Some(PathBuf::from("app.pem"));
        assert_eq!(app_settings(None, None, None, None), Ok(None));
        assert_eq!(
            app_settings(Some(1), key(), Some(2), None),
            Ok(Some(AppSettings {
                app_id: 1,
                installation_id: 2,
                private_key_file: PathBuf::from("app.pem"),
            }))
        );
        let err = app_settings(Some(1), None, Some(2), None).unwrap_err();
        assert!(
            err.ends_with("missing: --app-private-key-file (GITHUB_APP_PRIVATE_KEY_FILE)"),
            "{err}"
        );
        let err = app_settings(None, key(), None, None).unwrap_err();
        assert!(
            err.contains("missing: --app-id (GITHUB_APP_ID), --app-installation-id"),
            "{err}"
        );
        let err = app_settings(Some(1), key(), Some(2), Some("GITHUB_TOKEN")).unwrap_err();
        assert!(err.contains("unset GITHUB_TOKEN"), "{err}");
        // A token alone is the ordinary mode.
        assert_eq!(
            app_settings(None, None, None, Some("GITHUB_TOKEN")),
            Ok(None)
        );
        let a = args(&[
            "--app-id",
            "7",
            "--app-private-key-file",
            "k.pem",
            "--app-installation-id",
            "9",
        ]);
        assert_eq!((a.app_id, a.app_installation_id), (Some(7), Some(9)));
    }

    #[test]
    fn limits_and_defaults() {
        let a = args(&[]);
        assert!(!a.allow_write);
        assert_eq!(
            a.api_rate_limit,
            crate::upstream::rate_limit().per_second.get()
        );
        let c = args(&["--api-rate-limit", "0", "--request-timeout", "5"])
            .upstream_config()
            .unwrap();
        assert!(c.rate_limit.is_none());
        assert_eq!(c.total_timeout, Duration::from_secs(5));
        assert!(!a.lockdown);
        assert!(args(&["--lockdown"]).lockdown);
        let a = args(&["--toolsets", "repos,actions", "--tools", "get_me"]);
        assert_eq!(a.toolsets, ["repos", "actions"]);
        assert_eq!(a.tools, ["get_me"]);
    }
}

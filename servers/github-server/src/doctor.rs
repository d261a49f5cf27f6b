//! `github-server doctor`: checks the configuration and the token against the API
//! (`GET /user`), and reports the login, the token's scopes (`x-oauth-scopes`), the
//! remaining rate limit, the base URL and the tools that would be served. Never prints
//! the token. Exit status 0 when the API answered as expected with a token, 1 otherwise (a
//! missing token is reported like notion-server's: a warning, then a summary line).
//! In GitHub App mode it checks the key file, mints one installation token and
//! reports its expiry and permissions (never the token or the JWT).

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;
use shared::upstream::{TokenSource, UpstreamClient, UpstreamError, UpstreamResponse};

use crate::api::Api;
use crate::app_auth::{InstallationTokens, margin};
use crate::config::{GithubArgs, TOKEN_VARS};
use crate::server::GithubServer;
use crate::toolsets::Selection;

/// Prints the report and returns the process exit code.
pub async fn run(args: &GithubArgs) -> i32 {
    let mut healthy = true;
    let selection = match Selection::resolve(&args.toolsets, &args.tools, args.allow_write) {
        Ok(s) => Some(s),
        Err(e) => {
            println!("✗ {e}");
            healthy = false;
            None
        }
    };
    let (config, app) = match args.upstream_setup() {
        Ok(setup) => setup,
        Err(e) => {
            println!("✗ {e}");
            return 1;
        }
    };
    println!("API base URL: {}", config.base_url);
    if args.per_user_tokens {
        let server_token = args.token_with_source().map(|(_, variable)| variable);
        let check_url = format!("{}/user", config.base_url);
        let http = args.common.http.is_some();
        let ready = shared::auth::per_user::report_mode("GitHub", &check_url, http, server_token);
        return i32::from(!(ready && healthy));
    }
    let token = args.token_with_source();
    let mut minted = true;
    if let Some(app) = &app {
        minted = report_app(app).await;
        healthy &= minted;
    } else {
        match &token {
            Some((_, var)) => println!("✓ token found in {var} (not shown)"),
            None => println!(
                "⚠ no token: set {} (a personal access token), or use GitHub App mode (--app-id, --app-private-key-file, --app-installation-id). Without one GitHub allows 60 requests/hour and private data, get_me and notifications fail.",
                TOKEN_VARS.join(" or ")
            ),
        }
    }
    let authenticated = token.is_some() || app.is_some();
    let client = match UpstreamClient::new(config) {
        Ok(c) => c,
        Err(e) => {
            println!("✗ {e}");
            return 1;
        }
    };
    let user = if minted {
        Some(client.get("/user").await)
    } else {
        println!("  GET /user not tried: there is no installation token to send");
        None
    };
    match user {
        None => {}
        Some(Ok(response)) => report_user(&response, args.allow_write),
        Some(Err(UpstreamError::Unauthorized { .. })) if !authenticated => {
            println!("✓ the API answered (401 without a token, as expected)");
        }
        Some(Err(UpstreamError::Forbidden { .. })) if app.is_some() => {
            println!(
                "✓ GET /user answered 403, as GitHub does for installation tokens (an app's bot has no /user)"
            );
        }
        Some(Err(e)) => {
            println!("✗ GET /user failed: {e}");
            healthy = false;
        }
    }
    if let Some(selection) = &selection {
        let server = GithubServer::new(Api::new(client, args.max_output()), selection);
        let bytes = shared::schema::tools_list_bytes(&server.tools());
        println!(
            "Tools: {} (tools/list is {:.1} KB): {}",
            selection.describe(),
            bytes as f64 / 1024.0,
            selection
                .tools
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !healthy {
        println!("Fix the errors above; tool calls would fail.");
        1
    } else if !authenticated {
        println!(
            "github-server would start without a token: public data only, at 60 requests/hour. Set {} and run doctor again.",
            TOKEN_VARS[0]
        );
        1
    } else {
        println!("github-server is ready.");
        0
    }
}

/// Checks the key (already read and checked to sign) and mints one installation
/// token; true when it was minted.
async fn report_app(app: &InstallationTokens) -> bool {
    let settings = app.settings();
    println!(
        "✓ GitHub App mode: app {}, installation {}; private key {} reads and signs (not shown)",
        settings.app_id,
        settings.installation_id,
        settings.private_key_file.display()
    );
    if let Err(e) = app.token().await {
        println!("✗ minting an installation token failed: {e}");
        return false;
    }
    let Some(mint) = app.last_mint() else {
        println!("✓ minted an installation token (not shown)");
        return true;
    };
    println!(
        "✓ minted an installation token (not shown): expires at {} (in {} min; refreshed {} s before)",
        mint.expires_at,
        mint.lifetime.as_secs() / 60,
        margin(mint.lifetime).as_secs()
    );
    if let Some(selection) = &mint.repository_selection {
        println!("  repositories: {selection}");
    }
    if !mint.permissions.is_empty() {
        let permissions: Vec<String> = mint
            .permissions
            .iter()
            .map(|(name, level)| format!("{name}: {level}"))
            .collect();
        println!("  permissions: {}", permissions.join(", "));
    }
    true
}

fn report_user(response: &UpstreamResponse, allow_write: bool) {
    let user: Value = response.json().unwrap_or_default();
    println!(
        "✓ GET /user answered {}: authenticated as {}",
        response.status.as_u16(),
        user["login"].as_str().unwrap_or("(no login in the answer)")
    );
    match response.header("x-oauth-scopes") {
        Some(scopes) => {
            let scopes = scopes.trim();
            println!(
                "  token scopes (x-oauth-scopes): {}",
                if scopes.is_empty() { "(none)" } else { scopes }
            );
            let has = |s: &str| scopes.split(',').any(|x| x.trim() == s);
            if allow_write && !has("repo") && !has("public_repo") {
                println!(
                    "  ⚠ --allow-write is on but the token has neither `repo` nor `public_repo`: writes will be refused (403)"
                );
            }
        }
        None => println!(
            "  no x-oauth-scopes header: a fine-grained token or app token; its permissions are set per repository on GitHub"
        ),
    }
    let header = |name: &str| response.header(name).map(str::to_string);
    match (header("x-ratelimit-remaining"), header("x-ratelimit-limit")) {
        (Some(remaining), Some(limit)) => {
            let reset = header("x-ratelimit-reset")
                .and_then(|r| r.parse::<u64>().ok())
                .map(|at| {
                    let now = SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs());
                    format!(
                        ", resets in {} min (unix time {at})",
                        at.saturating_sub(now).div_ceil(60)
                    )
                })
                .unwrap_or_default();
            println!("  rate limit: {remaining} of {limit} requests left{reset}");
            if remaining.trim() == "0" {
                println!("  ⚠ the rate limit is used up: calls fail until the reset");
            }
        }
        _ => println!("  no rate-limit headers in the answer"),
    }
}

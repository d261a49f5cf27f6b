//! `github-server doctor`: checks the configuration and the token against the API
//! (`GET /user`), and reports the login, the token's scopes (`x-oauth-scopes`), the
//! remaining rate limit, the base URL and the tools that would be served. Never prints
//! the token. Exit status 0 when the API answered as expected with a token, 1 otherwise (a
//! missing token is reported like notion-server's: a warning, then a summary line).

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;
use shared::upstream::{UpstreamClient, UpstreamError, UpstreamResponse};

use crate::api::Api;
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
    let config = match args.upstream_config() {
        Ok(c) => c,
        Err(e) => {
            println!("✗ {e}");
            return 1;
        }
    };
    println!("API base URL: {}", config.base_url);
    let token = args.token_with_source();
    match &token {
        Some((_, var)) => println!("✓ token found in {var} (not shown)"),
        None => println!(
            "⚠ no token: set {} (a personal access token). Without one GitHub allows 60 requests/hour and private data, get_me and notifications fail.",
            TOKEN_VARS.join(" or ")
        ),
    }
    let client = match UpstreamClient::new(config) {
        Ok(c) => c,
        Err(e) => {
            println!("✗ {e}");
            return 1;
        }
    };
    match client.get("/user").await {
        Ok(response) => report_user(&response, args.allow_write),
        Err(UpstreamError::Unauthorized { .. }) if token.is_none() => {
            println!("✓ the API answered (401 without a token, as expected)");
        }
        Err(e) => {
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
    } else if token.is_none() {
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

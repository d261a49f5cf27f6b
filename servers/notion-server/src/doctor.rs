//! `notion-server doctor`: shows the configuration (never the token), calls
//! `GET /v1/users/me` with the token and the configured Notion-Version, and reports
//! who the integration is and whether the version was accepted. Exit status 0 when
//! Notion answered.

use shared::upstream::UpstreamError;

use crate::client::NotionClient;
use crate::config::{DEFAULT_VERSION, NotionArgs};

/// Prints the report and returns the process exit code.
pub async fn run(args: &NotionArgs) -> i32 {
    let settings = args.settings();
    println!("Notion API: {}", settings.api_url);
    println!(
        "Notion-Version: {}; client rate limit {}/s (burst {}); writes {}",
        settings.notion_version,
        settings.rate_limit,
        settings.burst,
        if settings.allow_write {
            "enabled (--allow-write)"
        } else {
            "disabled (read-only tools only)"
        }
    );
    if settings.notion_version.as_str() < "2025-09-03" {
        println!(
            "⚠ Notion-Version {} predates data sources: get_data_source and query_data_source need {DEFAULT_VERSION} or later",
            settings.notion_version
        );
    }
    if settings.per_user {
        let server_token = settings.token.is_some().then_some("NOTION_TOKEN");
        let check_url = format!("{}/users/me", settings.api_url);
        let http = args.common.http.is_some();
        let ready = shared::auth::per_user::report_mode("Notion", &check_url, http, server_token);
        return i32::from(!ready);
    }
    if settings.token.is_none() {
        println!(
            "⚠ no token: set NOTION_TOKEN to an integration's secret (Notion → Settings → Connections → Develop or manage integrations), then share pages with the integration"
        );
        println!(
            "notion-server would start without a token, and every tool would answer with how to set it. Set NOTION_TOKEN and run doctor again."
        );
        return 1;
    }
    println!("Token: set (not shown)");
    let client = match NotionClient::new(&settings) {
        Ok(c) => c,
        Err(e) => {
            println!("✗ {e}");
            return 1;
        }
    };
    match client.get("users/me").await {
        Ok(me) => {
            let name = me["name"].as_str().unwrap_or("(unnamed)");
            let kind = me["type"].as_str().unwrap_or("user");
            let workspace = me["bot"]["workspace_name"].as_str();
            match workspace {
                Some(w) => println!("✓ authenticated as {kind} \"{name}\" in workspace \"{w}\""),
                None => println!("✓ authenticated as {kind} \"{name}\""),
            }
            println!("✓ Notion-Version {} accepted", settings.notion_version);
            println!("notion-server is ready.");
            0
        }
        Err(e @ UpstreamError::Unauthorized { .. }) => {
            println!("✗ {e}");
            println!(
                "  The token was refused: copy the integration's secret again into NOTION_TOKEN."
            );
            1
        }
        Err(e) => {
            println!("✗ {e}");
            if e.to_string().contains("version") {
                println!(
                    "  The Notion-Version header may be the problem: try --notion-version {DEFAULT_VERSION}."
                );
            }
            1
        }
    }
}

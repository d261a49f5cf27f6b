//! Toolset `search`: repositories, code and users across GitHub (issue search is
//! `search_issues` in the `issues` toolset). Search has its own, lower rate limit
//! (30 requests a minute; code search 10), which the shared client reports with the
//! time to retry.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use serde_json::Value;
use shared::ToolError;

use crate::api::Query;
use crate::paging;
use crate::server::GithubServer;
use crate::shape::{Obj, s};
use crate::toolsets::issues::SearchParams;
use crate::toolsets::repos::repository_item;

impl GithubServer {
    /// Runs one search endpoint with the call's limit and cursor.
    pub(crate) async fn search(
        &self,
        tool: &str,
        kind: &str,
        p: SearchParams,
        shape: impl Fn(&Value) -> Option<String>,
    ) -> Result<String, ToolError> {
        let path = format!("/search/{kind}");
        let query = Query::list().set("q", p.q.trim());
        paging::list(&self.api, tool, &path, query, &p.page, Some("items"), shape).await
    }
}

#[tool_router(router = search_read, vis = "pub(crate)")]
impl GithubServer {
    #[tool(
        description = "Search repositories with GitHub search syntax. Example: {\"q\": \"mcp server language:rust stars:>100\", \"limit\": 10}. Qualifiers: user:, org:, language:, topic:, stars:, pushed:>2025-01-01, in:name.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn search_repositories(
        &self,
        Parameters(p): Parameters<SearchParams>,
    ) -> Result<String, ToolError> {
        self.search("search_repositories", "repositories", p, |v| {
            Some(repository_item(v))
        })
        .await
    }

    #[tool(
        description = "Search code (default branches only): repository and path of each matching file. Example: {\"q\": \"TokenBucket language:rust repo:octocat/hello-world\"}. Qualifiers: repo:, org:, path:, language:, extension:. Then read hits with get_file_contents.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn search_code(
        &self,
        Parameters(p): Parameters<SearchParams>,
    ) -> Result<String, ToolError> {
        self.search("search_code", "code", p, |v| {
            Some(
                Obj::new()
                    .put("repo", v.get("repository").and_then(|r| s(r, "full_name")))
                    .put("path", s(v, "path"))
                    .put("sha", s(v, "sha"))
                    .finish(),
            )
        })
        .await
    }

    #[tool(
        description = "Search users and organizations. Example: {\"q\": \"jane in:name location:berlin type:user\"}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn search_users(
        &self,
        Parameters(p): Parameters<SearchParams>,
    ) -> Result<String, ToolError> {
        self.search("search_users", "users", p, |v| {
            Some(
                Obj::new()
                    .put("login", s(v, "login"))
                    .put("type", s(v, "type"))
                    .put("url", s(v, "html_url"))
                    .finish(),
            )
        })
        .await
    }
}

//! Toolset `context`: who the token belongs to.

use rmcp::{tool, tool_router};
use serde_json::Value;
use shared::ToolError;

use crate::server::GithubServer;
use crate::shape::{Obj, cut, n, s};

/// The authenticated user, compact.
pub fn user(v: &Value) -> String {
    Obj::new()
        .put("login", s(v, "login"))
        .put("name", s(v, "name"))
        .put("type", s(v, "type"))
        .put("email", s(v, "email"))
        .put("company", s(v, "company"))
        .put("location", s(v, "location"))
        .put("bio", s(v, "bio").map(|b| cut(b, 300).0))
        .put("public_repos", n(v, "public_repos"))
        .put("private_repos", n(v, "total_private_repos"))
        .put("followers", n(v, "followers"))
        .put("created_at", s(v, "created_at"))
        .put("url", s(v, "html_url"))
        .finish()
}

#[tool_router(router = context_read, vis = "pub(crate)")]
impl GithubServer {
    #[tool(
        description = "The authenticated GitHub user: login, name, profile and repo counts. Call first to learn whose token this is (e.g. for \"my\" issues or repositories). Example: {}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn get_me(&self) -> Result<String, ToolError> {
        Ok(user(&self.api.get("/user").await?))
    }
}

//! The MCP face of github-server: the selected tools, the `review_pull_request`
//! prompt when the tools it uses are selected, and the instructions the model gets at
//! initialize. No resources are declared.

use rmcp::ErrorData as McpError;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{
    GetPromptRequestParams, GetPromptResponse, Implementation, ListPromptsResult,
    PaginatedRequestParams, Prompt, ServerCapabilities, ServerConfig,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::{ServerHandler, tool_handler};

use crate::api::Api;
use crate::prompt;

/// One client's session: the shared API client and the selected tools.
#[derive(Clone)]
pub struct GithubServer {
    pub(crate) api: Api,
    /// Built once and shared by every session (schemas are large).
    pub(crate) tool_router: std::sync::Arc<ToolRouter<Self>>,
    pub(crate) allow_write: bool,
}

impl GithubServer {
    /// The tools this server lists, as `tools/list` would return them.
    pub fn tools(&self) -> Vec<rmcp::model::Tool> {
        self.tool_router.list_all()
    }

    /// The prompts whose tools are selected.
    fn prompts(&self) -> Vec<Prompt> {
        let selected = |name: &str| self.tool_router.has_route(name);
        if prompt::NEEDS.iter().all(|t| selected(t)) {
            vec![prompt::definition()]
        } else {
            Vec::new()
        }
    }

    fn instructions(&self) -> String {
        let mut text = String::from(
            "GitHub REST API. Tools take owner and repo separately (owner \"octocat\", repo \"hello-world\"). List tools return up to `limit` items (default 30) and, when more exist, a `cursor` to pass back to the same tool. Long bodies, files, diffs and logs are cut with a notice saying how to read on (offset, body_offset, start_line, tail_lines).",
        );
        if self.allow_write {
            text.push_str(" Writes are enabled: if a create times out, its outcome is unknown; check (list or get) before retrying to avoid duplicates.");
        } else {
            text.push_str(" Read-only: no tool changes anything on GitHub.");
        }
        text
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for GithubServer {
    fn get_info(&self) -> ServerConfig {
        let mut capabilities = ServerCapabilities::builder().enable_tools().build();
        if !self.prompts().is_empty() {
            capabilities.prompts = Some(Default::default());
        }
        ServerConfig::new(capabilities)
            .with_server_info(Implementation::new(
                "github-server",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(self.instructions())
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _ctx: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        // Without the pull-request tools no prompt is declared, and `Observed` answers
        // prompts/list with -32601 before it gets here.
        Ok(ListPromptsResult::with_all_items(self.prompts()))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _ctx: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        shared::prompts::ensure_known(&request, &self.prompts())?;
        let arg = |key| shared::prompts::required(&request, key, prompt::EXAMPLE);
        let (owner, repo, number) = (arg("owner")?, arg("repo")?, arg("pull_number")?);
        if number.parse::<u64>().is_err() {
            return Err(McpError::invalid_params(
                format!(
                    "prompt `{}`: pull_number must be a number, got {number:?}. Example arguments: {}",
                    prompt::NAME,
                    prompt::EXAMPLE
                ),
                None,
            ));
        }
        let focus = shared::prompts::argument(&request, "focus");
        Ok(shared::prompts::user_message(
            prompt::text(&owner, &repo, &number, focus.as_deref()),
            format!("Review {owner}/{repo}#{number}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::toolsets::Selection;
    use shared::upstream::UpstreamClient;

    fn server(sets: &[&str], write: bool) -> GithubServer {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let selection = Selection::resolve(&sets, &[], write).unwrap();
        let client =
            UpstreamClient::new(crate::upstream::config("http://127.0.0.1:9", None)).unwrap();
        GithubServer::new(Api::new(client, 60_000), &selection)
    }

    /// The `tools/list` result's JSON size in bytes.
    fn list_bytes(s: &GithubServer) -> usize {
        let result = rmcp::model::ListToolsResult::with_all_items(s.tools());
        serde_json::to_string(&result).unwrap().len()
    }

    #[test]
    fn default_tool_list_is_small_and_read_only() {
        let s = server(&[], false);
        let bytes = list_bytes(&s);
        eprintln!(
            "default tools/list: {} tools, {bytes} bytes",
            s.tools().len()
        );
        assert!(bytes < 25 * 1024, "default tools/list is {bytes} bytes");
        for tool in s.tools() {
            let a = tool
                .annotations
                .as_ref()
                .expect("annotations on every tool");
            assert_eq!(
                a.read_only_hint,
                Some(true),
                "{} is not read-only",
                tool.name
            );
            let d = tool.description.as_deref().unwrap_or_default();
            assert!(d.contains("Example"), "{} has no example", tool.name);
        }
    }

    #[test]
    fn write_tools_appear_only_with_allow_write() {
        let read_only = server(&["all"], false);
        let writable = server(&["all"], true);
        let names = |s: &GithubServer| -> Vec<String> {
            s.tools().into_iter().map(|t| t.name.to_string()).collect()
        };
        eprintln!(
            "all toolsets: read-only {} tools / {} bytes; with writes {} tools / {} bytes",
            read_only.tools().len(),
            list_bytes(&read_only),
            writable.tools().len(),
            list_bytes(&writable)
        );
        let writes = [
            "create_issue",
            "update_issue",
            "add_issue_comment",
            "create_pull_request",
            "create_pull_request_review",
            "merge_pull_request",
            "mark_notification_read",
            "reply_to_review_thread",
            "resolve_review_thread",
            "unresolve_review_thread",
            "create_release",
            "update_release",
            "add_labels",
            "remove_label",
            "run_workflow",
            "rerun_failed_jobs",
            "cancel_workflow_run",
            "add_sub_issue",
            "remove_sub_issue",
            "create_gist",
        ];
        for w in writes {
            assert!(!names(&read_only).iter().any(|n| n == w), "{w} listed");
            assert!(names(&writable).iter().any(|n| n == w), "{w} missing");
        }
        for tool in writable.tools() {
            let a = tool.annotations.as_ref().unwrap();
            let is_write = writes.contains(&tool.name.as_ref());
            assert_eq!(a.read_only_hint, Some(!is_write), "{}", tool.name);
        }
    }
}

//! Toolset `actions`, continued: the repository's workflows, and with
//! `--allow-write` dispatching a workflow (with inputs), re-running a run's failed
//! jobs and cancelling a run.
//!
//! None of the three writes is retried: each is a POST that GitHub acts on once
//! (a second dispatch starts a second run), so one that fails in flight is reported
//! as "outcome unknown" and list_workflow_runs tells what happened.

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use shared::ToolError;
use shared::upstream::Method;

use crate::api::{Query, RepoRef, seg};
use crate::paging::{self, ListArgs};
use crate::server::GithubServer;
use crate::shape::{Obj, n, s};

/// Input of `list_workflows`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListWorkflowsParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// How many items to return, and the cursor to continue from.
    #[serde(flatten)]
    pub page: ListArgs,
}

/// Input of `run_workflow`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct RunWorkflowParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// Workflow id or file name, e.g. "nightly.yml" (from list_workflows).
    pub workflow: String,
    /// Branch or tag to run on.
    #[serde(rename = "ref")]
    pub git_ref: String,
    /// The workflow's inputs, name to value.
    pub inputs: Option<Map<String, Value>>,
}

/// Input of `rerun_failed_jobs` and `cancel_workflow_run`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct RunRefParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// Workflow run id (from list_workflow_runs).
    pub run_id: u64,
}

impl GithubServer {
    /// The `actions` toolset's reading tools: runs, jobs, logs and workflows.
    pub(crate) fn actions_read_all() -> ToolRouter<Self> {
        let mut router = Self::actions_read();
        router.merge(Self::workflows_read());
        router
    }

    /// Sends a POST that GitHub acts on once (never retried) and says what it did.
    async fn act_once(&self, path: &str, body: Value, done: String) -> Result<String, ToolError> {
        self.api.write(Method::POST, path, body, false).await?;
        Ok(Obj::new().put("ok", true).put("result", done).finish())
    }
}

#[tool_router(router = workflows_read, vis = "pub(crate)")]
impl GithubServer {
    #[tool(
        description = "List a repository's GitHub Actions workflows: id, name, file path, state. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\"}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_workflows(
        &self,
        Parameters(p): Parameters<ListWorkflowsParams>,
    ) -> Result<String, ToolError> {
        let path = format!("{}/actions/workflows", p.repo.path()?);
        paging::list(
            &self.api,
            "list_workflows",
            &path,
            Query::list(),
            &p.page,
            Some("workflows"),
            |v| {
                Some(
                    Obj::new()
                        .put("id", n(v, "id"))
                        .put("name", s(v, "name"))
                        .put("path", s(v, "path"))
                        .put("state", s(v, "state"))
                        .finish(),
                )
            },
        )
        .await
    }
}

#[tool_router(router = actions_write, vis = "pub(crate)")]
impl GithubServer {
    #[tool(
        description = "Start a workflow that has a workflow_dispatch trigger, on a branch or tag, with inputs. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"workflow\": \"nightly.yml\", \"ref\": \"main\", \"inputs\": {\"size\": \"large\"}}. GitHub returns no run id: list_workflow_runs with event workflow_dispatch shows it. Sent once; if it fails in flight, check list_workflow_runs before retrying.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn run_workflow(
        &self,
        Parameters(p): Parameters<RunWorkflowParams>,
    ) -> Result<String, ToolError> {
        let workflow = p.workflow.trim().trim_start_matches(".github/workflows/");
        if workflow.is_empty() || p.git_ref.trim().is_empty() {
            return Err(ToolError::new(
                "give workflow (id or file name, e.g. \"ci.yml\", from list_workflows) and ref (a branch or tag, e.g. \"main\")",
            ));
        }
        let path = format!(
            "{}/actions/workflows/{}/dispatches",
            p.repo.path()?,
            seg(workflow)
        );
        let mut body = json!({"ref": p.git_ref.trim()});
        if let Some(inputs) = p.inputs {
            body["inputs"] = Value::Object(inputs);
        }
        let done = format!("workflow {workflow} dispatched on {}", p.git_ref.trim());
        self.act_once(&path, body, done).await
    }

    #[tool(
        description = "Re-run the failed jobs of a completed workflow run (a new attempt). Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"run_id\": 30433642}",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn rerun_failed_jobs(
        &self,
        Parameters(p): Parameters<RunRefParams>,
    ) -> Result<String, ToolError> {
        let path = format!(
            "{}/actions/runs/{}/rerun-failed-jobs",
            p.repo.path()?,
            p.run_id
        );
        let done = format!("failed jobs of run {} queued again", p.run_id);
        self.act_once(&path, json!({}), done).await
    }

    #[tool(
        description = "Cancel a queued or running workflow run. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"run_id\": 30433642}",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn cancel_workflow_run(
        &self,
        Parameters(p): Parameters<RunRefParams>,
    ) -> Result<String, ToolError> {
        let path = format!("{}/actions/runs/{}/cancel", p.repo.path()?, p.run_id);
        let done = format!("run {} cancelling", p.run_id);
        self.act_once(&path, json!({}), done).await
    }
}

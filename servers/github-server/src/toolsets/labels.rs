//! Toolset `labels`: a repository's labels and milestones; with `--allow-write`
//! also add labels to an issue or pull request and remove one. Setting or clearing
//! an issue's milestone is `update_issue` (`milestone`, 0 clears it).
//!
//! Adding labels (POST) adds to what is there, so a retry changes nothing more;
//! removing one is a DELETE. Both are sent as idempotent.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use shared::ToolError;
use shared::upstream::Method;

use crate::api::{Query, RepoRef, seg};
use crate::paging::{self, ListArgs};
use crate::server::GithubServer;
use crate::shape::{Obj, n, s};

/// A label in a list.
fn label(v: &Value) -> String {
    Obj::new()
        .put("name", s(v, "name"))
        .put("color", s(v, "color"))
        .put(
            "description",
            s(v, "description").map(crate::content::clean),
        )
        .finish()
}

/// The names of a list of labels.
fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|l| s(l, "name").map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Input of `list_labels`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListLabelsParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// How many items to return, and the cursor to continue from.
    #[serde(flatten)]
    pub page: ListArgs,
}

/// Input of `list_milestones`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListMilestonesParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// open (default), closed or all.
    pub state: Option<String>,
    /// How many items to return, and the cursor to continue from.
    #[serde(flatten)]
    pub page: ListArgs,
}

/// Input of `add_labels`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AddLabelsParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// Issue or pull request number.
    pub issue_number: u64,
    /// Label names to add (unknown names are created).
    pub labels: Vec<String>,
}

/// Input of `remove_label`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct RemoveLabelParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// Issue or pull request number.
    pub issue_number: u64,
    /// The label name to remove.
    pub label: String,
}

#[tool_router(router = labels_read, vis = "pub(crate)")]
impl GithubServer {
    #[tool(
        description = "List a repository's labels: name, color, description. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\"}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_labels(
        &self,
        Parameters(p): Parameters<ListLabelsParams>,
    ) -> Result<String, ToolError> {
        let path = format!("{}/labels", p.repo.path()?);
        paging::list(
            &self.api,
            "list_labels",
            &path,
            Query::list(),
            &p.page,
            None,
            |v| Some(label(v)),
        )
        .await
    }

    #[tool(
        description = "List a repository's milestones: number (for update_issue), title, state, open/closed issue counts, due date. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"state\": \"all\"}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_milestones(
        &self,
        Parameters(p): Parameters<ListMilestonesParams>,
    ) -> Result<String, ToolError> {
        let path = format!("{}/milestones", p.repo.path()?);
        let query = Query::list().opt("state", p.state.as_deref());
        paging::list(
            &self.api,
            "list_milestones",
            &path,
            query,
            &p.page,
            None,
            |v| {
                Some(
                    Obj::new()
                        .put("number", n(v, "number"))
                        .put("title", s(v, "title").map(crate::content::clean))
                        .put("state", s(v, "state"))
                        .put("open_issues", n(v, "open_issues"))
                        .put("closed_issues", n(v, "closed_issues"))
                        .put("due_on", s(v, "due_on"))
                        .finish(),
                )
            },
        )
        .await
    }
}

#[tool_router(router = labels_write, vis = "pub(crate)")]
impl GithubServer {
    #[tool(
        description = "Add labels to an issue or pull request, keeping the ones it has. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"issue_number\": 42, \"labels\": [\"bug\", \"ui\"]}. Returns all its labels.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn add_labels(
        &self,
        Parameters(p): Parameters<AddLabelsParams>,
    ) -> Result<String, ToolError> {
        let path = format!("{}/issues/{}/labels", p.repo.path()?, p.issue_number);
        let labels: Vec<&str> = p
            .labels
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect();
        if labels.is_empty() {
            return Err(ToolError::new(
                "labels must name at least one label, e.g. [\"bug\"]; list_labels shows the repository's",
            ));
        }
        let v = self
            .api
            .write_json(Method::POST, &path, json!({"labels": labels}), true)
            .await?;
        Ok(Obj::new()
            .put("issue_number", p.issue_number)
            .always("labels", names(&v))
            .finish())
    }

    #[tool(
        description = "Remove one label from an issue or pull request. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"issue_number\": 42, \"label\": \"needs triage\"}. Returns the labels left.",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn remove_label(
        &self,
        Parameters(p): Parameters<RemoveLabelParams>,
    ) -> Result<String, ToolError> {
        let label = p.label.trim();
        if label.is_empty() {
            return Err(ToolError::new("label must name the label to remove"));
        }
        let path = format!(
            "{}/issues/{}/labels/{}",
            p.repo.path()?,
            p.issue_number,
            seg(label)
        );
        let response = self
            .api
            .client
            .request(Method::DELETE, &path)
            .idempotent(true)
            .send()
            .await
            .map_err(shared::error::to_tool_error)
            .map_err(|e| {
                if e.0.contains("(404)") {
                    ToolError::new(format!(
                        "issue #{} has no label `{label}` (or the issue does not exist): get_issue shows its labels",
                        p.issue_number
                    ))
                } else {
                    e
                }
            })?;
        let v: Value = response.json().map_err(shared::error::to_tool_error)?;
        Ok(Obj::new()
            .put("issue_number", p.issue_number)
            .always("labels", names(&v))
            .finish())
    }
}

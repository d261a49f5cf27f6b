//! Sub-issues, in the `issues` toolset: list an issue's sub-issues; with
//! `--allow-write` add one and remove one.
//!
//! GitHub names the sub-issue by its numeric id (`sub_issue_id`), not its number:
//! the tools take the number (and the sub-issue's repository, the parent's by
//! default) and read the id first with `GET …/issues/{number}`. Adding (POST) and
//! removing (DELETE) are sent once, never retried: a retried add after a lost
//! answer would be refused as already linked, and the notice says how to check.

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use shared::ToolError;
use shared::upstream::Method;

use crate::api::{Query, RepoRef, repo_path};
use crate::paging::ListArgs;
use crate::server::GithubServer;
use crate::shape::{Obj, n, s};
use crate::toolsets::issues::issue_item;

/// Input of `list_sub_issues`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListSubIssuesParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// The parent issue's number.
    pub issue_number: u64,
    /// How many items to return, and the cursor to continue from.
    #[serde(flatten)]
    pub page: ListArgs,
}

/// Input of `add_sub_issue` and `remove_sub_issue`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SubIssueParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// The parent issue's number.
    pub issue_number: u64,
    /// The sub-issue's number (its id is looked up for you).
    pub sub_issue_number: u64,
    /// The sub-issue's repository as owner/name, if not the parent's.
    pub sub_issue_repo: Option<String>,
    /// add_sub_issue only: move it here if it already has another parent.
    #[serde(default)]
    pub replace_parent: bool,
}

#[tool_router(router = sub_issues_read, vis = "pub(crate)")]
impl GithubServer {
    #[tool(
        description = "List an issue's sub-issues (number, title, state, labels). Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"issue_number\": 42}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_sub_issues(
        &self,
        Parameters(p): Parameters<ListSubIssuesParams>,
    ) -> Result<String, ToolError> {
        let path = format!("{}/issues/{}/sub_issues", p.repo.path()?, p.issue_number);
        self.list_titled(
            "list_sub_issues",
            &path,
            Query::list(),
            &p.page,
            None,
            &p.repo.path()?,
            |v| Some(issue_item(v, true)),
        )
        .await
    }
}

#[tool_router(router = sub_issues_write, vis = "pub(crate)")]
impl GithubServer {
    #[tool(
        description = "Make an issue a sub-issue of another (give numbers; the id GitHub needs is looked up). Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"issue_number\": 42, \"sub_issue_number\": 57}. Sent once: if it times out, check list_sub_issues before retrying.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn add_sub_issue(
        &self,
        Parameters(p): Parameters<SubIssueParams>,
    ) -> Result<String, ToolError> {
        let (path, id) = self.sub_issue(&p, "sub_issues").await?;
        let mut body = json!({"sub_issue_id": id});
        if p.replace_parent {
            body["replace_parent"] = true.into();
        }
        let v = self
            .api
            .write_json(Method::POST, &path, body, false)
            .await
            .map_err(|e| explain(e, &p))?;
        Ok(linked(&v, &p, "added"))
    }

    #[tool(
        description = "Remove a sub-issue from its parent issue (the sub-issue itself stays). Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"issue_number\": 42, \"sub_issue_number\": 57}",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn remove_sub_issue(
        &self,
        Parameters(p): Parameters<SubIssueParams>,
    ) -> Result<String, ToolError> {
        let (path, id) = self.sub_issue(&p, "sub_issue").await?;
        let v = self
            .api
            .write_json(Method::DELETE, &path, json!({"sub_issue_id": id}), false)
            .await
            .map_err(|e| {
                if e.0.contains("(404)") {
                    ToolError::new(format!(
                        "#{} is not a sub-issue of #{} (list_sub_issues shows them)",
                        p.sub_issue_number, p.issue_number
                    ))
                } else {
                    e
                }
            })?;
        Ok(linked(&v, &p, "removed"))
    }
}

impl GithubServer {
    /// The write's path (ending in `tail`) and the sub-issue's numeric id.
    async fn sub_issue(&self, p: &SubIssueParams, tail: &str) -> Result<(String, i64), ToolError> {
        let parent = p.repo.path()?;
        let child_repo = match p.sub_issue_repo.as_deref().map(str::trim) {
            None | Some("") => parent.clone(),
            Some(full) => match full.split_once('/') {
                Some((owner, name)) => repo_path(owner, name)?,
                None => {
                    return Err(ToolError::new(
                        "sub_issue_repo is owner/name, e.g. \"octocat/hello-world\"",
                    ));
                }
            },
        };
        let child = self
            .api
            .get(&format!("{child_repo}/issues/{}", p.sub_issue_number))
            .await?;
        let id = n(&child, "id").ok_or_else(|| {
            ToolError::new(format!(
                "issue #{} has no id in GitHub's answer",
                p.sub_issue_number
            ))
        })?;
        Ok((format!("{parent}/issues/{}/{tail}", p.issue_number), id))
    }

    /// The `issues` toolset's reading tools, with `list_sub_issues`.
    pub(crate) fn issues_read_all() -> ToolRouter<Self> {
        let mut router = Self::issues_read();
        router.merge(Self::sub_issues_read());
        router
    }

    /// The `issues` toolset's writing tools, with the sub-issue writes.
    pub(crate) fn issues_write_all() -> ToolRouter<Self> {
        let mut router = Self::issues_write();
        router.merge(Self::sub_issues_write());
        router
    }
}

/// A refused add, said so the model knows what to do.
fn explain(e: ToolError, p: &SubIssueParams) -> ToolError {
    if e.0.contains("only have one parent") {
        ToolError::new(format!(
            "#{} already has a parent issue: pass \"replace_parent\": true to move it under #{}, or remove it from its parent first",
            p.sub_issue_number, p.issue_number
        ))
    } else {
        e
    }
}

/// The parent after a change.
fn linked(v: &serde_json::Value, p: &SubIssueParams, what: &str) -> String {
    Obj::new()
        .put(what, p.sub_issue_number)
        .put("parent", n(v, "number"))
        .put("parent_title", s(v, "title").map(crate::content::clean))
        .put("url", s(v, "html_url"))
        .finish()
}

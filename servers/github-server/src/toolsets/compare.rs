//! `compare_commits`, in the `repos` toolset: what a head (branch, tag or sha) has
//! that a base has not, from `GET /repos/{owner}/{repo}/compare/{base}...{head}`.
//!
//! The first call shows the summary (status, ahead/behind), the commits (oldest
//! first, paginated through GitHub's `link` header like every list, continued with
//! `cursor`) and the changed files with their patches, each patch cut at
//! `patch_bytes` and the files at the output bound, with a notice saying how to see
//! the rest (`file_offset`, `patch_bytes`, `get_file_contents`). Calls with a cursor
//! list only further commits (GitHub sends the files on the first page only).

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use shared::ToolError;

use crate::api::{Query, RepoRef, file_path};
use crate::paging::{self, ListArgs};
use crate::server::GithubServer;
use crate::shape::{Obj, n, s};
use crate::toolsets::repos::{changed_files, commit_item};

/// Input of `compare_commits`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CompareParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// Base: branch, tag or commit sha.
    pub base: String,
    /// Head: branch, tag or commit sha (or `user:branch` of a fork).
    pub head: String,
    /// Most bytes of patch per file (default 1500; 0 for none).
    pub patch_bytes: Option<usize>,
    /// Changed files to skip (from a cut notice).
    pub file_offset: Option<usize>,
    /// How many commits to return, and the cursor to continue from.
    #[serde(flatten)]
    pub page: ListArgs,
}

/// The default cut of each file's patch.
const PATCH_BYTES: usize = 1500;

#[tool_router(router = compare_read, vis = "pub(crate)")]
impl GithubServer {
    #[tool(
        description = "Compare two branches, tags or commits: status (ahead, behind, diverged, identical), the commits head has and base has not (oldest first; `cursor` lists more), and the changed files with patches (each cut at patch_bytes; file_offset reads on). Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"base\": \"main\", \"head\": \"feature/login\"}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn compare_commits(
        &self,
        Parameters(p): Parameters<CompareParams>,
    ) -> Result<String, ToolError> {
        let (base, head) = (p.base.trim(), p.head.trim());
        if base.is_empty() || head.is_empty() || base.contains("..") || head.contains("..") {
            return Err(ToolError::new(
                "give base and head as a branch, tag or commit sha each (not `a...b`), e.g. {\"base\": \"main\", \"head\": \"feature/x\"}",
            ));
        }
        let path = format!(
            "{}/compare/{}...{}",
            p.repo.path()?,
            file_path(base),
            file_path(head)
        );
        let budget = self.api.max_output;
        let start = paging::start(
            &self.api,
            p.page.cursor.as_deref(),
            &path,
            Query::list().on(&path),
        )?;
        let continuing = p
            .page
            .cursor
            .as_deref()
            .is_some_and(|c| !c.trim().is_empty());
        // Commits get a third of the bound on a first call, the whole on later ones.
        let commit_budget = if continuing { budget } else { budget / 3 };
        let listing = paging::collect(
            &self.api,
            &start,
            Some("commits"),
            paging::limit(p.page.limit),
            commit_budget,
            |v| Some(commit_item(v)),
        )
        .await?;
        let commits = paging::render_as("compare_commits", "cursor", listing, Obj::new());
        if continuing {
            return Ok(commits);
        }
        let v = self.api.get(&Query::list().on(&path)).await?;
        let empty = Vec::new();
        let files = v.get("files").and_then(Value::as_array).unwrap_or(&empty);
        let skip = p.file_offset.unwrap_or(0).min(files.len());
        let used = commits.len() + 600;
        let shown = changed_files(
            &files[skip..],
            p.patch_bytes.unwrap_or(PATCH_BYTES),
            used,
            budget,
        );
        let mut notes = Vec::new();
        if shown.patches_cut > 0 {
            notes.push(format!(
                "{} patch(es) cut or left out: raise patch_bytes, or read the file at head with get_file_contents (ref \"{head}\")",
                shown.patches_cut
            ));
        }
        if shown.unlisted > 0 {
            notes.push(format!(
                "{} more changed file(s) not shown (output bound): call compare_commits again with file_offset={} (a smaller patch_bytes fits more)",
                shown.unlisted,
                skip + shown.items.len()
            ));
        }
        if files.len() >= 300 {
            notes.push(
                "GitHub lists at most 300 changed files in a comparison; compare nearer commits to see the rest".into(),
            );
        }
        let mut out = Obj::new()
            .put("status", s(&v, "status"))
            .put("ahead_by", n(&v, "ahead_by"))
            .put("behind_by", n(&v, "behind_by"))
            .put("total_commits", n(&v, "total_commits"))
            .put(
                "merge_base",
                v.get("merge_base_commit").and_then(|c| s(c, "sha")),
            )
            .put("url", s(&v, "html_url"))
            .raw("commits", &commits)
            .always("files_total", files.len());
        if skip > 0 {
            out = out.put("file_offset", skip);
        }
        out = out.list("files", &shown.items);
        if !notes.is_empty() {
            out = out.put("note", notes.join("; "));
        }
        Ok(out.finish())
    }
}

impl GithubServer {
    /// The `repos` toolset's reading tools, with `compare_commits`.
    pub(crate) fn repos_read_all() -> ToolRouter<Self> {
        let mut router = Self::repos_read();
        router.merge(Self::compare_read());
        router
    }
}

//! Toolset `pull_requests`: list and read pull requests, their raw diff, files,
//! reviews and CI status; with `--allow-write` also create, review and merge.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use shared::ToolError;
use shared::upstream::Method;

use crate::api::{Query, RepoRef, seg};
use crate::content;
use crate::content::lockdown::note_author;
use crate::paging::{self, ListArgs, collect, render_as};
use crate::server::GithubServer;
use crate::shape::{Obj, cut, first_line, labels, login, logins, n, s, window, yes};
use crate::toolsets::issues::{comment, fields, text_bytes};
use crate::toolsets::repos::file_change;

/// The default window of a diff.
const DIFF_BYTES: usize = 30_000;

/// A pull request in a list.
fn pull_item(v: &Value) -> String {
    Obj::new()
        .put("number", n(v, "number"))
        .put(
            "title",
            s(v, "title").map(|t| first_line(&content::clean(t), 200)),
        )
        .put("state", s(v, "state"))
        .put("draft", yes(v, "draft"))
        .put("merged_at", s(v, "merged_at"))
        .put("user", login(v, "user"))
        .put("head", v.get("head").and_then(|h| s(h, "ref")))
        .put("base", v.get("base").and_then(|b| s(b, "ref")))
        .put("labels", labels(v))
        .put("created_at", s(v, "created_at"))
        .put("updated_at", s(v, "updated_at"))
        .finish()
}

/// A branch end of a pull request: `ref`, `sha`, and the repository when it is a fork.
fn branch(v: &Value, key: &str) -> Obj {
    let b = v.get(key).unwrap_or(&Value::Null);
    Obj::new()
        .put("ref", s(b, "ref"))
        .put("sha", s(b, "sha"))
        .put("repo", b.get("repo").and_then(|r| s(r, "full_name")))
}

/// The `owner`, `repo` and `pull_number` of a pull request tool's parameters,
/// flattened into them.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PullRef {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// Pull request number.
    pub pull_number: u64,
}

impl PullRef {
    /// `/repos/{owner}/{repo}/pulls/{pull_number}`, checked.
    fn path(&self) -> Result<String, ToolError> {
        Ok(format!("{}/pulls/{}", self.repo.path()?, self.pull_number))
    }
}

/// Input of `list_pull_requests`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListPullRequestsParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// open (default), closed or all.
    pub state: Option<String>,
    /// Head branch as "user:branch".
    pub head: Option<String>,
    /// Base branch name.
    pub base: Option<String>,
    /// How many items to return, and the cursor to continue from.
    #[serde(flatten)]
    pub page: ListArgs,
}

/// Input of `get_pull_request`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetPullRequestParams {
    /// The pull request (`owner`, `repo`, `pull_number`).
    #[serde(flatten)]
    pub pull: PullRef,
    /// Byte offset in the body (from a cut notice).
    pub body_offset: Option<usize>,
    /// Most bytes of the body (default 4000).
    pub text_bytes: Option<usize>,
}

/// Input of `get_pull_request_diff`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetDiffParams {
    /// The pull request (`owner`, `repo`, `pull_number`).
    #[serde(flatten)]
    pub pull: PullRef,
    /// Only the files whose path starts with this (a file or directory).
    pub path: Option<String>,
    /// Byte offset to start at (from a cut notice).
    pub offset: Option<usize>,
    /// Most bytes (default 30000).
    pub max_bytes: Option<usize>,
}

/// Input of `list_pull_request_files`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListFilesParams {
    /// The pull request (`owner`, `repo`, `pull_number`).
    #[serde(flatten)]
    pub pull: PullRef,
    /// Include each file's patch (cut to 1500 bytes).
    #[serde(default)]
    pub include_patch: bool,
    /// How many items to return, and the cursor to continue from.
    #[serde(flatten)]
    pub page: ListArgs,
}

/// Input of `get_pull_request_reviews`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetReviewsParams {
    /// The pull request (`owner`, `repo`, `pull_number`).
    #[serde(flatten)]
    pub pull: PullRef,
    /// Most reviews and most comments (default 30 each, max 1000).
    pub limit: Option<u32>,
    /// To read more reviews (only lists given a cursor are read).
    pub reviews_cursor: Option<String>,
    /// To read more review comments.
    pub comments_cursor: Option<String>,
    /// Most bytes of each review or comment body (default 4000).
    pub text_bytes: Option<usize>,
}

/// Input of `get_pull_request_status`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PullParams {
    /// The pull request (`owner`, `repo`, `pull_number`).
    #[serde(flatten)]
    pub pull: PullRef,
}

/// Input of `create_pull_request`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreatePullRequestParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// Pull request title.
    pub title: String,
    /// Branch with the changes ("user:branch" for a fork).
    pub head: String,
    /// Branch to merge into, e.g. "main".
    pub base: String,
    /// Markdown.
    pub body: Option<String>,
    /// Open it as a draft.
    pub draft: Option<bool>,
    /// Let maintainers push to the head branch.
    pub maintainer_can_modify: Option<bool>,
}

/// A review verdict: approve, ask for changes, or comment without a verdict. Its
/// variants carry no docs on purpose: schemars would turn the schema's `enum` into
/// a `oneOf` and change tools/list.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum ReviewEvent {
    Approve,
    RequestChanges,
    Comment,
}

/// A comment on a line of the diff.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct ReviewComment {
    /// File path, as in the diff.
    pub path: String,
    /// Line in the file (new side unless side is LEFT).
    pub line: u64,
    /// RIGHT (default) or LEFT.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<String>,
    /// First line of a multi-line comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_line: Option<u64>,
    /// Comment text (Markdown).
    pub body: String,
}

/// Input of `create_pull_request_review`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateReviewParams {
    /// The pull request (`owner`, `repo`, `pull_number`).
    #[serde(flatten)]
    pub pull: PullRef,
    /// The verdict.
    pub event: ReviewEvent,
    /// Review summary (required for REQUEST_CHANGES and COMMENT without comments).
    pub body: Option<String>,
    /// Line comments.
    pub comments: Option<Vec<ReviewComment>>,
    /// Commit sha reviewed (default: the head).
    pub commit_id: Option<String>,
}

/// Input of `merge_pull_request`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct MergeParams {
    /// The pull request (`owner`, `repo`, `pull_number`).
    #[serde(flatten)]
    pub pull: PullRef,
    /// merge (default), squash or rebase.
    pub merge_method: Option<String>,
    /// Title of the merge commit.
    pub commit_title: Option<String>,
    /// Message of the merge commit.
    pub commit_message: Option<String>,
    /// Merge only if the head is still this sha.
    pub sha: Option<String>,
}

#[tool_router(router = pull_requests_read, vis = "pub(crate)")]
impl GithubServer {
    #[tool(
        description = "List a repository's pull requests: number, title, state, draft, author, head and base branch, labels, dates. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"state\": \"open\", \"base\": \"main\"}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_pull_requests(
        &self,
        Parameters(p): Parameters<ListPullRequestsParams>,
    ) -> Result<String, ToolError> {
        let path = format!("{}/pulls", p.repo.path()?);
        let query = Query::list()
            .opt("state", p.state.as_deref())
            .opt("head", p.head.as_deref())
            .opt("base", p.base.as_deref());
        self.list_titled(
            "list_pull_requests",
            &path,
            query,
            &p.page,
            None,
            &p.repo.path()?,
            |v| Some(pull_item(v)),
        )
        .await
    }

    #[tool(
        description = "One pull request: state, draft, merged/mergeable, author, head and base (ref, sha), reviewers, labels, size, dates and body. Conversation comments: get_issue with the same number. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"pull_number\": 7}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn get_pull_request(
        &self,
        Parameters(p): Parameters<GetPullRequestParams>,
    ) -> Result<String, ToolError> {
        let path = p.pull.path()?;
        let v = self.api.get(&path).await?;
        let max_text = text_bytes(p.text_bytes, self.api.max_output);
        let (author, association) = content::author_of(&v);
        let shown = self
            .api
            .may_show(&p.pull.repo.path()?, &author, association)
            .await;
        let (title, text) = if shown {
            (
                s(&v, "title").map(content::clean),
                content::authored_body(
                    &v,
                    p.body_offset.unwrap_or(0),
                    max_text,
                    "call get_pull_request with body_offset=",
                ),
            )
        } else {
            (Some("[withheld by --lockdown]".to_string()), String::new())
        };
        Ok(Obj::new()
            .put("number", n(&v, "number"))
            .put("title", title)
            .put("state", s(&v, "state"))
            .put("draft", yes(&v, "draft"))
            .put("merged", v.get("merged"))
            .put("mergeable", v.get("mergeable"))
            .put("mergeable_state", s(&v, "mergeable_state"))
            .put("user", login(&v, "user"))
            .put("association", s(&v, "author_association"))
            .obj("head", branch(&v, "head"))
            .obj("base", branch(&v, "base"))
            .put("labels", labels(&v))
            .put("assignees", logins(&v, "assignees"))
            .put("requested_reviewers", logins(&v, "requested_reviewers"))
            .put("commits", n(&v, "commits"))
            .put("changed_files", n(&v, "changed_files"))
            .put("additions", n(&v, "additions"))
            .put("deletions", n(&v, "deletions"))
            .put("comments", n(&v, "comments"))
            .put("review_comments", n(&v, "review_comments"))
            .put("created_at", s(&v, "created_at"))
            .put("updated_at", s(&v, "updated_at"))
            .put("merged_at", s(&v, "merged_at"))
            .put("merged_by", login(&v, "merged_by"))
            .put("closed_at", s(&v, "closed_at"))
            .put("url", s(&v, "html_url"))
            .put("body", text)
            .put(
                "withheld",
                (!shown).then(|| content::lockdown::withheld_notice(1, "title and body")),
            )
            .finish())
    }

    #[tool(
        description = "The pull request's unified diff as raw text, optionally only for the files under a path. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"pull_number\": 7, \"path\": \"src/\"}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn get_pull_request_diff(
        &self,
        Parameters(p): Parameters<GetDiffParams>,
    ) -> Result<String, ToolError> {
        let path = p.pull.path()?;
        let (diff, note) = content::raw_with_note(&self.api.get_diff(&path).await?);
        let max = p
            .max_bytes
            .unwrap_or(DIFF_BYTES)
            .clamp(1000, self.api.max_output.saturating_sub(500));
        Ok(content::with_note(
            diff_window(
                &diff,
                p.pull.pull_number,
                p.path.as_deref(),
                p.offset.unwrap_or(0),
                max,
            ),
            note,
        ))
    }

    #[tool(
        description = "List the files a pull request changes: path, status, additions, deletions (and the patch, cut, with include_patch). Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"pull_number\": 7}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_pull_request_files(
        &self,
        Parameters(p): Parameters<ListFilesParams>,
    ) -> Result<String, ToolError> {
        let path = format!("{}/files", p.pull.path()?);
        let with_patch = p.include_patch;
        paging::list(
            &self.api,
            "list_pull_request_files",
            &path,
            Query::list(),
            &p.page,
            None,
            |f| {
                let patch = s(f, "patch").unwrap_or_default();
                let shown = if with_patch { cut(patch, 1500).0 } else { "" };
                Some(file_change(
                    f,
                    shown,
                    with_patch && shown.len() < patch.len(),
                ))
            },
        )
        .await
    }

    #[tool(
        description = "A pull request's reviews (verdict and summary) and its review comments on diff lines (path, line, body, thread replies). Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"pull_number\": 7}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn get_pull_request_reviews(
        &self,
        Parameters(p): Parameters<GetReviewsParams>,
    ) -> Result<String, ToolError> {
        let base = p.pull.path()?;
        let repo_path = p.pull.repo.path()?;
        let max_text = text_bytes(p.text_bytes, self.api.max_output);
        let limit = paging::limit(p.limit);
        let given = |c: &Option<String>| c.as_deref().is_some_and(|c| !c.trim().is_empty());
        let (want_reviews, want_comments) =
            match (given(&p.reviews_cursor), given(&p.comments_cursor)) {
                (false, false) => (true, true),
                some => some,
            };
        let how = format!("raise text_bytes above {max_text} to read it whole");
        let half = self.api.max_output / 2;
        let mut out = Obj::new();
        if want_reviews {
            let path = format!("{base}/reviews");
            let cursor = p.reviews_cursor.as_deref();
            let authors = std::sync::Mutex::new(Vec::new());
            let mut listing = paging::follow(&self.api, cursor, &path, limit, half, |r| {
                note_author(&authors, r);
                Some(
                    comment(r, max_text, &how)
                        .put("state", s(r, "state"))
                        .put("submitted_at", s(r, "submitted_at"))
                        .finish(),
                )
            })
            .await?;
            let extra = self
                .withheld(&repo_path, &mut listing, authors, "review")
                .await;
            out = out.raw(
                "reviews",
                &render_as("get_pull_request_reviews", "reviews_cursor", listing, extra),
            );
        }
        if want_comments {
            let path = format!("{base}/comments");
            let cursor = p.comments_cursor.as_deref();
            let authors = std::sync::Mutex::new(Vec::new());
            let mut listing = paging::follow(&self.api, cursor, &path, limit, half, |c| {
                note_author(&authors, c);
                Some(
                    comment(c, max_text, &how)
                        .put("path", s(c, "path"))
                        .put("line", n(c, "line").or(n(c, "original_line")))
                        .put("in_reply_to", n(c, "in_reply_to_id"))
                        .put("review_id", n(c, "pull_request_review_id"))
                        .put("hunk", s(c, "diff_hunk").map(hunk_tail))
                        .finish(),
                )
            })
            .await?;
            let extra = self
                .withheld(&repo_path, &mut listing, authors, "review comment")
                .await;
            out = out.raw(
                "review_comments",
                &render_as(
                    "get_pull_request_reviews",
                    "comments_cursor",
                    listing,
                    extra,
                ),
            );
        }
        Ok(out.finish())
    }

    #[tool(
        description = "CI status of a pull request's head commit: overall verdict, commit statuses and check runs (name, status, conclusion, id). For a failed GitHub Actions check, its id is the job id for get_job_logs. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"pull_number\": 7}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn get_pull_request_status(
        &self,
        Parameters(p): Parameters<PullParams>,
    ) -> Result<String, ToolError> {
        let repo = p.pull.repo.path()?;
        let pr = self.api.get(&p.pull.path()?).await?;
        let sha = pr
            .get("head")
            .and_then(|h| s(h, "sha"))
            .ok_or_else(|| ToolError::new("GitHub returned no head sha for this pull request"))?
            .to_string();
        let status = self
            .api
            .get(&format!("{repo}/commits/{}/status", seg(&sha)))
            .await?;
        let checks_path = format!("{repo}/commits/{}/check-runs", seg(&sha));
        let checks = collect(
            &self.api,
            &Query::list().on(&checks_path),
            Some("check_runs"),
            300,
            self.api.max_output / 2,
            |c| {
                Some(
                    Obj::new()
                        .put("name", s(c, "name"))
                        .put("status", s(c, "status"))
                        .put("conclusion", s(c, "conclusion"))
                        .put("id", n(c, "id"))
                        .put("url", s(c, "details_url").or(s(c, "html_url")))
                        .finish(),
                )
            },
        )
        .await?;
        Ok(status_summary(p.pull.pull_number, &sha, &status, checks))
    }
}

/// The last lines of a review comment's diff hunk (the lines it is about).
fn hunk_tail(hunk: &str) -> String {
    let lines: Vec<&str> = hunk.lines().collect();
    let tail = lines[lines.len().saturating_sub(4)..].join("\n");
    cut(&tail, 600).0.to_string()
}

/// Commit statuses and check runs with one overall verdict.
fn status_summary(number: u64, sha: &str, status: &Value, checks: paging::Listing) -> String {
    let empty = Vec::new();
    let statuses: Vec<String> = status
        .get("statuses")
        .and_then(Value::as_array)
        .unwrap_or(&empty)
        .iter()
        .take(100)
        .map(|st| {
            Obj::new()
                .put("context", s(st, "context"))
                .put("state", s(st, "state"))
                .put(
                    "description",
                    s(st, "description").map(|d| first_line(d, 200)),
                )
                .put("url", s(st, "target_url"))
                .finish()
        })
        .collect();
    let parsed: Vec<Value> = checks
        .items
        .iter()
        .filter_map(|c| serde_json::from_str(c).ok())
        .collect();
    let mut failing = 0;
    let mut pending = 0;
    let mut passing = 0;
    for st in &statuses {
        let v: Value = serde_json::from_str(st).unwrap_or_default();
        match s(&v, "state") {
            Some("success") => passing += 1,
            Some("pending") => pending += 1,
            _ => failing += 1,
        }
    }
    for c in &parsed {
        match (s(c, "status"), s(c, "conclusion")) {
            (Some("completed"), Some("success" | "neutral" | "skipped")) => passing += 1,
            (Some("completed"), _) => failing += 1,
            _ => pending += 1,
        }
    }
    let overall = if failing > 0 {
        "failure"
    } else if pending > 0 {
        "pending"
    } else if passing > 0 {
        "success"
    } else {
        "no checks"
    };
    let mut out = Obj::new()
        .put("pull_number", number)
        .put("head_sha", sha)
        .put("overall", overall)
        .put(
            "counts",
            json!({"failing": failing, "pending": pending, "passing": passing}),
        )
        .put("combined_status", s(status, "state"))
        .list("statuses", &statuses)
        .list("check_runs", &checks.items);
    if checks.more {
        out = out.put("note", "more check runs exist than shown");
    }
    out.finish()
}

/// The part of a diff the call asks for, with a header and a continuation notice.
fn diff_window(diff: &str, number: u64, path: Option<&str>, offset: usize, max: usize) -> String {
    let prefix = path
        .map(|p| p.trim_start_matches('/'))
        .filter(|p| !p.is_empty());
    let selected: String;
    let (text, files) = match prefix {
        None => (diff, diff.matches("diff --git ").count()),
        Some(prefix) => {
            let sections = split_files(diff);
            let kept: Vec<&str> = sections
                .into_iter()
                .filter(|section| section_paths(section).iter().any(|p| p.starts_with(prefix)))
                .collect();
            let count = kept.len();
            selected = kept.concat();
            (selected.as_str(), count)
        }
    };
    let scope = prefix.map(|p| format!(" under {p}")).unwrap_or_default();
    if text.is_empty() {
        return format!("[diff of #{number}{scope}: empty (no changed files match)]");
    }
    let (part, end) = window(text, offset, max);
    let start = end - part.len();
    let whole = start == 0 && end == text.len();
    let mut out = format!(
        "[diff of #{number}{scope}: {} bytes, {files} file(s){}]\n",
        text.len(),
        if whole {
            String::new()
        } else {
            format!("; showing bytes {start}-{end}")
        }
    );
    out.push_str(part);
    if end < text.len() {
        if !part.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!(
            "[diff cut at byte {end} of {}; call get_pull_request_diff with offset={end} to read on, or narrow with path]",
            text.len()
        ));
    }
    out
}

/// A diff split into one section per file (each starting with `diff --git`).
fn split_files(diff: &str) -> Vec<&str> {
    let mut starts: Vec<usize> = diff
        .match_indices("diff --git ")
        .filter(|(i, _)| *i == 0 || diff.as_bytes()[i - 1] == b'\n')
        .map(|(i, _)| i)
        .collect();
    if starts.first() != Some(&0) {
        starts.insert(0, 0);
    }
    starts.push(diff.len());
    starts.windows(2).map(|w| &diff[w[0]..w[1]]).collect()
}

/// The old and new paths a file section's header names.
fn section_paths(section: &str) -> Vec<&str> {
    let header = section.lines().next().unwrap_or_default();
    let Some(rest) = header.strip_prefix("diff --git ") else {
        return Vec::new();
    };
    rest.split(" b/")
        .map(|p| p.strip_prefix("a/").unwrap_or(p))
        .collect()
}

#[tool_router(router = pull_requests_write, vis = "pub(crate)")]
impl GithubServer {
    #[tool(
        description = "Open a pull request from head into base. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"title\": \"Fix crash\", \"head\": \"fix-crash\", \"base\": \"main\", \"body\": \"Closes #42\", \"draft\": true}. If it times out, list_pull_requests with head before retrying.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn create_pull_request(
        &self,
        Parameters(p): Parameters<CreatePullRequestParams>,
    ) -> Result<String, ToolError> {
        let path = format!("{}/pulls", p.repo.path()?);
        let body = fields([
            ("title", Some(json!(p.title))),
            ("head", Some(json!(p.head))),
            ("base", Some(json!(p.base))),
            ("body", p.body.map(Value::from)),
            ("draft", p.draft.map(Value::from)),
            (
                "maintainer_can_modify",
                p.maintainer_can_modify.map(Value::from),
            ),
        ]);
        let v = self
            .api
            .write_json(Method::POST, &path, body, false)
            .await?;
        Ok(Obj::new()
            .put("number", n(&v, "number"))
            .put("state", s(&v, "state"))
            .put("draft", yes(&v, "draft"))
            .put("url", s(&v, "html_url"))
            .finish())
    }

    #[tool(
        description = "Submit a review verdict with a summary and optional line comments. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"pull_number\": 7, \"event\": \"COMMENT\", \"body\": \"Looks good overall\", \"comments\": [{\"path\": \"src/lib.rs\", \"line\": 12, \"body\": \"Handle None here\"}]}",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn create_pull_request_review(
        &self,
        Parameters(p): Parameters<CreateReviewParams>,
    ) -> Result<String, ToolError> {
        let path = format!("{}/reviews", p.pull.path()?);
        let body = fields([
            ("event", Some(json!(p.event))),
            ("body", p.body.map(Value::from)),
            (
                "comments",
                p.comments.filter(|c| !c.is_empty()).map(|c| json!(c)),
            ),
            ("commit_id", p.commit_id.map(Value::from)),
        ]);
        let v = self
            .api
            .write_json(Method::POST, &path, body, false)
            .await?;
        Ok(Obj::new()
            .put("id", n(&v, "id"))
            .put("state", s(&v, "state"))
            .put("submitted_at", s(&v, "submitted_at"))
            .put("url", s(&v, "html_url"))
            .finish())
    }

    #[tool(
        description = "Merge a pull request. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"pull_number\": 7, \"merge_method\": \"squash\"}",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn merge_pull_request(
        &self,
        Parameters(p): Parameters<MergeParams>,
    ) -> Result<String, ToolError> {
        let path = format!("{}/merge", p.pull.path()?);
        let body = fields(
            [
                ("merge_method", p.merge_method),
                ("commit_title", p.commit_title),
                ("commit_message", p.commit_message),
                ("sha", p.sha),
            ]
            .map(|(key, value)| (key, value.filter(|v| !v.trim().is_empty()).map(Value::from))),
        );
        let v = self.api.write_json(Method::PUT, &path, body, false).await?;
        Ok(Obj::new()
            .always(
                "merged",
                v.get("merged").and_then(Value::as_bool).unwrap_or(false),
            )
            .put("sha", s(&v, "sha"))
            .put("message", s(&v, "message"))
            .finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIFF: &str = "diff --git a/src/a.rs b/src/a.rs\nindex 1..2 100644\n--- a/src/a.rs\n+++ b/src/a.rs\n@@ -1 +1 @@\n-a\n+b\ndiff --git a/docs/x.md b/docs/x.md\n--- a/docs/x.md\n+++ b/docs/x.md\n@@ -1 +1 @@\n-x\n+y\n";

    #[test]
    fn diff_is_raw_text_filtered_and_windowed() {
        let whole = diff_window(DIFF, 7, None, 0, 10_000);
        assert_eq!(
            whole,
            format!("[diff of #7: {} bytes, 2 file(s)]\n{DIFF}", DIFF.len())
        );
        let docs = diff_window(DIFF, 7, Some("docs/"), 0, 10_000);
        assert!(
            docs.contains("docs/x.md") && !docs.contains("src/a.rs"),
            "{docs}"
        );
        assert!(docs.starts_with("[diff of #7 under docs/: "), "{docs}");
        let cut = diff_window(DIFF, 7, None, 0, 60);
        assert!(
            cut.contains("call get_pull_request_diff with offset="),
            "{cut}"
        );
        let next: usize = cut
            .split("offset=")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let rest = diff_window(DIFF, 7, None, next, 10_000);
        assert!(rest.ends_with("+y\n"), "{rest}");
        assert!(diff_window(DIFF, 7, Some("nope"), 0, 100).contains("no changed files match"));
    }

    #[test]
    fn status_has_one_verdict() {
        let status =
            json!({"state": "success", "statuses": [{"context": "ci/lint", "state": "success"}]});
        let checks = paging::Listing {
            items: vec![
                r#"{"name":"test","status":"completed","conclusion":"failure","id":5}"#.into(),
                r#"{"name":"build","status":"in_progress","id":6}"#.into(),
            ],
            ..Default::default()
        };
        let out: Value = serde_json::from_str(&status_summary(7, "abc", &status, checks)).unwrap();
        assert_eq!(out["overall"], "failure");
        assert_eq!(
            out["counts"],
            json!({"failing": 1, "pending": 1, "passing": 1})
        );
        assert_eq!(out["check_runs"][0]["id"], 5);
    }

    #[test]
    fn review_event_serializes_as_github_expects() {
        assert_eq!(json!(ReviewEvent::RequestChanges), json!("REQUEST_CHANGES"));
        assert_eq!(hunk_tail("@@ -1,5 +1,5 @@\na\nb\nc\nd\ne"), "b\nc\nd\ne");
    }
}

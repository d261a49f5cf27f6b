//! Toolset `issues`: list, read (with comments) and search issues; with
//! `--allow-write` also create, update and comment.
//!
//! GitHub's issues endpoint also returns pull requests (they carry a `pull_request`
//! key); `list_issues` leaves them out.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use shared::ToolError;
use shared::upstream::Method;

use crate::api::{Query, RepoRef};
use crate::content;
use crate::content::lockdown::note_author;
use crate::paging::{self, ListArgs, render_as};
use crate::server::GithubServer;
use crate::shape::{Obj, cut, first_line, labels, login, logins, n, s};

/// Default bytes of one body or comment.
const TEXT_BYTES: usize = 4000;

/// The bytes of one body or comment a call shows: `asked` (default 4000), at
/// least 200 and at most half the output bound.
pub fn text_bytes(asked: Option<usize>, max_output: usize) -> usize {
    asked.unwrap_or(TEXT_BYTES).clamp(200, max_output / 2)
}

/// An issue (or pull request) in a list.
pub fn issue_item(v: &Value, with_repo: bool) -> String {
    let repo = with_repo
        .then(|| s(v, "repository_url").and_then(|u| u.split("/repos/").nth(1)))
        .flatten();
    Obj::new()
        .put("repo", repo)
        .put("kind", with_repo.then(|| kind(v)))
        .put("number", n(v, "number"))
        .put(
            "title",
            s(v, "title").map(|t| first_line(&content::clean(t), 200)),
        )
        .put("state", s(v, "state"))
        .put("user", login(v, "user"))
        .put("labels", labels(v))
        .put("assignees", logins(v, "assignees"))
        .put("comments", n(v, "comments").filter(|c| *c > 0))
        .put("created_at", s(v, "created_at"))
        .put("updated_at", s(v, "updated_at"))
        .finish()
}

fn kind(v: &Value) -> &'static str {
    if v.get("pull_request").is_some_and(|p| !p.is_null()) {
        "pull_request"
    } else {
        "issue"
    }
}

/// A comment (issue comment, review or review comment): its body sanitised, cut to
/// `max` bytes and wrapped naming its author and their association
/// ([`crate::content`]).
pub fn comment(v: &Value, max: usize, how: &str) -> Obj {
    let text = s(v, "body").unwrap_or_default();
    let clean = content::sanitize(text);
    let (shown, was_cut) = cut(&clean.text, max);
    let shown = if was_cut {
        format!(
            "{shown} […cut at {} of {} bytes; {how}]",
            shown.len(),
            clean.text.len()
        )
    } else {
        shown.to_string()
    };
    let (author, association) = content::author_of(v);
    let body = if text.trim().is_empty() {
        String::new()
    } else {
        content::wrap_sanitized(&author, association, &shown, clean.report)
    };
    Obj::new()
        .put("id", n(v, "id"))
        .put("user", login(v, "user"))
        .put("association", s(v, "author_association"))
        .put("created_at", s(v, "created_at"))
        .put("body", body)
}

/// Input of `list_issues`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListIssuesParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// open (default), closed or all.
    pub state: Option<String>,
    /// Label names, all required: "bug,ui" or ["bug", "ui"].
    #[serde(default, deserialize_with = "crate::api::comma_list")]
    #[schemars(with = "Option<crate::api::CommaList>")]
    pub labels: Option<String>,
    /// Login, "none" or "*".
    pub assignee: Option<String>,
    /// Login of the author.
    pub creator: Option<String>,
    /// Only issues updated at or after this ISO 8601 time.
    pub since: Option<String>,
    /// created (default), updated or comments.
    pub sort: Option<String>,
    /// desc (default) or asc.
    pub direction: Option<String>,
    /// How many items to return, and the cursor to continue from.
    #[serde(flatten)]
    pub page: ListArgs,
}

/// Input of `get_issue`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetIssueParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// Issue or pull request number.
    pub issue_number: u64,
    /// Most comments (default 30, max 1000; 0 for none).
    pub comments_limit: Option<u32>,
    /// `cursor` of the comments, to read more of them (the issue itself is then skipped).
    pub comments_cursor: Option<String>,
    /// Byte offset in the body (from a cut notice).
    pub body_offset: Option<usize>,
    /// Most bytes of the body and of each comment (default 4000).
    pub text_bytes: Option<usize>,
}

/// Input of `search_issues`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SearchParams {
    /// GitHub search syntax.
    pub q: String,
    /// How many items to return, and the cursor to continue from.
    #[serde(flatten)]
    pub page: ListArgs,
}

/// Input of `create_issue`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateIssueParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// Issue title.
    pub title: String,
    /// Markdown.
    pub body: Option<String>,
    /// Label names.
    pub labels: Option<Vec<String>>,
    /// Logins.
    pub assignees: Option<Vec<String>>,
    /// Milestone number.
    pub milestone: Option<u64>,
}

/// Input of `update_issue`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct UpdateIssueParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// Issue number.
    pub issue_number: u64,
    /// New title.
    pub title: Option<String>,
    /// Replaces the whole body.
    pub body: Option<String>,
    /// open or closed.
    pub state: Option<String>,
    /// completed, not_planned or reopened.
    pub state_reason: Option<String>,
    /// Replaces all labels.
    pub labels: Option<Vec<String>>,
    /// Replaces all assignees.
    pub assignees: Option<Vec<String>>,
    /// Milestone number (list_milestones); 0 removes the milestone.
    pub milestone: Option<u64>,
}

/// Input of `add_issue_comment`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AddIssueCommentParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// Issue or pull request number.
    pub issue_number: u64,
    /// Markdown.
    pub body: String,
}

#[tool_router(router = issues_read, vis = "pub(crate)")]
impl GithubServer {
    #[tool(
        description = "List a repository's issues (pull requests left out): number, title, state, author, labels, assignees, comment count, dates. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"state\": \"open\", \"labels\": \"bug\"}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_issues(
        &self,
        Parameters(p): Parameters<ListIssuesParams>,
    ) -> Result<String, ToolError> {
        let path = format!("{}/issues", p.repo.path()?);
        let query = Query::list()
            .opt("state", p.state.as_deref())
            .opt("labels", p.labels.as_deref())
            .opt("assignee", p.assignee.as_deref())
            .opt("creator", p.creator.as_deref())
            .opt("since", p.since.as_deref())
            .opt("sort", p.sort.as_deref())
            .opt("direction", p.direction.as_deref());
        self.list_titled(
            "list_issues",
            &path,
            query,
            &p.page,
            None,
            &p.repo.path()?,
            |v| (kind(v) == "issue").then(|| issue_item(v, false)),
        )
        .await
    }

    #[tool(
        description = "One issue (or pull request conversation) with its body and comments, oldest first. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"issue_number\": 42}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn get_issue(
        &self,
        Parameters(p): Parameters<GetIssueParams>,
    ) -> Result<String, ToolError> {
        let path = format!("{}/issues/{}", p.repo.path()?, p.issue_number);
        let max_text = text_bytes(p.text_bytes, self.api.max_output);
        let comments_path = format!("{path}/comments");
        let continuing = p
            .comments_cursor
            .as_deref()
            .is_some_and(|c| !c.trim().is_empty());
        let mut out = Obj::new();
        let mut used = 0;
        let repo_path = p.repo.path()?;
        if !continuing {
            let v = self.api.get(&path).await?;
            let (author, association) = content::author_of(&v);
            let shown = self.api.may_show(&repo_path, &author, association).await;
            let head = if shown {
                issue_detail(&v, true).put(
                    "body",
                    content::authored_body(
                        &v,
                        p.body_offset.unwrap_or(0),
                        max_text,
                        "call get_issue with body_offset=",
                    ),
                )
            } else {
                issue_detail(&v, false).put(
                    "withheld",
                    content::lockdown::withheld_notice(1, "title and body"),
                )
            }
            .finish();
            used = head.len();
            out = out.raw("issue", &head);
        }
        let limit = p.comments_limit.unwrap_or(paging::DEFAULT_LIMIT);
        if limit == 0 {
            return Ok(out.finish());
        }
        let how = format!("raise text_bytes above {max_text} to read it whole");
        let authors = std::sync::Mutex::new(Vec::new());
        let mut listing = paging::follow(
            &self.api,
            p.comments_cursor.as_deref(),
            &comments_path,
            paging::limit(Some(limit)),
            self.api.max_output.saturating_sub(used + 500),
            |c| {
                note_author(&authors, c);
                Some(comment(c, max_text, &how).finish())
            },
        )
        .await?;
        let extra = self
            .withheld(&repo_path, &mut listing, authors, "comment")
            .await;
        let comments = render_as("get_issue", "comments_cursor", listing, extra);
        Ok(out.raw("comments", &comments).finish())
    }

    #[tool(
        description = "Search issues and pull requests across GitHub with search syntax. Example: {\"q\": \"repo:octocat/hello-world is:issue is:open label:bug crash in:title\"}. Qualifiers: repo:, org:, is:issue|pr, is:open|closed, author:, assignee:, label:, created:>2025-01-01.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn search_issues(
        &self,
        Parameters(p): Parameters<SearchParams>,
    ) -> Result<String, ToolError> {
        let query = Query::list().set("q", p.q.trim());
        self.list_titled(
            "search_issues",
            "/search/issues",
            query,
            &p.page,
            Some("items"),
            "",
            |v| Some(issue_item(v, true)),
        )
        .await
    }
}

/// The fields of one issue, before its body; the title only when `shown`
/// (else withheld by `--lockdown`).
fn issue_detail(v: &Value, shown: bool) -> Obj {
    let title = if shown {
        s(v, "title").map(content::clean)
    } else {
        Some("[withheld by --lockdown]".to_string())
    };
    Obj::new()
        .put("number", n(v, "number"))
        .put("title", title)
        .put("kind", kind(v))
        .put("state", s(v, "state"))
        .put("state_reason", s(v, "state_reason"))
        .put("user", login(v, "user"))
        .put("association", s(v, "author_association"))
        .put("labels", labels(v))
        .put("assignees", logins(v, "assignees"))
        .put("milestone", v.get("milestone").and_then(|m| s(m, "title")))
        .put("comments", n(v, "comments"))
        .put("created_at", s(v, "created_at"))
        .put("updated_at", s(v, "updated_at"))
        .put("closed_at", s(v, "closed_at"))
        .put("closed_by", login(v, "closed_by"))
        .put("url", s(v, "html_url"))
}

/// The issue fields a write returns.
fn issue_summary(v: &Value) -> String {
    Obj::new()
        .put("number", n(v, "number"))
        .put("title", s(v, "title"))
        .put("state", s(v, "state"))
        .put("labels", labels(v))
        .put("assignees", logins(v, "assignees"))
        .put("url", s(v, "html_url"))
        .finish()
}

/// A JSON object of the fields that are set (a write's body).
pub fn fields<'a>(pairs: impl IntoIterator<Item = (&'a str, Option<Value>)>) -> Value {
    let map: Map<String, Value> = pairs
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
        .collect();
    Value::Object(map)
}

#[tool_router(router = issues_write, vis = "pub(crate)")]
impl GithubServer {
    #[tool(
        description = "Create an issue. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"title\": \"Crash on empty input\", \"body\": \"Steps: ...\", \"labels\": [\"bug\"]}. Returns its number and URL. If it times out, list_issues before retrying: it may exist.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn create_issue(
        &self,
        Parameters(p): Parameters<CreateIssueParams>,
    ) -> Result<String, ToolError> {
        let path = format!("{}/issues", p.repo.path()?);
        if p.title.trim().is_empty() {
            return Err(ToolError::new("title must not be empty"));
        }
        let body = fields(vec![
            ("title", Some(json!(p.title))),
            ("body", p.body.map(Value::from)),
            ("labels", p.labels.map(Value::from)),
            ("assignees", p.assignees.map(Value::from)),
            ("milestone", p.milestone.map(Value::from)),
        ]);
        let v = self
            .api
            .write_json(Method::POST, &path, body, false)
            .await?;
        Ok(issue_summary(&v))
    }

    #[tool(
        description = "Update an issue; only the given fields change (milestone 0 removes the milestone). Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"issue_number\": 42, \"state\": \"closed\", \"state_reason\": \"completed\"}",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn update_issue(
        &self,
        Parameters(p): Parameters<UpdateIssueParams>,
    ) -> Result<String, ToolError> {
        let path = format!("{}/issues/{}", p.repo.path()?, p.issue_number);
        let body = fields(vec![
            ("title", p.title.map(Value::from)),
            ("body", p.body.map(Value::from)),
            ("state", p.state.map(Value::from)),
            ("state_reason", p.state_reason.map(Value::from)),
            ("labels", p.labels.map(Value::from)),
            ("assignees", p.assignees.map(Value::from)),
            (
                "milestone",
                p.milestone
                    .map(|m| if m == 0 { Value::Null } else { m.into() }),
            ),
        ]);
        if body.as_object().is_some_and(Map::is_empty) {
            return Err(ToolError::new(
                "nothing to change: give at least one of title, body, state, state_reason, labels, assignees, milestone",
            ));
        }
        let v = self
            .api
            .write_json(Method::PATCH, &path, body, true)
            .await?;
        Ok(issue_summary(&v))
    }

    #[tool(
        description = "Comment on an issue or pull request (Markdown). Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"issue_number\": 42, \"body\": \"Fixed in #43.\"}. If it times out, check get_issue before retrying.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn add_issue_comment(
        &self,
        Parameters(p): Parameters<AddIssueCommentParams>,
    ) -> Result<String, ToolError> {
        let path = format!("{}/issues/{}/comments", p.repo.path()?, p.issue_number);
        if p.body.trim().is_empty() {
            return Err(ToolError::new("body must not be empty"));
        }
        let v = self
            .api
            .write_json(Method::POST, &path, json!({"body": p.body}), false)
            .await?;
        Ok(Obj::new()
            .put("id", n(&v, "id"))
            .put("created_at", s(&v, "created_at"))
            .put("url", s(&v, "html_url"))
            .finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_compact_and_mark_pull_requests() {
        let v = json!({"number": 3, "title": "Bug\nmore", "state": "open", "user": {"login": "a", "id": 1},
            "labels": [{"name": "bug", "color": "f00"}], "assignees": [], "comments": 0,
            "repository_url": "https://api.github.com/repos/o/r", "pull_request": {"url": "x"},
            "created_at": "2025-01-01T00:00:00Z", "body": "long body not listed"});
        let item: Value = serde_json::from_str(&issue_item(&v, true)).unwrap();
        assert_eq!(
            item,
            json!({"repo": "o/r", "kind": "pull_request", "number": 3, "title": "Bug", "state": "open",
                "user": "a", "labels": ["bug"], "created_at": "2025-01-01T00:00:00Z"})
        );
        assert_eq!(kind(&json!({"pull_request": null})), "issue");
    }

    #[test]
    fn long_comments_are_cut_with_a_notice() {
        let v = json!({"id": 9, "user": {"login": "b"}, "body": "x".repeat(5000)});
        let c: Value =
            serde_json::from_str(&comment(&v, 100, "raise text_bytes").finish()).unwrap();
        let b = c["body"].as_str().unwrap();
        assert!(
            b.starts_with(&format!(
                "⟦text by @b, UNKNOWN: association not given by GitHub⟧\n{}",
                "x".repeat(100)
            )),
            "{b}"
        );
        assert!(
            b.ends_with("[…cut at 100 of 5000 bytes; raise text_bytes]\n⟦end of text by @b⟧"),
            "{b}"
        );
        let v = json!({"id": 9, "user": {"login": "m"}, "author_association": "NONE",
            "body": "hi <!-- obey -->\u{202E}"});
        let c: Value = serde_json::from_str(&comment(&v, 100, "x").finish()).unwrap();
        assert_eq!(c["association"], "NONE");
        assert_eq!(
            c["body"],
            "⟦text by @m, NONE: no association with the repository⟧\nhi [hidden HTML comment: obey]\n⟦sanitised: removed 1 bidirectional control; 1 HTML comment shown as [hidden HTML comment: …]⟧\n⟦end of text by @m⟧"
        );
    }

    #[test]
    fn only_given_fields_are_sent() {
        let f = fields(vec![("title", Some(json!("t"))), ("body", None)]);
        assert_eq!(f, json!({"title": "t"}));
    }
}

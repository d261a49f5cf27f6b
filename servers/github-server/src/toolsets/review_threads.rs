//! Pull request review threads (toolset `pull_requests`), through GitHub's GraphQL
//! API ([`crate::graphql`]), which alone knows threads and their resolution: list
//! them with their ids, file, line, resolved and outdated state and first comments;
//! with `--allow-write` also reply to a thread and resolve or unresolve it.
//!
//! Every comment is a person's text: it passes the sanitiser and is wrapped with
//! its author and their association ([`crate::graphql::authored`]).

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use shared::ToolError;

use crate::graphql::{self, ListQuery, Op};
use crate::paging::{self, ListArgs, render};
use crate::server::GithubServer;
use crate::shape::{Obj, n, s};
use crate::toolsets::pull_requests::PullRef;

/// Comments shown per thread by default.
const COMMENTS_PER_THREAD: u32 = 10;
/// Default bytes of one comment in a listing.
const COMMENT_BYTES: usize = 1500;

const LIST_THREADS: &str = "query($owner: String!, $repo: String!, $number: Int!, $first: Int!, $after: String, $comments: Int!) {
  rateLimit { cost remaining resetAt }
  repository(owner: $owner, name: $repo) {
    pullRequest(number: $number) {
      reviewThreads(first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges {
          cursor
          node {
            id path line startLine originalLine diffSide isResolved isOutdated
            resolvedBy { login }
            comments(first: $comments) {
              totalCount
              nodes { id author { login } authorAssociation body createdAt }
            }
          }
        }
      }
    }
  }
}";

const REPLY: &str = "mutation($thread: ID!, $body: String!) {
  addPullRequestReviewThreadReply(input: {pullRequestReviewThreadId: $thread, body: $body}) {
    comment { id author { login } createdAt url }
  }
}";

const RESOLVE: &str = "mutation($thread: ID!) {
  resolveReviewThread(input: {threadId: $thread}) {
    thread { id isResolved resolvedBy { login } }
  }
}";

const UNRESOLVE: &str = "mutation($thread: ID!) {
  unresolveReviewThread(input: {threadId: $thread}) {
    thread { id isResolved resolvedBy { login } }
  }
}";

/// Input of `list_review_threads`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListThreadsParams {
    /// The pull request (`owner`, `repo`, `pull_number`).
    #[serde(flatten)]
    pub pull: PullRef,
    /// unresolved, resolved or all (default).
    pub state: Option<String>,
    /// Most comments per thread (default 10, max 100).
    pub comments_per_thread: Option<u32>,
    /// Most bytes of each comment (default 1500).
    pub text_bytes: Option<usize>,
    /// How many items to return, and the cursor to continue from.
    #[serde(flatten)]
    pub page: ListArgs,
}

/// Input of `reply_to_review_thread`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ReplyParams {
    /// Thread id from list_review_threads (PRRT_...).
    pub thread_id: String,
    /// Markdown.
    pub body: String,
}

/// Input of `resolve_review_thread` and `unresolve_review_thread`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ThreadParams {
    /// Thread id from list_review_threads (PRRT_...).
    pub thread_id: String,
}

/// One thread, compact, its comments wrapped.
fn thread_item(v: &Value, max_text: usize, per_thread: u32) -> String {
    let (shown, total) = graphql::nested_notes(v.get("comments"), max_text);
    let outdated = v.get("isOutdated").and_then(Value::as_bool) == Some(true);
    let mut out = Obj::new()
        .put("id", s(v, "id"))
        .put("path", s(v, "path"))
        .put("line", n(v, "line"))
        .put("start_line", n(v, "startLine"))
        .put(
            "original_line",
            outdated.then(|| n(v, "originalLine")).flatten(),
        )
        .put("side", s(v, "diffSide"))
        .always(
            "resolved",
            v.get("isResolved").and_then(Value::as_bool) == Some(true),
        )
        .always("outdated", outdated)
        .put(
            "resolved_by",
            v.pointer("/resolvedBy/login").and_then(Value::as_str),
        )
        .put("comment_count", total)
        .list("comments", &shown);
    if let Some(note) = graphql::more_note(
        shown.len(),
        total,
        "comments",
        per_thread,
        "comments_per_thread",
    ) {
        out = out.put("note", note);
    }
    out.finish()
}

/// A thread id as GitHub gives it: letters, digits, `_`, `-` and `=`.
fn thread_id(id: &str) -> Result<String, ToolError> {
    let id = id.trim();
    if id.is_empty()
        || id.len() > 200
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '=' | ':'))
    {
        return Err(ToolError::new(
            "thread_id must be a review thread's node id as list_review_threads returns it, e.g. \"PRRT_kwDOAbc123\"",
        ));
    }
    Ok(id.to_string())
}

/// A thread after a resolve or unresolve.
fn thread_state(data: &Value, field: &str) -> Result<String, ToolError> {
    let thread = data
        .pointer(&format!("/{field}/thread"))
        .filter(|t| !t.is_null())
        .ok_or_else(|| ToolError::new(format!("GitHub's answer to {field} named no thread")))?;
    Ok(Obj::new()
        .put("id", s(thread, "id"))
        .always(
            "resolved",
            thread.get("isResolved").and_then(Value::as_bool) == Some(true),
        )
        .put(
            "resolved_by",
            thread.pointer("/resolvedBy/login").and_then(Value::as_str),
        )
        .finish())
}

impl GithubServer {
    /// The `pull_requests` toolset's reading tools: REST's and the review threads'.
    pub(crate) fn pull_requests_read_all() -> ToolRouter<Self> {
        let mut router = Self::pull_requests_read();
        router.merge(Self::review_threads_read());
        router
    }

    /// The `pull_requests` toolset's writing tools: REST's and the review threads'.
    pub(crate) fn pull_requests_write_all() -> ToolRouter<Self> {
        let mut router = Self::pull_requests_write();
        router.merge(Self::review_threads_write());
        router
    }
}

#[tool_router(router = review_threads_read, vis = "pub(crate)")]
impl GithubServer {
    #[tool(
        description = "A pull request's review threads (inline code discussions): thread id (for reply/resolve), file path, line, resolved and outdated state, and the comments. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"pull_number\": 42, \"state\": \"unresolved\"}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_review_threads(
        &self,
        Parameters(p): Parameters<ListThreadsParams>,
    ) -> Result<String, ToolError> {
        let (owner, repo) = graphql::owner_name(&p.pull.repo)?;
        let keep: fn(bool) -> bool = match p.state.as_deref().map(str::trim) {
            None | Some("") | Some("all") => |_| true,
            Some("unresolved") => |resolved| !resolved,
            Some("resolved") => |resolved| resolved,
            Some(other) => {
                return Err(ToolError::new(format!(
                    "state `{other}` is not one of unresolved, resolved, all"
                )));
            }
        };
        let per_thread = p
            .comments_per_thread
            .unwrap_or(COMMENTS_PER_THREAD)
            .clamp(1, graphql::MAX_FIRST as u32);
        let max_text = crate::toolsets::issues::text_bytes(
            Some(p.text_bytes.unwrap_or(COMMENT_BYTES)),
            self.api.max_output,
        );
        let object = format!("{owner}/{repo}#{}", p.pull.pull_number);
        let missing = format!(
            "pull request {object} not found: check the number (list_pull_requests), or the token cannot see the repository"
        );
        let query = ListQuery {
            tool: "list_review_threads",
            object: &object,
            document: LIST_THREADS,
            variables: json!({"owner": owner, "repo": repo, "number": p.pull.pull_number, "comments": per_thread}),
            at: "/repository/pullRequest/reviewThreads",
            missing: &missing,
        };
        let (mut listing, _) = graphql::list(
            &self.api,
            &query,
            p.page.cursor.as_deref(),
            paging::limit(p.page.limit),
            self.api.max_output,
            |v| {
                keep(v.get("isResolved").and_then(Value::as_bool) == Some(true))
                    .then(|| thread_item(v, max_text, per_thread))
            },
        )
        .await?;
        let withheld =
            graphql::withhold_wrapped(&self.api, p.pull.repo.path()?.as_str(), &mut listing.items)
                .await;
        // The REST note speaks of pull requests left out: say which threads were.
        let left_out = (listing.skipped > 0).then(|| {
            format!(
                "{} thread(s) not {} left out",
                listing.skipped,
                p.state.as_deref().unwrap_or_default().trim()
            )
        });
        Ok(render(
            "list_review_threads",
            paging::Listing {
                skipped: 0,
                ..listing
            },
            Obj::new()
                .put("pull_request", &object)
                .put("left_out", left_out)
                .put(
                    "withheld",
                    (withheld > 0)
                        .then(|| crate::content::lockdown::withheld_notice(withheld, "comment")),
                ),
        ))
    }
}

#[tool_router(router = review_threads_write, vis = "pub(crate)")]
impl GithubServer {
    #[tool(
        description = "Reply to a pull request review thread (Markdown). Example: {\"thread_id\": \"PRRT_kwDOAbc123\", \"body\": \"Fixed in 3f2a1c.\"}. Get thread ids from list_review_threads. Not retried: if it fails or times out, check list_review_threads before trying again.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn reply_to_review_thread(
        &self,
        Parameters(p): Parameters<ReplyParams>,
    ) -> Result<String, ToolError> {
        let thread = thread_id(&p.thread_id)?;
        if p.body.trim().is_empty() {
            return Err(ToolError::new("body must not be empty"));
        }
        let data = graphql::run(
            &self.api,
            Op::Mutation,
            REPLY,
            json!({"thread": thread, "body": p.body}),
        )
        .await?;
        let comment = data
            .pointer("/addPullRequestReviewThreadReply/comment")
            .filter(|c| !c.is_null())
            .ok_or_else(|| ToolError::new("GitHub's answer named no comment"))?;
        Ok(Obj::new()
            .put("id", s(comment, "id"))
            .put("thread_id", thread)
            .put("created_at", s(comment, "createdAt"))
            .put("url", s(comment, "url"))
            .finish())
    }

    #[tool(
        description = "Mark a pull request review thread resolved. Example: {\"thread_id\": \"PRRT_kwDOAbc123\"}. Get thread ids from list_review_threads.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn resolve_review_thread(
        &self,
        Parameters(p): Parameters<ThreadParams>,
    ) -> Result<String, ToolError> {
        let thread = thread_id(&p.thread_id)?;
        let data =
            graphql::run(&self.api, Op::Mutation, RESOLVE, json!({"thread": thread})).await?;
        thread_state(&data, "resolveReviewThread")
    }

    #[tool(
        description = "Reopen (unresolve) a resolved pull request review thread. Example: {\"thread_id\": \"PRRT_kwDOAbc123\"}",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn unresolve_review_thread(
        &self,
        Parameters(p): Parameters<ThreadParams>,
    ) -> Result<String, ToolError> {
        let thread = thread_id(&p.thread_id)?;
        let data = graphql::run(
            &self.api,
            Op::Mutation,
            UNRESOLVE,
            json!({"thread": thread}),
        )
        .await?;
        thread_state(&data, "unresolveReviewThread")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_are_compact_wrapped_and_say_when_comments_were_cut() {
        let v = json!({"id": "PRRT_1", "path": "src/a.rs", "line": null, "originalLine": 7,
            "diffSide": "RIGHT", "isResolved": false, "isOutdated": true,
            "comments": {"totalCount": 3, "nodes": [
                {"id": "PRRC_1", "author": {"login": "eve"}, "authorAssociation": "NONE",
                 "body": "hi\u{202E}there", "createdAt": "2025-01-01T00:00:00Z"}]}});
        let item: Value = serde_json::from_str(&thread_item(&v, 100, 1)).unwrap();
        assert_eq!(item["original_line"], 7);
        assert_eq!(item["outdated"], true);
        assert_eq!(item["resolved"], false);
        let body = item["comments"][0]["body"].as_str().unwrap();
        assert!(body.contains("@eve, NONE"), "{body}");
        assert!(!body.contains('\u{202E}'), "{body}");
        assert!(item["note"].as_str().unwrap().contains("first 1 of 3"));
    }

    #[test]
    fn thread_ids_are_checked() {
        assert_eq!(thread_id(" PRRT_kwDO-a= ").unwrap(), "PRRT_kwDO-a=");
        assert!(thread_id("").is_err());
        assert!(thread_id("a b").is_err());
        assert!(thread_id("x\"}").is_err());
    }
}

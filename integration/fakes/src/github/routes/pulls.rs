//! Pull requests: list (`state`, `head`, `base`, `sort`, `direction`), read (JSON,
//! or the raw diff with `Accept: application/vnd.github.diff`), changed files,
//! reviews and review comments, and the writes: open a pull request, submit a
//! review, merge (405 when not mergeable, 409 when `sha` is not the head).

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value, json};

use crate::github::GithubState;
use crate::github::diff::{self, PATCH_LIMIT};
use crate::github::model::{Commit, Issue, Person, Pull, Repo, Review, ReviewComment, sha_of};
use crate::github::paging;
use crate::github::query::Req;
use crate::github::reply::{self, JsonObject, field_error};
use crate::github::routes::in_repo;
use crate::github::routes::issues::sort_issues;
use crate::github::shapes::{View, extend, iso_opt, node_id};
use crate::github::time::{self, iso};

const CREATE_DOCS: &str = "https://docs.github.com/rest/pulls/pulls#create-a-pull-request";
const REVIEW_DOCS: &str =
    "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request";
const MERGE_DOCS: &str = "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request";

pub async fn list(
    State(state): State<GithubState>,
    Path((owner, name)): Path<(String, String)>,
    req: Req,
) -> Response {
    in_repo(&state, &owner, &name, |view, repo| {
        let head = req.get("head").map(|h| h.rsplit(':').next().unwrap_or(h));
        let mut pulls: Vec<&Issue> = repo
            .issues
            .values()
            .filter(|i| {
                let Some(p) = &i.pull else { return false };
                let state_ok = match req.get("state").unwrap_or("open") {
                    "closed" => !i.open,
                    "all" => true,
                    _ => i.open,
                };
                state_ok
                    && head.is_none_or(|h| p.head == h)
                    && req.get("base").is_none_or(|b| p.base == b)
            })
            .collect();
        sort_issues(&mut pulls, &req);
        let items: Vec<Value> = pulls.iter().map(|i| view.pull(repo, i, false)).collect();
        Some(paging::list(&req, view.base, &items))
    })
}

/// The pull request numbered `n` in a visible repository.
fn find<'a>(repo: &'a Repo, n: &str) -> Option<&'a Issue> {
    repo.issue_at(n).filter(|i| i.pull.is_some())
}

/// Answers about the pull request numbered `n` in `owner/name` (GitHub's 404
/// when either does not exist): `answer` gets the view, the repository, the
/// pull request's issue side and its pull side.
fn in_pull(
    state: &GithubState,
    owner: &str,
    name: &str,
    n: &str,
    answer: impl FnOnce(&View, &Repo, &Issue, &Pull) -> Response,
) -> Response {
    in_repo(state, owner, name, |view, repo| {
        let issue = find(repo, n)?;
        Some(answer(view, repo, issue, issue.pull.as_ref()?))
    })
}

pub async fn get(
    State(state): State<GithubState>,
    Path((owner, name, n)): Path<(String, String, String)>,
    req: Req,
) -> Response {
    in_pull(&state, &owner, &name, &n, |view, repo, issue, pull| {
        let media = if req.accepts("diff") {
            Some(("diff", diff::unified(&pull.files)))
        } else if req.accepts("patch") {
            Some(("patch", format_patch(repo, issue, pull)))
        } else {
            None
        };
        match media {
            Some((kind, text)) => {
                let mut response = reply::text("text/plain; charset=utf-8", text);
                if let Ok(v) = HeaderValue::from_str(&format!("github.v3; param={kind}")) {
                    response.headers_mut().insert("x-github-media-type", v);
                }
                response
            }
            None => reply::json(&view.pull(repo, issue, true)),
        }
    })
}

/// `git format-patch` output of the pull request as one commit.
fn format_patch(repo: &Repo, issue: &Issue, pull: &Pull) -> String {
    let author = repo
        .commits
        .get(&pull.head_sha)
        .map(|c| format!("{} <{}>", c.author.name, c.author.email))
        .unwrap_or_else(|| format!("{} <{}@users.noreply.github.com>", issue.user, issue.user));
    let stat: usize = pull.files.iter().map(|f| f.additions + f.deletions).sum();
    format!(
        "From {} Mon Sep 17 00:00:00 2001\nFrom: {author}\nDate: {}\nSubject: [PATCH] {}\n\n---\n {} file(s) changed, {stat} line(s)\n\n{}--\n2.47.1\n",
        pull.head_sha,
        time::http_date(issue.created_at),
        issue.title,
        pull.files.len(),
        diff::unified(&pull.files)
    )
}

pub async fn files(
    State(state): State<GithubState>,
    Path((owner, name, n)): Path<(String, String, String)>,
    req: Req,
) -> Response {
    in_pull(&state, &owner, &name, &n, |view, repo, _, pull| {
        let items: Vec<Value> = pull
            .files
            .iter()
            .map(|f| view.changed_file(repo, &pull.head_sha, f, f.patch.len() <= PATCH_LIMIT))
            .collect();
        paging::list(&req, view.base, &items)
    })
}

pub async fn reviews(
    State(state): State<GithubState>,
    Path((owner, name, n)): Path<(String, String, String)>,
    req: Req,
) -> Response {
    in_pull(&state, &owner, &name, &n, |view, repo, issue, pull| {
        let items: Vec<Value> = pull
            .reviews
            .iter()
            .map(|r| view.review(repo, issue.number, r))
            .collect();
        paging::list(&req, view.base, &items)
    })
}

pub async fn review_comments(
    State(state): State<GithubState>,
    Path((owner, name, n)): Path<(String, String, String)>,
    req: Req,
) -> Response {
    in_pull(&state, &owner, &name, &n, |view, repo, issue, pull| {
        let items: Vec<Value> = pull
            .review_comments
            .iter()
            .map(|c| view.review_comment(repo, issue.number, c))
            .collect();
        paging::list(&req, view.base, &items)
    })
}

/// GitHub's 422 with plain-text `errors` (reviews, merges).
fn unprocessable(docs: &str, message: &str) -> Response {
    let body = json!({"message": "Unprocessable Entity", "errors": [message],
                      "documentation_url": docs, "status": "422"});
    reply::with_status(StatusCode::UNPROCESSABLE_ENTITY, &body)
}

pub async fn create_review(
    State(state): State<GithubState>,
    Path((owner, name, n)): Path<(String, String, String)>,
    JsonObject(body): JsonObject,
) -> Response {
    let base = state.base_url();
    let mut data = state.data();
    let viewer = data.viewer.clone();
    let ids: Vec<u64> = (0..101).map(|_| data.fresh_id()).collect();
    let Some(repo) = data.repo_mut(&owner, &name) else {
        return reply::not_found();
    };
    let Some(n) = find(repo, &n).map(|i| i.number) else {
        return reply::not_found();
    };
    let issue = repo.issues.get_mut(&n).expect("found");
    let review = match new_review(&body, issue, &viewer, ids) {
        Ok(r) => r,
        Err(response) => return *response,
    };
    let (review, comments) = review;
    let pull = issue.pull.as_mut().expect("a pull request");
    pull.requested_reviewers.retain(|r| *r != viewer);
    pull.reviews.push(review);
    pull.review_comments.extend(comments);
    issue.updated_at = time::now();
    let repo = data.repo(&owner, &name).expect("just written");
    let review = repo.issues[&n]
        .pull
        .as_ref()
        .and_then(|p| p.reviews.last())
        .expect("added");
    reply::json(&View::new(&data, &base).review(repo, n, review))
}

/// Checks a review body and builds the review and its line comments.
fn new_review(
    body: &Map<String, Value>,
    issue: &Issue,
    viewer: &str,
    mut ids: Vec<u64>,
) -> Result<(Review, Vec<ReviewComment>), Box<Response>> {
    let pull = issue.pull.as_ref().expect("a pull request");
    let text = body
        .get("body")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let state = match body.get("event").and_then(Value::as_str) {
        None => "PENDING",
        Some("APPROVE") => "APPROVED",
        Some("REQUEST_CHANGES") => "CHANGES_REQUESTED",
        Some("COMMENT") => "COMMENTED",
        Some(_) => {
            return Err(Box::new(unprocessable(
                REVIEW_DOCS,
                "Unprocessable Entity: event must be one of APPROVE, REQUEST_CHANGES, COMMENT",
            )));
        }
    };
    if issue.user == viewer && matches!(state, "APPROVED" | "CHANGES_REQUESTED") {
        let verb = if state == "APPROVED" {
            "approve"
        } else {
            "request changes on"
        };
        return Err(Box::new(unprocessable(
            REVIEW_DOCS,
            &format!("Review Can not {verb} your own pull request"),
        )));
    }
    let commit_id = body
        .get("commit_id")
        .and_then(Value::as_str)
        .unwrap_or(&pull.head_sha)
        .to_string();
    let review_id = ids.pop().unwrap_or_default();
    let now = time::now();
    let mut comments = Vec::new();
    let wanted = body
        .get("comments")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for c in wanted {
        let path = c["path"].as_str().unwrap_or_default();
        let Some(file) = pull.files.iter().find(|f| f.filename == path) else {
            return Err(Box::new(unprocessable(
                REVIEW_DOCS,
                "Path could not be resolved",
            )));
        };
        let line = c["line"]
            .as_u64()
            .or_else(|| c["position"].as_u64())
            .unwrap_or(0);
        let Some(hunk) = hunk_up_to(&file.patch, line) else {
            return Err(Box::new(unprocessable(
                REVIEW_DOCS,
                "Pull request review thread line must be part of the diff",
            )));
        };
        comments.push(ReviewComment {
            id: ids.pop().unwrap_or_default(),
            review_id,
            user: viewer.to_string(),
            body: c["body"].as_str().unwrap_or_default().to_string(),
            path: path.to_string(),
            line,
            start_line: c["start_line"].as_u64(),
            side: c["side"].as_str().unwrap_or("RIGHT").to_string(),
            diff_hunk: hunk,
            commit_id: commit_id.clone(),
            in_reply_to: None,
            created_at: now,
        });
    }
    if matches!(state, "CHANGES_REQUESTED" | "COMMENTED")
        && text.trim().is_empty()
        && comments.is_empty()
    {
        return Err(Box::new(unprocessable(
            REVIEW_DOCS,
            "Review body is required for REQUEST_CHANGES and COMMENT events",
        )));
    }
    let review = Review {
        id: review_id,
        user: viewer.to_string(),
        body: text,
        state: state.to_string(),
        commit_id,
        submitted_at: now,
    };
    Ok((review, comments))
}

/// The patch from its hunk header down to new-side line `line`, as GitHub's
/// `diff_hunk` of a review comment; `None` when the line is not in the diff.
pub fn hunk_up_to(patch: &str, line: u64) -> Option<String> {
    let mut start = None;
    let mut new_line = 0u64;
    let lines: Vec<&str> = patch.lines().collect();
    for (i, text) in lines.iter().enumerate() {
        if let Some(header) = text.strip_prefix("@@ ") {
            let plus = header.split_whitespace().find(|w| w.starts_with('+'))?;
            new_line = plus[1..].split(',').next()?.parse().ok()?;
            start = Some(i);
            continue;
        }
        let Some(from) = start else { continue };
        if text.starts_with('-') {
            continue;
        }
        if new_line == line {
            return Some(lines[from..=i].join("\n"));
        }
        new_line += 1;
    }
    None
}

pub async fn merge(
    State(state): State<GithubState>,
    Path((owner, name, n)): Path<(String, String, String)>,
    JsonObject(body): JsonObject,
) -> Response {
    let mut data = state.data();
    let viewer = data.viewer.clone();
    let Some(person) = data.user(&viewer).map(|u| Person {
        login: Some(u.login.clone()),
        name: u.name.clone(),
        email: u.email.clone().unwrap_or_default(),
    }) else {
        return reply::not_found();
    };
    let Some(repo) = data.repo_mut(&owner, &name) else {
        return reply::not_found();
    };
    let Some(n) = find(repo, &n).map(|i| i.number) else {
        return reply::not_found();
    };
    let issue = &repo.issues[&n];
    let pull = issue.pull.as_ref().expect("a pull request");
    if !issue.open || pull.merged || pull.draft || !pull.mergeable {
        return reply::error(
            StatusCode::METHOD_NOT_ALLOWED,
            "Pull Request is not mergeable",
            MERGE_DOCS,
        );
    }
    if let Some(sha) = body.get("sha").and_then(Value::as_str)
        && sha != pull.head_sha
    {
        return reply::error(
            StatusCode::CONFLICT,
            "Head branch was modified. Review and try the merge again.",
            MERGE_DOCS,
        );
    }
    let method = body
        .get("merge_method")
        .and_then(Value::as_str)
        .unwrap_or("merge");
    if !matches!(method, "merge" | "squash" | "rebase") {
        return reply::validation(
            MERGE_DOCS,
            vec![field_error("PullRequest", "merge_method", "invalid")],
        );
    }
    let title = body
        .get("commit_title")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| match method {
            "merge" => format!("Merge pull request #{n} from {owner}/{}", pull.head),
            _ => format!("{} (#{n})", issue.title),
        });
    let message = match body.get("commit_message").and_then(Value::as_str) {
        Some(extra) if !extra.is_empty() => format!("{title}\n\n{extra}"),
        _ => title,
    };
    let now = time::now();
    let (head, base_name, files) = (pull.head.clone(), pull.base.clone(), pull.files.clone());
    let head_sha = pull.head_sha.clone();
    let sha = sha_of(&format!("merge {} #{n} {now}", repo.full_name()));
    let head_files = repo.branch(&head).map(|b| b.files.clone());
    let Some(base_branch) = repo.branches.iter_mut().find(|b| b.name == base_name) else {
        return reply::not_found();
    };
    let base_head = base_branch.history.first().cloned().unwrap_or_default();
    if let Some(files) = head_files {
        base_branch.files = files;
    }
    base_branch.history.insert(0, sha.clone());
    let parents = if method == "merge" {
        vec![base_head, head_sha]
    } else {
        vec![base_head]
    };
    repo.commits.insert(
        sha.clone(),
        Commit {
            sha: sha.clone(),
            message,
            author: person,
            date: now,
            parents,
            files,
        },
    );
    repo.pushed_at = now;
    let issue = repo.issues.get_mut(&n).expect("found");
    issue.open = false;
    issue.closed_at = Some(now);
    issue.updated_at = now;
    let pull = issue.pull.as_mut().expect("a pull request");
    pull.merged = true;
    pull.merged_at = Some(now);
    pull.merged_by = Some(viewer);
    pull.merge_commit_sha = Some(sha.clone());
    reply::json(&json!({"sha": sha, "merged": true, "message": "Pull Request successfully merged"}))
}

pub async fn create(
    State(state): State<GithubState>,
    Path((owner, name)): Path<(String, String)>,
    JsonObject(body): JsonObject,
) -> Response {
    let base = state.base_url();
    let mut data = state.data();
    let viewer = data.viewer.clone();
    let (issue_id, pull_id) = (data.fresh_id(), data.fresh_id());
    let Some(repo) = data.repo_mut(&owner, &name) else {
        return reply::not_found();
    };
    let text = |key: &str| {
        body.get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let mut errors = Vec::new();
    for key in ["title", "head", "base"] {
        if text(key).is_none() {
            errors.push(field_error("PullRequest", key, "missing_field"));
        }
    }
    if !errors.is_empty() {
        return reply::validation(CREATE_DOCS, errors);
    }
    let (title, head_spec, base_name) = (
        text("title").unwrap_or_default(),
        text("head").unwrap_or_default(),
        text("base").unwrap_or_default(),
    );
    let head_name = match head_spec.split_once(':') {
        Some((user, branch)) if user.eq_ignore_ascii_case(&repo.owner) => branch,
        Some(_) => {
            return reply::validation(
                CREATE_DOCS,
                vec![field_error("PullRequest", "head", "invalid")],
            );
        }
        None => head_spec,
    };
    let (Some(head), Some(base_branch)) = (repo.branch(head_name), repo.branch(base_name)) else {
        let field = if repo.branch(head_name).is_none() {
            "head"
        } else {
            "base"
        };
        return reply::validation(
            CREATE_DOCS,
            vec![field_error("PullRequest", field, "invalid")],
        );
    };
    let custom = |message: String| {
        reply::validation(
            CREATE_DOCS,
            vec![json!({"resource": "PullRequest", "code": "custom", "message": message})],
        )
    };
    let exists = repo.issues.values().any(|i| {
        i.open
            && i.pull
                .as_ref()
                .is_some_and(|p| p.head == head.name && p.base == base_branch.name)
    });
    if exists {
        return custom(format!(
            "A pull request already exists for {}:{}.",
            repo.owner, head.name
        ));
    }
    let files = diff::compare(&base_branch.files, &head.files);
    if files.is_empty() {
        return custom(format!(
            "No commits between {} and {}",
            base_branch.name, head.name
        ));
    }
    let pull = Pull {
        draft: body.get("draft").and_then(Value::as_bool).unwrap_or(false),
        maintainer_can_modify: body
            .get("maintainer_can_modify")
            .and_then(Value::as_bool)
            .unwrap_or(true),
        ..Pull::between(pull_id, head, base_branch, files)
    };
    let now = time::now();
    let number = repo.next_number();
    let body = text("body").unwrap_or_default();
    let issue = Issue {
        pull: Some(pull),
        ..Issue::opened(issue_id, number, title, body, viewer, now)
    };
    repo.issues.insert(number, issue);
    let repo = data.repo(&owner, &name).expect("just written");
    reply::created(&View::new(&data, &base).pull(repo, &repo.issues[&number], true))
}

impl View<'_> {
    /// A pull request; `full` adds what only the single-PR endpoint returns.
    pub fn pull(&self, repo: &Repo, issue: &Issue, full: bool) -> Value {
        let pull = issue.pull.as_ref().expect("a pull request");
        let repo_url = self.repo_url(repo);
        let url = format!("{repo_url}/pulls/{}", issue.number);
        let html = format!("{}/pull/{}", self.repo_html(repo), issue.number);
        let issue_url = format!("{repo_url}/issues/{}", issue.number);
        let end = |branch: &str, sha: &str| {
            json!({"label": format!("{}:{branch}", repo.owner), "ref": branch, "sha": sha,
                   "user": self.user(&repo.owner), "repo": self.repo(repo)})
        };
        let issue_json = self.issue(repo, issue);
        let links = json!({
                "self": {"href": url}, "html": {"href": html}, "issue": {"href": issue_url},
                "comments": {"href": format!("{issue_url}/comments")},
                "review_comments": {"href": format!("{url}/comments")},
                "commits": {"href": format!("{url}/commits")},
                "statuses": {"href": format!("{repo_url}/statuses/{}", pull.head_sha)},
        });
        let mut value = json!({
            "url": url,
            "id": pull.id,
            "node_id": node_id("PR", pull.id),
            "html_url": html,
            "diff_url": format!("{html}.diff"),
            "patch_url": format!("{html}.patch"),
            "issue_url": issue_url,
            "commits_url": format!("{url}/commits"),
            "review_comments_url": format!("{url}/comments"),
            "review_comment_url": format!("{repo_url}/pulls/comments{{/number}}"),
            "comments_url": format!("{issue_url}/comments"),
            "statuses_url": format!("{repo_url}/statuses/{}", pull.head_sha),
            "number": issue.number,
            "state": issue.state(),
            "locked": issue.locked,
            "title": issue.title,
            "user": issue_json["user"],
            "body": issue.body,
            "labels": issue_json["labels"],
            "milestone": issue_json["milestone"],
            "active_lock_reason": null,
            "created_at": iso(issue.created_at),
            "updated_at": iso(issue.updated_at),
            "closed_at": iso_opt(issue.closed_at),
            "merged_at": iso_opt(pull.merged_at),
            "merge_commit_sha": pull.merge_commit_sha,
            "assignee": issue_json["assignee"],
            "assignees": issue_json["assignees"],
            "requested_reviewers": pull.requested_reviewers.iter().map(|r| self.user(r)).collect::<Vec<_>>(),
            "requested_teams": [],
            "head": end(&pull.head, &pull.head_sha),
            "base": end(&pull.base, &pull.base_sha),
            "_links": links,
            "author_association": self.association(repo, &issue.user),
            "auto_merge": null,
            "draft": pull.draft,
        });
        if full {
            let open = issue.open && !pull.merged;
            let failing = repo
                .statuses
                .iter()
                .any(|s| s.sha == pull.head_sha && s.state == "failure")
                || repo.runs.iter().any(|r| {
                    r.head_sha == pull.head_sha && r.conclusion.as_deref() == Some("failure")
                });
            let mergeable_state = if !open {
                "unknown"
            } else if !pull.mergeable {
                "dirty"
            } else if pull.draft {
                "draft"
            } else if failing {
                "unstable"
            } else {
                "clean"
            };
            let extra = json!({
                "merged": pull.merged,
                "mergeable": if open { json!(pull.mergeable) } else { Value::Null },
                "rebaseable": open && pull.mergeable,
                "mergeable_state": mergeable_state,
                "merged_by": self.user_opt(pull.merged_by.as_deref()),
                "comments": issue.comments.len(),
                "review_comments": pull.review_comments.len(),
                "maintainer_can_modify": pull.maintainer_can_modify,
                "commits": pull.commits,
                "additions": pull.files.iter().map(|f| f.additions).sum::<usize>(),
                "deletions": pull.files.iter().map(|f| f.deletions).sum::<usize>(),
                "changed_files": pull.files.len(),
            });
            extend(&mut value, extra);
        }
        value
    }

    pub fn review(&self, repo: &Repo, number: u64, r: &Review) -> Value {
        let pr_url = format!("{}/pulls/{number}", self.repo_url(repo));
        let html = format!(
            "{}/pull/{number}#pullrequestreview-{}",
            self.repo_html(repo),
            r.id
        );
        let mut value = json!({
            "id": r.id,
            "node_id": node_id("PRR", r.id),
            "user": self.user(&r.user),
            "body": r.body,
            "state": r.state,
            "html_url": html,
            "pull_request_url": pr_url,
            "author_association": self.association(repo, &r.user),
            "_links": {"html": {"href": html}, "pull_request": {"href": pr_url}},
            "commit_id": r.commit_id,
        });
        if r.state != "PENDING" {
            value["submitted_at"] = json!(iso(r.submitted_at));
        }
        value
    }

    pub fn review_comment(&self, repo: &Repo, number: u64, c: &ReviewComment) -> Value {
        let url = format!("{}/pulls/comments/{}", self.repo_url(repo), c.id);
        let pr_url = format!("{}/pulls/{number}", self.repo_url(repo));
        let html = format!(
            "{}/pull/{number}#discussion_r{}",
            self.repo_html(repo),
            c.id
        );
        let position = c.diff_hunk.lines().count().saturating_sub(1);
        let mut value = json!({
            "url": url,
            "pull_request_review_id": c.review_id,
            "id": c.id,
            "node_id": node_id("PRRC", c.id),
            "diff_hunk": c.diff_hunk,
            "path": c.path,
            "position": position,
            "original_position": position,
            "commit_id": c.commit_id,
            "original_commit_id": c.commit_id,
            "user": self.user(&c.user),
            "body": c.body,
            "created_at": iso(c.created_at),
            "updated_at": iso(c.created_at),
            "html_url": html,
            "pull_request_url": pr_url,
            "author_association": self.association(repo, &c.user),
            "_links": {"self": {"href": url}, "html": {"href": html}, "pull_request": {"href": pr_url}},
            "start_line": c.start_line,
            "original_start_line": c.start_line,
            "start_side": c.start_line.map(|_| c.side.clone()),
            "line": c.line,
            "original_line": c.line,
            "side": c.side,
            "subject_type": "line",
        });
        if let Some(parent) = c.in_reply_to {
            value["in_reply_to_id"] = json!(parent);
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_end_at_the_commented_line() {
        let patch = "@@ -1,3 +1,4 @@\n fn a() {}\n-fn b() {}\n+fn b(x: u8) {}\n+fn c() {}\n fn d() {}\n@@ -10,2 +11,2 @@\n x\n-y\n+z";
        assert_eq!(
            hunk_up_to(patch, 3).unwrap(),
            "@@ -1,3 +1,4 @@\n fn a() {}\n-fn b() {}\n+fn b(x: u8) {}\n+fn c() {}"
        );
        assert_eq!(
            hunk_up_to(patch, 12).unwrap(),
            "@@ -10,2 +11,2 @@\n x\n-y\n+z"
        );
        assert_eq!(hunk_up_to(patch, 8), None);
    }
}

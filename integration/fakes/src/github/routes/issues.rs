//! Issues: list (pull requests included, as GitHub does; filters `state`,
//! `labels`, `assignee`, `creator`, `mentioned`, `milestone`, `since`; `sort`
//! and `direction`), read, create (422 without a title), update, and comments
//! (list, add). Writes change the state: a created issue is listed and counted,
//! a comment raises `comments`.

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Map, Value, json};

use crate::github::GithubState;
use crate::github::model::{Comment, Data, Issue, Label, Repo};
use crate::github::paging;
use crate::github::query::Req;
use crate::github::reply::{self, JsonObject, field_error};
use crate::github::routes::in_repo;
use crate::github::shapes::{View, node_id};
use crate::github::time::{self, iso, parse_iso};

const CREATE_DOCS: &str = "https://docs.github.com/rest/issues/issues#create-an-issue";
const UPDATE_DOCS: &str = "https://docs.github.com/rest/issues/issues#update-an-issue";
const COMMENT_DOCS: &str = "https://docs.github.com/rest/issues/comments#create-an-issue-comment";

pub async fn list(
    State(state): State<GithubState>,
    Path((owner, name)): Path<(String, String)>,
    req: Req,
) -> Response {
    in_repo(&state, &owner, &name, |view, repo| {
        let mut issues: Vec<&Issue> = repo.issues.values().filter(|i| matches(i, &req)).collect();
        sort_issues(&mut issues, &req);
        let items: Vec<Value> = issues.iter().map(|i| view.issue(repo, i)).collect();
        Some(paging::list(&req, view.base, &items))
    })
}

/// The list filters of `GET /repos/{o}/{r}/issues`.
fn matches(issue: &Issue, req: &Req) -> bool {
    let state_ok = match req.get("state").unwrap_or("open") {
        "closed" => !issue.open,
        "all" => true,
        _ => issue.open,
    };
    let has_label = |wanted: &str| issue.labels.iter().any(|l| l.eq_ignore_ascii_case(wanted));
    let labels_ok = req.get("labels").is_none_or(|labels| {
        labels
            .split(',')
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .all(has_label)
    });
    let assignee_ok = match req.get("assignee") {
        None => true,
        Some("none") => issue.assignees.is_empty(),
        Some("*") => !issue.assignees.is_empty(),
        Some(login) => issue
            .assignees
            .iter()
            .any(|a| a.eq_ignore_ascii_case(login)),
    };
    let creator_ok = req
        .get("creator")
        .is_none_or(|c| issue.user.eq_ignore_ascii_case(c));
    let mentioned_ok = req.get("mentioned").is_none_or(|m| {
        issue
            .body
            .to_ascii_lowercase()
            .contains(&format!("@{}", m.to_ascii_lowercase()))
    });
    let milestone_ok = match req.get("milestone") {
        None => true,
        Some("none") => issue.milestone.is_none(),
        Some("*") => issue.milestone.is_some(),
        Some(n) => n.parse().ok() == issue.milestone,
    };
    let since_ok = req
        .get("since")
        .and_then(parse_iso)
        .is_none_or(|t| issue.updated_at >= t);
    state_ok && labels_ok && assignee_ok && creator_ok && mentioned_ok && milestone_ok && since_ok
}

/// `sort` (created, updated, comments) and `direction` (desc by default); ties
/// newest number first.
pub fn sort_issues(issues: &mut [&Issue], req: &Req) {
    let key = |i: &Issue| match req.get("sort").unwrap_or("created") {
        "updated" => (i.updated_at, i.number as i64),
        "comments" => (i.comments.len() as i64, i.number as i64),
        _ => (i.created_at, i.number as i64),
    };
    issues.sort_by_key(|i| std::cmp::Reverse(key(i)));
    if req.get("direction") == Some("asc") {
        issues.reverse();
    }
}

pub async fn get(
    State(state): State<GithubState>,
    Path((owner, name, n)): Path<(String, String, String)>,
) -> Response {
    in_repo(&state, &owner, &name, |view, repo| {
        let issue = repo.issue_at(&n)?;
        Some(reply::json(&view.issue(repo, issue)))
    })
}

pub async fn create(
    State(state): State<GithubState>,
    Path((owner, name)): Path<(String, String)>,
    JsonObject(body): JsonObject,
) -> Response {
    let base = state.base_url();
    let mut data = state.data();
    if data.repo(&owner, &name).is_none() {
        return reply::not_found();
    }
    let fields = match IssueFields::parse(&body, &data, &owner, &name, true) {
        Ok(f) => f,
        Err(errors) => return reply::validation(CREATE_DOCS, errors),
    };
    let (id, label_ids) = (data.fresh_id(), fresh_ids(&mut data, 8));
    let viewer = data.viewer.clone();
    let Some(repo) = data.repo_mut(&owner, &name) else {
        return reply::not_found();
    };
    let now = time::now();
    let number = repo.next_number();
    let mut issue = Issue::opened(id, number, "", "", &viewer, now);
    fields.apply(&mut issue, repo, &viewer, label_ids);
    repo.issues.insert(number, issue);
    repo.pushed_at = repo.pushed_at.max(now);
    let repo = data.repo(&owner, &name).expect("just written");
    reply::created(&View::new(&data, &base).issue(repo, &repo.issues[&number]))
}

pub async fn update(
    State(state): State<GithubState>,
    Path((owner, name, n)): Path<(String, String, String)>,
    JsonObject(body): JsonObject,
) -> Response {
    let base = state.base_url();
    let mut data = state.data();
    let Some(n) = data
        .repo(&owner, &name)
        .and_then(|repo| repo.issue_at(&n))
        .map(|issue| issue.number)
    else {
        return reply::not_found();
    };
    let fields = match IssueFields::parse(&body, &data, &owner, &name, false) {
        Ok(f) => f,
        Err(errors) => return reply::validation(UPDATE_DOCS, errors),
    };
    let label_ids = fresh_ids(&mut data, 8);
    let viewer = data.viewer.clone();
    let Some(repo) = data.repo_mut(&owner, &name) else {
        return reply::not_found();
    };
    let mut issue = repo.issues[&n].clone();
    fields.apply(&mut issue, repo, &viewer, label_ids);
    issue.updated_at = time::now();
    repo.issues.insert(n, issue);
    let repo = data.repo(&owner, &name).expect("just written");
    reply::json(&View::new(&data, &base).issue(repo, &repo.issues[&n]))
}

fn fresh_ids(data: &mut Data, n: usize) -> Vec<u64> {
    (0..n).map(|_| data.fresh_id()).collect()
}

/// The writable fields of an issue, checked.
#[derive(Default)]
struct IssueFields {
    title: Option<String>,
    body: Option<Option<String>>,
    open: Option<bool>,
    state_reason: Option<String>,
    labels: Option<Vec<String>>,
    assignees: Option<Vec<String>>,
    milestone: Option<Option<u64>>,
}

impl IssueFields {
    /// Checks a create (`creating`: title required) or update body; the errors are
    /// GitHub's 422 `errors` entries.
    fn parse(
        body: &Map<String, Value>,
        data: &Data,
        owner: &str,
        name: &str,
        creating: bool,
    ) -> Result<Self, Vec<Value>> {
        let mut errors = Vec::new();
        let mut fields = Self::default();
        let mut take =
            |r: Result<Option<String>, Value>| r.map_err(|e| errors.push(e)).ok().flatten();
        fields.title = take(reply::string_field(body, "Issue", "title"));
        let body_text = take(reply::string_field(body, "Issue", "body"));
        let state = take(reply::string_field(body, "Issue", "state"));
        fields.state_reason = take(reply::string_field(body, "Issue", "state_reason"));
        let assignee = take(reply::string_field(body, "Issue", "assignee"));
        if body.contains_key("body") {
            fields.body = Some(body_text);
        }
        match (&fields.title, creating) {
            (Some(t), _) if t.trim().is_empty() => {
                errors.push(field_error("Issue", "title", "missing_field"))
            }
            (None, true) => errors.push(field_error("Issue", "title", "missing_field")),
            _ => {}
        }
        fields.open = match state.as_deref() {
            None => None,
            Some("open") => Some(true),
            Some("closed") => Some(false),
            Some(_) => {
                errors.push(field_error("Issue", "state", "invalid"));
                None
            }
        };
        if let Some(reason) = &fields.state_reason
            && !matches!(
                reason.as_str(),
                "completed" | "not_planned" | "reopened" | "duplicate"
            )
        {
            errors.push(field_error("Issue", "state_reason", "invalid"));
        }
        match reply::names_field(body, "Issue", "labels") {
            Ok(labels) => fields.labels = labels,
            Err(e) => errors.push(e),
        }
        match reply::names_field(body, "Issue", "assignees") {
            Ok(list) => fields.assignees = list.or(assignee.map(|a| vec![a])),
            Err(e) => errors.push(e),
        }
        for login in fields.assignees.iter().flatten() {
            if data.user(login).is_none_or(|u| u.org) {
                errors.push(json!({"value": login, "resource": "Issue", "field": "assignees", "code": "invalid"}));
            }
        }
        if let Some(value) = body.get("milestone") {
            let repo = data.repo(owner, name).expect("checked by the caller");
            let wanted = value
                .as_u64()
                .or_else(|| value.as_str().and_then(|s| s.parse().ok()));
            match (value, wanted) {
                (Value::Null, _) => fields.milestone = Some(None),
                (_, Some(n)) if repo.milestones.iter().any(|m| m.number == n) => {
                    fields.milestone = Some(Some(n))
                }
                _ => errors.push(
                    json!({"value": value, "resource": "Issue", "field": "milestone", "code": "invalid"}),
                ),
            }
        }
        if errors.is_empty() {
            Ok(fields)
        } else {
            Err(errors)
        }
    }

    /// Writes the fields; unknown labels are created (as GitHub does for users with
    /// push access), with ids from `label_ids`.
    fn apply(self, issue: &mut Issue, repo: &mut Repo, viewer: &str, mut label_ids: Vec<u64>) {
        let now = time::now();
        if let Some(title) = self.title {
            issue.title = title;
        }
        if let Some(body) = self.body {
            issue.body = body.unwrap_or_default();
        }
        if let Some(labels) = self.labels {
            let mut names = Vec::new();
            for wanted in labels {
                let name = match repo.label(&wanted) {
                    Some(l) => l.name.clone(),
                    None => {
                        repo.labels.push(Label {
                            id: label_ids.pop().unwrap_or_default(),
                            name: wanted.clone(),
                            color: "ededed".into(),
                            description: String::new(),
                        });
                        wanted
                    }
                };
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            issue.labels = names;
        }
        if let Some(assignees) = self.assignees {
            issue.assignees = assignees;
        }
        if let Some(milestone) = self.milestone {
            issue.milestone = milestone;
        }
        match self.open {
            Some(false) if issue.open => {
                issue.open = false;
                issue.closed_at = Some(now);
                issue.closed_by = Some(viewer.to_string());
                issue.state_reason = Some(self.state_reason.unwrap_or_else(|| "completed".into()));
            }
            Some(true) if !issue.open => {
                issue.open = true;
                issue.closed_at = None;
                issue.closed_by = None;
                issue.state_reason = Some("reopened".into());
            }
            _ => {
                if let Some(reason) = self.state_reason {
                    issue.state_reason = Some(reason);
                }
            }
        }
    }
}

pub async fn comments(
    State(state): State<GithubState>,
    Path((owner, name, n)): Path<(String, String, String)>,
    req: Req,
) -> Response {
    in_repo(&state, &owner, &name, |view, repo| {
        let issue = repo.issue_at(&n)?;
        let since = req.get("since").and_then(parse_iso);
        let items: Vec<Value> = issue
            .comments
            .iter()
            .filter(|c| since.is_none_or(|t| c.updated_at >= t))
            .map(|c| view.issue_comment(repo, issue, c))
            .collect();
        Some(paging::list(&req, view.base, &items))
    })
}

pub async fn add_comment(
    State(state): State<GithubState>,
    Path((owner, name, n)): Path<(String, String, String)>,
    JsonObject(body): JsonObject,
) -> Response {
    let base = state.base_url();
    let mut data = state.data();
    let text = match reply::string_field(&body, "IssueComment", "body") {
        Ok(Some(text)) if !text.trim().is_empty() => text,
        Ok(_) => {
            return reply::validation(
                COMMENT_DOCS,
                vec![field_error("IssueComment", "body", "missing_field")],
            );
        }
        Err(e) => return reply::validation(COMMENT_DOCS, vec![e]),
    };
    let id = data.fresh_id();
    let viewer = data.viewer.clone();
    let Some(repo) = data.repo_mut(&owner, &name) else {
        return reply::not_found();
    };
    let Some(issue) = repo.issue_at_mut(&n) else {
        return reply::not_found();
    };
    let now = time::now();
    issue.comments.push(Comment::new(id, viewer, text, now));
    issue.updated_at = now;
    let n = issue.number;
    let repo = data.repo(&owner, &name).expect("just written");
    let issue = &repo.issues[&n];
    let comment = issue.comments.last().expect("just added");
    reply::created(&View::new(&data, &base).issue_comment(repo, issue, comment))
}

impl View<'_> {
    pub fn issue_comment(&self, repo: &Repo, issue: &Issue, c: &Comment) -> Value {
        let url = format!("{}/issues/comments/{}", self.repo_url(repo), c.id);
        let kind = if issue.pull.is_some() {
            "pull"
        } else {
            "issues"
        };
        json!({
            "url": url,
            "html_url": format!("{}/{kind}/{}#issuecomment-{}", self.repo_html(repo), issue.number, c.id),
            "issue_url": format!("{}/issues/{}", self.repo_url(repo), issue.number),
            "id": c.id,
            "node_id": node_id("IC", c.id),
            "user": self.user(&c.user),
            "created_at": iso(c.created_at),
            "updated_at": iso(c.updated_at),
            "author_association": self.association(repo, &c.user),
            "body": c.body,
            "reactions": {"url": format!("{url}/reactions"), "total_count": 0, "+1": 0, "-1": 0,
                          "laugh": 0, "hooray": 0, "confused": 0, "heart": 0, "rocket": 0, "eyes": 0},
            "performed_via_github_app": null,
        })
    }
}

//! Labels and milestones: a repository's labels and milestones (`state` open by
//! default, `closed` or `all`; paginated), an issue's labels, adding labels to an
//! issue or pull request (names GitHub does not know yet are created, as GitHub
//! does; 422 without `labels`) and removing one (404 `Label does not exist` when
//! the issue does not carry it).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use crate::github::GithubState;
use crate::github::model::{Data, Label};
use crate::github::paging;
use crate::github::query::Req;
use crate::github::reply::{self, JsonObject, field_error};
use crate::github::routes::in_repo;
use crate::github::shapes::View;
use crate::github::time;

const ADD_DOCS: &str = "https://docs.github.com/rest/issues/labels#add-labels-to-an-issue";
const REMOVE_DOCS: &str = "https://docs.github.com/rest/issues/labels#remove-a-label-from-an-issue";

pub async fn list(
    State(state): State<GithubState>,
    Path((owner, name)): Path<(String, String)>,
    req: Req,
) -> Response {
    in_repo(&state, &owner, &name, |view, repo| {
        let items: Vec<Value> = repo
            .labels
            .iter()
            .map(|l| view.label(repo, &l.name))
            .collect();
        Some(paging::list(&req, view.base, &items))
    })
}

pub async fn milestones(
    State(state): State<GithubState>,
    Path((owner, name)): Path<(String, String)>,
    req: Req,
) -> Response {
    in_repo(&state, &owner, &name, |view, repo| {
        let state = req.get("state").unwrap_or("open");
        let items: Vec<Value> = repo
            .milestones
            .iter()
            .filter(|m| match state {
                "all" => true,
                "closed" => !m.open,
                _ => m.open,
            })
            .map(|m| view.milestone(repo, m))
            .collect();
        Some(paging::list(&req, view.base, &items))
    })
}

pub async fn of_issue(
    State(state): State<GithubState>,
    Path((owner, name, n)): Path<(String, String, String)>,
    req: Req,
) -> Response {
    in_repo(&state, &owner, &name, |view, repo| {
        let issue = repo.issue_at(&n)?;
        let items: Vec<Value> = issue.labels.iter().map(|l| view.label(repo, l)).collect();
        Some(paging::list(&req, view.base, &items))
    })
}

pub async fn add(
    State(state): State<GithubState>,
    Path((owner, name, n)): Path<(String, String, String)>,
    JsonObject(body): JsonObject,
) -> Response {
    let base = state.base_url();
    let mut data = state.data();
    let names = match reply::names_field(&body, "Label", "labels") {
        Ok(Some(names)) if !names.is_empty() => names,
        Ok(_) => {
            return reply::validation(
                ADD_DOCS,
                vec![field_error("Label", "labels", "missing_field")],
            );
        }
        Err(e) => return reply::validation(ADD_DOCS, vec![e]),
    };
    let ids: Vec<u64> = names.iter().map(|_| data.fresh_id()).collect();
    let Some(repo) = data.repo_mut(&owner, &name) else {
        return reply::not_found();
    };
    let Some(n) = repo.issue_at(&n).map(|i| i.number) else {
        return reply::not_found();
    };
    for (label, id) in names.iter().zip(ids) {
        let known = repo.label(label).map(|l| l.name.clone());
        let label = known.unwrap_or_else(|| {
            repo.labels.push(Label {
                id,
                name: label.clone(),
                color: "ededed".into(),
                description: String::new(),
            });
            label.clone()
        });
        let issue = repo.issues.get_mut(&n).expect("checked");
        if !issue.labels.iter().any(|l| l.eq_ignore_ascii_case(&label)) {
            issue.labels.push(label);
            issue.updated_at = time::now();
        }
    }
    labels_of(&data, &base, &owner, &name, n)
}

pub async fn remove(
    State(state): State<GithubState>,
    Path((owner, name, n, label)): Path<(String, String, String, String)>,
) -> Response {
    let base = state.base_url();
    let mut data = state.data();
    let Some(repo) = data.repo_mut(&owner, &name) else {
        return reply::not_found();
    };
    let Some(issue) = repo.issue_at_mut(&n) else {
        return reply::not_found();
    };
    let before = issue.labels.len();
    issue.labels.retain(|l| !l.eq_ignore_ascii_case(&label));
    if issue.labels.len() == before {
        return reply::error(StatusCode::NOT_FOUND, "Label does not exist", REMOVE_DOCS);
    }
    issue.updated_at = time::now();
    let n = issue.number;
    labels_of(&data, &base, &owner, &name, n)
}

/// The answer of an issue-label write: all the issue's labels.
fn labels_of(data: &Data, base: &str, owner: &str, name: &str, n: u64) -> Response {
    let Some(repo) = data.repo(owner, name) else {
        return reply::not_found();
    };
    let view = View::new(data, base);
    let labels: Vec<Value> = repo.issues[&n]
        .labels
        .iter()
        .map(|l| view.label(repo, l))
        .collect();
    reply::json(&Value::Array(labels))
}

//! Sub-issues, as GitHub documents them: list an issue's sub-issues (`GET
//! …/issues/{n}/sub_issues`, paginated with `link`), add one (`POST
//! …/issues/{n}/sub_issues` with `sub_issue_id`, the issue's numeric id: 201 with the
//! parent; 422 when the id names no issue, the issue itself, or an issue that already
//! has a parent unless `replace_parent` is true) and remove one (`DELETE
//! …/issues/{n}/sub_issue` with `sub_issue_id`: 200 with the parent; 404 when it is
//! not a sub-issue of this issue). Links live in `Data::sub_issues` by issue id.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use crate::github::GithubState;
use crate::github::model::Data;
use crate::github::paging;
use crate::github::query::Req;
use crate::github::reply::{self, JsonObject};
use crate::github::shapes::View;

const ADD_DOCS: &str = "https://docs.github.com/rest/issues/sub-issues#add-sub-issue";
const REMOVE_DOCS: &str = "https://docs.github.com/rest/issues/sub-issues#remove-sub-issue";

/// The issue with id `id` as GitHub shows it, from any repository the viewer sees.
fn issue_by_id(view: &View, data: &Data, id: u64) -> Option<Value> {
    data.visible().find_map(|repo| {
        repo.issues
            .values()
            .find(|i| i.id == id)
            .map(|i| view.issue(repo, i))
    })
}

/// The id of issue `n` of `owner/name`: the parent a list, add or remove is for.
fn parent_id(data: &Data, owner: &str, name: &str, n: &str) -> Option<u64> {
    let repo = data.repo(owner, name)?;
    repo.issue_at(n).map(|i| i.id)
}

/// The answer to an add or a remove: the parent issue (found by [`parent_id`]
/// just before).
fn parent_answer(data: &Data, base: &str, owner: &str, name: &str, parent: u64) -> Response {
    let repo = data.repo(owner, name).expect("found by parent_id");
    let issue = repo
        .issues
        .values()
        .find(|i| i.id == parent)
        .expect("found by parent_id");
    reply::json(&View::new(data, base).issue(repo, issue))
}

pub async fn list(
    State(state): State<GithubState>,
    Path((owner, name, n)): Path<(String, String, String)>,
    req: Req,
) -> Response {
    let base = state.base_url();
    let data = state.data();
    let Some(parent) = parent_id(&data, &owner, &name, &n) else {
        return reply::not_found();
    };
    let view = View::new(&data, &base);
    let items: Vec<Value> = data
        .sub_issues
        .iter()
        .filter(|(p, _)| *p == parent)
        .filter_map(|(_, child)| issue_by_id(&view, &data, *child))
        .collect();
    paging::list(&req, &base, &items)
}

/// The 422 of a body without a numeric `sub_issue_id`.
fn missing_id(docs: &str) -> Response {
    reply::validation(
        docs,
        vec![reply::field_error(
            "SubIssue",
            "sub_issue_id",
            "missing_field",
        )],
    )
}

pub async fn add(
    State(state): State<GithubState>,
    Path((owner, name, n)): Path<(String, String, String)>,
    JsonObject(body): JsonObject,
) -> Response {
    let Some(child) = body.get("sub_issue_id").and_then(Value::as_u64) else {
        return missing_id(ADD_DOCS);
    };
    let replace = body.get("replace_parent").and_then(Value::as_bool) == Some(true);
    let base = state.base_url();
    let mut data = state.data();
    let Some(parent) = parent_id(&data, &owner, &name, &n) else {
        return reply::not_found();
    };
    let unprocessable =
        |message: &str| reply::error(StatusCode::UNPROCESSABLE_ENTITY, message, ADD_DOCS);
    if issue_by_id(&View::new(&data, &base), &data, child).is_none() {
        return unprocessable("The provided sub-issue does not exist");
    }
    if child == parent {
        return unprocessable("An issue cannot be a sub-issue of itself");
    }
    if let Some(i) = data.sub_issues.iter().position(|(_, c)| *c == child) {
        if !replace {
            return unprocessable("Sub issue may only have one parent");
        }
        data.sub_issues.remove(i);
    }
    data.sub_issues.push((parent, child));
    let mut response = parent_answer(&data, &base, &owner, &name, parent);
    *response.status_mut() = StatusCode::CREATED;
    response
}

pub async fn remove(
    State(state): State<GithubState>,
    Path((owner, name, n)): Path<(String, String, String)>,
    JsonObject(body): JsonObject,
) -> Response {
    let Some(child) = body.get("sub_issue_id").and_then(Value::as_u64) else {
        return missing_id(REMOVE_DOCS);
    };
    let base = state.base_url();
    let mut data = state.data();
    let Some(parent) = parent_id(&data, &owner, &name, &n) else {
        return reply::not_found();
    };
    let Some(i) = data.sub_issues.iter().position(|l| *l == (parent, child)) else {
        return reply::error(StatusCode::NOT_FOUND, "Not Found", REMOVE_DOCS);
    };
    data.sub_issues.remove(i);
    parent_answer(&data, &base, &owner, &name, parent)
}

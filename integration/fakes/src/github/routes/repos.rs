//! Repositories: `GET /repos/{owner}/{repo}`, and the lists of the viewer's, a
//! user's and an organization's repositories (`sort`, `direction`, `type`,
//! `visibility`, paginated).

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::Value;

use crate::github::GithubState;
use crate::github::model::Repo;
use crate::github::paging;
use crate::github::query::Req;
use crate::github::reply;
use crate::github::shapes::View;

pub async fn get(
    State(state): State<GithubState>,
    Path((owner, name)): Path<(String, String)>,
) -> Response {
    let base = state.base_url();
    let data = state.data();
    match data.repo(&owner, &name) {
        Some(repo) => reply::json(&View::new(&data, &base).repo(repo)),
        None => reply::not_found(),
    }
}

/// `GET /user/repos`: the viewer's own repositories and those of their
/// organizations (for an app's bot, those of the account it is installed on).
pub async fn mine(State(state): State<GithubState>, req: Req) -> Response {
    let base = state.base_url();
    let data = state.data();
    let account = data.account().to_string();
    let repos: Vec<&Repo> = data
        .visible()
        .filter(|r| data.belongs_to(&r.owner))
        .filter(|r| match req.get("visibility").or(req.get("type")) {
            Some("public") => !r.private,
            Some("private") => r.private,
            Some("owner") => r.owner.eq_ignore_ascii_case(&account),
            Some("member") => !r.owner.eq_ignore_ascii_case(&account),
            _ => true,
        })
        .collect();
    answer(&req, &base, &View::new(&data, &base), repos)
}

/// `GET /users/{user}/repos`: a user's public repositories.
pub async fn of_user(
    State(state): State<GithubState>,
    Path(user): Path<String>,
    req: Req,
) -> Response {
    let base = state.base_url();
    let data = state.data();
    if data.user(&user).is_none() {
        return reply::not_found();
    }
    let repos: Vec<&Repo> = data
        .visible()
        .filter(|r| r.owner.eq_ignore_ascii_case(&user) && !r.private)
        .collect();
    answer(&req, &base, &View::new(&data, &base), repos)
}

/// `GET /orgs/{org}/repos`: an organization's repositories the viewer can see.
pub async fn of_org(
    State(state): State<GithubState>,
    Path(org): Path<String>,
    req: Req,
) -> Response {
    let base = state.base_url();
    let data = state.data();
    if !data.user(&org).is_some_and(|u| u.org) {
        return reply::not_found();
    }
    let repos: Vec<&Repo> = data
        .visible()
        .filter(|r| r.owner.eq_ignore_ascii_case(&org))
        .filter(|r| match req.get("type") {
            Some("public") => !r.private,
            Some("private") => r.private,
            _ => true,
        })
        .collect();
    answer(&req, &base, &View::new(&data, &base), repos)
}

/// Sorts (`full_name` ascending by default; `created`, `updated`, `pushed`
/// newest first) and answers one page.
fn answer(req: &Req, base: &str, view: &View, mut repos: Vec<&Repo>) -> Response {
    let sort = req.get("sort").unwrap_or("full_name");
    match sort {
        "created" => repos.sort_by_key(|r| std::cmp::Reverse(r.created_at)),
        "updated" | "pushed" => repos.sort_by_key(|r| std::cmp::Reverse(r.pushed_at)),
        _ => repos.sort_by_key(|r| r.full_name().to_ascii_lowercase()),
    }
    let default_asc = sort == "full_name";
    let asc = req.get("direction").map_or(default_asc, |d| d == "asc");
    if asc != default_asc {
        repos.reverse();
    }
    let items: Vec<Value> = repos.iter().map(|r| view.repo(r)).collect();
    paging::list(req, base, &items)
}

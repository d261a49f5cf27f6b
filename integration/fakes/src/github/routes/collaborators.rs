//! Collaborators: `GET /repos/{owner}/{repo}/collaborators/{username}/permission`,
//! as GitHub documents it: `permission` is the legacy base role (`admin`, `write`,
//! `read` or `none`; `maintain` shows as `write`, `triage` as `read`), `role_name`
//! the role itself, and `user` the collaborator. The repository's owner is
//! `admin`, an owning organization's members `write` (the base role), invited
//! collaborators what the seed gives them, anyone else `read` on a public
//! repository and `none` on a private one. An unknown user is a 404.

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::json;

use crate::github::GithubState;
use crate::github::model::{Data, Repo};
use crate::github::reply;
use crate::github::routes::in_repo;
use crate::github::seed::trust::COLLABORATORS;

/// The role `login` has on `repo` (`admin`, `maintain`, `write`, `triage`,
/// `read` or `none`).
pub fn role(data: &Data, repo: &Repo, login: &str) -> &'static str {
    if repo.owner.eq_ignore_ascii_case(login) {
        return "admin";
    }
    let full = repo.full_name();
    if let Some((_, _, role)) = COLLABORATORS
        .iter()
        .find(|(r, l, _)| r.eq_ignore_ascii_case(&full) && l.eq_ignore_ascii_case(login))
    {
        return role;
    }
    let member = data
        .user(&repo.owner)
        .is_some_and(|o| o.org && o.members.iter().any(|m| m.eq_ignore_ascii_case(login)));
    match (member, repo.private) {
        (true, _) => "write",
        (false, false) => "read",
        (false, true) => "none",
    }
}

/// Whether `login` is an invited collaborator on `repo`.
pub fn is_collaborator(repo: &Repo, login: &str) -> bool {
    let full = repo.full_name();
    COLLABORATORS
        .iter()
        .any(|(r, l, _)| r.eq_ignore_ascii_case(&full) && l.eq_ignore_ascii_case(login))
}

pub async fn permission(
    State(state): State<GithubState>,
    Path((owner, name, user)): Path<(String, String, String)>,
) -> Response {
    in_repo(&state, &owner, &name, |view, repo| {
        let login = view.data.user(&user)?.login.clone();
        let role = role(view.data, repo, &login);
        let permission = match role {
            "maintain" => "write",
            "triage" => "read",
            other => other,
        };
        Some(reply::json(&json!({
            "permission": permission,
            "role_name": role,
            "user": view.user(&login),
        })))
    })
}

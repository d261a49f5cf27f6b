//! The endpoints the fake serves, one module per area (and the GitHub App's
//! `/_fake/app/` controls). Anything else (another
//! path, or another method on a served path) is GitHub's JSON 404.

mod actions;
mod app;
mod checks;
mod collaborators;
mod compare;
mod contents;
mod gists;
mod graphql;
mod history;
pub(crate) mod issues;
mod labels;
mod notifications;
mod pulls;
mod releases;
mod repos;
mod search;
mod security;
mod sub_issues;
mod users;
mod workflows;

use axum::Router;
use axum::response::Response;
use axum::routing::{get, patch, post, put};

use super::GithubState;
use super::model::Repo;
use super::reply;
use super::shapes::View;

pub use actions::log_url;
pub use app::controls as app_controls;
pub use collaborators::is_collaborator;
pub use pulls::hunk_up_to;

/// Answers from the repository `owner/name`: `answer` gets a view of the data
/// and the repository, and gives `None` for GitHub's 404 (as a repository that
/// does not exist or cannot be seen does).
fn in_repo(
    state: &GithubState,
    owner: &str,
    name: &str,
    answer: impl FnOnce(&View, &Repo) -> Option<Response>,
) -> Response {
    let base = state.base_url();
    let data = state.data();
    data.repo(owner, name)
        .and_then(|repo| answer(&View::new(&data, &base), repo))
        .unwrap_or_else(reply::not_found)
}

/// Every API route (without middleware).
pub fn api() -> Router<GithubState> {
    const REPO: &str = "/repos/{owner}/{repo}";
    let r = |tail: &str| format!("{REPO}{tail}");
    Router::new()
        .route(
            "/app/installations/{installation_id}/access_tokens",
            post(app::mint),
        )
        .route("/user", get(users::me))
        .route("/user/repos", get(repos::mine))
        .route("/users/{user}/repos", get(repos::of_user))
        .route("/orgs/{org}/repos", get(repos::of_org))
        .route(REPO, get(repos::get))
        .route(&r("/contents"), get(contents::root))
        .route(&r("/contents/"), get(contents::root))
        .route(&r("/contents/{*path}"), get(contents::get))
        .route(&r("/git/trees/{sha}"), get(contents::tree))
        .route(&r("/branches"), get(history::branches))
        .route(&r("/commits"), get(history::commits))
        .route(&r("/commits/{reference}"), get(history::commit))
        .route(&r("/commits/{reference}/status"), get(checks::combined))
        .route(
            &r("/commits/{reference}/check-runs"),
            get(checks::check_runs),
        )
        .route(
            &r("/collaborators/{user}/permission"),
            get(collaborators::permission),
        )
        .route(&r("/compare/{*basehead}"), get(compare::compare))
        .route(&r("/tags"), get(history::tags))
        .route(&r("/releases"), get(history::releases))
        .route(&r("/releases/latest"), get(history::latest_release))
        .route(&r("/releases"), post(releases::create))
        .route(
            &r("/releases/{id}"),
            get(releases::by_id).patch(releases::update),
        )
        .route(&r("/releases/tags/{tag}"), get(releases::by_tag))
        .route(&r("/labels"), get(labels::list))
        .route(&r("/milestones"), get(labels::milestones))
        .route(
            &r("/issues/{number}/labels"),
            get(labels::of_issue).post(labels::add),
        )
        .route(
            &r("/issues/{number}/labels/{name}"),
            axum::routing::delete(labels::remove),
        )
        .route(&r("/issues"), get(issues::list).post(issues::create))
        .route(
            &r("/issues/{number}"),
            get(issues::get).patch(issues::update),
        )
        .route(
            &r("/issues/{number}/comments"),
            get(issues::comments).post(issues::add_comment),
        )
        .route(
            &r("/issues/{number}/sub_issues"),
            get(sub_issues::list).post(sub_issues::add),
        )
        .route(
            &r("/issues/{number}/sub_issue"),
            axum::routing::delete(sub_issues::remove),
        )
        .route(&r("/pulls"), get(pulls::list).post(pulls::create))
        .route(&r("/pulls/{number}"), get(pulls::get))
        .route(&r("/pulls/{number}/files"), get(pulls::files))
        .route(
            &r("/pulls/{number}/reviews"),
            get(pulls::reviews).post(pulls::create_review),
        )
        .route(&r("/pulls/{number}/comments"), get(pulls::review_comments))
        .route(&r("/pulls/{number}/merge"), put(pulls::merge))
        .route(&r("/code-scanning/alerts"), get(security::code_alerts))
        .route(
            &r("/code-scanning/alerts/{number}"),
            get(security::code_alert),
        )
        .route(
            &r("/code-scanning/alerts/{number}/instances"),
            get(security::code_instances),
        )
        .route(&r("/dependabot/alerts"), get(security::dependabot_alerts))
        .route(
            &r("/dependabot/alerts/{number}"),
            get(security::dependabot_alert),
        )
        .route(&r("/secret-scanning/alerts"), get(security::secret_alerts))
        .route(
            &r("/secret-scanning/alerts/{number}"),
            get(security::secret_alert),
        )
        .route(
            &r("/secret-scanning/alerts/{number}/locations"),
            get(security::secret_locations),
        )
        .route(&r("/actions/runs"), get(actions::runs))
        .route(&r("/actions/workflows"), get(workflows::list))
        .route(
            &r("/actions/workflows/{workflow}/dispatches"),
            post(workflows::dispatch),
        )
        .route(
            &r("/actions/runs/{id}/rerun-failed-jobs"),
            post(workflows::rerun_failed),
        )
        .route(&r("/actions/runs/{id}/cancel"), post(workflows::cancel))
        .route(&r("/actions/runs/{id}"), get(actions::run))
        .route(&r("/actions/runs/{id}/jobs"), get(actions::jobs))
        .route(&r("/actions/jobs/{id}/logs"), get(actions::job_logs))
        .route("/_logs/{id}", get(actions::log_file))
        .route("/graphql", graphql::route())
        .route("/search/issues", get(search::issues))
        .route("/search/repositories", get(search::repositories))
        .route("/search/code", get(search::code))
        .route("/search/users", get(search::users))
        .route("/gists", get(gists::list).post(gists::create))
        .route("/gists/{id}", get(gists::get))
        .route("/notifications", get(notifications::list))
        .route(
            "/notifications/threads/{id}",
            patch(notifications::mark_read),
        )
        .fallback(reply::not_found_handler)
        .method_not_allowed_fallback(reply::not_found_handler)
}

//! Actions control: a repository's workflows (derived from its runs; `total_count`
//! envelope, paginated), dispatching a workflow (by id or file name; 204, a new
//! queued `workflow_dispatch` run; 422 when the workflow has no `workflow_dispatch`
//! trigger or the ref names nothing), re-running a completed run's failed jobs (201,
//! a new attempt; 403 while it is still running) and cancelling a run (202; 409
//! when it is already completed), as GitHub documents them.
//!
//! A workflow has the `workflow_dispatch` trigger when its file on the default
//! branch says so, or, for workflows whose file the seed does not hold, when it is
//! listed in [`DISPATCHABLE`].

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use crate::github::GithubState;
use crate::github::model::{Repo, WorkflowRun};
use crate::github::paging;
use crate::github::query::Req;
use crate::github::reply::{self, JsonObject, field_error};
use crate::github::routes::in_repo;
use crate::github::shapes::node_id;
use crate::github::time::{self, iso};

/// Workflow files without a file in the seed that have `workflow_dispatch`.
pub const DISPATCHABLE: &[&str] = &[
    ".github/workflows/nightly.yml",
    ".github/workflows/release.yml",
];

const DISPATCH_DOCS: &str =
    "https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event";
const RERUN_DOCS: &str =
    "https://docs.github.com/rest/actions/workflow-runs#re-run-failed-jobs-from-a-workflow-run";
const CANCEL_DOCS: &str =
    "https://docs.github.com/rest/actions/workflow-runs#cancel-a-workflow-run";

/// One workflow: (id, name, path), first run first.
fn workflows(repo: &Repo) -> Vec<(u64, String, String, i64)> {
    let mut out: Vec<(u64, String, String, i64)> = Vec::new();
    for run in &repo.runs {
        match out.iter_mut().find(|w| w.0 == run.workflow_id) {
            Some(w) => w.3 = w.3.min(run.created_at),
            None => out.push((
                run.workflow_id,
                run.name.clone(),
                run.path.clone(),
                run.created_at,
            )),
        }
    }
    out.sort_by_key(|w| w.0);
    out
}

/// The workflow an id or file name (`ci.yml`) names.
fn find(repo: &Repo, id: &str) -> Option<(u64, String, String, i64)> {
    workflows(repo)
        .into_iter()
        .find(|w| w.0.to_string() == id || w.2.rsplit('/').next() == Some(id) || w.2 == id)
}

fn dispatchable(repo: &Repo, path: &str) -> bool {
    match repo.default().files.get(path) {
        Some(blob) => blob.text.contains("workflow_dispatch"),
        None => DISPATCHABLE.contains(&path),
    }
}

pub async fn list(
    State(state): State<GithubState>,
    Path((owner, name)): Path<(String, String)>,
    req: Req,
) -> Response {
    in_repo(&state, &owner, &name, |view, repo| {
        let items: Vec<Value> = workflows(repo)
            .into_iter()
            .map(|(id, wf_name, path, created)| {
                let url = format!("{}/actions/workflows/{id}", view.repo_url(repo));
                json!({
                    "id": id,
                    "node_id": node_id("W", id),
                    "name": wf_name,
                    "path": path,
                    "state": "active",
                    "created_at": iso(created),
                    "updated_at": iso(created),
                    "url": url,
                    "html_url": format!("{}/blob/{}/{path}", view.repo_html(repo), repo.default_branch),
                    "badge_url": format!("{}/workflows/{wf_name}/badge.svg", view.repo_html(repo)),
                })
            })
            .collect();
        Some(paging::counted(&req, view.base, &items, "workflows"))
    })
}

fn no_content(status: StatusCode) -> Response {
    let mut response = reply::with_status(status, &json!({}));
    if status == StatusCode::NO_CONTENT {
        *response.body_mut() = axum::body::Body::empty();
    }
    response
}

pub async fn dispatch(
    State(state): State<GithubState>,
    Path((owner, name, workflow)): Path<(String, String, String)>,
    JsonObject(body): JsonObject,
) -> Response {
    let mut data = state.data();
    let id = data.fresh_id();
    let viewer = data.viewer.clone();
    let Some(repo) = data.repo_mut(&owner, &name) else {
        return reply::not_found();
    };
    let Some((workflow_id, wf_name, path, _)) = find(repo, &workflow) else {
        return reply::not_found();
    };
    let Some(reference) = body.get("ref").and_then(Value::as_str) else {
        return reply::validation(
            DISPATCH_DOCS,
            vec![field_error("Workflow", "ref", "missing_field")],
        );
    };
    if !dispatchable(repo, &path) {
        return reply::error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Workflow does not have 'workflow_dispatch' trigger",
            DISPATCH_DOCS,
        );
    }
    if body.get("inputs").is_some_and(|i| !i.is_object()) {
        return reply::validation(
            DISPATCH_DOCS,
            vec![field_error("Workflow", "inputs", "invalid")],
        );
    }
    let Some(resolved) = repo.resolve(reference) else {
        return reply::error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("No ref found for: {reference}"),
            DISPATCH_DOCS,
        );
    };
    let (branch, sha) = (resolved.branch.name.clone(), resolved.sha);
    let now = time::now();
    let number = repo.runs.iter().map(|r| r.run_number).max().unwrap_or(0) + 1;
    repo.runs.push(WorkflowRun {
        id: id % 1_000_000_000 + 13_000_000_000,
        workflow_id,
        name: wf_name.clone(),
        path,
        display_title: wf_name,
        event: "workflow_dispatch".into(),
        status: "queued".into(),
        conclusion: None,
        head_branch: branch,
        head_sha: sha,
        run_number: number,
        run_attempt: 1,
        actor: viewer,
        pull_requests: Vec::new(),
        created_at: now,
        updated_at: now,
        jobs: Vec::new(),
    });
    no_content(StatusCode::NO_CONTENT)
}

fn run_mut<'a>(repo: &'a mut Repo, id: &str) -> Option<&'a mut WorkflowRun> {
    let id: u64 = id.parse().ok()?;
    repo.runs.iter_mut().find(|r| r.id == id)
}

pub async fn rerun_failed(
    State(state): State<GithubState>,
    Path((owner, name, id)): Path<(String, String, String)>,
) -> Response {
    let mut data = state.data();
    let Some(run) = data.repo_mut(&owner, &name).and_then(|r| run_mut(r, &id)) else {
        return reply::not_found();
    };
    if run.status != "completed" {
        return reply::error(
            StatusCode::FORBIDDEN,
            "This workflow run is not completed",
            RERUN_DOCS,
        );
    }
    let failed =
        |c: &Option<String>| matches!(c.as_deref(), Some("failure" | "cancelled" | "timed_out"));
    if !failed(&run.conclusion) && !run.jobs.iter().any(|j| failed(&j.conclusion)) {
        return reply::error(
            StatusCode::FORBIDDEN,
            "This workflow run has no failed jobs to re-run",
            RERUN_DOCS,
        );
    }
    for job in run.jobs.iter_mut().filter(|j| failed(&j.conclusion)) {
        job.status = "queued".into();
        job.conclusion = None;
        job.completed_at = None;
    }
    run.status = "queued".into();
    run.conclusion = None;
    run.run_attempt += 1;
    run.updated_at = time::now();
    no_content(StatusCode::CREATED)
}

pub async fn cancel(
    State(state): State<GithubState>,
    Path((owner, name, id)): Path<(String, String, String)>,
) -> Response {
    let mut data = state.data();
    let Some(run) = data.repo_mut(&owner, &name).and_then(|r| run_mut(r, &id)) else {
        return reply::not_found();
    };
    if run.status == "completed" {
        return reply::error(
            StatusCode::CONFLICT,
            "Cannot cancel a workflow run that is completed.",
            CANCEL_DOCS,
        );
    }
    run.status = "completed".into();
    run.conclusion = Some("cancelled".into());
    run.updated_at = time::now();
    no_content(StatusCode::ACCEPTED)
}

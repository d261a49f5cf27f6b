//! GitHub Actions: workflow runs (`branch`, `status`, `event`, `actor`,
//! `head_sha` filters), one run, its jobs with their steps, and a job's log: the
//! API answers 302 to a signed URL on the fake itself (`/_logs/{id}?sig=…`),
//! which serves the plain-text log without a token, like GitHub's blob storage.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::github::GithubState;
use crate::github::model::{Job, Repo, WorkflowRun, sha_of};
use crate::github::paging;
use crate::github::query::Req;
use crate::github::reply;
use crate::github::routes::in_repo;
use crate::github::shapes::{View, iso_opt, node_id};
use crate::github::time::iso;

pub async fn runs(
    State(state): State<GithubState>,
    Path((owner, name)): Path<(String, String)>,
    req: Req,
) -> Response {
    in_repo(&state, &owner, &name, |view, repo| {
        let mut runs: Vec<&WorkflowRun> = repo
            .runs
            .iter()
            .filter(|r| req.get("branch").is_none_or(|b| r.head_branch == b))
            .filter(|r| req.get("event").is_none_or(|e| r.event == e))
            .filter(|r| {
                req.get("actor")
                    .is_none_or(|a| r.actor.eq_ignore_ascii_case(a))
            })
            .filter(|r| req.get("head_sha").is_none_or(|s| r.head_sha == s))
            .filter(|r| {
                req.get("status")
                    .is_none_or(|s| r.status == s || r.conclusion.as_deref() == Some(s))
            })
            .collect();
        runs.sort_by_key(|r| std::cmp::Reverse((r.created_at, r.id)));
        let items: Vec<Value> = runs.iter().map(|r| view.run(repo, r)).collect();
        Some(paging::counted(&req, view.base, &items, "workflow_runs"))
    })
}

fn find_run<'a>(repo: &'a Repo, id: &str) -> Option<&'a WorkflowRun> {
    let id: u64 = id.parse().ok()?;
    repo.runs.iter().find(|r| r.id == id)
}

pub async fn run(
    State(state): State<GithubState>,
    Path((owner, name, id)): Path<(String, String, String)>,
) -> Response {
    in_repo(&state, &owner, &name, |view, repo| {
        Some(reply::json(&view.run(repo, find_run(repo, &id)?)))
    })
}

pub async fn jobs(
    State(state): State<GithubState>,
    Path((owner, name, id)): Path<(String, String, String)>,
    req: Req,
) -> Response {
    in_repo(&state, &owner, &name, |view, repo| {
        let run = find_run(repo, &id)?;
        let items: Vec<Value> = run.jobs.iter().map(|j| view.job(repo, run, j)).collect();
        Some(paging::counted(&req, view.base, &items, "jobs"))
    })
}

/// The signed path of a job's log.
pub fn log_url(job_id: u64) -> String {
    format!("/_logs/{job_id}?sig={}", signature(job_id))
}

fn signature(job_id: u64) -> String {
    sha_of(&format!("log-signature {job_id}"))[..32].to_string()
}

pub async fn job_logs(
    State(state): State<GithubState>,
    Path((owner, name, id)): Path<(String, String, String)>,
    req: Req,
) -> Response {
    in_repo(&state, &owner, &name, |view, repo| {
        let id: Option<u64> = id.parse().ok();
        let job = repo
            .runs
            .iter()
            .flat_map(|r| r.jobs.iter())
            .find(|j| Some(j.id) == id && j.log_lines > 0)?;
        let location = format!("{}{}", req.origin(view.base), log_url(job.id));
        let mut response = StatusCode::FOUND.into_response();
        if let Ok(v) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, v);
        }
        Some(response)
    })
}

/// `GET /_logs/{id}?sig=…`: the log text; no token needed, a wrong signature is
/// refused as blob storage refuses it.
pub async fn log_file(
    State(state): State<GithubState>,
    Path(id): Path<String>,
    req: Req,
) -> Response {
    let Ok(id) = id.parse::<u64>() else {
        return (StatusCode::NOT_FOUND, "The specified blob does not exist.").into_response();
    };
    if req.get("sig") != Some(signature(id).as_str()) {
        return (
            StatusCode::FORBIDDEN,
            "AuthenticationFailed: Server failed to authenticate the request. Make sure the value of the signature is formed correctly.",
        )
            .into_response();
    }
    match state.job_log(id) {
        Some(text) => reply::text("text/plain; charset=utf-8", text),
        None => (StatusCode::NOT_FOUND, "The specified blob does not exist.").into_response(),
    }
}

impl View<'_> {
    pub fn run(&self, repo: &Repo, run: &WorkflowRun) -> Value {
        let repo_url = self.repo_url(repo);
        let url = format!("{repo_url}/actions/runs/{}", run.id);
        let head = repo.commits.get(&run.head_sha);
        let head_commit = head.map_or(Value::Null, |c| {
            let person = json!({"name": c.author.name, "email": c.author.email});
            json!({"id": c.sha, "tree_id": sha_of(&format!("tree-of {}", c.sha)), "message": c.message,
                   "timestamp": iso(c.date), "author": person, "committer": person})
        });
        let pulls: Vec<Value> = run
            .pull_requests
            .iter()
            .filter_map(|n| {
                let pull = repo.issues.get(n)?.pull.as_ref()?;
                let short = json!({"id": repo.id, "url": repo_url, "name": repo.name});
                Some(json!({
                    "url": format!("{repo_url}/pulls/{n}"), "id": pull.id, "number": n,
                    "head": {"ref": pull.head, "sha": pull.head_sha, "repo": short},
                    "base": {"ref": pull.base, "sha": pull.base_sha, "repo": short},
                }))
            })
            .collect();
        json!({
            "id": run.id,
            "name": run.name,
            "node_id": node_id("WFR", run.id),
            "head_branch": run.head_branch,
            "head_sha": run.head_sha,
            "path": run.path,
            "display_title": run.display_title,
            "run_number": run.run_number,
            "event": run.event,
            "status": run.status,
            "conclusion": run.conclusion,
            "workflow_id": run.workflow_id,
            "check_suite_id": run.id + 1_000_000,
            "check_suite_node_id": node_id("CS", run.id + 1_000_000),
            "url": url,
            "html_url": format!("{}/actions/runs/{}", self.repo_html(repo), run.id),
            "pull_requests": pulls,
            "created_at": iso(run.created_at),
            "updated_at": iso(run.updated_at),
            "actor": self.user(&run.actor),
            "run_attempt": run.run_attempt,
            "referenced_workflows": [],
            "run_started_at": iso(run.created_at),
            "triggering_actor": self.user(&run.actor),
            "jobs_url": format!("{url}/jobs"),
            "logs_url": format!("{url}/logs"),
            "check_suite_url": format!("{repo_url}/check-suites/{}", run.id + 1_000_000),
            "artifacts_url": format!("{url}/artifacts"),
            "cancel_url": format!("{url}/cancel"),
            "rerun_url": format!("{url}/rerun"),
            "previous_attempt_url": if run.run_attempt > 1 { json!(format!("{url}/attempts/{}", run.run_attempt - 1)) } else { Value::Null },
            "workflow_url": format!("{repo_url}/actions/workflows/{}", run.workflow_id),
            "head_commit": head_commit,
            "repository": self.repo_short(repo),
            "head_repository": self.repo_short(repo),
        })
    }

    pub fn job(&self, repo: &Repo, run: &WorkflowRun, job: &Job) -> Value {
        let repo_url = self.repo_url(repo);
        json!({
            "id": job.id,
            "run_id": run.id,
            "workflow_name": run.name,
            "head_branch": run.head_branch,
            "run_url": format!("{repo_url}/actions/runs/{}", run.id),
            "run_attempt": run.run_attempt,
            "node_id": node_id("CR", job.id),
            "head_sha": run.head_sha,
            "url": format!("{repo_url}/actions/jobs/{}", job.id),
            "html_url": format!("{}/actions/runs/{}/job/{}", self.repo_html(repo), run.id, job.id),
            "status": job.status,
            "conclusion": job.conclusion,
            "created_at": iso(run.created_at),
            "started_at": iso(job.started_at),
            "completed_at": iso_opt(job.completed_at),
            "name": job.name,
            "steps": job.steps.iter().map(|s| json!({
                "name": s.name, "status": s.status, "conclusion": s.conclusion, "number": s.number,
                "started_at": iso_opt(s.started_at), "completed_at": iso_opt(s.completed_at),
            })).collect::<Vec<_>>(),
            "check_run_url": format!("{repo_url}/check-runs/{}", job.id),
            "labels": job.labels,
            "runner_id": (job.status != "queued").then_some(job.id % 1000 + 1),
            "runner_name": (job.status != "queued").then_some(&job.runner),
            "runner_group_id": (job.status != "queued").then_some(0),
            "runner_group_name": (job.status != "queued").then_some("GitHub Actions"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_urls_are_signed_per_job() {
        assert!(log_url(7).starts_with("/_logs/7?sig="));
        assert_ne!(signature(7), signature(8));
        assert_eq!(signature(7).len(), 32);
    }
}

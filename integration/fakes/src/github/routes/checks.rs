//! CI results of a commit: the combined commit status (`GET
//! /repos/{o}/{r}/commits/{ref}/status`) and the check runs GitHub Actions jobs
//! produced for it (`GET /repos/{o}/{r}/commits/{ref}/check-runs`).

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Value, json};

use crate::github::GithubState;
use crate::github::model::{CommitStatus, Job, Repo, WorkflowRun};
use crate::github::paging;
use crate::github::query::Req;
use crate::github::reply;
use crate::github::routes::in_repo;
use crate::github::shapes::{View, iso_opt, node_id};
use crate::github::time::iso;

pub async fn combined(
    State(state): State<GithubState>,
    Path((owner, name, reference)): Path<(String, String, String)>,
) -> Response {
    in_repo(&state, &owner, &name, |view, repo| {
        let sha = repo.resolve(&reference)?.sha;
        Some(reply::json(&view.combined_status(repo, &sha)))
    })
}

pub async fn check_runs(
    State(state): State<GithubState>,
    Path((owner, name, reference)): Path<(String, String, String)>,
    req: Req,
) -> Response {
    in_repo(&state, &owner, &name, |view, repo| {
        let sha = repo.resolve(&reference)?.sha;
        let items: Vec<Value> = repo
            .runs
            .iter()
            .filter(|r| r.head_sha == sha)
            .flat_map(|r| r.jobs.iter().map(move |j| (r, j)))
            .filter(|(_, j)| req.get("check_name").is_none_or(|n| j.name == n))
            .filter(|(_, j)| req.get("status").is_none_or(|s| j.status == s))
            .map(|(r, j)| view.check_run(repo, r, j))
            .collect();
        Some(paging::counted(&req, view.base, &items, "check_runs"))
    })
}

impl View<'_> {
    /// The combined status of the commit `sha`: the latest status of each context.
    pub fn combined_status(&self, repo: &Repo, sha: &str) -> Value {
        let mut statuses: Vec<&CommitStatus> =
            repo.statuses.iter().filter(|s| s.sha == sha).collect();
        statuses.sort_by_key(|s| std::cmp::Reverse(s.created_at));
        let mut latest: Vec<&CommitStatus> = Vec::new();
        for s in statuses {
            if !latest.iter().any(|l| l.context == s.context) {
                latest.push(s);
            }
        }
        let combined = if latest
            .iter()
            .any(|s| matches!(s.state.as_str(), "failure" | "error"))
        {
            "failure"
        } else if latest.is_empty() || latest.iter().any(|s| s.state == "pending") {
            "pending"
        } else {
            "success"
        };
        let url = format!("{}/commits/{sha}", self.repo_url(repo));
        json!({
            "state": combined,
            "statuses": latest.iter().map(|s| self.status(repo, s)).collect::<Vec<_>>(),
            "sha": sha,
            "total_count": latest.len(),
            "repository": self.repo_short(repo),
            "commit_url": url,
            "url": format!("{url}/status"),
        })
    }

    pub fn status(&self, repo: &Repo, s: &CommitStatus) -> Value {
        json!({
            "url": format!("{}/statuses/{}", self.repo_url(repo), s.sha),
            "avatar_url": format!("https://avatars.githubusercontent.com/oa/{}?v=4", s.id % 10_000),
            "id": s.id,
            "node_id": node_id("SC", s.id),
            "state": s.state,
            "description": s.description,
            "target_url": s.target_url,
            "context": s.context,
            "created_at": iso(s.created_at),
            "updated_at": iso(s.created_at),
            "creator": self.user(&s.creator),
        })
    }

    /// The check run an Actions job reports (same id as the job).
    pub fn check_run(&self, repo: &Repo, run: &WorkflowRun, job: &Job) -> Value {
        let html = format!(
            "{}/actions/runs/{}/job/{}",
            self.repo_html(repo),
            run.id,
            job.id
        );
        let url = format!("{}/check-runs/{}", self.repo_url(repo), job.id);
        let failed = job
            .steps
            .iter()
            .filter(|s| s.conclusion.as_deref() == Some("failure"))
            .count();
        let summary = match job.conclusion.as_deref() {
            Some("failure") => format!("{failed} step(s) failed"),
            Some(c) => format!("The job finished: {c}"),
            None => "The job has not finished".to_string(),
        };
        json!({
            "id": job.id,
            "name": job.name,
            "node_id": node_id("CR", job.id),
            "head_sha": run.head_sha,
            "external_id": format!("{:x}", job.id),
            "url": url,
            "html_url": html,
            "details_url": html,
            "status": job.status,
            "conclusion": job.conclusion,
            "started_at": iso(job.started_at),
            "completed_at": iso_opt(job.completed_at),
            "output": {"title": job.conclusion.as_deref().map(|c| format!("{} {c}", job.name)),
                       "summary": summary, "text": null,
                       "annotations_count": usize::from(failed > 0),
                       "annotations_url": format!("{url}/annotations")},
            "check_suite": {"id": run.id + 1_000_000},
            "app": {"id": 15_368, "slug": "github-actions", "node_id": "MDM6QXBwMTUzNjg=",
                    "name": "GitHub Actions", "owner": self.user(&repo.owner)},
            "pull_requests": run.pull_requests.iter().map(|n| json!({
                "url": format!("{}/pulls/{n}", self.repo_url(repo)), "number": n,
            })).collect::<Vec<_>>(),
        })
    }
}

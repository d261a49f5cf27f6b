//! Toolset `actions`: GitHub Actions workflow runs, their jobs, and the tail of a
//! job's log (the logs endpoint answers with a redirect to a plain-text file, which
//! the client follows).

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use shared::ToolError;

use crate::api::{Query, RepoRef};
use crate::content;
use crate::paging::{self, ListArgs, collect};
use crate::server::GithubServer;
use crate::shape::{Obj, first_line, n, s};

/// Log lines shown when a call gives no `tail_lines`.
const TAIL_LINES: usize = 200;
/// The most log lines one call may ask for.
const MAX_TAIL_LINES: usize = 5000;

fn run_item(v: &Value) -> Obj {
    Obj::new()
        .put("id", n(v, "id"))
        .put("name", s(v, "name"))
        .put("title", s(v, "display_title").map(|t| first_line(t, 160)))
        .put("status", s(v, "status"))
        .put("conclusion", s(v, "conclusion"))
        .put("branch", s(v, "head_branch"))
        .put("event", s(v, "event"))
        .put("head_sha", s(v, "head_sha"))
        .put("run_number", n(v, "run_number"))
        .put("attempt", n(v, "run_attempt").filter(|a| *a > 1))
        .put("created_at", s(v, "created_at"))
}

fn job_item(v: &Value) -> String {
    let failed: Vec<String> = v
        .get("steps")
        .and_then(Value::as_array)
        .map(|steps| {
            steps
                .iter()
                .filter(|st| s(st, "conclusion") == Some("failure"))
                .filter_map(|st| s(st, "name").map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Obj::new()
        .put("id", n(v, "id"))
        .put("name", s(v, "name"))
        .put("status", s(v, "status"))
        .put("conclusion", s(v, "conclusion"))
        .put("failed_steps", failed)
        .put("started_at", s(v, "started_at"))
        .put("completed_at", s(v, "completed_at"))
        .finish()
}

/// Input of `list_workflow_runs`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListRunsParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// Only runs of this branch.
    pub branch: Option<String>,
    /// e.g. completed, in_progress, queued, success, failure.
    pub status: Option<String>,
    /// How many items to return, and the cursor to continue from.
    #[serde(flatten)]
    pub page: ListArgs,
}

/// Input of `get_workflow_run`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetRunParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// Workflow run id (from list_workflow_runs).
    pub run_id: u64,
}

/// Input of `get_job_logs`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetJobLogsParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// Job id (from get_workflow_run, or a check run id).
    pub job_id: u64,
    /// Lines from the end (default 200, max 5000).
    pub tail_lines: Option<usize>,
    /// Keep each line's timestamp (default false).
    #[serde(default)]
    pub timestamps: bool,
}

#[tool_router(router = actions_read, vis = "pub(crate)")]
impl GithubServer {
    #[tool(
        description = "List GitHub Actions workflow runs, newest first: id, workflow, title, status, conclusion, branch, event, sha. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"branch\": \"main\", \"status\": \"failure\"}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_workflow_runs(
        &self,
        Parameters(p): Parameters<ListRunsParams>,
    ) -> Result<String, ToolError> {
        let path = format!("{}/actions/runs", p.repo.path()?);
        let query = Query::list()
            .opt("branch", p.branch.as_deref())
            .opt("status", p.status.as_deref());
        paging::list(
            &self.api,
            "list_workflow_runs",
            &path,
            query,
            &p.page,
            Some("workflow_runs"),
            |v| Some(run_item(v).finish()),
        )
        .await
    }

    #[tool(
        description = "One workflow run with its jobs (id, status, conclusion, failed step names). Next: get_job_logs with a failed job's id. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"run_id\": 30433642}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn get_workflow_run(
        &self,
        Parameters(p): Parameters<GetRunParams>,
    ) -> Result<String, ToolError> {
        let path = format!("{}/actions/runs/{}", p.repo.path()?, p.run_id);
        let run = self.api.get(&path).await?;
        let jobs_path = format!("{path}/jobs");
        let jobs = collect(
            &self.api,
            &Query::list().on(&jobs_path),
            Some("jobs"),
            300,
            self.api.max_output.saturating_sub(1500),
            |j| Some(job_item(j)),
        )
        .await?;
        let mut out = run_item(&run)
            .put("url", s(&run, "html_url"))
            .list("jobs", &jobs.items);
        if jobs.more {
            out = out.put("note", "more jobs exist than shown");
        }
        Ok(out.finish())
    }

    #[tool(
        description = "The last lines of a GitHub Actions job's log, timestamps stripped. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"job_id\": 399444496, \"tail_lines\": 400}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn get_job_logs(
        &self,
        Parameters(p): Parameters<GetJobLogsParams>,
    ) -> Result<String, ToolError> {
        let path = format!("{}/actions/jobs/{}/logs", p.repo.path()?, p.job_id);
        let (log, note) = content::raw_with_note(&self.api.get_text(&path).await?);
        let tail = p.tail_lines.unwrap_or(TAIL_LINES).clamp(1, MAX_TAIL_LINES);
        Ok(content::with_note(
            log_tail(
                &log,
                p.job_id,
                tail,
                p.timestamps,
                self.api.max_output.saturating_sub(400),
            ),
            note,
        ))
    }
}

/// Strips the ISO 8601 timestamp GitHub puts before each log line.
fn strip_timestamp(line: &str) -> &str {
    let bytes = line.as_bytes();
    let looks_like = bytes.len() > 20
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[10] == b'T'
        && bytes[..4].iter().all(u8::is_ascii_digit);
    if !looks_like {
        return line;
    }
    match line.find(' ') {
        Some(i) if line[..i].ends_with('Z') => &line[i + 1..],
        _ => line,
    }
}

/// The last `tail` lines of a log within `max` bytes, with a header.
fn log_tail(log: &str, job: u64, tail: usize, timestamps: bool, max: usize) -> String {
    let lines: Vec<&str> = log.lines().collect();
    let total = lines.len();
    let mut kept: Vec<&str> = Vec::new();
    let mut bytes = 0usize;
    let mut byte_cut = false;
    for line in lines.iter().rev().take(tail) {
        let line = if timestamps {
            line
        } else {
            strip_timestamp(line)
        };
        let line = line.trim_end_matches('\r');
        if bytes + line.len() + 1 > max {
            byte_cut = true;
            break;
        }
        bytes += line.len() + 1;
        kept.push(line);
    }
    kept.reverse();
    let first = total - kept.len() + 1;
    let mut out = if kept.len() == total {
        format!("[log of job {job}: {total} lines]\n")
    } else {
        format!(
            "[log of job {job}: {total} lines; showing lines {first}-{total}{}; raise tail_lines to see earlier lines]\n",
            if byte_cut {
                " (output size bound reached)"
            } else {
                ""
            }
        )
    };
    for line in kept {
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_tail_keeps_the_end_without_timestamps() {
        let log: String = (1..=500)
            .map(|i| format!("2025-03-01T10:00:00.1234567Z line {i}\n"))
            .collect();
        let out = log_tail(&log, 9, 3, false, 10_000);
        assert_eq!(
            out,
            "[log of job 9: 500 lines; showing lines 498-500; raise tail_lines to see earlier lines]\nline 498\nline 499\nline 500\n"
        );
        let raw = log_tail(&log, 9, 1, true, 10_000);
        assert!(
            raw.ends_with("2025-03-01T10:00:00.1234567Z line 500\n"),
            "{raw}"
        );
        let bounded = log_tail(&log, 9, 500, false, 100);
        assert!(bounded.contains("output size bound reached"), "{bounded}");
        assert!(bounded.len() < 300);
        assert_eq!(
            log_tail("a\nb\n", 1, 200, false, 100),
            "[log of job 1: 2 lines]\na\nb\n"
        );
    }

    #[test]
    fn jobs_name_their_failed_steps() {
        let job = serde_json::json!({"id": 1, "name": "test", "status": "completed", "conclusion": "failure",
            "steps": [{"name": "checkout", "conclusion": "success"}, {"name": "cargo test", "conclusion": "failure"}]});
        let v: Value = serde_json::from_str(&job_item(&job)).unwrap();
        assert_eq!(v["failed_steps"], serde_json::json!(["cargo test"]));
    }
}

//! Comparing two commits (`GET /repos/{owner}/{repo}/compare/{base}...{head}`), as
//! GitHub documents it: `status` (identical, ahead, behind, diverged), `ahead_by`,
//! `behind_by`, `total_commits`, the merge base, the commits reachable from head and
//! not from base (oldest first, paginated with `per_page`/`page` and a `link`
//! header), and the changed files with their patches, on the first page only (at
//! most 300). An unknown ref is 404 `Not Found`; a missing `...` is 404 too.

use std::collections::{BTreeMap, HashSet};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use crate::github::GithubState;
use crate::github::model::{FileChange, Repo};
use crate::github::paging::{self, Window};
use crate::github::query::Req;
use crate::github::reply;
use crate::github::routes::in_repo;

const DOCS: &str = "https://docs.github.com/rest/commits/commits#compare-two-commits";
/// GitHub lists at most this many changed files in a comparison.
const MAX_FILES: usize = 300;

/// Every commit reachable from `reference`, newest first, or `None` if unknown.
fn reachable(repo: &Repo, reference: &str) -> Option<Vec<String>> {
    let resolved = repo.resolve(reference)?;
    Some(
        resolved
            .branch
            .history
            .iter()
            .skip_while(|sha| **sha != resolved.sha)
            .cloned()
            .collect(),
    )
}

pub async fn compare(
    State(state): State<GithubState>,
    Path((owner, name, basehead)): Path<(String, String, String)>,
    req: Req,
) -> Response {
    in_repo(&state, &owner, &name, |view, repo| {
        let (base, head) = basehead.split_once("...")?;
        let missing = |r: &str| {
            Some(reply::error(
                StatusCode::NOT_FOUND,
                &format!("No commit found for {r}"),
                DOCS,
            ))
        };
        let Some(base_line) = reachable(repo, base) else {
            return missing(base);
        };
        let Some(head_line) = reachable(repo, head) else {
            return missing(head);
        };
        let in_base: HashSet<&String> = base_line.iter().collect();
        let in_head: HashSet<&String> = head_line.iter().collect();
        let mut ahead: Vec<&String> = head_line.iter().filter(|s| !in_base.contains(s)).collect();
        ahead.reverse();
        let behind = base_line.iter().filter(|s| !in_head.contains(s)).count();
        let merge_base = head_line.iter().find(|s| in_base.contains(s));
        let status = match (ahead.len(), behind) {
            (0, 0) => "identical",
            (_, 0) => "ahead",
            (0, _) => "behind",
            _ => "diverged",
        };
        // The changed files: each path's changes along the ahead commits, summed.
        let mut files: BTreeMap<String, FileChange> = BTreeMap::new();
        for sha in &ahead {
            let Some(c) = repo.commits.get(*sha) else {
                continue;
            };
            for f in &c.files {
                files
                    .entry(f.filename.clone())
                    .and_modify(|seen| {
                        seen.additions += f.additions;
                        seen.deletions += f.deletions;
                        seen.patch = format!("{}\n{}", seen.patch, f.patch);
                        seen.sha = f.sha.clone();
                        if seen.status != "added" {
                            seen.status = f.status.clone();
                        }
                    })
                    .or_insert_with(|| f.clone());
            }
        }
        let head_sha = head_line.first().cloned().unwrap_or_default();
        let commits: Vec<_> = ahead
            .iter()
            .filter_map(|sha| repo.commits.get(*sha))
            .map(|c| view.commit(repo, c, false))
            .collect();
        let first_page = Window::of(&req).page == 1;
        let file_values: Vec<_> = files
            .values()
            .take(MAX_FILES)
            .map(|f| {
                view.changed_file(
                    repo,
                    &head_sha,
                    f,
                    f.patch.len() <= crate::github::diff::PATCH_LIMIT,
                )
            })
            .collect();
        let commit_of = |sha: Option<&String>| {
            sha.and_then(|s| repo.commits.get(s))
                .map(|c| view.commit(repo, c, false))
                .unwrap_or(serde_json::Value::Null)
        };
        let html = format!("{}/compare/{basehead}", view.repo_html(repo));
        let url = format!("{}/compare/{basehead}", view.repo_url(repo));
        let base_commit = commit_of(base_line.first());
        let merge_base_commit = commit_of(merge_base);
        Some(paging::envelope(
            &req,
            view.base,
            &commits,
            |page, total| {
                json!({
                    "url": url,
                    "html_url": html,
                    "permalink_url": html,
                    "diff_url": format!("{html}.diff"),
                    "patch_url": format!("{html}.patch"),
                    "base_commit": base_commit,
                    "merge_base_commit": merge_base_commit,
                    "status": status,
                    "ahead_by": total,
                    "behind_by": behind,
                    "total_commits": total,
                    "commits": page,
                    "files": if first_page { file_values } else { Vec::new() },
                })
            },
        ))
    })
}

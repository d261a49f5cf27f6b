//! History: branches, commits (filtered by `sha`, `path`, `author`, `since`,
//! `until`), one commit with its changed files and patches, tags and releases.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use crate::github::GithubState;
use crate::github::model::{Commit, FileChange, Repo};
use crate::github::paging;
use crate::github::query::Req;
use crate::github::reply;
use crate::github::routes::in_repo;
use crate::github::shapes::{View, iso_opt, node_id};
use crate::github::time::{iso, parse_iso};

pub async fn branches(
    State(state): State<GithubState>,
    Path((owner, name)): Path<(String, String)>,
    req: Req,
) -> Response {
    in_repo(&state, &owner, &name, |view, repo| {
        let mut branches: Vec<_> = repo
            .branches
            .iter()
            .filter(|b| {
                req.get("protected")
                    .is_none_or(|p| (p == "true") == b.protected)
            })
            .collect();
        branches.sort_by(|a, b| a.name.cmp(&b.name));
        let items: Vec<Value> = branches
            .iter()
            .map(|b| {
                let sha = b.history.first().cloned().unwrap_or_default();
                json!({
                    "name": b.name,
                    "commit": {"sha": sha, "url": format!("{}/commits/{sha}", view.repo_url(repo))},
                    "protected": b.protected,
                })
            })
            .collect();
        Some(paging::list(&req, view.base, &items))
    })
}

pub async fn commits(
    State(state): State<GithubState>,
    Path((owner, name)): Path<(String, String)>,
    req: Req,
) -> Response {
    in_repo(&state, &owner, &name, |view, repo| {
        let start = req.get("sha").unwrap_or(&repo.default_branch);
        let Some(resolved) = repo.resolve(start) else {
            return Some(reply::error(
                StatusCode::NOT_FOUND,
                &format!("No commit found for SHA: {start}"),
                "https://docs.github.com/rest/commits/commits#list-commits",
            ));
        };
        let since = req.get("since").and_then(parse_iso);
        let until = req.get("until").and_then(parse_iso);
        let path = req.get("path").map(|p| p.trim_matches('/'));
        let author = req.get("author");
        let items: Vec<Value> = resolved
            .branch
            .history
            .iter()
            .skip_while(|sha| **sha != resolved.sha)
            .filter_map(|sha| repo.commits.get(sha))
            .filter(|c| since.is_none_or(|t| c.date >= t) && until.is_none_or(|t| c.date <= t))
            .filter(|c| path.is_none_or(|p| c.files.iter().any(|f| touches(&f.filename, p))))
            .filter(|c| {
                author.is_none_or(|a| {
                    c.author
                        .login
                        .as_deref()
                        .is_some_and(|l| l.eq_ignore_ascii_case(a))
                        || c.author.email.eq_ignore_ascii_case(a)
                })
            })
            .map(|c| view.commit(repo, c, false))
            .collect();
        Some(paging::list(&req, view.base, &items))
    })
}

/// Whether a changed file is `path` or lies under it.
fn touches(file: &str, path: &str) -> bool {
    path.is_empty() || file == path || file.starts_with(&format!("{path}/"))
}

pub async fn commit(
    State(state): State<GithubState>,
    Path((owner, name, reference)): Path<(String, String, String)>,
) -> Response {
    in_repo(&state, &owner, &name, |view, repo| {
        let found = repo
            .resolve(&reference)
            .and_then(|r| repo.commits.get(&r.sha));
        Some(match found {
            Some(c) => reply::json(&view.commit(repo, c, true)),
            None => reply::error(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("No commit found for SHA: {reference}"),
                "https://docs.github.com/rest/commits/commits#get-a-commit",
            ),
        })
    })
}

pub async fn tags(
    State(state): State<GithubState>,
    Path((owner, name)): Path<(String, String)>,
    req: Req,
) -> Response {
    in_repo(&state, &owner, &name, |view, repo| {
        let html = view.repo_html(repo);
        let items: Vec<Value> = repo
            .tags
            .iter()
            .rev()
            .map(|t| {
                json!({
                    "name": t.name,
                    "zipball_url": format!("{}/zipball/refs/tags/{}", view.repo_url(repo), t.name),
                    "tarball_url": format!("{}/tarball/refs/tags/{}", view.repo_url(repo), t.name),
                    "commit": {"sha": t.sha, "url": format!("{}/commits/{}", view.repo_url(repo), t.sha)},
                    "node_id": node_id("REF", t.name.len() as u64 + repo.id),
                    "html_url": format!("{html}/releases/tag/{}", t.name),
                })
            })
            .collect();
        Some(paging::list(&req, view.base, &items))
    })
}

pub async fn releases(
    State(state): State<GithubState>,
    Path((owner, name)): Path<(String, String)>,
    req: Req,
) -> Response {
    in_repo(&state, &owner, &name, |view, repo| {
        let mut releases: Vec<_> = repo.releases.iter().collect();
        releases.sort_by_key(|r| std::cmp::Reverse(r.created_at));
        let items: Vec<Value> = releases.iter().map(|r| view.release(repo, r)).collect();
        Some(paging::list(&req, view.base, &items))
    })
}

pub async fn latest_release(
    State(state): State<GithubState>,
    Path((owner, name)): Path<(String, String)>,
) -> Response {
    in_repo(&state, &owner, &name, |view, repo| {
        let latest = repo
            .releases
            .iter()
            .filter(|r| !r.draft && !r.prerelease)
            .max_by_key(|r| r.published_at)?;
        Some(reply::json(&view.release(repo, latest)))
    })
}

impl View<'_> {
    /// A commit as lists return it, or with `stats` and `files` when `full`.
    pub fn commit(&self, repo: &Repo, c: &Commit, full: bool) -> Value {
        let repo_url = self.repo_url(repo);
        let url = format!("{repo_url}/commits/{}", c.sha);
        let html = format!("{}/commit/{}", self.repo_html(repo), c.sha);
        let person = json!({"name": c.author.name, "email": c.author.email, "date": iso(c.date)});
        let tree = crate::github::model::sha_of(&format!("tree-of {}", c.sha));
        let mut value = json!({
            "sha": c.sha,
            "node_id": node_id("C", u64::from_str_radix(&c.sha[..12.min(c.sha.len())], 16).unwrap_or(0)),
            "commit": {
                "author": person,
                "committer": person,
                "message": c.message,
                "tree": {"sha": tree, "url": format!("{repo_url}/git/trees/{tree}")},
                "url": format!("{repo_url}/git/commits/{}", c.sha),
                "comment_count": 0,
                "verification": {"verified": false, "reason": "unsigned", "signature": null,
                                 "payload": null, "verified_at": null},
            },
            "url": url,
            "html_url": html,
            "comments_url": format!("{url}/comments"),
            "author": self.user_opt(c.author.login.as_deref()),
            "committer": self.user_opt(c.author.login.as_deref()),
            "parents": c.parents.iter().map(|p| json!({
                "sha": p, "url": format!("{repo_url}/commits/{p}"),
                "html_url": format!("{}/commit/{p}", self.repo_html(repo)),
            })).collect::<Vec<_>>(),
        });
        if full {
            let additions: usize = c.files.iter().map(|f| f.additions).sum();
            let deletions: usize = c.files.iter().map(|f| f.deletions).sum();
            value["stats"] = json!({"total": additions + deletions, "additions": additions, "deletions": deletions});
            value["files"] = json!(
                c.files
                    .iter()
                    .map(|f| self.changed_file(
                        repo,
                        &c.sha,
                        f,
                        f.patch.len() <= crate::github::diff::PATCH_LIMIT
                    ))
                    .collect::<Vec<_>>()
            );
        }
        value
    }

    /// A changed file of a commit or pull request.
    pub fn changed_file(&self, repo: &Repo, at: &str, f: &FileChange, with_patch: bool) -> Value {
        let html = self.repo_html(repo);
        let mut value = json!({
            "sha": f.sha,
            "filename": f.filename,
            "status": f.status,
            "additions": f.additions,
            "deletions": f.deletions,
            "changes": f.additions + f.deletions,
            "blob_url": format!("{html}/blob/{at}/{}", f.filename),
            "raw_url": format!("{html}/raw/{at}/{}", f.filename),
            "contents_url": format!("{}/contents/{}?ref={at}", self.repo_url(repo), f.filename),
        });
        if with_patch {
            value["patch"] = json!(f.patch);
        }
        value
    }

    pub fn release(&self, repo: &Repo, r: &crate::github::model::Release) -> Value {
        let url = format!("{}/releases/{}", self.repo_url(repo), r.id);
        json!({
            "url": url,
            "assets_url": format!("{url}/assets"),
            "upload_url": format!("{}/repos/{}/releases/{}/assets{{?name,label}}", self.base, repo.full_name(), r.id),
            "html_url": format!("{}/releases/tag/{}", self.repo_html(repo), r.tag_name),
            "id": r.id,
            "author": self.user(&r.author),
            "node_id": node_id("RE", r.id),
            "tag_name": r.tag_name,
            "target_commitish": r.target,
            "name": r.name,
            "draft": r.draft,
            "immutable": false,
            "prerelease": r.prerelease,
            "created_at": iso(r.created_at),
            "updated_at": iso(r.published_at),
            "published_at": iso_opt((!r.draft).then_some(r.published_at)),
            "assets": [],
            "tarball_url": format!("{}/tarball/{}", self.repo_url(repo), r.tag_name),
            "zipball_url": format!("{}/zipball/{}", self.repo_url(repo), r.tag_name),
            "body": r.body,
        })
    }
}

//! Files: `GET /repos/{o}/{r}/contents/{path}?ref=` (a file with its content in
//! base64, wrapped at 60 columns as GitHub does, or a directory's entries; the
//! root is `/contents` or `/contents/`) and `GET /repos/{o}/{r}/git/trees/{sha}`
//! (`recursive` for the whole tree).

use std::collections::BTreeSet;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use serde_json::{Value, json};

use crate::github::GithubState;
use crate::github::model::{Blob, Files, Repo, sha_of};
use crate::github::query::Req;
use crate::github::reply;
use crate::github::routes::in_repo;
use crate::github::shapes::View;

/// GitHub stops listing a recursive tree at this many entries (`truncated`).
const TREE_LIMIT: usize = 100_000;

pub async fn root(
    State(state): State<GithubState>,
    Path((owner, name)): Path<(String, String)>,
    req: Req,
) -> Response {
    contents(&state, &owner, &name, "", &req)
}

pub async fn get(
    State(state): State<GithubState>,
    Path((owner, name, path)): Path<(String, String, String)>,
    req: Req,
) -> Response {
    contents(&state, &owner, &name, &path, &req)
}

fn contents(state: &GithubState, owner: &str, name: &str, path: &str, req: &Req) -> Response {
    in_repo(state, owner, name, |view, repo| {
        let reference = req.get("ref").unwrap_or(&repo.default_branch).to_string();
        let Some(resolved) = repo.resolve(&reference) else {
            return Some(reply::error(
                StatusCode::NOT_FOUND,
                &format!("No commit found for the ref {reference}"),
                "https://docs.github.com/rest/repos/contents#get-repository-content",
            ));
        };
        let files = &resolved.branch.files;
        let path = path.trim_matches('/');
        if let Some(blob) = files.get(path) {
            return Some(reply::json(&view.file(repo, path, blob, &reference, true)));
        }
        let head = resolved.branch.history.first().map_or("", String::as_str);
        let entries = view.directory(repo, files, head, path, &reference);
        (!entries.is_empty()).then(|| reply::json(&Value::Array(entries)))
    })
}

pub async fn tree(
    State(state): State<GithubState>,
    Path((owner, name, sha)): Path<(String, String, String)>,
    req: Req,
) -> Response {
    in_repo(&state, &owner, &name, |view, repo| {
        let (files, head, dir) = find_tree(repo, &sha)?;
        let recursive = req.get("recursive").is_some();
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let mut entries: Vec<(String, Value)> = Vec::new();
        for d in directories(files) {
            if let Some(rel) = d.strip_prefix(&prefix)
                && (recursive || !rel.contains('/'))
                && !rel.is_empty()
            {
                let sha = tree_sha(head, &d);
                let url = format!("{}/git/trees/{sha}", view.repo_url(repo));
                entries.push((
                    rel.to_string(),
                    json!({"path": rel, "mode": "040000", "type": "tree", "sha": sha, "url": url}),
                ));
            }
        }
        for (path, blob) in files {
            if let Some(rel) = path.strip_prefix(&prefix)
                && (recursive || !rel.contains('/'))
            {
                let url = format!("{}/git/blobs/{}", view.repo_url(repo), blob.sha);
                entries.push((
                    rel.to_string(),
                    json!({"path": rel, "mode": "100644", "type": "blob", "sha": blob.sha,
                           "size": blob.text.len(), "url": url}),
                ));
            }
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let truncated = entries.len() > TREE_LIMIT;
        let tree: Vec<Value> = entries.into_iter().take(TREE_LIMIT).map(|e| e.1).collect();
        let sha = tree_sha(head, &dir);
        Some(reply::json(&json!({
            "sha": sha,
            "url": format!("{}/git/trees/{sha}", view.repo_url(repo)),
            "tree": tree,
            "truncated": truncated,
        })))
    })
}

/// The files, head commit and directory a tree-ish names: a ref, or the sha of
/// a (sub)tree of some branch head.
fn find_tree<'a>(repo: &'a Repo, sha: &str) -> Option<(&'a Files, &'a str, String)> {
    if let Some(resolved) = repo.resolve(sha) {
        let head = resolved.branch.history.first()?;
        return Some((&resolved.branch.files, head.as_str(), String::new()));
    }
    repo.branches.iter().find_map(|branch| {
        let head = branch.history.first()?;
        std::iter::once(String::new())
            .chain(directories(&branch.files))
            .find(|dir| tree_sha(head, dir) == sha)
            .map(|dir| (&branch.files, head.as_str(), dir))
    })
}

/// Every directory path that holds a file (not the root).
fn directories(files: &Files) -> BTreeSet<String> {
    let mut dirs = BTreeSet::new();
    for path in files.keys() {
        let mut rest = path.as_str();
        while let Some((parent, _)) = rest.rsplit_once('/') {
            dirs.insert(parent.to_string());
            rest = parent;
        }
    }
    dirs
}

fn tree_sha(head: &str, dir: &str) -> String {
    sha_of(&format!("tree {head} {dir}"))
}

/// Base64 wrapped at 60 columns, each line ending in `\n`, as GitHub sends it.
pub fn wrapped_base64(text: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 60 + 1);
    for chunk in encoded.as_bytes().chunks(60) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out
}

impl View<'_> {
    /// A file object (with `content` when `with_content`).
    pub fn file(
        &self,
        repo: &Repo,
        path: &str,
        blob: &Blob,
        reference: &str,
        with_content: bool,
    ) -> Value {
        let repo_url = self.repo_url(repo);
        let html = format!("{}/blob/{reference}/{path}", self.repo_html(repo));
        let url = format!("{repo_url}/contents/{path}?ref={reference}");
        let git = format!("{repo_url}/git/blobs/{}", blob.sha);
        let mut value = json!({
            "type": "file",
            "size": blob.text.len(),
            "name": path.rsplit('/').next().unwrap_or(path),
            "path": path,
            "sha": blob.sha,
            "url": url,
            "git_url": git,
            "html_url": html,
            "download_url": format!("{}/raw/{reference}/{path}", self.repo_html(repo)),
            "_links": {"self": url, "git": git, "html": html},
        });
        if with_content {
            value["content"] = json!(wrapped_base64(&blob.text));
            value["encoding"] = json!("base64");
        }
        value
    }

    /// The entries directly under `dir` ("" for the root), directories first as
    /// git sorts them by name; empty when `dir` is not a directory.
    fn directory(
        &self,
        repo: &Repo,
        files: &Files,
        head: &str,
        dir: &str,
        reference: &str,
    ) -> Vec<Value> {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let mut entries: Vec<(String, Value)> = Vec::new();
        for sub in directories(files) {
            if let Some(name) = sub.strip_prefix(&prefix)
                && !name.contains('/')
            {
                let sha = tree_sha(head, &sub);
                let url = format!("{}/contents/{sub}?ref={reference}", self.repo_url(repo));
                let git = format!("{}/git/trees/{sha}", self.repo_url(repo));
                let html = format!("{}/tree/{reference}/{sub}", self.repo_html(repo));
                entries.push((
                    name.to_string(),
                    json!({"type": "dir", "size": 0, "name": name, "path": sub, "sha": sha,
                           "url": url, "git_url": git, "html_url": html, "download_url": null,
                           "_links": {"self": url, "git": git, "html": html}}),
                ));
            }
        }
        for (path, blob) in files {
            if let Some(name) = path.strip_prefix(&prefix)
                && !name.contains('/')
            {
                entries.push((
                    name.to_string(),
                    self.file(repo, path, blob, reference, false),
                ));
            }
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries.into_iter().map(|e| e.1).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_wrapped_at_60() {
        let text = "x".repeat(100);
        let wrapped = wrapped_base64(&text);
        let lines: Vec<&str> = wrapped.lines().collect();
        assert!(lines.iter().all(|l| l.len() <= 60));
        assert_eq!(lines[0].len(), 60);
        let joined: String = lines.concat();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(joined)
            .unwrap();
        assert_eq!(decoded, text.as_bytes());
    }
}

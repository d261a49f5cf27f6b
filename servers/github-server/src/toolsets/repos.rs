//! Toolset `repos`: repositories, files, branches, commits, tags, releases, trees.
//!
//! File contents, directory listings and trees come back as plain text (one header
//! line in brackets, then the content) so code is not JSON-escaped; the rest is
//! compact JSON.

use base64::Engine;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use shared::ToolError;

use crate::api::{Query, RepoRef, file_path, login, repo_path, seg};
use crate::content;
use crate::paging::{self, ListArgs};
use crate::server::GithubServer;
use crate::shape::{Obj, cut, first_line, n, s, window, yes};

/// A repository, in full (get_repository).
pub fn repository(v: &Value) -> String {
    Obj::new()
        .put("full_name", s(v, "full_name"))
        .put("description", s(v, "description").map(|d| cut(d, 500).0))
        .put("visibility", s(v, "visibility"))
        .put("private", yes(v, "private"))
        .put("fork", yes(v, "fork"))
        .put("parent", v.get("parent").and_then(|p| s(p, "full_name")))
        .put("archived", yes(v, "archived"))
        .put("default_branch", s(v, "default_branch"))
        .put("language", s(v, "language"))
        .put("topics", v.get("topics"))
        .put("license", v.get("license").and_then(|l| s(l, "spdx_id")))
        .put("stars", n(v, "stargazers_count"))
        .put("forks", n(v, "forks_count"))
        .put("open_issues", n(v, "open_issues_count"))
        .put("homepage", s(v, "homepage"))
        .put("created_at", s(v, "created_at"))
        .put("pushed_at", s(v, "pushed_at"))
        .put("url", s(v, "html_url"))
        .finish()
}

/// A repository in a list (list_repositories, search_repositories).
pub fn repository_item(v: &Value) -> String {
    Obj::new()
        .put("full_name", s(v, "full_name"))
        .put(
            "description",
            s(v, "description").map(|d| first_line(d, 160)),
        )
        .put("private", yes(v, "private"))
        .put("fork", yes(v, "fork"))
        .put("archived", yes(v, "archived"))
        .put("language", s(v, "language"))
        .put("stars", n(v, "stargazers_count"))
        .put("default_branch", s(v, "default_branch"))
        .put("pushed_at", s(v, "pushed_at"))
        .finish()
}

/// Parameters naming one repository.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct RepoParams {
    /// Owner (user or org).
    pub owner: String,
    /// Repository name.
    pub repo: String,
}

/// Input of `list_repositories`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListRepositoriesParams {
    /// List this user's public repositories (omit both user and org for your own, private included).
    pub user: Option<String>,
    /// List this organization's repositories.
    pub org: Option<String>,
    /// created, updated, pushed or full_name.
    pub sort: Option<String>,
    /// How many items to return, and the cursor to continue from.
    #[serde(flatten)]
    pub page: ListArgs,
}

/// Input of `get_file_contents`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetFileContentsParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// File or directory path; "" for the root.
    #[serde(default)]
    pub path: String,
    /// Branch, tag or commit sha (default branch if omitted).
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    /// First line to show (1-based).
    pub start_line: Option<usize>,
    /// Last line to show (inclusive).
    pub end_line: Option<usize>,
    /// Byte offset to start at (from a cut notice).
    pub offset: Option<usize>,
    /// Most bytes of content (default 20000).
    pub max_bytes: Option<usize>,
}

/// Input of `list_branches`, `list_tags`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// How many items to return, and the cursor to continue from.
    #[serde(flatten)]
    pub page: ListArgs,
}

/// Input of `list_commits`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListCommitsParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// Branch, tag or sha to start from (default branch if omitted).
    pub sha: Option<String>,
    /// Only commits touching this file or directory.
    pub path: Option<String>,
    /// Author login or email.
    pub author: Option<String>,
    /// ISO 8601 time, e.g. 2025-01-31T00:00:00Z.
    pub since: Option<String>,
    /// ISO 8601 time.
    pub until: Option<String>,
    /// How many items to return, and the cursor to continue from.
    #[serde(flatten)]
    pub page: ListArgs,
}

/// Input of `get_commit`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetCommitParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// Commit sha, branch or tag.
    #[serde(rename = "ref")]
    pub git_ref: String,
    /// Most bytes of patch per file (default 1500; 0 for none).
    pub patch_bytes: Option<usize>,
}

/// Input of `list_releases`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListReleasesParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// true: only the latest published release, with its full notes.
    #[serde(default)]
    pub latest: bool,
    /// How many items to return, and the cursor to continue from.
    #[serde(flatten)]
    pub page: ListArgs,
}

/// Input of `get_tree`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetTreeParams {
    /// The repository (`owner`, `repo`).
    #[serde(flatten)]
    pub repo: RepoRef,
    /// Branch, tag, commit or tree sha (default branch if omitted).
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    /// Only entries under this directory, e.g. "src/api".
    pub path: Option<String>,
    /// Entries to skip (from a cut notice).
    pub offset: Option<usize>,
    /// Most entries (default 1000).
    pub limit: Option<usize>,
}

/// The default window of file contents.
const FILE_BYTES: usize = 20_000;

#[tool_router(router = repos_read, vis = "pub(crate)")]
impl GithubServer {
    #[tool(
        description = "One repository: description, default branch, visibility, language, topics, license, stars, forks, open issues, dates. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\"}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn get_repository(
        &self,
        Parameters(p): Parameters<RepoParams>,
    ) -> Result<String, ToolError> {
        let path = repo_path(&p.owner, &p.repo)?;
        Ok(repository(&self.api.get(&path).await?))
    }

    #[tool(
        description = "List repositories: yours (omit user and org; includes private and org ones), a user's, or an organization's. Example: {\"org\": \"rust-lang\", \"sort\": \"pushed\", \"limit\": 50}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_repositories(
        &self,
        Parameters(p): Parameters<ListRepositoriesParams>,
    ) -> Result<String, ToolError> {
        let nonblank = |o: &Option<String>| {
            o.as_deref()
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(str::to_string)
        };
        let path = match (nonblank(&p.user), nonblank(&p.org)) {
            (Some(_), Some(_)) => {
                return Err(ToolError::new("give either user or org, not both"));
            }
            (Some(u), None) => format!("/users/{}/repos", login(&u, "user")?),
            (None, Some(o)) => format!("/orgs/{}/repos", login(&o, "organization")?),
            (None, None) => "/user/repos".to_string(),
        };
        let query = Query::list().opt("sort", p.sort.as_deref());
        paging::list(
            &self.api,
            "list_repositories",
            &path,
            query,
            &p.page,
            None,
            |v| Some(repository_item(v)),
        )
        .await
    }

    #[tool(
        description = "Read a file (decoded text) or list a directory. Large files are cut with a notice saying how to read on. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"path\": \"src/main.rs\", \"start_line\": 100, \"end_line\": 200}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn get_file_contents(
        &self,
        Parameters(p): Parameters<GetFileContentsParams>,
    ) -> Result<String, ToolError> {
        let base = p.repo.path()?;
        let inner = file_path(&p.path);
        let contents = if inner.is_empty() {
            format!("{base}/contents")
        } else {
            format!("{base}/contents/{inner}")
        };
        let url = Query::default()
            .opt("ref", p.git_ref.as_deref())
            .on(&contents);
        let v = self.api.get(&url).await?;
        let at = p
            .git_ref
            .as_deref()
            .map(|r| format!(" @ {r}"))
            .unwrap_or_default();
        let budget = self.api.max_output.saturating_sub(600);
        if let Some(entries) = v.as_array() {
            return Ok(directory(&p.path, &at, entries, budget));
        }
        let max = p.max_bytes.unwrap_or(FILE_BYTES).clamp(1, budget);
        file(&v, &at, &p, max)
    }

    #[tool(
        description = "List branches with their head commit sha and whether protected. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\"}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_branches(
        &self,
        Parameters(p): Parameters<ListParams>,
    ) -> Result<String, ToolError> {
        let path = format!("{}/branches", p.repo.path()?);
        paging::list(
            &self.api,
            "list_branches",
            &path,
            Query::list(),
            &p.page,
            None,
            |v| Some(git_ref(v).put("protected", yes(v, "protected")).finish()),
        )
        .await
    }

    #[tool(
        description = "List commits, newest first: sha, title line, author, date. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"path\": \"src/lib.rs\", \"since\": \"2025-01-01T00:00:00Z\"}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_commits(
        &self,
        Parameters(p): Parameters<ListCommitsParams>,
    ) -> Result<String, ToolError> {
        let path = format!("{}/commits", p.repo.path()?);
        let query = Query::list()
            .opt("sha", p.sha.as_deref())
            .opt("path", p.path.as_deref())
            .opt("author", p.author.as_deref())
            .opt("since", p.since.as_deref())
            .opt("until", p.until.as_deref());
        paging::list(
            &self.api,
            "list_commits",
            &path,
            query,
            &p.page,
            None,
            |v| Some(commit_item(v)),
        )
        .await
    }

    #[tool(
        description = "One commit: message, author, date, parents, stats and changed files with their patches (each cut to patch_bytes). Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"ref\": \"6dcb09b\"}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn get_commit(
        &self,
        Parameters(p): Parameters<GetCommitParams>,
    ) -> Result<String, ToolError> {
        let path = format!("{}/commits/{}", p.repo.path()?, seg(p.git_ref.trim()));
        let v = self.api.get(&path).await?;
        Ok(commit_detail(
            &v,
            p.patch_bytes.unwrap_or(1500),
            self.api.max_output,
        ))
    }

    #[tool(
        description = "List tags with their commit sha. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"limit\": 10}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_tags(&self, Parameters(p): Parameters<ListParams>) -> Result<String, ToolError> {
        let path = format!("{}/tags", p.repo.path()?);
        paging::list(
            &self.api,
            "list_tags",
            &path,
            Query::list(),
            &p.page,
            None,
            |v| Some(git_ref(v).finish()),
        )
        .await
    }

    #[tool(
        description = "List releases, newest first (notes cut short), or with latest=true only the latest release with its notes. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"latest\": true}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_releases(
        &self,
        Parameters(p): Parameters<ListReleasesParams>,
    ) -> Result<String, ToolError> {
        let base = p.repo.path()?;
        if p.latest {
            let v = self.api.get(&format!("{base}/releases/latest")).await?;
            return Ok(release(&v, self.api.max_output / 2));
        }
        let path = format!("{base}/releases");
        paging::list(
            &self.api,
            "list_releases",
            &path,
            Query::list(),
            &p.page,
            None,
            |v| Some(release(v, 400)),
        )
        .await
    }

    #[tool(
        description = "The repository's file tree (recursive), one path per line (directories end in /, files show their size), optionally under a path. Example: {\"owner\": \"octocat\", \"repo\": \"hello-world\", \"path\": \"src\"}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn get_tree(
        &self,
        Parameters(p): Parameters<GetTreeParams>,
    ) -> Result<String, ToolError> {
        let base = p.repo.path()?;
        let git_ref = match p
            .git_ref
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            Some(r) => r.to_string(),
            None => {
                let repo = self.api.get(&base).await?;
                s(&repo, "default_branch").unwrap_or("HEAD").to_string()
            }
        };
        let url = Query::default()
            .set("recursive", 1)
            .on(&format!("{base}/git/trees/{}", seg(&git_ref)));
        let v = self.api.get(&url).await?;
        Ok(tree(
            &v,
            &git_ref,
            &p,
            self.api.max_output.saturating_sub(600),
        ))
    }
}

/// A branch or tag in a list: its name and commit sha.
fn git_ref(v: &Value) -> Obj {
    Obj::new()
        .put("name", s(v, "name"))
        .put("sha", v.get("commit").and_then(|c| s(c, "sha")))
}

/// A commit in a list.
pub fn commit_item(v: &Value) -> String {
    let commit = v.get("commit").unwrap_or(&Value::Null);
    let author = commit.get("author").unwrap_or(&Value::Null);
    Obj::new()
        .put("sha", s(v, "sha"))
        .put(
            "message",
            s(commit, "message").map(|m| first_line(&content::clean(m), 160)),
        )
        .put(
            "author",
            crate::shape::login(v, "author").or(s(author, "name")),
        )
        .put("date", s(author, "date"))
        .finish()
}

/// One commit with its files, bounded by `budget` bytes.
fn commit_detail(v: &Value, patch_bytes: usize, budget: usize) -> String {
    let commit = v.get("commit").unwrap_or(&Value::Null);
    let author = commit.get("author").unwrap_or(&Value::Null);
    let stats = v.get("stats").unwrap_or(&Value::Null);
    let head = Obj::new()
        .put("sha", s(v, "sha"))
        .put(
            "author",
            crate::shape::login(v, "author").or(s(author, "name")),
        )
        .put("date", s(author, "date"))
        .put(
            "message",
            s(commit, "message").map(|m| {
                let clean = content::sanitize(m);
                let who = crate::shape::login(v, "author")
                    .or(s(author, "name"))
                    .unwrap_or_default();
                let (shown, _) = cut(&clean.text, 4000);
                content::wrap_sanitized(who, content::Association::Unknown, shown, clean.report)
            }),
        )
        .put("parents", crate::shape::names_of(v, "parents", "sha"))
        .put("additions", n(stats, "additions"))
        .put("deletions", n(stats, "deletions"))
        .put("url", s(v, "html_url"));
    let empty = Vec::new();
    let files = v.get("files").and_then(Value::as_array).unwrap_or(&empty);
    let shown = changed_files(files, patch_bytes, 600, budget);
    let mut out = head.list("files", &shown.items);
    let mut notes = Vec::new();
    if shown.patches_cut > 0 {
        notes.push(format!(
            "{} patch(es) cut or left out; raise patch_bytes, or read a file at this ref with get_file_contents",
            shown.patches_cut
        ));
    }
    if shown.unlisted > 0 {
        notes.push(format!(
            "{} more file(s) not listed (output bound)",
            shown.unlisted
        ));
    }
    if !notes.is_empty() {
        out = out.put("note", notes.join("; "));
    }
    out.finish()
}

/// Changed files shaped for output, within a byte bound.
pub struct ChangedFiles {
    /// Each shown file, compact JSON text.
    pub items: Vec<String>,
    /// Files whose patch was cut or left out.
    pub patches_cut: usize,
    /// Files left out because the bound was reached (the last ones).
    pub unlisted: usize,
}

/// `files` (GitHub's changed-file objects) with each patch cut to `patch_bytes`,
/// patches then files left out once `used` plus their size would pass `budget`.
pub fn changed_files(
    files: &[Value],
    patch_bytes: usize,
    mut used: usize,
    budget: usize,
) -> ChangedFiles {
    let mut out = ChangedFiles {
        items: Vec::new(),
        patches_cut: 0,
        unlisted: 0,
    };
    for f in files {
        let patch = s(f, "patch").unwrap_or_default();
        let mut shown = if patch_bytes == 0 {
            ""
        } else {
            cut(patch, patch_bytes).0
        };
        if used + shown.len() + 200 > budget {
            shown = "";
        }
        if shown.len() < patch.len() && patch_bytes > 0 {
            out.patches_cut += 1;
        }
        let item = file_change(f, shown, shown.len() < patch.len());
        if used + item.len() > budget || out.unlisted > 0 {
            out.unlisted += 1;
            continue;
        }
        used += item.len() + 1;
        out.items.push(item);
    }
    out
}

/// A changed file of a commit or pull request, with an optional (cut) patch.
pub fn file_change(f: &Value, patch: &str, patch_cut: bool) -> String {
    Obj::new()
        .put("path", s(f, "filename"))
        .put("status", s(f, "status"))
        .put("previous_path", s(f, "previous_filename"))
        .put("additions", n(f, "additions"))
        .put("deletions", n(f, "deletions"))
        .put("patch", content::sanitize_raw(patch).text)
        .put("patch_cut", patch_cut.then_some(true))
        .finish()
}

/// A release with its notes cut to `body_bytes`.
pub fn release(v: &Value, body_bytes: usize) -> String {
    let clean = content::sanitize(s(v, "body").unwrap_or_default());
    let (notes, was_cut) = cut(&clean.text, body_bytes);
    Obj::new()
        .put("id", n(v, "id"))
        .put("tag", s(v, "tag_name"))
        .put("name", s(v, "name").map(content::clean))
        .put("draft", yes(v, "draft"))
        .put("prerelease", yes(v, "prerelease"))
        .put("published_at", s(v, "published_at"))
        .put("author", crate::shape::login(v, "author"))
        .put(
            "notes",
            (!notes.is_empty()).then(|| {
                let notes = if was_cut {
                    format!("{notes}…[cut]")
                } else {
                    notes.to_string()
                };
                let who = crate::shape::login(v, "author").unwrap_or_default();
                content::wrap_sanitized(who, content::Association::Unknown, &notes, clean.report)
            }),
        )
        .put("url", s(v, "html_url"))
        .finish()
}

/// A directory listing as text, directories first.
fn directory(path: &str, at: &str, entries: &[Value], budget: usize) -> String {
    let mut sorted: Vec<&Value> = entries.iter().collect();
    sorted.sort_by_key(|e| {
        (
            s(e, "type") != Some("dir"),
            s(e, "name").unwrap_or_default().to_string(),
        )
    });
    let shown_path = if path.trim_matches('/').is_empty() {
        "/"
    } else {
        path
    };
    let mut out = format!("[directory {shown_path}{at}: {} entries]\n", entries.len());
    for (i, e) in sorted.iter().enumerate() {
        let name = s(e, "path").or(s(e, "name")).unwrap_or("?");
        let line = match s(e, "type") {
            Some("dir") => format!("{name}/\n"),
            Some("file") => format!("{name}  {}\n", size(n(e, "size").unwrap_or(0))),
            Some("symlink") => format!("{name}  (symlink)\n"),
            Some("submodule") => format!("{name}  (submodule)\n"),
            other => format!("{name}  ({})\n", other.unwrap_or("?")),
        };
        if out.len() + line.len() > budget {
            out.push_str(&format!(
                "[{} more entries not shown; use get_tree with path=\"{}\" and offset to page]\n",
                sorted.len() - i,
                path.trim_matches('/')
            ));
            break;
        }
        out.push_str(&line);
    }
    out
}

fn size(bytes: i64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / (1 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

/// A file's decoded text, windowed by lines or bytes, with a header and notice.
fn file(v: &Value, at: &str, p: &GetFileContentsParams, max: usize) -> Result<String, ToolError> {
    let path = s(v, "path").unwrap_or(&p.path);
    let size_bytes = n(v, "size").unwrap_or(0);
    let sha = s(v, "sha").map(|x| &x[..x.len().min(12)]).unwrap_or("?");
    match s(v, "type") {
        Some("file") | None => {}
        Some("symlink") => {
            return Ok(format!(
                "[symlink {path}{at} -> {}]",
                s(v, "target").unwrap_or("?")
            ));
        }
        Some(other) => {
            return Ok(format!(
                "[{path}{at} is a {other}{}]",
                s(v, "submodule_git_url")
                    .map(|u| format!(" ({u})"))
                    .unwrap_or_default()
            ));
        }
    }
    let encoded = s(v, "content").unwrap_or_default();
    if encoded.is_empty() && size_bytes > 0 {
        return Ok(format!(
            "[file {path}{at}: {size_bytes} bytes, too large for the contents API (over 1 MB); read it locally or via its raw URL {}]",
            s(v, "download_url").unwrap_or("(none)")
        ));
    }
    let compact: String = encoded.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| {
            ToolError::new(format!(
                "GitHub sent content that is not valid base64 ({e})"
            ))
        })?;
    if bytes[..bytes.len().min(8000)].contains(&0) {
        return Ok(format!(
            "[binary file {path}{at}: {} bytes, sha {sha}; not shown]",
            bytes.len()
        ));
    }
    let (text, note) = content::raw_with_note(&String::from_utf8_lossy(&bytes));
    Ok(content::with_note(
        text_window(&text, path, at, sha, p, max),
        note,
    ))
}

/// The part of `text` the parameters ask for, with header and continuation notice.
fn text_window(
    text: &str,
    path: &str,
    at: &str,
    sha: &str,
    p: &GetFileContentsParams,
    max: usize,
) -> String {
    let total_lines = text.lines().count();
    let line_start = |line: usize| -> usize {
        if line <= 1 {
            return 0;
        }
        text.match_indices('\n')
            .nth(line - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    let line_of = |offset: usize| text[..offset].matches('\n').count() + 1;
    let (from, limit_end) = if p.start_line.is_some() || p.end_line.is_some() {
        let first = p.start_line.unwrap_or(1).max(1);
        let last = p.end_line.unwrap_or(usize::MAX);
        if first > total_lines.max(1) {
            return format!(
                "[file {path}{at}: {} bytes, {total_lines} lines; start_line {first} is past the end]",
                text.len()
            );
        }
        let end = if last >= total_lines {
            text.len()
        } else {
            line_start(last + 1)
        };
        (line_start(first), end.max(line_start(first)))
    } else {
        (p.offset.unwrap_or(0).min(text.len()), text.len())
    };
    let (part, end) = window(
        &text[..limit_end],
        from,
        max.min(limit_end - from.min(limit_end)).max(1),
    );
    let start = end - part.len();
    let (first_line_no, last_line_no) = if part.is_empty() {
        (line_of(start), line_of(start))
    } else {
        (line_of(start), line_of(end - 1))
    };
    let whole = start == 0 && end == text.len();
    let mut out = format!(
        "[file {path}{at}: {} bytes, {total_lines} lines, sha {sha}{}]\n",
        text.len(),
        if whole {
            String::new()
        } else {
            format!("; showing lines {first_line_no}-{last_line_no} (bytes {start}-{end})")
        }
    );
    out.push_str(part);
    if end < limit_end {
        if !part.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!(
            "[cut at the {max}-byte bound; continue with offset={end} or start_line={}]",
            if part.ends_with('\n') {
                last_line_no + 1
            } else {
                last_line_no
            }
        ));
    } else if end < text.len() && !whole {
        if !part.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!(
            "[{} more lines after line {last_line_no}]",
            total_lines.saturating_sub(last_line_no)
        ));
    }
    out
}

/// A recursive tree as text, filtered to a path and paged by offset/limit.
fn tree(v: &Value, git_ref: &str, p: &GetTreeParams, budget: usize) -> String {
    let prefix = p.path.as_deref().unwrap_or_default().trim_matches('/');
    let empty = Vec::new();
    let entries: Vec<&Value> = v
        .get("tree")
        .and_then(Value::as_array)
        .unwrap_or(&empty)
        .iter()
        .filter(|e| {
            let path = s(e, "path").unwrap_or_default();
            prefix.is_empty()
                || path
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
        .collect();
    let offset = p.offset.unwrap_or(0);
    let limit = p.limit.unwrap_or(1000).clamp(1, 100_000);
    let mut out = format!(
        "[tree {git_ref}{}{}: {} entries]\n",
        if prefix.is_empty() {
            String::new()
        } else {
            format!(" under {prefix}/")
        },
        s(v, "sha")
            .map(|x| format!(" (sha {})", &x[..x.len().min(12)]))
            .unwrap_or_default(),
        entries.len()
    );
    let mut shown = 0usize;
    for e in entries.iter().skip(offset).take(limit) {
        let path = s(e, "path").unwrap_or("?");
        let line = match s(e, "type") {
            Some("tree") => format!("{path}/\n"),
            Some("commit") => format!("{path}  (submodule)\n"),
            _ => format!("{path}  {}\n", size(n(e, "size").unwrap_or(0))),
        };
        if out.len() + line.len() > budget {
            break;
        }
        out.push_str(&line);
        shown += 1;
    }
    let next = offset + shown;
    if next < entries.len() {
        out.push_str(&format!(
            "[showing entries {}-{next} of {}; continue with offset={next}, or narrow with path]\n",
            offset + 1,
            entries.len()
        ));
    }
    if yes(v, "truncated").is_some() {
        out.push_str("[GitHub truncated this tree (too many entries): list a subdirectory with get_file_contents]\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(
        start: Option<usize>,
        end: Option<usize>,
        offset: Option<usize>,
    ) -> GetFileContentsParams {
        GetFileContentsParams {
            repo: RepoRef {
                owner: "o".into(),
                repo: "r".into(),
            },
            path: "a.txt".into(),
            git_ref: None,
            start_line: start,
            end_line: end,
            offset,
            max_bytes: None,
        }
    }

    fn file_value(text: &str) -> Value {
        let b64 = base64::engine::general_purpose::STANDARD.encode(text);
        // GitHub wraps base64 at 60 columns.
        let wrapped: Vec<String> = b64
            .as_bytes()
            .chunks(60)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        json!({"type": "file", "path": "a.txt", "size": text.len(), "sha": "0123456789abcdef", "content": wrapped.join("\n")})
    }

    #[test]
    fn whole_small_file_has_a_plain_header() {
        let out = file(
            &file_value("one\ntwo\n"),
            "",
            &params(None, None, None),
            100,
        )
        .unwrap();
        assert_eq!(
            out,
            "[file a.txt: 8 bytes, 2 lines, sha 0123456789ab]\none\ntwo\n"
        );
    }

    #[test]
    fn line_ranges_and_byte_windows() {
        let text: String = (1..=100).map(|i| format!("line {i}\n")).collect();
        let v = file_value(&text);
        let out = file(&v, "", &params(Some(10), Some(12), None), 10_000).unwrap();
        assert!(out.contains("showing lines 10-12"), "{out}");
        assert!(
            out.ends_with("line 10\nline 11\nline 12\n[88 more lines after line 12]"),
            "{out}"
        );
        let out = file(&v, "", &params(None, None, None), 50).unwrap();
        assert!(
            out.contains("[cut at the 50-byte bound; continue with offset="),
            "{out}"
        );
        let offset: usize = out
            .split("offset=")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let next = file(&v, "", &params(None, None, Some(offset)), 50).unwrap();
        let first_shown = next.lines().nth(1).unwrap();
        assert!(first_shown.starts_with("line "), "{next}");
        assert!(!out.contains(first_shown), "window repeats: {first_shown}");
        let past = file(&v, "", &params(Some(500), None, None), 50).unwrap();
        assert!(past.contains("past the end"), "{past}");
    }

    #[test]
    fn binary_and_large_files_are_not_dumped() {
        let mut v = file_value("a\0b");
        assert!(
            file(&v, "", &params(None, None, None), 100)
                .unwrap()
                .contains("binary file")
        );
        v["content"] = json!("");
        v["size"] = json!(5_000_000);
        assert!(
            file(&v, "", &params(None, None, None), 100)
                .unwrap()
                .contains("too large")
        );
    }

    #[test]
    fn directories_and_trees_are_compact_and_bounded() {
        let entries = vec![
            json!({"type": "file", "name": "b.md", "path": "docs/b.md", "size": 2048}),
            json!({"type": "dir", "name": "img", "path": "docs/img"}),
        ];
        let out = directory("docs", "", &entries, 10_000);
        assert_eq!(
            out,
            "[directory docs: 2 entries]\ndocs/img/\ndocs/b.md  2.0 KB\n"
        );
        let tree_v = json!({"sha": "abc", "truncated": false, "tree": [
            {"path": "src", "type": "tree"}, {"path": "src/a.rs", "type": "blob", "size": 10},
            {"path": "src/b.rs", "type": "blob", "size": 20}, {"path": "srcx", "type": "blob", "size": 1}]});
        let p = GetTreeParams {
            repo: RepoRef {
                owner: "o".into(),
                repo: "r".into(),
            },
            git_ref: None,
            path: Some("src".into()),
            offset: None,
            limit: Some(1),
        };
        let out = tree(&tree_v, "main", &p, 10_000);
        assert!(
            out.starts_with("[tree main under src/ (sha abc): 2 entries]\nsrc/a.rs  10 B\n"),
            "{out}"
        );
        assert!(out.contains("continue with offset=1"), "{out}");
    }

    #[test]
    fn commit_detail_cuts_patches_and_stays_bounded() {
        let files: Vec<Value> = (0..50)
            .map(|i| json!({"filename": format!("f{i}.rs"), "status": "modified", "additions": 1, "deletions": 1, "patch": "+x\n".repeat(1000)}))
            .collect();
        let v = json!({"sha": "abc", "commit": {"message": "Fix\n\nbody", "author": {"name": "A", "date": "2025-01-01T00:00:00Z"}}, "files": files});
        let out = commit_detail(&v, 100, 8000);
        assert!(out.len() <= 8000, "{}", out.len());
        let parsed: Value = serde_json::from_str(&out).unwrap();
        assert!(parsed["note"].as_str().unwrap().contains("patch_bytes"));
    }
}

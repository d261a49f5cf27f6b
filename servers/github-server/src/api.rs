//! The GitHub side of every tool: request paths built from checked, percent-encoded
//! parts, and the calls made through the shared upstream client (limiter, retries for
//! reads only, ETag cache, token-scrubbed actionable errors).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use shared::ToolError;
use shared::error::to_tool_error;
use shared::upstream::{Method, UpstreamClient, UpstreamResponse};

/// Characters kept as they are in one path segment (RFC 3986 unreserved).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Media type of a raw unified diff.
pub const DIFF: &str = "application/vnd.github.diff";

/// The client and the output bound, shared by every session.
#[derive(Clone, Debug)]
pub struct Api {
    /// The shared upstream client, configured for GitHub.
    pub client: UpstreamClient,
    /// Most bytes one tool result may hold.
    pub max_output: usize,
    /// The `--lockdown` filter, when on.
    pub lockdown: Option<std::sync::Arc<crate::content::lockdown::Lockdown>>,
}

impl Api {
    /// The smallest output bound: room for a header, a notice and some content.
    pub const MIN_OUTPUT: usize = 4096;

    /// Calls through `client`, bounding outputs at `max_output` bytes (at least [`Self::MIN_OUTPUT`]).
    pub fn new(client: UpstreamClient, max_output: usize) -> Self {
        Self {
            client,
            max_output: max_output.max(Self::MIN_OUTPUT),
            lockdown: None,
        }
    }

    /// The same, withholding text by users without push access in public
    /// repositories when `on` (`--lockdown`, see [`crate::content::lockdown`]).
    pub fn with_lockdown(mut self, on: bool) -> Self {
        self.lockdown = on.then(|| std::sync::Arc::new(crate::content::lockdown::Lockdown::new()));
        self
    }

    /// GETs `path` and parses the JSON body.
    pub async fn get(&self, path: &str) -> Result<Value, ToolError> {
        self.client.get_json(path).await.map_err(to_tool_error)
    }

    /// GETs `path` and returns the body as text (lossy UTF-8), e.g. job logs.
    pub async fn get_text(&self, path: &str) -> Result<String, ToolError> {
        let response = self.client.get(path).await.map_err(to_tool_error)?;
        Ok(String::from_utf8_lossy(&response.body).into_owned())
    }

    /// GETs `path` with `accept: application/vnd.github.diff` and returns the diff.
    pub async fn get_diff(&self, path: &str) -> Result<String, ToolError> {
        let response = self
            .client
            .request(Method::GET, path)
            .header("accept", DIFF)
            .send()
            .await
            .map_err(to_tool_error)?;
        Ok(String::from_utf8_lossy(&response.body).into_owned())
    }

    /// Sends a change (POST/PATCH/PUT) with a JSON body. Only `idempotent` changes are
    /// retried; a timed-out other change is reported as "outcome unknown".
    pub async fn write(
        &self,
        method: Method,
        path: &str,
        body: Value,
        idempotent: bool,
    ) -> Result<UpstreamResponse, ToolError> {
        self.client
            .request(method, path)
            .json(body)
            .idempotent(idempotent)
            .send()
            .await
            .map_err(to_tool_error)
    }

    /// Sends a change and parses the JSON answer (`null` for an empty body).
    pub async fn write_json(
        &self,
        method: Method,
        path: &str,
        body: Value,
        idempotent: bool,
    ) -> Result<Value, ToolError> {
        let response = self.write(method, path, body, idempotent).await?;
        if response.body.is_empty() {
            return Ok(Value::Null);
        }
        response.json().map_err(to_tool_error)
    }

    /// Checks that `cursor` continues a listing of `path` (same endpoint on this
    /// API), so a cursor from another tool or host is refused with a clear message.
    pub fn check_cursor(&self, cursor: &str, path: &str) -> Result<(), ToolError> {
        let bad = || {
            ToolError::new(
                "invalid cursor: pass back the `cursor` value exactly as an earlier call of this same tool (with the same owner/repo/number) returned it, or omit it to start from the first result",
            )
        };
        let given = self.client.resolve(cursor).map_err(|_| bad())?;
        let expected = self.client.resolve(path).map_err(to_tool_error)?;
        if given.path() != expected.path() {
            return Err(bad());
        }
        Ok(())
    }
}

/// One path segment, percent-encoded (a branch name `feature/x` becomes `feature%2Fx`).
pub fn seg(text: &str) -> String {
    utf8_percent_encode(text, SEGMENT).to_string()
}

/// A file path inside a repository: each segment encoded, slashes kept.
pub fn file_path(path: &str) -> String {
    path.trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(seg)
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether `name` can be a login or repository name: 1 to 100 ASCII letters,
/// digits, `-`, `_` or `.`, and not `.` or `..`.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name != "."
        && name != ".."
}

/// Checks a login (user or organization name).
pub fn login(name: &str, what: &str) -> Result<String, ToolError> {
    let name = name.trim();
    if valid_name(name) {
        Ok(name.to_string())
    } else {
        Err(ToolError::new(format!(
            "`{name}` is not a valid {what}: use the GitHub login, e.g. octocat"
        )))
    }
}

/// `/repos/{owner}/{repo}` after checking both names. `repo` may also be given
/// as `owner/name` with an empty `owner`.
pub fn repo_path(owner: &str, repo: &str) -> Result<String, ToolError> {
    let (owner, repo) = match repo.split_once('/') {
        Some((o, r)) if owner.trim().is_empty() || owner.trim() == o => (o, r),
        _ => (owner, repo),
    };
    let owner = login(owner, "owner")?;
    let repo = repo.trim().trim_end_matches(".git");
    if !valid_name(repo) {
        return Err(ToolError::new(format!(
            "`{repo}` is not a valid repository name: pass the name alone, e.g. owner \"octocat\" and repo \"hello-world\""
        )));
    }
    Ok(format!("/repos/{owner}/{repo}"))
}

/// The `owner` and `repo` of a tool's parameters, flattened into them (the model
/// still sees two plain string fields).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct RepoRef {
    /// Owner (user or org).
    pub owner: String,
    /// Repository name.
    pub repo: String,
}

impl RepoRef {
    /// `/repos/{owner}/{repo}`, checked as [`repo_path`] checks it.
    pub fn path(&self) -> Result<String, ToolError> {
        repo_path(&self.owner, &self.repo)
    }
}

/// The schema of a [`comma_list`] field: one string (`"bug,ui"`) or a list of
/// strings (`["bug", "ui"]`). Its variants carry no docs on purpose: schemars
/// would turn them into schema descriptions and change tools/list.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code, missing_docs)]
pub enum CommaList {
    One(String),
    Many(Vec<String>),
}

/// Deserializes a comma-separated filter given either as one string (`"bug,ui"`) or
/// as a list (`["bug", "ui"]`), since models send both.
pub fn comma_list<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Given {
        One(String),
        Many(Vec<String>),
    }
    Ok(
        match <Option<Given> as serde::Deserialize>::deserialize(de)? {
            None => None,
            Some(Given::One(s)) => Some(s),
            Some(Given::Many(v)) => Some(v.join(",")),
        },
    )
}

/// A query string builder that leaves out unset and blank values.
#[derive(Debug, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// A query for a list endpoint: `per_page=100` first.
    pub fn list() -> Self {
        Self::default().set("per_page", "100")
    }

    /// Adds `key=value`.
    pub fn set(mut self, key: &str, value: impl ToString) -> Self {
        self.pairs.push((key.to_string(), value.to_string()));
        self
    }

    /// Adds `key=value` when `value` is set and not blank.
    pub fn opt(self, key: &str, value: Option<impl ToString>) -> Self {
        match value.map(|v| v.to_string()) {
            Some(v) if !v.trim().is_empty() => self.set(key, v.trim()),
            _ => self,
        }
    }

    /// `path?query` (just `path` without pairs).
    pub fn on(&self, path: &str) -> String {
        if self.pairs.is_empty() {
            return path.to_string();
        }
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.pairs.iter())
            .finish();
        format!("{path}?{query}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_checked_and_encoded() {
        assert_eq!(
            repo_path("octocat", "hello-world").unwrap(),
            "/repos/octocat/hello-world"
        );
        assert_eq!(
            repo_path("", "octocat/hello.js").unwrap(),
            "/repos/octocat/hello.js"
        );
        assert!(repo_path("octo/cat", "x").is_err());
        assert!(repo_path("octocat", "..").is_err());
        assert!(repo_path("octocat", "a?b").is_err());
        assert_eq!(seg("feature/x y"), "feature%2Fx%20y");
        assert_eq!(file_path("/docs/a b/#1.md"), "docs/a%20b/%231.md");
    }

    #[test]
    fn comma_lists_accept_strings_and_arrays() {
        #[derive(serde::Deserialize)]
        struct P {
            #[serde(default, deserialize_with = "comma_list")]
            labels: Option<String>,
        }
        let parse = |v: serde_json::Value| serde_json::from_value::<P>(v).unwrap().labels;
        assert_eq!(
            parse(serde_json::json!({"labels": "bug,ui"})).as_deref(),
            Some("bug,ui")
        );
        assert_eq!(
            parse(serde_json::json!({"labels": ["bug", "ui"]})).as_deref(),
            Some("bug,ui")
        );
        assert_eq!(parse(serde_json::json!({})), None);
    }

    #[test]
    fn query_skips_blanks_and_encodes() {
        let q = Query::list()
            .opt("state", Some("open"))
            .opt("labels", Some("bug,ui x"))
            .opt("assignee", None::<&str>)
            .opt("creator", Some(" "));
        assert_eq!(
            q.on("/repos/o/r/issues"),
            "/repos/o/r/issues?per_page=100&state=open&labels=bug%2Cui+x"
        );
        assert_eq!(Query::default().on("/user"), "/user");
    }
}

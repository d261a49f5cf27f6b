//! Toolset `gists` (not in the default): your gists, one gist with its files, and
//! with `--allow-write` a new gist (secret unless `public` is true).
//!
//! File contents are raw text: sanitised like files and diffs (invisible and
//! bidirectional characters shown as `[U+XXXX]`), each cut at `max_bytes` and all
//! within the output bound, with a notice saying how to read on (`file`, `offset`).
//! A create is sent once, never retried.

use std::collections::BTreeMap;

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use shared::ToolError;
use shared::upstream::Method;

use crate::api::{Query, seg};
use crate::content;
use crate::paging::{self, ListArgs};
use crate::server::GithubServer;
use crate::shape::{Obj, first_line, s, window, yes};

/// Input of `list_gists`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListGistsParams {
    /// How many items to return, and the cursor to continue from.
    #[serde(flatten)]
    pub page: ListArgs,
}

/// Input of `get_gist`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetGistParams {
    /// The gist's id (from list_gists or its URL).
    pub gist_id: String,
    /// Only this file of the gist.
    pub file: Option<String>,
    /// Byte offset to start each file at (from a cut notice).
    pub offset: Option<usize>,
    /// Most bytes of each file (default 20000).
    pub max_bytes: Option<usize>,
}

/// Input of `create_gist`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateGistParams {
    /// File name to content, e.g. {"notes.md": "# Notes"}.
    pub files: BTreeMap<String, String>,
    /// What the gist is.
    pub description: Option<String>,
    /// true for a public gist; secret (unlisted) by default.
    #[serde(default)]
    pub public: bool,
}

/// The default window of each file.
const FILE_BYTES: usize = 20_000;

/// A gist in a list: id, description, file names, visibility.
fn gist_item(v: &Value) -> String {
    Obj::new()
        .put("id", s(v, "id"))
        .put(
            "description",
            s(v, "description").map(|d| first_line(&content::clean(d), 160)),
        )
        .put("files", file_names(v))
        .always("public", yes(v, "public").unwrap_or(false))
        .put("updated_at", s(v, "updated_at"))
        .put("url", s(v, "html_url"))
        .finish()
}

fn file_names(v: &Value) -> Vec<String> {
    v.get("files")
        .and_then(Value::as_object)
        .map(|f| f.keys().map(|k| content::clean(k)).collect())
        .unwrap_or_default()
}

#[tool_router(router = gists_read, vis = "pub(crate)")]
impl GithubServer {
    #[tool(
        description = "List your gists (secret ones included), newest first: id, description, file names. Example: {\"limit\": 10}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_gists(
        &self,
        Parameters(p): Parameters<ListGistsParams>,
    ) -> Result<String, ToolError> {
        paging::list(
            &self.api,
            "list_gists",
            "/gists",
            Query::list(),
            &p.page,
            None,
            |v| Some(gist_item(v)),
        )
        .await
    }

    #[tool(
        description = "One gist with its files' contents (each cut at max_bytes; offset or file reads on). Example: {\"gist_id\": \"aa5a315d61ae9438b18d\", \"file\": \"notes.md\"}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn get_gist(
        &self,
        Parameters(p): Parameters<GetGistParams>,
    ) -> Result<String, ToolError> {
        let id = p.gist_id.trim();
        if id.is_empty() {
            return Err(ToolError::new(
                "gist_id must be the gist's id, e.g. from list_gists",
            ));
        }
        let v = self.api.get(&format!("/gists/{}", seg(id))).await?;
        let budget = self.api.max_output.saturating_sub(1000);
        let max = p.max_bytes.unwrap_or(FILE_BYTES).clamp(1, budget);
        let offset = p.offset.unwrap_or(0);
        let empty = serde_json::Map::new();
        let files = v.get("files").and_then(Value::as_object).unwrap_or(&empty);
        if let Some(want) = p.file.as_deref()
            && !files.contains_key(want)
        {
            return Err(ToolError::new(format!(
                "gist {id} has no file `{want}`; its files: {}",
                file_names(&v).join(", ")
            )));
        }
        let mut used = 0usize;
        let mut shown = Vec::new();
        let mut notes = Vec::new();
        for (name, f) in files {
            if p.file.as_deref().is_some_and(|w| w != name) {
                continue;
            }
            let text = s(f, "content").unwrap_or_default();
            let room = max.min(budget.saturating_sub(used));
            let (part, next) = window(text, offset.min(text.len()), room);
            let (clean, note) = content::raw_with_note(part);
            used += clean.len() + 200;
            if next < text.len() {
                notes.push(format!(
                    "{name}: bytes {}..{next} of {} shown; call get_gist again with \"file\": \"{name}\", \"offset\": {next}",
                    offset.min(text.len()),
                    text.len()
                ));
            }
            if yes(f, "truncated") == Some(true) {
                notes.push(format!(
                    "{name}: GitHub sends only the first megabyte; the whole file is at its raw_url"
                ));
            }
            shown.push(
                Obj::new()
                    .put("name", content::clean(name))
                    .put("size", crate::shape::n(f, "size"))
                    .put("note", note)
                    .put("content", clean)
                    .finish(),
            );
        }
        let mut out = Obj::new()
            .put("id", s(&v, "id"))
            .put("description", s(&v, "description").map(content::clean))
            .put("owner", crate::shape::login(&v, "owner"))
            .always("public", yes(&v, "public").unwrap_or(false))
            .put("updated_at", s(&v, "updated_at"))
            .put("url", s(&v, "html_url"))
            .list("files", &shown);
        if !notes.is_empty() {
            out = out.put("note", notes.join("; "));
        }
        Ok(out.finish())
    }
}

#[tool_router(router = gists_write, vis = "pub(crate)")]
impl GithubServer {
    #[tool(
        description = "Create a gist, secret unless public is true. Example: {\"files\": {\"notes.md\": \"# Notes\"}, \"description\": \"meeting notes\"}. Sent once: if it times out, check list_gists before retrying.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn create_gist(
        &self,
        Parameters(p): Parameters<CreateGistParams>,
    ) -> Result<String, ToolError> {
        if p.files.is_empty()
            || p.files
                .iter()
                .any(|(n, c)| n.trim().is_empty() || c.is_empty())
        {
            return Err(ToolError::new(
                "files must map at least one file name to non-empty content, e.g. {\"notes.md\": \"# Notes\"}",
            ));
        }
        let files: serde_json::Map<String, Value> = p
            .files
            .iter()
            .map(|(n, c)| (n.clone(), json!({"content": c})))
            .collect();
        let mut body = json!({"files": files, "public": p.public});
        if let Some(d) = p.description {
            body["description"] = d.into();
        }
        let v = self
            .api
            .write_json(Method::POST, "/gists", body, false)
            .await?;
        Ok(gist_item(&v))
    }
}

//! The MCP tools, each declared (`#[tool]` with its description) beside its
//! parameters and its handler, grouped by what they do:
//!
//! - [`read`]: `search`, `get_page`, `get_data_source`, `query_data_source`,
//!   `list_comments`, `list_users`; always routed.
//! - [`write`]: `create_page`, `append_markdown`, `update_page_properties`,
//!   `add_comment`, `archive_page`, `move_page`, `create_data_source`; and
//!   [`content`]: `update_page_content`; routed only with `--allow-write`.
//!
//! A new tool goes into the file of its group, in that group's `#[tool_router]`
//! impl; [`crate::server`] merges the routers and holds only the `ServerHandler` glue.

pub mod content;
pub mod read;
pub mod write;

use serde_json::Value;
use shared::ToolError;

/// An id argument, or an error saying what an id looks like.
pub(crate) fn id_arg(raw: &str) -> Result<String, ToolError> {
    crate::ids::parse(raw).map_err(ToolError::new)
}

/// A JSON argument that may arrive as a JSON-encoded string.
pub(crate) fn json_arg(name: &str, v: Option<Value>) -> Result<Option<Value>, ToolError> {
    match v {
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => serde_json::from_str(&s)
            .map(Some)
            .map_err(|e| ToolError::new(format!("`{name}` is not valid JSON: {e}"))),
        Some(Value::Null) | None => Ok(None),
        other => Ok(other),
    }
}

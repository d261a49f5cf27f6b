//! The write tools, routed only with `--allow-write`: `create_page`,
//! `append_markdown`, `update_page_properties`, `add_comment`, `archive_page`,
//! `move_page`, `create_data_source` (and `update_page_content`, in
//! [`super::content`]).
//!
//! Everything that can be checked is checked before the first request (Markdown,
//! property names and values, URLs), so a refused call writes nothing. A write that
//! needs several requests reports, if it stops halfway, exactly which Markdown lines
//! landed and how to finish (see [`crate::write`]).

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use shared::ToolError;
use shared::error::to_tool_error;
use shared::upstream::{Method, UpstreamError};

use crate::md_to_blocks::{self, Node};
use crate::properties;
use crate::server::NotionServer;
use crate::write::{self, Context, Progress};

use super::id_arg;

/// Input of `create_page`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreatePageParams {
    /// Parent page id or URL (give this or data_source_id).
    #[serde(default)]
    pub parent_page_id: Option<String>,
    /// Parent data source id: the page becomes a row.
    #[serde(default)]
    pub data_source_id: Option<String>,
    /// Page title.
    #[serde(default)]
    pub title: Option<String>,
    /// Row properties as name -> plain value, e.g. {"Status": "Done", "Tags": ["a"], "Due": "2025-07-01"}.
    #[serde(default)]
    pub properties: Option<Map<String, Value>>,
    /// Page content as Markdown.
    #[serde(default)]
    pub markdown: Option<String>,
}

/// Input of `append_markdown`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AppendParams {
    /// Page (or block) id or URL.
    pub page_id: String,
    /// Markdown to add at the end.
    pub markdown: String,
    /// Insert after this child block id instead of at the end.
    #[serde(default)]
    pub after: Option<String>,
}

/// Input of `update_page_properties`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct UpdatePropertiesParams {
    /// Page id or URL.
    pub page_id: String,
    /// Name -> plain value; null clears.
    pub properties: Map<String, Value>,
}

/// Input of `add_comment`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AddCommentParams {
    /// Page id or URL (or give discussion_id to reply).
    #[serde(default)]
    pub page_id: Option<String>,
    /// Discussion id from list_comments, to reply in that thread.
    #[serde(default)]
    pub discussion_id: Option<String>,
    /// Comment text (inline Markdown).
    pub text: String,
}

/// Input of `archive_page`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ArchiveParams {
    /// Page id or URL.
    pub page_id: String,
    /// true restores the page from the trash.
    #[serde(default)]
    pub restore: bool,
}

/// Input of `move_page`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct MovePageParams {
    /// Page id or URL.
    pub page_id: String,
    /// The new parent page (give this or data_source_id).
    #[serde(default)]
    pub parent_page_id: Option<String>,
    /// The data source the page becomes a row of.
    #[serde(default)]
    pub data_source_id: Option<String>,
}

/// Input of `create_data_source`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateDataSourceParams {
    /// The page to create the database under.
    pub parent_page_id: String,
    /// The database's title.
    pub title: String,
    /// Name -> type, or {"type", "options"} for select/multi_select/status. A title property "Name" is added when none is given.
    pub properties: Map<String, Value>,
    /// Show it as a block inside the page rather than as a sub-page.
    #[serde(default)]
    pub inline: bool,
}

/// Property types `create_data_source` accepts (the fake Notion keeps its own copy;
/// `tests/e2e/notion_markdown.rs` compares them).
pub const PROPERTY_TYPES: &[&str] = &[
    "title",
    "rich_text",
    "number",
    "select",
    "multi_select",
    "status",
    "date",
    "people",
    "files",
    "checkbox",
    "url",
    "email",
    "phone_number",
    "created_time",
    "created_by",
    "last_edited_time",
    "last_edited_by",
];

/// The schema Notion takes from a simple `name -> type` map, or what is wrong.
fn schema(input: &Map<String, Value>) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    for (name, spec) in input {
        if name.trim().is_empty() {
            return Err("a property name is empty".into());
        }
        let (kind, options) = match spec {
            Value::String(t) => (t.as_str(), None),
            Value::Object(o) => (
                o.get("type").and_then(Value::as_str).unwrap_or_default(),
                o.get("options"),
            ),
            _ => ("", None),
        };
        if !PROPERTY_TYPES.contains(&kind) {
            return Err(format!(
                "property {name:?} has type {spec}; use one of {} (with \"options\" for select, multi_select, status), e.g. {{\"Status\": {{\"type\": \"select\", \"options\": [\"Todo\", \"Done\"]}}}}",
                PROPERTY_TYPES.join(", ")
            ));
        }
        let mut config = json!({});
        if let Some(list) = options {
            if !matches!(kind, "select" | "multi_select" | "status") {
                return Err(format!(
                    "property {name:?}: only select, multi_select and status take options"
                ));
            }
            let names: Vec<Value> = list
                .as_array()
                .ok_or_else(|| format!("property {name:?}: options is a list of names"))?
                .iter()
                .map(|o| match o {
                    Value::String(n) => Ok(json!({ "name": n })),
                    _ => Err(format!(
                        "property {name:?}: each option is a name (a string)"
                    )),
                })
                .collect::<Result<_, _>>()?;
            config["options"] = Value::Array(names);
        }
        out.insert(name.clone(), json!({ kind: config }));
    }
    let titles = out.values().filter(|v| v.get("title").is_some()).count();
    match titles {
        0 => {
            if out.contains_key("Name") {
                return Err("no title property: give one property the type \"title\"".into());
            }
            out.insert("Name".into(), json!({"title": {}}));
        }
        1 => {}
        n => return Err(format!("{n} title properties: a database has exactly one")),
    }
    Ok(out)
}

/// Appends `nodes` to `id` (after block `after` when given); on a stop, the message
/// saying which Markdown lines landed and how to finish.
pub(crate) async fn append_placed(
    client: &crate::client::NotionClient,
    id: &str,
    nodes: &[Node],
    after: Option<String>,
) -> Result<(), String> {
    let mut progress = Progress::default();
    let Err(stop) = write::append_all(
        client,
        id,
        nodes,
        after.clone(),
        Context::default(),
        &mut progress,
    )
    .await
    else {
        return Ok(());
    };
    // A placed write continues after the last block that landed.
    let place = after
        .as_deref()
        .map(|a| progress.last_top.as_deref().unwrap_or(a));
    Err(write::describe(
        &stop,
        id,
        md_to_blocks::count(nodes),
        progress.written,
        false,
        place,
    ))
}

/// A request that wrote nothing (or may have, if it timed out).
fn nothing_written(what: &str, e: UpstreamError) -> ToolError {
    let mut msg = format!("{what} failed: {e}.");
    if matches!(e, UpstreamError::OutcomeUnknown { .. }) {
        msg.push_str(" It may have been applied anyway: check before retrying.");
    } else {
        msg.push_str(" Nothing was written.");
    }
    ToolError::new(msg)
}

fn parse_markdown(markdown: Option<&str>) -> Result<Vec<Node>, ToolError> {
    md_to_blocks::parse(markdown.unwrap_or_default())
        .map_err(|e| ToolError::new(format!("{e}. Nothing was written.")))
}

#[tool_router(router = write_tools, vis = "pub(crate)")]
impl NotionServer {
    #[tool(
        description = "Create a page from Markdown under a page, or as a row of a data source. Example: {\"data_source_id\": \"…\", \"title\": \"Q3 plan\", \"properties\": {\"Status\": \"Draft\"}, \"markdown\": \"# Goals\\n- ship\"}. Markdown: headings, nested lists, - [ ] to-dos, quotes, > [!NOTE] callouts, <details><summary> toggles, fenced code, tables, $$math$$, ![alt](url) images; a paragraph that is only [Bookmark](url), [Embed](url), [Video](url), [PDF](url), [File](url) or [Audio](url) (optionally \"[Video: caption](url)\") becomes that block, as get_page shows them.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn create_page(
        &self,
        Parameters(p): Parameters<CreatePageParams>,
    ) -> Result<String, ToolError> {
        self.require_token()?;
        let nodes = parse_markdown(p.markdown.as_deref())?;
        let input = p.properties.unwrap_or_default();
        let (parent, mut props, title_key) = match (&p.parent_page_id, &p.data_source_id) {
            (Some(page), None) => {
                let id = id_arg(page)?;
                let props = properties::convert(None, &input).map_err(ToolError::new)?;
                (json!({ "page_id": id }), props, "title".to_string())
            }
            (None, Some(ds)) => {
                let id = id_arg(ds)?;
                let source = self
                    .client
                    .get(&format!("data_sources/{id}"))
                    .await
                    .map_err(to_tool_error)?;
                let schema = &source["properties"];
                let props = properties::convert(Some(schema), &input).map_err(ToolError::new)?;
                let title_key =
                    properties::title_property(schema).unwrap_or_else(|| "title".into());
                (json!({ "data_source_id": id }), props, title_key)
            }
            _ => {
                return Err(ToolError::new(
                    "give exactly one of parent_page_id (a page to nest under) or data_source_id (a database to add a row to)",
                ));
            }
        };
        if let Some(title) = p.title.as_deref().filter(|t| !t.trim().is_empty()) {
            let rich = md_to_blocks::inline_rich_text(title.trim()).map_err(ToolError::new)?;
            props[title_key.as_str()] = json!({ "title": rich });
        }
        let total = md_to_blocks::count(&nodes);
        let (first_end, inline) = write::plan(&nodes, 0, true);
        let children: Vec<Value> = nodes[..first_end]
            .iter()
            .zip(&inline)
            .map(|(n, &k)| write::payload(n, k))
            .collect();
        let mut body = json!({"parent": parent, "properties": props});
        if !children.is_empty() {
            body["children"] = Value::Array(children);
        }
        let created = self
            .client
            .write(Method::POST, "pages", body)
            .await
            .map_err(|e| nothing_written("Creating the page", e))?;
        let page_id = created["id"].as_str().unwrap_or_default().to_string();
        let url = created["url"].as_str().unwrap_or_default();
        let mut progress = Progress {
            written: first_end + inline.iter().sum::<usize>(),
            last_top: None,
        };
        let rest = &nodes[first_end..];
        if let Err(stop) = write::append_all(
            &self.client,
            &page_id,
            rest,
            None,
            Context::default(),
            &mut progress,
        )
        .await
        {
            return Err(ToolError::new(write::describe(
                &stop,
                &page_id,
                total,
                progress.written,
                true,
                None,
            )));
        }
        Ok(format!(
            "Created page {} (id {page_id}, {url}) with {total} block(s).",
            properties::title(&created)
        ))
    }

    #[tool(
        description = "Append Markdown to the end of a page (or after one of its blocks). Example: {\"page_id\": \"…\", \"markdown\": \"## Notes\\n- [ ] follow up\\n\\n| a | b |\\n|---|---|\\n| 1 | 2 |\"}. Same Markdown support as create_page.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn append_markdown(
        &self,
        Parameters(p): Parameters<AppendParams>,
    ) -> Result<String, ToolError> {
        self.require_token()?;
        let id = id_arg(&p.page_id)?;
        let after = p.after.as_deref().map(id_arg).transpose()?;
        let nodes = parse_markdown(Some(&p.markdown))?;
        if nodes.is_empty() {
            return Err(ToolError::new(
                "the Markdown holds no content to append. Nothing was written.",
            ));
        }
        let total = md_to_blocks::count(&nodes);
        append_placed(&self.client, &id, &nodes, after)
            .await
            .map_err(ToolError::new)?;
        Ok(format!("Appended {total} block(s) to {id}."))
    }

    #[tool(
        description = "Set properties of a page (a data-source row) by name with plain values; null clears. Example: {\"page_id\": \"…\", \"properties\": {\"Status\": \"Done\", \"Tags\": [\"q3\"], \"Due\": \"2025-07-01\", \"Owner\": [\"<user id>\"]}}.",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn update_page_properties(
        &self,
        Parameters(p): Parameters<UpdatePropertiesParams>,
    ) -> Result<String, ToolError> {
        self.require_token()?;
        let id = id_arg(&p.page_id)?;
        if p.properties.is_empty() {
            return Err(ToolError::new("no properties given. Nothing was written."));
        }
        let page = self
            .client
            .get(&format!("pages/{id}"))
            .await
            .map_err(to_tool_error)?;
        // The page's own properties carry every property's type: they are the schema.
        let props = properties::convert(Some(&page["properties"]), &p.properties)
            .map_err(|e| ToolError::new(format!("{e}. Nothing was written.")))?;
        let names: Vec<String> = props
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        let updated = self
            .client
            .write(
                Method::PATCH,
                &format!("pages/{id}"),
                json!({ "properties": props }),
            )
            .await
            .map_err(|e| nothing_written("Updating the properties", e))?;
        let now = properties::flatten_all(&updated["properties"]);
        let shown: Vec<String> = names
            .iter()
            .map(|n| {
                format!(
                    "{n} = {}",
                    now.get(n).map(properties::display).unwrap_or_default()
                )
            })
            .collect();
        Ok(format!("Updated page {id}: {}.", shown.join("; ")))
    }

    #[tool(
        description = "Add a comment to a page, or reply in a discussion. Example: {\"page_id\": \"…\", \"text\": \"Looks good, **ship it**\"}.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn add_comment(
        &self,
        Parameters(p): Parameters<AddCommentParams>,
    ) -> Result<String, ToolError> {
        self.require_token()?;
        let rich = md_to_blocks::inline_rich_text(&p.text).map_err(ToolError::new)?;
        if rich.is_empty() {
            return Err(ToolError::new(
                "the comment text is empty. Nothing was written.",
            ));
        }
        let body = match (&p.page_id, &p.discussion_id) {
            (_, Some(d)) if !d.trim().is_empty() => {
                json!({"discussion_id": d.trim(), "rich_text": rich})
            }
            (Some(page), _) => json!({"parent": {"page_id": id_arg(page)?}, "rich_text": rich}),
            _ => {
                return Err(ToolError::new(
                    "give page_id (a new comment) or discussion_id (a reply)",
                ));
            }
        };
        let created = self
            .client
            .write(Method::POST, "comments", body)
            .await
            .map_err(|e| nothing_written("Adding the comment", e))?;
        Ok(format!(
            "Comment added (id {}, discussion {}).",
            created["id"].as_str().unwrap_or("?"),
            created["discussion_id"].as_str().unwrap_or("?")
        ))
    }

    #[tool(
        description = "Move a page to the trash, or restore it. Example: {\"page_id\": \"…\"}; {\"page_id\": \"…\", \"restore\": true}.",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn archive_page(
        &self,
        Parameters(p): Parameters<ArchiveParams>,
    ) -> Result<String, ToolError> {
        self.require_token()?;
        let id = id_arg(&p.page_id)?;
        let trash = !p.restore;
        let path = format!("pages/{id}");
        let result = match self
            .client
            .write(Method::PATCH, &path, json!({ "in_trash": trash }))
            .await
        {
            // Older API versions know only the legacy field.
            Err(UpstreamError::Validation { .. }) => {
                self.client
                    .write(Method::PATCH, &path, json!({ "archived": trash }))
                    .await
            }
            other => other,
        }
        .map_err(|e| nothing_written("Archiving the page", e))?;
        let state = result["in_trash"]
            .as_bool()
            .or(result["archived"].as_bool());
        Ok(match (trash, state) {
            (true, Some(false)) | (false, Some(true)) => format!(
                "Notion answered but page {id} is {}in the trash; check it with get_page.",
                if trash { "not " } else { "still " }
            ),
            (true, _) => format!(
                "Page {id} moved to the trash (undo with archive_page {{\"page_id\": \"{id}\", \"restore\": true}})."
            ),
            (false, _) => format!("Page {id} restored from the trash."),
        })
    }

    #[tool(
        description = "Move a page under another page, or into a data source as a row. Example: {\"page_id\": \"…\", \"parent_page_id\": \"…\"}. Its content and sub-pages move with it.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn move_page(
        &self,
        Parameters(p): Parameters<MovePageParams>,
    ) -> Result<String, ToolError> {
        self.require_token()?;
        let id = id_arg(&p.page_id)?;
        let parent = match (&p.parent_page_id, &p.data_source_id) {
            (Some(page), None) => json!({"type": "page_id", "page_id": id_arg(page)?}),
            (None, Some(ds)) => json!({"type": "data_source_id", "data_source_id": id_arg(ds)?}),
            _ => {
                return Err(ToolError::new(
                    "give exactly one of parent_page_id (a page to move under) or data_source_id (a database to move into). Nothing was written.",
                ));
            }
        };
        let moved = self
            .client
            .write(
                Method::POST,
                &format!("pages/{id}/move"),
                json!({ "parent": parent }),
            )
            .await
            .map_err(|e| nothing_written("Moving the page", e))?;
        Ok(format!(
            "Moved page {} (id {id}) into {}.",
            properties::title(&moved),
            crate::page::parent_text(&moved["parent"]).unwrap_or_else(|| "its new parent".into())
        ))
    }

    #[tool(
        description = "Create a database (one data source) with typed properties under a page. Example: {\"parent_page_id\": \"…\", \"title\": \"Tasks\", \"properties\": {\"Task\": \"title\", \"Status\": {\"type\": \"select\", \"options\": [\"Todo\", \"Done\"]}, \"Due\": \"date\", \"Points\": \"number\"}}. Add rows with create_page.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn create_data_source(
        &self,
        Parameters(p): Parameters<CreateDataSourceParams>,
    ) -> Result<String, ToolError> {
        self.require_token()?;
        let parent = id_arg(&p.parent_page_id)?;
        let props = schema(&p.properties)
            .map_err(|e| ToolError::new(format!("{e}. Nothing was written.")))?;
        let names = props.keys().cloned().collect::<Vec<_>>().join(", ");
        let title = md_to_blocks::inline_rich_text(p.title.trim()).map_err(ToolError::new)?;
        let mut body = json!({
            "parent": {"type": "page_id", "page_id": parent},
            "title": title,
            "is_inline": p.inline,
        });
        // Data sources arrived with 2025-09-03; before, the database held the schema.
        if self.settings.notion_version.as_str() >= crate::config::DEFAULT_VERSION {
            body["initial_data_source"] = json!({ "properties": props });
        } else {
            body["properties"] = Value::Object(props);
        }
        let db = self
            .client
            .write(Method::POST, "databases", body)
            .await
            .map_err(|e| nothing_written("Creating the database", e))?;
        let db_id = db["id"].as_str().unwrap_or("?");
        let sources: Vec<&str> = db["data_sources"]
            .as_array()
            .map(|a| a.iter().filter_map(|d| d["id"].as_str()).collect())
            .unwrap_or_default();
        let mut out = format!(
            "Created database {} (id {db_id}); properties: {names}.",
            p.title.trim()
        );
        if let Some(ds) = sources.first() {
            out.push_str(&format!(
                " Its data source: {ds}; add rows with create_page {{\"data_source_id\": \"{ds}\"}}."
            ));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn a_simple_schema_becomes_notions() {
        let s = schema(&map(json!({"Task": "title", "Status": {"type": "select", "options": ["Todo", "Done"]}, "Due": "date"}))).unwrap();
        assert_eq!(s["Task"], json!({"title": {}}));
        assert_eq!(
            s["Status"],
            json!({"select": {"options": [{"name": "Todo"}, {"name": "Done"}]}})
        );
        let s = schema(&map(json!({"Due": "date"}))).unwrap();
        assert_eq!(s["Name"], json!({"title": {}}));
        assert!(schema(&map(json!({"A": "title", "B": "title"}))).is_err());
        assert!(
            schema(&map(json!({"A": "formula"})))
                .unwrap_err()
                .contains("use one of")
        );
        assert!(schema(&map(json!({"A": {"type": "date", "options": ["x"]}}))).is_err());
    }
}

//! The read tools: `search`, `get_page` (through the markdown endpoint from
//! Notion-Version 2026-03-11, else the block walk; its header says which),
//! `get_data_source`, `query_data_source`, `list_comments`, `list_users`. Their parameter doc comments are the model's manual; outputs are
//! compact text, bounded in bytes, with a cursor wherever there is more.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use shared::ToolError;
use shared::error::to_tool_error;
use shared::upstream::UpstreamError;

use crate::client::{cursor_page, encode};
use crate::enhanced;
use crate::listing::{self, Listing};
use crate::page;
use crate::properties;
use crate::rich_text;
use crate::server::NotionServer;

use super::{id_arg, json_arg};

/// Input of `search`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SearchParams {
    /// Words to match in titles; omit to list everything shared with the integration.
    #[serde(default)]
    pub query: Option<String>,
    /// Only "page" or only "data_source" results.
    #[serde(default)]
    pub object: Option<ObjectKind>,
    /// Most results (default 20, max 100).
    #[serde(default)]
    pub limit: Option<u32>,
    /// The cursor from a previous call, to continue.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// Which kind of object a search returns: pages or data sources. Its variants carry
/// no docs on purpose: schemars would turn the schema's `enum` into a `oneOf` and
/// change tools/list.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum ObjectKind {
    Page,
    DataSource,
}

/// Input of `get_page`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetPageParams {
    /// Page id or URL (a block id reads that block's content).
    pub page_id: String,
    /// The cursor from a previous call, to continue a long page.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Output bound in bytes (default and max: the server's).
    #[serde(default)]
    pub max_bytes: Option<u32>,
}

/// Input of `get_data_source`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetDataSourceParams {
    /// Data source id or URL.
    pub data_source_id: String,
}

/// Input of `query_data_source`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct QueryParams {
    /// Data source id or URL.
    pub data_source_id: String,
    /// Notion filter object, passed through.
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Map<String, Value>>")]
    pub filter: Option<Value>,
    /// Notion sorts array, passed through.
    #[serde(default)]
    #[schemars(with = "Option<Vec<serde_json::Map<String, Value>>>")]
    pub sorts: Option<Value>,
    /// Most rows (default 25, max 200).
    #[serde(default)]
    pub limit: Option<u32>,
    /// The cursor from a previous call.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// Input of `list_users`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListUsersParams {
    /// Most users (default 50, max 100).
    #[serde(default)]
    pub limit: Option<u32>,
    /// The cursor from a previous call.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// One workspace member or bot: name, kind, email, id.
fn user_line(u: &Value) -> String {
    let name = u["name"].as_str().unwrap_or("(no name)");
    let kind = u["type"].as_str().unwrap_or("user");
    let email = u["person"]["email"].as_str();
    match email {
        Some(e) => format!(
            "- {name} ({kind}, {e}) — id {}",
            u["id"].as_str().unwrap_or("?")
        ),
        None => format!("- {name} ({kind}) — id {}", u["id"].as_str().unwrap_or("?")),
    }
}

/// Input of `list_comments`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListCommentsParams {
    /// Page or block id or URL.
    pub page_id: String,
    /// Most comments (default 50, max 200).
    #[serde(default)]
    pub limit: Option<u32>,
    /// The cursor from a previous call.
    #[serde(default)]
    pub cursor: Option<String>,
}

fn footer(listing: &Listing, what: &str) -> String {
    let mut text = listing.lines.join("\n");
    if listing.lines.is_empty() {
        text.push_str(&format!("(no {what})"));
    }
    if let Some(next) = &listing.next {
        text.push_str(&format!(
            "\n({} {what} shown{}; more exist: call again with \"cursor\": \"{next}\")",
            listing.lines.len(),
            if listing.cut_by_size {
                ", output size limit reached"
            } else {
                ""
            }
        ));
    }
    text
}

fn search_line(item: &Value) -> String {
    let kind = item["object"].as_str().unwrap_or("?");
    let title = properties::title(item);
    let title = if title.is_empty() { "Untitled" } else { &title };
    let mut line = format!(
        "- [{kind}] {} — id {}",
        title.replace('\n', " "),
        item["id"].as_str().unwrap_or("?")
    );
    if let Some(parent) = page::parent_text(&item["parent"]) {
        line.push_str(&format!(" — in {parent}"));
    }
    if let Some(t) = item["last_edited_time"].as_str() {
        line.push_str(&format!(" — edited {t}"));
    }
    line
}

/// One row as a JSON object line, its id first.
fn row_line(row: &Value) -> String {
    let id = row["id"].to_string();
    let props = Value::Object(properties::flatten_all(&row["properties"])).to_string();
    match props.strip_prefix('{').filter(|rest| *rest != "}") {
        Some(rest) => format!("{{\"id\":{id},{rest}"),
        None => format!("{{\"id\":{id}}}"),
    }
}

fn comment_line(c: &Value) -> String {
    let text = rich_text::to_markdown(
        c["rich_text"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default(),
        rich_text::Mode::SingleLine,
    );
    let who = c["created_by"]["name"]
        .as_str()
        .or(c["created_by"]["id"].as_str())
        .unwrap_or("?");
    format!(
        "- {} by {who} (discussion {}): {text}",
        c["created_time"].as_str().unwrap_or("?"),
        c["discussion_id"].as_str().unwrap_or("?")
    )
}

#[tool_router(router = read_tools, vis = "pub(crate)")]
impl NotionServer {
    #[tool(
        description = "Search pages and data sources shared with the integration by title. Example: {\"query\": \"roadmap\", \"object\": \"page\"}. Returns title, id, parent, last edit; read one with get_page or get_data_source.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn search(&self, Parameters(p): Parameters<SearchParams>) -> Result<String, ToolError> {
        self.require_token()?;
        let limit = p.limit.unwrap_or(20).clamp(1, 100) as usize;
        let query = p.query.unwrap_or_default();
        let filter = p.object.map(|o| match o {
            ObjectKind::Page => "page",
            ObjectKind::DataSource => "data_source",
        });
        let client = &self.client;
        let listing = listing::collect(
            p.cursor.as_deref(),
            limit,
            self.max_bytes(None),
            |cursor, size| {
                let mut body = json!({ "page_size": size });
                if !query.trim().is_empty() {
                    body["query"] = json!(query.trim());
                }
                if let Some(value) = filter {
                    body["filter"] = json!({"property": "object", "value": value});
                }
                if let Some(c) = cursor {
                    body["start_cursor"] = json!(c);
                }
                async move { cursor_page(client.post_read("search", body).await?) }
            },
            search_line,
        )
        .await
        .map_err(to_tool_error)?;
        Ok(footer(&listing, "results"))
    }

    #[tool(
        description = "Read a page as Markdown: properties as a header, then all content with nested blocks. Example: {\"page_id\": \"https://www.notion.so/Plan-1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6\"}. Long pages end with a cursor; pass it back to continue.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn get_page(
        &self,
        Parameters(p): Parameters<GetPageParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<String, ToolError> {
        // A long read stops when the client cancels it.
        tokio::select! {
            biased;
            _ = ctx.ct.cancelled() => Err(ToolError::new("cancelled by the client")),
            out = self.read_page(p) => out,
        }
    }

    #[tool(
        description = "Show a data source's (database's) properties: names, types, select/status options. Example: {\"data_source_id\": \"1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6\"}. Use before query_data_source or create_page.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn get_data_source(
        &self,
        Parameters(p): Parameters<GetDataSourceParams>,
    ) -> Result<String, ToolError> {
        self.require_token()?;
        let id = id_arg(&p.data_source_id)?;
        let ds = self
            .client
            .get(&format!("data_sources/{id}"))
            .await
            .map_err(to_tool_error)?;
        let mut text = format!(
            "Data source: {} (id {})",
            properties::title(&ds),
            ds["id"].as_str().unwrap_or(&id)
        );
        if let Some(parent) = page::parent_text(&ds["parent"]) {
            text.push_str(&format!("\nIn: {parent}"));
        }
        let description = rich_text::plain_text(&ds["description"]);
        if !description.is_empty() {
            text.push_str(&format!("\nDescription: {description}"));
        }
        text.push_str("\nProperties:\n");
        text.push_str(&properties::describe_schema(&ds["properties"]));
        Ok(page::cut(&text, self.max_bytes(None)))
    }

    #[tool(
        description = "Query a data source's rows; each row is one JSON line of readable property values. Example: {\"data_source_id\": \"…\", \"filter\": {\"property\": \"Status\", \"status\": {\"equals\": \"Done\"}}, \"sorts\": [{\"property\": \"Due\", \"direction\": \"ascending\"}], \"limit\": 20}. Filter and sorts use Notion's query syntax.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn query_data_source(
        &self,
        Parameters(p): Parameters<QueryParams>,
    ) -> Result<String, ToolError> {
        self.require_token()?;
        let id = id_arg(&p.data_source_id)?;
        let filter = json_arg("filter", p.filter)?;
        let sorts = json_arg("sorts", p.sorts)?;
        let limit = p.limit.unwrap_or(25).clamp(1, 200) as usize;
        let client = &self.client;
        let path = format!("data_sources/{id}/query");
        let listing = listing::collect(
            p.cursor.as_deref(),
            limit,
            self.max_bytes(None),
            |cursor, size| {
                let mut body = json!({ "page_size": size });
                if let Some(f) = &filter {
                    body["filter"] = f.clone();
                }
                if let Some(s) = &sorts {
                    body["sorts"] = s.clone();
                }
                if let Some(c) = cursor {
                    body["start_cursor"] = json!(c);
                }
                let path = path.clone();
                async move { cursor_page(client.post_read(&path, body).await?) }
            },
            row_line,
        )
        .await
        .map_err(to_tool_error)?;
        Ok(footer(&listing, "rows"))
    }

    #[tool(
        description = "List the open comments on a page or block, oldest first. Example: {\"page_id\": \"1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6\"}.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_comments(
        &self,
        Parameters(p): Parameters<ListCommentsParams>,
    ) -> Result<String, ToolError> {
        self.require_token()?;
        let id = id_arg(&p.page_id)?;
        let limit = p.limit.unwrap_or(50).clamp(1, 200) as usize;
        let path = format!("comments?block_id={id}&");
        self.get_list(&path, p.cursor.as_deref(), limit, comment_line, "comments")
            .await
    }

    #[tool(
        description = "List the workspace's members and bots: name, type, email, id (for people properties and mentions). Example: {\"limit\": 50}.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_users(
        &self,
        Parameters(p): Parameters<ListUsersParams>,
    ) -> Result<String, ToolError> {
        self.require_token()?;
        let limit = p.limit.unwrap_or(50).clamp(1, 100) as usize;
        self.get_list("users?", p.cursor.as_deref(), limit, user_line, "users")
            .await
    }
}

impl NotionServer {
    /// A GET list (`path` ends with `?` or `&`), bounded, one line per item.
    async fn get_list(
        &self,
        path: &str,
        cursor: Option<&str>,
        limit: usize,
        render: fn(&Value) -> String,
        what: &str,
    ) -> Result<String, ToolError> {
        let client = &self.client;
        let listing = listing::collect(
            cursor,
            limit,
            self.max_bytes(None),
            |cursor, size| {
                let mut path = format!("{path}page_size={size}");
                if let Some(c) = cursor {
                    path.push_str(&format!("&start_cursor={}", encode(&c)));
                }
                async move { cursor_page(client.get(&path).await?) }
            },
            render,
        )
        .await
        .map_err(to_tool_error)?;
        Ok(footer(&listing, what))
    }
}

/// The page's header with the path its content was read through.
fn header_via(page: &Value, via: &str) -> String {
    let h = page::header(page);
    let h = h.strip_suffix("\n---").unwrap_or(&h);
    format!("{h}\nread_via: {via}\n---\n\n")
}

/// The prefix of a continuation cursor of the markdown path (top-level blocks shown).
const MD_CURSOR: &str = "md:";

impl NotionServer {
    /// get_page's work: through the markdown endpoint when the version offers it,
    /// else (or when Notion refuses the route) through the block walk.
    async fn read_page(&self, p: GetPageParams) -> Result<String, ToolError> {
        self.require_token()?;
        let id = id_arg(&p.page_id)?;
        let md_cursor = p.cursor.as_deref().map(|c| c.strip_prefix(MD_CURSOR));
        if self.settings.markdown_endpoints() && !matches!(md_cursor, Some(None)) {
            let skip = match md_cursor.flatten() {
                Some(n) => n.parse::<usize>().map_err(|_| {
                    ToolError::new("the cursor is not one get_page returned: call get_page without it to start over")
                })?,
                None => 0,
            };
            if let Some(out) = self.read_markdown(&id, skip, p.max_bytes).await? {
                return Ok(out);
            }
        }
        self.walk_page(&id, p).await
    }

    /// The page through `GET /v1/pages/{id}/markdown`, from top-level block `skip`;
    /// `None` when Notion does not know the route (then the block walk reads it).
    async fn read_markdown(
        &self,
        id: &str,
        skip: usize,
        asked: Option<u32>,
    ) -> Result<Option<String>, ToolError> {
        let max = self.max_bytes(asked);
        let content = match self.client.get(&format!("pages/{id}/markdown")).await {
            Ok(c) => c,
            Err(UpstreamError::Status { status: 400, .. }) => return Ok(None),
            Err(e) => return Err(to_tool_error(e)),
        };
        let mut out = String::new();
        if skip == 0 {
            // The properties (the markdown endpoint has the content only); a block id
            // has none.
            match self.client.get(&format!("pages/{id}")).await {
                Ok(page) => out = header_via(&page, "markdown endpoint"),
                Err(UpstreamError::NotFound { .. } | UpstreamError::Validation { .. }) => {}
                Err(e) => return Err(to_tool_error(e)),
            }
        }
        let pieces = enhanced::pieces(content["markdown"].as_str().unwrap_or_default());
        let budget = max
            .saturating_sub(out.len() + page::NOTICE_RESERVE)
            .max(1_000);
        let mut shown: Vec<enhanced::Piece> = Vec::new();
        let mut len = 0;
        let mut cut_block = None;
        let fetcher = self.fetcher();
        for piece in pieces.iter().skip(skip) {
            let mut piece = piece.clone();
            if let Some(block) = piece.unknown.clone() {
                self.walk_unknown(&fetcher, &block, &mut piece).await;
            }
            let sep = match shown.last() {
                Some(last) => piece.separator(last.list).len(),
                None => 0,
            };
            if len + sep + piece.text.len() > budget {
                if shown.is_empty() {
                    piece.text = page::cut(&piece.text, budget);
                    shown.push(piece);
                    cut_block = Some(format!("#{}", skip + 1));
                }
                break;
            }
            len += sep + piece.text.len();
            shown.push(piece);
        }
        let end = skip + shown.len();
        let body = page::Body {
            markdown: enhanced::join(&shown),
            blocks: shown.len(),
            next: (end < pieces.len()).then(|| format!("{MD_CURSOR}{end}")),
            cut_block: None,
        };
        if body.markdown.is_empty() && body.next.is_none() && skip == 0 {
            out.push_str("(no content)");
        }
        out.push_str(&body.markdown);
        if let Some(n) = cut_block {
            out.push_str(&format!(
                "\n\n(Top-level block {n} alone exceeds the output limit and was cut; ask for a larger max_bytes.)"
            ));
        }
        out.push_str(&page::continuation(id, &body, 0));
        let missing: Vec<&str> = content["unknown_block_ids"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if content["truncated"] == true || !missing.is_empty() {
            out.push_str(&format!(
                "\n\n(Notion left part of this page out of its Markdown{}.)",
                if missing.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; read each missing part with get_page and its id: {}",
                        missing.join(", ")
                    )
                }
            ));
        }
        Ok(Some(out))
    }

    /// A block the markdown endpoint left as `<unknown>`, read through the block walk
    /// (the piece keeps its comment when that fails too).
    async fn walk_unknown(
        &self,
        fetcher: &crate::fetch::Fetcher<crate::client::NotionClient>,
        block: &str,
        piece: &mut enhanced::Piece,
    ) {
        let Ok(json) = self.client.get(&format!("blocks/{block}")).await else {
            return;
        };
        let node = fetcher.subtree(json, 1).await;
        piece.text = crate::blocks_to_md::render_one(&node, 1);
        piece.list = match node.block["type"].as_str() {
            Some("bulleted_list_item" | "to_do") => Some('-'),
            Some("numbered_list_item") => Some('1'),
            _ => None,
        };
    }

    /// The page through the block walk: header (first call only), then the bounded
    /// body.
    async fn walk_page(&self, id: &str, p: GetPageParams) -> Result<String, ToolError> {
        let id = id.to_string();
        let max = self.max_bytes(p.max_bytes);
        let mut out = String::new();
        let mut not_a_page: Option<UpstreamError> = None;
        if p.cursor.is_none() {
            match self.client.get(&format!("pages/{id}")).await {
                Ok(page) => out = header_via(&page, "block walk"),
                // Maybe a block id: its content is still readable through its children.
                Err(
                    e @ (UpstreamError::NotFound { .. }
                    | UpstreamError::Validation { .. }
                    | UpstreamError::Status { status: 400, .. }),
                ) => not_a_page = Some(e),
                Err(e) => return Err(to_tool_error(e)),
            }
        }
        let fetcher = self.fetcher();
        // Room is kept for the continuation notices that follow the body.
        let budget = max
            .saturating_sub(out.len() + page::NOTICE_RESERVE)
            .max(1_000);
        let body = match page::body(
            &fetcher,
            &id,
            p.cursor.as_deref(),
            budget,
            self.settings.concurrency,
        )
        .await
        {
            Ok(b) => b,
            Err(e) => return Err(to_tool_error(not_a_page.unwrap_or(e))),
        };
        if body.markdown.is_empty() && body.next.is_none() && p.cursor.is_none() {
            out.push_str("(no content)");
        }
        out.push_str(&body.markdown);
        out.push_str(&page::continuation(&id, &body, fetcher.failures()));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_json_lines_with_the_id_first() {
        let row = json!({"id": "r1", "properties": {
            "Name": {"type": "title", "title": [{"plain_text": "A"}]},
            "Done": {"type": "checkbox", "checkbox": true}}});
        let line = row_line(&row);
        assert!(line.starts_with("{\"id\":\"r1\","), "{line}");
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v, json!({"id": "r1", "Name": "A", "Done": true}));
        assert_eq!(
            row_line(&json!({"id": "r2", "properties": {}})),
            "{\"id\":\"r2\"}"
        );
    }

    #[test]
    fn json_arguments_may_arrive_as_strings() {
        let v = json_arg("filter", Some(json!("{\"a\": 1}"))).unwrap();
        assert_eq!(v, Some(json!({"a": 1})));
        assert!(json_arg("filter", Some(json!("{oops"))).is_err());
        assert_eq!(json_arg("filter", Some(json!(""))).unwrap(), None);
    }
}

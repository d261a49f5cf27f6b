//! `update_page_content` (routed only with `--allow-write`): a page's content, or a
//! range of its top-level blocks between two anchors, replaced from Markdown.
//!
//! With Notion-Version 2026-03-11 or later it reads the page once through the
//! markdown endpoint and writes once through it (`update_content` with the range's
//! exact text, or `replace_content` for the whole page), always with
//! `allow_deleting_content: false`. Before that version it walks the blocks: the new
//! blocks are appended after the range, then the replaced blocks are deleted one by
//! one. Either way child pages, child databases, synced blocks and blocks Markdown
//! cannot express are never removed (see [`crate::content`]), and `dry_run` shows
//! the change without writing.

use futures::future::join_all;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use shared::ToolError;
use shared::error::to_tool_error;
use shared::upstream::{Method, UpstreamError};

use crate::blocks_to_md::render_one;
use crate::content::{self, Plan};
use crate::enhanced;
use crate::md_to_blocks;
use crate::server::NotionServer;

use super::id_arg;

/// Input of `update_page_content`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct UpdateContentParams {
    /// Page id or URL.
    pub page_id: String,
    /// The new content (empty removes the range).
    pub markdown: String,
    /// Text of the first block to replace, as get_page shows it; omit for the whole page.
    #[serde(default)]
    pub start_text: Option<String>,
    /// Text of the last block to replace (default: start_text's block).
    #[serde(default)]
    pub end_text: Option<String>,
    /// Show what would change; write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Block types a Markdown rewrite recreates faithfully; every other one is kept.
const REPLACEABLE: &[&str] = &[
    "paragraph",
    "heading_1",
    "heading_2",
    "heading_3",
    "heading_4",
    "bulleted_list_item",
    "numbered_list_item",
    "to_do",
    "quote",
    "callout",
    "toggle",
    "code",
    "divider",
    "equation",
    "table",
    "column_list",
    "bookmark",
];

/// Whether the block walk keeps `block` (see [`REPLACEABLE`]); a media block stays
/// unless it points to an external URL (a Notion-hosted file cannot be re-created).
fn kept_block(block: &Value) -> Option<String> {
    let kind = block["type"].as_str().unwrap_or_default();
    if REPLACEABLE.contains(&kind) {
        return None;
    }
    let external = block[kind]["type"] == "external";
    if matches!(kind, "image" | "video" | "pdf" | "file" | "audio") && external {
        return None;
    }
    let title = block[kind]["title"].as_str().unwrap_or_default();
    let what = match kind {
        "child_page" => "child page".to_string(),
        "child_database" => "child database".to_string(),
        "synced_block" => "synced block".to_string(),
        other => other.replace('_', " "),
    };
    Some(if title.is_empty() {
        what
    } else {
        format!("{what} \"{title}\"")
    })
}

#[tool_router(router = content_tools, vis = "pub(crate)")]
impl NotionServer {
    #[tool(
        description = "Replace a page's content, or the blocks from the one containing start_text to the one containing end_text, with Markdown (as create_page takes it). Child pages, child databases, synced blocks and blocks Markdown cannot express are never removed: they stay at the start of the range. Example: {\"page_id\": \"…\", \"start_text\": \"## Status\", \"end_text\": \"Next steps\", \"markdown\": \"## Status\\nShipped.\", \"dry_run\": true}; dry_run shows a diff without writing.",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn update_page_content(
        &self,
        Parameters(p): Parameters<UpdateContentParams>,
    ) -> Result<String, ToolError> {
        self.require_token()?;
        let id = id_arg(&p.page_id)?;
        let nodes = md_to_blocks::parse(&p.markdown)
            .map_err(|e| ToolError::new(format!("{e}. Nothing was written.")))?;
        if self.settings.markdown_endpoints() {
            match self.client.get(&format!("pages/{id}/markdown")).await {
                Ok(page) => return self.update_through_markdown(&id, &page, &nodes, &p).await,
                // The version is newer than this Notion knows: walk the blocks.
                Err(UpstreamError::Status { status: 400, .. }) => {}
                Err(e) => return Err(to_tool_error(e)),
            }
        }
        self.update_through_blocks(&id, &nodes, &p).await
    }
}

impl NotionServer {
    async fn update_through_markdown(
        &self,
        id: &str,
        page: &Value,
        nodes: &[md_to_blocks::Node],
        p: &UpdateContentParams,
    ) -> Result<String, ToolError> {
        let md = page["markdown"].as_str().unwrap_or_default();
        let units = enhanced::units(md);
        let shown: Vec<String> = units
            .iter()
            .map(|u| enhanced::to_dialect(&md[u.span.clone()]))
            .collect();
        let span = content::locate(&shown, p.start_text.as_deref(), p.end_text.as_deref())
            .map_err(ToolError::new)?;
        let (first, last) = match span {
            Some(s) => (s.first, s.last),
            None => (0, units.len().saturating_sub(1)),
        };
        let range = if units.is_empty() {
            &units[..]
        } else {
            &units[first..=last]
        };
        let kept_raw: Vec<String> = range
            .iter()
            .filter(|u| u.kept.is_some())
            .map(|u| md[u.span.clone()].to_string())
            .collect();
        let new_md = enhanced::from_nodes(nodes);
        let new_str = content::after_text(&kept_raw, &new_md);
        let kept_shown: Vec<String> = kept_raw.iter().map(|k| enhanced::to_dialect(k)).collect();
        let plan = Plan {
            path: "markdown endpoint",
            total: units.len(),
            span,
            replaced: range.iter().filter(|u| u.kept.is_none()).count(),
            kept: range
                .iter()
                .filter_map(|u| u.kept.as_ref().map(enhanced::Kept::describe))
                .collect(),
            new_blocks: nodes.len(),
            before: range
                .iter()
                .map(|u| enhanced::to_dialect(&md[u.span.clone()]))
                .collect::<Vec<_>>()
                .join("\n\n"),
            after: content::after_text(&kept_shown, &p.markdown),
        };
        if p.dry_run {
            return Ok(plan.report(self.max_bytes(None)));
        }
        if plan.replaced == 0 && nodes.is_empty() {
            return Err(ToolError::new(
                "the range holds only blocks that are always kept and the Markdown is empty: there is nothing to change. Nothing was written.",
            ));
        }
        let (body, how) = match (span, range.first(), range.last()) {
            (Some(_), Some(a), Some(b)) => {
                let old = &md[a.span.start..b.span.end];
                if md.matches(old).count() == 1 {
                    (
                        json!({"type": "update_content", "update_content": {
                            "content_updates": [{"old_str": old, "new_str": new_str}],
                            "allow_deleting_content": false}}),
                        "update_content",
                    )
                } else {
                    // The range's text occurs twice: rewrite the page around it.
                    let whole = format!("{}{new_str}{}", &md[..a.span.start], &md[b.span.end..]);
                    (
                        json!({"type": "replace_content", "replace_content": {
                            "new_str": whole, "allow_deleting_content": false}}),
                        "replace_content",
                    )
                }
            }
            _ => (
                json!({"type": "replace_content", "replace_content": {
                    "new_str": new_str, "allow_deleting_content": false}}),
                "replace_content",
            ),
        };
        self.client
            .write(Method::PATCH, &format!("pages/{id}/markdown"), body)
            .await
            .map_err(|e| {
                let mut msg = format!("Updating the page failed: {e}.");
                if matches!(e, UpstreamError::OutcomeUnknown { .. }) {
                    msg.push_str(" It may have been applied anyway: read the page with get_page before retrying.");
                } else {
                    msg.push_str(" Nothing was written (Notion applies an update whole or not at all).");
                }
                ToolError::new(msg)
            })?;
        Ok(plan.done(id, how))
    }

    async fn update_through_blocks(
        &self,
        id: &str,
        nodes: &[md_to_blocks::Node],
        p: &UpdateContentParams,
    ) -> Result<String, ToolError> {
        let top = self.client.all_children(id).await.map_err(to_tool_error)?;
        let fetcher = self.fetcher();
        let trees = join_all(top.iter().cloned().map(|b| fetcher.subtree(b, 1))).await;
        // Each block as get_page shows it (numbered items with their numbers).
        let mut shown: Vec<String> = Vec::with_capacity(trees.len());
        let mut number = 0;
        let mut prev_numbered = false;
        for t in &trees {
            let numbered = t.block["type"] == "numbered_list_item";
            number = if numbered && prev_numbered {
                number + 1
            } else {
                1
            };
            shown.push(render_one(t, number));
            prev_numbered = numbered;
        }
        let span = content::locate(&shown, p.start_text.as_deref(), p.end_text.as_deref())
            .map_err(ToolError::new)?;
        let (first, last) = match span {
            Some(s) => (s.first, s.last),
            None => (0, top.len().saturating_sub(1)),
        };
        let range: &[Value] = if top.is_empty() {
            &[]
        } else {
            &top[first..=last]
        };
        let kept: Vec<String> = range.iter().filter_map(kept_block).collect();
        let replaced: Vec<String> = range
            .iter()
            .filter(|b| kept_block(b).is_none())
            .filter_map(|b| b["id"].as_str().map(str::to_string))
            .collect();
        let kept_shown: Vec<String> = (first..first + range.len())
            .filter(|&i| kept_block(&top[i]).is_some())
            .map(|i| shown[i].clone())
            .collect();
        let plan = Plan {
            path: "block walk",
            total: top.len(),
            span,
            replaced: replaced.len(),
            kept,
            new_blocks: nodes.len(),
            before: if range.is_empty() {
                String::new()
            } else {
                shown[first..=last].join("\n\n")
            },
            after: content::after_text(&kept_shown, &p.markdown),
        };
        if p.dry_run {
            return Ok(plan.report(self.max_bytes(None)));
        }
        if replaced.is_empty() && nodes.is_empty() {
            return Err(ToolError::new(
                "the range holds only blocks that are always kept and the Markdown is empty: there is nothing to change. Nothing was written.",
            ));
        }
        // New blocks first (after the range, so kept blocks stay before them), then
        // the old ones go: a failure leaves the old content in place.
        let after = range
            .last()
            .and_then(|b| b["id"].as_str())
            .map(str::to_string);
        if let Err(msg) = super::write::append_placed(&self.client, id, nodes, after).await {
            return Err(ToolError::new(format!(
                "{msg} The old blocks of the range were not removed."
            )));
        }
        for (n, block) in replaced.iter().enumerate() {
            if let Err(e) = self
                .client
                .write(Method::DELETE, &format!("blocks/{block}"), json!({}))
                .await
            {
                return Err(ToolError::new(format!(
                    "The new content was written, but removing the old blocks stopped at {} of {}: {e}. The old blocks still to remove (they read before the new content in get_page): {}.",
                    n,
                    replaced.len(),
                    replaced[n..].join(", ")
                )));
            }
        }
        Ok(plan.done(id, "append, then delete"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_blocks_markdown_expresses_are_replaced() {
        let b = |kind: &str, body: Value| {
            let mut v = json!({"type": kind});
            v[kind] = body;
            v
        };
        assert_eq!(kept_block(&b("paragraph", json!({}))), None);
        assert_eq!(
            kept_block(&b("child_page", json!({"title": "Sub"}))).as_deref(),
            Some("child page \"Sub\"")
        );
        assert!(kept_block(&b("synced_block", json!({"synced_from": null}))).is_some());
        assert!(kept_block(&b("embed", json!({"url": "https://x.test"}))).is_some());
        assert!(kept_block(&b("image", json!({"type": "file"}))).is_some());
        assert_eq!(kept_block(&b("image", json!({"type": "external"}))), None);
    }
}

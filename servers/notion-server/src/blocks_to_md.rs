//! Notion blocks to Markdown, the inverse of [`crate::md_to_blocks`] (so a page read
//! with `get_page` can be edited and written back with the same meaning).
//!
//! Headings 1-3, paragraphs, bulleted/numbered/to-do lists with nesting, quotes,
//! callouts as `> [!NOTE]` alerts (icon emoji first), toggles as
//! `<details><summary>`, fenced code with its language, dividers, tables, images as
//! `![caption](url)`, video/PDF/file/audio/bookmark/embed/link preview as links
//! labelled with their kind, equations as `$$…$$`, child pages and databases as
//! links to notion.so. Column layouts, synced blocks and templates show their content;
//! blocks with no Markdown form become an HTML comment naming them, and children that
//! were not fetched (depth or size limit) a comment saying how to read them.

use serde_json::Value;

use crate::ids;
use crate::rich_text::{self, Mode, longest_run};

/// A block with its children as far as they were fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockNode {
    /// The block's JSON as Notion returned it.
    pub block: Value,
    /// Its children, as far as they were fetched.
    pub children: Children,
}

/// What is known about a block's children.
#[derive(Debug, Clone, PartialEq)]
pub enum Children {
    /// The block has none (or they are never shown, as for child pages).
    None,
    /// Fetched: these (possibly none).
    Loaded(Vec<BlockNode>),
    /// It has some that were not fetched; the text says why and how to read them.
    NotFetched(String),
}

impl BlockNode {
    /// A block without children (tests and leaves).
    pub fn leaf(block: Value) -> Self {
        Self {
            block,
            children: Children::None,
        }
    }

    /// A block with its fetched children.
    pub fn with_children(block: Value, children: Vec<BlockNode>) -> Self {
        Self {
            block,
            children: Children::Loaded(children),
        }
    }

    fn kind(&self) -> &str {
        self.block["type"].as_str().unwrap_or_default()
    }

    fn body(&self) -> &Value {
        &self.block[self.kind()]
    }

    fn rich(&self, mode: Mode) -> String {
        let items = self.body()["rich_text"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        rich_text::to_markdown(items, mode)
    }

    fn kids(&self) -> &[BlockNode] {
        match &self.children {
            Children::Loaded(c) => c,
            _ => &[],
        }
    }
}

/// Which list a block belongs to, for joining list items with single newlines.
fn list_group(kind: &str) -> Option<u8> {
    match kind {
        "bulleted_list_item" | "to_do" => Some(1),
        "numbered_list_item" => Some(2),
        _ => None,
    }
}

/// Renders sibling blocks as Markdown (no trailing newline).
pub fn render(nodes: &[BlockNode]) -> String {
    let mut r = Renderer::default();
    for node in nodes {
        let piece = r.piece(node);
        r.commit(piece);
    }
    r.finish()
}

/// Renders sibling blocks one at a time, so a caller can stop at a size bound.
#[derive(Debug, Default)]
pub struct Renderer {
    out: String,
    prev_group: Option<u8>,
    number: u64,
}

/// One block's Markdown with the separator that joins it to the previous one.
#[derive(Debug)]
pub struct Piece {
    /// The block's Markdown.
    pub text: String,
    group: Option<u8>,
    number: u64,
}

impl Renderer {
    /// The next block's Markdown, not yet added.
    pub fn piece(&self, node: &BlockNode) -> Piece {
        let group = list_group(node.kind());
        let number = if group == Some(2) && self.prev_group == Some(2) {
            self.number + 1
        } else {
            1
        };
        let body = render_one(node, number);
        let text = if body.is_empty() || self.out.is_empty() {
            body
        } else if group.is_some() && group == self.prev_group {
            format!("\n{body}")
        } else {
            format!("\n\n{body}")
        };
        Piece {
            text,
            group,
            number,
        }
    }

    /// Adds a piece from [`Renderer::piece`].
    pub fn commit(&mut self, piece: Piece) {
        if piece.text.is_empty() {
            return;
        }
        self.out.push_str(&piece.text);
        self.prev_group = piece.group;
        self.number = piece.number;
    }

    /// Bytes rendered so far.
    pub fn len(&self) -> usize {
        self.out.len()
    }

    /// True when nothing was written.
    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    /// The Markdown written.
    pub fn finish(self) -> String {
        self.out
    }
}

/// One block (with its children) as Markdown; `number` is its position in a
/// numbered list.
pub fn render_one(node: &BlockNode, number: u64) -> String {
    let kind = node.kind();
    let body = node.body();
    match kind {
        "paragraph" => join(&node.rich(Mode::Block), &children_md(node)),
        "heading_1" | "heading_2" | "heading_3" | "heading_4" => {
            let level: usize = kind[8..].parse().unwrap_or(3);
            let head = format!("{} {}", "#".repeat(level), node.rich(Mode::SingleLine));
            join(head.trim_end(), &children_md(node))
        }
        "bulleted_list_item" => list_item("- ", node),
        "numbered_list_item" => list_item(&format!("{number}. "), node),
        "to_do" => {
            let checked = body["checked"].as_bool().unwrap_or(false);
            list_item(if checked { "- [x] " } else { "- [ ] " }, node)
        }
        "quote" => prefix_lines(&join(&node.rich(Mode::Block), &children_md(node)), "> "),
        "callout" => callout(node),
        "toggle" => toggle(&node.rich(Mode::SingleLine), &children_md(node)),
        "code" => code(node),
        "divider" => "---".to_string(),
        "equation" => {
            let expr = body["expression"].as_str().unwrap_or_default().trim();
            format!("$${expr}$$")
        }
        "table" => table(node),
        "image" => {
            let caption = caption_text(body);
            let url = file_url(body);
            format!(
                "![{}]({})",
                caption.replace('[', "\\[").replace(']', "\\]"),
                rich_text::link_target(&url)
            )
        }
        "video" | "pdf" | "file" | "audio" | "bookmark" | "embed" | "link_preview" => {
            media_link(kind, body)
        }
        "child_page" => titled_link("Child page", body, &node.block),
        "child_database" => titled_link("Child database", body, &node.block),
        "link_to_page" => {
            let id = body["page_id"]
                .as_str()
                .or(body["database_id"].as_str())
                .or(body["data_source_id"].as_str())
                .unwrap_or_default();
            format!("[Link to page]({})", ids::notion_url(id))
        }
        "column_list" => node
            .kids()
            .iter()
            .map(|column| match &column.children {
                Children::NotFetched(note) => format!("<!-- {note} -->"),
                _ => render(column.kids()),
            })
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n"),
        "column" | "synced_block" | "template" => children_md(node),
        "table_of_contents" => "<!-- table of contents -->".to_string(),
        "breadcrumb" => "<!-- breadcrumb -->".to_string(),
        other => join(
            &format!("<!-- unsupported block: {other} -->"),
            &children_md(node),
        ),
    }
}

/// The children as Markdown, or the comment saying why they are missing.
fn children_md(node: &BlockNode) -> String {
    match &node.children {
        Children::None => String::new(),
        Children::Loaded(kids) => render(kids),
        Children::NotFetched(note) => format!("<!-- {note} -->"),
    }
}

fn join(head: &str, rest: &str) -> String {
    match (head.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_string(),
        (_, true) => head.to_string(),
        _ => format!("{head}\n\n{rest}"),
    }
}

/// A list item: the marker, the text (continuation lines indented), the children
/// indented to the text.
fn list_item(marker: &str, node: &BlockNode) -> String {
    let width = if marker.starts_with('-') {
        2
    } else {
        marker.len()
    };
    let pad = " ".repeat(width);
    let text = node.rich(Mode::Block);
    let mut out = format!("{marker}{}", indent_rest(&text, &pad));
    let kids = children_md(node);
    if !kids.is_empty() {
        let first_is_item = node
            .kids()
            .first()
            .is_some_and(|k| list_group(k.kind()).is_some());
        out = out.trim_end().to_string();
        out.push_str(if text.is_empty() || first_is_item {
            "\n"
        } else {
            "\n\n"
        });
        out.push_str(&indent_lines(&kids, &pad));
    }
    out
}

/// Indents every line but the first.
fn indent_rest(text: &str, pad: &str) -> String {
    text.replace('\n', &format!("\n{pad}"))
}

/// Indents every non-empty line.
fn indent_lines(text: &str, pad: &str) -> String {
    text.split('\n')
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Prefixes every line (empty ones get the prefix without its trailing space).
fn prefix_lines(text: &str, prefix: &str) -> String {
    text.split('\n')
        .map(|l| {
            if l.is_empty() {
                prefix.trim_end().to_string()
            } else {
                format!("{prefix}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn callout(node: &BlockNode) -> String {
    let body = node.body();
    let color = body["color"].as_str().unwrap_or("default");
    let kind = if color.starts_with("green") {
        "TIP"
    } else if color.starts_with("purple") {
        "IMPORTANT"
    } else if color.starts_with("yellow") || color.starts_with("orange") {
        "WARNING"
    } else if color.starts_with("red") {
        "CAUTION"
    } else {
        "NOTE"
    };
    let icon = body["icon"]["emoji"].as_str().unwrap_or_default();
    let text = node.rich(Mode::Block);
    let first = match (icon.is_empty(), text.is_empty()) {
        (true, _) => text,
        (false, true) => icon.to_string(),
        (false, false) => format!("{icon} {text}"),
    };
    let inner = join(&first, &children_md(node));
    prefix_lines(&format!("[!{kind}]\n{inner}"), "> ")
        .trim_end()
        .to_string()
}

fn toggle(summary: &str, kids: &str) -> String {
    let mut out = format!("<details>\n<summary>{summary}</summary>\n\n");
    if !kids.is_empty() {
        out.push_str(kids);
        out.push_str("\n\n");
    }
    out.push_str("</details>");
    out
}

fn code(node: &BlockNode) -> String {
    let body = node.body();
    let text = rich_text::plain_text(&body["rich_text"]);
    let lang = body["language"].as_str().unwrap_or_default();
    let lang = if lang == "plain text" { "" } else { lang };
    let fence = "`".repeat(longest_run(&text, '`').max(2) + 1);
    // A caption travels in the fence's info string, as `title="…"` (the form
    // several Markdown tools use), so it is neither lost nor mistaken for code.
    let caption = rich_text::plain_text(&body["caption"]);
    let caption = caption.split_whitespace().collect::<Vec<_>>().join(" ");
    let title = if caption.is_empty() {
        String::new()
    } else {
        let lang = if lang.is_empty() { "plain" } else { "" };
        format!("{lang} title=\"{}\"", caption.replace('"', "'"))
    };
    format!("{fence}{lang}{title}\n{text}\n{fence}")
}

fn table(node: &BlockNode) -> String {
    let body = node.body();
    let rows: Vec<Vec<String>> = node
        .kids()
        .iter()
        .filter(|r| r.kind() == "table_row")
        .map(|r| {
            r.body()["cells"]
                .as_array()
                .map(|cells| {
                    cells
                        .iter()
                        .map(|c| {
                            rich_text::to_markdown(
                                c.as_array().map(Vec::as_slice).unwrap_or_default(),
                                Mode::TableCell,
                            )
                        })
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    let width = body["table_width"]
        .as_u64()
        .map(|w| w as usize)
        .unwrap_or(0)
        .max(rows.iter().map(Vec::len).max().unwrap_or(0))
        .max(1);
    let line = |cells: &[String]| {
        let mut s = String::from("|");
        for i in 0..width {
            let cell = cells.get(i).map(String::as_str).unwrap_or_default();
            s.push(' ');
            s.push_str(cell);
            s.push_str(" |");
        }
        s
    };
    let has_header = body["has_column_header"].as_bool().unwrap_or(false) && !rows.is_empty();
    let mut out = Vec::new();
    let body_rows = if has_header {
        out.push(line(&rows[0]));
        &rows[1..]
    } else {
        out.push(line(&[]));
        &rows[..]
    };
    out.push(format!("|{}", " --- |".repeat(width)));
    out.extend(body_rows.iter().map(|r| line(r)));
    let mut text = out.join("\n");
    if let Children::NotFetched(note) = &node.children {
        text.push_str(&format!("\n\n<!-- {note} -->"));
    }
    text
}

/// The URL of a file-like block (`external` or Notion-hosted `file`).
fn file_url(body: &Value) -> String {
    body["external"]["url"]
        .as_str()
        .or(body["file"]["url"].as_str())
        .or(body["url"].as_str())
        .unwrap_or_default()
        .to_string()
}

fn caption_text(body: &Value) -> String {
    rich_text::plain_text(&body["caption"]).trim().to_string()
}

/// `[Video: caption](url)` and friends; the label names the block type.
fn media_link(kind: &str, body: &Value) -> String {
    let label = crate::md_to_blocks::MEDIA_LABELS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, l)| *l)
        .unwrap_or("Link preview");
    let mut caption = caption_text(body);
    if caption.is_empty() {
        caption = body["name"].as_str().unwrap_or_default().to_string();
    }
    let text = if caption.is_empty() {
        label.to_string()
    } else {
        format!(
            "{label}: {}",
            caption.replace('[', "\\[").replace(']', "\\]")
        )
    };
    format!("[{text}]({})", rich_text::link_target(&file_url(body)))
}

fn titled_link(label: &str, body: &Value, block: &Value) -> String {
    let title = body["title"].as_str().unwrap_or("Untitled");
    let id = block["id"].as_str().unwrap_or_default();
    format!(
        "[{label}: {}]({})",
        title.replace('[', "\\[").replace(']', "\\]"),
        ids::notion_url(id)
    )
}

#[cfg(test)]
mod tests;

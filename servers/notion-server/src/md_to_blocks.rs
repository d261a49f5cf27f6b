//! Markdown to Notion blocks, parsed with pulldown-cmark (tables, strikethrough, task
//! lists, math and GitHub alerts enabled).
//!
//! The result is a tree of [`Node`]s: each holds one block's JSON without children,
//! its children, and the Markdown line it came from (so a write that stops halfway can
//! say where to resume). Mapping: `#`..`###` headings (deeper levels become heading 3),
//! paragraphs, `-`/`1.` lists and `- [ ]` to-dos with nesting, `>` quotes,
//! `> [!NOTE]` alerts as callouts (a leading emoji becomes the icon),
//! `<details><summary>` as toggles, fenced code with its language, `---` dividers,
//! tables, `$$…$$` equations, `![alt](url)` images, and a paragraph that is a single
//! link labelled `Bookmark`, `Embed`, `Video`, `PDF`, `File` or `Audio` (optionally
//! `: caption`) as that block. HTML comments are dropped; other HTML is kept as text.
//!
//! Limits are applied here: text objects are split at 2,000 characters, a paragraph
//! with more than 100 rich-text objects becomes several paragraphs, and anything the
//! API would refuse (an image that is not an absolute http(s) URL) is an error before
//! anything is written.

use pulldown_cmark::{
    BlockQuoteKind, CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd,
};
use serde_json::{Value, json};

use crate::code_language::{notion_language, split_info};
use crate::rich_text::{self, MAX_ITEMS, Marks, Span};

/// One block to write: its JSON (no `children`), its children, its source line.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The block's JSON, without `children`.
    pub block: Value,
    /// The blocks nested under it.
    pub children: Vec<Node>,
    /// 1-based line of the Markdown this block starts on.
    pub line: usize,
}

impl Node {
    fn new(block: Value, line: usize) -> Self {
        Self {
            block,
            children: Vec::new(),
            line,
        }
    }

    /// The block's type, e.g. `paragraph`.
    pub fn kind(&self) -> &str {
        self.block["type"].as_str().unwrap_or_default()
    }

    /// This node and all its descendants.
    pub fn count(&self) -> usize {
        1 + count(&self.children)
    }

    /// A short plain-text excerpt of the block, for messages.
    pub fn excerpt(&self) -> String {
        let kind = self.kind();
        let body = &self.block[kind];
        let text = if body["rich_text"].is_array() {
            rich_text::plain_text(&body["rich_text"])
        } else if let Some(url) = body["url"].as_str().or(body["external"]["url"].as_str()) {
            url.to_string()
        } else if let Some(e) = body["expression"].as_str() {
            e.to_string()
        } else {
            String::new()
        };
        let mut short: String = text.chars().take(60).collect();
        if short.len() < text.len() {
            short.push('…');
        }
        format!("{kind} \"{short}\"")
    }
}

/// How many blocks the trees hold.
pub fn count(nodes: &[Node]) -> usize {
    nodes.iter().map(Node::count).sum()
}

/// The pulldown-cmark options every conversion uses.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_MATH
        | Options::ENABLE_GFM
}

/// Parses Markdown into block trees, or says which line Notion could not take.
pub fn parse(markdown: &str) -> Result<Vec<Node>, String> {
    let mut b = Builder::new(markdown);
    for (event, range) in Parser::new_ext(markdown, options()).into_offset_iter() {
        let line = b.line_of(range.start);
        b.event(event, line)?;
    }
    b.finish()
}

/// Parses a single line of inline Markdown (a title, a comment, a summary).
pub fn parse_inline(markdown: &str) -> Vec<Span> {
    let mut inline = Inline::new(1);
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph) => {}
            Event::Start(Tag::Heading { .. }) | Event::End(TagEnd::Heading(_)) => {}
            Event::SoftBreak | Event::HardBreak if !inline.pieces.is_empty() => inline.text("\n"),
            other => inline.event(other),
        }
    }
    let mut spans = Vec::new();
    for piece in inline.pieces {
        match piece {
            Piece::Span(s) => spans.push(s),
            Piece::Image { alt, .. } => spans.push(Span::plain(alt)),
            Piece::DisplayMath(expression) => spans.push(Span::Equation { expression }),
        }
    }
    rich_text::merge(spans)
}

/// Inline Markdown as Notion rich text (for titles, comments, property text).
pub fn inline_rich_text(markdown: &str) -> Result<Vec<Value>, String> {
    rich_text::fit_items(rich_text::to_json(&parse_inline(markdown)))
        .ok_or_else(|| "the text is too long for one Notion rich-text value".to_string())
}

// ---------------------------------------------------------------------------------

/// Inline content being collected.
#[derive(Debug)]
enum Piece {
    Span(Span),
    Image {
        url: String,
        alt: String,
        line: usize,
    },
    DisplayMath(String),
}

struct Inline {
    pieces: Vec<Piece>,
    marks: Marks,
    links: Vec<String>,
    image: Option<(String, String)>,
    line: usize,
}

impl Inline {
    fn new(line: usize) -> Self {
        Self {
            pieces: Vec::new(),
            marks: Marks::default(),
            links: Vec::new(),
            image: None,
            line,
        }
    }

    fn text(&mut self, text: &str) {
        if let Some((_, alt)) = &mut self.image {
            alt.push_str(text);
            return;
        }
        self.pieces.push(Piece::Span(Span::Text {
            text: text.to_string(),
            marks: self.marks,
            link: self.links.last().cloned(),
        }));
    }

    fn event(&mut self, event: Event) {
        match event {
            Event::Text(t) => self.text(&t),
            Event::Code(t) => {
                let saved = self.marks;
                self.marks.code = true;
                self.text(&t);
                self.marks = saved;
            }
            Event::InlineMath(t) => self.pieces.push(Piece::Span(Span::Equation {
                expression: t.trim().to_string(),
            })),
            Event::DisplayMath(t) => self.pieces.push(Piece::DisplayMath(t.trim().to_string())),
            Event::SoftBreak | Event::HardBreak => self.text("\n"),
            Event::InlineHtml(h) | Event::Html(h) => match h.trim().to_ascii_lowercase().as_str() {
                "<br>" | "<br/>" | "<br />" => self.text("\n"),
                "<u>" => self.marks.underline = true,
                "</u>" => self.marks.underline = false,
                _ => self.text(&h),
            },
            Event::Start(Tag::Strong) => self.marks.bold = true,
            Event::End(TagEnd::Strong) => self.marks.bold = false,
            Event::Start(Tag::Emphasis) => self.marks.italic = true,
            Event::End(TagEnd::Emphasis) => self.marks.italic = false,
            Event::Start(Tag::Strikethrough) => self.marks.strike = true,
            Event::End(TagEnd::Strikethrough) => self.marks.strike = false,
            Event::Start(Tag::Link { dest_url, .. }) => self.links.push(dest_url.to_string()),
            Event::End(TagEnd::Link) => {
                self.links.pop();
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                self.image = Some((dest_url.to_string(), String::new()));
            }
            Event::End(TagEnd::Image) => {
                if let Some((url, alt)) = self.image.take() {
                    self.pieces.push(Piece::Image {
                        url,
                        alt,
                        line: self.line,
                    });
                }
            }
            Event::FootnoteReference(t) => self.text(&format!("[^{t}]")),
            Event::TaskListMarker(_) | Event::Rule => {}
            Event::Start(_) | Event::End(_) => {}
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Root,
    List { ordered: bool },
    Item { ordered: bool },
    Quote(Option<BlockQuoteKind>),
    Toggle,
}

struct Frame {
    kind: Kind,
    /// The container's own text (item text, quote text, toggle summary), once seen.
    text: Option<Vec<Value>>,
    checked: Option<bool>,
    children: Vec<Node>,
    line: usize,
}

impl Frame {
    fn new(kind: Kind, line: usize) -> Self {
        Self {
            kind,
            text: None,
            checked: None,
            children: Vec::new(),
            line,
        }
    }
}

/// A table being collected: rows of cells of spans; the first row is the header.
struct Table {
    rows: Vec<Vec<Vec<Span>>>,
    line: usize,
}

enum Leaf {
    Paragraph,
    Heading(usize),
    TightItem,
    Cell,
}

struct Builder {
    line_starts: Vec<usize>,
    stack: Vec<Frame>,
    inline: Option<(Leaf, Inline)>,
    /// A fenced or indented code block: its info string, text and line.
    code: Option<(String, String, usize)>,
    html: Option<(String, usize)>,
    table: Option<Table>,
}

impl Builder {
    fn new(src: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        Self {
            line_starts,
            stack: vec![Frame::new(Kind::Root, 1)],
            inline: None,
            code: None,
            html: None,
            table: None,
        }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= offset)
    }

    fn top(&mut self) -> &mut Frame {
        self.stack
            .last_mut()
            .expect("the root frame is never popped")
    }

    /// Adds a finished block to the innermost container (lists are not containers).
    fn push_block(&mut self, node: Node) {
        let frame = self
            .stack
            .iter_mut()
            .rev()
            .find(|f| !matches!(f.kind, Kind::List { .. }))
            .expect("the root frame is never popped");
        if frame.text.is_none() && !matches!(frame.kind, Kind::Root) {
            frame.text = Some(Vec::new());
        }
        frame.children.push(node);
    }

    fn event(&mut self, event: Event, line: usize) -> Result<(), String> {
        if let Some((_, text, _)) = &mut self.code {
            match event {
                Event::Text(t) => text.push_str(&t),
                Event::End(TagEnd::CodeBlock) => self.end_code(),
                _ => {}
            }
            return Ok(());
        }
        if let Some((html, _)) = &mut self.html {
            match event {
                Event::Html(t) | Event::Text(t) => html.push_str(&t),
                Event::End(TagEnd::HtmlBlock) => self.end_html()?,
                _ => {}
            }
            return Ok(());
        }
        if let Event::TaskListMarker(checked) = event {
            // In a loose list the marker comes inside the item's paragraph.
            if let Some(item) = self
                .stack
                .iter_mut()
                .rev()
                .find(|f| matches!(f.kind, Kind::Item { .. }))
            {
                item.checked = Some(checked);
            }
            return Ok(());
        }
        if self.inline.is_some() {
            let ends_leaf = matches!(
                event,
                Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::TableCell)
            );
            let block_start = matches!(
                event,
                Event::Start(
                    Tag::List(_)
                        | Tag::Paragraph
                        | Tag::BlockQuote(_)
                        | Tag::CodeBlock(_)
                        | Tag::HtmlBlock
                        | Tag::Heading { .. }
                        | Tag::Table(_)
                ) | Event::End(TagEnd::Item)
                    | Event::Rule
            );
            if !ends_leaf && !block_start {
                if let Some((_, inline)) = &mut self.inline {
                    inline.event(event);
                }
                return Ok(());
            }
            if block_start {
                // Tight list item text ends where a nested block begins.
                self.end_leaf()?;
            }
        }
        if is_inline(&event) {
            // Inline content outside a paragraph: the text of a tight list item.
            let mut inline = Inline::new(line);
            inline.event(event);
            self.inline = Some((Leaf::TightItem, inline));
            return Ok(());
        }
        match event {
            Event::Start(Tag::Paragraph) => {
                self.inline = Some((Leaf::Paragraph, Inline::new(line)))
            }
            Event::Start(Tag::Heading { level, .. }) => {
                let n = match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    _ => 3,
                };
                self.inline = Some((Leaf::Heading(n), Inline::new(line)));
            }
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::TableCell) => {
                self.end_leaf()?
            }
            Event::Start(Tag::List(start)) => {
                let frame = Frame::new(
                    Kind::List {
                        ordered: start.is_some(),
                    },
                    line,
                );
                self.stack.push(frame);
            }
            Event::End(TagEnd::List(_)) => {
                self.close_until(|k| matches!(k, Kind::List { .. }))?;
                self.stack.pop();
            }
            Event::Start(Tag::Item) => {
                let ordered = matches!(self.top().kind, Kind::List { ordered: true });
                self.stack.push(Frame::new(Kind::Item { ordered }, line));
            }
            Event::End(TagEnd::Item) => {
                self.close_until(|k| matches!(k, Kind::Item { .. }))?;
                let frame = self.stack.pop().expect("item frame");
                let ordered = matches!(frame.kind, Kind::Item { ordered: true });
                let text = frame.text.unwrap_or_default();
                let block = match frame.checked {
                    Some(checked) => block("to_do", json!({"rich_text": text, "checked": checked})),
                    None if ordered => block("numbered_list_item", json!({ "rich_text": text })),
                    None => block("bulleted_list_item", json!({ "rich_text": text })),
                };
                self.push_block(Node {
                    block,
                    children: frame.children,
                    line: frame.line,
                });
            }
            Event::Start(Tag::BlockQuote(kind)) => {
                self.stack.push(Frame::new(Kind::Quote(kind), line));
            }
            Event::End(TagEnd::BlockQuote(_)) => {
                self.close_until(|k| matches!(k, Kind::Quote(_)))?;
                let frame = self.stack.pop().expect("quote frame");
                let Kind::Quote(kind) = frame.kind else {
                    unreachable!()
                };
                let node = quote_or_callout(kind, frame.text.unwrap_or_default(), frame.line);
                self.push_block(Node {
                    children: frame.children,
                    ..node
                });
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((lang, String::new(), line));
            }
            Event::Start(Tag::HtmlBlock) => self.html = Some((String::new(), line)),
            Event::Html(h) => {
                self.html = Some((h.to_string(), line));
                self.end_html()?;
            }
            Event::Rule => self.push_block(Node::new(block("divider", json!({})), line)),
            Event::Start(Tag::Table(_)) => {
                self.table = Some(Table {
                    rows: Vec::new(),
                    line,
                })
            }
            Event::Start(Tag::TableHead) | Event::Start(Tag::TableRow) => {
                if let Some(t) = &mut self.table {
                    t.rows.push(Vec::new());
                }
            }
            Event::Start(Tag::TableCell) => self.inline = Some((Leaf::Cell, Inline::new(line))),
            Event::End(TagEnd::Table) => self.end_table(),
            _ => {}
        }
        Ok(())
    }

    /// Closes toggles left open inside a container that is ending.
    fn close_until(&mut self, wanted: impl Fn(&Kind) -> bool) -> Result<(), String> {
        while !wanted(&self.top().kind) {
            if matches!(self.top().kind, Kind::Toggle) {
                self.end_toggle();
            } else {
                return Err("internal error: unbalanced Markdown structure".into());
            }
        }
        Ok(())
    }

    fn end_leaf(&mut self) -> Result<(), String> {
        let Some((leaf, inline)) = self.inline.take() else {
            return Ok(());
        };
        let line = inline.line;
        match leaf {
            Leaf::Heading(n) => {
                let spans = spans_only(inline.pieces);
                let text = fit(rich_text::to_json(&spans), line)?;
                self.push_block(Node::new(
                    block(&format!("heading_{n}"), json!({ "rich_text": text })),
                    line,
                ));
            }
            Leaf::Cell => {
                let spans = spans_only(inline.pieces);
                if let Some(row) = self.table.as_mut().and_then(|t| t.rows.last_mut()) {
                    row.push(spans);
                }
            }
            Leaf::Paragraph | Leaf::TightItem => self.paragraph(inline.pieces, line)?,
        }
        Ok(())
    }

    /// A paragraph's content: text becomes the open container's text when it has none
    /// yet, else paragraph blocks; images, media links and display math become their
    /// own blocks.
    fn paragraph(&mut self, pieces: Vec<Piece>, line: usize) -> Result<(), String> {
        if let Some(node) = special_block(&pieces, line)? {
            self.push_block(node);
            return Ok(());
        }
        let mut spans: Vec<Span> = Vec::new();
        let mut blocks: Vec<Node> = Vec::new();
        let flush = |spans: &mut Vec<Span>, blocks: &mut Vec<Node>| {
            let merged = rich_text::merge(std::mem::take(spans));
            if merged
                .iter()
                .any(|s| !matches!(s, Span::Text { text, .. } if text.trim().is_empty()))
            {
                let items = rich_text::to_json(&trim_spans(merged));
                blocks.push(Node::new(
                    block("paragraph", json!({ "rich_text": items })),
                    line,
                ));
            }
        };
        for piece in pieces {
            match piece {
                Piece::Span(s) => spans.push(s),
                Piece::DisplayMath(expression) => spans.push(Span::Equation { expression }),
                Piece::Image { url, alt, line } => {
                    flush(&mut spans, &mut blocks);
                    blocks.push(image_block(&url, &alt, line)?);
                }
            }
        }
        flush(&mut spans, &mut blocks);
        let frame_takes_text = {
            let top = self
                .stack
                .iter()
                .rev()
                .find(|f| !matches!(f.kind, Kind::List { .. }))
                .expect("root");
            top.text.is_none() && !matches!(top.kind, Kind::Root)
        };
        let mut first = true;
        for node in blocks {
            if first && frame_takes_text && node.kind() == "paragraph" {
                let spans_json = node.block["paragraph"]["rich_text"].clone();
                let text = fit(spans_json_to_vec(spans_json), line)?;
                let frame = self
                    .stack
                    .iter_mut()
                    .rev()
                    .find(|f| !matches!(f.kind, Kind::List { .. }))
                    .expect("root");
                frame.text = Some(text);
            } else if node.kind() == "paragraph" {
                let items = spans_json_to_vec(node.block["paragraph"]["rich_text"].clone());
                for chunk in items.chunks(MAX_ITEMS) {
                    self.push_block(Node::new(
                        block("paragraph", json!({ "rich_text": chunk })),
                        line,
                    ));
                }
            } else {
                self.push_block(node);
            }
            first = false;
        }
        Ok(())
    }

    fn end_code(&mut self) {
        let Some((lang, text, line)) = self.code.take() else {
            return;
        };
        let text = text.strip_suffix('\n').unwrap_or(&text);
        let (lang, caption) = split_info(&lang);
        let language = notion_language(lang);
        let mut body = json!({"rich_text": rich_text::plain_json(text), "language": language});
        if let Some(caption) = caption {
            body["caption"] = json!(rich_text::plain_json(caption));
        }
        let node = Node::new(block("code", body), line);
        self.push_block(node);
    }

    fn end_html(&mut self) -> Result<(), String> {
        let Some((html, line)) = self.html.take() else {
            return Ok(());
        };
        let mut rest = html.as_str();
        loop {
            let lower = rest.to_ascii_lowercase();
            let next = ["<details", "</details>", "<summary", "<!--"]
                .iter()
                .filter_map(|t| lower.find(t).map(|i| (i, *t)))
                .min_by_key(|(i, _)| *i);
            let Some((at, token)) = next else {
                self.html_text(rest, line)?;
                return Ok(());
            };
            self.html_text(&rest[..at], line)?;
            rest = &rest[at..];
            match token {
                "<!--" => {
                    let end = rest.find("-->").map_or(rest.len(), |i| i + 3);
                    rest = &rest[end..];
                }
                "</details>" => {
                    if matches!(self.top().kind, Kind::Toggle) {
                        self.end_toggle();
                    }
                    rest = &rest["</details>".len()..];
                }
                "<details" => {
                    let end = rest.find('>').map_or(rest.len(), |i| i + 1);
                    self.stack.push(Frame::new(Kind::Toggle, line));
                    rest = &rest[end..];
                }
                _ => {
                    // <summary>…</summary>: the toggle's text, as inline Markdown.
                    let open_end = rest.find('>').map_or(rest.len(), |i| i + 1);
                    let body = &rest[open_end..];
                    let close = body.to_ascii_lowercase().find("</summary>");
                    let (summary, after) = match close {
                        Some(i) => (&body[..i], &body[i + "</summary>".len()..]),
                        None => (body, ""),
                    };
                    let text = fit(rich_text::to_json(&parse_inline(summary.trim())), line)?;
                    if matches!(self.top().kind, Kind::Toggle) && self.top().text.is_none() {
                        self.top().text = Some(text);
                    } else {
                        self.push_block(Node::new(
                            block("paragraph", json!({ "rich_text": text })),
                            line,
                        ));
                    }
                    rest = after;
                }
            }
        }
    }

    /// HTML that is not a toggle or comment is kept as a paragraph of plain text.
    fn html_text(&mut self, text: &str, line: usize) -> Result<(), String> {
        let text = text.trim();
        if !text.is_empty() {
            self.paragraph(vec![Piece::Span(Span::plain(text))], line)?;
        }
        Ok(())
    }

    fn end_toggle(&mut self) {
        let frame = self.stack.pop().expect("toggle frame");
        let text = frame.text.unwrap_or_default();
        self.push_block(Node {
            block: block("toggle", json!({ "rich_text": text })),
            children: frame.children,
            line: frame.line,
        });
    }

    fn end_table(&mut self) {
        let Some(table) = self.table.take() else {
            return;
        };
        let width = table.rows.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let mut rows = table.rows;
        let header_empty = rows.first().is_some_and(|r| {
            r.iter().all(|c| {
                c.iter()
                    .all(|s| matches!(s, Span::Text { text, .. } if text.trim().is_empty()))
            })
        });
        if header_empty && rows.len() > 1 {
            rows.remove(0);
        }
        let children: Vec<Node> = rows
            .into_iter()
            .map(|row| {
                let mut cells: Vec<Value> = row
                    .iter()
                    .map(|c| {
                        Value::Array(
                            rich_text::fit_items(rich_text::to_json(c)).unwrap_or_default(),
                        )
                    })
                    .collect();
                cells.resize(width, json!([]));
                Node::new(block("table_row", json!({ "cells": cells })), table.line)
            })
            .collect();
        let node = Node {
            block: block(
                "table",
                json!({"table_width": width, "has_column_header": !header_empty, "has_row_header": false}),
            ),
            children,
            line: table.line,
        };
        self.push_block(node);
    }

    fn finish(mut self) -> Result<Vec<Node>, String> {
        self.end_leaf()?;
        while self.stack.len() > 1 {
            match self.top().kind {
                Kind::Toggle => self.end_toggle(),
                _ => return Err("internal error: unbalanced Markdown structure".into()),
            }
        }
        Ok(self.stack.pop().map(|f| f.children).unwrap_or_default())
    }
}

/// Whether an event belongs to inline content (text and its formatting).
fn is_inline(event: &Event) -> bool {
    matches!(
        event,
        Event::Text(_)
            | Event::Code(_)
            | Event::InlineMath(_)
            | Event::DisplayMath(_)
            | Event::InlineHtml(_)
            | Event::SoftBreak
            | Event::HardBreak
            | Event::FootnoteReference(_)
            | Event::Start(
                Tag::Strong
                    | Tag::Emphasis
                    | Tag::Strikethrough
                    | Tag::Link { .. }
                    | Tag::Image { .. }
                    | Tag::Superscript
                    | Tag::Subscript
            )
    )
}

fn spans_only(pieces: Vec<Piece>) -> Vec<Span> {
    let spans = pieces
        .into_iter()
        .map(|p| match p {
            Piece::Span(s) => s,
            Piece::Image { alt, .. } => Span::plain(alt),
            Piece::DisplayMath(expression) => Span::Equation { expression },
        })
        .collect();
    trim_spans(rich_text::merge(spans))
}

/// Drops leading and trailing newlines/spaces of a paragraph's text.
fn trim_spans(mut spans: Vec<Span>) -> Vec<Span> {
    if let Some(Span::Text { text, .. }) = spans.first_mut() {
        *text = text.trim_start().to_string();
    }
    if let Some(Span::Text { text, .. }) = spans.last_mut() {
        *text = text.trim_end().to_string();
    }
    spans.retain(|s| !matches!(s, Span::Text { text, .. } if text.is_empty()));
    spans
}

fn spans_json_to_vec(v: Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items,
        _ => Vec::new(),
    }
}

fn fit(items: Vec<Value>, line: usize) -> Result<Vec<Value>, String> {
    rich_text::fit_items(items).ok_or_else(|| {
        format!("line {line}: this block's text is too long for Notion (over 100 text objects of 2,000 characters); split it into paragraphs")
    })
}

/// The block JSON `{"object":"block","type":kind, kind: body}`.
pub fn block(kind: &str, body: Value) -> Value {
    let mut b = json!({"object": "block", "type": kind});
    b[kind] = body;
    b
}

/// A paragraph that is one image, one labelled media link, or one display equation.
fn special_block(pieces: &[Piece], line: usize) -> Result<Option<Node>, String> {
    let meaningful: Vec<&Piece> = pieces
        .iter()
        .filter(|p| !matches!(p, Piece::Span(Span::Text { text, .. }) if text.trim().is_empty()))
        .collect();
    match meaningful.as_slice() {
        [Piece::DisplayMath(expr)] => Ok(Some(Node::new(
            block("equation", json!({ "expression": expr })),
            line,
        ))),
        [Piece::Image { url, alt, line }] => image_block(url, alt, *line).map(Some),
        spans if !spans.is_empty() => {
            // All spans share one link: maybe a media block.
            let mut url: Option<&str> = None;
            let mut label = String::new();
            for p in spans {
                let Piece::Span(Span::Text {
                    text,
                    link: Some(l),
                    ..
                }) = p
                else {
                    return Ok(None);
                };
                if url.is_some_and(|u| u != l) {
                    return Ok(None);
                }
                url = Some(l);
                label.push_str(text);
            }
            let Some(url) = url else { return Ok(None) };
            Ok(media_block(label.trim(), url, line))
        }
        _ => Ok(None),
    }
}

/// The media block types a link label can name, and their labels.
pub const MEDIA_LABELS: [(&str, &str); 6] = [
    ("bookmark", "Bookmark"),
    ("embed", "Embed"),
    ("video", "Video"),
    ("pdf", "PDF"),
    ("file", "File"),
    ("audio", "Audio"),
];

fn media_block(label: &str, url: &str, line: usize) -> Option<Node> {
    let (head, caption) = match label.split_once(':') {
        Some((h, c)) => (h.trim(), c.trim()),
        None => (label, ""),
    };
    let kind = MEDIA_LABELS
        .iter()
        .find(|(_, l)| l.eq_ignore_ascii_case(head))?
        .0;
    if !url.starts_with("http://") && !url.starts_with("https://")
        || !rich_text::is_acceptable_url(url)
    {
        return None;
    }
    let caption = rich_text::plain_json(caption);
    let body = match kind {
        "bookmark" => json!({"url": url, "caption": caption}),
        "embed" => json!({ "url": url }),
        _ => json!({"type": "external", "external": {"url": url}, "caption": caption}),
    };
    Some(Node::new(block(kind, body), line))
}

fn image_block(url: &str, alt: &str, line: usize) -> Result<Node, String> {
    if !(url.starts_with("http://") || url.starts_with("https://"))
        || !rich_text::is_acceptable_url(url)
    {
        return Err(format!(
            "line {line}: image `{url}` is not an absolute http(s) URL of at most 2,000 characters; Notion can only embed images by URL (upload it somewhere first, or drop the image)"
        ));
    }
    Ok(Node::new(
        block(
            "image",
            json!({"type": "external", "external": {"url": url}, "caption": rich_text::plain_json(alt.trim())}),
        ),
        line,
    ))
}

/// A quote, or a callout for a GitHub alert (`> [!NOTE]`): a leading emoji in its
/// text becomes the icon and the alert kind picks the colour.
fn quote_or_callout(kind: Option<BlockQuoteKind>, mut text: Vec<Value>, line: usize) -> Node {
    let Some(kind) = kind else {
        return Node::new(block("quote", json!({ "rich_text": text })), line);
    };
    let color = match kind {
        BlockQuoteKind::Note => "gray_background",
        BlockQuoteKind::Tip => "green_background",
        BlockQuoteKind::Important => "purple_background",
        BlockQuoteKind::Warning => "yellow_background",
        BlockQuoteKind::Caution => "red_background",
    };
    let mut body = json!({"rich_text": [], "color": color});
    if let Some(first) = text.first_mut()
        && let Some(content) = first["text"]["content"].as_str()
        && let Some((icon, rest)) = split_emoji(content)
    {
        body["icon"] = json!({"type": "emoji", "emoji": icon});
        let rest = rest.to_string();
        if rest.is_empty() {
            text.remove(0);
        } else {
            first["text"]["content"] = Value::String(rest);
        }
    }
    body["rich_text"] = Value::Array(text);
    Node::new(block("callout", body), line)
}

/// A leading emoji (with its modifiers and joiners) followed by a space or the end.
pub fn split_emoji(text: &str) -> Option<(&str, &str)> {
    let mut chars = text.char_indices();
    let (_, first) = chars.next()?;
    if first.is_ascii() || first.is_alphanumeric() || (first as u32) < 0x2190 {
        return None;
    }
    let mut end = first.len_utf8();
    let mut joined = false;
    for (i, c) in chars {
        let modifier =
            matches!(c as u32, 0xFE0E | 0xFE0F | 0x20E3 | 0x1F3FB..=0x1F3FF | 0xE0020..=0xE007F);
        if c == '\u{200D}' {
            joined = true;
        } else if !(modifier || joined) {
            end = i;
            break;
        } else {
            joined = false;
        }
        end = i + c.len_utf8();
    }
    let (icon, rest) = text.split_at(end);
    if !rest.is_empty() && !rest.starts_with(' ') {
        return None;
    }
    Some((icon, rest.strip_prefix(' ').unwrap_or(rest)))
}

#[cfg(test)]
mod tests;

//! Notion's enhanced ("Notion-flavored") Markdown, which the markdown endpoints of
//! Notion-Version 2026-03-11 read and write, and this server's Markdown (what
//! [`crate::blocks_to_md`] writes and [`crate::md_to_blocks`] reads).
//!
//! - [`units`]: a page's enhanced Markdown cut into its top-level blocks, each with
//!   its byte span and whether it is a block Markdown cannot express (a child page
//!   `<page url="…">`, a child database `<database url="…">`, a synced block
//!   `<synced_block url="…">…</synced_block>`, an `<unknown …/>` block): those are
//!   [`Kept`] by every edit, passed back verbatim so Notion keeps them.
//! - [`to_dialect`]: enhanced Markdown as this server shows pages (child pages and
//!   databases as links, synced content inline, tab indentation as spaces under list
//!   markers), so `get_page` reads the same through either path.
//! - [`from_nodes`]: parsed Markdown (from [`crate::md_to_blocks`]) written as
//!   enhanced Markdown, children indented with tabs.

use std::ops::Range;

use crate::blocks_to_md::{BlockNode, render_one};
use crate::ids;
use crate::md_to_blocks::Node;

/// A block that an edit keeps as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    /// What it is: `child page`, `child database`, `synced block`, or the block type.
    pub kind: String,
    /// Its title, when it has one.
    pub title: String,
}

impl Kept {
    /// `child page "Notes"`, `synced block`, …
    pub fn describe(&self) -> String {
        if self.title.is_empty() {
            self.kind.clone()
        } else {
            format!("{} \"{}\"", self.kind, self.title)
        }
    }
}

/// One top-level block of a page's enhanced Markdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Its bytes in the page's Markdown (trailing blank lines excluded).
    pub span: Range<usize>,
    /// Set when the block is one Markdown cannot express.
    pub kept: Option<Kept>,
}

/// Constructs that span lines: the opening prefix and its closing line.
const BLOCKS: &[(&str, &str)] = &[
    ("<synced_block_reference", "</synced_block_reference>"),
    ("<synced_block", "</synced_block>"),
    ("<details", "</details>"),
    ("<callout", "</callout>"),
    ("<columns", "</columns>"),
    ("<table", "</table>"),
    ("::: ", ":::"),
    (":::", ":::"),
];

/// The attribute `name="…"` of a tag line.
fn attr<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    line.split(&format!("{name}=\"")).nth(1)?.split('"').next()
}

/// The text between a tag's `>` and its closing `</name>`.
fn inner<'a>(line: &'a str, name: &str) -> &'a str {
    line.split_once('>')
        .map(|(_, rest)| rest.split(&format!("</{name}>")).next().unwrap_or(rest))
        .unwrap_or_default()
}

/// Removes the format's backslash escapes.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(n) = chars.next()
        {
            out.push(n);
            continue;
        }
        out.push(c);
    }
    out
}

fn kept(first: &str) -> Option<Kept> {
    let k = |kind: &str, title: String| {
        Some(Kept {
            kind: kind.into(),
            title,
        })
    };
    if first.starts_with("<page ") {
        k("child page", unescape(inner(first, "page")))
    } else if first.starts_with("<database ") {
        k("child database", unescape(inner(first, "database")))
    } else if first.starts_with("<synced_block") {
        k("synced block", String::new())
    } else if first.starts_with("<unknown ") {
        k(
            attr(first, "alt").unwrap_or("unsupported block"),
            String::new(),
        )
    } else if first.starts_with("<embed ") || first.starts_with("<meeting-notes") {
        k("embed", String::new())
    } else {
        None
    }
}

/// The top-level blocks of a page's enhanced Markdown, in order.
pub fn units(md: &str) -> Vec<Unit> {
    let mut out: Vec<Unit> = Vec::new();
    let mut open: Option<&str> = None;
    let mut fence = false;
    let mut offset = 0;
    let mut end_of_last = 0;
    for line in md.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let text = line.trim_end_matches(['\n', '\r']);
        let content_end = start + text.len();
        if fence {
            if text.trim_start().starts_with("```") {
                fence = false;
            }
            end_of_last = content_end;
            continue;
        }
        if let Some(close) = open {
            if text.trim() == close {
                open = None;
            }
            end_of_last = content_end;
            continue;
        }
        if text.trim().is_empty() {
            continue;
        }
        let top = !text.starts_with('\t') && !text.starts_with("    ");
        if top || out.is_empty() {
            if let Some(last) = out.last_mut() {
                last.span.end = end_of_last;
            }
            out.push(Unit {
                span: start..content_end,
                kept: kept(text),
            });
        }
        if text.trim_start().starts_with("```") {
            fence = true;
        } else if top {
            open = BLOCKS
                .iter()
                .find(|(p, c)| text.starts_with(p) && text.trim() != *c && !text.ends_with("/>"))
                .map(|(_, c)| *c);
        }
        end_of_last = content_end;
    }
    if let Some(last) = out.last_mut() {
        last.span.end = end_of_last.max(last.span.start);
    }
    out
}

/// The width of a list marker a line starts with (0 when it is no list item).
fn marker_width(content: &str) -> usize {
    if content.starts_with("- ") || content.starts_with("* ") {
        return 2;
    }
    let digits = content.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && content[digits..].starts_with(". ") {
        digits + 2
    } else {
        0
    }
}

/// Enhanced Markdown as this server writes pages (see the module docs).
pub fn to_dialect(md: &str) -> String {
    join(&pieces(md))
}

/// One top-level block in this server's Markdown, and the list it is an item of
/// (items of one list are joined by a newline, other blocks by a blank line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// The block as `get_page` shows it.
    pub text: String,
    /// The list it belongs to: `-` for bulleted and to-do items, `1` for numbered
    /// ones, `None` for other blocks.
    pub list: Option<char>,
    /// For an `<unknown>` block (one the endpoint does not render): its id, so the
    /// block walk can read it instead.
    pub unknown: Option<String>,
}

impl Piece {
    /// The separator that joins this piece to one of list `prev` before it.
    pub fn separator(&self, prev: Option<char>) -> &'static str {
        if self.list.is_some() && self.list == prev {
            "\n"
        } else {
            "\n\n"
        }
    }
}

/// Pieces joined as a page reads.
pub fn join(pieces: &[Piece]) -> String {
    let mut out = String::new();
    let mut prev: Option<char> = None;
    for p in pieces {
        if !out.is_empty() {
            out.push_str(p.separator(prev));
        }
        out.push_str(&p.text);
        prev = p.list;
    }
    out
}

/// The top-level blocks of enhanced Markdown in this server's Markdown (a synced
/// block's content counts as one piece).
pub fn pieces(md: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    for unit in units(md) {
        let text = &md[unit.span.clone()];
        let first = text.lines().next().unwrap_or_default();
        let piece = match unit.kept.as_ref().map(|k| k.kind.as_str()) {
            Some("child page") | Some("child database") => {
                let k = unit.kept.as_ref().expect("matched");
                let label = if k.kind == "child page" {
                    "Child page"
                } else {
                    "Child database"
                };
                let id = ids::parse(attr(first, "url").unwrap_or_default()).unwrap_or_default();
                format!(
                    "[{label}: {}]({})",
                    k.title.replace('[', "\\[").replace(']', "\\]"),
                    ids::notion_url(&id)
                )
            }
            Some("synced block") => {
                let body: Vec<&str> = text
                    .lines()
                    .skip(1)
                    .filter(|l| !l.trim_start().starts_with("</synced_block"))
                    .map(|l| l.strip_prefix('\t').unwrap_or(l))
                    .collect();
                to_dialect(&body.join("\n"))
            }
            Some(kind) if first.starts_with("<unknown ") => {
                format!("<!-- unsupported block: {kind} -->")
            }
            Some(_) => format!("<!-- unsupported block: {} -->", first.trim()),
            None => indentation(text),
        };
        if piece.is_empty() {
            continue;
        }
        out.push(Piece {
            text: piece,
            list: match marker_width(first) {
                _ if unit.kept.is_some() => None,
                0 => None,
                2 => Some('-'),
                _ => Some('1'),
            },
            unknown: first
                .starts_with("<unknown ")
                .then(|| {
                    // The block's id is the URL's fragment (the page's id precedes it).
                    let url = attr(first, "url")?;
                    ids::parse(url.rsplit_once('#').map_or(url, |(_, f)| f)).ok()
                })
                .flatten(),
        });
    }
    out
}

/// Tab indentation under list items as the spaces this server writes (children
/// aligned with the text after their parent's marker; a blank line before a child
/// that is not a list item).
fn indentation(text: &str) -> String {
    let mut widths: Vec<usize> = Vec::new();
    let mut out: Vec<String> = Vec::new();
    let mut prev_depth = 0;
    let mut prev_item = false;
    let mut fence = false;
    for line in text.lines() {
        let depth = line.chars().take_while(|c| *c == '\t').count();
        let content = &line[depth..];
        if fence {
            let pad: usize = widths.iter().take(depth).sum();
            out.push(format!("{}{content}", " ".repeat(pad)));
            if content.trim_start().starts_with("```") {
                fence = false;
            }
            continue;
        }
        widths.truncate(depth);
        let pad: usize = widths.iter().sum();
        let width = marker_width(content);
        if depth > prev_depth && width == 0 && prev_item {
            out.push(String::new());
        }
        out.push(format!("{}{content}", " ".repeat(pad)));
        widths.push(width);
        prev_depth = depth;
        prev_item = width > 0;
        if content.trim_start().starts_with("```") {
            fence = true;
        }
    }
    out.join("\n")
}

/// Parsed Markdown as enhanced Markdown: each block as this server writes it, its
/// children indented one tab deeper.
pub fn from_nodes(nodes: &[Node]) -> String {
    let mut out = String::new();
    let mut prev: Option<&str> = None;
    let mut number = 0;
    for node in nodes {
        let kind = node.kind();
        let group = match kind {
            "bulleted_list_item" | "to_do" => Some("b"),
            "numbered_list_item" => Some("n"),
            _ => None,
        };
        number = if group == Some("n") && prev == Some("n") {
            number + 1
        } else {
            1
        };
        if !out.is_empty() {
            out.push_str(if group.is_some() && group == prev {
                "\n"
            } else {
                "\n\n"
            });
        }
        out.push_str(&one(node, number));
        prev = group;
    }
    out
}

fn one(node: &Node, number: u64) -> String {
    let kind = node.kind();
    let leaf = BlockNode::leaf(node.block.clone());
    let head = match kind {
        "toggle" => {
            let summary = render_one(&leaf, number);
            let summary = summary
                .split("<summary>")
                .nth(1)
                .and_then(|s| s.split("</summary>").next())
                .unwrap_or_default()
                .to_string();
            let kids = from_nodes(&node.children);
            return format!(
                "<details>\n<summary>{summary}</summary>\n{}\n</details>",
                tabbed(&kids)
            );
        }
        // A table's rows are its children: the table renders them itself.
        "table" => {
            let rows: Vec<BlockNode> = node
                .children
                .iter()
                .map(|r| BlockNode::leaf(r.block.clone()))
                .collect();
            return render_one(&BlockNode::with_children(node.block.clone(), rows), 1);
        }
        _ => render_one(&leaf, number),
    };
    if node.children.is_empty() {
        return head;
    }
    format!("{head}\n{}", tabbed(&from_nodes(&node.children)))
}

fn tabbed(text: &str) -> String {
    text.split('\n')
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("\t{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "# Plan\n\nIntro **bold**\n\n- one\n\t- nested\n- two\n\n```rust\nfn a() {}\n\nfn b() {}\n```\n\n<page url=\"https://www.notion.so/Sub-0123456789abcdef0123456789abcdef\">Sub</page>\n\n<synced_block url=\"https://www.notion.so/p#abcdefabcdefabcdefabcdefabcdefab\">\n\tShared text\n</synced_block>\n\n<unknown url=\"https://www.notion.so/p#11111111111111111111111111111111\" alt=\"embed\"/>";

    #[test]
    fn units_follow_top_level_blocks() {
        let u = units(PAGE);
        let texts: Vec<&str> = u.iter().map(|u| &PAGE[u.span.clone()]).collect();
        assert_eq!(texts[0], "# Plan");
        assert_eq!(texts[2], "- one\n\t- nested");
        assert_eq!(texts[3], "- two");
        assert_eq!(texts[4], "```rust\nfn a() {}\n\nfn b() {}\n```");
        assert!(texts[6].ends_with("</synced_block>"), "{}", texts[6]);
        let kept: Vec<String> = u
            .iter()
            .filter_map(|u| u.kept.as_ref().map(Kept::describe))
            .collect();
        assert_eq!(kept, ["child page \"Sub\"", "synced block", "embed"]);
        assert_eq!(u.len(), 8);
    }

    #[test]
    fn dialect_matches_the_block_renderer() {
        let d = to_dialect(PAGE);
        assert!(d.contains("- one\n  - nested\n- two"), "{d}");
        let mixed = to_dialect("- a\n1. b\n2. c\n- [ ] d");
        assert_eq!(mixed, "- a\n\n1. b\n2. c\n\n- [ ] d");
        assert!(
            d.contains("[Child page: Sub](https://www.notion.so/0123456789abcdef0123456789abcdef)"),
            "{d}"
        );
        assert!(d.contains("\n\nShared text\n\n"), "{d}");
        assert!(d.ends_with("<!-- unsupported block: embed -->"), "{d}");
        let unknown = pieces(PAGE).pop().unwrap().unknown;
        assert_eq!(
            unknown.as_deref(),
            Some("11111111-1111-1111-1111-111111111111")
        );
    }

    #[test]
    fn parsed_markdown_is_written_with_tabs() {
        let nodes = crate::md_to_blocks::parse("## Next\n\n- a\n  - b\n\n1. x\n2. y").unwrap();
        assert_eq!(from_nodes(&nodes), "## Next\n\n- a\n\t- b\n\n1. x\n2. y");
    }
}

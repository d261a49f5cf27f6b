//! Enhanced ("Notion-flavored") Markdown, as the markdown endpoints of Notion-Version
//! 2026-03-11 speak it: a page's blocks rendered to it, and it parsed back into
//! blocks, with the spans of the top-level blocks so an edit can replace only the
//! blocks it touches (the rest keep their ids).
//!
//! Rendered: paragraphs, headings, bulleted/numbered/to-do items, quotes, fenced
//! code, dividers, equations, with their children indented by one tab;
//! `<page url="…">Title</page>` for a child page, `<database url="…">Title</database>`
//! for a child database, `<synced_block url="…">` around a synced block's (indented)
//! content, and `<unknown url="…#block" alt="kind"/>` for every other block. Top-level
//! blocks are separated by a blank line, items of one list by a newline.
//!
//! Parsed back: the same forms. A `page`, `database`, `synced_block` or `unknown` tag
//! names an existing block, which is kept as it is (moved to where the tag stands);
//! everything else becomes new blocks.

use std::ops::Range;

use serde_json::{Value, json};

use super::blocks::NewBlock;
use super::error::{ApiError, ApiResult};
use super::ids;
use super::store::State;

/// A page rendered, with where each top-level block's text lies.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub text: String,
    /// `(block id, byte range in text)` per visible top-level block, in order.
    pub spans: Vec<(String, Range<usize>)>,
}

/// Characters the format escapes with a backslash outside code.
const ESCAPED: &[char] = &[
    '\\', '*', '~', '`', '$', '[', ']', '<', '>', '{', '}', '|', '^',
];

fn list_group(kind: &str) -> Option<u8> {
    match kind {
        "bulleted_list_item" | "to_do" => Some(1),
        "numbered_list_item" => Some(2),
        _ => None,
    }
}

/// `id`'s visible children rendered as enhanced Markdown.
pub fn render(st: &State, id: &str) -> Rendered {
    let page = st.page_of(id).unwrap_or_else(|| id.to_string());
    let mut out = Rendered::default();
    let mut prev: Option<u8> = None;
    let mut number = 0;
    for child in st.visible_children(id) {
        let kind = kind_of(st, &child);
        let group = list_group(&kind);
        number = if group == Some(2) && prev == Some(2) {
            number + 1
        } else {
            1
        };
        if !out.text.is_empty() {
            out.text.push_str(if group.is_some() && group == prev {
                "\n"
            } else {
                "\n\n"
            });
        }
        let start = out.text.len();
        out.text.push_str(&block(st, &page, &child, number));
        out.spans.push((child, start..out.text.len()));
        prev = group;
    }
    out
}

fn kind_of(st: &State, id: &str) -> String {
    st.block_json(id)
        .and_then(|b| b["type"].as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The URL a tag carries for a block of `page`: the page's URL with the block's id
/// as the fragment.
fn block_url(st: &State, page: &str, id: &str) -> String {
    format!("{}#{}", st.url_of(page), ids::compact(id))
}

fn indent(text: &str) -> String {
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

fn block(st: &State, page: &str, id: &str, number: usize) -> String {
    let Some(json) = st.block_json(id) else {
        return String::new();
    };
    let kind = json["type"].as_str().unwrap_or_default().to_string();
    let body = &json[kind.as_str()];
    let text = rich(&body["rich_text"]);
    let kids = || {
        let r = render(st, id);
        if r.text.is_empty() {
            String::new()
        } else {
            format!("\n{}", indent(&r.text))
        }
    };
    match kind.as_str() {
        "paragraph" => format!("{text}{}", kids()),
        "heading_1" => format!("# {text}{}", kids()),
        "heading_2" => format!("## {text}{}", kids()),
        "heading_3" => format!("### {text}{}", kids()),
        "bulleted_list_item" => format!("- {text}{}", kids()),
        "numbered_list_item" => format!("{number}. {text}{}", kids()),
        "to_do" => {
            let mark = if body["checked"].as_bool() == Some(true) {
                "x"
            } else {
                " "
            };
            format!("- [{mark}] {text}{}", kids())
        }
        "quote" => format!("> {text}{}", kids()),
        "code" => {
            let lang = body["language"].as_str().unwrap_or_default();
            let lang = if lang == "plain text" { "" } else { lang };
            format!(
                "```{lang}\n{}\n```",
                super::rich_text::plain(&body["rich_text"])
            )
        }
        "divider" => "---".into(),
        "equation" => format!("$${}$$", body["expression"].as_str().unwrap_or_default()),
        "child_page" => format!(
            "<page url=\"{}\">{}</page>",
            st.url_of(id),
            escape(body["title"].as_str().unwrap_or_default())
        ),
        "child_database" => format!(
            "<database url=\"{}\">{}</database>",
            st.url_of(id),
            escape(body["title"].as_str().unwrap_or_default())
        ),
        "synced_block" => {
            let source = body["synced_from"]["block_id"].as_str().unwrap_or(id);
            let inner = render(st, source);
            format!(
                "<synced_block url=\"{}\">\n{}\n</synced_block>",
                block_url(st, page, id),
                indent(&inner.text)
            )
        }
        other => format!(
            "<unknown url=\"{}\" alt=\"{other}\"/>",
            block_url(st, page, id)
        ),
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if ESCAPED.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A rich-text array as inline enhanced Markdown.
fn rich(items: &Value) -> String {
    let mut out = String::new();
    for item in items.as_array().into_iter().flatten() {
        let a = &item["annotations"];
        let plain = item["plain_text"].as_str().unwrap_or_default();
        let mut s = if a["code"] == true {
            format!("`{plain}`")
        } else {
            escape(plain)
        };
        if a["bold"] == true {
            s = format!("**{s}**");
        }
        if a["italic"] == true {
            s = format!("*{s}*");
        }
        if a["strikethrough"] == true {
            s = format!("~~{s}~~");
        }
        if let Some(url) = item["href"].as_str() {
            s = format!("[{s}]({url})");
        }
        out.push_str(&s);
    }
    out
}

/// One parsed piece of new content.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// A block to create.
    New(NewBlock),
    /// An existing block (page, database, synced block, unknown block) kept as is.
    Keep(String),
}

/// Parses enhanced Markdown into pieces; tags must name blocks that exist.
pub fn parse(st: &State, text: &str) -> ApiResult<Vec<Piece>> {
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    parse_level(st, &lines, &mut i, 0)
}

fn depth(line: &str) -> usize {
    line.chars().take_while(|c| *c == '\t').count()
}

fn parse_level(st: &State, lines: &[&str], i: &mut usize, level: usize) -> ApiResult<Vec<Piece>> {
    let mut out = Vec::new();
    while *i < lines.len() {
        let raw = lines[*i];
        if raw.trim().is_empty() {
            *i += 1;
            continue;
        }
        if depth(raw) < level {
            break;
        }
        let line = &raw[level.min(depth(raw))..];
        *i += 1;
        if let Some(info) = line.strip_prefix("```") {
            let mut code = Vec::new();
            while *i < lines.len() {
                let l = lines[*i];
                *i += 1;
                let l = l.strip_prefix(&"\t".repeat(level)).unwrap_or(l);
                if l.trim_end() == "```" {
                    break;
                }
                code.push(l);
            }
            let lang = if info.trim().is_empty() {
                "plain text"
            } else {
                info.trim()
            };
            out.push(Piece::New(NewBlock {
                kind: "code".into(),
                payload: json!({"rich_text": [super::rich_text::text(&code.join("\n"))], "language": lang, "caption": []}),
                children: Vec::new(),
            }));
            continue;
        }
        if let Some(kept) = tag(st, line, "page")?
            .or(tag(st, line, "database")?)
            .or(tag(st, line, "unknown")?)
        {
            out.push(Piece::Keep(kept));
            continue;
        }
        if let Some(kept) = tag(st, line, "synced_block")? {
            // The content of a synced block is the block's own: skip to the end tag.
            while *i < lines.len() && lines[*i].trim() != "</synced_block>" {
                *i += 1;
            }
            *i += 1;
            out.push(Piece::Keep(kept));
            continue;
        }
        let (kind, rest, extra) = block_line(line);
        let children = parse_level(st, lines, i, level + 1)?;
        let mut payload = json!({"rich_text": inline(rest), "color": "default"});
        match kind {
            "to_do" => payload["checked"] = json!(extra),
            "divider" => payload = json!({}),
            "equation" => payload = json!({"expression": rest}),
            k if k.starts_with("heading_") => payload["is_toggleable"] = json!(false),
            _ => {}
        }
        let mut kids = Vec::new();
        for c in children {
            match c {
                Piece::New(b) => kids.push(b),
                Piece::Keep(id) => {
                    return Err(ApiError::validation(format!(
                        "Block {id} can only be kept at the top level of the page in this fake."
                    )));
                }
            }
        }
        out.push(Piece::New(NewBlock {
            kind: kind.into(),
            payload,
            children: kids,
        }));
    }
    Ok(out)
}

/// The block a line starts: its type, its inline text, and a to-do's check.
fn block_line(line: &str) -> (&'static str, &str, bool) {
    for (prefix, kind) in [
        ("#### ", "heading_3"),
        ("### ", "heading_3"),
        ("## ", "heading_2"),
        ("# ", "heading_1"),
    ] {
        if let Some(rest) = line.strip_prefix(prefix) {
            return (kind, rest, false);
        }
    }
    if let Some(rest) = line.strip_prefix("- [ ] ") {
        return ("to_do", rest, false);
    }
    if let Some(rest) = line.strip_prefix("- [x] ").or(line.strip_prefix("- [X] ")) {
        return ("to_do", rest, true);
    }
    if let Some(rest) = line.strip_prefix("- ").or(line.strip_prefix("* ")) {
        return ("bulleted_list_item", rest, false);
    }
    if let Some(rest) = line.strip_prefix("> ") {
        return ("quote", rest, false);
    }
    if line.trim() == "---" {
        return ("divider", "", false);
    }
    if let Some(expr) = line
        .strip_prefix("$$")
        .and_then(|l| l.trim_end().strip_suffix("$$"))
    {
        return ("equation", expr, false);
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits > 0
        && let Some(rest) = line[digits..].strip_prefix(". ")
    {
        return ("numbered_list_item", rest, false);
    }
    ("paragraph", line, false)
}

/// `<name url="…" …>` at the start of a line: the id of the block it names.
fn tag(st: &State, line: &str, name: &str) -> ApiResult<Option<String>> {
    let Some(rest) = line.trim().strip_prefix(&format!("<{name} ")) else {
        return Ok(None);
    };
    let url = rest
        .split("url=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .ok_or_else(|| ApiError::validation(format!("The <{name}> tag needs a url attribute.")))?;
    let raw = match url.split_once('#') {
        Some((_, fragment)) => fragment,
        None => url.rsplit(['/', '-']).next().unwrap_or(url),
    };
    let id = ids::parse(raw)
        .filter(|id| st.kind_of(id).is_some())
        .ok_or_else(|| {
            ApiError::validation(format!(
                "The <{name}> tag names {url}, which is not a block of this page."
            ))
        })?;
    Ok(Some(id))
}

/// Inline enhanced Markdown as rich text: `**bold**`, `*italic*`, `~~strike~~`,
/// `` `code` ``, `[text](url)` and backslash escapes.
pub fn inline(text: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut marks = (false, false, false);
    let mut buf = String::new();
    let mut i = 0;
    let flush = |buf: &mut String,
                 marks: (bool, bool, bool),
                 code: bool,
                 href: Option<&str>,
                 items: &mut Vec<Value>| {
        if buf.is_empty() {
            return;
        }
        let mut item = super::rich_text::text(buf);
        item["annotations"]["bold"] = json!(marks.0);
        item["annotations"]["italic"] = json!(marks.1);
        item["annotations"]["strikethrough"] = json!(marks.2);
        item["annotations"]["code"] = json!(code);
        if let Some(url) = href {
            item["text"]["link"] = json!({"url": url});
            item["href"] = json!(url);
        }
        items.push(item);
        buf.clear();
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '\\' if next.is_some() => {
                buf.push(chars[i + 1]);
                i += 2;
            }
            '*' if next == Some('*') => {
                flush(&mut buf, marks, false, None, &mut items);
                marks.0 = !marks.0;
                i += 2;
            }
            '~' if next == Some('~') => {
                flush(&mut buf, marks, false, None, &mut items);
                marks.2 = !marks.2;
                i += 2;
            }
            '*' => {
                flush(&mut buf, marks, false, None, &mut items);
                marks.1 = !marks.1;
                i += 1;
            }
            '`' => {
                flush(&mut buf, marks, false, None, &mut items);
                let end = chars[i + 1..].iter().position(|c| *c == '`');
                match end {
                    Some(n) => {
                        buf.extend(&chars[i + 1..i + 1 + n]);
                        flush(&mut buf, marks, true, None, &mut items);
                        i += n + 2;
                    }
                    None => {
                        buf.push('`');
                        i += 1;
                    }
                }
            }
            '[' => {
                let rest: String = chars[i..].iter().collect();
                let link = rest.find("](").and_then(|close| {
                    let end = rest[close..].find(')')? + close;
                    Some((
                        rest[1..close].to_string(),
                        rest[close + 2..end].to_string(),
                        end,
                    ))
                });
                match link {
                    Some((label, url, end)) => {
                        flush(&mut buf, marks, false, None, &mut items);
                        let mut label_buf = label.replace('\\', "");
                        flush(&mut label_buf, marks, false, Some(&url), &mut items);
                        i += rest[..=end].chars().count();
                    }
                    None => {
                        buf.push('[');
                        i += 1;
                    }
                }
            }
            _ => {
                buf.push(c);
                i += 1;
            }
        }
    }
    flush(&mut buf, marks, false, None, &mut items);
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_marks_links_and_escapes() {
        let items = inline("a **b** `c` [d](https://x.test) \\*e");
        let plain: Vec<&str> = items
            .iter()
            .map(|i| i["plain_text"].as_str().unwrap())
            .collect();
        assert_eq!(plain, ["a ", "b", " ", "c", " ", "d", " *e"]);
        assert_eq!(items[1]["annotations"]["bold"], true);
        assert_eq!(items[3]["annotations"]["code"], true);
        assert_eq!(items[5]["href"], "https://x.test");
        assert_eq!(rich(&json!(items)), "a **b** `c` [d](https://x.test) \\*e");
    }

    #[test]
    fn lines_become_blocks_with_children() {
        let st = State::new();
        let pieces = parse(
            &st,
            "# T\n\n- a\n\t- b\n- [x] c\n\n```rust\nfn x() {}\n```\n\n3. n",
        )
        .unwrap();
        let kinds: Vec<String> = pieces
            .iter()
            .map(|p| match p {
                Piece::New(b) => b.kind.clone(),
                Piece::Keep(id) => id.clone(),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "heading_1",
                "bulleted_list_item",
                "to_do",
                "code",
                "numbered_list_item"
            ]
        );
        let Piece::New(list) = &pieces[1] else {
            panic!()
        };
        assert_eq!(list.children[0].kind, "bulleted_list_item");
        assert!(
            parse(
                &st,
                "<page url=\"https://www.notion.so/x-0123456789abcdef0123456789abcdef\">x</page>"
            )
            .is_err()
        );
    }
}

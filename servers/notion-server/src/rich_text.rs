//! Notion rich text, both ways: an array of rich-text objects rendered as inline
//! Markdown (bold, italic, strikethrough, underline as `<u>`, code, links, inline
//! equations as `$…$`), and [`Span`]s (what the Markdown parser produces) turned into
//! rich-text objects within the API's limits (2,000 characters per text object).

use serde_json::{Value, json};

/// The longest `text.content` (and equation expression) Notion accepts, in UTF-16
/// code units (what the API counts).
pub const MAX_TEXT: usize = 2000;
/// The most rich-text objects in one array.
pub const MAX_ITEMS: usize = 100;
/// The longest URL Notion accepts.
pub const MAX_URL: usize = 2000;

/// Inline formatting of one span.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Marks {
    /// `**bold**`.
    pub bold: bool,
    /// `*italic*`.
    pub italic: bool,
    /// `~~strikethrough~~`.
    pub strike: bool,
    /// Underlined (`<u>…</u>`).
    pub underline: bool,
    /// `` `code` ``.
    pub code: bool,
}

/// One run of inline content with the same formatting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span {
    /// Text with its marks and optional link.
    Text {
        /// The characters.
        text: String,
        /// Its annotations.
        marks: Marks,
        /// The URL it links to.
        link: Option<String>,
    },
    /// An inline equation.
    Equation {
        /// Its LaTeX.
        expression: String,
    },
}

impl Span {
    /// Unmarked, unlinked text.
    pub fn plain(text: impl Into<String>) -> Self {
        Span::Text {
            text: text.into(),
            marks: Marks::default(),
            link: None,
        }
    }

    fn text(&self) -> &str {
        match self {
            Span::Text { text, .. } => text,
            Span::Equation { expression } => expression,
        }
    }
}

/// Where the inline Markdown goes, which decides how newlines and `|` are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A paragraph-like block: newlines stay line breaks.
    Block,
    /// A heading or `<summary>`: one line, newlines become spaces.
    SingleLine,
    /// A table cell: `|` escaped, newlines as `<br>`.
    TableCell,
}

// ---------------------------------------------------------------------------------
// Notion JSON -> spans -> Markdown

/// The spans of a Notion rich-text array (mentions become text, linked when the API
/// gives an `href`).
pub fn from_json(items: &[Value]) -> Vec<Span> {
    let mut out = Vec::new();
    for item in items {
        let kind = item["type"].as_str().unwrap_or("text");
        if kind == "equation" {
            let expression = item["equation"]["expression"]
                .as_str()
                .or_else(|| item["plain_text"].as_str())
                .unwrap_or_default();
            out.push(Span::Equation {
                expression: expression.to_string(),
            });
            continue;
        }
        let text = match kind {
            "text" => item["text"]["content"]
                .as_str()
                .or_else(|| item["plain_text"].as_str()),
            _ => item["plain_text"].as_str(),
        }
        .unwrap_or_default()
        .to_string();
        let link = item["text"]["link"]["url"]
            .as_str()
            .or_else(|| item["href"].as_str())
            .map(str::to_string);
        let a = &item["annotations"];
        let marks = Marks {
            bold: a["bold"].as_bool().unwrap_or(false),
            italic: a["italic"].as_bool().unwrap_or(false),
            strike: a["strikethrough"].as_bool().unwrap_or(false),
            underline: a["underline"].as_bool().unwrap_or(false),
            code: a["code"].as_bool().unwrap_or(false),
        };
        out.push(Span::Text { text, marks, link });
    }
    merge(out)
}

/// The plain text of a rich-text array (no formatting), e.g. for titles in lists.
pub fn plain_text(items: &Value) -> String {
    items
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| {
                    i["plain_text"]
                        .as_str()
                        .or_else(|| i["text"]["content"].as_str())
                        .or_else(|| i["equation"]["expression"].as_str())
                        .unwrap_or_default()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A Notion rich-text array as inline Markdown.
pub fn to_markdown(items: &[Value], mode: Mode) -> String {
    render(&from_json(items), mode)
}

/// Joins neighbouring spans with the same formatting and link.
pub fn merge(spans: Vec<Span>) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans {
        if span.text().is_empty() {
            continue;
        }
        if let (
            Some(Span::Text {
                text: prev,
                marks: pm,
                link: pl,
            }),
            Span::Text { text, marks, link },
        ) = (out.last_mut(), &span)
            && pm == marks
            && pl == link
        {
            prev.push_str(text);
            continue;
        }
        out.push(span);
    }
    out
}

/// Which emphasis marker, in the order they are opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Bold,
    Italic,
    Strike,
    Underline,
}

impl Marker {
    fn open(self) -> &'static str {
        match self {
            Marker::Bold => "**",
            Marker::Italic => "*",
            Marker::Strike => "~~",
            Marker::Underline => "<u>",
        }
    }
    fn close(self) -> &'static str {
        match self {
            Marker::Underline => "</u>",
            other => other.open(),
        }
    }
    fn wanted(self, m: &Marks) -> bool {
        match self {
            Marker::Bold => m.bold,
            Marker::Italic => m.italic,
            Marker::Strike => m.strike,
            Marker::Underline => m.underline,
        }
    }
}

const MARKERS: [Marker; 4] = [
    Marker::Bold,
    Marker::Italic,
    Marker::Strike,
    Marker::Underline,
];

/// Renders spans as inline Markdown. Emphasis markers are opened and closed like a
/// stack so that neighbouring runs nest (`**a *b***`), and whitespace at a run's
/// edge is moved outside its markers (CommonMark ignores `** a**`).
pub fn render(spans: &[Span], mode: Mode) -> String {
    let mut w = Writer {
        out: String::new(),
        line_start: true,
        mode,
    };
    let mut stack: Vec<Marker> = Vec::new();
    let mut link: Option<String> = None;
    let mut pending_ws = String::new();
    for span in spans {
        let (text, marks, span_link) = match span {
            Span::Text { text, marks, link } => (text.as_str(), *marks, link.clone()),
            Span::Equation { expression } => (expression.as_str(), Marks::default(), None),
        };
        let core_start = text.len() - text.trim_start().len();
        let core_end = text.trim_end().len();
        if core_end <= core_start {
            // Whitespace only: keep the markers as they are.
            pending_ws.push_str(text);
            continue;
        }
        let (lead, core, trail) = (
            &text[..core_start],
            &text[core_start..core_end],
            &text[core_end..],
        );
        if span_link != link {
            close_all(&mut w, &mut stack);
            if let Some(url) = link.take() {
                w.raw("](");
                w.raw(&link_target(&url));
                w.raw(")");
            }
        } else {
            while let Some(top) = stack.last() {
                if stack.iter().all(|m| m.wanted(&marks)) {
                    break;
                }
                w.raw(top.close());
                stack.pop();
            }
        }
        w.text(&pending_ws);
        pending_ws.clear();
        w.text(lead);
        if span_link != link {
            if span_link.is_some() {
                w.raw("[");
            }
            link = span_link;
        }
        for m in MARKERS {
            if m.wanted(&marks) && !stack.contains(&m) {
                w.raw(m.open());
                stack.push(m);
            }
        }
        match span {
            Span::Equation { .. } => w.equation(core),
            Span::Text { marks, .. } if marks.code => w.code(core),
            Span::Text { .. } => w.text(core),
        }
        pending_ws.push_str(trail);
    }
    close_all(&mut w, &mut stack);
    if let Some(url) = link {
        w.raw("](");
        w.raw(&link_target(&url));
        w.raw(")");
    }
    w.text(&pending_ws);
    w.out
}

fn close_all(w: &mut Writer, stack: &mut Vec<Marker>) {
    while let Some(m) = stack.pop() {
        w.raw(m.close());
    }
}

/// A URL as a link destination: characters that would end it are percent-encoded.
pub fn link_target(url: &str) -> String {
    url.replace(' ', "%20")
        .replace('(', "%28")
        .replace(')', "%29")
        .replace('<', "%3C")
        .replace('>', "%3E")
}

struct Writer {
    out: String,
    line_start: bool,
    mode: Mode,
}

impl Writer {
    fn raw(&mut self, s: &str) {
        if !s.is_empty() {
            self.out.push_str(s);
            self.line_start = false;
        }
    }

    fn newline(&mut self) {
        match self.mode {
            Mode::Block => {
                self.out.push('\n');
                self.line_start = true;
            }
            Mode::SingleLine => self.out.push(' '),
            Mode::TableCell => self.out.push_str("<br>"),
        }
    }

    /// Plain text with everything Markdown would read as syntax escaped.
    fn text(&mut self, s: &str) {
        let chars: Vec<char> = s.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '\n' {
                self.newline();
                i += 1;
                continue;
            }
            if self.line_start {
                if c == ' ' || c == '\t' {
                    // Leading spaces would make an indented code block.
                    i += 1;
                    continue;
                }
                if matches!(c, '#' | '>' | '-' | '+' | '=') {
                    self.out.push('\\');
                } else if c.is_ascii_digit() {
                    let mut j = i;
                    while j < chars.len() && chars[j].is_ascii_digit() {
                        j += 1;
                    }
                    if j < chars.len() && matches!(chars[j], '.' | ')') {
                        self.out.extend(&chars[i..j]);
                        self.out.push('\\');
                        self.out.push(chars[j]);
                        self.line_start = false;
                        i = j + 1;
                        continue;
                    }
                }
            }
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1).copied();
            let escape = match c {
                '\\' | '`' | '*' | '[' | ']' | '~' | '$' => true,
                '_' => {
                    !prev.is_some_and(char::is_alphanumeric)
                        || !next.is_some_and(char::is_alphanumeric)
                }
                '<' => next.is_some_and(|n| n.is_ascii_alphabetic() || "/!?".contains(n)),
                '&' => next.is_some_and(|n| n.is_ascii_alphanumeric() || n == '#'),
                '|' => self.mode == Mode::TableCell,
                _ => false,
            };
            if escape {
                self.out.push('\\');
            }
            self.out.push(c);
            self.line_start = false;
            i += 1;
        }
    }

    /// A code span, with a fence longer than any backtick run inside; a newline in
    /// code ends the span and continues it on the next line.
    fn code(&mut self, s: &str) {
        for (n, line) in s.split('\n').enumerate() {
            if n > 0 {
                self.newline();
            }
            if line.is_empty() {
                continue;
            }
            let longest = longest_run(line, '`');
            let fence = "`".repeat(longest + 1);
            let pad = if line.starts_with('`') || line.ends_with('`') {
                " "
            } else {
                ""
            };
            self.raw(&format!("{fence}{pad}{line}{pad}{fence}"));
        }
    }

    fn equation(&mut self, s: &str) {
        let expr = s.trim().replace('\n', " ");
        self.raw(&format!("${expr}$"));
    }
}

/// The longest run of `c` in `s`.
pub fn longest_run(s: &str, c: char) -> usize {
    let mut best = 0;
    let mut run = 0;
    for ch in s.chars() {
        if ch == c {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

// ---------------------------------------------------------------------------------
// Spans -> Notion JSON

/// Notion rich-text objects for `spans`, each text at most [`MAX_TEXT`] UTF-16 units.
/// Links Notion would refuse (relative, or longer than [`MAX_URL`]) are dropped,
/// keeping their text.
pub fn to_json(spans: &[Span]) -> Vec<Value> {
    let mut out = Vec::new();
    for span in spans {
        match span {
            Span::Equation { expression } => {
                out.push(json!({"type": "equation", "equation": {"expression": expression}}));
            }
            Span::Text { text, marks, link } => {
                let link = link.as_deref().filter(|u| is_acceptable_url(u));
                for piece in split_utf16(text, MAX_TEXT) {
                    let mut item = json!({"type": "text", "text": {"content": piece}});
                    if let Some(url) = link {
                        item["text"]["link"] = json!({ "url": url });
                    }
                    if *marks != Marks::default() {
                        item["annotations"] = json!({
                            "bold": marks.bold,
                            "italic": marks.italic,
                            "strikethrough": marks.strike,
                            "underline": marks.underline,
                            "code": marks.code,
                        });
                    }
                    out.push(item);
                }
            }
        }
    }
    out
}

/// Plain text as Notion rich-text objects (split at [`MAX_TEXT`]).
pub fn plain_json(text: &str) -> Vec<Value> {
    if text.is_empty() {
        return Vec::new();
    }
    to_json(&[Span::plain(text)])
}

/// Whether Notion accepts `url` as a link or media URL: absolute, with a scheme it
/// knows, and not too long.
pub fn is_acceptable_url(url: &str) -> bool {
    url.len() <= MAX_URL
        && url::Url::parse(url)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https" | "mailto" | "tel"))
}

/// Splits `text` into pieces of at most `max` UTF-16 code units, on char boundaries.
pub fn split_utf16(text: &str, max: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut units = 0;
    for (i, c) in text.char_indices() {
        let n = c.len_utf16();
        if units + n > max {
            pieces.push(&text[start..i]);
            start = i;
            units = 0;
        }
        units += n;
    }
    if start < text.len() {
        pieces.push(&text[start..]);
    }
    pieces
}

/// Makes a rich-text array fit [`MAX_ITEMS`]: past item 99 the rest is joined into
/// plain text (formatting of that tail is lost, the text is kept). `None` when even
/// that is too long (over ~200,000 characters in one block).
pub fn fit_items(items: Vec<Value>) -> Option<Vec<Value>> {
    if items.len() <= MAX_ITEMS {
        return Some(items);
    }
    let mut head: Vec<Value> = items[..MAX_ITEMS - 1].to_vec();
    let tail: String = items[MAX_ITEMS - 1..]
        .iter()
        .map(|i| {
            i["text"]["content"]
                .as_str()
                .or_else(|| i["equation"]["expression"].as_str())
                .unwrap_or_default()
        })
        .collect();
    head.extend(plain_json(&tail));
    (head.len() <= MAX_ITEMS).then_some(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str, f: impl FnOnce(&mut Marks)) -> Value {
        let mut m = Marks::default();
        f(&mut m);
        to_json(&[Span::Text {
            text: text.into(),
            marks: m,
            link: None,
        }])[0]
            .clone()
    }

    #[test]
    fn annotations_render_as_markdown() {
        let items = vec![
            t("plain ", |_| {}),
            t("bold", |m| m.bold = true),
            t(" ", |_| {}),
            t("italic", |m| m.italic = true),
            t(" and ", |_| {}),
            t("gone", |m| m.strike = true),
            t(" ", |_| {}),
            t("x = 1", |m| m.code = true),
            t(" ", |_| {}),
            t("under", |m| m.underline = true),
        ];
        assert_eq!(
            to_markdown(&items, Mode::Block),
            "plain **bold** *italic* and ~~gone~~ `x = 1` <u>under</u>"
        );
    }

    #[test]
    fn neighbouring_marks_nest_and_whitespace_moves_outside() {
        let items = vec![
            t("a ", |m| m.bold = true),
            t("b", |m| {
                m.bold = true;
                m.italic = true
            }),
            t(" c", |_| {}),
        ];
        assert_eq!(to_markdown(&items, Mode::Block), "**a *b*** c");
    }

    #[test]
    fn links_mentions_and_equations() {
        let items = vec![
            json!({"type": "text", "text": {"content": "docs", "link": {"url": "https://x.dev/a b"}}, "plain_text": "docs", "href": "https://x.dev/a b"}),
            json!({"type": "text", "text": {"content": " see "}, "plain_text": " see "}),
            json!({"type": "mention", "mention": {"type": "page", "page": {"id": "p"}}, "plain_text": "Roadmap", "href": "https://www.notion.so/p"}),
            json!({"type": "equation", "equation": {"expression": "E=mc^2"}, "plain_text": "E=mc^2"}),
        ];
        assert_eq!(
            to_markdown(&items, Mode::Block),
            "[docs](https://x.dev/a%20b) see [Roadmap](https://www.notion.so/p)$E=mc^2$"
        );
    }

    #[test]
    fn markdown_syntax_in_text_is_escaped() {
        let items = vec![t(
            "# not a heading\n- not a list, 2 * 3 [x] a_b _c_ $5 1. ok",
            |_| {},
        )];
        assert_eq!(
            to_markdown(&items, Mode::Block),
            "\\# not a heading\n\\- not a list, 2 \\* 3 \\[x\\] a_b \\_c\\_ \\$5 1. ok"
        );
        assert_eq!(
            to_markdown(&[t("a|b\nc", |_| {})], Mode::TableCell),
            "a\\|b<br>c"
        );
        assert_eq!(to_markdown(&[t("1. x", |_| {})], Mode::Block), "1\\. x");
    }

    #[test]
    fn code_with_backticks_gets_a_longer_fence() {
        assert_eq!(
            to_markdown(&[t("a`b", |m| m.code = true)], Mode::Block),
            "``a`b``"
        );
    }

    #[test]
    fn long_text_is_split_at_2000_utf16_units() {
        let text = "é".repeat(4500);
        let json = to_json(&[Span::plain(text.clone())]);
        assert_eq!(json.len(), 3);
        let joined: String = json
            .iter()
            .map(|i| i["text"]["content"].as_str().unwrap())
            .collect();
        assert_eq!(joined, text);
        // Astral characters count two units and are never cut in half.
        let emoji = "😀".repeat(1001);
        let pieces = split_utf16(&emoji, MAX_TEXT);
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[0].chars().count(), 1000);
    }

    #[test]
    fn bad_links_are_dropped_but_text_kept() {
        let json = to_json(&[Span::Text {
            text: "see".into(),
            marks: Marks::default(),
            link: Some("#section".into()),
        }]);
        assert_eq!(json[0]["text"]["link"], Value::Null);
        assert_eq!(json[0]["text"]["content"], "see");
    }

    #[test]
    fn too_many_items_fold_into_plain_text() {
        let items: Vec<Value> = (0..150)
            .map(|i| t(&format!("{i} "), |m| m.bold = i % 2 == 0))
            .collect();
        let fitted = fit_items(items).unwrap();
        assert_eq!(fitted.len(), MAX_ITEMS);
        assert!(
            fitted[99]["text"]["content"]
                .as_str()
                .unwrap()
                .starts_with("99 100 ")
        );
    }
}

//! `get_page`'s output: the page's properties as a front-matter header, then its
//! blocks as Markdown, fetched recursively, bounded in bytes, with a block cursor to
//! continue from where the output stopped (so a continuation fetches only what is
//! left, not the whole page again).

use futures::StreamExt;
use serde_json::Value;
use shared::upstream::UpstreamError;

use crate::blocks_to_md::Renderer;
use crate::client::{decode_token, encode_token};
use crate::fetch::{BlockSource, Fetcher};
use crate::ids;
use crate::properties;

/// The Markdown of a page's (or block's) children from a cursor, and where to go on.
#[derive(Debug)]
pub struct Body {
    /// The page (or this part of it) as Markdown.
    pub markdown: String,
    /// Top-level blocks rendered.
    pub blocks: usize,
    /// The cursor for the rest, when the output stopped before the end.
    pub next: Option<String>,
    /// A block too large for one output, cut, with its id.
    pub cut_block: Option<String>,
}

/// Renders `root`'s children from `cursor` until `max_bytes`.
pub async fn body<S: BlockSource>(
    fetcher: &Fetcher<S>,
    root: &str,
    cursor: Option<&str>,
    max_bytes: usize,
    concurrency: usize,
) -> Result<Body, UpstreamError> {
    let (mut cursor, mut skip) = decode_token(cursor.unwrap_or_default());
    let mut r = Renderer::default();
    let mut blocks = 0;
    loop {
        let page = fetcher.page(root, cursor.as_deref()).await?;
        let here = cursor.clone().unwrap_or_default();
        let rest: Vec<Value> = page.results.into_iter().skip(skip).collect();
        let mut nodes = futures::stream::iter(rest)
            .map(|b| fetcher.subtree(b, 1))
            .buffered(concurrency.max(1));
        let mut i = 0;
        while let Some(node) = nodes.next().await {
            let piece = r.piece(&node);
            if r.len() + piece.text.len() > max_bytes {
                if r.is_empty() {
                    // One block larger than the whole bound: show what fits.
                    let id = node.block["id"].as_str().unwrap_or_default().to_string();
                    let text = cut(&piece.text, max_bytes);
                    return Ok(Body {
                        markdown: text,
                        blocks: 1,
                        next: Some(encode_token(&here, skip + i + 1)),
                        cut_block: Some(id),
                    });
                }
                return Ok(Body {
                    markdown: r.finish(),
                    blocks,
                    next: Some(encode_token(&here, skip + i)),
                    cut_block: None,
                });
            }
            r.commit(piece);
            blocks += 1;
            i += 1;
        }
        match page.next_cursor.filter(|_| page.has_more) {
            Some(next) => {
                cursor = Some(next);
                skip = 0;
            }
            None => {
                return Ok(Body {
                    markdown: r.finish(),
                    blocks,
                    next: None,
                    cut_block: None,
                });
            }
        }
    }
}

/// `text` cut to at most `max` bytes, at a line break when one is near.
pub fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    if let Some(nl) = text[..end].rfind('\n')
        && nl > end / 2
    {
        end = nl;
    }
    text[..end].to_string()
}

/// The page's header: title, id, url, parent, times and every property flattened.
pub fn header(page: &Value) -> String {
    let mut lines = vec!["---".to_string()];
    let title = properties::title(page);
    lines.push(format!("title: {}", title.replace('\n', " ")));
    if let Some(id) = page["id"].as_str() {
        lines.push(format!("id: {id}"));
    }
    if let Some(url) = page["url"].as_str() {
        lines.push(format!("url: {url}"));
    }
    if let Some(parent) = parent_text(&page["parent"]) {
        lines.push(format!("parent: {parent}"));
    }
    if let Some(t) = page["last_edited_time"].as_str() {
        lines.push(format!("last_edited: {t}"));
    }
    if page["in_trash"].as_bool() == Some(true) || page["archived"].as_bool() == Some(true) {
        lines.push("in_trash: true".into());
    }
    let props = properties::flatten_all(&page["properties"]);
    let shown: Vec<(String, String)> = props
        .iter()
        .filter(|(name, _)| page["properties"][name.as_str()]["type"] != "title")
        .map(|(name, v)| (name.clone(), properties::display(v)))
        .collect();
    if !shown.is_empty() {
        lines.push("properties:".into());
        for (name, value) in shown {
            lines.push(format!("  {name}: {value}"));
        }
    }
    lines.push("---".into());
    lines.join("\n")
}

/// A parent object as `page <id>`, `data source <id>`, `workspace`…
pub fn parent_text(parent: &Value) -> Option<String> {
    let kind = parent["type"].as_str().or_else(|| {
        [
            "data_source_id",
            "database_id",
            "page_id",
            "block_id",
            "workspace",
        ]
        .into_iter()
        .find(|k| !parent[*k].is_null())
    })?;
    Some(match kind {
        "workspace" => "workspace".into(),
        "page_id" => format!("page {}", parent["page_id"].as_str().unwrap_or("?")),
        "data_source_id" => format!(
            "data source {}",
            parent["data_source_id"].as_str().unwrap_or("?")
        ),
        "database_id" => format!("database {}", parent["database_id"].as_str().unwrap_or("?")),
        "block_id" => format!("block {}", parent["block_id"].as_str().unwrap_or("?")),
        other => other.to_string(),
    })
}

/// Bytes kept free of Markdown for the notices [`continuation`] appends (three
/// notices with two ids and a cursor fit in it).
pub const NOTICE_RESERVE: usize = 600;

/// The notice after a bounded output: how to read the rest.
pub fn continuation(page_id: &str, body: &Body, failures: usize) -> String {
    let mut out = String::new();
    if let Some(id) = &body.cut_block {
        out.push_str(&format!(
            "\n\n(Block {id} alone exceeds the output limit and was cut. Read its nested content with get_page {{\"page_id\": \"{}\"}}, or ask for a larger max_bytes.)",
            ids::compact(id)
        ));
    }
    if let Some(next) = &body.next {
        out.push_str(&format!(
            "\n\n(The page continues: {} top-level block(s) shown. For the rest call get_page with {{\"page_id\": \"{page_id}\", \"cursor\": \"{next}\"}}.)",
            body.blocks
        ));
    }
    if failures > 0 {
        out.push_str(&format!(
            "\n\n({failures} nested block list(s) could not be loaded; see the comments in place.)"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::FetchLimits;
    use crate::fetch::tests::FakeSource;

    fn fetcher(n: usize, page_size: usize) -> Fetcher<FakeSource> {
        let mut source = FakeSource {
            page_size,
            ..Default::default()
        };
        let kids: Vec<Value> = (0..n)
            .map(|i| {
                FakeSource::paragraph(&format!("b{i}"), &format!("paragraph number {i}"), false)
            })
            .collect();
        source.children.insert("page".into(), kids);
        Fetcher::new(
            source,
            FetchLimits {
                max_depth: 8,
                concurrency: 4,
                max_blocks: 10_000,
            },
        )
    }

    #[tokio::test]
    async fn output_stops_at_the_bound_and_the_cursor_resumes_exactly() {
        let f = fetcher(25, 10);
        let first = body(&f, "page", None, 200, 4).await.unwrap();
        assert!(first.markdown.len() <= 200);
        let next = first.next.clone().expect("more to read");
        let mut all = first.markdown.clone();
        let mut cursor = Some(next);
        while let Some(c) = cursor {
            let more = body(&f, "page", Some(&c), 200, 4).await.unwrap();
            all.push_str("\n\n");
            all.push_str(&more.markdown);
            cursor = more.next;
        }
        let want: Vec<String> = (0..25).map(|i| format!("paragraph number {i}")).collect();
        assert_eq!(all, want.join("\n\n"));
    }

    #[tokio::test]
    async fn whole_page_fits_without_cursor() {
        let f = fetcher(3, 100);
        let b = body(&f, "page", None, 10_000, 4).await.unwrap();
        assert!(b.next.is_none());
        assert_eq!(b.blocks, 3);
    }

    #[test]
    fn cut_prefers_line_breaks_and_char_boundaries() {
        assert_eq!(cut("aaaa\nbbbb", 7), "aaaa");
        assert_eq!(cut("ééé", 3), "é");
    }

    #[test]
    fn header_lists_flattened_properties() {
        let page = serde_json::json!({
            "id": "p1", "url": "https://www.notion.so/p1",
            "parent": {"type": "data_source_id", "data_source_id": "ds1"},
            "properties": {
                "Name": {"type": "title", "title": [{"plain_text": "Plan"}]},
                "Status": {"type": "status", "status": {"name": "Done"}},
                "Tags": {"type": "multi_select", "multi_select": [{"name": "a"}, {"name": "b"}]}
            }
        });
        let h = header(&page);
        assert!(h.contains("title: Plan"), "{h}");
        assert!(h.contains("parent: data source ds1"), "{h}");
        assert!(h.contains("  Status: Done\n  Tags: a, b"), "{h}");
    }
}

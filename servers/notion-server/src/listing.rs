//! Reading a Notion list (search results, query rows, comments) page after page up to
//! a count and a byte bound, rendering each item as one line, with a continuation
//! cursor that resumes at the first item not shown (`<notion cursor>#skip=<n>` when
//! the stop falls inside a page).

use std::future::Future;

use serde_json::Value;
use shared::upstream::{CursorPage, UpstreamError};

use crate::client::{PAGE_SIZE, decode_token, encode_token};

/// Lines for the items read, and where to continue.
#[derive(Debug, Default)]
pub struct Listing {
    /// One line per item.
    pub lines: Vec<String>,
    /// Pass back as `cursor` for the rest; `None` at the end of the list.
    pub next: Option<String>,
    /// True when the byte bound (not the count) stopped the listing.
    pub cut_by_size: bool,
}

/// Reads from `start` until `limit` items or `max_bytes` of lines. `fetch(cursor,
/// page_size)` returns one page of the list.
pub async fn collect<F, Fut>(
    start: Option<&str>,
    limit: usize,
    max_bytes: usize,
    mut fetch: F,
    render: impl Fn(&Value) -> String,
) -> Result<Listing, UpstreamError>
where
    F: FnMut(Option<String>, usize) -> Fut,
    Fut: Future<Output = Result<CursorPage<Value>, UpstreamError>>,
{
    let (mut cursor, mut skip) = decode_token(start.unwrap_or_default());
    let mut out = Listing::default();
    let mut bytes = 0;
    loop {
        let want = (skip + limit - out.lines.len()).clamp(1, PAGE_SIZE);
        let page = fetch(cursor.clone(), want).await?;
        let here = cursor.clone().unwrap_or_default();
        let more_pages = page.next_cursor.clone().filter(|_| page.has_more);
        for (i, item) in page.results.iter().enumerate().skip(skip) {
            if out.lines.len() >= limit {
                out.next = Some(encode_token(&here, i));
                return Ok(out);
            }
            let line = render(item);
            if bytes + line.len() + 1 > max_bytes && !out.lines.is_empty() {
                out.next = Some(encode_token(&here, i));
                out.cut_by_size = true;
                return Ok(out);
            }
            bytes += line.len() + 1;
            out.lines.push(line);
        }
        match more_pages {
            Some(next) if out.lines.len() < limit => {
                cursor = Some(next);
                skip = 0;
            }
            Some(next) => {
                out.next = Some(next);
                return Ok(out);
            }
            None => return Ok(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    async fn fake(cursor: Option<String>, size: usize) -> Result<CursorPage<Value>, UpstreamError> {
        let from: usize = cursor.map_or(0, |c| c.parse().unwrap());
        let to = (from + size).min(230);
        Ok(CursorPage {
            results: (from..to).map(|i| json!(i)).collect(),
            next_cursor: (to < 230).then(|| to.to_string()),
            has_more: to < 230,
        })
    }

    #[tokio::test]
    async fn limit_and_cursor_cover_every_item_once() {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let l = collect(cursor.as_deref(), 70, usize::MAX, fake, |v| v.to_string())
                .await
                .unwrap();
            assert!(l.lines.len() <= 70);
            seen.extend(l.lines);
            match l.next {
                Some(n) => cursor = Some(n),
                None => break,
            }
        }
        let want: Vec<String> = (0..230).map(|i| i.to_string()).collect();
        assert_eq!(seen, want);
    }

    #[tokio::test]
    async fn byte_bound_stops_early_with_a_cursor() {
        let l = collect(None, 200, 40, fake, |v| format!("item {v}"))
            .await
            .unwrap();
        assert!(l.cut_by_size);
        let n = l.lines.len();
        let rest = collect(l.next.as_deref(), 1, usize::MAX, fake, |v| v.to_string())
            .await
            .unwrap();
        assert_eq!(rest.lines, vec![n.to_string()]);
    }
}

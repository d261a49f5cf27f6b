//! GitHub's page-number pagination: `per_page` (default 30, at most 100) and
//! `page` (from 1), with a `link` header of absolute URLs (`rel="prev"`, `"next"`,
//! `"last"`, `"first"`) that keep the request's other query parameters. A listing
//! that fits one page has no `link` header.
//!
//! Some newer endpoints (Dependabot alerts) page by cursor instead: [`by_cursor`].

use axum::http::HeaderValue;
use axum::response::Response;
use serde_json::{Value, json};

use super::query::Req;
use super::reply;

pub const DEFAULT_PER_PAGE: usize = 30;
pub const MAX_PER_PAGE: usize = 100;

/// The page a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub page: usize,
    pub per_page: usize,
}

impl Window {
    pub fn of(req: &Req) -> Self {
        let per_page = match req.number("per_page") {
            Some(0) | None => DEFAULT_PER_PAGE,
            Some(n) => (n as usize).min(MAX_PER_PAGE),
        };
        let page = req.number("page").unwrap_or(1).max(1) as usize;
        Self { page, per_page }
    }

    /// The slice of `items` on this page.
    pub fn slice<T: Clone>(&self, items: &[T]) -> Vec<T> {
        let from = (self.page - 1).saturating_mul(self.per_page);
        items
            .iter()
            .skip(from)
            .take(self.per_page)
            .cloned()
            .collect()
    }

    /// The number of the last page for `total` items (1 when empty).
    pub fn last(&self, total: usize) -> usize {
        total.div_ceil(self.per_page).max(1)
    }
}

/// The `link` header value for this request's page of `total` items, or `None`
/// when everything fits one page.
pub fn link(req: &Req, base: &str, total: usize) -> Option<String> {
    let window = Window::of(req);
    let last = window.last(total);
    if last <= 1 && window.page <= 1 {
        return None;
    }
    let url = |page: usize| page_url(req, base, page);
    let mut rels = Vec::new();
    if window.page > 1 {
        rels.push(format!(
            "<{}>; rel=\"prev\"",
            url((window.page - 1).min(last))
        ));
    }
    if window.page < last {
        rels.push(format!("<{}>; rel=\"next\"", url(window.page + 1)));
        rels.push(format!("<{}>; rel=\"last\"", url(last)));
    }
    if window.page > 1 {
        rels.push(format!("<{}>; rel=\"first\"", url(1)));
    }
    Some(rels.join(", "))
}

/// The request's URL with `page` set (replaced in place, else appended).
fn page_url(req: &Req, base: &str, page: usize) -> String {
    let mut pairs: Vec<String> = req
        .raw_query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    let page_pair = format!("page={page}");
    match pairs
        .iter()
        .position(|p| p.split('=').next() == Some("page"))
    {
        Some(i) => pairs[i] = page_pair,
        None => pairs.push(page_pair),
    }
    format!("{}{}?{}", req.origin(base), req.path, pairs.join("&"))
}

/// A JSON array answer: this request's page of `items`, with `link`.
pub fn list(req: &Req, base: &str, items: &[Value]) -> Response {
    envelope(req, base, items, |page, _| Value::Array(page))
}

/// A paginated answer wrapped by `wrap(page_items, total)`, e.g.
/// `{"total_count": total, "workflow_runs": page_items}`.
pub fn envelope(
    req: &Req,
    base: &str,
    items: &[Value],
    wrap: impl FnOnce(Vec<Value>, usize) -> Value,
) -> Response {
    let page = Window::of(req).slice(items);
    let mut response = reply::json(&wrap(page, items.len()));
    if let Some(value) = link(req, base, items.len()).and_then(|l| HeaderValue::from_str(&l).ok()) {
        response.headers_mut().insert("link", value);
    }
    response
}

/// `{"total_count": N, "<key>": [...]}`.
pub fn counted(req: &Req, base: &str, items: &[Value], key: &str) -> Response {
    envelope(
        req,
        base,
        items,
        |page, total| json!({"total_count": total, key: page}),
    )
}

/// Cursor pagination, as GitHub's Dependabot alerts page: `per_page` (default 30,
/// at most 100) and an opaque `after` or `before` cursor naming an item; the
/// `link` header has `rel="next"` (after this page's last item) and `rel="prev"`
/// (before its first) when there is more that way, keeping the other query
/// parameters. `page` is not a cursor and is ignored. A cursor the fake did not
/// make is 400.
pub fn by_cursor(req: &Req, base: &str, items: &[Value]) -> Response {
    let per_page = Window::of(req).per_page;
    let (from, to) = match (req.get("after"), req.get("before")) {
        (Some(c), _) => match decode_cursor(c) {
            Some(i) => (i + 1, (i + 1 + per_page).min(items.len())),
            None => return bad_cursor(),
        },
        (None, Some(c)) => match decode_cursor(c) {
            Some(i) => (
                i.min(items.len()).saturating_sub(per_page),
                i.min(items.len()),
            ),
            None => return bad_cursor(),
        },
        (None, None) => (0, per_page.min(items.len())),
    };
    let from = from.min(to);
    let mut response = reply::json(&Value::Array(items[from..to].to_vec()));
    let mut rels = Vec::new();
    if from > 0 {
        rels.push(format!(
            "<{}>; rel=\"prev\"",
            cursor_url(req, base, "before", from)
        ));
    }
    if to < items.len() {
        rels.push(format!(
            "<{}>; rel=\"next\"",
            cursor_url(req, base, "after", to - 1)
        ));
    }
    if let Ok(value) = HeaderValue::from_str(&rels.join(", "))
        && !rels.is_empty()
    {
        response.headers_mut().insert("link", value);
    }
    response
}

fn bad_cursor() -> Response {
    reply::error(
        axum::http::StatusCode::BAD_REQUEST,
        "The cursor is invalid.",
        reply::DOCS,
    )
}

/// The opaque cursor naming the item at `index`.
fn encode_cursor(index: usize) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("cursor:v2:{index}"))
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("cursor:v2:")?
        .parse()
        .ok()
}

/// The request's URL with `after` or `before` set to item `index`'s cursor (and
/// the other cursor, and `page`, dropped).
fn cursor_url(req: &Req, base: &str, key: &str, index: usize) -> String {
    let mut pairs: Vec<String> = req
        .raw_query
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| !matches!(p.split('=').next(), Some("after" | "before" | "page")))
        .map(str::to_string)
        .collect();
    pairs.push(format!("{key}={}", encode_cursor(index)));
    format!("{}{}?{}", req.origin(base), req.path, pairs.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_query_and_name_every_rel() {
        let req = Req::with(
            "127.0.0.1:9",
            "/repos/o/r/issues",
            "per_page=100&state=open&page=2",
        );
        let l = link(&req, "", 250).unwrap();
        assert_eq!(
            l,
            "<http://127.0.0.1:9/repos/o/r/issues?per_page=100&state=open&page=1>; rel=\"prev\", \
             <http://127.0.0.1:9/repos/o/r/issues?per_page=100&state=open&page=3>; rel=\"next\", \
             <http://127.0.0.1:9/repos/o/r/issues?per_page=100&state=open&page=3>; rel=\"last\", \
             <http://127.0.0.1:9/repos/o/r/issues?per_page=100&state=open&page=1>; rel=\"first\""
        );
        let first = Req::with("h", "/x", "per_page=100");
        assert_eq!(
            link(&first, "", 250).unwrap(),
            "<http://h/x?per_page=100&page=2>; rel=\"next\", <http://h/x?per_page=100&page=3>; rel=\"last\""
        );
        assert_eq!(link(&Req::with("h", "/x", ""), "", 30), None);
        let clamped = Req::with("h", "/x", "per_page=500");
        assert_eq!(Window::of(&clamped).per_page, 100);
    }

    #[test]
    fn cursors_walk_forward_and_back_keeping_the_query() {
        let items: Vec<Value> = (0..5).map(|i| json!(i)).collect();
        let page = |query: &str| {
            let response = by_cursor(&Req::with("h", "/a", query), "", &items);
            let link = response
                .headers()
                .get("link")
                .map(|l| l.to_str().unwrap().to_string());
            (response.status().as_u16(), link)
        };
        let (status, link) = page("per_page=2&state=open");
        assert_eq!(status, 200);
        let link = link.unwrap();
        assert!(!link.contains("prev"), "{link}");
        let next = link.split(['<', '>']).nth(1).unwrap();
        assert!(
            next.starts_with("http://h/a?per_page=2&state=open&after="),
            "{next}"
        );
        let after = next.rsplit("after=").next().unwrap();
        assert_eq!(decode_cursor(after), Some(1));
        let (_, link) = page(&format!("per_page=2&after={after}"));
        let link = link.unwrap();
        assert!(
            link.contains("rel=\"prev\"") && link.contains("rel=\"next\""),
            "{link}"
        );
        let (_, last) = page(&format!("per_page=2&after={}", encode_cursor(3)));
        assert!(!last.unwrap().contains("next"));
        assert_eq!(page("after=bogus").0, 400);
    }
}

//! GitHub's page-number pagination: `per_page` (default 30, at most 100) and
//! `page` (from 1), with a `link` header of absolute URLs (`rel="prev"`, `"next"`,
//! `"last"`, `"first"`) that keep the request's other query parameters. A listing
//! that fits one page has no `link` header.

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
}

//! Pagination up to a caller's bound, for both styles the upstreams use.
//!
//! GitHub answers with a `link` header whose `rel="next"` URL is followed as given
//! ([`paginate_link`]); Notion answers with `next_cursor` / `has_more`
//! ([`paginate_cursor`]). Both return a [`Page`]: the items, whether more remain,
//! and a continuation token to pass back as the start to read on. When the bound
//! falls inside a page, the token is that page's URL (or cursor) with `#skip=N`,
//! so resuming neither repeats nor loses an item.

use std::future::Future;

use reqwest::header::{HeaderMap, LINK};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::client::{UpstreamClient, UpstreamResponse};
use super::error::UpstreamError;

/// Up to a bound of items, and where to continue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items collected.
    pub items: Vec<T>,
    /// True when the upstream holds more items than were returned.
    pub more: bool,
    /// Pass back as the start to read the rest (a URL for `link`, a cursor for Notion).
    pub next: Option<String>,
    /// The envelope's `total_count` (GitHub search, Actions runs and jobs), when
    /// the items came inside one that says it.
    pub total: Option<u64>,
}

/// One Notion list response.
#[derive(Debug, Clone, Deserialize)]
pub struct CursorPage<T> {
    /// This page's items.
    pub results: Vec<T>,
    /// Where the next page starts, when there is one.
    #[serde(default)]
    pub next_cursor: Option<String>,
    /// True when another page follows.
    #[serde(default)]
    pub has_more: bool,
}

/// The `rel="next"` URL of a `link` header, if any.
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(LINK)?.to_str().ok()?;
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let close = open + rest[open..].find('>')?;
        let url = &rest[open + 1..close];
        let params_end = rest[close..].find('<').map_or(rest.len(), |i| close + i);
        if is_rel_next(&rest[close + 1..params_end]) {
            return Some(url.to_string());
        }
        rest = &rest[params_end..];
    }
    None
}

fn is_rel_next(params: &str) -> bool {
    params.split([';', ',']).any(|param| {
        let Some((key, value)) = param.split_once('=') else {
            return false;
        };
        key.trim().eq_ignore_ascii_case("rel")
            && value
                .trim()
                .trim_matches('"')
                .split_whitespace()
                .any(|r| r == "next")
    })
}

/// GETs `start` (a path, or a continuation token from an earlier [`Page`]) and
/// follows `rel="next"` until `limit` items. Items are the body itself (an array)
/// or its `items_field` (e.g. `items` for search, `workflow_runs` for Actions).
pub async fn paginate_link<T: DeserializeOwned>(
    client: &UpstreamClient,
    start: &str,
    items_field: Option<&str>,
    limit: usize,
) -> Result<Page<T>, UpstreamError> {
    let (mut url, mut skip) = decode_token(start);
    let mut items = Vec::new();
    let mut total = None;
    loop {
        let response = client.get(&url).await?;
        let (page, count): (Vec<T>, _) = page_items(&response, items_field)?;
        total = total.or(count);
        let next = next_link(&response.headers);
        let fresh: Vec<T> = page.into_iter().skip(skip).collect();
        let room = limit - items.len();
        if fresh.len() > room {
            items.extend(fresh.into_iter().take(room));
            let next = Some(encode_token(&url, skip + room));
            return Ok(Page {
                items,
                more: true,
                next,
                total,
            });
        }
        items.extend(fresh);
        match next {
            None => {
                return Ok(Page {
                    items,
                    more: false,
                    next: None,
                    total,
                });
            }
            Some(next) if items.len() >= limit => {
                return Ok(Page {
                    items,
                    more: true,
                    next: Some(next),
                    total,
                });
            }
            Some(next) => (url, skip) = (next, 0),
        }
    }
}

/// A page's items, and the envelope's `total_count` when there is one.
fn page_items<T: DeserializeOwned>(
    response: &UpstreamResponse,
    items_field: Option<&str>,
) -> Result<(Vec<T>, Option<u64>), UpstreamError> {
    let Some(field) = items_field else {
        return Ok((response.json()?, None));
    };
    let mut body: serde_json::Value = response.json()?;
    let total = body["total_count"].as_u64();
    let items = serde_json::from_value(body[field].take()).map_err(|e| UpstreamError::Decode {
        url: response.url.clone(),
        detail: format!("field `{field}`: {e}"),
    })?;
    Ok((items, total))
}

/// Reads Notion-style pages until `limit` items. `fetch` gets the cursor to send
/// as `start_cursor` (`None` for the first page) and returns that page; `start` is
/// `None` or a continuation token from an earlier [`Page`].
pub async fn paginate_cursor<T, F, Fut>(
    start: Option<&str>,
    limit: usize,
    mut fetch: F,
) -> Result<Page<T>, UpstreamError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<CursorPage<T>, UpstreamError>>,
{
    let (cursor, mut skip) = decode_token(start.unwrap_or_default());
    let mut cursor = Some(cursor).filter(|c| !c.is_empty());
    let mut items = Vec::new();
    loop {
        let page = fetch(cursor.clone()).await?;
        let fresh: Vec<T> = page.results.into_iter().skip(skip).collect();
        let room = limit - items.len();
        if fresh.len() > room {
            items.extend(fresh.into_iter().take(room));
            let next = Some(encode_token(
                cursor.as_deref().unwrap_or_default(),
                skip + room,
            ));
            return Ok(Page {
                items,
                more: true,
                next,
                total: None,
            });
        }
        items.extend(fresh);
        let next = page.next_cursor.filter(|_| page.has_more);
        match next {
            None => {
                return Ok(Page {
                    items,
                    more: false,
                    next: None,
                    total: None,
                });
            }
            Some(next) if items.len() >= limit => {
                return Ok(Page {
                    items,
                    more: true,
                    next: Some(next),
                    total: None,
                });
            }
            Some(next) => (cursor, skip) = (Some(next), 0),
        }
    }
}

const SKIP: &str = "#skip=";

fn encode_token(start: &str, skip: usize) -> String {
    if skip == 0 {
        start.to_string()
    } else {
        format!("{start}{SKIP}{skip}")
    }
}

fn decode_token(token: &str) -> (String, usize) {
    match token.rsplit_once(SKIP) {
        Some((start, skip)) if skip.parse::<usize>().is_ok() => {
            (start.to_string(), skip.parse().unwrap_or(0))
        }
        _ => (token.to_string(), 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(LINK, value.parse().unwrap());
        h
    }

    #[test]
    fn finds_next_among_other_rels() {
        let h = link(
            r#"<https://api.github.com/x?page=1>; rel="prev", <https://api.github.com/x?page=3>; rel="next", <https://api.github.com/x?page=5>; rel="last""#,
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://api.github.com/x?page=3")
        );
        assert_eq!(
            next_link(&link(r#"<https://a/x?page=1>; rel="prev""#)),
            None
        );
        assert_eq!(next_link(&HeaderMap::new()), None);
    }

    #[test]
    fn token_round_trips() {
        assert_eq!(
            decode_token(&encode_token("u?page=2", 30)),
            ("u?page=2".into(), 30)
        );
        assert_eq!(decode_token(&encode_token("u", 0)), ("u".into(), 0));
    }

    #[tokio::test]
    async fn cursor_pagination_stops_at_limit_and_resumes() {
        let all: Vec<u32> = (0..250).collect();
        let fetch = |cursor: Option<String>| {
            let all = all.clone();
            async move {
                let from: usize = cursor.map_or(0, |c| c.parse().unwrap());
                let to = (from + 100).min(all.len());
                Ok(CursorPage {
                    results: all[from..to].to_vec(),
                    next_cursor: (to < all.len()).then(|| to.to_string()),
                    has_more: to < all.len(),
                })
            }
        };
        let first = paginate_cursor(None, 150, fetch).await.unwrap();
        assert_eq!(first.items, (0..150).collect::<Vec<_>>());
        assert!(first.more);
        let rest = paginate_cursor(first.next.as_deref(), 1000, fetch)
            .await
            .unwrap();
        assert_eq!(rest.items, (150..250).collect::<Vec<_>>());
        assert!(!rest.more && rest.next.is_none());
    }
}

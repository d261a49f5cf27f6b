//! A bounded cache of GET responses for conditional revalidation.
//!
//! A response carrying an `ETag` or `Last-Modified` is kept under a key the client
//! builds from the credential's digest (never the token itself) and the URL, so one
//! user's entry is never revalidated or served for another. The next GET of that URL
//! sends `If-None-Match` / `If-Modified-Since`; a 304 then serves the kept body,
//! which on GitHub also does not count against the rate limit.
//!
//! With `--redis-url` entries are also shared with the other replicas
//! ([`crate::cluster::responses`]) and looked up there first, so a response one
//! replica fetched is revalidated, not fetched again, by the next. The local cache
//! keeps serving while Redis does not answer.

use std::sync::Arc;

use axum::body::Bytes;
use moka::future::Cache;

use crate::cluster::responses::SharedResponses;
use reqwest::header::{
    ETAG, HeaderMap, HeaderValue, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
};

/// One kept response.
#[derive(Debug, Clone)]
pub struct CachedResponse {
    /// The response's headers, validators included.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl CachedResponse {
    /// The validators to send on the next request for the same URL.
    pub fn conditional_headers(&self) -> HeaderMap {
        let mut out = HeaderMap::new();
        if let Some(etag) = self.headers.get(ETAG) {
            out.insert(IF_NONE_MATCH, etag.clone());
        }
        if let Some(modified) = self.headers.get(LAST_MODIFIED) {
            out.insert(IF_MODIFIED_SINCE, modified.clone());
        }
        out
    }
}

/// Whether a response can be revalidated, so it is worth keeping.
pub fn is_cacheable(headers: &HeaderMap) -> bool {
    headers.contains_key(ETAG) || headers.contains_key(LAST_MODIFIED)
}

/// GET responses keyed by credential digest and URL, bounded in bytes.
#[derive(Clone)]
pub struct ResponseCache {
    entries: Cache<String, Arc<CachedResponse>>,
    shared: Option<SharedResponses>,
}

impl ResponseCache {
    /// A cache of at most `max_bytes` of keys, headers and bodies.
    pub fn new(max_bytes: u64) -> Self {
        let entries = Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|key: &String, value: &Arc<CachedResponse>| weight(key, value))
            .build();
        Self {
            entries,
            shared: None,
        }
    }

    /// A cache that also shares its entries through `shared`.
    pub fn with_shared(mut self, shared: SharedResponses) -> Self {
        self.shared = Some(shared);
        self
    }

    /// The entry for `key`, if cached: the shared one first, then this replica's.
    pub async fn get(&self, key: &str) -> Option<Arc<CachedResponse>> {
        if let Some(shared) = &self.shared
            && let Some(Some((headers, body))) = shared.get(key).await
        {
            return Some(Arc::new(CachedResponse { headers, body }));
        }
        self.entries.get(key).await
    }

    /// Caches a response under `key` (evicting others past the bound), here and,
    /// when shared, for the other replicas.
    pub async fn put(&self, key: &str, headers: HeaderMap, body: Bytes) {
        if let Some(shared) = &self.shared {
            shared.put(key, &headers, &body).await;
        }
        let entry = Arc::new(CachedResponse { headers, body });
        self.entries.insert(key.to_string(), entry).await;
    }

    /// Keeps the fresh rate-limit headers a 304 carries on the kept entry's copy.
    pub fn refreshed(entry: &CachedResponse, fresh: &HeaderMap) -> HeaderMap {
        let mut headers = entry.headers.clone();
        for (name, value) in fresh {
            if name.as_str().starts_with("x-ratelimit-") {
                headers.insert(name.clone(), value.clone());
            }
        }
        headers
    }
}

fn weight(key: &str, value: &CachedResponse) -> u32 {
    let header_bytes: usize = value
        .headers
        .iter()
        .map(|(n, v)| n.as_str().len() + HeaderValue::len(v))
        .sum();
    u32::try_from(key.len() + header_bytes + value.body.len()).unwrap_or(u32::MAX)
}

impl std::fmt::Debug for ResponseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseCache")
            .field("entries", &self.entries.entry_count())
            .finish_non_exhaustive()
    }
}

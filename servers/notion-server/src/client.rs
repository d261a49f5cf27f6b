//! The Notion endpoints this server calls, over the shared upstream client (rate
//! limit, retries honouring Retry-After, token scrubbing). Reads sent as POST
//! (search, data-source query) are marked idempotent so they are retried like GETs;
//! writes are not (only a 429, which Notion refused without acting, is retried).

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};
use shared::upstream::{
    Credentials, CursorPage, Method, RateLimit, UpstreamClient, UpstreamConfig, UpstreamError,
};

use crate::config::{BURST, RATE_PER_SECOND, Settings};

/// The shared client's configuration for Notion at `base_url`: the required
/// `Notion-Version` header, `token` (none or blank: no `Authorization`) and
/// Notion's rate limit ([`RATE_PER_SECOND`], [`BURST`]).
pub fn upstream_config(
    base_url: impl Into<String>,
    token: Option<String>,
    version: &str,
) -> UpstreamConfig {
    let mut config = UpstreamConfig::new(base_url);
    config.credentials = Credentials::server(token);
    config.rate_limit = Some(RateLimit::new(RATE_PER_SECOND, BURST));
    config.extra_headers = vec![("notion-version".into(), version.into())];
    config
}

/// Items per Notion list request (the API's maximum).
pub const PAGE_SIZE: usize = 100;

/// A cheap-to-clone handle on the Notion API.
#[derive(Clone, Debug)]
pub struct NotionClient {
    http: UpstreamClient,
}

impl NotionClient {
    /// The client for the configured base URL, token, version and rate limit.
    pub fn new(settings: &Settings) -> Result<Self, UpstreamError> {
        Self::shared(settings, None)
    }

    /// The client, with the rate limit and cache shared with other replicas through
    /// `cluster` (`--redis-url`) when given.
    pub fn shared(
        settings: &Settings,
        cluster: Option<shared::cluster::Cluster>,
    ) -> Result<Self, UpstreamError> {
        let mut config = upstream_config(
            settings.api_url.clone(),
            settings.token.clone(),
            &settings.notion_version,
        );
        config.rate_limit = Some(RateLimit::new(settings.rate_limit, settings.burst));
        if settings.per_user {
            config.credentials = Credentials::PerUser;
        }
        config.user_agent = concat!("notion-server/", env!("CARGO_PKG_VERSION")).to_string();
        config.cluster = cluster;
        Ok(Self {
            http: UpstreamClient::new(config)?,
        })
    }

    /// GETs a path and parses the JSON body.
    pub async fn get(&self, path: &str) -> Result<Value, UpstreamError> {
        self.http.request(Method::GET, path).send().await?.json()
    }

    /// A POST that only reads (search, query): retried on 5xx and timeouts.
    pub async fn post_read(&self, path: &str, body: Value) -> Result<Value, UpstreamError> {
        self.http
            .request(Method::POST, path)
            .json(body)
            .idempotent(true)
            .send()
            .await?
            .json()
    }

    /// A POST or PATCH that writes: sent once (retried only when rate limited).
    pub async fn write(
        &self,
        method: Method,
        path: &str,
        body: Value,
    ) -> Result<Value, UpstreamError> {
        self.http
            .request(method, path)
            .json(body)
            .idempotent(false)
            .send()
            .await?
            .json()
    }

    /// One page of a block's children (100 at most), from `cursor`.
    pub async fn children_page(
        &self,
        block_id: &str,
        cursor: Option<&str>,
    ) -> Result<CursorPage<Value>, UpstreamError> {
        let mut path = format!("blocks/{block_id}/children?page_size={PAGE_SIZE}");
        if let Some(c) = cursor.filter(|c| !c.is_empty()) {
            path.push_str("&start_cursor=");
            path.push_str(&encode(c));
        }
        cursor_page(self.get(&path).await?)
    }

    /// Every child of a block, following `next_cursor` to the end.
    pub async fn all_children(&self, block_id: &str) -> Result<Vec<Value>, UpstreamError> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self.children_page(block_id, cursor.as_deref()).await?;
            out.extend(page.results);
            match page.next_cursor.filter(|_| page.has_more) {
                Some(next) => cursor = Some(next),
                None => return Ok(out),
            }
        }
    }

    /// Appends blocks under `parent` (after block `after` when given) and returns the
    /// ids of the created blocks in order.
    pub async fn append_children(
        &self,
        parent: &str,
        children: Vec<Value>,
        after: Option<&str>,
    ) -> Result<Vec<String>, UpstreamError> {
        let sent = children.len();
        let mut body = json!({ "children": children });
        if let Some(after) = after {
            body["after"] = json!(after);
        }
        let path = format!("blocks/{parent}/children");
        let response = self.write(Method::PATCH, &path, body).await?;
        let ids: Vec<String> = response["results"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|b| b["id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        created_ids(ids, sent, after).ok_or_else(|| UpstreamError::Decode {
            url: path,
            detail: format!(
                "the response does not list the {sent} created block(s), so their ids are unknown"
            ),
        })
    }
}

/// The ids of the `sent` blocks just created, from an append response that lists
/// them (current API) or all of the parent's first children (older behaviour).
fn created_ids(ids: Vec<String>, sent: usize, after: Option<&str>) -> Option<Vec<String>> {
    if ids.len() == sent {
        return Some(ids);
    }
    if ids.len() < sent {
        return None;
    }
    match after {
        None => Some(ids[ids.len() - sent..].to_vec()),
        Some(after) => {
            let at = ids.iter().position(|id| id == after)?;
            ids.get(at + 1..at + 1 + sent).map(<[String]>::to_vec)
        }
    }
}

/// A Notion list response as a [`CursorPage`].
pub fn cursor_page(body: Value) -> Result<CursorPage<Value>, UpstreamError> {
    serde_json::from_value(body).map_err(|e| UpstreamError::Decode {
        url: "list response".into(),
        detail: e.to_string(),
    })
}

/// A cursor or id for a query string.
pub fn encode(s: &str) -> String {
    utf8_percent_encode(s, NON_ALPHANUMERIC).to_string()
}

/// A continuation token: a Notion cursor (empty for the first page) and how many
/// items of that page were already returned.
pub fn encode_token(cursor: &str, skip: usize) -> String {
    if skip == 0 {
        cursor.to_string()
    } else {
        format!("{cursor}#skip={skip}")
    }
}

/// The inverse of [`encode_token`].
pub fn decode_token(token: &str) -> (Option<String>, usize) {
    let (cursor, skip) = match token.rsplit_once("#skip=") {
        Some((c, s)) if s.parse::<usize>().is_ok() => (c, s.parse().unwrap_or(0)),
        _ => (token, 0),
    };
    let cursor = Some(cursor.trim().to_string()).filter(|c| !c.is_empty());
    (cursor, skip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_ids_from_either_response_shape() {
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            created_ids(ids(&["a", "b"]), 2, None),
            Some(ids(&["a", "b"]))
        );
        assert_eq!(
            created_ids(ids(&["x", "a", "b"]), 2, None),
            Some(ids(&["a", "b"]))
        );
        assert_eq!(
            created_ids(ids(&["x", "a", "b", "y"]), 2, Some("x")),
            Some(ids(&["a", "b"]))
        );
        assert_eq!(created_ids(ids(&["a"]), 2, None), None);
    }

    #[test]
    fn tokens_round_trip() {
        assert_eq!(
            decode_token(&encode_token("abc", 3)),
            (Some("abc".into()), 3)
        );
        assert_eq!(decode_token(&encode_token("", 7)), (None, 7));
        assert_eq!(decode_token("abc"), (Some("abc".into()), 0));
        assert_eq!(decode_token(""), (None, 0));
    }
}

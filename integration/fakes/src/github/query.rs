//! What a handler needs from a request besides its path parameters: the decoded
//! query, the raw query (to rebuild page links), the host the client used, and the
//! media type it accepts.

use std::collections::HashMap;
use std::convert::Infallible;

use axum::extract::{FromRequestParts, Query};
use axum::http::header;
use axum::http::request::Parts;

/// The request's query and headers that shape an answer.
#[derive(Debug, Clone, Default)]
pub struct Req {
    /// `Host` as the client sent it (for absolute URLs in `link` and `location`).
    pub host: String,
    pub path: String,
    /// The query exactly as sent, without `?`.
    pub raw_query: String,
    params: HashMap<String, String>,
    /// The `Accept` header (empty when absent).
    pub accept: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Req {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let header = |name| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let params = Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
            .map(|q| q.0)
            .unwrap_or_default();
        Ok(Self {
            host: header(header::HOST),
            path: parts.uri.path().to_string(),
            raw_query: parts.uri.query().unwrap_or_default().to_string(),
            params,
            accept: header(header::ACCEPT),
        })
    }
}

impl Req {
    /// A request with these query parameters (for unit tests).
    #[cfg(test)]
    pub fn with(host: &str, path: &str, query: &str) -> Self {
        let uri: axum::http::Uri = format!("{path}?{query}").parse().expect("uri");
        Self {
            host: host.into(),
            path: path.into(),
            raw_query: query.into(),
            params: Query::<HashMap<String, String>>::try_from_uri(&uri)
                .map(|q| q.0)
                .unwrap_or_default(),
            accept: String::new(),
        }
    }

    /// A parameter, trimmed, when given and not blank.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.params
            .get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// A boolean parameter (`true` or `1`).
    pub fn flag(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
    }

    /// A numeric parameter; `None` when absent or not a number.
    pub fn number(&self, key: &str) -> Option<u64> {
        self.get(key)?.parse().ok()
    }

    /// Whether the client asked for this media type (`application/vnd.github.diff`
    /// also matches `application/vnd.github.v3.diff`).
    pub fn accepts(&self, suffix: &str) -> bool {
        self.accept.split(',').any(|t| {
            let t = t.split(';').next().unwrap_or_default().trim();
            t == format!("application/vnd.github.{suffix}")
                || t == format!("application/vnd.github.v3.{suffix}")
        })
    }

    /// `http://HOST` as the client addressed the fake.
    pub fn origin(&self, fallback: &str) -> String {
        if self.host.is_empty() {
            fallback.to_string()
        } else {
            format!("http://{}", self.host)
        }
    }
}

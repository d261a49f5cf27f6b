//! Upstream failures as messages a model can act on.
//!
//! Every variant's `Display` says what went wrong and what to do next. Messages are
//! built from status codes, headers and body messages only, and every text taken from
//! the wire passes through [`Redactor::scrub`], so a token never reaches an error.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::Method;

/// Why a request to an upstream API failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpstreamError {
    /// 401: the token was rejected.
    #[error(
        "{url}: the upstream rejected the token (401): it is invalid or expired; \
         set a valid token and retry"
    )]
    Unauthorized {
        /// The URL requested.
        url: String,
    },
    /// Per-user mode, and the request carried no upstream token of its own.
    #[error(
        "this server acts for each caller with their own token, and this request carried none: \
         send your token as `Authorization: Bearer TOKEN` on the HTTP request"
    )]
    NoCallerCredential,
    /// 403 with scope headers: the token lacks a scope the request needs.
    #[error(
        "{url}: the token lacks a scope this request needs (403): it needs {}; the token has {}; \
         grant the missing scope to the token and retry",
        list_or(.required, "an unnamed scope"),
        list_or(.granted, "no scopes")
    )]
    MissingScope {
        /// The URL requested.
        url: String,
        /// The scopes the request needs (those the token lacks, when known).
        required: Vec<String>,
        /// The scopes the token has.
        granted: Vec<String>,
    },
    /// 403 without scope information.
    #[error("{url}: access forbidden (403): {message}")]
    Forbidden {
        /// The URL requested.
        url: String,
        /// The upstream's message.
        message: String,
    },
    /// 404: GitHub and Notion also answer 404 for resources the token cannot see.
    #[error(
        "{url}: not found (404), or the token has no access to it; check the name \
         and that the token (or integration) was granted access"
    )]
    NotFound {
        /// The URL requested.
        url: String,
    },
    /// 422 (or Notion's 400 validation_error): the request's fields were refused.
    #[error("{url}: the upstream refused the request's fields ({status}): {}", .errors.join("; "))]
    Validation {
        /// The URL requested.
        url: String,
        /// The status (422, or 400).
        status: u16,
        /// One entry per field refused.
        errors: Vec<String>,
    },
    /// 429 or a 403 rate limit whose wait is too long to sit out.
    #[error(
        "{url}: rate limited by the upstream ({status}); retry after {} s (at unix time {})",
        .retry_after.as_secs(), epoch_after(*.retry_after)
    )]
    RateLimited {
        /// The URL requested.
        url: String,
        /// The status (429 or 403).
        status: u16,
        /// How long to wait before retrying.
        retry_after: Duration,
    },
    /// A non-idempotent request timed out: it may or may not have taken effect.
    #[error(
        "{method} {url} timed out; outcome unknown: check whether it was created (or \
         changed) before retrying, since the upstream may have applied it and a blind retry \
         could create a duplicate"
    )]
    OutcomeUnknown {
        /// The request's method.
        method: Method,
        /// The URL requested.
        url: String,
    },
    /// An idempotent request kept timing out within the retry budget.
    #[error(
        "{url}: timed out after {attempts} attempt(s); the upstream is slow or unreachable, retry later"
    )]
    Timeout {
        /// The URL requested.
        url: String,
        /// Attempts made.
        attempts: u32,
    },
    /// The connection failed (DNS, refused, TLS); nothing was received.
    #[error("{url}: could not reach the upstream: {detail}; check the base URL and the network")]
    Network {
        /// The URL requested.
        url: String,
        /// The transport's error chain, scrubbed of the token.
        detail: String,
    },
    /// Any other error status, after retries where they apply.
    #[error("{url}: the upstream answered {status} after {attempts} attempt(s): {message}")]
    Status {
        /// The URL requested.
        url: String,
        /// The status.
        status: u16,
        /// Attempts made.
        attempts: u32,
        /// The body's message, or its start.
        message: String,
    },
    /// A path or continuation URL that cannot be requested.
    #[error("invalid upstream URL {url:?}: {reason}")]
    InvalidUrl {
        /// The path or URL given.
        url: String,
        /// Why it cannot be requested.
        reason: String,
    },
    /// The client could not be built from its configuration.
    #[error("invalid upstream configuration: {0}")]
    Config(String),
    /// The body was not the JSON the caller expected.
    #[error("{url}: unexpected response body: {detail}")]
    Decode {
        /// The URL requested.
        url: String,
        /// What did not fit.
        detail: String,
    },
}

fn list_or(items: &[String], empty: &str) -> String {
    if items.is_empty() {
        return empty.to_string();
    }
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn epoch_after(wait: Duration) -> u64 {
    (SystemTime::now() + wait)
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Removes a secret from any text on its way into an error.
#[derive(Clone, Default)]
pub(crate) struct Redactor {
    secret: Option<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Redactor([redacted])")
    }
}

impl Redactor {
    pub(crate) fn new(secret: Option<&str>) -> Self {
        let secret = secret.filter(|s| !s.is_empty()).map(str::to_string);
        Self { secret }
    }

    pub(crate) fn scrub(&self, text: &str) -> String {
        match &self.secret {
            Some(secret) => text.replace(secret.as_str(), "[redacted]"),
            None => text.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redactor_removes_the_secret() {
        let r = Redactor::new(Some("ghp_secret"));
        assert_eq!(r.scrub("bad ghp_secret here"), "bad [redacted] here");
        assert_eq!(Redactor::new(None).scrub("x"), "x");
    }

    #[test]
    fn missing_scope_names_both_lists() {
        let e = UpstreamError::MissingScope {
            url: "/repos".into(),
            required: vec!["repo".into()],
            granted: vec!["read:user".into()],
        };
        let text = e.to_string();
        assert!(text.contains("needs `repo`"), "{text}");
        assert!(text.contains("has `read:user`"), "{text}");
    }
}

//! Whose credential an upstream request carries, and the key that keeps each
//! credential's cached responses and rate budget apart from every other's.
//!
//! Four kinds ([`Credentials`]):
//! - none (public data only);
//! - one token the server holds (`GITHUB_TOKEN`, `NOTION_TOKEN`): everyone is acted
//!   for as that token's owner;
//! - each caller's own token ([`Credentials::PerUser`]): the HTTP layer puts the
//!   request's token on its [`crate::caller::Caller`], and the client takes it from
//!   [`crate::caller::current`]. With no caller token in scope the request fails:
//!   it never falls back to another credential;
//! - tokens a [`TokenSource`] mints and refreshes (GitHub App installation tokens).
//!
//! [`Resolved::key`] is a SHA-256 digest of the credential (for a minted one, of its
//! source's stable identity, so the cache survives a token refresh): the response
//! cache and the rate limiter are keyed by it, so no one is ever served a response
//! fetched with someone else's token, and one user's burst does not spend another's
//! budget.

use std::sync::Arc;

use super::error::UpstreamError;
use crate::digest::key as digest;

/// Mints upstream tokens and keeps them fresh (e.g. a GitHub App's installation
/// tokens). Implementations cache a token and refresh it before it expires.
#[async_trait::async_trait]
pub trait TokenSource: Send + Sync {
    /// A stable description of whom the tokens act for, e.g. `github-app 12 installation 34`.
    /// Keys the cache and limiter; never contains a secret.
    fn identity(&self) -> String;

    /// A token valid now: the kept one, or a freshly minted one.
    async fn token(&self) -> Result<String, UpstreamError>;

    /// The upstream refused `token` (401): forget it, so the next [`Self::token`]
    /// mints a new one.
    async fn refused(&self, token: &str);
}

/// Where the bearer token of upstream requests comes from.
#[derive(Clone, Default)]
pub enum Credentials {
    /// No `Authorization` header.
    #[default]
    None,
    /// One token the server holds, sent for every caller.
    Server(String),
    /// The calling user's own token, from [`crate::caller::current`].
    PerUser,
    /// Tokens minted and refreshed by the source.
    Minted(Arc<dyn TokenSource>),
}

impl Credentials {
    /// A server-held token when one is set and not blank, else none.
    pub fn server(token: Option<String>) -> Self {
        match token.filter(|t| !t.trim().is_empty()) {
            Some(token) => Self::Server(token),
            None => Self::None,
        }
    }

    /// True when requests go without a credential.
    pub fn is_none(&self) -> bool {
        matches!(self, Self::None)
    }

    /// A short name of the kind, for logs and `doctor` (never the secret).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Server(_) => "server token",
            Self::PerUser => "per-user tokens",
            Self::Minted(_) => "minted tokens",
        }
    }

    /// The token and key for one request.
    pub(crate) async fn resolve(&self) -> Result<Resolved, UpstreamError> {
        match self {
            Self::None => Ok(Resolved {
                token: None,
                key: digest(""),
            }),
            Self::Server(token) => Ok(Resolved {
                key: digest(token),
                token: Some(token.clone()),
            }),
            Self::PerUser => {
                let token = crate::caller::current()
                    .and_then(|caller| caller.upstream_token().map(str::to_string))
                    .ok_or(UpstreamError::NoCallerCredential)?;
                Ok(Resolved {
                    key: digest(&token),
                    token: Some(token),
                })
            }
            Self::Minted(source) => Ok(Resolved {
                key: digest(&source.identity()),
                token: Some(source.token().await?),
            }),
        }
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Minted(source) => write!(f, "Minted({})", source.identity()),
            other => f.write_str(other.kind()),
        }
    }
}

/// The credential of one request.
pub(crate) struct Resolved {
    /// Sent as `Authorization: Bearer`.
    pub token: Option<String>,
    /// Hex SHA-256 of the credential: keys the cache and the limiter.
    pub key: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_server_token_means_none() {
        assert!(Credentials::server(Some("  ".into())).is_none());
        assert!(Credentials::server(None).is_none());
        assert!(matches!(
            Credentials::server(Some("t".into())),
            Credentials::Server(_)
        ));
    }

    #[tokio::test]
    async fn per_user_without_a_caller_fails_closed() {
        let err = Credentials::PerUser.resolve().await.err();
        assert_eq!(err, Some(UpstreamError::NoCallerCredential));
    }
}

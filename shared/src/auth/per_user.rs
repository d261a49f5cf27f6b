//! Per-user upstream tokens (github-server and notion-server over HTTP): each
//! request's bearer token is the caller's own GitHub or Notion token, as GitHub's own
//! hosted server does. One deployment then serves many people, each as themselves.
//!
//! At the door a token is checked once against the API ([`UpstreamIdentity`], e.g.
//! `GET /user`) so a bad one gets a 401 before any tool runs, and the account it
//! names becomes the caller's subject (logged only as a hash). The answer is kept for
//! a few minutes under the token's digest. When the API cannot be reached, the
//! request is admitted without a subject and not remembered: every upstream call
//! carries the token, so the API still decides what it may see.

use std::sync::Arc;
use std::time::Duration;

use moka::future::Cache;

use super::Refusal;
use crate::caller::Caller;
use crate::digest::key as digest;

/// Why per-user mode cannot start as configured.
#[derive(Debug, thiserror::Error)]
pub enum ModeError {
    #[error(
        "per-user tokens need --http: over stdio no request carries a caller's token (set the server's own token instead)"
    )]
    /// Per-user mode over stdio.
    NotHttp,
    #[error(
        "per-user tokens: unset {0}; in this mode the server holds no token of its own and acts for each caller with theirs"
    )]
    /// Per-user mode beside a server-held token (its variable).
    ServerToken(&'static str),
}

/// Checks that per-user mode can work: over HTTP, with no server-held token (named by
/// its variable `token_variable` when one is set).
pub fn check_mode(http: bool, server_token_set: Option<&'static str>) -> Result<(), ModeError> {
    if !http {
        return Err(ModeError::NotHttp);
    }
    match server_token_set {
        Some(variable) => Err(ModeError::ServerToken(variable)),
        None => Ok(()),
    }
}

/// `doctor`'s report on per-user mode: whether it can work as configured, and how
/// tokens will be checked (`api` names the upstream, `check_url` the door's GET).
/// Returns false when the mode cannot start.
pub fn report_mode(
    api: &str,
    check_url: &str,
    http: bool,
    server_token_set: Option<&'static str>,
) -> bool {
    match check_mode(http, server_token_set) {
        Ok(()) => {
            println!(
                "✓ per-user tokens: each HTTP caller's own {api} token is used, checked at the door with GET {check_url}"
            );
            true
        }
        Err(e) => {
            println!("✗ {e}");
            false
        }
    }
}

/// How long a token the API accepted is trusted at the door without asking again.
const REMEMBER_FOR: Duration = Duration::from_secs(300);
/// Most tokens remembered at once.
const REMEMBER_AT_MOST: u64 = 10_000;

/// Why the API did not name the token's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityError {
    /// The API refused the token (401): it is wrong, expired or revoked.
    Refused(String),
    /// The API could not be asked (network, 5xx, rate limit).
    Unavailable(String),
}

/// Asks the upstream API whose token this is.
#[async_trait::async_trait]
pub trait UpstreamIdentity: Send + Sync {
    /// The stable account name or id the token belongs to.
    async fn whoami(&self, token: &str) -> Result<String, IdentityError>;
}

/// The per-user authenticator: the check, and the tokens recently accepted.
pub struct PerUserTokens {
    identity: Arc<dyn UpstreamIdentity>,
    accepted: Cache<String, Arc<str>>,
}

impl PerUserTokens {
    /// Checks tokens with `identity`, remembering accepted ones for a few minutes.
    pub fn new(identity: Arc<dyn UpstreamIdentity>) -> Self {
        Self {
            identity,
            accepted: Cache::builder()
                .max_capacity(REMEMBER_AT_MOST)
                .time_to_live(REMEMBER_FOR)
                .build(),
        }
    }

    /// The caller `token` belongs to, acting upstream with it.
    pub async fn identify(&self, token: &str) -> Result<Caller, Refusal> {
        let key = digest(token);
        if let Some(subject) = self.accepted.get(&key).await {
            return Ok(Caller::with_upstream_token(
                Some(subject.to_string()),
                token.into(),
            ));
        }
        match self.identity.whoami(token).await {
            Ok(subject) => {
                self.accepted.insert(key, Arc::from(subject.as_str())).await;
                Ok(Caller::with_upstream_token(Some(subject), token.into()))
            }
            Err(IdentityError::Refused(why)) => Err(Refusal::Invalid(why)),
            Err(IdentityError::Unavailable(why)) => {
                tracing::warn!(
                    "could not check a caller's upstream token ({why}); admitting it, the API will decide on each call"
                );
                Ok(Caller::with_upstream_token(None, token.into()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Counting(AtomicUsize);

    #[async_trait::async_trait]
    impl UpstreamIdentity for Counting {
        async fn whoami(&self, token: &str) -> Result<String, IdentityError> {
            self.0.fetch_add(1, Ordering::SeqCst);
            match token {
                "good" => Ok("alice".into()),
                "down" => Err(IdentityError::Unavailable("503".into())),
                _ => Err(IdentityError::Refused("Bad credentials".into())),
            }
        }
    }

    #[tokio::test]
    async fn accepted_tokens_are_remembered_refused_ones_are_not() {
        let check = Arc::new(Counting(AtomicUsize::new(0)));
        let tokens = PerUserTokens::new(check.clone());
        for _ in 0..3 {
            let caller = tokens.identify("good").await.unwrap();
            assert_eq!(caller.upstream_token(), Some("good"));
            assert_eq!(caller.subject.as_deref(), Some("alice"));
        }
        assert_eq!(check.0.load(Ordering::SeqCst), 1);
        for _ in 0..2 {
            assert!(matches!(
                tokens.identify("bad").await,
                Err(Refusal::Invalid(_))
            ));
        }
        assert_eq!(check.0.load(Ordering::SeqCst), 3);
        let caller = tokens.identify("down").await.unwrap();
        assert_eq!(caller.subject, None);
    }
}

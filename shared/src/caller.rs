//! Who is calling: the identity the HTTP layer established for one request, carried
//! to the tools and to the upstream client.
//!
//! The HTTP guard authenticates a request (OAuth access token, or a per-user upstream
//! token) and puts an `Arc<Caller>` in its extensions; rmcp hands the request's
//! `http::request::Parts` to the handler, where [`from_context`] finds it.
//! [`crate::observe::Observed`] then runs the handler inside [`scope`], so code deep in
//! a tool (the upstream client choosing a token) reads it with [`current`] without
//! every function passing it along. Work spawned onto other tasks does not inherit
//! the scope: code that needs the caller there must pass it explicitly (the upstream
//! client fails closed when a per-user token is missing).
//!
//! Identities appear in logs only as [`Caller::tag`], a short hash; tokens never.

use std::future::Future;
use std::sync::Arc;

use rmcp::service::{RequestContext, RoleServer};

tokio::task_local! {
    static CURRENT: Arc<Caller>;
}

/// An authenticated caller.
#[derive(Clone, Default)]
pub struct Caller {
    /// The token's subject (`sub`), e.g. a user id at the authorization server.
    pub subject: Option<String>,
    /// The OAuth client the token was issued to (`client_id` or `azp`).
    pub client_id: Option<String>,
    /// Scopes the token grants.
    pub scopes: Vec<String>,
    /// Whether the caller may run tools that change things.
    pub may_write: bool,
    /// The caller's own upstream token (per-user mode), sent upstream as theirs.
    upstream_token: Option<String>,
}

impl Caller {
    /// A caller acting upstream with their own token (per-user mode).
    pub fn with_upstream_token(subject: Option<String>, token: String) -> Self {
        Self {
            subject,
            may_write: true,
            upstream_token: Some(token),
            ..Self::default()
        }
    }

    /// The caller's own upstream token, in per-user mode.
    pub fn upstream_token(&self) -> Option<&str> {
        self.upstream_token.as_deref()
    }

    /// What binds a session to this caller: their identity at the authorization
    /// server, or, when the API could not name them, a digest of their upstream token.
    pub fn binding_key(&self) -> String {
        match (&self.subject, &self.upstream_token) {
            (None, Some(token)) => crate::digest::key(token),
            _ => self.tag(),
        }
    }

    /// A short, stable, non-reversible tag of the caller for logs and metrics:
    /// 12 hex digits of SHA-256 over subject and client.
    pub fn tag(&self) -> String {
        let identity = format!(
            "{}\n{}",
            self.subject.as_deref().unwrap_or(""),
            self.client_id.as_deref().unwrap_or("")
        );
        crate::digest::short(&identity)
    }
}

impl std::fmt::Debug for Caller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caller")
            .field("tag", &self.tag())
            .field("scopes", &self.scopes)
            .field("may_write", &self.may_write)
            .finish_non_exhaustive()
    }
}

/// The caller the HTTP layer attached to this request (none over stdio, or when
/// the server needs no authentication).
pub fn from_context(context: &RequestContext<RoleServer>) -> Option<Arc<Caller>> {
    context
        .extensions
        .get::<http::request::Parts>()?
        .extensions
        .get::<Arc<Caller>>()
        .cloned()
}

/// The caller of the request being handled on this task, inside [`scope`].
pub fn current() -> Option<Arc<Caller>> {
    CURRENT.try_with(Arc::clone).ok()
}

/// Runs `future` with `caller` as [`current`] (unchanged when `caller` is none).
pub async fn scope<F: Future>(caller: Option<Arc<Caller>>, future: F) -> F::Output {
    match caller {
        Some(caller) => CURRENT.scope(caller, future).await,
        None => future.await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn current_is_set_only_inside_the_scope() {
        assert!(current().is_none());
        let caller = Arc::new(Caller::with_upstream_token(None, "tok".into()));
        let seen = scope(Some(caller), async { current().map(|c| c.tag()) }).await;
        assert!(seen.is_some());
        assert!(current().is_none());
    }

    #[test]
    fn debug_and_tag_never_show_the_token_or_subject() {
        let caller = Caller::with_upstream_token(Some("alice@example".into()), "ghp_x".into());
        let shown = format!("{caller:?}");
        assert!(!shown.contains("ghp_x") && !shown.contains("alice"));
        assert_eq!(caller.tag().len(), 12);
    }
}

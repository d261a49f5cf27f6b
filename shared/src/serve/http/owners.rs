//! Sessions bound to the caller who opened them. With OAuth or per-user tokens, a
//! 2025-11-25 session belongs to the person whose token opened it: a request on that
//! session carrying someone else's token gets 404, as if the session did not exist
//! (the MCP spec: sessions are not authentication; bind session ids to the user).
//!
//! Bindings are forgotten when idle as long as sessions are, and bounded in number;
//! a session whose binding was forgotten is refused the same way (fail closed), and
//! its client starts a new one.
//!
//! With `--redis-url` bindings are also kept in Redis, so a session opened on one
//! replica stays bound to its opener on every replica. A binding neither this
//! replica nor Redis knows (Redis down, say) refuses the request: fail closed.

use std::time::Duration;

use moka::sync::Cache;

use crate::caller::Caller;
use crate::cluster::sessions::SharedSessions;

/// Who opened each session.
pub struct SessionOwners {
    owners: Cache<String, String>,
    shared: Option<SharedSessions>,
}

impl SessionOwners {
    /// Bindings for at most `max_sessions`, forgotten after `idle` unused; also kept
    /// in `shared` when given.
    pub fn new(max_sessions: usize, idle: Duration, shared: Option<SharedSessions>) -> Self {
        Self {
            owners: Cache::builder()
                .max_capacity(max_sessions as u64 * 2)
                .time_to_idle(idle + Duration::from_secs(60))
                .build(),
            shared,
        }
    }

    /// Records that `caller` opened `session`.
    pub async fn bind(&self, session: &str, caller: &Caller) {
        let key = caller.binding_key();
        if let Some(shared) = &self.shared {
            shared.bind_owner(session, &key).await;
        }
        self.owners.insert(session.to_string(), key);
    }

    /// Whether `caller` may use `session`.
    pub async fn allows(&self, session: &str, caller: &Caller) -> bool {
        let owner = match self.owners.get(session) {
            Some(owner) => Some(owner),
            None => match &self.shared {
                Some(shared) => shared.owner(session).await.flatten().inspect(|owner| {
                    self.owners.insert(session.to_string(), owner.clone());
                }),
                None => None,
            },
        };
        owner.is_some_and(|owner| owner == caller.binding_key())
    }

    /// Forgets `session` (closed by its client).
    pub fn forget(&self, session: &str) {
        self.owners.invalidate(session);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_the_opener_may_use_a_session() {
        let owners = SessionOwners::new(10, Duration::from_secs(60), None);
        let alice = Caller::with_upstream_token(Some("alice".into()), "a".into());
        let bob = Caller::with_upstream_token(Some("bob".into()), "b".into());
        owners.bind("s1", &alice).await;
        assert!(owners.allows("s1", &alice).await);
        assert!(!owners.allows("s1", &bob).await);
        assert!(!owners.allows("unknown", &alice).await, "fails closed");
        owners.forget("s1");
        assert!(!owners.allows("s1", &alice).await);
    }

    #[tokio::test]
    async fn a_binding_made_on_one_replica_holds_on_another() {
        let Some(cluster) = crate::cluster::tests::test_cluster().await else {
            return;
        };
        let shared = || SharedSessions::new(cluster.clone(), "t", Duration::from_secs(60));
        let replica_a = SessionOwners::new(10, Duration::from_secs(60), Some(shared()));
        let replica_b = SessionOwners::new(10, Duration::from_secs(60), Some(shared()));
        let alice = Caller::with_upstream_token(Some("alice".into()), "a".into());
        let bob = Caller::with_upstream_token(Some("bob".into()), "b".into());
        replica_a.bind("s1", &alice).await;
        assert!(!replica_b.allows("s1", &bob).await);
        assert!(replica_b.allows("s1", &alice).await);
    }
}

//! Sessions bound to the caller who opened them. With OAuth or per-user tokens, a
//! 2025-11-25 session belongs to the person whose token opened it: a request on that
//! session carrying someone else's token gets 404, as if the session did not exist
//! (the MCP spec: sessions are not authentication; bind session ids to the user).
//!
//! Bindings are forgotten when idle as long as sessions are, and bounded in number;
//! a session whose binding was forgotten is refused the same way (fail closed), and
//! its client starts a new one.

use std::time::Duration;

use moka::sync::Cache;

use crate::caller::Caller;

/// Who opened each session.
pub struct SessionOwners {
    owners: Cache<String, String>,
}

impl SessionOwners {
    /// Bindings for at most `max_sessions`, forgotten after `idle` unused.
    pub fn new(max_sessions: usize, idle: Duration) -> Self {
        Self {
            owners: Cache::builder()
                .max_capacity(max_sessions as u64 * 2)
                .time_to_idle(idle + Duration::from_secs(60))
                .build(),
        }
    }

    /// Records that `caller` opened `session`.
    pub fn bind(&self, session: &str, caller: &Caller) {
        self.owners
            .insert(session.to_string(), caller.binding_key());
    }

    /// Whether `caller` may use `session`.
    pub fn allows(&self, session: &str, caller: &Caller) -> bool {
        self.owners
            .get(session)
            .is_some_and(|owner| owner == caller.binding_key())
    }

    /// Forgets `session` (closed by its client).
    pub fn forget(&self, session: &str) {
        self.owners.invalidate(session);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_opener_may_use_a_session() {
        let owners = SessionOwners::new(10, Duration::from_secs(60));
        let alice = Caller::with_upstream_token(Some("alice".into()), "a".into());
        let bob = Caller::with_upstream_token(Some("bob".into()), "b".into());
        owners.bind("s1", &alice);
        assert!(owners.allows("s1", &alice));
        assert!(!owners.allows("s1", &bob));
        assert!(!owners.allows("unknown", &alice), "fails closed");
        owners.forget("s1");
        assert!(!owners.allows("s1", &alice));
    }
}

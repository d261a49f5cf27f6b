//! A client-side rate limiter per upstream credential, so a server slows itself down
//! before the API has to: every request awaits its credential's budget before it is
//! sent. Budgets are per credential (keyed by its digest), as the APIs count them:
//! one user's burst does not slow another.
//!
//! With `--redis-url` the budget is shared by every replica
//! ([`crate::cluster::gcra`]): each request books its slot in Redis, so N replicas
//! together send no more than one replica would. While Redis does not answer, each
//! replica falls back to its own local budget.

use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota};

use crate::cluster::gcra::SharedLimit;

/// Credentials remembered before the limiter forgets those whose budget is full.
const PRUNE_ABOVE: usize = 4096;

/// Requests per second, and how many may go at once after a quiet spell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests per second, sustained.
    pub per_second: NonZeroU32,
    /// Requests that may go at once after a quiet spell.
    pub burst: NonZeroU32,
}

impl RateLimit {
    /// A limit of `per_second` requests with bursts of `burst`; zeros become 1.
    pub fn new(per_second: u32, burst: u32) -> Self {
        Self {
            per_second: NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN),
            burst: NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN),
        }
    }
}

/// The limiter one client awaits before each request.
pub struct Limiter {
    inner: DefaultKeyedRateLimiter<String>,
    /// The budget shared with other replicas, and the namespace of its keys.
    shared: Option<(SharedLimit, String)>,
}

impl Limiter {
    /// A limiter that grants each credential `limit`, on this replica alone.
    pub fn new(limit: RateLimit) -> Self {
        let quota = Quota::per_second(limit.per_second).allow_burst(limit.burst);
        Self {
            inner: DefaultKeyedRateLimiter::keyed(quota),
            shared: None,
        }
    }

    /// A limiter whose budget `limit` is shared through `cluster` by every replica
    /// talking to the same API (`namespace`, e.g. a digest of its base URL).
    pub fn shared(limit: RateLimit, cluster: crate::cluster::Cluster, namespace: &str) -> Self {
        let shared = SharedLimit::new(
            cluster,
            crate::cluster::link::Feature::UpstreamLimit,
            limit.per_second.get(),
            std::time::Duration::from_secs(1),
            limit.burst.get(),
        );
        Self {
            shared: Some((shared, format!("upstream:{namespace}"))),
            ..Self::new(limit)
        }
    }

    /// Waits until the credential keyed `key` may send one more request.
    pub async fn ready(&self, key: &str) {
        if let Some((shared, namespace)) = &self.shared
            && let Some(wait) = shared.reserve(&format!("{namespace}:{key}")).await
        {
            // A zero sleep would still wait for the timer's next tick (about 1 ms).
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            return;
        }
        if self.inner.len() > PRUNE_ABOVE {
            self.inner.retain_recent();
        }
        self.inner.until_key_ready(&key.to_string()).await;
    }
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Limiter")
    }
}

//! A client-side rate limiter per upstream credential, so a server slows itself down
//! before the API has to: every request awaits its credential's budget before it is
//! sent. Budgets are per credential (keyed by its digest), as the APIs count them:
//! one user's burst does not slow another.

use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota};

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
}

impl Limiter {
    /// A limiter that grants each credential `limit`.
    pub fn new(limit: RateLimit) -> Self {
        let quota = Quota::per_second(limit.per_second).allow_burst(limit.burst);
        Self {
            inner: DefaultKeyedRateLimiter::keyed(quota),
        }
    }

    /// Waits until the credential keyed `key` may send one more request.
    pub async fn ready(&self, key: &str) {
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

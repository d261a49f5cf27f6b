//! One rate limit shared by every replica: GCRA (the generic cell rate algorithm)
//! run as a Lua script inside Redis, so reading and advancing a key's theoretical
//! arrival time is one atomic step on one clock (Redis's `TIME`), whichever replica
//! asks.
//!
//! Two ways to ask:
//! - [`SharedLimit::reserve`] books the next free slot and says how long to wait for
//!   it (the upstream limit: a request waits its turn, as the local limiter's
//!   `until_ready` does);
//! - [`SharedLimit::check`] takes a slot only when one is free now, and otherwise
//!   says how long until one is (the HTTP per-client limit: 429 with Retry-After).
//!
//! The shared budget spaces requests [`JITTER_MARGIN`] wider than the configured
//! rate: a request booked for its slot still travels to the API, and a delay on one
//! and not the next would otherwise let two arrive closer than the rate allows,
//! putting one more request in some one-second window than configured.

use std::sync::LazyLock;
use std::time::Duration;

use redis::Script;

use super::Cluster;
use super::link::Feature;

/// KEYS[1]: the limit's key. ARGV: emission interval (µs), burst tolerance (µs),
/// mode (1 reserve, 0 check). Returns the wait in µs; with mode 0 a positive wait
/// means refused (nothing taken), 0 means taken.
const SCRIPT: &str = r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local reserve = ARGV[3] == '1'
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
if wait > 0 and not reserve then return wait end
local next_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', next_tat), 'PX', math.ceil((next_tat - now) / 1000) + 1000)
return wait
";

/// How much wider than the configured rate requests are spaced: 1/32 (about 3 %),
/// which absorbs up to about 30 ms of difference in travel time per second of
/// requests at any rate.
pub const JITTER_MARGIN: f64 = 1.0 / 32.0;

static GCRA: LazyLock<Script> = LazyLock::new(|| Script::new(SCRIPT));

/// A rate of `per_second` with bursts of `burst`, kept in Redis under `key`.
#[derive(Debug, Clone)]
pub struct SharedLimit {
    cluster: Cluster,
    feature: Feature,
    /// Microseconds between requests at the sustained rate.
    interval_us: u64,
    /// How far ahead of the sustained rate a burst may run, in microseconds.
    tolerance_us: u64,
}

impl SharedLimit {
    /// `per_period` requests per `period` sustained (at least 1), less
    /// [`JITTER_MARGIN`], with bursts of `burst` (at least 1), for `feature`.
    pub fn new(
        cluster: Cluster,
        feature: Feature,
        per_period: u32,
        period: Duration,
        burst: u32,
    ) -> Self {
        let per_period = u64::from(per_period.max(1));
        let exact_us = period.as_micros() as f64 / per_period as f64;
        let interval_us = ((exact_us * (1.0 + JITTER_MARGIN)).ceil() as u64).max(1);
        let tolerance_us = interval_us * u64::from(burst.max(1) - 1);
        Self {
            cluster,
            feature,
            interval_us,
            tolerance_us,
        }
    }

    /// Books the next slot under `key` and returns how long to wait for it; `None`
    /// when Redis cannot answer (use the local limiter).
    pub async fn reserve(&self, key: &str) -> Option<Duration> {
        self.run(key, true).await
    }

    /// Takes a slot under `key` if one is free now (`Some(ZERO)`), else returns how
    /// long until one is, taking nothing; `None` when Redis cannot answer.
    pub async fn check(&self, key: &str) -> Option<Duration> {
        self.run(key, false).await
    }

    async fn run(&self, key: &str, reserve: bool) -> Option<Duration> {
        let key = self.cluster.key(&["rate", key]);
        let (interval, tolerance) = (self.interval_us, self.tolerance_us);
        let wait_us: u64 = self
            .cluster
            .link()
            .run(self.feature, |mut connection| async move {
                GCRA.key(key)
                    .arg(interval)
                    .arg(tolerance)
                    .arg(u8::from(reserve))
                    .invoke_async(&mut connection)
                    .await
            })
            .await?;
        Some(Duration::from_micros(wait_us))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::tests::test_cluster;

    #[tokio::test]
    async fn bursts_then_spaces_requests_across_clients_of_one_key() {
        let Some(cluster) = test_cluster().await else {
            return;
        };
        // Two "replicas": two limits on one key.
        let a = SharedLimit::new(
            cluster.clone(),
            Feature::UpstreamLimit,
            10,
            Duration::from_secs(1),
            3,
        );
        let b = SharedLimit::new(
            cluster,
            Feature::UpstreamLimit,
            10,
            Duration::from_secs(1),
            3,
        );
        let key = "gcra-test";
        let mut waits = Vec::new();
        for i in 0..6 {
            let limit = if i % 2 == 0 { &a } else { &b };
            waits.push(limit.reserve(key).await.expect("redis answers"));
        }
        // The burst of 3 goes at once; then one every 100 ms (plus the margin),
        // booked in order.
        assert!(waits[..3].iter().all(|w| w.is_zero()), "{waits:?}");
        let interval = Duration::from_secs_f64(0.1 * (1.0 + JITTER_MARGIN));
        for (i, wait) in waits[3..].iter().enumerate() {
            let expected = interval * (i as u32 + 1);
            assert!(
                wait.abs_diff(expected) < Duration::from_millis(30),
                "slot {i}: {wait:?}, expected about {expected:?}"
            );
        }
        // A check takes nothing when the next slot is in the future.
        let refused = a.check(key).await.unwrap();
        assert!(refused > Duration::from_millis(300), "{refused:?}");
        let again = b.check(key).await.unwrap();
        assert!(
            again >= refused - Duration::from_millis(30),
            "check took a slot: {again:?}"
        );
    }
}

//! The per-client limits of the HTTP transport: the request rate (429 with
//! Retry-After) and the failed-authentication throttle (a client that guessed
//! wrong too often is refused before its token is even looked at).
//!
//! Both are kept per client address, locally with governor and, with
//! `--redis-url`, in Redis for every replica at once ([`crate::cluster::gcra`]): a
//! client spread over three replicas by round-robin gets the budget of one. While
//! Redis does not answer, the local limits apply. Behind a load balancer the client
//! address is taken from `X-Forwarded-For` when the connection comes from a
//! `--trusted-proxy` ([`client_address`]).

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::cluster::Cluster;
use crate::cluster::gcra::SharedLimit;
use crate::cluster::link::Feature;

/// The client a request is from: the connection's peer, or, when the peer is a
/// trusted proxy, the right-most `X-Forwarded-For` address that is not one.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    forwarded
        .into_iter()
        .rev()
        .find(|hop| !trusted.contains(hop))
        .unwrap_or(peer)
}

/// The key of a client address in Redis: a digest, never the address.
fn shared_key(kind: &str, ip: IpAddr) -> String {
    format!("{kind}:{}", crate::digest::key(&ip.to_string()))
}

/// Requests per second per client address.
pub struct RequestRate {
    local: DefaultKeyedRateLimiter<IpAddr>,
    shared: Option<SharedLimit>,
}

impl RequestRate {
    /// `per_second` with bursts of `burst`, shared through `cluster` when given.
    pub fn new(per_second: NonZeroU32, burst: NonZeroU32, cluster: Option<&Cluster>) -> Self {
        Self {
            local: RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst)),
            shared: cluster.map(|c| {
                SharedLimit::new(
                    c.clone(),
                    Feature::ClientLimits,
                    per_second.get(),
                    Duration::from_secs(1),
                    burst.get(),
                )
            }),
        }
    }

    /// `Err(wait)` when `ip` is over its rate.
    pub async fn check(&self, ip: IpAddr) -> Result<(), Duration> {
        if let Some(shared) = &self.shared
            && let Some(wait) = shared.check(&shared_key("client", ip)).await
        {
            return if wait.is_zero() { Ok(()) } else { Err(wait) };
        }
        self.local
            .check_key(&ip)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// Forgets clients whose budget has refilled.
    pub fn prune(&self) {
        self.local.retain_recent();
        self.local.shrink_to_fit();
    }

    /// Client addresses remembered locally.
    #[cfg(test)]
    pub fn tracked(&self) -> usize {
        self.local.len()
    }
}

/// Counts failed authentications per client address; past the allowance the address
/// is refused outright until its budget refills.
pub struct AuthThrottle {
    failures: DefaultKeyedRateLimiter<IpAddr>,
    blocked_until: Mutex<HashMap<IpAddr, Instant>>,
    shared: Option<(SharedLimit, Cluster)>,
}

impl AuthThrottle {
    /// `per_minute` failures allowed per address, shared through `cluster` when given.
    pub fn new(per_minute: NonZeroU32, cluster: Option<&Cluster>) -> Self {
        Self {
            failures: RateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(per_minute)),
            blocked_until: Mutex::new(HashMap::new()),
            shared: cluster.map(|c| {
                let limit = SharedLimit::new(
                    c.clone(),
                    Feature::ClientLimits,
                    per_minute.get(),
                    Duration::from_secs(60),
                    per_minute.get(),
                );
                (limit, c.clone())
            }),
        }
    }

    fn blocked(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Instant>> {
        self.blocked_until.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How long `ip` must still wait, if it is blocked now.
    pub async fn wait_left(&self, ip: IpAddr) -> Option<Duration> {
        if let Some((_, cluster)) = &self.shared {
            let key = cluster.key(&["blocked", &shared_key("auth", ip)]);
            let left: Option<i64> = cluster
                .link()
                .run(Feature::ClientLimits, |mut c| async move {
                    redis::cmd("PTTL").arg(key).query_async(&mut c).await
                })
                .await;
            if let Some(left) = left {
                // -2: no such key, -1: no expiry (never set by us).
                return u64::try_from(left)
                    .ok()
                    .filter(|ms| *ms > 0)
                    .map(Duration::from_millis);
            }
        }
        let until = *self.blocked().get(&ip)?;
        until.checked_duration_since(Instant::now())
    }

    /// Records a failure; returns how long `ip` is blocked when this one was over
    /// the allowance.
    pub async fn record_failure(&self, ip: IpAddr) -> Option<Duration> {
        if let Some((limit, cluster)) = &self.shared
            && let Some(wait) = limit.check(&shared_key("auth", ip)).await
        {
            if wait.is_zero() {
                return None;
            }
            let key = cluster.key(&["blocked", &shared_key("auth", ip)]);
            let ms = wait.as_millis().max(1) as u64;
            let _: Option<()> = cluster
                .link()
                .run(Feature::ClientLimits, |mut c| async move {
                    redis::cmd("SET")
                        .arg(key)
                        .arg(1)
                        .arg("PX")
                        .arg(ms)
                        .query_async(&mut c)
                        .await
                })
                .await;
            return Some(wait);
        }
        let not_until = self.failures.check_key(&ip).err()?;
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        self.blocked().insert(ip, Instant::now() + wait);
        Some(wait)
    }

    /// Forgets addresses that have recovered.
    pub fn prune(&self) {
        self.failures.retain_recent();
        self.failures.shrink_to_fit();
        let now = Instant::now();
        self.blocked().retain(|_, until| *until > now);
    }

    /// Client addresses remembered locally.
    #[cfg(test)]
    pub fn tracked(&self) -> usize {
        self.failures.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn forwarded(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let client: IpAddr = "192.0.2.7".parse().unwrap();
        let spoofed = forwarded("203.0.113.9, 192.0.2.7");
        assert_eq!(
            client_address(proxy, &spoofed, &[proxy]),
            client,
            "right-most untrusted hop"
        );
        assert_eq!(
            client_address(client, &spoofed, &[proxy]),
            client,
            "not from a proxy: header ignored"
        );
        let chain = forwarded("192.0.2.7, 10.0.0.2");
        let second: IpAddr = "10.0.0.2".parse().unwrap();
        assert_eq!(client_address(proxy, &chain, &[proxy, second]), client);
        assert_eq!(
            client_address(proxy, &forwarded("garbage"), &[proxy]),
            proxy
        );
    }

    #[tokio::test]
    async fn two_replicas_share_one_client_budget_through_redis() {
        let Some(cluster) = crate::cluster::tests::test_cluster().await else {
            return;
        };
        let five = NonZeroU32::new(5).unwrap();
        let a = RequestRate::new(five, five, Some(&cluster));
        let b = RequestRate::new(five, five, Some(&cluster));
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let mut admitted = 0;
        for i in 0..10 {
            let replica = if i % 2 == 0 { &a } else { &b };
            admitted += usize::from(replica.check(ip).await.is_ok());
        }
        assert_eq!(admitted, 5, "one burst across both replicas");
        let throttle_a = AuthThrottle::new(NonZeroU32::new(2).unwrap(), Some(&cluster));
        let throttle_b = AuthThrottle::new(NonZeroU32::new(2).unwrap(), Some(&cluster));
        assert!(throttle_a.record_failure(ip).await.is_none());
        assert!(throttle_b.record_failure(ip).await.is_none());
        let blocked = throttle_a
            .record_failure(ip)
            .await
            .expect("third failure blocks");
        assert!(blocked > Duration::from_secs(20), "{blocked:?}");
        assert!(
            throttle_b.wait_left(ip).await.is_some(),
            "the other replica refuses too"
        );
    }
}

//! What replicas of one server share through Redis (`--redis-url`), so that several
//! of them behind a load balancer act as one:
//!
//! - 2025-11-25 session state and who opened each session ([`sessions`]): a session
//!   opened on one replica is restored on another without a new `initialize`;
//! - the upstream rate limit of github-server and notion-server, one budget per
//!   credential across replicas ([`gcra`], an atomic Lua script on Redis's clock);
//! - the upstream ETag cache ([`responses`]), bounded in bytes, with a TTL, keyed
//!   per credential, so a read cached by one replica is revalidated by another;
//! - the per-client HTTP rate limit and the failed-authentication throttle.
//!
//! Redis is an accelerator, never a dependency: every operation has a short
//! deadline, and when Redis cannot answer ([`link`]) each feature falls back to its
//! local, per-replica form (logged once, shown as `mcp_redis_up 0` and counted in
//! `mcp_redis_fallbacks_total` at `/metrics`), and goes back to Redis when it
//! answers again. No request fails because Redis is down.
//!
//! Every key starts with `--redis-prefix` (default `mcp`) and holds digests only:
//! credentials, tokens and client addresses are never stored in the clear.

pub mod gcra;
pub mod link;
pub mod responses;
pub mod sessions;

use std::sync::{Arc, OnceLock};

pub use link::Link;

use crate::config::CommonArgs;

/// The connection to the Redis the replicas share, and the prefix of every key.
/// Cheap to clone.
#[derive(Clone, Debug)]
pub struct Cluster {
    link: Arc<Link>,
    prefix: Arc<str>,
}

impl Cluster {
    /// A cluster on the Redis at `url` (`redis://[:password@]host:port[/db]`), keys
    /// prefixed with `prefix`. Connects lazily: a Redis that is down at start is
    /// tried again on use.
    pub fn new(url: &str, prefix: &str) -> anyhow::Result<Self> {
        Ok(Self {
            link: Arc::new(Link::new(url)?),
            prefix: Arc::from(prefix),
        })
    }

    /// The process's cluster as the common options configure it (`None` without
    /// `--redis-url`). Every caller gets the same one, so a process holds one
    /// connection and one health state.
    pub fn from_common(common: &CommonArgs) -> anyhow::Result<Option<Self>> {
        static PROCESS: OnceLock<Option<Cluster>> = OnceLock::new();
        if let Some(existing) = PROCESS.get() {
            return Ok(existing.clone());
        }
        let cluster = match &common.redis_url {
            Some(url) => Some(Self::new(url, &common.redis_prefix)?),
            None => None,
        };
        Ok(PROCESS.get_or_init(|| cluster).clone())
    }

    /// The key `<prefix>:<part>:<part>…`.
    pub fn key(&self, parts: &[&str]) -> String {
        let mut key = self.prefix.to_string();
        for part in parts {
            key.push(':');
            key.push_str(part);
        }
        key
    }

    /// The connection and its health.
    pub fn link(&self) -> &Link {
        &self.link
    }

    /// Whether Redis answers a PING within the deadline.
    pub async fn answers(&self) -> bool {
        let pong: Option<String> = self
            .link
            .run(link::Feature::Sessions, |mut c| async move {
                redis::cmd("PING").query_async(&mut c).await
            })
            .await;
        pong.is_some()
    }
}

/// The Redis part of every server's `doctor`: with `--redis-url`, whether that Redis
/// answers. Prints a `✓`/`✗` line (never the URL, which may hold a password);
/// returns false when it does not answer.
pub async fn doctor(common: &CommonArgs) -> bool {
    let cluster = match Cluster::from_common(common) {
        Ok(Some(cluster)) => cluster,
        Ok(None) => return true,
        Err(e) => {
            println!("✗ Redis: {e}");
            return false;
        }
    };
    if cluster.answers().await {
        println!(
            "✓ Redis answers: sessions, upstream rate limits and caches are shared by the replicas using --redis-prefix {}",
            common.redis_prefix
        );
        true
    } else {
        println!(
            "✗ Redis at --redis-url does not answer within {} ms: replicas would run on their own (local limits, caches and sessions) until it does; check the address, password and that Redis runs",
            link::OPERATION_DEADLINE.as_millis()
        );
        false
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A cluster on the Redis named by `REDIS_URL` with a prefix of its own, or
    /// `None` (the test says it was skipped) when the variable is unset or that Redis
    /// does not answer.
    pub(crate) async fn test_cluster() -> Option<Cluster> {
        let Ok(url) = std::env::var("REDIS_URL") else {
            eprintln!("skipped: REDIS_URL is not set (e.g. redis://127.0.0.1:6379)");
            return None;
        };
        let prefix = format!("mcp-test-{}-{}", std::process::id(), unique());
        let cluster = Cluster::new(&url, &prefix).expect("REDIS_URL is a Redis URL");
        if !cluster.answers().await {
            eprintln!("skipped: the Redis at REDIS_URL does not answer");
            return None;
        }
        Some(cluster)
    }

    fn unique() -> u64 {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        u64::from(nanos) * 1000 + NEXT.fetch_add(1, Ordering::Relaxed)
    }

    #[test]
    fn keys_are_prefixed_and_joined() {
        let cluster = Cluster::new("redis://127.0.0.1:1", "team").unwrap();
        assert_eq!(cluster.key(&["rate", "abc"]), "team:rate:abc");
    }
}

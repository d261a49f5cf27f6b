//! The connection to Redis, with the degrade rule every shared feature follows:
//! each operation gets [`OPERATION_DEADLINE`]; one that fails or times out marks
//! Redis down (logged once, `mcp_redis_up 0`), after which operations are not even
//! tried for [`RETRY_AFTER`] and the caller uses its local fallback at once. The
//! first operation that succeeds again marks Redis up (logged once). A failure also
//! drops the connection: the next try opens a new one.

use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use redis::RedisResult;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::RwLock;

use crate::metrics;

/// The longest one Redis operation may take before the caller falls back.
pub const OPERATION_DEADLINE: Duration = Duration::from_millis(250);

/// How long Redis is left alone after a failure before it is tried again.
pub const RETRY_AFTER: Duration = Duration::from_secs(1);

/// What uses Redis, for the fallback counter's `feature` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// The shared upstream rate limit.
    UpstreamLimit,
    /// The shared upstream response cache.
    UpstreamCache,
    /// Session state and owners.
    Sessions,
    /// The per-client HTTP rate limit and failed-authentication throttle.
    ClientLimits,
}

impl Feature {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Feature::UpstreamLimit => "upstream_rate_limit",
            Feature::UpstreamCache => "upstream_cache",
            Feature::Sessions => "sessions",
            Feature::ClientLimits => "client_limits",
        }
    }
}

/// One Redis, its connection and whether it answers.
pub struct Link {
    client: redis::Client,
    connection: RwLock<Option<ConnectionManager>>,
    /// Whether the last operation succeeded (false until one has).
    up: AtomicBool,
    /// Whether an outage has been reported (so it is logged once per outage).
    outage_reported: AtomicBool,
    /// Operations are not tried before this instant after a failure.
    quiet_until: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: never shown.
        f.debug_struct("Link")
            .field("up", &self.up.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Link {
    /// A link to the Redis at `url`; checks the URL only, connects on first use.
    pub fn new(url: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url).map_err(|e| {
            anyhow::anyhow!(
                "--redis-url is not a Redis URL ({}); expected redis://[:PASSWORD@]HOST:PORT[/DB]",
                e.category()
            )
        })?;
        Ok(Self {
            client,
            connection: RwLock::new(None),
            up: AtomicBool::new(false),
            outage_reported: AtomicBool::new(false),
            quiet_until: Mutex::new(None),
        })
    }

    /// Whether the last operation succeeded.
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }

    /// Runs `operation` on the connection within [`OPERATION_DEADLINE`]; `None` when
    /// Redis is down or the operation failed, in which case the caller falls back to
    /// its local form of `feature`.
    pub async fn run<T, F, Fut>(&self, feature: Feature, operation: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        if self.resting() {
            metrics::global().count_redis_fallback(feature.as_str());
            return None;
        }
        let attempt = async {
            let connection = self.connection().await?;
            operation(connection).await
        };
        let why = match tokio::time::timeout(OPERATION_DEADLINE, attempt).await {
            Ok(Ok(value)) => {
                self.succeeded();
                return Some(value);
            }
            Ok(Err(error)) => describe(&error),
            Err(_) => "no answer within the deadline".to_string(),
        };
        self.failed(&why).await;
        metrics::global().count_redis_fallback(feature.as_str());
        None
    }

    /// Whether Redis failed less than [`RETRY_AFTER`] ago.
    fn resting(&self) -> bool {
        let quiet = self.quiet_until.lock().unwrap_or_else(|p| p.into_inner());
        quiet.is_some_and(|until| Instant::now() < until)
    }

    /// The shared connection, opened on first use (and again after opening failed).
    async fn connection(&self) -> RedisResult<ConnectionManager> {
        if let Some(connection) = self.connection.read().await.as_ref() {
            return Ok(connection.clone());
        }
        let mut slot = self.connection.write().await;
        if let Some(connection) = slot.as_ref() {
            return Ok(connection.clone());
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(OPERATION_DEADLINE))
            .set_response_timeout(Some(OPERATION_DEADLINE))
            .set_number_of_retries(1)
            .set_max_delay(RETRY_AFTER);
        let connection = ConnectionManager::new_with_config(self.client.clone(), config).await?;
        *slot = Some(connection.clone());
        Ok(connection)
    }

    fn succeeded(&self) {
        *self.quiet_until.lock().unwrap_or_else(|p| p.into_inner()) = None;
        if !self.up.swap(true, Ordering::AcqRel) {
            metrics::global().set_redis_up(true);
            if self.outage_reported.swap(false, Ordering::AcqRel) {
                tracing::info!(
                    "Redis answers again: sessions, rate limits and caches are shared across replicas again"
                );
            } else {
                tracing::info!(
                    "connected to Redis: sessions, rate limits and caches are shared across replicas"
                );
            }
        }
    }

    /// Marks Redis down, and drops the connection so the next try opens a fresh
    /// one (a connection that broke may not come back by itself).
    async fn failed(&self, why: &str) {
        *self.quiet_until.lock().unwrap_or_else(|p| p.into_inner()) =
            Some(Instant::now() + RETRY_AFTER);
        *self.connection.write().await = None;
        self.up.store(false, Ordering::Release);
        metrics::global().set_redis_up(false);
        if !self.outage_reported.swap(true, Ordering::AcqRel) {
            tracing::warn!(
                "Redis is unreachable ({why}): this replica falls back to its local rate limits, cache and sessions (each replica then allows the full rate on its own) until Redis answers; see mcp_redis_up at /metrics"
            );
        }
    }
}

/// A Redis error in words, without anything from the URL.
fn describe(error: &redis::RedisError) -> String {
    if error.is_timeout() {
        "timed out".into()
    } else if error.is_connection_refusal() {
        "connection refused".into()
    } else if error.is_connection_dropped() || error.is_io_error() {
        "connection lost".into()
    } else {
        format!("{} error", error.category())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_unreachable_redis_falls_back_fast_and_rests() {
        // Port 1 on loopback: nothing listens, the connection is refused.
        let link = Link::new("redis://127.0.0.1:1").unwrap();
        let started = Instant::now();
        let answer: Option<String> = link
            .run(Feature::UpstreamCache, |mut c| async move {
                redis::cmd("PING").query_async(&mut c).await
            })
            .await;
        assert!(answer.is_none());
        assert!(!link.is_up());
        assert!(started.elapsed() <= OPERATION_DEADLINE + Duration::from_millis(100));
        // Resting: the next operation is not even tried.
        let mut tried = false;
        let _: Option<()> = link
            .run(Feature::UpstreamCache, |_| {
                tried = true;
                async { Ok(()) }
            })
            .await;
        assert!(!tried, "an operation was tried while Redis rests");
    }

    #[test]
    fn a_bad_url_is_refused_with_the_expected_form() {
        let error = Link::new("http://example.com").unwrap_err().to_string();
        assert!(error.contains("redis://"), "{error}");
    }
}

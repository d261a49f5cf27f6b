//! Prometheus metrics, served as text at `/metrics` by the HTTP transport.
//!
//! One process-wide registry: MCP requests by method and outcome, tool calls by tool
//! and outcome, request durations, HTTP responses by status, and the HTTP transport's
//! protections at work (open connections and sessions, what was evicted or refused,
//! failed and throttled authentication). Labels carry names and outcomes only, never
//! arguments, tokens or client addresses.

use std::sync::OnceLock;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// How an MCP request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Answered normally.
    Ok,
    /// A tool ran and reported a failure (`isError: true`).
    ToolError,
    /// A JSON-RPC error (malformed request, unknown method or tool).
    RpcError,
}

impl Outcome {
    /// The label value of this outcome.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::ToolError => "tool_error",
            Outcome::RpcError => "rpc_error",
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ToolLabels {
    tool: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MethodLabels {
    method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FeatureLabels {
    feature: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: String,
}

/// The process-wide metric set.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    tool_calls: Family<ToolLabels, Counter>,
    durations: Family<MethodLabels, Histogram>,
    http_responses: Family<StatusLabels, Counter>,
    transport: TransportMetrics,
}

/// What the HTTP transport's limits are doing.
#[derive(Default)]
struct TransportMetrics {
    connections_open: Gauge,
    connections_evicted: Counter,
    connections_refused: Counter,
    sessions_live: Gauge,
    sessions_evicted: Counter,
    sessions_refused: Counter,
    auth_failures: Counter,
    auth_throttled: Counter,
    redis_up: Gauge,
    redis_fallbacks: Family<FeatureLabels, Counter>,
}

impl TransportMetrics {
    fn register(&self, registry: &mut Registry) {
        registry.register(
            "http_connections_open",
            "HTTP connections open now",
            self.connections_open.clone(),
        );
        registry.register(
            "http_connections_evicted",
            "Idle HTTP connections closed to make room for new ones",
            self.connections_evicted.clone(),
        );
        registry.register(
            "http_connections_refused",
            "HTTP connections refused with 503 because every slot was busy",
            self.connections_refused.clone(),
        );
        registry.register(
            "sessions_live",
            "MCP sessions (2025-11-25 and older clients) held now",
            self.sessions_live.clone(),
        );
        registry.register(
            "sessions_evicted",
            "Idle MCP sessions closed to make room for new ones",
            self.sessions_evicted.clone(),
        );
        registry.register(
            "sessions_refused",
            "New MCP sessions refused with 503 because every session was busy",
            self.sessions_refused.clone(),
        );
        registry.register(
            "auth_failures",
            "HTTP requests with a missing or wrong credential",
            self.auth_failures.clone(),
        );
        registry.register(
            "auth_throttled",
            "HTTP requests refused with 429 after too many failed authentications",
            self.auth_throttled.clone(),
        );
        registry.register(
            "redis_up",
            "1 while the Redis of --redis-url answers (sessions, rate limits and caches shared across replicas), 0 while this replica falls back to its local ones or before Redis first answered",
            self.redis_up.clone(),
        );
        registry.register(
            "redis_fallbacks",
            "Operations that used this replica's local limit, cache or sessions because Redis did not answer, by feature",
            self.redis_fallbacks.clone(),
        );
    }
}

fn duration_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 4.0, 10))
}

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::with_prefix("mcp");
        let requests = Family::<RequestLabels, Counter>::default();
        let tool_calls = Family::<ToolLabels, Counter>::default();
        let durations = Family::<MethodLabels, Histogram>::new_with_constructor(
            duration_histogram as fn() -> Histogram,
        );
        let http_responses = Family::<StatusLabels, Counter>::default();
        registry.register(
            "requests",
            "MCP requests by method and outcome",
            requests.clone(),
        );
        registry.register(
            "tool_calls",
            "Tool calls by tool and outcome",
            tool_calls.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Time to answer an MCP request, by method",
            durations.clone(),
        );
        registry.register(
            "http_responses",
            "HTTP responses by status code",
            http_responses.clone(),
        );
        let transport = TransportMetrics::default();
        transport.register(&mut registry);
        Self {
            registry,
            requests,
            tool_calls,
            durations,
            http_responses,
            transport,
        }
    }

    /// Records one answered MCP request (and the tool call, when it was one).
    pub fn record_request(
        &self,
        method: &str,
        tool: Option<&str>,
        outcome: Outcome,
        took: Duration,
    ) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_owned(),
                outcome: outcome.as_str().to_owned(),
            })
            .inc();
        self.durations
            .get_or_create(&MethodLabels {
                method: method.to_owned(),
            })
            .observe(took.as_secs_f64());
        if let Some(tool) = tool {
            self.tool_calls
                .get_or_create(&ToolLabels {
                    tool: tool.to_owned(),
                    outcome: outcome.as_str().to_owned(),
                })
                .inc();
        }
    }

    /// Records one HTTP response status.
    pub fn record_http_status(&self, status: u16) {
        self.http_responses
            .get_or_create(&StatusLabels {
                status: status.to_string(),
            })
            .inc();
    }

    /// Sets the number of open HTTP connections.
    pub fn set_connections_open(&self, open: usize) {
        self.transport.connections_open.set(gauge_value(open));
    }

    /// Counts a connection closed to make room.
    pub fn count_connection_evicted(&self) {
        self.transport.connections_evicted.inc();
    }

    /// Counts a connection refused because all were busy.
    pub fn count_connection_refused(&self) {
        self.transport.connections_refused.inc();
    }

    /// Sets the number of live (not hibernated) sessions.
    pub fn set_sessions_live(&self, live: usize) {
        self.transport.sessions_live.set(gauge_value(live));
    }

    /// Counts a session closed to make room.
    pub fn count_session_evicted(&self) {
        self.transport.sessions_evicted.inc();
    }

    /// Counts a session refused because all were busy.
    pub fn count_session_refused(&self) {
        self.transport.sessions_refused.inc();
    }

    /// Counts a failed authentication.
    pub fn count_auth_failure(&self) {
        self.transport.auth_failures.inc();
    }

    /// Counts a request refused by the failed-authentication throttle.
    pub fn count_auth_throttled(&self) {
        self.transport.auth_throttled.inc();
    }

    /// Records whether Redis answers.
    pub fn set_redis_up(&self, up: bool) {
        self.transport.redis_up.set(i64::from(up));
    }

    /// Counts an operation of `feature` that fell back to its local form.
    pub fn count_redis_fallback(&self, feature: &str) {
        self.transport
            .redis_fallbacks
            .get_or_create(&FeatureLabels {
                feature: feature.to_string(),
            })
            .inc();
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

fn gauge_value(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The process-wide metrics.
pub fn global() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_calls_are_counted_by_name_and_outcome() {
        let m = Metrics::new();
        m.record_request(
            "tools/call",
            Some("grep"),
            Outcome::Ok,
            Duration::from_millis(3),
        );
        m.record_request(
            "tools/call",
            Some("grep"),
            Outcome::ToolError,
            Duration::from_millis(1),
        );
        let text = m.render();
        assert!(
            text.contains(r#"mcp_tool_calls_total{tool="grep",outcome="ok"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"mcp_tool_calls_total{tool="grep",outcome="tool_error"} 1"#),
            "{text}"
        );
        assert!(
            text.contains("mcp_request_duration_seconds_count{method=\"tools/call\"} 2"),
            "{text}"
        );
    }
}

//! The streamable HTTP transport (`--http ADDR`, endpoint `/mcp`) and its protections.
//!
//! Requests pass, in order: Host validation (DNS rebinding), bearer-token check
//! (when a token is set; constant-time), a per-client rate limit (429 with
//! Retry-After), then rmcp's own Origin validation (403), body-size cap (413) and
//! protocol handling. `/healthz` answers 200 for probes; `/metrics` serves Prometheus
//! text (behind the token when one is set). SIGTERM/SIGINT stops accepting
//! connections, waits for in-flight requests up to the grace period, then closes
//! the sessions.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use rmcp::ServerHandler;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use subtle::ConstantTimeEq;
use tokio_util::sync::CancellationToken;

use crate::config::CommonArgs;
use crate::metrics;

/// Host names always accepted in the Host header.
const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];
/// Browser origins accepted when the user lists none.
const DEFAULT_ORIGINS: [&str; 3] = ["http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"];

/// Why the HTTP transport refused to start.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error(
        "refusing to listen on {0} without an auth token: a non-loopback address is reachable by other machines. Set MCP_AUTH_TOKEN (or --auth-token), or bind 127.0.0.1."
    )]
    TokenRequired(SocketAddr),
    #[error("the auth token is empty; set a long random value (e.g. `openssl rand -hex 32`)")]
    EmptyToken,
    #[error("--rate-burst must be at least 1 when --rate-limit is set")]
    ZeroBurst,
}

/// Everything the HTTP transport needs, validated.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub addr: SocketAddr,
    pub auth_token: Option<String>,
    pub allowed_origins: Vec<String>,
    pub allowed_hosts: Vec<String>,
    pub max_body_bytes: usize,
    pub rate_limit: u32,
    pub rate_burst: u32,
    pub session_idle: Duration,
    pub shutdown_grace: Duration,
}

impl HttpSettings {
    /// Validates the common flags for serving on `addr`.
    pub fn from_args(addr: SocketAddr, args: &CommonArgs) -> Result<Self, HttpError> {
        if args.auth_token.as_deref().is_some_and(str::is_empty) {
            return Err(HttpError::EmptyToken);
        }
        if !addr.ip().is_loopback() && args.auth_token.is_none() {
            return Err(HttpError::TokenRequired(addr));
        }
        if args.rate_limit > 0 && args.rate_burst == 0 {
            return Err(HttpError::ZeroBurst);
        }
        let allowed_origins = if args.allowed_origins.is_empty() {
            DEFAULT_ORIGINS.iter().map(|s| s.to_string()).collect()
        } else {
            args.allowed_origins.clone()
        };
        let mut allowed_hosts: Vec<String> = LOOPBACK_HOSTS.iter().map(|s| s.to_string()).collect();
        allowed_hosts.extend(args.allowed_hosts.iter().cloned());
        Ok(Self {
            addr,
            auth_token: args.auth_token.clone(),
            allowed_origins,
            allowed_hosts,
            max_body_bytes: args.max_body_bytes,
            rate_limit: args.rate_limit,
            rate_burst: args.rate_burst,
            session_idle: Duration::from_secs(args.session_idle_timeout),
            shutdown_grace: Duration::from_secs(args.shutdown_grace),
        })
    }
}

/// State the guard middleware shares across requests.
struct Guard {
    token: Option<Vec<u8>>,
    allowed_hosts: Vec<String>,
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
    in_flight: AtomicUsize,
}

/// Serves handlers from `factory` over HTTP until SIGTERM/SIGINT.
pub async fn serve<H, F>(factory: F, settings: HttpSettings) -> anyhow::Result<()>
where
    H: ServerHandler,
    F: Fn() -> H + Send + Sync + 'static,
{
    let sessions_stop = CancellationToken::new();
    let guard = Arc::new(Guard::new(&settings));
    let app = router(factory, &settings, guard.clone(), sessions_stop.clone());

    let listener = tokio::net::TcpListener::bind(settings.addr).await?;
    let local = listener.local_addr()?;
    tracing::info!(
        "serving MCP on http://{local}/mcp (health: /healthz, metrics: /metrics{})",
        if settings.auth_token.is_some() {
            ", bearer token required"
        } else {
            ""
        }
    );

    let accepting_stop = CancellationToken::new();
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(accepting_stop.clone().cancelled_owned());
    let server = tokio::spawn(async move { server.await });

    super::shutdown::signal().await;
    accepting_stop.cancel();
    drain(&guard, settings.shutdown_grace).await;
    sessions_stop.cancel();
    match tokio::time::timeout(Duration::from_secs(2), server).await {
        Ok(joined) => joined??,
        Err(_) => tracing::warn!("connections still open after shutdown; closing them"),
    }
    tracing::info!("HTTP server stopped");
    Ok(())
}

/// Builds the axum app: `/mcp`, `/healthz`, `/metrics`, behind the guard.
fn router<H, F>(
    factory: F,
    settings: &HttpSettings,
    guard: Arc<Guard>,
    sessions_stop: CancellationToken,
) -> Router
where
    H: ServerHandler,
    F: Fn() -> H + Send + Sync + 'static,
{
    let mut session_manager = LocalSessionManager::default();
    session_manager.session_config.keep_alive = Some(settings.session_idle);
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(settings.allowed_hosts.clone())
        .with_allowed_origins(settings.allowed_origins.clone())
        .enforce_origin_validation()
        .with_max_request_body_bytes(settings.max_body_bytes)
        .with_cancellation_token(sessions_stop);
    let mcp = StreamableHttpService::new(move || Ok(factory()), Arc::new(session_manager), config);
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics_text))
        .nest_service("/mcp", mcp)
        .layer(middleware::from_fn_with_state(guard, guard_request))
}

async fn metrics_text() -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        metrics::global().render(),
    )
}

/// Waits until no request is in flight, or the grace period ends.
async fn drain(guard: &Guard, grace: Duration) {
    let deadline = tokio::time::Instant::now() + grace;
    loop {
        let n = guard.in_flight.load(Ordering::SeqCst);
        if n == 0 {
            return;
        }
        if tokio::time::Instant::now() >= deadline {
            tracing::warn!(
                in_flight = n,
                "grace period over with requests still running"
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl Guard {
    pub fn new(settings: &HttpSettings) -> Self {
        let limiter = NonZeroU32::new(settings.rate_limit).map(|per_second| {
            let burst = NonZeroU32::new(settings.rate_burst).unwrap_or(per_second);
            RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst))
        });
        Self {
            token: settings.auth_token.as_ref().map(|t| t.as_bytes().to_vec()),
            allowed_hosts: settings
                .allowed_hosts
                .iter()
                .map(|h| h.to_ascii_lowercase())
                .collect(),
            limiter,
            in_flight: AtomicUsize::new(0),
        }
    }

    fn host_allowed(&self, headers: &HeaderMap) -> bool {
        let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
            return false;
        };
        let host = host.to_ascii_lowercase();
        let name = host_name(&host);
        self.allowed_hosts
            .iter()
            .any(|allowed| *allowed == host || allowed == name)
    }

    fn token_ok(&self, headers: &HeaderMap) -> bool {
        let Some(expected) = &self.token else {
            return true;
        };
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("")
            .as_bytes();
        // ct_eq on slices of different lengths returns false without comparing
        // contents; lengths are not secret.
        bool::from(presented.ct_eq(expected))
    }

    /// `Err(seconds to wait)` when `ip` is over its rate.
    fn check_rate(&self, ip: IpAddr) -> Result<(), u64> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(
                &governor::clock::DefaultClock::default(),
            ));
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

/// `example.com:8080` → `example.com`; `[::1]:8080` → `::1`.
fn host_name(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match authority.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => authority,
    }
}

fn refuse(status: StatusCode, message: &str) -> Response {
    let mut response = (status, format!("{message}\n")).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

/// Decrements the in-flight count when a request ends, however it ends.
struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn guard_request(
    State(guard): State<Arc<Guard>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let response = check_and_run(&guard, peer, request, next).await;
    metrics::global().record_http_status(response.status().as_u16());
    response
}

async fn check_and_run(guard: &Guard, peer: SocketAddr, request: Request, next: Next) -> Response {
    if !guard.host_allowed(request.headers()) {
        return refuse(
            StatusCode::FORBIDDEN,
            "Forbidden: Host header not allowed (add it with --allowed-host if this is intended)",
        );
    }
    let path = request.uri().path();
    if path == "/healthz" {
        return next.run(request).await;
    }
    if !guard.token_ok(request.headers()) {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "Unauthorized: send the server's token as `Authorization: Bearer TOKEN`",
        );
    }
    if let Err(wait) = guard.check_rate(peer.ip()) {
        let mut response = refuse(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests: slow down and retry after the Retry-After seconds",
        );
        if let Ok(v) = HeaderValue::from_str(&wait.max(1).to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return response;
    }
    // Long-lived GET streams are not "in flight" work; POSTs and DELETEs are.
    if request.method() == Method::GET {
        return next.run(request).await;
    }
    guard.in_flight.fetch_add(1, Ordering::SeqCst);
    let _done = InFlight(&guard.in_flight);
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_name_strips_ports_and_brackets() {
        assert_eq!(host_name("example.com:8080"), "example.com");
        assert_eq!(host_name("[::1]:8080"), "::1");
        assert_eq!(host_name("localhost"), "localhost");
    }

    fn settings(token: Option<&str>, addr: &str) -> Result<HttpSettings, HttpError> {
        use clap::Parser;
        #[derive(Parser)]
        struct A {
            #[command(flatten)]
            c: CommonArgs,
        }
        let mut a = A::parse_from(["x"]);
        a.c.auth_token = token.map(String::from);
        HttpSettings::from_args(addr.parse().unwrap(), &a.c)
    }

    #[test]
    fn non_loopback_bind_needs_a_token() {
        assert!(matches!(
            settings(None, "0.0.0.0:1"),
            Err(HttpError::TokenRequired(_))
        ));
        assert!(settings(Some("t0ken"), "0.0.0.0:1").is_ok());
        assert!(settings(None, "127.0.0.1:1").is_ok());
        assert!(matches!(
            settings(Some(""), "127.0.0.1:1"),
            Err(HttpError::EmptyToken)
        ));
    }

    #[test]
    fn token_comparison() {
        let g = Guard::new(&settings(Some("s3cret"), "127.0.0.1:1").unwrap());
        let mut h = HeaderMap::new();
        assert!(!g.token_ok(&h));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer wrong"),
        );
        assert!(!g.token_ok(&h));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer s3cret"),
        );
        assert!(g.token_ok(&h));
    }

    #[test]
    fn hosts_are_checked_without_port() {
        let g = Guard::new(&settings(None, "127.0.0.1:1").unwrap());
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:9999"));
        assert!(g.host_allowed(&h));
        h.insert(header::HOST, HeaderValue::from_static("evil.example:9999"));
        assert!(!g.host_allowed(&h));
    }
}

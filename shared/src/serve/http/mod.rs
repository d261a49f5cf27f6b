//! The streamable HTTP transport (`--http ADDR`, endpoint `/mcp`) and its protections.
//!
//! Layers, outside in:
//! - [`listener`]: connection limits (header-read and idle timeouts, a cap on open
//!   connections that closes idle ones to make room);
//! - [`guard`]: Host validation, the per-client request rate, the failed-auth
//!   throttle and the bearer token, for every path but `/healthz`'s token;
//! - [`gate`], on `/mcp` only: sessions bound to the caller who opened them
//!   ([`owners`]), the body read and checked ([`body`]), the write scope for tools
//!   that change things, the session cap ([`sessions`]) and in-flight tracking for
//!   shutdown ([`drain`]);
//! - rmcp's streamable HTTP service: Origin validation (403) and the protocol.
//!
//! `/healthz` answers 200 for probes; `/metrics` serves Prometheus text (behind the
//! token when one is set). SIGTERM/SIGINT stops accepting connections, lets requests
//! in flight finish within the grace period (answering the rest with JSON-RPC
//! errors), then closes the sessions and exits.

mod body;
mod client_limits;
mod drain;
mod gate;
mod guard;
mod listener;
mod owners;
mod reply;
mod sessions;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::header;
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::get;
use rmcp::ServerHandler;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use crate::auth::oauth::{OAuthSettings, Verifier};
use crate::auth::{Authenticator, PerUserTokens};
use crate::cluster::Cluster;
use crate::cluster::sessions::SharedSessions;
use crate::config::CommonArgs;
use crate::metrics;
use crate::observe::is_write_tool;

use super::ServeOptions;

pub use listener::ConnectionLimits;

/// Host names always accepted in the Host header.
const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];
/// Browser origins accepted when the user lists none.
const DEFAULT_ORIGINS: [&str; 3] = ["http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"];
/// How often the per-client limiters forget clients that have recovered.
const PRUNE_EVERY: Duration = Duration::from_secs(60);
/// How long connections get to close after the sessions are stopped.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// Why the HTTP transport refused to start.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error(
        "refusing to listen on {0} without authentication: a non-loopback address is reachable by other machines. Set MCP_AUTH_TOKEN (or --auth-token), or --oauth-issuer with --public-url, or bind 127.0.0.1."
    )]
    /// A non-loopback bind without any authentication.
    TokenRequired(SocketAddr),
    #[error(
        "per-user upstream tokens and --oauth-issuer both want the Authorization header: in per-user mode each request's bearer token is the caller's own upstream token; drop one of them"
    )]
    /// Per-user tokens and OAuth both configured.
    PerUserWithOAuth,
    /// The OAuth resource server could not be set up.
    #[error("{0}")]
    OAuth(#[from] crate::auth::oauth::SetupError),
    /// `--auth-token` is empty.
    #[error("the auth token is empty; set a long random value (e.g. `openssl rand -hex 32`)")]
    EmptyToken,
    /// `--rate-limit` set with a zero burst.
    #[error("--rate-burst must be at least 1 when --rate-limit is set")]
    ZeroBurst,
    /// A limit that must be at least 1 is 0 (its flag's name).
    #[error("--{0} must be at least 1")]
    Zero(&'static str),
    /// `--redis-url` cannot be used.
    #[error("{0}")]
    Redis(String),
}

/// Everything the HTTP transport needs, validated.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Where to listen.
    pub addr: SocketAddr,
    /// The static bearer token, if any.
    pub auth_token: Option<String>,
    /// OAuth 2.1 resource server settings (`writes_offered` is set by the server).
    pub oauth: Option<OAuthSettings>,
    /// Browser origins allowed.
    pub allowed_origins: Vec<String>,
    /// `Host` values accepted.
    pub allowed_hosts: Vec<String>,
    /// Largest request body.
    pub max_body_bytes: usize,
    /// Requests per second per client address (0: off).
    pub rate_limit: u32,
    /// Burst above the rate.
    pub rate_burst: u32,
    /// Failed authentications per client address per minute (0: off).
    pub auth_failures_per_minute: u32,
    /// How long an idle session is kept.
    pub session_idle: Duration,
    /// Most sessions, live and hibernated.
    pub max_sessions: usize,
    /// Most sessions kept live in memory.
    pub live_sessions: usize,
    /// Connection limits and timeouts.
    pub connections: ConnectionLimits,
    /// Time in-flight requests get after SIGTERM/SIGINT.
    pub shutdown_grace: Duration,
    /// The Redis shared with other replicas (`--redis-url`).
    pub cluster: Option<Cluster>,
    /// Proxies whose X-Forwarded-For names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl HttpSettings {
    /// Validates the common flags for serving on `addr`.
    pub fn from_args(addr: SocketAddr, args: &CommonArgs) -> Result<Self, HttpError> {
        if args.auth_token.as_deref().is_some_and(str::is_empty) {
            return Err(HttpError::EmptyToken);
        }
        if args.rate_limit > 0 && args.rate_burst == 0 {
            return Err(HttpError::ZeroBurst);
        }
        for (name, value) in [
            ("max-sessions", args.max_sessions as u64),
            ("live-sessions", args.live_sessions as u64),
            ("max-connections", args.max_connections as u64),
            ("header-read-timeout", args.header_read_timeout),
            ("idle-connection-timeout", args.idle_connection_timeout),
        ] {
            if value == 0 {
                return Err(HttpError::Zero(name));
            }
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
            oauth: OAuthSettings::from_args(args),
            allowed_origins,
            allowed_hosts,
            max_body_bytes: args.max_body_bytes,
            rate_limit: args.rate_limit,
            rate_burst: args.rate_burst,
            auth_failures_per_minute: args.auth_failures_per_minute,
            session_idle: Duration::from_secs(args.session_idle_timeout),
            max_sessions: args.max_sessions,
            live_sessions: args.live_sessions,
            connections: ConnectionLimits {
                max_connections: args.max_connections,
                header_read_timeout: Duration::from_secs(args.header_read_timeout),
                idle_timeout: Duration::from_secs(args.idle_connection_timeout),
            },
            shutdown_grace: Duration::from_secs(args.shutdown_grace),
            cluster: Cluster::from_common(args).map_err(|e| HttpError::Redis(e.to_string()))?,
            trusted_proxies: args.trusted_proxies.clone(),
        })
    }
}

/// The authenticators for `/mcp` and for `/metrics`, as the settings and the server's
/// options ask; discovers the OAuth authorization server when one is configured.
/// With OAuth or per-user tokens, `--auth-token` (if set) guards `/metrics` only.
pub async fn authenticators(
    settings: &HttpSettings,
    options: &ServeOptions,
) -> Result<(Authenticator, Authenticator), HttpError> {
    let static_token = settings
        .auth_token
        .as_ref()
        .map(|t| Authenticator::StaticToken(Arc::from(t.as_bytes())));
    let mcp = match (&options.per_user, &settings.oauth) {
        (Some(_), Some(_)) => return Err(HttpError::PerUserWithOAuth),
        (Some(identity), None) => {
            Authenticator::PerUser(Arc::new(PerUserTokens::new(identity.clone())))
        }
        (None, Some(oauth)) => {
            let mut oauth = oauth.clone();
            oauth.writes_offered = options.writes;
            Authenticator::OAuth(Arc::new(Verifier::discover(oauth).await?))
        }
        (None, None) => static_token.clone().unwrap_or(Authenticator::Open),
    };
    if !settings.addr.ip().is_loopback() && !mcp.requires_token() {
        return Err(HttpError::TokenRequired(settings.addr));
    }
    let metrics = static_token.unwrap_or_else(|| mcp.clone());
    Ok((mcp, metrics))
}

/// Serves handlers from `factory` over HTTP until SIGTERM/SIGINT.
pub async fn serve<H, F>(
    factory: F,
    settings: HttpSettings,
    options: ServeOptions,
) -> anyhow::Result<()>
where
    H: ServerHandler,
    F: Fn() -> H + Send + Sync + 'static,
{
    let (mcp_auth, metrics_auth) = authenticators(&settings, &options).await?;
    let probe = factory();
    let server_name = probe.get_info().server_info.name;
    let shared_sessions = settings
        .cluster
        .as_ref()
        .map(|c| SharedSessions::new(c.clone(), &server_name, settings.session_idle));
    let is_write: gate::ToolKind = Arc::new(move |name: &str| {
        probe
            .get_tool(name)
            .is_some_and(|tool| is_write_tool(&tool))
    });
    let fd_limit = listener::raise_fd_limit();
    let connections = listener::ConnectionTable::new(settings.connections.clamped_to_fds(fd_limit));
    let sessions_stop = CancellationToken::new();
    let guard = Arc::new(guard::Guard::new(&settings, mcp_auth.clone(), metrics_auth));
    let drain = drain::Drain::new();
    let sessions = sessions::SessionTable::new(
        sessions::SessionLimits {
            max_sessions: settings.max_sessions,
            hot_limit: settings.live_sessions.min(settings.max_sessions),
            idle_timeout: settings.session_idle,
        },
        shared_sessions.clone(),
    );
    let app = router(
        factory,
        &settings,
        Access {
            authenticator: mcp_auth.clone(),
            is_write,
        },
        guard.clone(),
        drain.clone(),
        sessions.clone(),
        shared_sessions,
        sessions_stop.clone(),
    );

    let listener = tokio::net::TcpListener::bind(settings.addr).await?;
    let local = listener.local_addr()?;
    let limits = connections.limits();
    tracing::info!(
        max_connections = limits.max_connections,
        max_sessions = settings.max_sessions,
        header_read_timeout_s = limits.header_read_timeout.as_secs(),
        authentication = mcp_auth.mode(),
        "serving MCP on http://{local}/mcp (health: /healthz, metrics: /metrics{})",
        if mcp_auth.requires_token() {
            ", bearer token required"
        } else {
            ""
        }
    );

    let accepting_stop = CancellationToken::new();
    let accepting = {
        let connections = connections.clone();
        let stop = accepting_stop.clone();
        tokio::spawn(async move { connections.accept(listener, app, stop).await })
    };
    let pruning = spawn_every(PRUNE_EVERY, move || guard.prune());
    let sweep_every = (settings.session_idle / 5).clamp(Duration::from_secs(1), PRUNE_EVERY);
    let sweeping = spawn_every(sweep_every, move || sessions.sweep());

    super::shutdown::signal().await;
    accepting_stop.cancel();
    let _ = accepting.await;
    connections.close_gracefully();
    drain.shut_down(settings.shutdown_grace).await;
    sessions_stop.cancel();
    pruning.abort();
    sweeping.abort();
    let left = connections.wait_closed(CLOSE_WAIT).await;
    if left > 0 {
        tracing::warn!(
            open = left,
            "connections still open after shutdown; closing them"
        );
    }
    tracing::info!("HTTP server stopped");
    Ok(())
}

/// Runs `job` every `period` until the returned task is aborted.
fn spawn_every(period: Duration, job: impl Fn() + Send + 'static) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(period);
        loop {
            every.tick().await;
            job();
        }
    })
}

/// Builds the axum app: `/mcp`, `/healthz`, `/metrics`, behind the guard.
#[allow(clippy::too_many_arguments)]
fn router<H, F>(
    factory: F,
    settings: &HttpSettings,
    access: Access,
    guard: Arc<guard::Guard>,
    drain: Arc<drain::Drain>,
    sessions: Arc<sessions::SessionTable>,
    shared_sessions: Option<SharedSessions>,
    sessions_stop: CancellationToken,
) -> Router
where
    H: ServerHandler,
    F: Fn() -> H + Send + Sync + 'static,
{
    let mut config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(settings.allowed_hosts.clone())
        .with_allowed_origins(settings.allowed_origins.clone())
        .enforce_origin_validation()
        .with_max_request_body_bytes(settings.max_body_bytes)
        .with_cancellation_token(sessions_stop);
    config.session_store = Some(Arc::new(sessions::HibernatedStore(sessions.clone())));
    let mcp = StreamableHttpService::new(
        move || Ok(factory()),
        Arc::new(sessions::Sessions(sessions.clone())),
        config,
    );
    let resource_metadata = match &access.authenticator {
        Authenticator::OAuth(verifier) => Some(verifier.clone()),
        _ => None,
    };
    let gate = Arc::new(gate::McpGate {
        sessions,
        drain,
        max_body_bytes: settings.max_body_bytes,
        access,
        owners: owners::SessionOwners::new(
            settings.max_sessions,
            settings.session_idle,
            shared_sessions,
        ),
    });
    let mcp = tower::ServiceBuilder::new()
        .layer(middleware::from_fn_with_state(gate, gate::gate_mcp))
        .service(mcp);
    let mut app = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics_text))
        .nest_service("/mcp", mcp);
    if let Some(verifier) = resource_metadata {
        let document = verifier.resource_metadata();
        for path in verifier.resource_metadata_paths() {
            let document = document.clone();
            app = app.route(&path, get(move || async move { axum::Json(document) }));
        }
    }
    app.layer(middleware::from_fn_with_state(guard, guard::guard_request))
}

/// Who may do what on `/mcp`: the authenticator (for its challenges) and which tools
/// change things (they need the write scope).
pub struct Access {
    pub authenticator: Authenticator,
    pub is_write: gate::ToolKind,
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Settings as the default flags give them, with this token and address.
    pub(crate) fn settings(token: Option<&str>, addr: &str) -> Result<HttpSettings, HttpError> {
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

    #[tokio::test]
    async fn non_loopback_bind_needs_a_token() {
        let options = ServeOptions::default();
        let open = settings(None, "0.0.0.0:1").unwrap();
        assert!(matches!(
            authenticators(&open, &options).await,
            Err(HttpError::TokenRequired(_))
        ));
        let with_token = settings(Some("t0ken"), "0.0.0.0:1").unwrap();
        assert!(authenticators(&with_token, &options).await.is_ok());
        let local = settings(None, "127.0.0.1:1").unwrap();
        assert!(authenticators(&local, &options).await.is_ok());
        assert!(matches!(
            settings(Some(""), "127.0.0.1:1"),
            Err(HttpError::EmptyToken)
        ));
    }
}

//! The checks every HTTP request passes before it reaches MCP, in this order:
//! Host validation (DNS rebinding), the per-client request rate (429), the
//! failed-authentication throttle (429 for a client that guessed wrong too often,
//! decided before its token is even looked at), then authentication by the server's
//! [`Authenticator`] (401 with a `WWW-Authenticate` challenge; 403 for a token
//! without the scope the server requires). An authenticated caller is put in the
//! request's extensions for the tools ([`crate::caller`]). `/healthz` and the
//! `/.well-known/` documents need only a valid Host.
//!
//! Both per-client limits ([`super::client_limits`]) hold one entry per client
//! address; [`Guard::prune`] drops the ones that have recovered, so a public bind
//! does not grow a map forever. With `--redis-url` they are shared by the replicas.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

use super::HttpSettings;
use super::client_limits::{AuthThrottle, RequestRate, client_address};
use super::reply::{refuse, refuse_retry_after};
use crate::auth::{Authenticator, Refusal};
use crate::metrics;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

/// State the guard middleware shares across requests.
pub struct Guard {
    /// Authenticates `/mcp`.
    mcp: Authenticator,
    /// Authenticates `/metrics` (the static token when OAuth or per-user tokens
    /// guard `/mcp`).
    metrics: Authenticator,
    allowed_hosts: Vec<String>,
    requests: Option<RequestRate>,
    auth_failures: Option<AuthThrottle>,
    /// Proxies whose X-Forwarded-For names the client.
    trusted_proxies: Vec<IpAddr>,
}

/// What a request admitted so far still needs.
enum Admitted {
    /// Nothing: it is public.
    Public,
    /// Authentication by this authenticator.
    Authenticate(Authenticator),
}

impl Guard {
    pub fn new(settings: &HttpSettings, mcp: Authenticator, metrics: Authenticator) -> Self {
        let cluster = settings.cluster.as_ref();
        let requests = NonZeroU32::new(settings.rate_limit).map(|per_second| {
            let burst = NonZeroU32::new(settings.rate_burst).unwrap_or(per_second);
            RequestRate::new(per_second, burst, cluster)
        });
        let auth_failures = NonZeroU32::new(settings.auth_failures_per_minute)
            .filter(|_| mcp.requires_token() || metrics.requires_token())
            .map(|per_minute| AuthThrottle::new(per_minute, cluster));
        Self {
            mcp,
            metrics,
            allowed_hosts: settings
                .allowed_hosts
                .iter()
                .map(|h| h.to_ascii_lowercase())
                .collect(),
            requests,
            auth_failures,
            trusted_proxies: settings.trusted_proxies.clone(),
        }
    }

    /// Forgets clients whose limits have fully recovered.
    pub fn prune(&self) {
        if let Some(requests) = &self.requests {
            requests.prune();
        }
        if let Some(throttle) = &self.auth_failures {
            throttle.prune();
        }
    }

    /// Client addresses the limiters remember now.
    #[cfg(test)]
    pub fn tracked_clients(&self) -> usize {
        self.requests.as_ref().map_or(0, |r| r.tracked())
            + self.auth_failures.as_ref().map_or(0, |t| t.tracked())
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

    /// `Err(seconds to wait)` when `ip` is over its request rate.
    async fn check_rate(&self, ip: IpAddr) -> Result<(), u64> {
        let Some(limiter) = &self.requests else {
            return Ok(());
        };
        limiter.check(ip).await.map_err(whole_seconds)
    }

    /// The checks before authentication; `Err` is the response to send instead.
    #[allow(clippy::result_large_err)]
    async fn admit(
        &self,
        peer: IpAddr,
        headers: &HeaderMap,
        path: &str,
    ) -> Result<Admitted, Response> {
        if !self.host_allowed(headers) {
            return Err(refuse(
                StatusCode::FORBIDDEN,
                "Forbidden: Host header not allowed (add it with --allowed-host if this is intended)",
            ));
        }
        if path == "/healthz" || path.starts_with("/.well-known/") {
            return Ok(Admitted::Public);
        }
        if let Err(wait) = self.check_rate(peer).await {
            return Err(refuse_retry_after(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests: slow down and retry after the Retry-After seconds",
                wait,
            ));
        }
        if let Some(throttle) = &self.auth_failures
            && let Some(wait) = throttle.wait_left(peer).await
        {
            metrics::global().count_auth_throttled();
            return Err(too_many_failures(whole_seconds(wait)));
        }
        let authenticator = if path == "/metrics" {
            &self.metrics
        } else {
            &self.mcp
        };
        Ok(match authenticator {
            Authenticator::Open => Admitted::Public,
            other => Admitted::Authenticate(other.clone()),
        })
    }

    /// Every check; on success an authenticated caller is in `request`'s
    /// extensions. `Err` is the response to send instead.
    async fn check(&self, peer: IpAddr, request: &mut Request) -> Result<(), Response> {
        let path = request.uri().path().to_string();
        let Admitted::Authenticate(authenticator) =
            self.admit(peer, request.headers(), &path).await?
        else {
            return Ok(());
        };
        match authenticator.authenticate(request.headers()).await {
            Ok(caller) => {
                if let Some(caller) = caller {
                    request.extensions_mut().insert(caller);
                }
                Ok(())
            }
            Err(refusal) => Err(self.refused(peer, &authenticator, &refusal).await),
        }
    }

    /// The answer to a request `authenticator` refused, counting failed
    /// authentications against the client's allowance.
    async fn refused(
        &self,
        peer: IpAddr,
        authenticator: &Authenticator,
        refusal: &Refusal,
    ) -> Response {
        if !matches!(refusal, Refusal::InsufficientScope { .. }) {
            metrics::global().count_auth_failure();
            let reason = match refusal {
                Refusal::Invalid(why) => why.as_str(),
                _ => "no bearer token",
            };
            tracing::warn!(client = %peer, "authentication failed: {reason}");
            let blocked = match &self.auth_failures {
                Some(throttle) => throttle.record_failure(peer).await,
                None => None,
            };
            if let Some(wait) = blocked {
                metrics::global().count_auth_throttled();
                return too_many_failures(whole_seconds(wait));
            }
        }
        auth_refusal(authenticator, refusal)
    }
}

/// `refusal`'s status, with the authenticator's challenge and a JSON-RPC error body
/// saying what to do.
pub fn auth_refusal(authenticator: &Authenticator, refusal: &Refusal) -> Response {
    let mut response = refuse(
        refusal.status(),
        &refusal.message(authenticator.how_to_authenticate()),
    );
    if let Ok(challenge) = HeaderValue::from_str(&authenticator.challenge(refusal)) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, challenge);
    }
    response
}

fn too_many_failures(wait: u64) -> Response {
    refuse_retry_after(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many failed authentications from this address: check the token, then retry after the Retry-After seconds",
        wait,
    )
}

fn whole_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
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

/// The middleware: refuses what the guard does not admit, counts response statuses.
pub async fn guard_request(
    State(guard): State<std::sync::Arc<Guard>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    let client = client_address(peer.ip(), request.headers(), &guard.trusted_proxies);
    let response = match guard.check(client, &mut request).await {
        Ok(()) => next.run(request).await,
        Err(mut refusal) => {
            // The body was never read, so the connection cannot carry another
            // request: say so, or a client reusing it races the close.
            if request.method() != axum::http::Method::GET {
                refusal
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            refusal
        }
    };
    metrics::global().record_http_status(response.status().as_u16());
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::http::tests::settings;

    #[test]
    fn host_name_strips_ports_and_brackets() {
        assert_eq!(host_name("example.com:8080"), "example.com");
        assert_eq!(host_name("[::1]:8080"), "::1");
        assert_eq!(host_name("localhost"), "localhost");
    }

    fn guard(s: &HttpSettings) -> Guard {
        let auth = match &s.auth_token {
            Some(t) => Authenticator::StaticToken(std::sync::Arc::from(t.as_bytes())),
            None => Authenticator::Open,
        };
        Guard::new(s, auth.clone(), auth)
    }

    #[tokio::test]
    async fn the_static_token_guards_mcp_with_a_challenge() {
        let g = guard(&settings(Some("s3cret"), "127.0.0.1:1").unwrap());
        let ip: IpAddr = "192.0.2.9".parse().unwrap();
        let r = g.check(ip, &mut request("wrong")).await.unwrap_err();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(
            r.headers()[header::WWW_AUTHENTICATE]
                .to_str()
                .unwrap()
                .contains("invalid_token")
        );
        assert!(g.check(ip, &mut request("s3cret")).await.is_ok());
        let mut metadata = request("none");
        *metadata.uri_mut() = "/.well-known/oauth-protected-resource".parse().unwrap();
        assert!(
            g.check(ip, &mut metadata).await.is_ok(),
            "well-known documents are public"
        );
    }

    #[test]
    fn hosts_are_checked_without_port() {
        let g = guard(&settings(None, "127.0.0.1:1").unwrap());
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:9999"));
        assert!(g.host_allowed(&h));
        h.insert(header::HOST, HeaderValue::from_static("evil.example:9999"));
        assert!(!g.host_allowed(&h));
    }

    fn request(token: &str) -> Request {
        Request::builder()
            .uri("/mcp")
            .header(header::HOST, "127.0.0.1:1")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(axum::body::Body::empty())
            .unwrap()
    }

    #[tokio::test]
    async fn failed_authentication_is_throttled_before_the_token_is_checked() {
        let mut s = settings(Some("s3cret"), "127.0.0.1:1").unwrap();
        s.auth_failures_per_minute = 3;
        s.rate_limit = 0;
        let g = guard(&s);
        let guesser: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            let r = g.check(guesser, &mut request("guess")).await.unwrap_err();
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        }
        let r = g.check(guesser, &mut request("guess")).await.unwrap_err();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(r.headers().contains_key(header::RETRY_AFTER));
        let r = g.check(guesser, &mut request("s3cret")).await.unwrap_err();
        assert_eq!(
            r.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "a blocked address is refused whatever it sends"
        );
        assert!(
            g.check(other, &mut request("s3cret")).await.is_ok(),
            "others are not affected"
        );
    }

    #[tokio::test]
    async fn pruning_forgets_recovered_clients() {
        let mut s = settings(None, "127.0.0.1:1").unwrap();
        s.rate_limit = 1000;
        s.rate_burst = 1;
        let g = guard(&s);
        for i in 0..50u8 {
            let ip = IpAddr::from([192, 0, 2, i]);
            assert!(g.check_rate(ip).await.is_ok());
        }
        assert_eq!(g.tracked_clients(), 50);
        std::thread::sleep(Duration::from_millis(20));
        g.prune();
        assert_eq!(g.tracked_clients(), 0);
    }
}

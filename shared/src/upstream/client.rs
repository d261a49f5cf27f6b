//! The HTTP client every upstream-backed server uses (GitHub, Notion).
//!
//! [`UpstreamClient`] wraps reqwest with connect and total timeouts, redirects, a
//! User-Agent and bearer auth, and puts the rest of this module around each request:
//! the [`Limiter`] before it, the [`ResponseCache`] validators on it, the
//! [`RetryPolicy`] after a failure, and [`UpstreamError`] for what the model is told.
//!
//! Nothing here is specific to one API: each server builds its [`UpstreamConfig`]
//! (base URL, headers, rate limit, and an [`UpstreamConfig::on_forbidden`] hook for
//! what its 403s mean). Whether and when to retry is asked of [`super::retry`].

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;

use crate::client_log;

use super::cache::{CachedResponse, ResponseCache, is_cacheable};
use super::credentials::{Credentials, Resolved};
use super::error::{Redactor, UpstreamError};
use super::limiter::{Limiter, RateLimit};
use super::retry::{self, Decision, Failure, RetryPolicy, is_idempotent};
use crate::cluster::Cluster;
use crate::cluster::responses::SharedResponses;

/// Maps a 403 that is not a rate limit to a specific error, from the request's URL,
/// the response's headers and the body's message (already scrubbed of the token);
/// `None` leaves it [`UpstreamError::Forbidden`]. E.g. github-server's missing
/// OAuth scope.
pub type ForbiddenHook = fn(url: &str, headers: &HeaderMap, message: &str) -> Option<UpstreamError>;

/// How to reach one upstream API.
#[derive(Clone)]
pub struct UpstreamConfig {
    /// The API root, e.g. `https://api.github.com`; paths are joined onto it.
    pub base_url: String,
    /// Where the `Authorization: Bearer` token comes from; never logged or displayed.
    pub credentials: Credentials,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// The limit for opening the connection.
    pub connect_timeout: Duration,
    /// The limit for one attempt, from sending to the end of the body.
    pub total_timeout: Duration,
    /// Sent on every request (e.g. `X-GitHub-Api-Version`, `Notion-Version`).
    pub extra_headers: Vec<(String, String)>,
    /// The retry budget.
    pub retry: RetryPolicy,
    /// `None` sends as fast as callers ask.
    pub rate_limit: Option<RateLimit>,
    /// The response cache's bound in bytes; 0 disables caching.
    pub cache_max_bytes: u64,
    /// What a 403 means for this API beyond "forbidden"; `None`: always
    /// [`UpstreamError::Forbidden`].
    pub on_forbidden: Option<ForbiddenHook>,
    /// The Redis the replicas share the rate limit and cache through
    /// (`--redis-url`); `None`: this process's own.
    pub cluster: Option<Cluster>,
}

impl UpstreamConfig {
    /// Defaults: no token, 10 s connect, 30 s total, default retries, no rate
    /// limit, a 32 MiB cache, plain 403s.
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            credentials: Credentials::None,
            user_agent: concat!("mcp-bundle/", env!("CARGO_PKG_VERSION")).to_string(),
            connect_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(30),
            extra_headers: Vec::new(),
            retry: RetryPolicy::default(),
            rate_limit: None,
            cache_max_bytes: 32 * 1024 * 1024,
            on_forbidden: None,
            cluster: None,
        }
    }
}

impl std::fmt::Debug for UpstreamConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamConfig")
            .field("base_url", &self.base_url)
            .field("credentials", &self.credentials)
            .field("user_agent", &self.user_agent)
            .field("connect_timeout", &self.connect_timeout)
            .field("total_timeout", &self.total_timeout)
            .field("extra_headers", &self.extra_headers)
            .field("retry", &self.retry)
            .field("rate_limit", &self.rate_limit)
            .field("cache_max_bytes", &self.cache_max_bytes)
            .field("on_forbidden", &self.on_forbidden.is_some())
            .finish()
    }
}

/// A successful (2xx, or 304 served from the cache) response.
#[derive(Debug, Clone)]
pub struct UpstreamResponse {
    /// The URL requested (after joining onto the base URL).
    pub url: String,
    /// The status (200 also for a 304 served from the cache).
    pub status: StatusCode,
    /// The response's headers (the cached ones after a 304).
    pub headers: HeaderMap,
    /// The body, whole.
    pub body: Bytes,
    /// True when the body came from the cache after a 304.
    pub from_cache: bool,
}

impl UpstreamResponse {
    /// The body parsed as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, UpstreamError> {
        serde_json::from_slice(&self.body).map_err(|e| UpstreamError::Decode {
            url: self.url.clone(),
            detail: e.to_string(),
        })
    }

    /// A header's value, when present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }
}

/// A rate-limited, retrying, caching client for one upstream. Cheap to clone.
#[derive(Clone)]
pub struct UpstreamClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    config: UpstreamConfig,
    limiter: Option<Limiter>,
    cache: Option<ResponseCache>,
}

impl std::fmt::Debug for UpstreamClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamClient")
            .field("config", &self.inner.config)
            .field("cache", &self.inner.cache)
            .finish_non_exhaustive()
    }
}

/// One failed attempt: the error to report, and whether retrying could help.
struct Failed {
    failure: Option<Failure>,
    error: UpstreamError,
}

impl UpstreamClient {
    /// A client for `config`; fails on a base URL or header that cannot be used.
    pub fn new(config: UpstreamConfig) -> Result<Self, UpstreamError> {
        let base = Url::parse(&config.base_url).map_err(|e| UpstreamError::InvalidUrl {
            url: config.base_url.clone(),
            reason: e.to_string(),
        })?;
        let http = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .connect_timeout(config.connect_timeout)
            .timeout(config.total_timeout)
            .redirect(reqwest::redirect::Policy::limited(10))
            .default_headers(default_headers(&config.extra_headers)?)
            .build()
            .map_err(|e| UpstreamError::Config(e.to_string()))?;
        let api = crate::digest::short(base.as_str());
        let limiter = config.rate_limit.map(|limit| match &config.cluster {
            Some(cluster) => Limiter::shared(limit, cluster.clone(), &api),
            None => Limiter::new(limit),
        });
        let cache = (config.cache_max_bytes > 0).then(|| {
            let local = ResponseCache::new(config.cache_max_bytes);
            match &config.cluster {
                Some(cluster) => local.with_shared(SharedResponses::new(
                    cluster.clone(),
                    config.cache_max_bytes,
                )),
                None => local,
            }
        });
        let inner = Inner {
            http,
            base,
            config,
            limiter,
            cache,
        };
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// The configuration the client was built with.
    pub fn config(&self) -> &UpstreamConfig {
        &self.inner.config
    }

    /// GETs `path` (joined onto the base URL, or an absolute URL on the same
    /// origin) and parses the JSON body.
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, UpstreamError> {
        self.get(path).await?.json()
    }

    /// GETs `path` (see [`Self::get_json`]) and returns the response.
    pub async fn get(&self, path: &str) -> Result<UpstreamResponse, UpstreamError> {
        self.request(Method::GET, path).send().await
    }

    /// Sends any method, with an optional JSON body. GET and HEAD are retried
    /// within the budget; other methods are sent once unless rate limited.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<UpstreamResponse, UpstreamError> {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(body.clone());
        }
        request.send().await
    }

    /// Starts a request with per-request headers, a body, or an explicit retry
    /// class; [`UpstreamRequest::send`] sends it.
    pub fn request(&self, method: Method, path: &str) -> UpstreamRequest<'_> {
        UpstreamRequest {
            client: self,
            idempotent: is_idempotent(&method),
            method,
            path: path.to_string(),
            headers: Vec::new(),
            body: None,
        }
    }

    async fn execute(
        &self,
        request: UpstreamRequest<'_>,
    ) -> Result<UpstreamResponse, UpstreamError> {
        let url = self.resolve(&request.path)?;
        let credential = self.inner.config.credentials.resolve().await?;
        let mut prepared = Prepared {
            headers: default_headers(&request.headers)?,
            cache_key: cache_key(&credential.key, &url, &request.headers),
            redactor: Redactor::new(credential.token.as_deref()),
            credential,
            method: request.method,
            url,
            body: request.body,
            idempotent: request.idempotent,
        };
        let cached = self.cached(&prepared).await;
        let mut waited = Duration::ZERO;
        let mut reminted = false;
        for attempt in 1.. {
            if let Some(limiter) = &self.inner.limiter {
                let started = std::time::Instant::now();
                limiter.ready(&prepared.credential.key).await;
                let held = started.elapsed();
                if held >= Duration::from_millis(250) {
                    client_log::notice(
                        "upstream",
                        format!(
                            "{} {}: waited {:.1} s for the configured rate limit",
                            prepared.method,
                            prepared.url.path(),
                            held.as_secs_f64()
                        ),
                    )
                    .await;
                }
            }
            let failed = match self.attempt(&prepared, cached.as_deref(), attempt).await {
                Ok(response) => return Ok(response),
                Err(failed) => failed,
            };
            if !reminted && self.remint_after(&failed.error, &mut prepared).await? {
                reminted = true;
                continue;
            }
            let Some(failure) = failed.failure else {
                return Err(failed.error);
            };
            match self
                .inner
                .config
                .retry
                .decide(prepared.idempotent, attempt, waited, failure)
            {
                Decision::RetryAfter(wait) => {
                    tracing::debug!(method = %prepared.method, url = %prepared.url, attempt, ?wait, "retrying upstream request");
                    client_log::warning(
                        "upstream",
                        format!(
                            "{} {}: {}; retrying in {:.1} s (attempt {} failed)",
                            prepared.method,
                            prepared.url.path(),
                            failed.error,
                            wait.as_secs_f64(),
                            attempt
                        ),
                    )
                    .await;
                    tokio::time::sleep(wait).await;
                    waited += wait;
                }
                Decision::GiveUp => return Err(failed.error),
            }
        }
        unreachable!("the retry loop returns")
    }

    /// Joins a relative path onto the base URL; accepts an absolute URL only on the
    /// base URL's origin, so the token is never sent elsewhere.
    pub fn resolve(&self, path: &str) -> Result<Url, UpstreamError> {
        let base = &self.inner.base;
        let invalid = |reason: &str| UpstreamError::InvalidUrl {
            url: path.to_string(),
            reason: reason.to_string(),
        };
        if path.starts_with("http://") || path.starts_with("https://") {
            let url = Url::parse(path).map_err(|e| invalid(&e.to_string()))?;
            if url.origin() != base.origin() {
                return Err(invalid(
                    "not on the configured upstream's origin; refusing to send the token there",
                ));
            }
            return Ok(url);
        }
        let joined = format!(
            "{}/{}",
            base.as_str().trim_end_matches('/'),
            path.trim_start_matches('/')
        );
        Url::parse(&joined).map_err(|e| invalid(&e.to_string()))
    }

    /// A minted token the upstream refused (it expired early, or was revoked) is
    /// replaced once: the source forgets it and mints another. A 401 means the
    /// request was not carried out, so resending even a write duplicates nothing.
    async fn remint_after(
        &self,
        error: &UpstreamError,
        prepared: &mut Prepared,
    ) -> Result<bool, UpstreamError> {
        let (UpstreamError::Unauthorized { .. }, Credentials::Minted(source)) =
            (error, &self.inner.config.credentials)
        else {
            return Ok(false);
        };
        if let Some(token) = &prepared.credential.token {
            source.refused(token).await;
        }
        prepared.credential = self.inner.config.credentials.resolve().await?;
        prepared.redactor = Redactor::new(prepared.credential.token.as_deref());
        Ok(true)
    }

    async fn cached(&self, prepared: &Prepared) -> Option<Arc<CachedResponse>> {
        if prepared.method != Method::GET {
            return None;
        }
        self.inner.cache.as_ref()?.get(&prepared.cache_key).await
    }

    async fn attempt(
        &self,
        prepared: &Prepared,
        cached: Option<&CachedResponse>,
        attempt: u32,
    ) -> Result<UpstreamResponse, Failed> {
        let Prepared { method, url, .. } = prepared;
        tracing::debug!(%method, url = %url, attempt, "upstream request");
        let mut request = self.inner.http.request(method.clone(), url.clone());
        if let Some(token) = &prepared.credential.token {
            request = request.bearer_auth(token);
        }
        request = request.headers(prepared.headers.clone());
        if let Some(entry) = cached {
            request = request.headers(entry.conditional_headers());
        }
        if let Some(body) = &prepared.body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| self.transport_failure(prepared, &e, attempt))?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.transport_failure(prepared, &e, attempt))?;
        if status == StatusCode::NOT_MODIFIED
            && let Some(entry) = cached
        {
            return Ok(UpstreamResponse {
                url: url.to_string(),
                status: StatusCode::OK,
                headers: ResponseCache::refreshed(entry, &headers),
                body: entry.body.clone(),
                from_cache: true,
            });
        }
        if status.is_success() {
            if *method == Method::GET
                && is_cacheable(&headers)
                && let Some(cache) = &self.inner.cache
            {
                cache
                    .put(&prepared.cache_key, headers.clone(), bytes.clone())
                    .await;
            }
            return Ok(UpstreamResponse {
                url: url.to_string(),
                status,
                headers,
                body: bytes,
                from_cache: false,
            });
        }
        Err(self.status_failure(prepared, status, &headers, &bytes, attempt))
    }

    fn transport_failure(
        &self,
        prepared: &Prepared,
        error: &reqwest::Error,
        attempt: u32,
    ) -> Failed {
        let (method, url) = (&prepared.method, prepared.url.to_string());
        let idempotent = prepared.idempotent;
        if !idempotent && !error.is_connect() {
            let error = UpstreamError::OutcomeUnknown {
                method: method.clone(),
                url,
            };
            return Failed {
                failure: None,
                error,
            };
        }
        let error = if error.is_timeout() {
            UpstreamError::Timeout {
                url,
                attempts: attempt,
            }
        } else {
            let detail = prepared.redactor.scrub(&error_chain(error));
            UpstreamError::Network { url, detail }
        };
        Failed {
            failure: idempotent.then_some(Failure::Transient),
            error,
        }
    }

    fn status_failure(
        &self,
        prepared: &Prepared,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        attempt: u32,
    ) -> Failed {
        let text = prepared.redactor.scrub(&String::from_utf8_lossy(body));
        let failure = retry::classify(status.as_u16(), headers, &text);
        let error = Status {
            url: prepared.url.as_str(),
            status: status.as_u16(),
            headers,
            body: &text,
            attempts: attempt,
        }
        .error(failure, self.inner.config.on_forbidden);
        Failed { failure, error }
    }
}

/// A request being built: see [`UpstreamClient::request`].
#[must_use = "a request does nothing until `send` is awaited"]
pub struct UpstreamRequest<'a> {
    client: &'a UpstreamClient,
    method: Method,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<serde_json::Value>,
    idempotent: bool,
}

impl UpstreamRequest<'_> {
    /// Adds a header for this request only (e.g. `accept` for a raw diff). Such
    /// headers are part of the cache key, so variants are cached apart.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sends `body` as JSON.
    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Overrides the retry class the method implies: mark a read sent as POST
    /// (Notion's search and query) idempotent so it is retried like a GET.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Sends the request through the limiter, cache and retry policy.
    pub async fn send(self) -> Result<UpstreamResponse, UpstreamError> {
        self.client.execute(self).await
    }
}

/// A request resolved and ready for its attempts.
struct Prepared {
    method: Method,
    url: Url,
    headers: HeaderMap,
    body: Option<serde_json::Value>,
    idempotent: bool,
    cache_key: String,
    credential: Resolved,
    redactor: Redactor,
}

/// The cache key: the credential's key (so no one is served what was fetched with
/// another's token), the URL, plus any per-request headers (a diff and the JSON of
/// the same URL are different entries).
fn cache_key(credential: &str, url: &Url, headers: &[(String, String)]) -> String {
    let mut key = format!("{credential} {url}");
    for (name, value) in headers {
        key.push_str(&format!("\n{}: {value}", name.to_ascii_lowercase()));
    }
    key
}

/// `extra` as a header map, each name and value checked.
pub(crate) fn default_headers(extra: &[(String, String)]) -> Result<HeaderMap, UpstreamError> {
    let mut headers = HeaderMap::new();
    for (name, value) in extra {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| UpstreamError::Config(format!("header name {name:?}: {e}")))?;
        let value = HeaderValue::from_str(value)
            .map_err(|e| UpstreamError::Config(format!("value of header {name}: {e}")))?;
        headers.insert(name, value);
    }
    Ok(headers)
}

fn error_chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// An error response, its body already scrubbed.
struct Status<'a> {
    url: &'a str,
    status: u16,
    headers: &'a HeaderMap,
    body: &'a str,
    attempts: u32,
}

impl Status<'_> {
    /// The actionable error for this response, which [`retry::classify`] judged
    /// `failure`; `on_forbidden` refines a 403.
    fn error(
        &self,
        failure: Option<Failure>,
        on_forbidden: Option<ForbiddenHook>,
    ) -> UpstreamError {
        let (status, body) = (self.status, self.body);
        let url = self.url.to_string();
        if let Some(retry_after) = failure.and_then(Failure::rate_limit_retry_after) {
            return UpstreamError::RateLimited {
                url,
                status,
                retry_after,
            };
        }
        let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        match status {
            401 => UpstreamError::Unauthorized { url },
            403 => {
                let message = body_message(&json, body);
                on_forbidden
                    .and_then(|hook| hook(&url, self.headers, &message))
                    .unwrap_or(UpstreamError::Forbidden { url, message })
            }
            404 => UpstreamError::NotFound { url },
            422 => UpstreamError::Validation {
                url,
                status,
                errors: validation_errors(&json, body),
            },
            400 if json["code"] == "validation_error" => UpstreamError::Validation {
                url,
                status,
                errors: validation_errors(&json, body),
            },
            _ => UpstreamError::Status {
                url,
                status,
                attempts: self.attempts,
                message: body_message(&json, body),
            },
        }
    }
}

/// The body's `message`, or its first 300 characters.
fn body_message(json: &serde_json::Value, body: &str) -> String {
    match json["message"].as_str() {
        Some(message) => message.to_string(),
        None => body.chars().take(300).collect(),
    }
}

/// GitHub's `errors` entries (strings or `{resource, field, code, message}`), or
/// the body's message when there are none.
fn validation_errors(json: &serde_json::Value, body: &str) -> Vec<String> {
    let entries = json["errors"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let errors: Vec<String> = entries.iter().map(describe_validation_error).collect();
    if errors.is_empty() {
        vec![body_message(json, body)]
    } else {
        errors
    }
}

fn describe_validation_error(entry: &serde_json::Value) -> String {
    if let Some(text) = entry.as_str() {
        return text.to_string();
    }
    if let Some(message) = entry["message"].as_str() {
        return message.to_string();
    }
    let field = |key: &str| entry[key].as_str().unwrap_or("?").to_string();
    format!(
        "{} {}: {}",
        field("resource"),
        field("field"),
        field("code")
    )
}

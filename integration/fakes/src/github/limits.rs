//! What GitHub does around every API answer: check the token (401 `Bad
//! credentials`) and answer as its user (`callers`), count the request against its primary rate limit (`core`
//! 5,000/h, `search` 30/min, `code_search` 10/min; exhausted: 403 or 429 with
//! `x-ratelimit-remaining: 0`; `graphql` 5,000/h, spent: a 200 with a
//! `RATE_LIMITED` error), tag GET answers with a weak `etag` (and
//! `last-modified` when the body has `updated_at`), answer a matching
//! `If-None-Match` / `If-Modified-Since` with a 304 that is not counted, and put
//! the rate-limit and OAuth-scope headers on every answer.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::GithubState;
use super::callers::{self, Caller};
use super::reply;
use super::time;
use crate::faults::SeenUser;

/// Paths served without a token or rate limit (the signed log URLs).
pub const UNGUARDED_PREFIX: &str = "/_logs/";
/// Paths a GitHub App reaches with its JWT, which their route checks itself.
pub const APP_PREFIX: &str = "/app/";

/// Scopes the demo token claims to have.
pub const TOKEN_SCOPES: &str = "repo, read:org, notifications, workflow";

/// A rate-limit bucket GitHub reports in `x-ratelimit-resource`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Core,
    Search,
    CodeSearch,
    /// GitHub's GraphQL API (`POST /graphql`): 5,000 points an hour, apart from REST.
    Graphql,
}

impl Resource {
    pub fn of(path: &str) -> Self {
        if path == "/graphql" {
            Self::Graphql
        } else if path.starts_with("/search/code") {
            Self::CodeSearch
        } else if path.starts_with("/search/") {
            Self::Search
        } else {
            Self::Core
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Core => "core",
            Self::Search => "search",
            Self::CodeSearch => "code_search",
            Self::Graphql => "graphql",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Core, Self::Search, Self::CodeSearch, Self::Graphql]
            .into_iter()
            .find(|r| r.name() == name)
    }
}

/// One bucket: `limit` requests per `window` seconds, reset at `reset`.
#[derive(Debug, Clone)]
struct Bucket {
    limit: u64,
    used: u64,
    reset: i64,
    window: i64,
}

impl Bucket {
    fn new(limit: u64, window: i64) -> Self {
        Self {
            limit,
            used: 0,
            reset: time::now() + window,
            window,
        }
    }

    fn roll(&mut self) {
        let now = time::now();
        if now >= self.reset {
            self.used = 0;
            self.reset = now + self.window;
        }
    }
}

/// A bucket's state as the headers report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitInfo {
    pub resource: Resource,
    pub limit: u64,
    pub remaining: u64,
    pub used: u64,
    /// Epoch seconds when the window resets.
    pub reset: i64,
}

/// The primary rate limits of the (one) viewer.
#[derive(Debug, Clone)]
pub struct Limits {
    core: Bucket,
    search: Bucket,
    code_search: Bucket,
    graphql: Bucket,
    /// 403 (GitHub's usual) or 429 when a bucket is exhausted.
    pub exhausted_status: u16,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            core: Bucket::new(5000, 3600),
            search: Bucket::new(30, 60),
            code_search: Bucket::new(10, 60),
            graphql: Bucket::new(5000, 3600),
            exhausted_status: 403,
        }
    }
}

impl Limits {
    fn bucket(&mut self, resource: Resource) -> &mut Bucket {
        match resource {
            Resource::Core => &mut self.core,
            Resource::Search => &mut self.search,
            Resource::CodeSearch => &mut self.code_search,
            Resource::Graphql => &mut self.graphql,
        }
    }

    /// Sets a bucket's limit and starts a fresh window.
    pub fn set_limit(&mut self, resource: Resource, limit: u64) {
        let bucket = self.bucket(resource);
        *bucket = Bucket::new(limit, bucket.window);
    }

    pub fn info(&mut self, resource: Resource) -> RateLimitInfo {
        let bucket = self.bucket(resource);
        bucket.roll();
        RateLimitInfo {
            resource,
            limit: bucket.limit,
            remaining: bucket.limit.saturating_sub(bucket.used),
            used: bucket.used,
            reset: bucket.reset,
        }
    }

    /// Counts one request; `Err` when the bucket is already empty.
    fn take(&mut self, resource: Resource) -> Result<RateLimitInfo, RateLimitInfo> {
        let info = self.info(resource);
        if info.remaining == 0 {
            return Err(info);
        }
        self.bucket(resource).used += 1;
        Ok(self.info(resource))
    }

    /// Gives back a request that turned out not to count (a 304).
    fn refund(&mut self, resource: Resource) -> RateLimitInfo {
        let bucket = self.bucket(resource);
        bucket.used = bucket.used.saturating_sub(1);
        self.info(resource)
    }
}

static REQUEST_IDS: AtomicU64 = AtomicU64::new(0x1000);

/// The middleware in front of the API routes (inside the fault layer, so the
/// record sees the 304s it produces, and which user each request came from).
pub async fn guard(State(state): State<GithubState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if path.starts_with(UNGUARDED_PREFIX) || path.starts_with(APP_PREFIX) {
        return next.run(request).await;
    }
    let resource = Resource::of(&path);
    let request_id = format!(
        "F4KE:{:04X}:{:06X}",
        std::process::id() & 0xFFFF,
        REQUEST_IDS.fetch_add(1, Ordering::Relaxed)
    );
    let Some(caller) = state.caller(bearer(request.headers())) else {
        let mut response = reply::error(StatusCode::UNAUTHORIZED, "Bad credentials", reply::DOCS);
        let anonymous = RateLimitInfo {
            resource,
            limit: 60,
            remaining: 59,
            used: 1,
            reset: time::now() + 3600,
        };
        stamp_rate(response.headers_mut(), &anonymous);
        put(response.headers_mut(), "x-github-request-id", &request_id);
        return response;
    };
    let user = SeenUser(caller.login.clone());
    let mut response = counted(&state, caller, request, next, &request_id).await;
    response.extensions_mut().insert(user);
    response
}

/// Answers an authenticated request as `caller`: counted against its bucket,
/// tagged with an ETag computed from the body this caller gets (so a 304 only
/// answers a validator of that very body), and stamped with GitHub's headers.
async fn counted(
    state: &GithubState,
    caller: Caller,
    request: Request,
    next: Next,
    request_id: &str,
) -> Response {
    let path = request.uri().path().to_string();
    let resource = Resource::of(&path);
    let method = request.method().clone();
    let validators = Validators::of(request.headers());
    let taken = state.limits().take(resource);
    if let Err(info) = taken
        && !(method == Method::GET && validators.any())
    {
        return exhausted(state, info, request_id);
    }
    let response = callers::serve_as(caller, next.run(request)).await;
    let (mut response, not_modified) = revalidate(response, &method, &validators).await;
    let info = match taken {
        Ok(_) if not_modified => state.limits().refund(resource),
        Ok(info) => info,
        Err(info) if not_modified => info,
        Err(info) => return exhausted(state, info, request_id),
    };
    let headers = response.headers_mut();
    stamp_rate(headers, &info);
    put(headers, "x-oauth-scopes", TOKEN_SCOPES);
    put(headers, "x-accepted-oauth-scopes", accepted_scopes(&path));
    put(headers, "x-github-api-version-selected", "2022-11-28");
    put(headers, "x-github-request-id", request_id);
    if !headers.contains_key("x-github-media-type") {
        put(headers, "x-github-media-type", "github.v3; format=json");
    }
    response
}

/// The outermost middleware. It runs the request to completion on its own task,
/// so a client that gives up (a timeout) does not cancel it: as on GitHub, the
/// write still happens and the fault record still sees the request. Answers
/// produced by injected faults get the rate headers too (without being counted).
pub async fn stamp(State(state): State<GithubState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let mut response = match tokio::spawn(next.run(request)).await {
        Ok(response) => response,
        Err(_) => reply::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Server Error",
            reply::DOCS,
        ),
    };
    if !path.starts_with(UNGUARDED_PREFIX)
        && !path.starts_with("/_fake/")
        && !response.headers().contains_key("x-ratelimit-limit")
    {
        let info = state.limits().info(Resource::of(&path));
        stamp_rate(response.headers_mut(), &info);
    }
    response
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token"))
        .then(|| token.trim())
}

fn accepted_scopes(path: &str) -> &'static str {
    if path.starts_with("/notifications") {
        "notifications, repo"
    } else if path.starts_with("/repos/") || path.ends_with("/repos") {
        "repo"
    } else {
        ""
    }
}

fn put(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(HeaderName::from_static(name), value);
    }
}

fn stamp_rate(headers: &mut HeaderMap, info: &RateLimitInfo) {
    put(headers, "x-ratelimit-limit", &info.limit.to_string());
    put(
        headers,
        "x-ratelimit-remaining",
        &info.remaining.to_string(),
    );
    put(headers, "x-ratelimit-used", &info.used.to_string());
    put(headers, "x-ratelimit-reset", &info.reset.to_string());
    put(headers, "x-ratelimit-resource", info.resource.name());
}

/// The answer once a bucket is empty.
fn exhausted(state: &GithubState, info: RateLimitInfo, request_id: &str) -> Response {
    let status =
        StatusCode::from_u16(state.limits().exhausted_status).unwrap_or(StatusCode::FORBIDDEN);
    if info.resource == Resource::Graphql {
        // GraphQL answers a spent limit with a 200 and a RATE_LIMITED error.
        let message = format!(
            "API rate limit already exceeded for user ID {}.",
            state.viewer_id()
        );
        let body = serde_json::json!({"errors": [{"type": "RATE_LIMITED", "message": message}]});
        let mut response = reply::json(&body);
        stamp_rate(response.headers_mut(), &info);
        put(response.headers_mut(), "x-github-request-id", request_id);
        return response;
    }
    let message = format!(
        "API rate limit exceeded for user ID {}. If you reach out to GitHub Support for help, please include the request ID {request_id}.",
        state.viewer_id()
    );
    let mut response = reply::error(status, &message, reply::RATE_LIMIT_DOCS);
    stamp_rate(response.headers_mut(), &info);
    put(response.headers_mut(), "x-github-request-id", request_id);
    response
}

/// The validators a conditional request carried.
struct Validators {
    if_none_match: Option<String>,
    if_modified_since: Option<i64>,
}

impl Validators {
    fn of(headers: &HeaderMap) -> Self {
        let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
        Self {
            if_none_match: text(header::IF_NONE_MATCH).map(str::to_string),
            if_modified_since: text(header::IF_MODIFIED_SINCE).and_then(time::parse_http_date),
        }
    }

    fn any(&self) -> bool {
        self.if_none_match.is_some() || self.if_modified_since.is_some()
    }

    /// Whether the client's copy is current. `If-None-Match` wins when present.
    fn fresh(&self, etag: &str, modified: Option<i64>) -> bool {
        if let Some(tags) = &self.if_none_match {
            let bare = |t: &str| t.trim().trim_start_matches("W/").to_string();
            return tags
                .split(',')
                .any(|t| t.trim() == "*" || bare(t) == bare(etag));
        }
        match (self.if_modified_since, modified) {
            (Some(since), Some(modified)) => modified <= since,
            _ => false,
        }
    }
}

/// Tags a successful GET with `etag` (and `last-modified`), and turns it into a
/// 304 when the client's validators match. Returns whether it did.
async fn revalidate(
    response: Response,
    method: &Method,
    validators: &Validators,
) -> (Response, bool) {
    if *method != Method::GET || response.status() != StatusCode::OK {
        return (response, false);
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR.into_response(), false);
    };
    let etag = format!("W/\"{}\"", hex(&Sha256::digest(&bytes)[..16]));
    let modified = last_modified(&parts.headers, &bytes);
    put(&mut parts.headers, "etag", &etag);
    if let Some(t) = modified {
        put(&mut parts.headers, "last-modified", &time::http_date(t));
    }
    put(
        &mut parts.headers,
        "cache-control",
        "private, max-age=60, s-maxage=60",
    );
    put(
        &mut parts.headers,
        "vary",
        "Accept, Authorization, Cookie, X-GitHub-OTP, Accept-Encoding",
    );
    if validators.fresh(&etag, modified) {
        let mut not_modified = Response::new(Body::empty());
        *not_modified.status_mut() = StatusCode::NOT_MODIFIED;
        for name in [
            "etag",
            "last-modified",
            "cache-control",
            "vary",
            "x-github-media-type",
        ] {
            if let Some(v) = parts.headers.get(name) {
                not_modified.headers_mut().insert(name, v.clone());
            }
        }
        return (not_modified, true);
    }
    (Response::from_parts(parts, Body::from(bytes)), false)
}

/// A single JSON object's `updated_at`, for `last-modified`.
fn last_modified(headers: &HeaderMap, bytes: &[u8]) -> Option<i64> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if !json || bytes.first() != Some(&b'{') {
        return None;
    }
    let value: Value = serde_json::from_slice(bytes).ok()?;
    time::parse_iso(value.get("updated_at")?.as_str()?)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_count_refund_and_run_out() {
        let mut limits = Limits::default();
        limits.set_limit(Resource::Search, 2);
        assert_eq!(limits.take(Resource::Search).unwrap().remaining, 1);
        assert_eq!(limits.refund(Resource::Search).remaining, 2);
        limits.take(Resource::Search).unwrap();
        limits.take(Resource::Search).unwrap();
        let info = limits.take(Resource::Search).unwrap_err();
        assert_eq!((info.remaining, info.used, info.limit), (0, 2, 2));
        assert_eq!(limits.info(Resource::Core).limit, 5000);
        assert_eq!(Resource::of("/search/code"), Resource::CodeSearch);
        assert_eq!(Resource::of("/search/issues"), Resource::Search);
        assert_eq!(Resource::of("/repos/o/r"), Resource::Core);
    }

    #[test]
    fn validators_match_weak_and_strong_tags() {
        let v = Validators {
            if_none_match: Some("\"abc\", W/\"def\"".into()),
            if_modified_since: None,
        };
        assert!(v.fresh("W/\"abc\"", None));
        assert!(v.fresh("W/\"def\"", None));
        assert!(!v.fresh("W/\"xyz\"", None));
        let since = Validators {
            if_none_match: None,
            if_modified_since: Some(100),
        };
        assert!(since.fresh("x", Some(100)));
        assert!(!since.fresh("x", Some(101)));
    }
}

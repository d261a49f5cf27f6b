//! The upstream client against a local fake API (127.0.0.1 only, never the internet).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use shared::upstream::{
    Credentials, HeaderMap as UpstreamHeaders, Method, RateLimit, RetryPolicy, UpstreamClient,
    UpstreamConfig, UpstreamError, paginate_link,
};

const TOKEN: &str = "ghp_TESTSECRET0123456789";

/// What the fake saw, per route.
#[derive(Default)]
struct Fake {
    counts: Mutex<HashMap<String, usize>>,
    if_none_match: Mutex<Vec<String>>,
}

impl Fake {
    /// Counts a request to `key` and returns how many it has seen, this one included.
    fn hit(&self, key: &str) -> usize {
        let mut counts = self.counts.lock().unwrap();
        let n = counts.entry(key.to_string()).or_default();
        *n += 1;
        *n
    }

    fn count(&self, key: &str) -> usize {
        self.counts.lock().unwrap().get(key).copied().unwrap_or(0)
    }
}

type Shared = State<Arc<Fake>>;

async fn flaky(State(f): Shared, Path(fails): Path<usize>) -> Response {
    if f.hit("flaky") <= fails {
        return (StatusCode::BAD_GATEWAY, "upstream hiccup").into_response();
    }
    Json(json!({"ok": true})).into_response()
}

async fn always500(State(f): Shared) -> Response {
    f.hit("always500");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(json!({"message": "boom"})),
    )
        .into_response()
}

async fn rate(State(f): Shared, Path(secs): Path<u64>) -> Response {
    if f.hit("rate") == 1 {
        let headers = [("retry-after", secs.to_string())];
        return (StatusCode::TOO_MANY_REQUESTS, headers, "slow down").into_response();
    }
    Json(json!({"ok": true})).into_response()
}

async fn reset(State(f): Shared) -> Response {
    if f.hit("reset") == 1 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let headers = [
            ("x-ratelimit-remaining", "0".to_string()),
            ("x-ratelimit-reset", (now + 1).to_string()),
        ];
        let body = Json(json!({"message": "API rate limit exceeded"}));
        return (StatusCode::FORBIDDEN, headers, body).into_response();
    }
    Json(json!({"ok": true})).into_response()
}

async fn etag(State(f): Shared, headers: HeaderMap) -> Response {
    f.hit("etag");
    if let Some(tag) = headers.get("if-none-match") {
        let tag = tag.to_str().unwrap().to_string();
        f.if_none_match.lock().unwrap().push(tag.clone());
        if tag == "\"v1\"" {
            return (StatusCode::NOT_MODIFIED, [("etag", "\"v1\"")]).into_response();
        }
    }
    ([("etag", "\"v1\"")], Json(json!({"value": 42}))).into_response()
}

async fn items(
    State(f): Shared,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, usize>>,
) -> Response {
    f.hit("items");
    let (total, page, per_page) = (250, q.get("page").copied().unwrap_or(1), q["per_page"]);
    let from = (page - 1) * per_page;
    let to = (from + per_page).min(total);
    let body: Vec<usize> = (from..to).collect();
    if to >= total {
        return Json(body).into_response();
    }
    let host = headers["host"].to_str().unwrap();
    let link = format!(
        "<http://{host}/items?per_page={per_page}&page={}>; rel=\"next\", <http://{host}/items?per_page={per_page}&page=3>; rel=\"last\"",
        page + 1
    );
    ([("link", link)], Json(body)).into_response()
}

async fn slow(State(f): Shared) -> Response {
    f.hit("slow");
    tokio::time::sleep(Duration::from_secs(2)).await;
    Json(json!({"id": 1})).into_response()
}

async fn fast(State(f): Shared) -> Response {
    f.hit("fast");
    Json(json!({"ok": true})).into_response()
}

async fn status(Path(code): Path<u16>, headers: HeaderMap) -> Response {
    let status = StatusCode::from_u16(code).unwrap();
    match code {
        401 => (status, Json(json!({"message": "Bad credentials"}))).into_response(),
        403 => {
            let scopes = [
                ("x-accepted-oauth-scopes", "repo"),
                ("x-oauth-scopes", "read:user, gist"),
            ];
            (
                status,
                scopes,
                Json(json!({"message": "Resource not accessible"})),
            )
                .into_response()
        }
        422 => {
            let errors = json!([
                {"resource": "Issue", "field": "title", "code": "missing_field"},
                {"message": "labels must be an array"}
            ]);
            let body = json!({"message": "Validation Failed", "errors": errors});
            (status, Json(body)).into_response()
        }
        _ => {
            // A careless upstream echoing the credentials back.
            let auth = headers
                .get("authorization")
                .map(|v| v.to_str().unwrap().to_string());
            (
                status,
                Json(json!({"message": format!("bad request: {auth:?}")})),
            )
                .into_response()
        }
    }
}

/// A 503 that says when to come back, the first time only.
async fn unavailable(State(f): Shared) -> Response {
    if f.hit("unavailable") == 1 {
        let headers = [("retry-after", "1")];
        return (StatusCode::SERVICE_UNAVAILABLE, headers, "overloaded").into_response();
    }
    Json(json!({"ok": true})).into_response()
}

/// Answers in the media type asked for, with a different ETag per variant.
async fn negotiated(State(f): Shared, headers: HeaderMap) -> Response {
    let diff = headers["accept"].to_str().unwrap().contains("diff");
    f.hit(if diff { "diff" } else { "json" });
    let tag = if diff { "\"d1\"" } else { "\"j1\"" };
    if headers.get("if-none-match").is_some_and(|v| v == tag) {
        return (StatusCode::NOT_MODIFIED, [("etag", tag)]).into_response();
    }
    if diff {
        ([("etag", tag)], "diff --git a/x b/x").into_response()
    } else {
        ([("etag", tag)], Json(json!({"number": 1}))).into_response()
    }
}

async fn start() -> (String, Arc<Fake>) {
    let fake = Arc::new(Fake::default());
    let app = Router::new()
        .route("/flaky/{fails}", get(flaky))
        .route("/always500", get(always500).post(always500))
        .route("/rate/{secs}", get(rate).post(rate))
        .route("/flaky/{fails}/post", axum::routing::post(flaky))
        .route("/negotiated", get(negotiated))
        .route("/unavailable", get(unavailable).post(unavailable))
        .route("/reset", get(reset))
        .route("/etag", get(etag))
        .route("/items", get(items))
        .route("/slow", get(slow).post(slow))
        .route("/fast", get(fast))
        .route("/redirect", get(|| async { Redirect::temporary("/fast") }))
        .route("/status/{code}", get(status))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), fake)
}

/// A client with a token, quick retries, a short timeout and no rate limit.
fn config(base: &str) -> UpstreamConfig {
    let mut config = UpstreamConfig::new(base);
    config.credentials = Credentials::server(Some(TOKEN.to_string()));
    config.total_timeout = Duration::from_millis(300);
    config.retry = RetryPolicy {
        max_attempts: 4,
        max_total_wait: Duration::from_secs(5),
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        max_rate_limit_wait: Duration::from_secs(10),
    };
    config
}

async fn client() -> (UpstreamClient, Arc<Fake>) {
    let (base, fake) = start().await;
    (UpstreamClient::new(config(&base)).unwrap(), fake)
}

#[tokio::test]
async fn get_is_retried_on_5xx_until_it_succeeds() {
    let (client, fake) = client().await;
    let body: serde_json::Value = client.get_json("/flaky/2").await.unwrap();
    assert_eq!(body["ok"], true);
    assert_eq!(fake.count("flaky"), 3);
}

#[tokio::test]
async fn get_gives_up_after_max_attempts() {
    let (client, fake) = client().await;
    let err = client.get("/always500").await.unwrap_err();
    assert!(
        matches!(
            err,
            UpstreamError::Status {
                status: 500,
                attempts: 4,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(fake.count("always500"), 4);
}

#[tokio::test]
async fn post_is_never_retried_on_5xx() {
    let (client, fake) = client().await;
    let err = client
        .send(Method::POST, "/always500", Some(&json!({"title": "x"})))
        .await;
    assert!(err.is_err());
    assert_eq!(fake.count("always500"), 1);
}

#[tokio::test]
async fn post_timeout_is_not_retried_and_reports_unknown_outcome() {
    let (client, fake) = client().await;
    let err = client
        .send(Method::POST, "/slow", Some(&json!({"title": "new issue"})))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, UpstreamError::OutcomeUnknown { .. }),
        "{err:?}"
    );
    assert!(text.contains("outcome unknown"), "{text}");
    assert!(text.contains("check whether it was created"), "{text}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        fake.count("slow"),
        1,
        "exactly one request reached the server"
    );
}

#[tokio::test]
async fn get_timeout_is_retried_then_reported() {
    let (client, fake) = client().await;
    let err = client.get("/slow").await.unwrap_err();
    assert!(
        matches!(err, UpstreamError::Timeout { attempts: 4, .. }),
        "{err:?}"
    );
    assert_eq!(fake.count("slow"), 4);
}

#[tokio::test]
async fn short_retry_after_is_waited_out() {
    let (client, fake) = client().await;
    let started = Instant::now();
    client.get("/rate/1").await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(fake.count("rate"), 2);
}

#[tokio::test]
async fn long_retry_after_fails_fast_saying_when() {
    let (client, fake) = client().await;
    let started = Instant::now();
    let err = client.get("/rate/120").await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(fake.count("rate"), 1);
    assert!(err.to_string().contains("retry after 120 s"), "{err}");
}

#[tokio::test]
async fn exhausted_primary_limit_waits_for_reset() {
    let (client, fake) = client().await;
    client.get("/reset").await.unwrap();
    assert_eq!(fake.count("reset"), 2);
}

#[tokio::test]
async fn etag_revalidation_serves_the_cached_body_on_304() {
    let (client, fake) = client().await;
    let first = client.get("/etag").await.unwrap();
    assert!(!first.from_cache);
    let second = client.get("/etag").await.unwrap();
    assert!(second.from_cache);
    assert_eq!(second.body, first.body);
    assert_eq!(second.json::<serde_json::Value>().unwrap()["value"], 42);
    assert_eq!(fake.count("etag"), 2);
    assert_eq!(
        *fake.if_none_match.lock().unwrap(),
        vec!["\"v1\"".to_string()]
    );
}

#[tokio::test]
async fn link_pagination_of_250_items_takes_3_requests() {
    let (client, fake) = client().await;
    let page = paginate_link::<u32>(&client, "/items?per_page=100", None, 1000)
        .await
        .unwrap();
    assert_eq!(page.items, (0..250).collect::<Vec<_>>());
    assert!(!page.more && page.next.is_none());
    assert_eq!(fake.count("items"), 3);
}

#[tokio::test]
async fn link_pagination_stops_at_the_bound_and_resumes_without_gaps() {
    let (client, _fake) = client().await;
    let first = paginate_link::<u32>(&client, "/items?per_page=100", None, 150)
        .await
        .unwrap();
    assert_eq!(first.items, (0..150).collect::<Vec<_>>());
    assert!(first.more);
    let token = first.next.unwrap();
    let rest = paginate_link::<u32>(&client, &token, None, 1000)
        .await
        .unwrap();
    assert_eq!(rest.items, (150..250).collect::<Vec<_>>());
    assert!(!rest.more);
}

#[tokio::test]
async fn limiter_spaces_a_burst() {
    let (base, fake) = start().await;
    let mut config = config(&base);
    config.rate_limit = Some(RateLimit::new(10, 2));
    let client = UpstreamClient::new(config).unwrap();
    let started = Instant::now();
    let calls: Vec<_> = (0..12)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.get("/fast").await.unwrap() })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let early = fake.count("fast");
    assert!(
        early <= 2 + 4 + 1,
        "{early} requests in the first 400 ms at 10/s, burst 2"
    );
    for call in calls {
        call.await.unwrap();
    }
    assert_eq!(fake.count("fast"), 12);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn redirects_are_followed() {
    let (client, fake) = client().await;
    client.get("/redirect").await.unwrap();
    assert_eq!(fake.count("fast"), 1);
}

#[tokio::test]
async fn absolute_urls_off_the_base_origin_are_refused() {
    let (client, _fake) = client().await;
    let err = client.get("https://evil.example/steal").await.unwrap_err();
    assert!(matches!(err, UpstreamError::InvalidUrl { .. }), "{err:?}");
}

async fn error_for(client: &UpstreamClient, code: u16) -> UpstreamError {
    client.get(&format!("/status/{code}")).await.unwrap_err()
}

#[tokio::test]
async fn a_403_is_refined_by_the_configured_hook() {
    fn hook(url: &str, headers: &UpstreamHeaders, message: &str) -> Option<UpstreamError> {
        let scopes = headers.get("x-accepted-oauth-scopes")?.to_str().ok()?;
        Some(UpstreamError::Forbidden {
            url: url.to_string(),
            message: format!("{message} [needs {scopes}]"),
        })
    }
    let (base, _fake) = start().await;
    let mut config = config(&base);
    config.on_forbidden = Some(hook);
    let client = UpstreamClient::new(config).unwrap();
    let err = error_for(&client, 403).await;
    let UpstreamError::Forbidden { url, message } = &err else {
        panic!("{err:?}");
    };
    assert!(url.ends_with("/status/403"), "{url}");
    assert_eq!(message, "Resource not accessible [needs repo]");
}

#[tokio::test]
async fn error_messages_are_actionable() {
    let (client, _fake) = client().await;
    let text = error_for(&client, 401).await.to_string();
    assert!(text.contains("invalid or expired"), "{text}");
    // A 403 is plain unless the API's hook says more (github-server's names the
    // missing OAuth scope: tested in github_server::upstream).
    let err = error_for(&client, 403).await;
    let UpstreamError::Forbidden { message, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(message, "Resource not accessible");
    let text = error_for(&client, 404).await.to_string();
    assert!(
        text.contains("not found") && text.contains("no access"),
        "{text}"
    );
    let text = error_for(&client, 422).await.to_string();
    assert!(text.contains("Issue title: missing_field"), "{text}");
    assert!(text.contains("labels must be an array"), "{text}");
}

#[tokio::test]
async fn no_token_in_any_error_or_debug_output() {
    let (client, _fake) = client().await;
    let mut outputs = vec![format!("{client:?}"), format!("{:?}", client.config())];
    for code in [400, 401, 403, 404, 422, 500] {
        let err = error_for(&client, code).await;
        outputs.push(err.to_string());
        outputs.push(format!("{err:?}"));
    }
    let err = client.send(Method::POST, "/slow", None).await.unwrap_err();
    outputs.push(format!("{err} {err:?}"));
    assert!(
        outputs[2].contains("[redacted]"),
        "the echoed token was scrubbed: {}",
        outputs[2]
    );
    for output in outputs {
        assert!(!output.contains(TOKEN), "token leaked: {output}");
    }
}

#[tokio::test]
async fn a_rate_limited_post_is_retried_after_the_wait() {
    let (client, fake) = client().await;
    let response = client
        .request(Method::POST, "/rate/1")
        .json(json!({"title": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(fake.count("rate"), 2, "the 429 was refused, so one retry");
}

#[tokio::test]
async fn a_post_marked_idempotent_is_retried_on_5xx() {
    let (client, fake) = client().await;
    let plain = client.send(Method::POST, "/flaky/1/post", None).await;
    assert!(plain.is_err(), "a plain POST is not retried");
    assert_eq!(fake.count("flaky"), 1);
    let read = client
        .request(Method::POST, "/flaky/1/post")
        .idempotent(true)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status, 200);
    assert_eq!(fake.count("flaky"), 2);
}

#[tokio::test]
async fn per_request_headers_are_sent_and_cached_apart() {
    let (client, fake) = client().await;
    let diff = || {
        client
            .request(Method::GET, "/negotiated")
            .header("accept", "application/vnd.github.diff")
    };
    let first = diff().send().await.unwrap();
    assert_eq!(&first.body[..], b"diff --git a/x b/x");
    let json = client.get("/negotiated").await.unwrap();
    assert!(
        !json.from_cache,
        "the JSON variant is not the diff's cache entry"
    );
    assert_eq!(json.json::<serde_json::Value>().unwrap()["number"], 1);
    let again = diff().send().await.unwrap();
    assert!(
        again.from_cache,
        "the diff was revalidated with its own ETag"
    );
    assert_eq!(&again.body[..], b"diff --git a/x b/x");
    assert_eq!((fake.count("diff"), fake.count("json")), (2, 1));
}

#[tokio::test]
async fn a_503_with_retry_after_is_waited_out_for_a_read_only() {
    let (client, fake) = client().await;
    let started = Instant::now();
    let read = client.get("/unavailable").await.unwrap();
    assert_eq!(read.status, 200);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited as asked"
    );
    assert_eq!(fake.count("unavailable"), 2);

    let (client, fake) = self::client().await;
    let write = client.send(Method::POST, "/unavailable", None).await;
    assert!(
        write.is_err(),
        "a write that met a 503 may have acted: not resent"
    );
    assert_eq!(fake.count("unavailable"), 1);
}

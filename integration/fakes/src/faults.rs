//! What every fake shares: a record of the requests it received, and faults a test
//! can inject.
//!
//! [`Faults`] sits in front of a fake's routes as middleware ([`Faults::layer`]).
//! It records each request ([`Seen`]: method, path, query, arrival time, status,
//! whether it was conditional or authorized, and which user the fake took it to
//! come from, when the fake names one with a [`SeenUser`] on its answer) and,
//! following the current [`FaultPlan`], may answer it with a 5xx, a rate limit, a
//! slow answer, or a dropped connection instead. Tests reach it directly from Rust, or over HTTP
//! under `/_fake/` ([`Faults::control_routes`]): `GET /_fake/requests`,
//! `PUT /_fake/faults` (a JSON [`FaultPlan`]), `POST /_fake/reset`.
//!
//! Which GETs fail under `get_5xx_ratio` is decided by a hash of the seed, the URI
//! and how many times that URI was asked before, so the same requests fail in
//! every run whatever order concurrent requests arrive in.

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Builds an API's own error body for a status and message (GitHub and Notion
/// shape their errors differently).
pub type ErrorBody = fn(status: u16, message: &str) -> Value;

/// Faults to inject; all off by default. Replace the whole plan with
/// [`Faults::set_plan`] or `PUT /_fake/faults`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultPlan {
    /// The share of GET requests (0.0 to 1.0) answered 500, 502 or 503.
    pub get_5xx_ratio: f64,
    /// Varies which GETs fail under `get_5xx_ratio`.
    pub seed: u64,
    /// Hold every matching answer this long (after the handler ran, so a write
    /// still takes effect when the client gives up waiting).
    pub delay_ms: u64,
    /// Only delay requests with this method (e.g. "POST"); any when absent.
    pub delay_method: Option<String>,
    /// Only delay requests whose path starts with this; any when absent.
    pub delay_path_prefix: Option<String>,
    /// Answer the next this-many requests with a rate limit (`rate_limit_status`,
    /// 429 unless set, with `retry-after: retry_after_secs`).
    pub rate_limit_next: u32,
    pub rate_limit_status: Option<u16>,
    pub retry_after_secs: u64,
    /// Drop the connection of the next this-many GETs mid-answer.
    pub drop_next_gets: u32,
    /// Answer the next this-many requests of any method (a POST too) whose path
    /// starts with `fail_path_prefix` (any path when absent) with a 502, before
    /// they reach the API.
    pub fail_next: u32,
    pub fail_path_prefix: Option<String>,
}

/// One request as the fake received it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Milliseconds since the fake started (or was last reset).
    pub at_ms: f64,
    /// The status the fake answered (or 0 for a dropped connection).
    pub status: u16,
    /// Carried `If-None-Match` or `If-Modified-Since`.
    pub conditional: bool,
    /// Carried an `Authorization` header (its value is never kept).
    pub authorized: bool,
    /// Carried `If-None-Match` (an ETag revalidation).
    pub if_none_match: bool,
    /// The login of the user whose token authorized the request (never the
    /// token), when the fake accepted one.
    pub user: Option<String>,
}

/// Put on an answer by a fake's own auth layer (a response extension) to say
/// which user the request came from; the record keeps it in [`Seen::user`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenUser(pub String);

/// The record, the plan, and the API's error shape.
pub struct Faults {
    state: Mutex<Record>,
    error_body: ErrorBody,
}

struct Record {
    started: Instant,
    seen: Vec<Seen>,
    plan: FaultPlan,
    /// How many times each GET URI was asked, for the deterministic 5xx choice.
    occurrences: HashMap<String, u64>,
}

/// What the middleware decided for one request.
enum Verdict {
    Pass {
        delay: Option<Duration>,
    },
    Fail(StatusCode),
    RateLimit {
        status: StatusCode,
        retry_after: u64,
    },
    Drop,
}

impl Faults {
    pub fn new(error_body: ErrorBody) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(Record {
                started: Instant::now(),
                seen: Vec::new(),
                plan: FaultPlan::default(),
                occurrences: HashMap::new(),
            }),
            error_body,
        })
    }

    fn record(&self) -> std::sync::MutexGuard<'_, Record> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Replaces the fault plan.
    pub fn set_plan(&self, plan: FaultPlan) {
        self.record().plan = plan;
    }

    pub fn plan(&self) -> FaultPlan {
        self.record().plan.clone()
    }

    /// Forgets the requests seen so far and the fault plan.
    pub fn reset(&self) {
        let mut record = self.record();
        record.started = Instant::now();
        record.seen.clear();
        record.plan = FaultPlan::default();
        record.occurrences.clear();
    }

    /// Every request received since the start or the last reset, in arrival order.
    pub fn requests(&self) -> Vec<Seen> {
        self.record().seen.clone()
    }

    /// How many requests had this method and a path starting with `prefix`.
    pub fn count(&self, method: &str, prefix: &str) -> usize {
        self.record()
            .seen
            .iter()
            .filter(|s| s.method == method && s.path.starts_with(prefix))
            .count()
    }

    /// The most requests that arrived within any span of `window`.
    pub fn max_in_window(&self, window: Duration) -> usize {
        let times: Vec<f64> = self.record().seen.iter().map(|s| s.at_ms).collect();
        let width = window.as_secs_f64() * 1000.0;
        let mut best = 0;
        let mut first = 0;
        for (last, at) in times.iter().enumerate() {
            while at - times[first] >= width {
                first += 1;
            }
            best = best.max(last + 1 - first);
        }
        best
    }

    /// The middleware to put in front of a fake's routes (`/_fake/` excluded).
    pub async fn layer(
        State(faults): State<Arc<Faults>>,
        request: Request,
        next: Next,
    ) -> Response {
        let path = request.uri().path().to_string();
        if path.starts_with("/_fake/") {
            return next.run(request).await;
        }
        let method = request.method().clone();
        let headers = request.headers();
        let if_none_match = headers.contains_key("if-none-match");
        let conditional = if_none_match || headers.contains_key("if-modified-since");
        let authorized = headers.contains_key("authorization");
        let query = request.uri().query().map(str::to_string);
        let uri = request.uri().to_string();
        let (verdict, at_ms) = faults.decide(&method, &path, &uri);
        let mut user = None;
        let (response, status) = match verdict {
            Verdict::Pass { delay } => {
                let response = next.run(request).await;
                if let Some(delay) = delay {
                    tokio::time::sleep(delay).await;
                }
                let status = response.status().as_u16();
                user = response.extensions().get::<SeenUser>().map(|c| c.0.clone());
                (response, status)
            }
            Verdict::Fail(status) => {
                let body = (faults.error_body)(status.as_u16(), "injected server error");
                ((status, Json(body)).into_response(), status.as_u16())
            }
            Verdict::RateLimit {
                status,
                retry_after,
            } => {
                let body = (faults.error_body)(
                    status.as_u16(),
                    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                );
                let mut response = (status, Json(body)).into_response();
                response
                    .headers_mut()
                    .insert("retry-after", HeaderValue::from(retry_after));
                (response, status.as_u16())
            }
            Verdict::Drop => (dropped_connection(), 0),
        };
        faults.record().seen.push(Seen {
            method: method.to_string(),
            path,
            query,
            at_ms,
            status,
            conditional,
            authorized,
            if_none_match,
            user,
        });
        response
    }

    /// Applies the plan to one request and says what to do with it.
    fn decide(&self, method: &Method, path: &str, uri: &str) -> (Verdict, f64) {
        let mut record = self.record();
        let at_ms = record.started.elapsed().as_secs_f64() * 1000.0;
        let plan = &mut record.plan;
        if plan.rate_limit_next > 0 {
            plan.rate_limit_next -= 1;
            let status = plan
                .rate_limit_status
                .and_then(|s| StatusCode::from_u16(s).ok())
                .unwrap_or(StatusCode::TOO_MANY_REQUESTS);
            let retry_after = plan.retry_after_secs;
            return (
                Verdict::RateLimit {
                    status,
                    retry_after,
                },
                at_ms,
            );
        }
        if plan.fail_next > 0
            && plan
                .fail_path_prefix
                .as_deref()
                .is_none_or(|p| path.starts_with(p))
        {
            plan.fail_next -= 1;
            return (Verdict::Fail(StatusCode::BAD_GATEWAY), at_ms);
        }
        if *method == Method::GET && plan.drop_next_gets > 0 {
            plan.drop_next_gets -= 1;
            return (Verdict::Drop, at_ms);
        }
        let delay = (plan.delay_ms > 0
            && plan
                .delay_method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method.as_str()))
            && plan
                .delay_path_prefix
                .as_deref()
                .is_none_or(|p| path.starts_with(p)))
        .then(|| Duration::from_millis(plan.delay_ms));
        if *method == Method::GET && plan.get_5xx_ratio > 0.0 {
            let (ratio, seed) = (plan.get_5xx_ratio, plan.seed);
            let nth = record.occurrences.entry(uri.to_string()).or_default();
            *nth += 1;
            let draw = unit_hash(seed, uri, *nth);
            if draw < ratio {
                let statuses = [
                    StatusCode::INTERNAL_SERVER_ERROR,
                    StatusCode::BAD_GATEWAY,
                    StatusCode::SERVICE_UNAVAILABLE,
                ];
                return (Verdict::Fail(statuses[(*nth % 3) as usize]), at_ms);
            }
        }
        (Verdict::Pass { delay }, at_ms)
    }

    /// `/_fake/requests`, `/_fake/faults`, `/_fake/reset`, for clients that are not
    /// in this process (the Python tests, a person trying the demo).
    pub fn control_routes(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/_fake/requests", get(requests_route))
            .route("/_fake/faults", put(set_plan_route).get(get_plan_route))
            .route("/_fake/reset", post(reset_route))
            .with_state(self.clone())
    }
}

async fn requests_route(State(faults): State<Arc<Faults>>) -> Json<Vec<Seen>> {
    Json(faults.requests())
}

async fn set_plan_route(
    State(faults): State<Arc<Faults>>,
    Json(plan): Json<FaultPlan>,
) -> StatusCode {
    faults.set_plan(plan);
    StatusCode::NO_CONTENT
}

async fn get_plan_route(State(faults): State<Arc<Faults>>) -> Json<FaultPlan> {
    Json(faults.plan())
}

async fn reset_route(State(faults): State<Arc<Faults>>) -> StatusCode {
    faults.reset();
    StatusCode::NO_CONTENT
}

/// A number in `[0, 1)` fixed by the seed, the URI and its occurrence.
fn unit_hash(seed: u64, uri: &str, nth: u64) -> f64 {
    let mut hasher = DefaultHasher::new();
    (seed, uri, nth).hash(&mut hasher);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// A 200 whose body fails after its headers, so the client sees the connection
/// end mid-answer.
fn dropped_connection() -> Response {
    let broken = futures::stream::once(async {
        Err::<axum::body::Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "injected dropped connection",
        ))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .body(Body::from_stream(broken))
        .expect("a static response")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(status: u16, message: &str) -> Value {
        serde_json::json!({ "status": status, "message": message })
    }

    #[test]
    fn five_xx_choice_is_deterministic_and_near_the_ratio() {
        let faults = Faults::new(plain);
        faults.set_plan(FaultPlan {
            get_5xx_ratio: 0.3,
            seed: 7,
            ..FaultPlan::default()
        });
        let run = |faults: &Faults| {
            (0..1000)
                .map(|i| {
                    let uri = format!("/items/{}", i % 50);
                    matches!(faults.decide(&Method::GET, &uri, &uri).0, Verdict::Fail(_))
                })
                .collect::<Vec<_>>()
        };
        let first = run(&faults);
        faults.reset();
        faults.set_plan(FaultPlan {
            get_5xx_ratio: 0.3,
            seed: 7,
            ..FaultPlan::default()
        });
        assert_eq!(first, run(&faults), "same seed, same failures");
        let failed = first.iter().filter(|f| **f).count();
        assert!((240..=360).contains(&failed), "{failed} of 1000");
    }

    #[test]
    fn posts_never_get_a_5xx_and_rate_limits_count_down() {
        let faults = Faults::new(plain);
        faults.set_plan(FaultPlan {
            get_5xx_ratio: 1.0,
            rate_limit_next: 2,
            retry_after_secs: 1,
            ..FaultPlan::default()
        });
        for _ in 0..2 {
            assert!(matches!(
                faults.decide(&Method::POST, "/x", "/x").0,
                Verdict::RateLimit { .. }
            ));
        }
        assert!(matches!(
            faults.decide(&Method::POST, "/x", "/x").0,
            Verdict::Pass { delay: None }
        ));
        assert!(matches!(
            faults.decide(&Method::GET, "/x", "/x").0,
            Verdict::Fail(_)
        ));
    }

    #[test]
    fn window_counts_the_densest_span() {
        let faults = Faults::new(plain);
        {
            let mut record = faults.record();
            for at in [0.0, 100.0, 900.0, 999.0, 1000.0, 1500.0, 2600.0] {
                record.seen.push(Seen {
                    method: "GET".into(),
                    path: "/".into(),
                    query: None,
                    at_ms: at,
                    status: 200,
                    conditional: false,
                    authorized: true,
                    if_none_match: false,
                    user: None,
                });
            }
        }
        assert_eq!(faults.max_in_window(Duration::from_secs(1)), 4);
    }
}

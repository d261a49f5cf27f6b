//! The HTTP surface of the fake, one module per area, behind one guard that checks
//! what every Notion request needs (a known token, then the rate limit, then a
//! `Notion-Version`, then that the route exists in that version).

mod blocks;
mod comments;
mod data_sources;
mod markdown;
mod pages;
mod search;
mod users;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::Value;

use super::error::{ApiError, ApiResult};
use super::ids;
use super::limiter::RateLimiter;
use super::store::Store;

/// The first version with data sources.
pub const DATA_SOURCES_VERSION: &str = "2025-09-03";

/// What the handlers share.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub limiter: Arc<RateLimiter>,
    pub token: Arc<str>,
}

/// The `Notion-Version` a request carried.
#[derive(Clone, Debug)]
pub struct Version(pub String);

impl Version {
    /// Before data sources (2022-06-28 and older).
    pub fn legacy(&self) -> bool {
        self.0.as_str() < DATA_SOURCES_VERSION
    }
}

pub type Reply = ApiResult<Json<Value>>;

/// The Notion routes (`/v1/...`); unknown ones answer `invalid_request_url`.
pub fn router(app: App) -> Router {
    Router::new()
        .route("/v1/search", post(search::search))
        .route("/v1/pages", post(pages::create))
        .route("/v1/pages/{id}", get(pages::get).patch(pages::update))
        .route(
            "/v1/pages/{id}/markdown",
            get(markdown::get).patch(markdown::update),
        )
        .route("/v1/pages/{id}/move", post(markdown::move_page))
        .route("/v1/databases", post(markdown::create_database))
        .route(
            "/v1/blocks/{id}",
            get(blocks::get)
                .patch(blocks::update)
                .delete(blocks::delete),
        )
        .route(
            "/v1/blocks/{id}/children",
            get(blocks::children).patch(blocks::append),
        )
        .route("/v1/data_sources/{id}", get(data_sources::get))
        .route("/v1/data_sources/{id}/query", post(data_sources::query))
        .route("/v1/databases/{id}", get(data_sources::get_database))
        .route(
            "/v1/databases/{id}/query",
            post(data_sources::query_database),
        )
        .route("/v1/comments", get(comments::list).post(comments::create))
        .route("/v1/users", get(users::list))
        .route("/v1/users/me", get(users::me))
        .route("/v1/users/{id}", get(users::get))
        .fallback(unknown_route)
        .method_not_allowed_fallback(unknown_route)
        .layer(DefaultBodyLimit::max(16 * 1024 * 1024))
        .with_state(app)
}

async fn unknown_route() -> ApiError {
    ApiError::invalid_url()
}

/// Token, rate limit, version: in that order, as one middleware.
pub async fn guard(State(app): State<App>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if path.starts_with("/_fake/") {
        return next.run(request).await;
    }
    let headers = request.headers();
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim);
    if token != Some(&*app.token) {
        return ApiError::unauthorized().into_response();
    }
    if let Err(wait) = app.limiter.try_acquire() {
        return ApiError::rate_limited(wait).into_response();
    }
    let Some(version) = headers
        .get("notion-version")
        .and_then(|h| h.to_str().ok())
        .map(|v| v.trim().to_string())
    else {
        return ApiError::missing_version().into_response();
    };
    let well_formed = version.len() == 10
        && version.char_indices().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !well_formed {
        return ApiError::validation(format!(
            "Notion-Version header failed validation: Notion-Version header should be a valid API version such as `{DATA_SOURCES_VERSION}`, instead was `{version}`."
        ))
        .into_response();
    }
    let version = Version(version);
    if version.legacy() && path.starts_with("/v1/data_sources") {
        return ApiError::invalid_url().into_response();
    }
    if version.0.as_str() < markdown::MARKDOWN_VERSION && path.ends_with("/markdown") {
        return ApiError::invalid_url().into_response();
    }
    request.extensions_mut().insert(version);
    next.run(request).await
}

/// A JSON object body (`{}` when empty).
pub fn parse_body(bytes: &Bytes) -> ApiResult<Value> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|_| ApiError::invalid_json())?;
    if !value.is_object() {
        return Err(ApiError::expected("body", "an object", &value));
    }
    Ok(value)
}

/// An id from the path, in canonical form.
pub fn path_id(raw: &str, name: &str) -> ApiResult<String> {
    ids::parse(raw).ok_or_else(|| {
        ApiError::validation(format!(
            "path failed validation: path.{name} should be a valid uuid, instead was `{raw}`."
        ))
    })
}

/// An id from a body field.
pub fn body_id(value: &Value, path: &str) -> ApiResult<String> {
    let raw = super::validation::string(value, path)?;
    ids::parse(raw).ok_or_else(|| ApiError::expected(path, "a valid uuid", value))
}

/// Refuses keys of a body object other than `allowed`.
pub fn only_keys(body: &Value, allowed: &[&str]) -> ApiResult<()> {
    if let Some(key) = body
        .as_object()
        .and_then(|o| o.keys().find(|k| !allowed.contains(&k.as_str())))
    {
        return Err(ApiError::not_present(
            &format!("body.{key}"),
            "not a parameter of this endpoint",
        ));
    }
    Ok(())
}

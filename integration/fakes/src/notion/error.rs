//! Notion's error answers: `{"object":"error","status":…,"code":…,"message":…,
//! "request_id":…}`, with `Retry-After` on a 429.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// One refused request.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds, sent as `Retry-After` (429 only).
    pub retry_after: Option<u64>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400 `validation_error`.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "validation_error", message)
    }

    /// 400 `validation_error` in Notion's wording for a body field:
    /// `body failed validation: PATH WHAT`.
    pub fn body(path: &str, what: impl std::fmt::Display) -> Self {
        Self::validation(format!("body failed validation: {path} {what}"))
    }

    /// `PATH.length should be ≤ MAX, instead was WAS.`
    pub fn too_long(path: &str, max: usize, was: usize) -> Self {
        Self::body(
            &format!("{path}.length"),
            format!("should be ≤ `{max}`, instead was `{was}`."),
        )
    }

    /// `PATH should be defined, instead was undefined.`
    pub fn missing(path: &str) -> Self {
        Self::body(path, "should be defined, instead was `undefined`.")
    }

    /// `PATH should be KIND, instead was VALUE.`
    pub fn expected(path: &str, kind: &str, was: &Value) -> Self {
        let mut shown = was.to_string();
        if shown.chars().count() > 60 {
            shown = shown.chars().take(60).collect::<String>() + "…";
        }
        Self::body(path, format!("should be {kind}, instead was `{shown}`."))
    }

    /// `PATH should be not present, instead was …` (with a reason).
    pub fn not_present(path: &str, reason: &str) -> Self {
        Self::body(path, format!("should be not present: {reason}."))
    }

    pub fn invalid_json() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "Error parsing JSON body.",
        )
    }

    pub fn invalid_url() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_request_url",
            "Invalid request URL.",
        )
    }

    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    pub fn missing_version() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "missing_version",
            "Notion-Version header failed validation: Notion-Version header should be defined, instead was `undefined`.",
        )
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "API token is invalid.",
        )
    }

    /// 404 `object_not_found` for a `kind` (page, block, data_source…) and id.
    pub fn not_found(kind: &str, id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "object_not_found",
            format!(
                "Could not find {kind} with ID: {id}. Make sure the relevant pages and databases are shared with your integration."
            ),
        )
    }

    pub fn rate_limited(retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "You have been rate limited. Please try again in a few minutes.",
            )
        }
    }

    /// A server-side failure with the code Notion uses for `status` (500, 503…).
    pub fn server(status: u16) -> Self {
        let code = match status {
            502 => "bad_gateway",
            503 => "service_unavailable",
            504 => "gateway_timeout",
            529 => "service_overload",
            _ => "internal_server_error",
        };
        Self::new(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code,
            "Unexpected error occurred. (injected by the fake)",
        )
    }

    /// The JSON body Notion sends for this error.
    pub fn to_json(&self) -> Value {
        body(self.status.as_u16(), self.code, &self.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.to_json())).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert("retry-after", HeaderValue::from(secs));
        }
        response
    }
}

/// A fresh request id (shaped like Notion's, a UUID).
pub fn request_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("00000000-0000-4000-8000-{n:012x}")
}

/// `{"object":"error","status":…,"code":…,"message":…,"request_id":…}`.
pub fn body(status: u16, code: &str, message: &str) -> Value {
    json!({
        "object": "error",
        "status": status,
        "code": code,
        "message": message,
        "request_id": request_id(),
    })
}

/// The error body for a fault the [`crate::faults::Faults`] layer injects: the
/// Notion code that goes with the status.
pub fn fault_body(status: u16, message: &str) -> Value {
    let (code, message) = match status {
        429 => (
            "rate_limited",
            "You have been rate limited. Please try again in a few minutes.",
        ),
        409 => ("conflict_error", message),
        502 => ("bad_gateway", message),
        503 => ("service_unavailable", message),
        504 => ("gateway_timeout", message),
        529 => ("service_overload", message),
        _ => ("internal_server_error", message),
    };
    body(status, code, message)
}

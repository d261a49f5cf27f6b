//! Responses in GitHub's shapes: JSON bodies, and errors as
//! `{"message", "documentation_url", "status"}` (422 with `errors: [...]`).

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// Where GitHub's generic errors point.
pub const DOCS: &str = "https://docs.github.com/rest";
/// Where rate-limit errors point.
pub const RATE_LIMIT_DOCS: &str =
    "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api";

/// The error body for a status and message (also what injected faults answer).
pub fn error_body(status: u16, message: &str) -> Value {
    let docs = if message.to_ascii_lowercase().contains("rate limit") {
        RATE_LIMIT_DOCS
    } else {
        DOCS
    };
    json!({"message": message, "documentation_url": docs, "status": status.to_string()})
}

/// An error response with GitHub's body.
pub fn error(status: StatusCode, message: &str, docs: &str) -> Response {
    let body = json!({"message": message, "documentation_url": docs, "status": status.as_u16().to_string()});
    with_status(status, &body)
}

pub fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "Not Found", DOCS)
}

/// The answer to any path or method the fake does not serve.
pub async fn not_found_handler() -> Response {
    not_found()
}

/// 422 `Validation Failed` with `errors` (objects such as
/// `{"resource": "Issue", "field": "title", "code": "missing_field"}`, or strings).
pub fn validation(docs: &str, errors: Vec<Value>) -> Response {
    let body = json!({
        "message": "Validation Failed",
        "errors": errors,
        "documentation_url": docs,
        "status": "422",
    });
    with_status(StatusCode::UNPROCESSABLE_ENTITY, &body)
}

/// One `errors` entry of a 422.
pub fn field_error(resource: &str, field: &str, code: &str) -> Value {
    json!({"resource": resource, "field": field, "code": code})
}

/// 200 with a JSON body.
pub fn json(value: &Value) -> Response {
    with_status(StatusCode::OK, value)
}

/// A JSON body with a status.
pub fn with_status(status: StatusCode, value: &Value) -> Response {
    let mut response = (status, Body::from(value.to_string())).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// 201 with the created resource and its `location`.
pub fn created(value: &Value) -> Response {
    let mut response = with_status(StatusCode::CREATED, value);
    if let Some(url) = value["url"]
        .as_str()
        .and_then(|u| HeaderValue::from_str(u).ok())
    {
        response.headers_mut().insert(header::LOCATION, url);
    }
    response
}

/// A request body that is a JSON object (an empty body is `{}`); any other body
/// is refused with GitHub's 400 before the handler runs.
pub struct JsonObject(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let body = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(Map::new()));
        }
        let message = match serde_json::from_slice(&body) {
            Ok(Value::Object(map)) => return Ok(Self(map)),
            Ok(_) => "Invalid request.\n\nThe body must be a JSON object.",
            Err(_) => "Problems parsing JSON",
        };
        Err(error(StatusCode::BAD_REQUEST, message, DOCS))
    }
}

/// A string field of a body: `Ok(None)` when absent or null, an error entry when
/// of another type.
pub fn string_field(
    body: &serde_json::Map<String, Value>,
    resource: &str,
    field: &str,
) -> Result<Option<String>, Value> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(field_error(resource, field, "invalid")),
    }
}

/// A list of names (`["bug"]` or `[{"name": "bug"}]`) in a body.
pub fn names_field(
    body: &serde_json::Map<String, Value>,
    resource: &str,
    field: &str,
) -> Result<Option<Vec<String>>, Value> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                Value::Object(o) => o
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| field_error(resource, field, "invalid")),
                _ => Err(field_error(resource, field, "invalid")),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(field_error(resource, field, "invalid")),
    }
}

/// A plain-text response (diffs, logs).
pub fn text(content_type: &'static str, text: String) -> Response {
    let mut response = (StatusCode::OK, text).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

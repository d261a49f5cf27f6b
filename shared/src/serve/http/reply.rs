//! HTTP responses the transport gives on its own (refusals, shutdown answers), each
//! with a JSON-RPC error body so every client can read why and what to do next.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::serve::jsonrpc::Rejection;

/// JSON-RPC code for refusals that are not about the message itself (auth, limits,
/// shutdown): the implementation-defined server-error range.
pub const SERVER_ERROR: i32 = -32000;

/// The JSON-RPC error response for request `id` (`Value::Null` when there is none).
pub fn error_body(id: Value, code: i32, message: &str) -> String {
    rejection(id, code, message).to_json()
}

fn rejection(id: Value, code: i32, message: &str) -> Rejection {
    Rejection {
        id,
        code,
        message: message.to_owned(),
    }
}

/// `status` with `rejection` as its JSON body.
pub fn rejection_response(status: StatusCode, rejection: &Rejection) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        rejection.to_json(),
    )
        .into_response()
}

/// `status` with a JSON-RPC error body.
pub fn error_response(status: StatusCode, id: Value, code: i32, message: &str) -> Response {
    rejection_response(status, &rejection(id, code, message))
}

/// `response`, asking the client to come back in `seconds` (at least 1).
pub fn with_retry_after(mut response: Response, seconds: u64) -> Response {
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    response
}

/// A refusal that is not tied to one JSON-RPC request (id null).
pub fn refuse(status: StatusCode, message: &str) -> Response {
    let mut response = error_response(status, Value::Null, SERVER_ERROR, message);
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

/// A refusal that asks the client to come back in `seconds` (429, 503).
pub fn refuse_retry_after(status: StatusCode, message: &str, seconds: u64) -> Response {
    with_retry_after(refuse(status, message), seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_carry_a_json_rpc_error() {
        let body = error_body(serde_json::json!(7), SERVER_ERROR, "stop");
        let value: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(value["id"], 7);
        assert_eq!(value["error"]["code"], SERVER_ERROR);
        let response = refuse_retry_after(StatusCode::TOO_MANY_REQUESTS, "slow down", 0);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
        let response = refuse(StatusCode::UNAUTHORIZED, "token");
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
    }
}

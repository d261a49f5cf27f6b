//! Reading a POST body before rmcp sees it: refuse an over-long one as soon as its
//! declared `Content-Length` is known (413, before the body is read), read the rest
//! up to the cap, and learn the message's id and method for the session cap and the
//! shutdown answers.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde_json::Value;

use super::reply::refuse;

/// The parts of a JSON-RPC message the transport needs.
#[derive(Debug, Default)]
pub struct Peek {
    /// The request id (`None` for notifications and responses).
    pub id: Option<Value>,
    /// The method, for requests and notifications.
    pub method: Option<String>,
}

/// A POST body read in full, and the request rebuilt around it for rmcp.
pub struct ReadBody {
    pub request: Request,
    pub peek: Peek,
}

fn too_large(limit: usize) -> Response {
    refuse(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!(
            "Request body too large: the limit is {limit} bytes (--max-body-bytes). Send less at once, e.g. write a large file in parts."
        ),
    )
}

/// Reads `request`'s body (at most `limit` bytes); `Err` is the response to send.
#[allow(clippy::result_large_err)]
pub async fn read(request: Request, limit: usize) -> Result<ReadBody, Response> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large(limit));
    }
    let (parts, body) = request.into_parts();
    let bytes: Bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| too_large(limit))?;
    let peek = peek(&bytes);
    Ok(ReadBody {
        request: Request::from_parts(parts, Body::from(bytes)),
        peek,
    })
}

/// The id and method of a JSON-RPC message, where they can be read.
fn peek(bytes: &[u8]) -> Peek {
    #[derive(serde::Deserialize)]
    struct Envelope {
        id: Option<Value>,
        method: Option<Value>,
    }
    match serde_json::from_slice::<Envelope>(bytes) {
        Ok(envelope) => Peek {
            id: envelope.id,
            method: envelope.method.and_then(|m| m.as_str().map(str::to_owned)),
        },
        Err(_) => Peek::default(),
    }
}

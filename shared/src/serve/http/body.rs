//! Reading a POST body before rmcp sees it: refuse an over-long one as soon as its
//! declared `Content-Length` is known (413, before the body is read), read the rest
//! up to the cap, and check it per JSON-RPC ([`crate::serve::jsonrpc`]): a malformed
//! message gets 400 with the JSON-RPC error (-32700 or -32600), a known method with
//! unfit params gets its -32602 error as the answer to its id. What passes is handed
//! on, with the few facts the transport needs about it.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::Response;
use rmcp::model::{ClientJsonRpcMessage, ClientRequest, ErrorCode};
use serde_json::Value;

use super::reply::rejection_response;
use crate::serve::jsonrpc::{self, Rejection};

/// What the transport needs to know of a checked message.
#[derive(Debug, Default)]
pub struct Peek {
    /// The request id (`None` for notifications and responses).
    pub id: Option<Value>,
    /// Whether it is an `initialize` request (which opens a session).
    pub initialize: bool,
    /// The tool a `tools/call` request names.
    pub tool: Option<String>,
}

/// A POST body read in full and checked, and the request rebuilt around it for rmcp.
pub struct ReadBody {
    pub request: Request,
    pub peek: Peek,
}

fn too_large(limit: usize) -> Response {
    rejection_response(StatusCode::PAYLOAD_TOO_LARGE, &jsonrpc::too_large(limit))
}

/// Reads and checks `request`'s body (at most `limit` bytes); `Err` is the response
/// to send instead of passing it on.
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
    let version = parts
        .headers
        .get("mcp-protocol-version")
        .and_then(|v| v.to_str().ok());
    let in_session = parts.headers.contains_key("mcp-session-id");
    let peek = match jsonrpc::check_message_at(&bytes, version) {
        Ok(message) => {
            if let Some(refusal) = unknown_method_rmcp_cannot_read(&message, in_session) {
                return Err(refusal);
            }
            peek(&message)
        }
        Err(rejection) if rejection.is_parse_or_invalid() => {
            return Err(rejection_response(StatusCode::BAD_REQUEST, &rejection));
        }
        Err(rejection) => return Err(rejection_response(StatusCode::OK, &rejection)),
    };
    Ok(ReadBody {
        request: Request::from_parts(parts, Body::from(bytes)),
        peek,
    })
}

/// rmcp answers an unknown method with -32601, but over HTTP it reads the body again
/// and its catch-all takes only object `params`: for any other `params` it would
/// answer 415 in plain text. Such a request gets its -32601 here, with the status
/// rmcp gives it: 200 on a session (where it would come as an SSE event), 404 without.
fn unknown_method_rmcp_cannot_read(
    message: &ClientJsonRpcMessage,
    in_session: bool,
) -> Option<Response> {
    let ClientJsonRpcMessage::Request(request) = message else {
        return None;
    };
    let ClientRequest::CustomRequest(custom) = &request.request else {
        return None;
    };
    if custom.params.as_ref().is_none_or(Value::is_object) {
        return None;
    }
    let rejection = Rejection {
        id: serde_json::to_value(&request.id).unwrap_or(Value::Null),
        code: ErrorCode::METHOD_NOT_FOUND.0,
        message: format!("Method not found: {}", custom.method),
    };
    let status = if in_session {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    Some(rejection_response(status, &rejection))
}

fn peek(message: &ClientJsonRpcMessage) -> Peek {
    match message {
        ClientJsonRpcMessage::Request(request) => Peek {
            id: serde_json::to_value(&request.id).ok(),
            initialize: matches!(request.request, ClientRequest::InitializeRequest(_)),
            tool: match &request.request {
                ClientRequest::CallToolRequest(call) => Some(call.params.name.to_string()),
                _ => None,
            },
        },
        _ => Peek::default(),
    }
}

//! The door to `/mcp`: every POST body is read and checked before rmcp sees it, a
//! new session is admitted only if the session cap has room, and every POST and
//! DELETE is tracked in flight for graceful shutdown. GET streams pass untouched.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;

use super::body;
use super::drain::Drain;
use super::reply::{SERVER_ERROR, error_response, refuse_retry_after, with_retry_after};
use super::sessions::SessionTable;

/// Seconds a client refused for lack of session room is asked to wait.
const SESSIONS_FULL_RETRY_SECONDS: u64 = 5;

/// What the `/mcp` middleware shares across requests.
pub struct McpGate {
    pub sessions: Arc<SessionTable>,
    pub drain: Arc<Drain>,
    pub max_body_bytes: usize,
}

/// The `/mcp` middleware.
pub async fn gate_mcp(State(gate): State<Arc<McpGate>>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    if method != Method::POST && method != Method::DELETE {
        return next.run(request).await;
    }
    if gate.drain.is_stopping() {
        return refuse_retry_after(
            StatusCode::SERVICE_UNAVAILABLE,
            "The server is shutting down: retry in a moment (on another replica if there is one)",
            1,
        );
    }
    if method == Method::DELETE {
        return gate.drain.run(None, next.run(request)).await;
    }
    let read = match body::read(request, gate.max_body_bytes).await {
        Ok(read) => read,
        Err(refusal) => return refusal,
    };
    let opens_session =
        read.peek.initialize && !read.request.headers().contains_key("mcp-session-id");
    if opens_session && gate.sessions.make_room().await.is_err() {
        return sessions_full(read.peek.id.unwrap_or(Value::Null));
    }
    gate.drain.run(read.peek.id, next.run(read.request)).await
}

fn sessions_full(id: Value) -> Response {
    let response = error_response(
        StatusCode::SERVICE_UNAVAILABLE,
        id,
        SERVER_ERROR,
        "Too many sessions: every session on this server is busy. Retry after the Retry-After seconds, or close sessions you no longer use (HTTP DELETE).",
    );
    with_retry_after(response, SESSIONS_FULL_RETRY_SECONDS)
}

//! The door to `/mcp`: every POST body is read and checked before rmcp sees it, a
//! tool that changes things called with an access token lacking the write scope gets
//! 403 `insufficient_scope` (RFC 6750 §3.1), a new session is admitted only if the
//! session cap has room, and every POST and DELETE is tracked in flight for graceful
//! shutdown. GET streams pass untouched.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;

use super::Access;
use super::body;
use super::drain::Drain;
use super::guard::auth_refusal;
use super::owners::SessionOwners;
use super::reply::{SERVER_ERROR, error_response, refuse, refuse_retry_after, with_retry_after};
use super::sessions::SessionTable;
use crate::auth::{Authenticator, Refusal};
use crate::caller::Caller;

/// Seconds a client refused for lack of session room is asked to wait.
const SESSIONS_FULL_RETRY_SECONDS: u64 = 5;

/// Whether the tool of this name changes things.
pub type ToolKind = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// What the `/mcp` middleware shares across requests.
pub struct McpGate {
    pub sessions: Arc<SessionTable>,
    pub drain: Arc<Drain>,
    pub max_body_bytes: usize,
    pub access: Access,
    pub owners: SessionOwners,
}

impl McpGate {
    /// The 403 for a write tool called by a caller without the write scope.
    fn scope_refusal(&self, request: &Request, tool: &str) -> Option<Response> {
        let Authenticator::OAuth(verifier) = &self.access.authenticator else {
            return None;
        };
        let caller = request.extensions().get::<Arc<Caller>>()?;
        if caller.may_write || !(self.access.is_write)(tool) {
            return None;
        }
        let refusal = Refusal::InsufficientScope {
            needed: verifier.write_scopes(),
            detail: format!("{tool} changes things, and the access token lacks the write scope"),
        };
        Some(auth_refusal(&self.access.authenticator, &refusal))
    }
}

/// The `/mcp` middleware.
pub async fn gate_mcp(State(gate): State<Arc<McpGate>>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let caller = request.extensions().get::<Arc<Caller>>().cloned();
    let session = request
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if let (Some(caller), Some(session)) = (&caller, &session)
        && !gate.owners.allows(session, caller).await
    {
        return refuse(
            StatusCode::NOT_FOUND,
            "Session not found: start a new session (initialize) with your own token",
        );
    }
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
        let response = gate.drain.run(None, next.run(request)).await;
        if let Some(session) = &session {
            gate.owners.forget(session);
        }
        return response;
    }
    let read = match body::read(request, gate.max_body_bytes).await {
        Ok(read) => read,
        Err(refusal) => return refusal,
    };
    if let Some(tool) = &read.peek.tool
        && let Some(refusal) = gate.scope_refusal(&read.request, tool)
    {
        return refusal;
    }
    let opens_session =
        read.peek.initialize && !read.request.headers().contains_key("mcp-session-id");
    if opens_session && gate.sessions.make_room().await.is_err() {
        return sessions_full(read.peek.id.unwrap_or(Value::Null));
    }
    let response = gate.drain.run(read.peek.id, next.run(read.request)).await;
    if opens_session
        && let Some(caller) = &caller
        && let Some(opened) = response
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
    {
        gate.owners.bind(opened, caller).await;
    }
    response
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

//! GitHub App routes: `POST /app/installations/{installation_id}/access_tokens`
//! (a JWT in `Authorization: Bearer`, answered 201 with a `ghs_…` token, or 401
//! with GitHub's JWT messages, or 404 for an unknown installation or when no app
//! is registered), and the control `GET /_fake/app/mints` (`{"mints": N}`).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::github::GithubState;
use crate::github::app::UNDECODABLE;
use crate::github::reply;
use crate::github::time::{self, iso};

/// What the demo app's installation tokens may do.
fn permissions() -> Value {
    json!({
        "actions": "read",
        "checks": "read",
        "contents": "write",
        "issues": "write",
        "metadata": "read",
        "pull_requests": "write",
        "statuses": "read",
    })
}

pub async fn mint(
    State(state): State<GithubState>,
    Path(installation): Path<String>,
    headers: HeaderMap,
) -> Response {
    let mut app = state.app();
    let Some(app) = app.as_mut() else {
        return reply::not_found();
    };
    let unauthorized = |message| reply::error(StatusCode::UNAUTHORIZED, message, reply::DOCS);
    let jwt = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, jwt)| jwt.trim());
    let Some(jwt) = jwt else {
        return unauthorized(UNDECODABLE);
    };
    let now = time::now();
    if let Err(message) = app.verify(jwt, now) {
        return unauthorized(message);
    }
    let minted = installation
        .parse::<u64>()
        .ok()
        .and_then(|id| app.mint(id, now));
    let Some(minted) = minted else {
        return reply::not_found();
    };
    let body = json!({
        "token": minted.token,
        "expires_at": iso(minted.expires_at),
        "permissions": permissions(),
        "repository_selection": "all",
    });
    reply::with_status(StatusCode::CREATED, &body)
}

/// The `/_fake/app/` controls.
pub fn controls(state: GithubState) -> Router {
    Router::new()
        .route("/_fake/app/mints", get(mints))
        .with_state(state)
}

async fn mints(State(state): State<GithubState>) -> Json<Value> {
    Json(json!({ "mints": state.app_mints() }))
}

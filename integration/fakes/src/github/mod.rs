//! The fake GitHub REST API: the endpoints the bundle's `github-server` uses,
//! stateful and seeded with demo data, reproducing what GitHub documents
//! (docs.github.com/rest): bearer-token auth (401 `Bad
//! credentials`), `link` pagination (`per_page` 30 by default, at most 100),
//! primary rate limits with their headers on every answer (`core`, `search`,
//! `code_search`; 403/429 with `remaining: 0` when exhausted), weak ETags with
//! 304s that do not count, GitHub's error bodies and 422 `errors`.
//!
//! - [`seed`]: the demo data (users, repositories, issues, pull requests, CI).
//! - [`model`]: what the fake holds ([`alerts`]: security alerts);
//!   [`GithubState`]: the shared handle, with helpers for tests.
//! - `routes`: one module per area (users, repos, contents, history, issues,
//!   pulls, checks, actions, search, notifications, gists, security, GraphQL...).
//! - `paging`: pages and the `link` header (page numbers, and cursors as
//!   Dependabot's alerts page); `limits`: auth, rate limits, ETags.
//! - `callers`: the tokens of `octo-demo` ([`DEMO_TOKEN`]), `alice`
//!   ([`ALICE_TOKEN`]) and `bob` ([`BOB_TOKEN`]), and who the request being
//!   answered is for: every route answers for the token's own user, and private
//!   repositories are 404 to everyone but their owner (`Data::can_see`).
//! - `app`: a GitHub App ([`AppConfig`]): JWTs traded for installation tokens
//!   that act as the app's bot until they expire; `testkeys` makes keypairs.
//! - `shapes` and `reply`: GitHub's JSON shapes and error bodies.
//!
//! Injected faults ([`crate::faults`]) sit in front of every API route; their
//! controls are under `/_fake/`.

pub mod alerts;
mod app;
mod callers;
pub mod diff;
mod limits;
pub mod model;
mod paging;
mod query;
mod reply;
mod routes;
pub mod seed;
mod shapes;
mod state;
mod testkeys;
pub mod time;

use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn_with_state;

use crate::faults::Faults;

pub use app::{AppConfig, DEFAULT_TOKEN_TTL_SECS};
pub use callers::{ALICE_TOKEN, BOB_TOKEN, DEMO_TOKEN};
pub use limits::{RateLimitInfo, Resource, TOKEN_SCOPES};
pub use routes::log_url;
pub use state::{GithubState, IssueInfo, PullInfo};
pub use testkeys::test_app_keypair;

/// A running fake GitHub.
pub struct FakeGithub {
    /// What a server takes as its API base URL, e.g. `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The request record and fault injection.
    pub faults: Arc<Faults>,
    /// The data and rate limits, for tests to inspect and adjust.
    pub state: GithubState,
}

/// Starts the fake on 127.0.0.1:`port` (0 picks one), seeded with demo data.
pub async fn start(port: u16) -> std::io::Result<FakeGithub> {
    start_with(GithubState::demo(), port).await
}

/// Starts the fake on 127.0.0.1:`port` with the given state.
pub async fn start_with(state: GithubState, port: u16) -> std::io::Result<FakeGithub> {
    let faults = Faults::new(reply::error_body);
    let (addr, _) = crate::spawn(app(state.clone(), faults.clone()), port).await?;
    let base_url = format!("http://{addr}");
    state.set_base_url(&base_url);
    Ok(FakeGithub {
        base_url,
        faults,
        state,
    })
}

/// The whole fake as a router: the API behind the rate-limit/ETag guard and the
/// fault layer, plus the `/_fake/` controls (requests, faults, app mints).
pub fn app(state: GithubState, faults: Arc<Faults>) -> Router {
    let api = routes::api()
        .layer(from_fn_with_state(state.clone(), limits::guard))
        .layer(from_fn_with_state(faults.clone(), Faults::layer))
        .layer(from_fn_with_state(state.clone(), limits::stamp))
        .with_state(state.clone());
    api.merge(faults.control_routes())
        .merge(routes::app_controls(state))
}

//! A stateful fake of the Notion API (2025-09-03 semantics, with the legacy
//! 2022-06-28 shapes where they differ), for testing `notion-server` offline.
//!
//! - Requests need `Authorization: Bearer <token>` ([`DEMO_TOKEN`] unless set),
//!   then pass the fake's own rate limit (a token bucket: `rate_per_sec` average,
//!   `burst` at once; over it, 429 `rate_limited` with `Retry-After`), then need a
//!   `Notion-Version` (missing: 400 `missing_version`; data-source routes before
//!   2025-09-03: 400 `invalid_request_url`; the markdown routes before 2026-03-11:
//!   the same).
//! - Routes: search, pages (create, read, update, move, and as enhanced Markdown:
//!   read and edit, see [`markdown`]), databases (create), blocks (read, update, trash,
//!   children list and append), data sources (read, query), databases (read; query
//!   in the legacy version), comments (list, create), users (me, list, one).
//! - Writes are checked as Notion checks them ([`validation`]): 100 children per
//!   array, two levels of nesting and 1,000 blocks per request, 500 KB bodies,
//!   2,000-character text, 100-item rich-text arrays, 2,000-character URLs, page
//!   properties against the data-source schema.
//! - In front of it all, the shared [`Faults`] layer records requests and injects
//!   faults (`/_fake/…` controls on the same port).
//!
//! [`start`] seeds the demo workspace ([`seed`]); [`start_with`] takes
//! [`FakeNotionOptions`]. Tests reach the state through [`FakeNotion::store`]
//! (helpers in [`tree`]).

pub mod blocks;
pub mod error;
pub mod ids;
pub mod limiter;
pub mod markdown;
pub mod pagination;
pub mod properties;
pub mod query;
pub mod rich_text;
mod routes;
pub mod seed;
pub mod store;
pub mod time;
pub mod tree;
pub mod validation;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::middleware::from_fn_with_state;

use crate::faults::Faults;
pub use limiter::RateLimiter;
pub use store::{DemoIds, Store};
pub use tree::TreeNode;

/// The token the fake accepts unless told otherwise (not shaped like a real
/// `secret_…`/`ntn_…` token).
pub const DEMO_TOKEN: &str = "fake-notion-token-demo";

/// How to start the fake.
#[derive(Debug, Clone)]
pub struct FakeNotionOptions {
    /// 0 picks a free port.
    pub port: u16,
    /// Average requests per second before 429s (≤ 0 or infinite: no limit).
    pub rate_per_sec: f64,
    /// Requests allowed at once after a quiet spell.
    pub burst: u32,
    /// The bearer token accepted.
    pub token: String,
    /// Load the demo workspace.
    pub seed: bool,
}

impl Default for FakeNotionOptions {
    fn default() -> Self {
        Self {
            port: 0,
            rate_per_sec: 3.0,
            burst: 10,
            token: DEMO_TOKEN.to_string(),
            seed: true,
        }
    }
}

/// A running fake Notion.
pub struct FakeNotion {
    /// What a server takes as its API base URL: `http://127.0.0.1:PORT/v1`.
    pub base_url: String,
    pub addr: SocketAddr,
    pub faults: Arc<Faults>,
    pub store: Store,
    pub limiter: Arc<RateLimiter>,
    pub token: String,
}

impl FakeNotion {
    /// How many 429s the fake's own rate limit answered (injected ones are in
    /// `faults.requests()`).
    pub fn rate_limited_count(&self) -> u64 {
        self.limiter.issued()
    }

    /// The demo seed's ids (panics when started without the seed).
    pub fn demo(&self) -> DemoIds {
        self.store
            .demo()
            .expect("the fake was started with the demo seed")
    }
}

/// Starts the fake on 127.0.0.1:`port` (0 picks one), seeded with demo data, at
/// Notion's rate (3/s, burst 10).
pub async fn start(port: u16) -> std::io::Result<FakeNotion> {
    start_with(FakeNotionOptions {
        port,
        ..FakeNotionOptions::default()
    })
    .await
}

/// Starts the fake with these options.
pub async fn start_with(options: FakeNotionOptions) -> std::io::Result<FakeNotion> {
    let mut state = store::State::new();
    if options.seed {
        seed::seed(&mut state);
    }
    let store = Store::new(state);
    let limiter = Arc::new(RateLimiter::new(options.rate_per_sec, options.burst));
    let faults = Faults::new(error::fault_body);
    let app = routes::App {
        store: store.clone(),
        limiter: limiter.clone(),
        token: options.token.as_str().into(),
    };
    let router = routes::router(app.clone())
        .merge(faults.control_routes())
        .layer(from_fn_with_state(app, routes::guard))
        .layer(from_fn_with_state(faults.clone(), Faults::layer));
    let (addr, _) = crate::spawn(router, options.port).await?;
    Ok(FakeNotion {
        base_url: format!("http://{addr}/v1"),
        addr,
        faults,
        store,
        limiter,
        token: options.token,
    })
}

//! Stateful fakes of the upstream APIs the bundle's servers wrap, so that no test
//! and no demo reaches the internet.
//!
//! - [`github`]: GitHub REST as GitHub documents it at docs.github.com/rest (link
//!   pagination, rate-limit headers, ETag/304, error bodies).
//! - [`notion`]: the Notion API (cursor pagination, block children, validation
//!   limits, 429 with `Retry-After`).
//! - [`faults`]: what both share: a record of every request the fake received and
//!   faults a test can inject (5xx, slow answers, dropped connections, rate limits),
//!   reachable from Rust and over HTTP under `/_fake/`; and `clock`, the epoch seconds
//!   and calendar both write their timestamps with.
//!
//! The `fake-apis` binary serves either fake on a port, for `make demo` and the
//! Python interop tests.

mod clock;
pub mod faults;
pub mod github;
pub mod notion;

use std::net::SocketAddr;

use axum::Router;
use tokio::task::JoinHandle;

/// Serves `app` on 127.0.0.1:`port` (0 picks a free port) in the background.
pub async fn spawn(app: Router, port: u16) -> std::io::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let handle = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("fake API server stopped: {e}");
        }
    });
    Ok((addr, handle))
}

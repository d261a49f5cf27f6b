//! Serving a handler: the same `ServerHandler` over stdio (default) or streamable HTTP.
//!
//! [`run`] wraps the handler in [`crate::observe::Observed`] and picks the transport
//! from [`CommonArgs`]. Both transports answer both protocol generations rmcp speaks
//! (2025-11-25 with `initialize` and sessions; 2026-07-28 without).

mod http;
pub mod jsonrpc;
mod shutdown;
mod stdio;

use std::sync::Arc;

use rmcp::ServerHandler;

use crate::auth::UpstreamIdentity;
use crate::config::CommonArgs;
use crate::observe::Observed;

pub use http::{HttpError, HttpSettings};

/// The tokio runtime for the transport `common` chose: one thread for stdio (one
/// client; no cross-thread wake-up on every message), all cores for HTTP (many
/// sessions).
pub fn runtime(common: &CommonArgs) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = if common.http.is_some() {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    builder.enable_all().build()
}

/// What a server tells the transport beyond the common flags.
#[derive(Clone)]
pub struct ServeOptions {
    /// Whether the server has tools that change things; with OAuth, the write scope
    /// is then offered in the resource metadata. Default: true.
    pub writes: bool,
    /// Per-user upstream tokens over HTTP (github-server, notion-server): how to ask
    /// the API whose token a request carries. `None`: the server's own credential.
    pub per_user: Option<Arc<dyn UpstreamIdentity>>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            writes: true,
            per_user: None,
        }
    }
}

/// Serves handlers made by `factory` until the client goes away (stdio) or the
/// process is told to stop (HTTP: SIGTERM/SIGINT, finishing in-flight requests).
///
/// HTTP builds one handler per session, so `factory` is called once per session
/// (and once more to learn which tools change things); stdio calls it once.
pub async fn run<H, F>(factory: F, common: &CommonArgs) -> anyhow::Result<()>
where
    H: ServerHandler,
    F: Fn() -> H + Send + Sync + 'static,
{
    run_with(factory, common, ServeOptions::default()).await
}

/// [`run`], with what the server tells the transport in `options`.
pub async fn run_with<H, F>(
    factory: F,
    common: &CommonArgs,
    options: ServeOptions,
) -> anyhow::Result<()>
where
    H: ServerHandler,
    F: Fn() -> H + Send + Sync + 'static,
{
    match common.http {
        None => stdio::serve(Observed::new(factory()), common.max_body_bytes).await,
        Some(addr) => {
            let settings = HttpSettings::from_args(addr, common)?;
            http::serve(move || Observed::new(factory()), settings, options).await
        }
    }
}

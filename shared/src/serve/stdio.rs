//! The stdio transport: newline-delimited JSON-RPC on stdin/stdout.
//!
//! stdout carries only protocol messages; logs go to stderr (see `crate::logging`).

use rmcp::{ServerHandler, ServiceExt};

/// Serves one client on stdin/stdout until it closes stdin or a signal arrives.
pub async fn serve<H: ServerHandler>(handler: H) -> anyhow::Result<()> {
    tracing::info!("serving MCP on stdio");
    let service = handler
        .serve(rmcp::transport::stdio_pipes())
        .await
        .map_err(|e| anyhow::anyhow!("MCP session failed to start: {e}"))?;
    let stop = service.cancellation_token();
    tokio::select! {
        quit = service.waiting() => {
            tracing::info!(reason = ?quit.ok(), "stdio session ended");
        }
        _ = super::shutdown::signal() => {
            stop.cancel();
        }
    }
    Ok(())
}

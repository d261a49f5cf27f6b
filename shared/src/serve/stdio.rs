//! The stdio transport: newline-delimited JSON-RPC on stdin/stdout.
//!
//! stdout carries only protocol messages; logs go to stderr (see `crate::logging`).
//! One incoming message may be at most `max_message_bytes` long: rmcp drops a longer
//! line unread (it cannot be answered, as its id is never parsed) and logs a warning.

use rmcp::transport::async_rw::AsyncRwTransport;
use rmcp::{ServerHandler, ServiceExt};

/// Serves one client on stdin/stdout until it closes stdin or a signal arrives.
pub async fn serve<H: ServerHandler>(handler: H, max_message_bytes: usize) -> anyhow::Result<()> {
    tracing::info!("serving MCP on stdio");
    let (read, write) = rmcp::transport::stdio_pipes();
    let transport =
        AsyncRwTransport::new_server(read, write).with_max_line_length(max_message_bytes);
    let service = handler
        .serve(transport)
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

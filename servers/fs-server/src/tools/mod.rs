//! fs-server's tools, one file per group, each tool's `#[tool]` declaration (name,
//! description, annotations) beside its parameters struct and its handler:
//!
//! - [`browse`]: `list_roots`, `list_directory`, `directory_tree`.
//! - [`read`]: `read_text_file`, `read_media_file`, `read_multiple_files`,
//!   `get_file_info`.
//! - [`search`]: `search_files` (by name); [`grep`]: `grep` (by content).
//! - [`write`](mod@write): `write_file`, `append_file`, `create_directory`, `move_path`,
//!   `copy_path` (with `--allow-write`) and `delete_path` (with `--allow-delete`).
//! - [`edit`]: `edit_file` (with `--allow-write`).
//!
//! Each file has its own `#[tool_router(router = NAME_router)]`; [`crate::server`]
//! adds them up into the server's router. A new tool goes into the file of its
//! group (or a new file with its own router, added in `FsServer::new`).
//!
//! All filesystem work runs on a blocking thread (`FsServer::blocking`); long
//! walks (tree, name search, grep) run through `FsServer::walk`, which reports
//! progress when the client asked for it and stops when the client cancels.

pub mod browse;
pub mod edit;
pub mod grep;
pub mod read;
pub mod search;
pub mod write;

use std::sync::Arc;

use rmcp::RoleServer;
use rmcp::model::ProgressNotificationParam;
use rmcp::service::RequestContext;
use shared::ToolError;
use shared::error::to_tool_error;
use tokio::sync::mpsc;

use crate::control::Control;
use crate::error::FsResult;
use crate::sandbox::Sandbox;
use crate::server::FsServer;

impl FsServer {
    /// Runs quick filesystem work on a blocking thread.
    pub(crate) async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Sandbox) -> FsResult<T> + Send + 'static,
    ) -> Result<T, ToolError> {
        let sandbox = self.sandbox();
        let result = tokio::task::spawn_blocking(move || work(&sandbox))
            .await
            .map_err(|e| {
                ToolError::new(format!("internal error: the file operation panicked ({e})"))
            })?;
        reported(result).await
    }

    /// Runs a long walk on a blocking thread with cancellation and progress reporting.
    async fn walk(
        &self,
        ctx: RequestContext<RoleServer>,
        work: impl FnOnce(&Sandbox, &Control) -> FsResult<String> + Send + 'static,
    ) -> Result<String, ToolError> {
        let sandbox = self.sandbox();
        let (tx, rx) = mpsc::unbounded_channel::<u64>();
        let forwarder = tokio::spawn(forward_progress(ctx.clone(), rx));
        let control = Control::new(
            ctx.ct.clone(),
            Arc::new(move |n| {
                let _ = tx.send(n);
            }),
        );
        let result = tokio::task::spawn_blocking(move || work(&sandbox, &control)).await;
        // The control (and with it the progress sender) is dropped with the closure, so
        // the forwarder ends; wait for it so no progress follows the response.
        let _ = forwarder.await;
        let result = result
            .map_err(|e| ToolError::new(format!("internal error: the walk panicked ({e})")))?;
        reported(result).await
    }
}

/// `result` as a tool result; a refused path is also told to a client that asked for
/// log messages (see `shared::client_log`), so a user watching sees what the model
/// tried to reach.
async fn reported<T>(result: FsResult<T>) -> Result<T, ToolError> {
    let error = match result {
        Ok(value) => return Ok(value),
        Err(error) => error,
    };
    if let Some(path) = error.refused_path() {
        shared::client_log::warning("fs", format!("refused {path}: outside the allowed roots"))
            .await;
    }
    Err(to_tool_error(error))
}

/// Sends strictly increasing progress notifications, if the client asked for them.
async fn forward_progress(ctx: RequestContext<RoleServer>, mut rx: mpsc::UnboundedReceiver<u64>) {
    let token = ctx.meta.get_progress_token();
    let mut last = 0u64;
    while let Some(n) = rx.recv().await {
        let Some(token) = &token else { continue };
        if n <= last {
            continue;
        }
        last = n;
        let _ = ctx
            .peer
            .notify_progress(
                ProgressNotificationParam::new(token.clone(), n as f64)
                    .with_message(format!("{n} entries examined")),
            )
            .await;
    }
}

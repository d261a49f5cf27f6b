//! The MCP face of fs-server: tools, `file://` resources (template, paginated
//! top-level list, subscriptions) and MCP roots.
//!
//! The read tools here are read-only; the tools that change files live in
//! `tools_write.rs` and exist only with `--allow-write`. All filesystem work runs on
//! a blocking thread. Long
//! walks (tree, name search, grep) report progress when the client asked for it and
//! stop when the client cancels. Client roots (MCP `roots/list`) may only narrow the
//! command-line roots, never widen them.

use std::sync::{Arc, RwLock};

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::*;
use rmcp::service::{NotificationContext, RequestContext, SubscriptionContext};
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler, tool, tool_handler, tool_router};
use shared::ToolError;
use shared::error::to_tool_error;
use tokio::sync::mpsc;

use crate::config::FsArgs;
use crate::control::Control;
use crate::error::FsResult;
use crate::grep::GrepParams;
use crate::listing::ListDirectoryParams;
use crate::prompt;
use crate::read::{
    FileInfoParams, MediaContent, ReadMediaParams, ReadMultipleParams, ReadTextParams,
};
use crate::resource_list;
use crate::resources;
use crate::sandbox::Sandbox;
use crate::walk::{DirectoryTreeParams, SearchFilesParams};
use crate::watch::{SessionWatches, WatchHub};

/// Output bounds and what the user opted into, from the command line.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_read_bytes: usize,
    pub max_media_bytes: u64,
    pub max_list_entries: usize,
    /// `--allow-write`: the tools that change files are listed and callable.
    pub allow_write: bool,
    /// `--allow-delete` (with `--allow-write`): `delete_path` too.
    pub allow_delete: bool,
}

impl Limits {
    pub fn from_args(args: &FsArgs) -> Self {
        Self {
            max_read_bytes: args.max_read_bytes,
            max_media_bytes: args.max_media_bytes,
            max_list_entries: args.max_list_entries,
            allow_write: args.allow_write,
            allow_delete: args.allow_write && args.allow_delete,
        }
    }
}

/// One client's view of the filesystem.
#[derive(Clone)]
pub struct FsServer {
    /// The roots from the command line: the most this server may ever touch.
    configured: Arc<Sandbox>,
    /// What this client may touch now: `configured`, or narrowed by its MCP roots.
    active: Arc<RwLock<Arc<Sandbox>>>,
    limits: Limits,
    /// Built once and shared by every session (schemas are large).
    tool_router: Arc<ToolRouter<Self>>,
    /// This client's resource subscriptions; dropped with the session, and with
    /// them its file watches.
    watches: Arc<SessionWatches>,
}

impl FsServer {
    pub fn new(configured: Arc<Sandbox>, limits: Limits) -> Self {
        // Tools the user did not opt into are not routed, so they are neither listed
        // nor callable.
        let mut tool_router = Self::tool_router();
        if limits.allow_write {
            tool_router.merge(Self::write_tools());
        }
        if limits.allow_delete {
            tool_router.merge(Self::delete_tools());
        }
        shared::schema::finish(&mut tool_router);
        Self {
            active: Arc::new(RwLock::new(configured.clone())),
            configured,
            limits,
            tool_router: Arc::new(tool_router),
            watches: Arc::new(SessionWatches::new(WatchHub::global())),
        }
    }

    /// A server for a new session: the same roots, limits and tools, with this
    /// session's own narrowed roots and resource subscriptions starting empty.
    pub fn for_new_session(&self) -> Self {
        Self {
            active: Arc::new(RwLock::new(self.configured.clone())),
            configured: self.configured.clone(),
            limits: self.limits.clone(),
            tool_router: self.tool_router.clone(),
            watches: Arc::new(SessionWatches::new(WatchHub::global())),
        }
    }

    /// What the model is told at initialize: how to use the tools, and whether it may write.
    fn instructions(&self) -> String {
        let mut text = String::from(
            "Files under the allowed roots (call list_roots). Use grep to search contents, search_files for names, directory_tree for structure, read_text_file with offset/limit for large files.",
        );
        if self.limits.allow_write {
            text.push_str(" Writes are enabled: prefer edit_file (exact old_text -> new_text; dry_run shows the diff) over rewriting whole files with write_file, and pass the sha256 that read_text_file reports as expected_sha256 so a concurrent change is never overwritten.");
        } else {
            text.push_str(" All tools are read-only.");
        }
        text
    }

    /// The limits and opt-ins this server runs with.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The sandbox in force for this client now.
    pub fn sandbox(&self) -> Arc<Sandbox> {
        match self.active.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set_sandbox(&self, sandbox: Arc<Sandbox>) {
        match self.active.write() {
            Ok(mut guard) => *guard = sandbox,
            Err(poisoned) => *poisoned.into_inner() = sandbox,
        }
    }

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

#[tool_router]
impl FsServer {
    #[tool(
        description = "List the directories this server may access. Paths given to the other tools must lie inside one: absolute, or relative to the first root. Call this first when unsure where files are. Example: {}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_roots(&self) -> String {
        let sandbox = self.sandbox();
        let mut out =
            String::from("Allowed roots (paths may be absolute or relative to the first):\n");
        for root in sandbox.roots() {
            out.push_str(&format!("{}\n", root.path.display()));
        }
        if sandbox.roots().len() < self.configured.roots().len() {
            out.push_str("(narrowed to the roots your client shared)\n");
        }
        out
    }

    #[tool(
        description = "List one directory's entries with type, size and modification time. Example: {\"path\": \"src\", \"sort_by\": \"size\", \"descending\": true}. Recursive view: directory_tree; find by name: search_files.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_directory(
        &self,
        Parameters(p): Parameters<ListDirectoryParams>,
    ) -> Result<String, ToolError> {
        let max = self.limits.max_list_entries;
        self.blocking(move |sb| crate::listing::list_directory(sb, &p, max))
            .await
    }

    #[tool(
        description = "Show a directory recursively as an indented tree, skipping .gitignore'd and hidden entries by default. Example: {\"path\": \".\", \"max_depth\": 2, \"exclude\": [\"target\", \"*.lock\"]}. Output is capped; the closing notice says how to see more.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn directory_tree(
        &self,
        Parameters(p): Parameters<DirectoryTreeParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<String, ToolError> {
        self.walk(ctx, move |sb, ctl| crate::walk::directory_tree(sb, &p, ctl))
            .await
    }

    #[tool(
        description = "Read a UTF-8 text file: whole, the first or last N lines, or a line range. Examples: {\"path\": \"README.md\"}; {\"path\": \"src/main.rs\", \"offset\": 120, \"limit\": 40, \"line_numbers\": true}; {\"path\": \"app.log\", \"tail\": 50}. Long output is cut at a line with a notice giving the offset to continue from.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn read_text_file(
        &self,
        Parameters(p): Parameters<ReadTextParams>,
    ) -> Result<String, ToolError> {
        let max = self.limits.max_read_bytes;
        self.blocking(move |sb| crate::read::read_text_with_hash(sb, &p, max))
            .await
    }

    #[tool(
        description = "Read an image or audio file as image/audio content, any other binary file as an embedded base64 resource. Example: {\"path\": \"docs/diagram.png\"}. For text use read_text_file.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn read_media_file(
        &self,
        Parameters(p): Parameters<ReadMediaParams>,
    ) -> Result<CallToolResult, ToolError> {
        let max = self.limits.max_media_bytes;
        let media = self
            .blocking(move |sb| crate::read::read_media(sb, &p.path, max))
            .await?;
        Ok(CallToolResult::success(vec![media_block(media)]))
    }

    #[tool(
        description = "Read several text files at once, each under a `==> path <==` header; a file that fails shows its error without failing the others. Example: {\"paths\": [\"Cargo.toml\", \"src/lib.rs\"]}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn read_multiple_files(
        &self,
        Parameters(p): Parameters<ReadMultipleParams>,
    ) -> Result<String, ToolError> {
        let max = self.limits.max_read_bytes;
        self.blocking(move |sb| Ok(crate::read::read_multiple(sb, &p.paths, max)))
            .await
    }

    #[tool(
        description = "A file's or directory's type, size, times, permissions, and sha256 (files up to 8 MiB). Example: {\"path\": \"Cargo.lock\"}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn get_file_info(
        &self,
        Parameters(p): Parameters<FileInfoParams>,
    ) -> Result<String, ToolError> {
        self.blocking(move |sb| crate::read::file_info(sb, &p.path))
            .await
    }

    #[tool(
        description = "Find files and directories by name with a glob, skipping .gitignore'd and hidden entries by default. Examples: {\"pattern\": \"*.toml\"} (any depth); {\"pattern\": \"src/**/test_*.py\", \"path\": \"backend\"}. To search inside files use grep.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn search_files(
        &self,
        Parameters(p): Parameters<SearchFilesParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<String, ToolError> {
        self.walk(ctx, move |sb, ctl| crate::walk::search_files(sb, &p, ctl))
            .await
    }

    #[tool(
        description = "Search file contents with a regex or literal text, like ripgrep: .gitignore-aware, binary files skipped, results capped. Examples: {\"pattern\": \"TODO|FIXME\", \"glob\": [\"*.rs\"], \"context\": 2}; {\"pattern\": \"a.b(c)\", \"literal\": true, \"case\": \"insensitive\"}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn grep(
        &self,
        Parameters(p): Parameters<GrepParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<String, ToolError> {
        self.walk(ctx, move |sb, ctl| crate::grep::grep(sb, &p, ctl))
            .await
    }
}

fn media_block(media: MediaContent) -> ContentBlock {
    match media {
        MediaContent::Image { mime, data_base64 } => ContentBlock::image(data_base64, mime),
        MediaContent::Audio { mime, data_base64 } => ContentBlock::audio(data_base64, mime),
        MediaContent::Blob {
            mime,
            data_base64,
            uri,
        } => ContentBlock::resource(ResourceContents::BlobResourceContents {
            uri,
            mime_type: Some(mime),
            blob: data_base64,
            meta: None,
        }),
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for FsServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .enable_resources_subscribe()
                .enable_prompts()
                .build(),
        )
        .with_server_info(Implementation::new("fs-server", env!("CARGO_PKG_VERSION")))
        .with_instructions(self.instructions())
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _ctx: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        Ok(ListPromptsResult::with_all_items(
            vec![prompt::definition()],
        ))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _ctx: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        shared::prompts::ensure_known(&request, &[prompt::definition()])?;
        let question = shared::prompts::argument(&request, "question");
        let start = shared::prompts::argument(&request, "path");
        let text = prompt::text(
            question.as_deref(),
            start.as_deref(),
            &self.sandbox().roots_display(),
        );
        Ok(shared::prompts::user_message(
            text,
            "Explore a folder".to_string(),
        ))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _ctx: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        Ok(ListResourceTemplatesResult::with_all_items(vec![
            resources::file_template(),
        ]))
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        _ctx: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        let sandbox = self.sandbox();
        let cursor = request.and_then(|r| r.cursor);
        tokio::task::spawn_blocking(move || resource_list::list_page(&sandbox, cursor.as_deref()))
            .await
            .map_err(|e| {
                McpError::internal_error(format!("resource listing panicked: {e}"), None)
            })?
    }

    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.watches
            .subscribe(self.sandbox(), request.uri, &ctx.peer)
            .await
    }

    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        _ctx: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.watches.unsubscribe(&request.uri);
        Ok(())
    }

    /// Starts watching the accepted files before rmcp acknowledges the stream, so
    /// no change after the acknowledgment is missed.
    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        Some(self.watches.accept(&self.sandbox(), requested))
    }

    async fn listen(&self, subscription: SubscriptionContext) -> Result<(), McpError> {
        self.watches.listen(self.sandbox(), subscription).await
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _ctx: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let sandbox = self.sandbox();
        let limits = self.limits.clone();
        let uri = request.uri;
        tokio::task::spawn_blocking(move || resources::read(&sandbox, &uri, &limits))
            .await
            .map_err(|e| McpError::internal_error(format!("resource read panicked: {e}"), None))?
            .map(|r| r.into())
    }

    async fn on_initialized(&self, ctx: NotificationContext<RoleServer>) {
        self.adopt_client_roots(&ctx).await;
    }

    async fn on_roots_list_changed(&self, ctx: NotificationContext<RoleServer>) {
        self.adopt_client_roots(&ctx).await;
    }
}

impl FsServer {
    /// MCP roots are deprecated by SEP-2577 (2026-07-28) but still what 2025-11-25
    /// clients use to say which folders they work in, so they are honoured here.
    ///
    /// Asks a client that declared the `roots` capability for its roots and narrows
    /// this client's sandbox to them. Roots outside the command-line roots are ignored;
    /// if none is inside, the command-line roots stay in force (and a warning is logged).
    #[allow(deprecated)]
    async fn adopt_client_roots(&self, ctx: &NotificationContext<RoleServer>) {
        let declared = ctx
            .peer
            .peer_info()
            .is_some_and(|info| info.capabilities.roots.is_some());
        if !declared {
            return;
        }
        let roots = match ctx.peer.list_roots().await {
            Ok(result) => result.roots,
            Err(e) => {
                tracing::warn!(error = %e, "client declared roots but roots/list failed");
                return;
            }
        };
        let paths = resources::root_paths(&roots);
        if paths.is_empty() {
            // The MCP Inspector, for one, declares roots and lists none.
            tracing::info!(
                served_roots = %self.configured.roots_display(),
                "the client listed no folder roots; serving the server's roots"
            );
            self.set_sandbox(self.configured.clone());
            return;
        }
        match self.configured.narrowed(&paths) {
            Ok(narrowed) => {
                tracing::info!(
                    client_roots = roots.len(),
                    kept = narrowed.roots().len(),
                    "narrowed to the client's roots"
                );
                self.set_sandbox(Arc::new(narrowed));
            }
            Err(_) => {
                // Common and harmless (the MCP Inspector, or Claude Code started in
                // another folder): the client simply works elsewhere.
                tracing::info!(
                    client_roots = %roots.iter().map(|r| r.uri.as_str()).collect::<Vec<_>>().join(", "),
                    served_roots = %self.configured.roots_display(),
                    "the client's roots lie outside the server's roots; ignoring them, so the server's own roots stay reachable"
                );
                self.set_sandbox(self.configured.clone());
            }
        }
    }
}

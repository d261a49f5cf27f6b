//! The MCP glue of fs-server: [`FsServer`] (one client's view of the roots), the
//! assembly of its tool router from the routers in [`crate::tools`], and the
//! `ServerHandler` methods for `file://` resources (template, paginated top-level
//! list, subscriptions), the prompt and MCP roots.
//!
//! The tools themselves live in [`crate::tools`], one file per group; the tools that
//! change files are routed only with `--allow-write` (`delete_path` also needs
//! `--allow-delete`). Client roots (MCP `roots/list`) may only narrow the
//! command-line roots, never widen them.

use std::sync::{Arc, RwLock};

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::*;
use rmcp::service::{NotificationContext, RequestContext, SubscriptionContext};
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler, tool_handler};

use crate::config::Limits;
use crate::prompt;
use crate::resource_list;
use crate::resources;
use crate::sandbox::Sandbox;
use crate::watch::{SessionWatches, WatchHub};

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
    /// A server for `configured` roots, with the tools `limits` allow routed.
    pub fn new(configured: Arc<Sandbox>, limits: Limits) -> Self {
        // Tools the user did not opt into are not routed, so they are neither listed
        // nor callable.
        let mut tool_router = Self::browse_router()
            + Self::read_router()
            + Self::search_router()
            + Self::grep_router();
        if limits.allow_write {
            tool_router += Self::write_router() + Self::edit_router();
        }
        if limits.allow_delete {
            tool_router += Self::delete_router();
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

    /// The roots from the command line: the most this server may ever touch.
    pub(crate) fn configured(&self) -> &Sandbox {
        &self.configured
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

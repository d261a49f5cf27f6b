//! The MCP face of notion-server: the `ServerHandler` glue that routes the read
//! tools (always) and the write tools (only with `--allow-write`; otherwise not even
//! listed) declared in [`crate::tools`], sharing one Notion client, and the
//! `summarize_page` prompt.

use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::*;
use rmcp::{ServerHandler, tool_handler};
use shared::ToolError;

use crate::client::NotionClient;
use crate::config::Settings;
use crate::fetch::{FetchLimits, Fetcher};
use crate::prompt;

/// One client's session: the shared Notion client and the settings.
#[derive(Clone)]
pub struct NotionServer {
    pub(crate) client: NotionClient,
    pub(crate) settings: Settings,
    /// Built once and shared by every session (schemas are large).
    tool_router: Arc<ToolRouter<Self>>,
}

impl NotionServer {
    /// A server with the read tools, and the write tools when `settings.allow_write`.
    pub fn new(client: NotionClient, settings: Settings) -> Self {
        let mut tool_router = Self::read_tools();
        if settings.allow_write {
            tool_router.merge(Self::write_tools());
            tool_router.merge(Self::content_tools());
        }
        shared::schema::finish(&mut tool_router);
        Self {
            client,
            settings,
            tool_router: Arc::new(tool_router),
        }
    }

    /// The tools this server lists (for the size test and diagnostics).
    pub fn tools(&self) -> Vec<Tool> {
        self.tool_router.list_all()
    }

    /// A fetcher for one call, with the configured bounds.
    pub(crate) fn fetcher(&self) -> Fetcher<NotionClient> {
        Fetcher::new(
            self.client.clone(),
            FetchLimits {
                max_depth: self.settings.max_depth,
                concurrency: self.settings.concurrency,
                max_blocks: self.settings.max_blocks,
            },
        )
    }

    /// The output bound for a call that may ask for less.
    pub(crate) fn max_bytes(&self, asked: Option<u32>) -> usize {
        let max = self.settings.max_output_bytes;
        asked.map_or(max, |a| (a as usize).clamp(1_000, max))
    }

    /// Fails early, with the fix, when no token is configured.
    pub(crate) fn require_token(&self) -> Result<(), ToolError> {
        if self.settings.token.is_none() && !self.settings.per_user {
            return Err(ToolError::new(
                "no Notion token is configured: set NOTION_TOKEN to an integration token (Notion → Settings → Connections → Develop or manage integrations) and restart the server",
            ));
        }
        Ok(())
    }

    fn instructions(&self) -> String {
        let mut text = String::from(
            "Notion workspace access. Find pages and data sources with search, read a page as Markdown with get_page (long pages continue with the cursor it returns), learn a data source's properties with get_data_source before query_data_source. Ids may be given as UUIDs or Notion URLs.",
        );
        if self.settings.allow_write {
            text.push_str(" Writes are enabled: create_page, append_markdown and update_page_content take Markdown (update_page_content never removes child pages, databases or synced blocks; try it with dry_run first); properties are a simple name -> value map (e.g. {\"Status\": \"Done\", \"Tags\": [\"a\"]}). If a write stops halfway, the error says which Markdown lines landed and how to finish.");
        } else {
            text.push_str(" All tools are read-only.");
        }
        text
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for NotionServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_prompts()
                .build(),
        )
        .with_server_info(Implementation::new(
            "notion-server",
            env!("CARGO_PKG_VERSION"),
        ))
        .with_instructions(self.instructions())
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _ctx: rmcp::service::RequestContext<rmcp::RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        Ok(ListPromptsResult::with_all_items(
            vec![prompt::definition()],
        ))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _ctx: rmcp::service::RequestContext<rmcp::RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        shared::prompts::ensure_known(&request, &[prompt::definition()])?;
        let page = shared::prompts::required(&request, "page", prompt::EXAMPLE)?;
        let focus = shared::prompts::argument(&request, "focus");
        Ok(shared::prompts::user_message(
            prompt::text(&page, focus.as_deref()),
            "Summarize a Notion page".to_string(),
        ))
    }
}

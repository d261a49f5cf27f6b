//! The MCP glue of sql-server: the session type, its tool router (assembled from the
//! groups in the `tools` module), the server's instructions, the schema resources and
//! the exploration prompt.
//!
//! Every tool resolves its database, checks SQL with the gate where there is SQL, and
//! runs through the executor with the call's cancellation token, so a client's
//! `notifications/cancelled` stops the statement on the database server.

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::*;
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler, tool_handler};
use shared::ToolError;
use tokio_util::sync::CancellationToken;

use crate::catalog::{self, TableFilter};
use crate::config::Limits;
use crate::custom::CustomTool;
use crate::db::{Database, Registry};
use crate::{prompt, resources, tools};

/// One client's session: the shared databases and limits.
#[derive(Clone)]
pub struct SqlServer {
    pub(crate) registry: Registry,
    pub(crate) limits: Limits,
    /// Only the operator's tools are listed.
    custom_only: bool,
    /// Built once and shared by every session (schemas are large).
    tool_router: std::sync::Arc<ToolRouter<Self>>,
}

impl SqlServer {
    /// A session serving `registry`'s databases within `limits`.
    pub fn new(registry: Registry, limits: Limits) -> Self {
        Self::with_custom(registry, limits, &[], false)
    }

    /// A session that also serves the operator's tools (see [`crate::custom`]); with
    /// `only`, the built-in tools are not listed.
    pub fn with_custom(
        registry: Registry,
        limits: Limits,
        custom: &[std::sync::Arc<CustomTool>],
        only: bool,
    ) -> Self {
        let mut tool_router = if only {
            ToolRouter::new()
        } else {
            Self::query_router() + Self::schema_router()
        };
        tool_router.merge(tools::custom::router(custom, limits.max_rows));
        shared::schema::finish(&mut tool_router);
        Self {
            registry,
            limits,
            custom_only: only,
            tool_router: std::sync::Arc::new(tool_router),
        }
    }

    /// The named database (the default when `None`), or a tool error naming the
    /// configured ones.
    pub(crate) fn database(
        &self,
        name: Option<&str>,
    ) -> Result<std::sync::Arc<Database>, ToolError> {
        self.registry.get(name).map_err(ToolError::new)
    }

    /// The overview text of a database, or why it could not be read.
    async fn overview(&self, db: &Database, ct: &CancellationToken) -> Result<String, String> {
        let lines = catalog::overview(db, &self.limits, ct)
            .await
            .map_err(|e| e.to_string())?;
        Ok(catalog::overview_text(db, &lines, self.limits.max_bytes))
    }

    /// Every resource: the overviews, then each database's tables.
    async fn all_resources(&self, ct: &CancellationToken) -> Vec<Resource> {
        let mut out: Vec<Resource> = self
            .registry
            .all()
            .iter()
            .map(|d| resources::overview_resource(&d.name, &d.engine.to_string()))
            .collect();
        for db in self.registry.all() {
            let filter = TableFilter {
                limit: 100_000,
                ..Default::default()
            };
            match catalog::tables(db, &filter, &self.limits, ct).await {
                Ok(page) => out.extend(
                    page.tables
                        .iter()
                        .map(|t| resources::table_resource(&db.name, &t.schema, &t.name, &t.kind)),
                ),
                Err(e) => {
                    tracing::warn!(database = %db.name, error = %e, "cannot list tables for resources")
                }
            }
        }
        out
    }
}

fn not_found(uri: &str, why: &str) -> McpError {
    McpError::resource_not_found(
        format!("resource not found: {uri} ({why})"),
        Some(serde_json::json!({"uri": uri})),
    )
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for SqlServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .enable_prompts()
                .build(),
        )
        .with_server_info(Implementation::new("sql-server", env!("CARGO_PKG_VERSION")))
        .with_instructions(if self.custom_only {
            format!(
                "Read-only SQL through the operator's named queries only: each tool runs one documented statement with the arguments you pass. Databases: {}. Read sql://<database> for the tables and columns.",
                self.registry.describe()
            )
        } else {
            format!(
            "Read-only SQL. Databases: {}. Start with the resource sql://<database> (all tables with columns and foreign keys) or list_tables, then describe_table, then query with placeholders and LIMIT. Every call runs one read-only statement; results are capped at {} rows and stopped after {} s.",
            self.registry.describe(),
            self.limits.max_rows,
            self.limits.timeout.as_secs()
        )
        })
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        let start = resources::offset(request.as_ref().and_then(|r| r.cursor.as_deref()))?;
        let all = self.all_resources(&ctx.ct).await;
        let page: Vec<Resource> = all
            .iter()
            .skip(start)
            .take(resources::PAGE)
            .cloned()
            .collect();
        let mut result = ListResourcesResult::with_all_items(page);
        if start + resources::PAGE < all.len() {
            result.next_cursor = Some(resources::cursor(start + resources::PAGE));
        }
        Ok(result)
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _ctx: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        Ok(ListResourceTemplatesResult::with_all_items(vec![
            resources::overview_template(),
            resources::table_template(),
        ]))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let uri = request.uri;
        let target = resources::parse(&uri).ok_or_else(|| {
            not_found(
                &uri,
                "expected sql://DATABASE or sql://DATABASE/SCHEMA/TABLE",
            )
        })?;
        let text = match target {
            resources::Target::Overview { database } => {
                let db = self
                    .registry
                    .get(Some(&database))
                    .map_err(|e| not_found(&uri, &e))?;
                self.overview(&db, &ctx.ct)
                    .await
                    .map_err(|e| McpError::internal_error(e, None))?
            }
            resources::Target::Table {
                database,
                schema,
                table,
            } => {
                let db = self
                    .registry
                    .get(Some(&database))
                    .map_err(|e| not_found(&uri, &e))?;
                match catalog::describe(&db, Some(&schema), &table, &self.limits, &ctx.ct).await {
                    Ok(detail) => catalog::detail_text(&detail),
                    Err(catalog::CatalogError::Lookup(m)) => return Err(not_found(&uri, &m)),
                    Err(e) => return Err(McpError::internal_error(e.to_string(), None)),
                }
            }
        };
        Ok(ReadResourceResult::new(vec![ResourceContents::text(text, uri)]).into())
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
        ctx: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        shared::prompts::ensure_known(&request, &[prompt::definition()])?;
        let arg = |key: &str| shared::prompts::argument(&request, key);
        let db = self
            .registry
            .get(arg("database").as_deref())
            .map_err(|e| McpError::invalid_params(e, None))?;
        let overview = match self.overview(&db, &ctx.ct).await {
            Ok(text) => {
                // Keep the prompt small; the resource has the full map.
                let mut t: String = text.chars().take(16_000).collect();
                if t.len() < text.len() {
                    t.push_str(&format!("\n… (cut; read sql://{} for the rest)", db.name));
                }
                t
            }
            Err(e) => format!("(could not be read: {e})"),
        };
        let text = prompt::text(
            &db.name,
            &db.engine.to_string(),
            arg("question").as_deref(),
            &overview,
        );
        Ok(
            GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
                .with_description(format!("Explore database {}", db.name))
                .into(),
        )
    }
}

//! The MCP face of sql-server: five read-only tools, the schema resources, and the
//! exploration prompt.
//!
//! Every tool resolves its database, checks SQL with the gate where there is SQL, and
//! runs through the executor with the call's cancellation token, so a client's
//! `notifications/cancelled` stops the statement on the database server.

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::*;
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler, tool, tool_handler, tool_router};
use shared::ToolError;
use tokio_util::sync::CancellationToken;

use crate::catalog::{self, TableFilter};
use crate::config::Limits;
use crate::db::{Database, Registry};
use crate::tools::{
    DescribeTableParams, ExplainParams, ListSchemasParams, ListTablesParams, QueryOutput,
    QueryParams, call_limits, query_output,
};
use crate::{exec, explain, guard, prompt, resources};

/// One client's session: the shared databases and limits.
#[derive(Clone)]
pub struct SqlServer {
    registry: Registry,
    limits: Limits,
    /// Built once and shared by every session (schemas are large).
    tool_router: std::sync::Arc<ToolRouter<Self>>,
}

impl SqlServer {
    pub fn new(registry: Registry, limits: Limits) -> Self {
        let mut tool_router = Self::tool_router();
        shared::schema::finish(&mut tool_router);
        Self {
            registry,
            limits,
            tool_router: std::sync::Arc::new(tool_router),
        }
    }

    fn database(&self, name: Option<&str>) -> Result<std::sync::Arc<Database>, ToolError> {
        self.registry.get(name).map_err(ToolError::new)
    }
}

#[tool_router]
impl SqlServer {
    #[tool(
        description = "Run one read-only SQL statement and get its rows as a table (plus structured columns and rows). Values go in placeholders: $1, $2 in PostgreSQL, ? in MySQL/MariaDB and SQLite. Example: {\"sql\": \"SELECT id, name, total FROM orders WHERE status = $1 ORDER BY total DESC LIMIT 20\", \"params\": [\"paid\"]}. Results are capped; when cut, the output says how to get the next page. Statements that write, lock, change settings or are several are refused with the reason.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        ),
        output_schema = rmcp::handler::server::common::schema_for_output::<QueryOutput>()
    )]
    async fn query(
        &self,
        Parameters(p): Parameters<QueryParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ToolError> {
        let db = self.database(p.database.as_deref())?;
        let approved = guard::check(&p.sql, db.engine).map_err(|r| ToolError::new(r.0))?;
        let limits = call_limits(&self.limits, p.max_rows, p.timeout_seconds);
        let rows = exec::run_approved(&db, &approved, &p.params, &limits, &ctx.ct)
            .await
            .map_err(|e| ToolError::new(e.to_string()))?;
        tell_client_about(&db.name, &rows).await;
        let (output, text) = query_output(&db.name, rows);
        let structured = output.into_structured();
        let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
        result.structured_content = Some(structured);
        Ok(result)
    }

    #[tool(
        description = "Show how the database would execute a query, without running it (EXPLAIN, never ANALYZE): before heavy queries, or to find missing indexes. Example: {\"sql\": \"SELECT * FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.country = $1\", \"params\": [\"FR\"]}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn explain(
        &self,
        Parameters(p): Parameters<ExplainParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<String, ToolError> {
        let db = self.database(p.database.as_deref())?;
        let approved =
            guard::check_explainable(&p.sql, db.engine).map_err(|r| ToolError::new(r.0))?;
        let statement = explain::statement(db.engine, &approved.sql, p.format);
        let rows = exec::run(&db, &statement, &p.params, &self.limits, &ctx.ct)
            .await
            .map_err(|e| ToolError::new(e.to_string()))?;
        Ok(explain::render(db.engine, p.format, &rows))
    }

    #[tool(
        description = "List a database's schemas (PostgreSQL schemas, MySQL databases, SQLite main and attached files) with their table counts, and the configured databases. Example: {} or {\"database\": \"analytics\"}. Next: list_tables.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_schemas(
        &self,
        Parameters(p): Parameters<ListSchemasParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<String, ToolError> {
        let db = self.database(p.database.as_deref())?;
        let schemas = catalog::schemas(&db, &self.limits, &ctx.ct)
            .await
            .map_err(|e| ToolError::new(e.to_string()))?;
        let mut text = catalog::schemas_text(&db.name, &schemas);
        if self.registry.all().len() > 1 {
            text.push_str(&format!(
                "Configured databases: {}\n",
                self.registry.describe()
            ));
        }
        Ok(text)
    }

    #[tool(
        description = "List tables and views with their kind and estimated row count, filtered by name and paged. Examples: {}; {\"filter\": \"order\"}; {\"schema\": \"sales\", \"offset\": 200}. Then describe_table for columns and keys.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn list_tables(
        &self,
        Parameters(p): Parameters<ListTablesParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<String, ToolError> {
        let db = self.database(p.database.as_deref())?;
        let filter = TableFilter {
            schema: p.schema.filter(|s| !s.trim().is_empty()),
            name: p.filter.filter(|s| !s.trim().is_empty()),
            limit: i64::from(p.limit.unwrap_or(200).clamp(1, 1000)),
            offset: i64::from(p.offset.unwrap_or(0)),
        };
        let page = catalog::tables(&db, &filter, &self.limits, &ctx.ct)
            .await
            .map_err(|e| ToolError::new(e.to_string()))?;
        Ok(catalog::tables_text(&db.name, &page, &filter))
    }

    #[tool(
        description = "Describe a table or view: columns with types, nullability and defaults; primary key; foreign keys; unique and check constraints; indexes; the tables that reference it. Example: {\"table\": \"orders\"} or {\"table\": \"sales.orders\"}",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn describe_table(
        &self,
        Parameters(p): Parameters<DescribeTableParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<String, ToolError> {
        let db = self.database(p.database.as_deref())?;
        let detail = catalog::describe(&db, p.schema.as_deref(), &p.table, &self.limits, &ctx.ct)
            .await
            .map_err(|e| ToolError::new(e.to_string()))?;
        Ok(catalog::detail_text(&detail))
    }
}

impl SqlServer {
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
        .with_instructions(format!(
            "Read-only SQL. Databases: {}. Start with the resource sql://<database> (all tables with columns and foreign keys) or list_tables, then describe_table, then query with placeholders and LIMIT. Every call runs one read-only statement; results are capped at {} rows and stopped after {} s.",
            self.registry.describe(),
            self.limits.max_rows,
            self.limits.timeout.as_secs()
        ))
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

/// A query slower than this is reported to a client that asked for log messages.
const SLOW_QUERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Log messages for a client watching (see `shared::client_log`): a slow query, and
/// output cut at a cap. Never the rows themselves.
async fn tell_client_about(database: &str, rows: &exec::Rows) {
    if rows.elapsed >= SLOW_QUERY {
        shared::client_log::notice(
            "sql",
            format!(
                "slow query on {database}: {:.1} s; EXPLAIN it to find a missing index",
                rows.elapsed.as_secs_f64()
            ),
        )
        .await;
    }
    let cut = match rows.cut {
        Some(exec::Cut::Rows(max)) => format!("the {max}-row cap"),
        Some(exec::Cut::Bytes(max)) => format!("the {max}-byte output cap"),
        None => return,
    };
    shared::client_log::notice(
        "sql",
        format!(
            "query on {database}: {} rows returned, cut at {cut}; the result's `next` says how to get the rest",
            rows.rows.len()
        ),
    )
    .await;
}

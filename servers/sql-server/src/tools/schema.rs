//! `list_schemas`, `list_tables`, `search_objects` and `describe_table`: the tools
//! that read the catalog, with their inputs (whose doc comments are the model's manual).

use rmcp::handler::server::wrapper::Parameters;
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use shared::ToolError;

use crate::catalog::search::{self, Search};
use crate::catalog::{self, TableFilter};
use crate::server::SqlServer;

/// Input of `list_schemas`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListSchemasParams {
    /// Configured database; omit for the default.
    #[serde(default)]
    pub database: Option<String>,
}

/// Input of `list_tables`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListTablesParams {
    /// Only this schema (MySQL: database; SQLite: attached name); default: all user
    /// schemas.
    #[serde(default)]
    pub schema: Option<String>,
    /// Part of the name, case-insensitive; `%` and `_` work as LIKE wildcards.
    #[serde(default)]
    pub filter: Option<String>,
    /// Tables to skip (the output gives the next offset).
    #[serde(default)]
    pub offset: Option<u32>,
    /// Tables per page (default 200, max 1000).
    #[serde(default)]
    pub limit: Option<u32>,
    /// Configured database; omit for the default.
    #[serde(default)]
    pub database: Option<String>,
}

/// Input of `describe_table`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DescribeTableParams {
    /// Table or view, optionally schema-qualified.
    pub table: String,
    /// Its schema, if not in `table`; omit to search the default ones.
    #[serde(default)]
    pub schema: Option<String>,
    /// Configured database; omit for the default.
    #[serde(default)]
    pub database: Option<String>,
}

/// Input of `search_objects`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SearchObjectsParams {
    /// Part of a name, case-insensitive; `%` and `_` work as LIKE wildcards (with a `%`
    /// the pattern must match the whole name).
    pub pattern: String,
    /// Which kinds to find: table, view, column, index, function (SQLite has no
    /// functions). Default: all.
    #[serde(default)]
    pub kinds: Option<Vec<String>>,
    /// Only this schema (MySQL: database; SQLite: attached name, default main);
    /// default: every user schema.
    #[serde(default)]
    pub schema: Option<String>,
    /// Also show each object's details: column types and nullability, index
    /// definitions, function signatures, table row estimates. Default false: names
    /// only.
    #[serde(default)]
    pub detail: bool,
    /// Objects to skip (the output gives the next offset).
    #[serde(default)]
    pub offset: Option<u32>,
    /// Objects per page (default 100, max 500).
    #[serde(default)]
    pub limit: Option<u32>,
    /// Configured database; omit for the default.
    #[serde(default)]
    pub database: Option<String>,
}

#[tool_router(router = schema_router, vis = "pub(crate)")]
impl SqlServer {
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
        description = "Find tables, views, columns, indexes and functions by part of their name across all schemas, for large databases: one compact line per object (names first; add detail for types and definitions), paged. Examples: {\"pattern\": \"invoice\"}; {\"pattern\": \"customer_id\", \"kinds\": [\"column\"]}; {\"pattern\": \"ord%\", \"kinds\": [\"table\", \"view\"], \"schema\": \"sales\", \"detail\": true}. Then describe_table.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn search_objects(
        &self,
        Parameters(p): Parameters<SearchObjectsParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<String, ToolError> {
        let db = self.database(p.database.as_deref())?;
        let search = Search {
            pattern: p.pattern,
            kinds: search::kinds(p.kinds).map_err(|e| ToolError::new(e.to_string()))?,
            schema: p.schema.filter(|s| !s.trim().is_empty()),
            detail: p.detail,
            limit: i64::from(p.limit.unwrap_or(100).clamp(1, 500)),
            offset: i64::from(p.offset.unwrap_or(0)),
        };
        let page = search::search(&db, &search, &self.limits, &ctx.ct)
            .await
            .map_err(|e| ToolError::new(e.to_string()))?;
        Ok(search::page_text(
            &db.name,
            &search,
            &page,
            self.limits.max_bytes,
        ))
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

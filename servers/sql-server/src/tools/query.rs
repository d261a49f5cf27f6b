//! `query` and `explain`: the tools that run (or plan) the caller's SQL, with their
//! inputs (whose doc comments are the model's manual), the query tool's structured
//! output and the text that accompanies it.

use std::fmt::Write as _;

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::ToolError;

use crate::config::Limits;
use crate::exec::{self, Column, Cut, Rows};
use crate::explain::{self, PlanFormat};
use crate::guard;
use crate::server::SqlServer;

/// Input of `query`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct QueryParams {
    /// One read-only statement: SELECT, WITH … SELECT, VALUES, EXPLAIN, SHOW/DESCRIBE
    /// (MySQL), SHOW (PostgreSQL) or a reporting PRAGMA (SQLite), with values in
    /// placeholders.
    pub sql: String,
    /// Placeholder values in order: strings, numbers, booleans or null; dates, times and
    /// exact decimals as strings. In PostgreSQL a JSON array binds to an array (`id =
    /// ANY($1)`).
    #[serde(default)]
    pub params: Vec<Value>,
    /// Configured database; omit for the default.
    #[serde(default)]
    pub database: Option<String>,
    /// Most rows to return (default and max: the server's row cap).
    #[serde(default)]
    pub max_rows: Option<u32>,
    /// Seconds before the server stops the statement (default and max: the server's
    /// timeout).
    #[serde(default)]
    pub timeout_seconds: Option<u32>,
}

/// Input of `explain`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ExplainParams {
    /// The query to plan, without the EXPLAIN keyword.
    pub sql: String,
    /// Placeholder values, as for query.
    #[serde(default)]
    pub params: Vec<Value>,
    /// `json` for a JSON plan (PostgreSQL, MySQL/MariaDB; SQLite always gives its tree).
    /// Default `text`.
    #[serde(default)]
    pub format: PlanFormat,
    /// Configured database; omit for the default.
    #[serde(default)]
    pub database: Option<String>,
}

/// Structured result of `query`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct QueryOutput {
    /// The database the statement ran on.
    pub database: String,
    /// Result columns with the engine's type names.
    pub columns: Vec<Column>,
    /// Rows as arrays, in column order. Exact decimals and integers beyond ±2^53 are
    /// strings; dates and times ISO 8601; bytes base64; JSON columns JSON.
    pub rows: Vec<Vec<Value>>,
    /// Rows returned.
    pub row_count: usize,
    /// Whether rows were cut at the row or byte cap (more exist).
    pub truncated: bool,
    /// When truncated: why, and how to get the remaining rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// Time the database took, in milliseconds.
    pub elapsed_ms: f64,
}

impl QueryOutput {
    /// The structured content: what `serde_json::to_value` makes of `self`, built by
    /// moving the rows instead of copying every value.
    pub fn into_structured(self) -> Value {
        let mut map = serde_json::Map::with_capacity(7);
        map.insert("database".into(), Value::String(self.database));
        map.insert(
            "columns".into(),
            Value::Array(
                self.columns
                    .into_iter()
                    .map(|c| {
                        let mut column = serde_json::Map::with_capacity(2);
                        column.insert("name".into(), Value::String(c.name));
                        column.insert("type".into(), Value::String(c.type_name));
                        Value::Object(column)
                    })
                    .collect(),
            ),
        );
        map.insert(
            "rows".into(),
            Value::Array(self.rows.into_iter().map(Value::Array).collect()),
        );
        map.insert("row_count".into(), self.row_count.into());
        map.insert("truncated".into(), self.truncated.into());
        if let Some(next) = self.next {
            map.insert("next".into(), Value::String(next));
        }
        map.insert("elapsed_ms".into(), self.elapsed_ms.into());
        Value::Object(map)
    }
}

#[tool_router(router = query_router, vis = "pub(crate)")]
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
}

/// The limits for one call: the server's, narrowed by what the call asks.
pub fn call_limits(server: &Limits, max_rows: Option<u32>, timeout_seconds: Option<u32>) -> Limits {
    Limits {
        max_rows: max_rows.map_or(server.max_rows, |n| (n as usize).clamp(1, server.max_rows)),
        max_bytes: server.max_bytes,
        timeout: timeout_seconds.map_or(server.timeout, |s| {
            std::time::Duration::from_secs(u64::from(s.max(1))).min(server.timeout)
        }),
    }
}

/// How to get the rest after a cut.
fn next_hint(cut: Cut, shown: usize) -> String {
    match cut {
        Cut::Rows(n) => format!(
            "Only the first {n} rows are returned; more exist. For the next page add a stable ORDER BY (e.g. the primary key) and LIMIT {n} OFFSET {shown}, or keyset-page with WHERE key > <last key> ORDER BY key LIMIT {n}; or aggregate (count(*), GROUP BY) instead of listing."
        ),
        Cut::Bytes(b) => format!(
            "Output stopped at the {b}-byte limit after {shown} rows; more rows exist. Select fewer or shorter columns (e.g. substr(col, 1, 200)), or page with ORDER BY … LIMIT {} OFFSET {shown}.",
            shown.max(1)
        ),
    }
}

/// The structured output and its compact text form.
pub fn query_output(database: &str, rows: Rows) -> (QueryOutput, String) {
    query_output_with(database, rows, next_hint)
}

/// [`query_output`] with another way to say how to get the rest after a cut (`hint`
/// gets the cut and the rows shown).
pub fn query_output_with(
    database: &str,
    rows: Rows,
    hint: impl Fn(Cut, usize) -> String,
) -> (QueryOutput, String) {
    let header: Vec<String> = rows.columns.iter().map(|c| c.name.clone()).collect();
    let mut text = if rows.columns.is_empty() {
        String::from("(statement returned no columns)\n")
    } else {
        crate::table::render(&header, &rows.rows)
    };
    let elapsed_ms = (rows.elapsed.as_secs_f64() * 1e4).round() / 10.0;
    let next = rows.cut.map(|c| hint(c, rows.rows.len()));
    let _ = write!(
        text,
        "({} row{}{}, {elapsed_ms} ms)",
        rows.rows.len(),
        if rows.rows.len() == 1 { "" } else { "s" },
        if rows.cut.is_some() {
            ", truncated"
        } else {
            ""
        }
    );
    if let Some(n) = &next {
        let _ = write!(text, "\n{n}");
    }
    let output = QueryOutput {
        database: database.to_string(),
        row_count: rows.rows.len(),
        truncated: rows.cut.is_some(),
        columns: rows.columns,
        rows: rows.rows,
        next,
        elapsed_ms,
    };
    (output, text)
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn calls_may_only_narrow_the_limits() {
        let server = Limits {
            max_rows: 1000,
            max_bytes: 1 << 20,
            timeout: Duration::from_secs(30),
        };
        let l = call_limits(&server, Some(5000), Some(600));
        assert_eq!(l.max_rows, 1000);
        assert_eq!(l.timeout, Duration::from_secs(30));
        let l = call_limits(&server, Some(10), Some(2));
        assert_eq!(l.max_rows, 10);
        assert_eq!(l.timeout, Duration::from_secs(2));
    }

    #[test]
    fn truncated_output_says_how_to_page() {
        let rows = Rows {
            columns: vec![Column {
                name: "id".into(),
                type_name: "INT4".into(),
            }],
            rows: vec![vec![serde_json::json!(1)], vec![serde_json::json!(2)]],
            cut: Some(Cut::Rows(2)),
            bytes: 8,
            elapsed: Duration::from_millis(3),
        };
        let (out, text) = query_output("main", rows);
        assert!(out.truncated);
        assert!(text.contains("OFFSET 2"), "{text}");
        assert!(out.next.as_ref().unwrap().contains("LIMIT 2"));
        let serialized = serde_json::to_value(&out).unwrap();
        assert_eq!(out.into_structured(), serialized);
    }

    #[test]
    fn structured_content_is_the_schema_serialization() {
        let rows = Rows {
            columns: vec![
                Column {
                    name: "id".into(),
                    type_name: "INT8".into(),
                },
                Column {
                    name: "note".into(),
                    type_name: "TEXT".into(),
                },
            ],
            rows: vec![vec![serde_json::json!("9007199254740993"), Value::Null]],
            cut: None,
            bytes: 30,
            elapsed: Duration::from_micros(1234),
        };
        let (out, _) = query_output("shop", rows);
        let serialized = serde_json::to_value(&out).unwrap();
        assert!(serialized.get("next").is_none());
        assert_eq!(out.into_structured(), serialized);
    }
}

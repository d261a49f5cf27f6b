//! Schema introspection: schemas, tables (filtered, paged) and one table's full
//! description (columns, types, nullability, defaults, primary and foreign keys,
//! unique constraints, indexes, and the tables that reference it).
//!
//! Each engine module asks its own catalog (`pg_catalog`, `information_schema`,
//! SQLite's `sqlite_schema` and pragma functions) through the same read-only executor
//! as user queries, with bound parameters. This module holds the shared shapes, the
//! dispatch to the engine's module, and how the shapes read as text; `describe` holds
//! `describe_table`'s one skeleton, which each engine fills through its `Describe`
//! trait; `search` finds objects of every kind by name pattern across schemas.

mod describe;
mod mysql;
mod pg;
pub mod search;
mod sqlite;

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::config::Limits;
use crate::db::{Database, Pool};
use crate::exec::{self, ExecError};

/// A schema (PostgreSQL/MySQL) or attached database (SQLite).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SchemaInfo {
    /// Its name.
    pub name: String,
    /// Tables and views in it.
    pub tables: Option<i64>,
    /// Owner (PostgreSQL) or file (SQLite).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// One table or view in a listing.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TableInfo {
    /// The schema it is in.
    pub schema: String,
    /// Its name.
    pub name: String,
    /// table, view, materialized view, foreign table.
    pub kind: String,
    /// The engine's row estimate from its statistics (not exact).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_rows: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Its comment, if it has one.
    pub comment: Option<String>,
}

impl TableInfo {
    /// A catalog row of `(schema, name, kind, estimated rows, comment)`.
    pub(crate) fn from_row(row: &[Value]) -> Self {
        Self {
            schema: text(row, 0),
            name: text(row, 1),
            kind: text(row, 2),
            estimated_rows: int(row, 3),
            comment: opt_text(row, 4),
        }
    }
}

/// A page of tables.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TablePage {
    /// The tables on this page.
    pub tables: Vec<TableInfo>,
    /// How many tables match in all.
    pub total: i64,
    /// How many matching tables come before this page.
    pub offset: i64,
}

/// A column of a described table.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ColumnDetail {
    /// Its name.
    pub name: String,
    #[serde(rename = "type")]
    /// Its type as the engine writes it (with length, precision, etc.).
    pub type_name: String,
    /// Whether it accepts NULL.
    pub nullable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Its default, or how it is generated.
    pub default: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Its comment, if it has one.
    pub comment: Option<String>,
}

/// A foreign key, from this table or into it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ForeignKey {
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The constraint name, where the engine has one.
    pub name: Option<String>,
    /// The referencing columns, in key order.
    pub columns: Vec<String>,
    /// The schema of the referenced table.
    pub references_schema: String,
    /// The referenced table.
    pub references_table: String,
    /// The referenced columns, in key order.
    pub references_columns: Vec<String>,
}

/// A table that references the described one.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Reference {
    /// The referencing table's schema.
    pub schema: String,
    /// The referencing table.
    pub table: String,
    /// Its referencing columns, in key order.
    pub columns: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The constraint name, where the engine has one.
    pub name: Option<String>,
}

impl Reference {
    /// A catalog row of `(schema, table, columns as a list, constraint name)`.
    pub(crate) fn from_row(row: &[Value]) -> Self {
        Self {
            schema: text(row, 0),
            table: text(row, 1),
            columns: list(row, 2),
            name: opt_text(row, 3),
        }
    }
}

/// An index.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct IndexInfo {
    /// Its name.
    pub name: String,
    /// The indexed columns (or expressions), in order.
    pub columns: Vec<String>,
    /// Whether it enforces uniqueness.
    pub unique: bool,
    /// Whether it is the primary key's index.
    pub primary: bool,
    /// The engine's own definition, when it gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
}

/// A unique or check constraint.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Constraint {
    /// Its name.
    pub name: String,
    /// `unique`, `check` or `exclude`.
    pub kind: String,
    /// Its definition, as SQL.
    pub definition: String,
}

/// Everything about one table.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TableDetail {
    /// The schema it is in.
    pub schema: String,
    /// Its name.
    pub name: String,
    /// table, view, materialized view, foreign table.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The engine's row estimate from its statistics (not exact).
    pub estimated_rows: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Its comment, if it has one.
    pub comment: Option<String>,
    /// Its columns, in order.
    pub columns: Vec<ColumnDetail>,
    /// The primary key's columns, in key order (empty without one).
    pub primary_key: Vec<String>,
    /// Its foreign keys.
    pub foreign_keys: Vec<ForeignKey>,
    /// Its unique, check and exclusion constraints.
    pub constraints: Vec<Constraint>,
    /// Its indexes, the primary key's first.
    pub indexes: Vec<IndexInfo>,
    /// The tables whose foreign keys reference it.
    pub referenced_by: Vec<Reference>,
}

impl TableDetail {
    /// A table's header, its parts (columns, keys, indexes, references) still empty.
    pub(crate) fn new(
        schema: String,
        name: String,
        kind: String,
        estimated_rows: Option<i64>,
        comment: Option<String>,
    ) -> Self {
        Self {
            schema,
            name,
            kind,
            estimated_rows,
            comment,
            columns: Vec::new(),
            primary_key: Vec::new(),
            foreign_keys: Vec::new(),
            constraints: Vec::new(),
            indexes: Vec::new(),
            referenced_by: Vec::new(),
        }
    }
}

/// A catalog failure the model can act on.
#[derive(Debug, Clone)]
pub enum CatalogError {
    /// A catalog query failed.
    Exec(ExecError),
    /// Not found, ambiguous, or a bad argument: the text says what to do.
    Lookup(String),
}

impl std::fmt::Display for CatalogError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CatalogError::Exec(e) => e.fmt(f),
            CatalogError::Lookup(m) => f.write_str(m),
        }
    }
}

impl From<ExecError> for CatalogError {
    fn from(e: ExecError) -> Self {
        CatalogError::Exec(e)
    }
}

/// Catalog queries run with these bounds (listings page themselves).
fn catalog_limits(limits: &Limits) -> Limits {
    Limits {
        max_rows: 100_000,
        max_bytes: 64 * 1024 * 1024,
        timeout: limits.timeout,
    }
}

/// Runs an internal catalog query and returns its rows.
pub(crate) async fn fetch(
    db: &Database,
    sql: &str,
    params: &[Value],
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<Vec<Vec<Value>>, ExecError> {
    Ok(exec::run(db, sql, params, &catalog_limits(limits), ct)
        .await?
        .rows)
}

/// Lists schemas.
pub async fn schemas(
    db: &Database,
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<Vec<SchemaInfo>, CatalogError> {
    match &db.pool {
        Pool::Postgres(..) => pg::schemas(db, limits, ct).await,
        Pool::MySql(..) => mysql::schemas(db, limits, ct).await,
        Pool::Sqlite(_) => sqlite::schemas(db, limits, ct).await,
    }
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct TableFilter {
    /// Only this schema; all user schemas when `None`.
    pub schema: Option<String>,
    /// Case-insensitive; `%` and `_` are LIKE wildcards; plain text matches anywhere.
    pub name: Option<String>,
    /// Tables per page.
    pub limit: i64,
    /// Tables to skip.
    pub offset: i64,
}

impl TableFilter {
    /// The LIKE pattern for the name filter.
    pub fn pattern(&self) -> Option<String> {
        let f = self.name.as_deref()?.trim();
        if f.is_empty() {
            return None;
        }
        Some(if f.contains('%') {
            f.to_string()
        } else {
            format!("%{f}%")
        })
    }
}

/// Lists tables and views, a page at a time.
pub async fn tables(
    db: &Database,
    filter: &TableFilter,
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<TablePage, CatalogError> {
    match &db.pool {
        Pool::Postgres(..) => pg::tables(db, filter, limits, ct).await,
        Pool::MySql(..) => mysql::tables(db, filter, limits, ct).await,
        Pool::Sqlite(_) => sqlite::tables(db, filter, limits, ct).await,
    }
}

/// Describes one table; `table` may be `schema.table`.
pub async fn describe(
    db: &Database,
    schema: Option<&str>,
    table: &str,
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<TableDetail, CatalogError> {
    let (schema, table) = split_name(schema, table);
    if table.is_empty() {
        return Err(CatalogError::Lookup(
            "table is empty: pass a table name, e.g. {\"table\": \"orders\"}".into(),
        ));
    }
    match &db.pool {
        Pool::Postgres(..) => pg::describe(db, schema.as_deref(), &table, limits, ct).await,
        Pool::MySql(_, flavor) => {
            mysql::describe(
                db,
                flavor.is_mariadb(),
                schema.as_deref(),
                &table,
                limits,
                ct,
            )
            .await
        }
        Pool::Sqlite(_) => sqlite::describe(db, schema.as_deref(), &table, limits, ct).await,
    }
}

/// `schema.table` into its parts (an explicit schema wins); quotes are removed.
fn split_name(schema: Option<&str>, table: &str) -> (Option<String>, String) {
    let unquote = |s: &str| s.trim().trim_matches(['"', '`', '[', ']']).to_string();
    let schema = schema.map(unquote).filter(|s| !s.is_empty());
    if schema.is_none()
        && let Some((s, t)) = table.split_once('.')
    {
        return (Some(unquote(s)), unquote(t));
    }
    (schema, unquote(table))
}

/// One table in a database overview.
#[derive(Debug, Clone)]
pub struct OverviewLine {
    /// The schema it is in.
    pub schema: String,
    /// The table's name.
    pub table: String,
    /// table, view, materialized view, foreign table.
    pub kind: String,
    /// The engine's row estimate, where it keeps one.
    pub estimated_rows: Option<i64>,
    /// `col type [PK] [→ table], …`
    pub columns: String,
}

/// Every table with its columns, one line each.
pub async fn overview(
    db: &Database,
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<Vec<OverviewLine>, CatalogError> {
    match &db.pool {
        Pool::Postgres(..) => pg::overview(db, limits, ct).await,
        Pool::MySql(..) => mysql::overview(db, limits, ct).await,
        Pool::Sqlite(_) => sqlite::overview(db, limits, ct).await,
    }
}

/// The overview as text, cut at `max_bytes` with a note saying how to see the rest.
pub fn overview_text(db: &Database, lines: &[OverviewLine], max_bytes: usize) -> String {
    let mut out = format!(
        "Database `{}` ({}, {}): {} tables/views.\nEach line: schema.table (kind, ~estimated rows): column type; PK marks primary-key columns, → t a foreign key to table t.\n",
        db.name,
        db.engine,
        db.url,
        lines.len()
    );
    for (i, l) in lines.iter().enumerate() {
        let mut line = format!("{}.{} ({}", l.schema, l.table, l.kind);
        if let Some(n) = l.estimated_rows {
            let _ = write!(line, ", ~{n} rows");
        }
        let _ = writeln!(line, "): {}", l.columns);
        if out.len() + line.len() > max_bytes {
            let _ = writeln!(
                out,
                "… cut after {i} of {} tables (size limit). Use list_tables (with filter/offset) and describe_table for the rest.",
                lines.len()
            );
            break;
        }
        out.push_str(&line);
    }
    out
}

/// A not-found message that suggests close names.
pub(crate) fn not_found(what: &str, similar: &[String]) -> CatalogError {
    let mut m = format!("no table or view named `{what}`.");
    if similar.is_empty() {
        m.push_str(" Call list_tables to see what exists.");
    } else {
        let _ = write!(m, " Did you mean: {}?", similar.join(", "));
    }
    CatalogError::Lookup(m)
}

/// Row helpers for catalog results.
pub(crate) fn text(row: &[Value], i: usize) -> String {
    match row.get(i) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

pub(crate) fn opt_text(row: &[Value], i: usize) -> Option<String> {
    match row.get(i) {
        Some(Value::Null) | None => None,
        _ => Some(text(row, i)).filter(|s| !s.is_empty()),
    }
}

pub(crate) fn int(row: &[Value], i: usize) -> Option<i64> {
    match row.get(i) {
        Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Some(Value::String(s)) => s.parse().ok(),
        Some(Value::Bool(b)) => Some(i64::from(*b)),
        _ => None,
    }
}

pub(crate) fn boolean(row: &[Value], i: usize) -> bool {
    match row.get(i) {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0) != 0,
        Some(Value::String(s)) => matches!(s.as_str(), "1" | "t" | "true" | "YES" | "yes"),
        _ => false,
    }
}

pub(crate) fn list(row: &[Value], i: usize) -> Vec<String> {
    match row.get(i) {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect(),
        Some(Value::String(s)) if !s.is_empty() => s.split(',').map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

/// Schemas as text.
pub fn schemas_text(database: &str, schemas: &[SchemaInfo]) -> String {
    let mut out = format!("Schemas in database `{database}`:\n");
    for s in schemas {
        let _ = write!(out, "  {}", s.name);
        if let Some(n) = s.tables {
            let _ = write!(out, " ({n} tables/views)");
        }
        if let Some(d) = &s.detail {
            let _ = write!(out, " — {d}");
        }
        out.push('\n');
    }
    if schemas.is_empty() {
        out.push_str("  (none visible to this user)\n");
    }
    out
}

/// A page of tables as text, with how to get the next page.
pub fn tables_text(database: &str, page: &TablePage, filter: &TableFilter) -> String {
    let mut out = String::new();
    let shown = page.tables.len() as i64;
    let _ = writeln!(
        out,
        "Tables in `{database}`{}{}: {} match{}, showing {}–{}",
        filter
            .schema
            .as_deref()
            .map(|s| format!(" schema {s}"))
            .unwrap_or_default(),
        filter
            .name
            .as_deref()
            .map(|n| format!(" (filter `{n}`)"))
            .unwrap_or_default(),
        page.total,
        if page.total == 1 { "" } else { "es" },
        if shown == 0 { 0 } else { page.offset + 1 },
        page.offset + shown
    );
    for t in &page.tables {
        let _ = write!(out, "  {}.{} ({}", t.schema, t.name, t.kind);
        if let Some(n) = t.estimated_rows {
            let _ = write!(out, ", ~{n} rows");
        }
        out.push(')');
        if let Some(c) = &t.comment {
            let _ = write!(out, " — {c}");
        }
        out.push('\n');
    }
    if page.offset + shown < page.total {
        let _ = writeln!(
            out,
            "More tables: call list_tables again with offset {} (or narrow with filter).",
            page.offset + shown
        );
    }
    out
}

/// A table description as text.
pub fn detail_text(d: &TableDetail) -> String {
    let mut out = format!("{} {}.{}", capitalize(&d.kind), d.schema, d.name);
    if let Some(n) = d.estimated_rows {
        let _ = write!(out, " (~{n} rows)");
    }
    if let Some(c) = &d.comment {
        let _ = write!(out, " — {c}");
    }
    out.push_str("\nColumns:\n");
    let name_w = d
        .columns
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(0)
        .min(32);
    let type_w = d
        .columns
        .iter()
        .map(|c| c.type_name.len())
        .max()
        .unwrap_or(0)
        .min(32);
    for c in &d.columns {
        let mut line = format!(
            "  {:<name_w$}  {:<type_w$}  {}",
            c.name,
            c.type_name,
            if c.nullable { "null    " } else { "not null" }
        );
        if d.primary_key.contains(&c.name) {
            line.push_str("  PK");
        }
        if let Some(fk) = d
            .foreign_keys
            .iter()
            .find(|f| f.columns.len() == 1 && f.columns[0] == c.name)
        {
            let _ = write!(
                line,
                "  → {}.{}({})",
                fk.references_schema,
                fk.references_table,
                fk.references_columns.join(", ")
            );
        }
        if let Some(def) = &c.default {
            let _ = write!(line, "  default {def}");
        }
        if let Some(comment) = &c.comment {
            let _ = write!(line, "  -- {comment}");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if !d.primary_key.is_empty() {
        let _ = writeln!(out, "Primary key: ({})", d.primary_key.join(", "));
    }
    if !d.foreign_keys.is_empty() {
        out.push_str("Foreign keys:\n");
        for fk in &d.foreign_keys {
            let _ = writeln!(
                out,
                "  ({}) → {}.{}({}){}",
                fk.columns.join(", "),
                fk.references_schema,
                fk.references_table,
                fk.references_columns.join(", "),
                fk.name
                    .as_deref()
                    .map(|n| format!("  [{n}]"))
                    .unwrap_or_default()
            );
        }
    }
    if !d.constraints.is_empty() {
        out.push_str("Constraints:\n");
        for c in &d.constraints {
            let _ = writeln!(out, "  {} {}: {}", c.kind, c.name, c.definition);
        }
    }
    if !d.indexes.is_empty() {
        out.push_str("Indexes:\n");
        for i in &d.indexes {
            let _ = writeln!(
                out,
                "  {}: {}({}){}",
                i.name,
                if i.primary {
                    "PRIMARY KEY "
                } else if i.unique {
                    "UNIQUE "
                } else {
                    ""
                },
                i.columns.join(", "),
                i.definition
                    .as_deref()
                    .map(|d| format!("  — {d}"))
                    .unwrap_or_default()
            );
        }
    }
    if !d.referenced_by.is_empty() {
        out.push_str("Referenced by:\n");
        for r in &d.referenced_by {
            let _ = writeln!(
                out,
                "  {}.{} ({}){}",
                r.schema,
                r.table,
                r.columns.join(", "),
                r.name
                    .as_deref()
                    .map(|n| format!("  [{n}]"))
                    .unwrap_or_default()
            );
        }
    }
    out
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_on_the_first_dot_unless_a_schema_is_given() {
        assert_eq!(
            split_name(None, "public.orders"),
            (Some("public".into()), "orders".into())
        );
        assert_eq!(
            split_name(Some("s"), "a.b"),
            (Some("s".into()), "a.b".into())
        );
        assert_eq!(split_name(None, "\"Orders\""), (None, "Orders".into()));
    }

    #[test]
    fn filters_become_like_patterns() {
        let f = |n: &str| TableFilter {
            name: Some(n.into()),
            ..Default::default()
        };
        assert_eq!(f("ord").pattern().as_deref(), Some("%ord%"));
        assert_eq!(f("ord%").pattern().as_deref(), Some("ord%"));
        assert_eq!(f(" ").pattern(), None);
    }
}

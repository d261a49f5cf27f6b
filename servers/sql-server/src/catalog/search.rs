//! `search_objects`: tables, views, columns, indexes and functions found by name pattern
//! across schemas, for databases with thousands of tables where listing is useless.
//!
//! Each engine answers with one catalog query (a `UNION ALL` of one branch per kind,
//! each filtered by the pattern, the schema and the wanted kinds before anything is
//! joined or formatted), ordered by kind, schema, parent and name, and paged by the
//! database with `LIMIT`/`OFFSET` and a window count of all matches. Details (types,
//! nullability, index definitions, function signatures) are computed only for the page,
//! and only when asked for: names first, details on request.

use std::fmt::Write as _;

use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::{CatalogError, fetch, int, opt_text, text};
use crate::config::Limits;
use crate::db::Database;
use crate::engine::Engine;

/// The kinds of object, in the order results list them.
pub const KINDS: [&str; 5] = ["table", "view", "column", "index", "function"];

/// What to search for.
#[derive(Debug, Clone)]
pub struct Search {
    /// Case-insensitive LIKE pattern (`%`, `_`); text without `%` matches anywhere.
    pub pattern: String,
    /// The kinds wanted (a subset of [`KINDS`]).
    pub kinds: Vec<String>,
    /// Only this schema (MySQL: database; SQLite: attached name).
    pub schema: Option<String>,
    /// Add each object's details.
    pub detail: bool,
    /// Objects per page.
    pub limit: i64,
    /// Objects to skip.
    pub offset: i64,
}

/// One object found.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// table, view, column, index or function.
    pub kind: String,
    /// Its schema.
    pub schema: String,
    /// The table a column or index belongs to.
    pub parent: Option<String>,
    /// Its name.
    pub name: String,
    /// Type and nullability, index definition, signature (when asked for).
    pub detail: Option<String>,
}

/// One page of matches.
#[derive(Debug, Clone)]
pub struct Page {
    /// The objects on this page.
    pub found: Vec<Found>,
    /// All matches.
    pub total: i64,
    /// Matches skipped before this page.
    pub offset: i64,
}

impl Search {
    /// The LIKE pattern: as given when it has a `%`, else `%text%`.
    fn like(&self) -> String {
        let p = self.pattern.trim();
        if p.contains('%') {
            p.to_string()
        } else {
            format!("%{p}%")
        }
    }

    fn wants(&self, kind: &str) -> bool {
        self.kinds.iter().any(|k| k == kind)
    }
}

/// Checks the kinds asked for; an empty list means all.
pub fn kinds(asked: Option<Vec<String>>) -> Result<Vec<String>, CatalogError> {
    let asked = asked.unwrap_or_default();
    if asked.is_empty() {
        return Ok(KINDS.iter().map(|k| k.to_string()).collect());
    }
    let mut out = Vec::new();
    for k in asked {
        let k = k.trim().to_ascii_lowercase();
        let k = k
            .strip_suffix('s')
            .filter(|s| KINDS.contains(s))
            .map_or(k.clone(), str::to_string);
        if !KINDS.contains(&k.as_str()) {
            return Err(CatalogError::Lookup(format!(
                "unknown kind `{k}`; kinds are: {}",
                KINDS.join(", ")
            )));
        }
        if !out.contains(&k) {
            out.push(k);
        }
    }
    Ok(out)
}

/// Finds one page of objects matching `search`.
pub async fn search(
    db: &Database,
    search: &Search,
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<Page, CatalogError> {
    if search.pattern.trim().is_empty() {
        return Err(CatalogError::Lookup(
            "the pattern is empty; pass part of a name, e.g. {\"pattern\": \"customer\"}".into(),
        ));
    }
    let (sql, params) = statement(db, search, limits, ct).await?;
    let rows = fetch(db, &sql, &params, limits, ct).await?;
    let total = match rows.first() {
        Some(r) => int(r, 5).unwrap_or(0),
        None if search.offset > 0 => {
            // Past the end: the first match carries the total.
            let first = Search {
                offset: 0,
                limit: 1,
                ..search.clone()
            };
            let (sql, params) = statement(db, &first, limits, ct).await?;
            let rows = fetch(db, &sql, &params, limits, ct).await?;
            rows.first().and_then(|r| int(r, 5)).unwrap_or(0)
        }
        None => 0,
    };
    Ok(Page {
        found: rows
            .iter()
            .map(|r| Found {
                kind: text(r, 0),
                schema: text(r, 1),
                parent: opt_text(r, 2).filter(|p| !p.is_empty()),
                name: text(r, 3),
                detail: opt_text(r, 4).filter(|d| !d.is_empty()),
            })
            .collect(),
        total,
        offset: search.offset,
    })
}

/// The engine's statement and its parameters.
async fn statement(
    db: &Database,
    search: &Search,
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<(String, Vec<Value>), CatalogError> {
    Ok(match db.engine {
        Engine::Postgres => postgres(search),
        Engine::MySql => mysql(search),
        Engine::Sqlite => {
            let schema =
                super::sqlite::resolve_schema(db, search.schema.as_deref(), limits, ct).await?;
            sqlite(search, &schema)
        }
    })
}

const PG_USER_SCHEMAS: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'";

/// PostgreSQL: `$1` pattern, `$2` schema, `$3` limit, `$4` offset, `$5` detail,
/// `$6..$10` whether each kind is wanted.
fn postgres(s: &Search) -> (String, Vec<Value>) {
    let scope = format!("{PG_USER_SCHEMAS} AND ($2::text IS NULL OR n.nspname = $2)");
    let sql = format!(
        "WITH found AS ( \
           SELECT CASE WHEN c.relkind IN ('v','m') THEN 'view' ELSE 'table' END AS kind, CASE WHEN c.relkind IN ('v','m') THEN 2 ELSE 1 END AS rank, \
                  n.nspname AS sch, NULL::name AS parent, c.relname AS name, c.oid AS id, 0::int2 AS attnum \
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
            WHERE c.relkind IN ('r','p','v','m','f') AND NOT c.relispartition AND {scope} AND c.relname ILIKE $1 \
              AND ((c.relkind IN ('v','m') AND $7::bool) OR (c.relkind NOT IN ('v','m') AND $6::bool)) \
           UNION ALL \
           SELECT 'column', 3, n.nspname, c.relname, a.attname, c.oid, a.attnum \
             FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
            WHERE $8::bool AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r','p','v','m','f') AND NOT c.relispartition AND {scope} AND a.attname ILIKE $1 \
           UNION ALL \
           SELECT 'index', 4, n.nspname, t.relname, ic.relname, ic.oid, 0::int2 \
             FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid JOIN pg_catalog.pg_class t ON t.oid = i.indrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace \
            WHERE $9::bool AND {scope} AND ic.relname ILIKE $1 \
           UNION ALL \
           SELECT 'function', 5, n.nspname, NULL::name, p.proname, p.oid, 0::int2 \
             FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
            WHERE $10::bool AND {scope} AND p.proname ILIKE $1 \
         ), page AS ( \
           SELECT *, count(*) OVER () AS total FROM found ORDER BY rank, sch, parent NULLS FIRST, name, attnum LIMIT $3 OFFSET $4 \
         ) \
         SELECT kind, sch::text, parent::text, name::text, \
                CASE WHEN NOT $5::bool THEN NULL \
                     WHEN kind = 'column' THEN (SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END \
                                                  FROM pg_catalog.pg_attribute a WHERE a.attrelid = page.id AND a.attnum = page.attnum) \
                     WHEN kind = 'index' THEN pg_catalog.pg_get_indexdef(id) \
                     WHEN kind = 'function' THEN (SELECT pg_catalog.pg_get_function_arguments(p.oid) || ' -> ' || coalesce(pg_catalog.pg_get_function_result(p.oid), 'procedure') FROM pg_catalog.pg_proc p WHERE p.oid = page.id) \
                     ELSE (SELECT CASE WHEN c.reltuples < 0 THEN 'never analyzed' ELSE '~' || c.reltuples::bigint || ' rows' END FROM pg_catalog.pg_class c WHERE c.oid = page.id) \
                END, \
                total \
           FROM page ORDER BY rank, sch, parent NULLS FIRST, name, attnum"
    );
    let mut params = vec![
        json!(s.like()),
        json!(s.schema),
        json!(s.limit),
        json!(s.offset),
        json!(s.detail),
    ];
    params.extend(KINDS.iter().map(|k| json!(s.wants(k))));
    (sql, params)
}

const MY_SYSTEM: &str = "('mysql', 'information_schema', 'performance_schema', 'sys')";

/// MySQL/MariaDB from `information_schema`; every branch's pattern, schema and kind
/// filter is bound separately (`?` placeholders are positional).
fn mysql(s: &Search) -> (String, Vec<Value>) {
    let scope = |col: &str| format!("{col} NOT IN {MY_SYSTEM} AND (? IS NULL OR {col} = ?)");
    let detail = s.detail;
    let table_detail = if detail {
        "CAST(CONCAT('~', COALESCE(TABLE_ROWS, 0), ' rows') AS CHAR)"
    } else {
        "CAST(NULL AS CHAR)"
    };
    let column_detail = if detail {
        "CAST(CONCAT(COLUMN_TYPE, IF(IS_NULLABLE = 'NO', ' not null', '')) AS CHAR)"
    } else {
        "CAST(NULL AS CHAR)"
    };
    let index_detail = if detail {
        "CAST(CONCAT(IF(MIN(NON_UNIQUE) = 0, 'unique ', ''), MIN(INDEX_TYPE), ' (', GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX SEPARATOR ', '), ')') AS CHAR)"
    } else {
        "CAST(NULL AS CHAR)"
    };
    let routine_detail = if detail {
        "CAST(CONCAT(LOWER(ROUTINE_TYPE), IF(DTD_IDENTIFIER IS NULL, '', CONCAT(' -> ', DTD_IDENTIFIER))) AS CHAR)"
    } else {
        "CAST(NULL AS CHAR)"
    };
    let sql = format!(
        "SELECT kind, sch, parent, name, detail, COUNT(*) OVER () FROM ( \
           SELECT CAST(IF(TABLE_TYPE = 'BASE TABLE', 'table', 'view') AS CHAR) AS kind, IF(TABLE_TYPE = 'BASE TABLE', 1, 2) AS rnk, \
                  CAST(TABLE_SCHEMA AS CHAR) AS sch, CAST(NULL AS CHAR) AS parent, CAST(TABLE_NAME AS CHAR) AS name, {table_detail} AS detail, 0 AS pos \
             FROM information_schema.TABLES WHERE {t} AND TABLE_NAME LIKE ? \
              AND ((TABLE_TYPE = 'BASE TABLE' AND ?) OR (TABLE_TYPE <> 'BASE TABLE' AND ?)) \
           UNION ALL \
           SELECT 'column', 3, CAST(TABLE_SCHEMA AS CHAR), CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), {column_detail}, ORDINAL_POSITION \
             FROM information_schema.COLUMNS WHERE ? AND {t} AND COLUMN_NAME LIKE ? \
           UNION ALL \
           SELECT 'index', 4, CAST(TABLE_SCHEMA AS CHAR), CAST(TABLE_NAME AS CHAR), CAST(INDEX_NAME AS CHAR), {index_detail}, 0 \
             FROM information_schema.STATISTICS WHERE ? AND {t} AND INDEX_NAME LIKE ? GROUP BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME \
           UNION ALL \
           SELECT 'function', 5, CAST(ROUTINE_SCHEMA AS CHAR), CAST(NULL AS CHAR), CAST(ROUTINE_NAME AS CHAR), {routine_detail}, 0 \
             FROM information_schema.ROUTINES WHERE ? AND {r} AND ROUTINE_NAME LIKE ? \
         ) AS found ORDER BY rnk, sch, parent, name, pos LIMIT ? OFFSET ?",
        t = scope("TABLE_SCHEMA"),
        r = scope("ROUTINE_SCHEMA"),
    );
    let like = json!(s.like());
    let schema = json!(s.schema);
    let params = vec![
        // tables and views
        schema.clone(),
        schema.clone(),
        like.clone(),
        json!(s.wants("table")),
        json!(s.wants("view")),
        // columns
        json!(s.wants("column")),
        schema.clone(),
        schema.clone(),
        like.clone(),
        // indexes
        json!(s.wants("index")),
        schema.clone(),
        schema.clone(),
        like.clone(),
        // functions
        json!(s.wants("function")),
        schema.clone(),
        schema,
        like,
        json!(s.limit),
        json!(s.offset),
    ];
    (sql, params)
}

/// SQLite: one attached database (`main` by default); it has no stored functions.
/// `?1` pattern, `?2` limit, `?3` offset, `?4` schema, `?5..?8` the kinds wanted.
fn sqlite(s: &Search, schema: &str) -> (String, Vec<Value>) {
    let q = super::sqlite::quote(schema);
    let detail = if s.detail { "1" } else { "0" };
    let sql = format!(
        "SELECT kind, ?4, parent, name, CASE WHEN {detail} THEN detail END, count(*) OVER () FROM ( \
           SELECT m.type AS kind, CASE m.type WHEN 'table' THEN 1 ELSE 2 END AS rnk, NULL AS parent, m.name AS name, NULL AS detail, 0 AS pos \
             FROM {q}.sqlite_schema m WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND m.name LIKE ?1 \
              AND ((m.type = 'table' AND ?5) OR (m.type = 'view' AND ?6)) \
           UNION ALL \
           SELECT 'column', 3, m.name, p.name, trim(p.type || CASE WHEN p.\"notnull\" THEN ' not null' ELSE '' END), p.cid \
             FROM {q}.sqlite_schema m JOIN pragma_table_info(m.name, ?4) p \
            WHERE ?7 AND m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND p.name LIKE ?1 \
           UNION ALL \
           SELECT 'index', 4, m.tbl_name, m.name, m.sql, 0 \
             FROM {q}.sqlite_schema m WHERE ?8 AND m.type = 'index' AND m.name LIKE ?1 \
         ) ORDER BY rnk, parent, name, pos LIMIT ?2 OFFSET ?3"
    );
    let params = vec![
        json!(s.like()),
        json!(s.limit),
        json!(s.offset),
        json!(schema),
        json!(s.wants("table")),
        json!(s.wants("view")),
        json!(s.wants("column")),
        json!(s.wants("index")),
    ];
    (sql, params)
}

/// The page as compact text: one object per line, names first, then how to get more.
pub fn page_text(database: &str, search: &Search, page: &Page, max_bytes: usize) -> String {
    let mut out = String::new();
    if page.found.is_empty() {
        let _ = writeln!(
            out,
            "No {} in {database} matches `{}`{}.",
            search.kinds.join("/"),
            search.pattern,
            search
                .schema
                .as_deref()
                .map(|s| format!(" in schema {s}"))
                .unwrap_or_default()
        );
        if page.total > 0 {
            let _ = writeln!(
                out,
                "({} matches in all; offset {} is past the end.)",
                page.total, page.offset
            );
        } else {
            out.push_str("Try a shorter part of the name, `%` wildcards, or more kinds.\n");
        }
        return out;
    }
    let mut shown = 0usize;
    let mut cut = false;
    for f in &page.found {
        let mut line = format!("{:<8} {}.", f.kind, f.schema);
        if let Some(p) = &f.parent {
            line.push_str(p);
            line.push('.');
        }
        line.push_str(&f.name);
        if let Some(d) = &f.detail {
            line.push_str("  ");
            line.push_str(d);
        }
        line.push('\n');
        if out.len() + line.len() > max_bytes {
            cut = true;
            break;
        }
        out.push_str(&line);
        shown += 1;
    }
    let end = page.offset + shown as i64;
    let _ = write!(
        out,
        "({shown} of {} match{} from offset {}",
        page.total,
        if page.total == 1 { "" } else { "es" },
        page.offset
    );
    if cut {
        out.push_str("; cut at the output limit");
    }
    out.push(')');
    if end < page.total {
        let _ = write!(
            out,
            "\nMore: the same call with \"offset\": {end}; or narrow it with a longer pattern, \"kinds\" or \"schema\"."
        );
    }
    if !search.detail {
        out.push_str("\nAdd \"detail\": true for types, index definitions and signatures; describe_table shows a table in full.");
    }
    out
}

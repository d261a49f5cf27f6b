//! PostgreSQL's catalog (`pg_catalog`), every schema the user can see, not just
//! `public`. An unqualified table name is looked up along the search path first.

use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::describe::{self, Describe, Fill, Query, Row};
use super::{
    CatalogError, ColumnDetail, Constraint, ForeignKey, IndexInfo, Reference, SchemaInfo,
    TableDetail, TableFilter, TableInfo, TablePage, boolean, fetch, int, list, opt_text, text,
};
use crate::config::Limits;
use crate::db::Database;

const USER_SCHEMAS: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'";

const KIND: &str = "CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END";

pub(super) async fn schemas(
    db: &Database,
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<Vec<SchemaInfo>, CatalogError> {
    let sql = format!(
        "SELECT n.nspname, (SELECT count(*) FROM pg_catalog.pg_class c WHERE c.relnamespace = n.oid AND c.relkind IN ('r','p','v','m','f') AND NOT c.relispartition), pg_catalog.pg_get_userbyid(n.nspowner) \
         FROM pg_catalog.pg_namespace n WHERE {USER_SCHEMAS} ORDER BY 1"
    );
    let rows = fetch(db, &sql, &[], limits, ct).await?;
    Ok(rows
        .iter()
        .map(|r| SchemaInfo {
            name: text(r, 0),
            tables: int(r, 1),
            detail: opt_text(r, 2).map(|o| format!("owner {o}")),
        })
        .collect())
}

pub(super) async fn tables(
    db: &Database,
    filter: &TableFilter,
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<TablePage, CatalogError> {
    let sql = format!(
        "SELECT n.nspname, c.relname, {KIND}, CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint END, \
         pg_catalog.obj_description(c.oid, 'pg_class'), count(*) OVER () \
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r','p','v','m','f') AND NOT c.relispartition AND {USER_SCHEMAS} \
         AND ($1::text IS NULL OR n.nspname = $1) AND ($2::text IS NULL OR c.relname ILIKE $2) \
         ORDER BY 1, 2 LIMIT $3 OFFSET $4"
    );
    let params = [
        json!(filter.schema),
        json!(filter.pattern()),
        json!(filter.limit),
        json!(filter.offset),
    ];
    let rows = fetch(db, &sql, &params, limits, ct).await?;
    let total = match rows.first() {
        Some(r) => int(r, 5).unwrap_or(0),
        None => count_tables(db, filter, limits, ct).await?,
    };
    Ok(TablePage {
        tables: rows.iter().map(|r| TableInfo::from_row(r)).collect(),
        total,
        offset: filter.offset,
    })
}

/// The total when the page itself is empty (an offset past the end).
async fn count_tables(
    db: &Database,
    filter: &TableFilter,
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<i64, CatalogError> {
    let sql = format!(
        "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r','p','v','m','f') AND NOT c.relispartition AND {USER_SCHEMAS} \
         AND ($1::text IS NULL OR n.nspname = $1) AND ($2::text IS NULL OR c.relname ILIKE $2)"
    );
    let rows = fetch(
        db,
        &sql,
        &[json!(filter.schema), json!(filter.pattern())],
        limits,
        ct,
    )
    .await?;
    Ok(rows.first().and_then(|r| int(r, 0)).unwrap_or(0))
}

/// PostgreSQL's answers to [`Describe`]: every part is keyed by the table's oid.
struct Catalog;

impl Describe for Catalog {
    /// Candidates: exact name, search-path schemas first.
    fn find(&self, schema: Option<&str>, table: &str) -> Query {
        Query {
            sql: format!(
                "SELECT c.oid, n.nspname, c.relname, {KIND}, CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint END, \
                 pg_catalog.obj_description(c.oid, 'pg_class'), n.nspname = ANY (pg_catalog.current_schemas(false)) \
                 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.relkind IN ('r','p','v','m','f') AND c.relname = $1 AND ($2::text IS NULL OR n.nspname = $2) \
                 ORDER BY 7 DESC, 2"
            ),
            params: vec![json!(table), json!(schema)],
        }
    }

    fn similar(&self, _schema: Option<&str>, table: &str) -> Query {
        Query {
            sql: format!(
                "SELECT n.nspname || '.' || c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.relkind IN ('r','p','v','m','f') AND {USER_SCHEMAS} AND c.relname ILIKE $1 ORDER BY 1 LIMIT 5"
            ),
            params: vec![json!(format!("%{table}%"))],
        }
    }

    fn header(
        &self,
        found: &[Row],
        schema: Option<&str>,
        table: &str,
    ) -> Result<(TableDetail, Vec<Value>), CatalogError> {
        let first = &found[0];
        if schema.is_none() && found.len() > 1 && !boolean(first, 6) {
            let schemas: Vec<String> = found.iter().map(|r| text(r, 1)).collect();
            return Err(CatalogError::Lookup(format!(
                "`{table}` exists in several schemas ({}); pass schema, e.g. {{\"table\": \"{table}\", \"schema\": \"{}\"}}",
                schemas.join(", "),
                schemas[0]
            )));
        }
        let oid = first.first().cloned().unwrap_or(Value::Null);
        let detail = TableDetail::new(
            text(first, 1),
            text(first, 2),
            text(first, 3),
            int(first, 4),
            opt_text(first, 5),
        );
        Ok((detail, vec![oid]))
    }

    fn parts(&self) -> Vec<(String, Fill)> {
        vec![
            (
                "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, \
                 CASE WHEN a.attidentity IN ('a', 'd') THEN 'generated ' || CASE a.attidentity WHEN 'a' THEN 'always' ELSE 'by default' END || ' as identity' \
                      WHEN a.attgenerated = 's' THEN 'generated always as (' || pg_catalog.pg_get_expr(d.adbin, d.adrelid) || ') stored' \
                      ELSE pg_catalog.pg_get_expr(d.adbin, d.adrelid) END, \
                 pg_catalog.col_description(a.attrelid, a.attnum) \
                 FROM pg_catalog.pg_attribute a LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
                 WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
                    .into(),
                columns,
            ),
            (
                "SELECT con.conname, con.contype::text, \
                 ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i) JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i), \
                 fn.nspname, fc.relname, \
                 ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, i) JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i), \
                 pg_catalog.pg_get_constraintdef(con.oid) \
                 FROM pg_catalog.pg_constraint con LEFT JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid \
                 LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace \
                 WHERE con.conrelid = $1 AND con.contype IN ('p', 'f', 'u', 'c', 'x') ORDER BY con.contype, con.conname"
                    .into(),
                constraints,
            ),
            (
                "SELECT i.relname, x.indisunique, x.indisprimary, \
                 ARRAY(SELECT pg_catalog.pg_get_indexdef(x.indexrelid, (k.i + 1)::int, true) FROM generate_subscripts(x.indkey, 1) k(i) WHERE k.i < x.indnkeyatts ORDER BY k.i), \
                 pg_catalog.pg_get_indexdef(x.indexrelid) \
                 FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid \
                 WHERE x.indrelid = $1 ORDER BY x.indisprimary DESC, i.relname"
                    .into(),
                indexes,
            ),
            (
                "SELECT n.nspname, c.relname, \
                 ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i) JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i), \
                 con.conname \
                 FROM pg_catalog.pg_constraint con JOIN pg_catalog.pg_class c ON c.oid = con.conrelid \
                 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 WHERE con.confrelid = $1 AND con.contype = 'f' ORDER BY 1, 2, 4"
                    .into(),
                referenced_by,
            ),
        ]
    }
}

fn columns(detail: &mut TableDetail, rows: &[Row]) {
    detail.columns = rows
        .iter()
        .map(|r| ColumnDetail {
            name: text(r, 0),
            type_name: text(r, 1),
            nullable: boolean(r, 2),
            default: opt_text(r, 3),
            comment: opt_text(r, 4),
        })
        .collect();
}

/// Primary key, foreign keys, and unique, check and exclusion constraints.
fn constraints(detail: &mut TableDetail, rows: &[Row]) {
    for r in rows {
        match text(r, 1).as_str() {
            "p" => detail.primary_key = list(r, 2),
            "f" => detail.foreign_keys.push(ForeignKey {
                name: opt_text(r, 0),
                columns: list(r, 2),
                references_schema: text(r, 3),
                references_table: text(r, 4),
                references_columns: list(r, 5),
            }),
            kind => detail.constraints.push(Constraint {
                name: text(r, 0),
                kind: match kind {
                    "u" => "unique",
                    "c" => "check",
                    _ => "exclude",
                }
                .into(),
                definition: text(r, 6),
            }),
        }
    }
}

fn indexes(detail: &mut TableDetail, rows: &[Row]) {
    detail.indexes = rows
        .iter()
        .map(|r| IndexInfo {
            name: text(r, 0),
            unique: boolean(r, 1),
            primary: boolean(r, 2),
            columns: list(r, 3),
            definition: opt_text(r, 4),
        })
        .collect();
}

fn referenced_by(detail: &mut TableDetail, rows: &[Row]) {
    detail.referenced_by = rows.iter().map(|r| Reference::from_row(r)).collect();
}

pub(super) async fn describe(
    db: &Database,
    schema: Option<&str>,
    table: &str,
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<TableDetail, CatalogError> {
    describe::describe(&Catalog, db, schema, table, limits, ct).await
}

/// One line per table: `schema.table (kind, ~rows): col type PK, col type → other, …`.
pub(super) async fn overview(
    db: &Database,
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<Vec<super::OverviewLine>, CatalogError> {
    let sql = format!(
        "SELECT n.nspname, c.relname, {KIND}, CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint END, \
         (SELECT string_agg(a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod) \
            || CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_constraint p WHERE p.conrelid = c.oid AND p.contype = 'p' AND a.attnum = ANY (p.conkey)) THEN ' PK' ELSE '' END \
            || COALESCE((SELECT ' → ' || fc.relname FROM pg_catalog.pg_constraint f JOIN pg_catalog.pg_class fc ON fc.oid = f.confrelid \
                         WHERE f.conrelid = c.oid AND f.contype = 'f' AND f.conkey = ARRAY[a.attnum] LIMIT 1), ''), \
            ', ' ORDER BY a.attnum) \
          FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) \
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r','p','v','m','f') AND NOT c.relispartition AND {USER_SCHEMAS} ORDER BY 1, 2"
    );
    let rows = fetch(db, &sql, &[], limits, ct).await?;
    Ok(rows
        .iter()
        .map(|r| super::OverviewLine {
            schema: text(r, 0),
            table: text(r, 1),
            kind: text(r, 2),
            estimated_rows: int(r, 3),
            columns: text(r, 4),
        })
        .collect())
}

//! MySQL/MariaDB catalog (`information_schema`). Schemas are databases; without an
//! explicit schema the connection's current database is used (or every user schema
//! when the URL names none). MariaDB stores JSON as LONGTEXT with a `json_valid`
//! check; such columns are shown as `longtext (json)`.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::describe::{self, Describe, Fill, Query, Row};
use super::{
    CatalogError, ColumnDetail, Constraint, ForeignKey, IndexInfo, Reference, SchemaInfo,
    TableDetail, TableFilter, TableInfo, TablePage, boolean, fetch, int, opt_text, text,
};
use crate::config::Limits;
use crate::db::Database;
use crate::db::mysql::json_valid_column;

const SYSTEM: &str = "('mysql', 'information_schema', 'performance_schema', 'sys')";

pub(super) async fn schemas(
    db: &Database,
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<Vec<SchemaInfo>, CatalogError> {
    let sql = format!(
        "SELECT s.SCHEMA_NAME, (SELECT COUNT(*) FROM information_schema.TABLES t WHERE t.TABLE_SCHEMA = s.SCHEMA_NAME), \
         CASE WHEN s.SCHEMA_NAME = DATABASE() THEN 'current database' END \
         FROM information_schema.SCHEMATA s WHERE s.SCHEMA_NAME NOT IN {SYSTEM} ORDER BY 1"
    );
    let rows = fetch(db, &sql, &[], limits, ct).await?;
    Ok(rows
        .iter()
        .map(|r| SchemaInfo {
            name: text(r, 0),
            tables: int(r, 1),
            detail: opt_text(r, 2),
        })
        .collect())
}

const TABLE_KIND: &str = "CASE TABLE_TYPE WHEN 'BASE TABLE' THEN 'table' WHEN 'VIEW' THEN 'view' WHEN 'SYSTEM VIEW' THEN 'view' ELSE LOWER(TABLE_TYPE) END";

pub(super) async fn tables(
    db: &Database,
    filter: &TableFilter,
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<TablePage, CatalogError> {
    let condition = format!(
        "TABLE_SCHEMA NOT IN {SYSTEM} AND TABLE_SCHEMA = COALESCE(?, DATABASE(), TABLE_SCHEMA) AND (? IS NULL OR TABLE_NAME LIKE ?)"
    );
    let sql = format!(
        "SELECT TABLE_SCHEMA, TABLE_NAME, {TABLE_KIND}, TABLE_ROWS, NULLIF(TABLE_COMMENT, ''), COUNT(*) OVER () \
         FROM information_schema.TABLES WHERE {condition} ORDER BY 1, 2 LIMIT ? OFFSET ?"
    );
    let pattern = json!(filter.pattern());
    let rows = fetch(
        db,
        &sql,
        &[
            json!(filter.schema),
            pattern.clone(),
            pattern.clone(),
            json!(filter.limit),
            json!(filter.offset),
        ],
        limits,
        ct,
    )
    .await?;
    let total = match rows.first() {
        Some(r) => int(r, 5).unwrap_or(0),
        None => {
            let count = fetch(
                db,
                &format!("SELECT COUNT(*) FROM information_schema.TABLES WHERE {condition}"),
                &[json!(filter.schema), pattern.clone(), pattern],
                limits,
                ct,
            )
            .await?;
            count.first().and_then(|r| int(r, 0)).unwrap_or(0)
        }
    };
    Ok(TablePage {
        tables: rows.iter().map(|r| TableInfo::from_row(r)).collect(),
        total,
        offset: filter.offset,
    })
}

/// MySQL/MariaDB's answers to [`Describe`]: every part is keyed by
/// `(schema, table)`.
struct Catalog;

impl Describe for Catalog {
    fn find(&self, schema: Option<&str>, table: &str) -> Query {
        Query {
            sql: format!(
                "SELECT TABLE_SCHEMA, TABLE_NAME, {TABLE_KIND}, TABLE_ROWS, NULLIF(TABLE_COMMENT, '') \
                 FROM information_schema.TABLES WHERE TABLE_NAME = ? AND TABLE_SCHEMA = COALESCE(?, DATABASE()) LIMIT 1"
            ),
            params: vec![json!(table), json!(schema)],
        }
    }

    fn similar(&self, _schema: Option<&str>, table: &str) -> Query {
        Query {
            sql: format!(
                "SELECT CONCAT(TABLE_SCHEMA, '.', TABLE_NAME) FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA NOT IN {SYSTEM} AND TABLE_NAME LIKE ? ORDER BY 1 LIMIT 5"
            ),
            params: vec![json!(format!("%{table}%"))],
        }
    }

    fn header(
        &self,
        found: &[Row],
        _schema: Option<&str>,
        _table: &str,
    ) -> Result<(TableDetail, Vec<Value>), CatalogError> {
        let first = &found[0];
        let (schema, table) = (text(first, 0), text(first, 1));
        let key = vec![json!(schema), json!(table)];
        let detail = TableDetail::new(
            schema,
            table,
            text(first, 2),
            int(first, 3),
            opt_text(first, 4),
        );
        Ok((detail, key))
    }

    fn parts(&self) -> Vec<(String, Fill)> {
        vec![
            (
                "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE = 'YES', COLUMN_DEFAULT, NULLIF(COLUMN_COMMENT, ''), EXTRA \
                 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION"
                    .into(),
                columns,
            ),
            (
                "SELECT k.CONSTRAINT_NAME, c.CONSTRAINT_TYPE, k.COLUMN_NAME, k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME \
                 FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.TABLE_CONSTRAINTS c \
                 ON c.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND c.TABLE_NAME = k.TABLE_NAME AND c.CONSTRAINT_NAME = k.CONSTRAINT_NAME \
                 WHERE k.TABLE_SCHEMA = ? AND k.TABLE_NAME = ? ORDER BY c.CONSTRAINT_TYPE, k.CONSTRAINT_NAME, k.ORDINAL_POSITION"
                    .into(),
                keys,
            ),
            (
                "SELECT INDEX_NAME, NON_UNIQUE = 0, COLUMN_NAME FROM information_schema.STATISTICS \
                 WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX"
                    .into(),
                indexes,
            ),
            (
                "SELECT TABLE_SCHEMA, TABLE_NAME, GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION SEPARATOR ','), CONSTRAINT_NAME \
                 FROM information_schema.KEY_COLUMN_USAGE WHERE REFERENCED_TABLE_SCHEMA = ? AND REFERENCED_TABLE_NAME = ? \
                 GROUP BY TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME ORDER BY 1, 2, 4"
                    .into(),
                referenced_by,
            ),
        ]
    }
}

/// Columns, with `EXTRA` (auto_increment, generated, on update) beside the default.
fn columns(detail: &mut TableDetail, rows: &[Row]) {
    detail.columns = rows
        .iter()
        .map(|r| {
            let extra = opt_text(r, 5);
            let default = match (opt_text(r, 3), extra) {
                (Some(d), Some(e)) => Some(format!("{d} ({e})")),
                (Some(d), None) => Some(d),
                (None, Some(e)) => Some(e),
                (None, None) => None,
            };
            ColumnDetail {
                name: text(r, 0),
                type_name: text(r, 1),
                nullable: boolean(r, 2),
                default,
                comment: opt_text(r, 4),
            }
        })
        .collect();
}

/// Primary key, foreign keys and unique constraints, one row per key column.
fn keys(detail: &mut TableDetail, rows: &[Row]) {
    let mut fks: BTreeMap<String, ForeignKey> = BTreeMap::new();
    let mut uniques: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in rows {
        let name = text(r, 0);
        match text(r, 1).as_str() {
            "PRIMARY KEY" => detail.primary_key.push(text(r, 2)),
            "FOREIGN KEY" => {
                let fk = fks.entry(name.clone()).or_insert_with(|| ForeignKey {
                    name: Some(name.clone()),
                    columns: Vec::new(),
                    references_schema: text(r, 3),
                    references_table: text(r, 4),
                    references_columns: Vec::new(),
                });
                fk.columns.push(text(r, 2));
                fk.references_columns.push(text(r, 5));
            }
            "UNIQUE" => uniques.entry(name).or_default().push(text(r, 2)),
            _ => {}
        }
    }
    detail.foreign_keys = fks.into_values().collect();
    detail.constraints = uniques
        .into_iter()
        .map(|(name, cols)| Constraint {
            name,
            kind: "unique".into(),
            definition: format!("UNIQUE ({})", cols.join(", ")),
        })
        .collect();
}

fn indexes(detail: &mut TableDetail, rows: &[Row]) {
    for r in rows {
        let name = text(r, 0);
        match detail.indexes.iter_mut().find(|i| i.name == name) {
            Some(i) => i.columns.push(text(r, 2)),
            None => detail.indexes.push(IndexInfo {
                primary: name == "PRIMARY",
                name,
                unique: boolean(r, 1),
                columns: vec![text(r, 2)],
                definition: None,
            }),
        }
    }
}

fn referenced_by(detail: &mut TableDetail, rows: &[Row]) {
    detail.referenced_by = rows.iter().map(|r| Reference::from_row(r)).collect();
}

/// Describes a table; on MariaDB, JSON columns (LONGTEXT with a `json_valid` check)
/// are shown as `longtext (json)`.
pub(super) async fn describe(
    db: &Database,
    mariadb: bool,
    schema: Option<&str>,
    table: &str,
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<TableDetail, CatalogError> {
    let mut detail = describe::describe(&Catalog, db, schema, table, limits, ct).await?;
    if mariadb {
        let json_columns = json_checked_columns(db, &detail.schema, &detail.name, limits, ct).await;
        for c in &mut detail.columns {
            if json_columns.contains(&c.name) {
                c.type_name.push_str(" (json)");
            }
        }
    }
    Ok(detail)
}

/// Columns of a MariaDB table that carry a `json_valid(...)` check (MariaDB's JSON type).
async fn json_checked_columns(
    db: &Database,
    schema: &str,
    table: &str,
    limits: &Limits,
    ct: &CancellationToken,
) -> Vec<String> {
    let Ok(rows) = fetch(
        db,
        "SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?",
        &[json!(schema), json!(table)],
        limits,
        ct,
    )
    .await
    else {
        return Vec::new();
    };
    rows.iter()
        .filter_map(|r| json_valid_column(&text(r, 0)))
        .collect()
}

/// One line per table of the current database (or every user schema without one).
pub(super) async fn overview(
    db: &Database,
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<Vec<super::OverviewLine>, CatalogError> {
    let sql = format!(
        "SELECT t.TABLE_SCHEMA, t.TABLE_NAME, {TABLE_KIND}, t.TABLE_ROWS, \
         (SELECT GROUP_CONCAT(CONCAT(c.COLUMN_NAME, ' ', c.COLUMN_TYPE, IF(c.COLUMN_KEY = 'PRI', ' PK', ''), \
            COALESCE((SELECT CONCAT(' → ', k.REFERENCED_TABLE_NAME) FROM information_schema.KEY_COLUMN_USAGE k \
                      WHERE k.TABLE_SCHEMA = c.TABLE_SCHEMA AND k.TABLE_NAME = c.TABLE_NAME AND k.COLUMN_NAME = c.COLUMN_NAME \
                      AND k.REFERENCED_TABLE_NAME IS NOT NULL LIMIT 1), '')) ORDER BY c.ORDINAL_POSITION SEPARATOR ', ') \
          FROM information_schema.COLUMNS c WHERE c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME) \
         FROM information_schema.TABLES t WHERE t.TABLE_SCHEMA NOT IN {SYSTEM} \
         AND t.TABLE_SCHEMA = COALESCE(DATABASE(), t.TABLE_SCHEMA) ORDER BY 1, 2"
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

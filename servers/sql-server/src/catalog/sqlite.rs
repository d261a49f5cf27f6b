//! SQLite's catalog: `pragma_database_list` for schemas (`main`, `temp`, attached
//! files), `sqlite_schema` for tables and views, and the pragma table functions
//! (`pragma_table_xinfo`, `pragma_foreign_key_list`, `pragma_index_list`) for details.
//! Schema names go into the SQL only after they are checked against
//! `pragma_database_list`, and always as quoted identifiers.

use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::describe::{self, Describe, Fill, Query, Row};
use super::{
    CatalogError, ColumnDetail, ForeignKey, IndexInfo, Reference, SchemaInfo, TableDetail,
    TableFilter, TableInfo, TablePage, boolean, fetch, int, opt_text, text,
};
use crate::config::Limits;
use crate::db::Database;

/// `name` as a quoted SQLite identifier.
pub(super) fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

async fn schema_names(
    db: &Database,
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<Vec<(String, String)>, CatalogError> {
    let rows = fetch(
        db,
        "SELECT name, file FROM pragma_database_list ORDER BY seq",
        &[],
        limits,
        ct,
    )
    .await?;
    Ok(rows.iter().map(|r| (text(r, 0), text(r, 1))).collect())
}

/// The schema to use: the given one if it exists, else `main`.
pub(super) async fn resolve_schema(
    db: &Database,
    schema: Option<&str>,
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<String, CatalogError> {
    let Some(schema) = schema else {
        return Ok("main".into());
    };
    let names = schema_names(db, limits, ct).await?;
    names
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(schema))
        .map(|(n, _)| n.clone())
        .ok_or_else(|| {
            CatalogError::Lookup(format!(
                "no schema `{schema}`; this SQLite database has: {}",
                names
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}

pub(super) async fn schemas(
    db: &Database,
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<Vec<SchemaInfo>, CatalogError> {
    let mut out = Vec::new();
    for (name, file) in schema_names(db, limits, ct).await? {
        let count = fetch(
            db,
            &format!(
                "SELECT count(*) FROM {}.sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
                quote(&name)
            ),
            &[],
            limits,
            ct,
        )
        .await?;
        out.push(SchemaInfo {
            name,
            tables: count.first().and_then(|r| int(r, 0)),
            detail: Some(file)
                .filter(|f| !f.is_empty())
                .map(|f| format!("file {f}")),
        });
    }
    Ok(out)
}

pub(super) async fn tables(
    db: &Database,
    filter: &TableFilter,
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<TablePage, CatalogError> {
    let schema = resolve_schema(db, filter.schema.as_deref(), limits, ct).await?;
    let condition = "type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND (?1 IS NULL OR name LIKE ?1)";
    let rows = fetch(
        db,
        &format!(
            "SELECT name, type, count(*) OVER () FROM {}.sqlite_schema WHERE {condition} ORDER BY name LIMIT ?2 OFFSET ?3",
            quote(&schema)
        ),
        &[json!(filter.pattern()), json!(filter.limit), json!(filter.offset)],
        limits,
        ct,
    )
    .await?;
    let total = match rows.first() {
        Some(r) => int(r, 2).unwrap_or(0),
        None => {
            let c = fetch(
                db,
                &format!(
                    "SELECT count(*) FROM {}.sqlite_schema WHERE {condition}",
                    quote(&schema)
                ),
                &[json!(filter.pattern())],
                limits,
                ct,
            )
            .await?;
            c.first().and_then(|r| int(r, 0)).unwrap_or(0)
        }
    };
    Ok(TablePage {
        tables: rows
            .iter()
            .map(|r| TableInfo {
                schema: schema.clone(),
                name: text(r, 0),
                kind: text(r, 1),
                estimated_rows: None,
                comment: None,
            })
            .collect(),
        total,
        offset: filter.offset,
    })
}

/// SQLite's answers to [`Describe`], for one resolved schema: every part is keyed by
/// `(table, schema)`.
struct Catalog {
    schema: String,
}

impl Describe for Catalog {
    fn find(&self, _schema: Option<&str>, table: &str) -> Query {
        Query {
            sql: format!(
                "SELECT name, type FROM {}.sqlite_schema WHERE type IN ('table', 'view') AND name = ?1 COLLATE NOCASE ORDER BY name = ?1 DESC LIMIT 1",
                quote(&self.schema)
            ),
            params: vec![json!(table)],
        }
    }

    fn similar(&self, _schema: Option<&str>, table: &str) -> Query {
        Query {
            sql: format!(
                "SELECT name FROM {}.sqlite_schema WHERE type IN ('table', 'view') AND name LIKE ?1 ORDER BY name LIMIT 5",
                quote(&self.schema)
            ),
            params: vec![json!(format!("%{table}%"))],
        }
    }

    fn missing(&self, _schema: Option<&str>, table: &str) -> String {
        table.to_string()
    }

    fn header(
        &self,
        found: &[Row],
        _schema: Option<&str>,
        _table: &str,
    ) -> Result<(TableDetail, Vec<Value>), CatalogError> {
        let first = &found[0];
        let name = text(first, 0);
        let key = vec![json!(name), json!(self.schema)];
        let detail = TableDetail::new(self.schema.clone(), name, text(first, 1), None, None);
        Ok((detail, key))
    }

    fn parts(&self) -> Vec<(String, Fill)> {
        vec![
            (
                "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?1, ?2) ORDER BY cid".into(),
                columns,
            ),
            (
                "SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?1, ?2) ORDER BY id, seq".into(),
                foreign_keys,
            ),
            (
                "SELECT il.name, il.\"unique\", il.origin, ii.name FROM pragma_index_list(?1, ?2) il \
                 JOIN pragma_index_info(il.name, ?2) ii ORDER BY il.origin = 'pk' DESC, il.name, ii.seqno".into(),
                indexes,
            ),
            (
                format!(
                    "SELECT m.name, group_concat(f.\"from\", ',') FROM {}.sqlite_schema m JOIN pragma_foreign_key_list(m.name, ?2) f \
                     WHERE m.type = 'table' AND f.\"table\" = ?1 COLLATE NOCASE GROUP BY m.name, f.id ORDER BY m.name",
                    quote(&self.schema)
                ),
                referenced_by,
            ),
        ]
    }
}

/// Columns (hidden ones left out), and the primary key they mark.
fn columns(detail: &mut TableDetail, rows: &[Row]) {
    let mut pk: Vec<(i64, String)> = Vec::new();
    for r in rows {
        let hidden = int(r, 5).unwrap_or(0);
        if hidden == 1 {
            continue;
        }
        let name = text(r, 0);
        if let Some(n) = int(r, 4).filter(|n| *n > 0) {
            pk.push((n, name.clone()));
        }
        detail.columns.push(ColumnDetail {
            name,
            type_name: Some(text(r, 1))
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| "(any)".into()),
            nullable: !boolean(r, 2),
            default: opt_text(r, 3).or_else(|| (hidden >= 2).then(|| "generated".to_string())),
            comment: None,
        });
    }
    pk.sort();
    detail.primary_key = pk.into_iter().map(|(_, n)| n).collect();
    // An INTEGER PRIMARY KEY is the rowid: never NULL, whatever table_info says.
    if let [only] = detail.primary_key.as_slice()
        && let Some(c) = detail.columns.iter_mut().find(|c| &c.name == only)
        && c.type_name.eq_ignore_ascii_case("integer")
    {
        c.nullable = false;
    }
}

fn foreign_keys(detail: &mut TableDetail, rows: &[Row]) {
    for r in rows {
        let id = int(r, 0).unwrap_or(0);
        let target = text(r, 1);
        let name = Some(format!("fk{id}"));
        match detail.foreign_keys.iter_mut().find(|f| f.name == name) {
            Some(f) => {
                f.columns.push(text(r, 2));
                f.references_columns.push(text(r, 3));
            }
            None => detail.foreign_keys.push(ForeignKey {
                name,
                columns: vec![text(r, 2)],
                references_schema: detail.schema.clone(),
                references_table: target,
                references_columns: vec![text(r, 3)],
            }),
        }
    }
    for f in &mut detail.foreign_keys {
        f.name = None;
        // `to` is empty when the key references the target's primary key.
        if f.references_columns.iter().all(|c| c.is_empty()) {
            f.references_columns = vec!["(primary key)".into()];
        }
    }
}

fn indexes(detail: &mut TableDetail, rows: &[Row]) {
    for r in rows {
        let name = text(r, 0);
        match detail.indexes.iter_mut().find(|i| i.name == name) {
            Some(i) => i.columns.push(text(r, 3)),
            None => detail.indexes.push(IndexInfo {
                unique: boolean(r, 1),
                primary: text(r, 2) == "pk",
                name,
                columns: vec![text(r, 3)],
                definition: None,
            }),
        }
    }
}

fn referenced_by(detail: &mut TableDetail, rows: &[Row]) {
    detail.referenced_by = rows
        .iter()
        .map(|r| Reference {
            schema: detail.schema.clone(),
            table: text(r, 0),
            columns: super::list(r, 1),
            name: None,
        })
        .collect();
}

pub(super) async fn describe(
    db: &Database,
    schema: Option<&str>,
    table: &str,
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<TableDetail, CatalogError> {
    let schema = resolve_schema(db, schema, limits, ct).await?;
    describe::describe(&Catalog { schema }, db, None, table, limits, ct).await
}

/// One line per table of the main database.
pub(super) async fn overview(
    db: &Database,
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<Vec<super::OverviewLine>, CatalogError> {
    let rows = fetch(
        db,
        "SELECT m.name, m.type, (SELECT group_concat(p.name || ' ' || CASE WHEN p.type = '' THEN '(any)' ELSE p.type END \
            || CASE WHEN p.pk > 0 THEN ' PK' ELSE '' END \
            || COALESCE((SELECT ' → ' || f.\"table\" FROM pragma_foreign_key_list(m.name) f WHERE f.\"from\" = p.name LIMIT 1), ''), ', ') \
          FROM pragma_table_info(m.name) p) \
         FROM sqlite_schema m WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY m.name",
        &[],
        limits,
        ct,
    )
    .await?;
    Ok(rows
        .iter()
        .map(|r| super::OverviewLine {
            schema: "main".into(),
            table: text(r, 0),
            kind: text(r, 1),
            estimated_rows: None,
            columns: text(r, 2),
        })
        .collect())
}

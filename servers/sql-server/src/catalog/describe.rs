//! `describe_table`'s one skeleton, the same for every engine: find the table (or say
//! which names are close), read its header, then fill in its parts (columns, keys,
//! constraints, indexes, the tables that reference it), each from one catalog query
//! bound to the table's key.
//!
//! An engine implements [`Describe`] with its queries and how their rows read;
//! [`describe`] runs them.

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::{CatalogError, TableDetail, fetch, not_found, text};
use crate::config::Limits;
use crate::db::Database;

/// A catalog result row.
pub(super) type Row = Vec<Value>;

/// A catalog query and its bound parameters.
pub(super) struct Query {
    /// The SQL, with the engine's placeholders.
    pub(super) sql: String,
    /// The values of its placeholders.
    pub(super) params: Vec<Value>,
}

/// What fills in one part of a description from its query's rows.
pub(super) type Fill = fn(&mut TableDetail, &[Row]);

/// One engine's way to describe a table, in the order [`describe`] uses it.
pub(super) trait Describe {
    /// The candidates for `table` (in `schema` when given), best first, as
    /// [`Describe::header`] reads them.
    fn find(&self, schema: Option<&str>, table: &str) -> Query;

    /// Up to five names close to `table` (one text column), for the not-found message.
    fn similar(&self, schema: Option<&str>, table: &str) -> Query;

    /// How the not-found message names what was asked for.
    fn missing(&self, schema: Option<&str>, table: &str) -> String {
        schema.map_or(table.to_string(), |s| format!("{s}.{table}"))
    }

    /// The table from its candidates (at least one), with its parts still empty, and
    /// the parameters that identify it to every part query; or why the name does not
    /// mean one table.
    fn header(
        &self,
        found: &[Row],
        schema: Option<&str>,
        table: &str,
    ) -> Result<(TableDetail, Vec<Value>), CatalogError>;

    /// The part queries, run in this order with the key from [`Describe::header`],
    /// each with what its rows fill in.
    fn parts(&self) -> Vec<(String, Fill)>;
}

/// Describes `table` (in `schema` when given) with `engine`'s catalog queries.
pub(super) async fn describe(
    engine: &impl Describe,
    db: &Database,
    schema: Option<&str>,
    table: &str,
    limits: &Limits,
    ct: &CancellationToken,
) -> Result<TableDetail, CatalogError> {
    let find = engine.find(schema, table);
    let found = fetch(db, &find.sql, &find.params, limits, ct).await?;
    if found.is_empty() {
        let similar = engine.similar(schema, table);
        let close = fetch(db, &similar.sql, &similar.params, limits, ct).await?;
        return Err(not_found(
            &engine.missing(schema, table),
            &close.iter().map(|r| text(r, 0)).collect::<Vec<_>>(),
        ));
    }
    let (mut detail, key) = engine.header(&found, schema, table)?;
    for (sql, fill) in engine.parts() {
        let rows = fetch(db, &sql, &key, limits, ct).await?;
        fill(&mut detail, &rows);
    }
    Ok(detail)
}

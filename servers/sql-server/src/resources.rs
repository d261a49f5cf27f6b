//! Schema as MCP resources.
//!
//! - `sql://{database}`: an overview of one database, one line per table with its
//!   columns, keys and foreign keys (bounded; says where it was cut).
//! - `sql://{database}/{schema}/{table}`: one table, as `describe_table` shows it,
//!   served through the template of the same shape.
//!
//! `resources/list` lists every overview and every table, 100 per page, with an opaque
//! cursor; an invalid cursor is a JSON-RPC invalid-params error.

use base64::Engine as _;
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};
use rmcp::ErrorData as McpError;
use rmcp::model::{Resource, ResourceTemplate};

/// Resources per `resources/list` page.
pub const PAGE: usize = 100;

/// Characters escaped inside a URI path segment.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'?')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// What a `sql://` URI names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `sql://DATABASE`: a database's overview.
    Overview {
        /// The database.
        database: String,
    },
    /// `sql://DATABASE/SCHEMA/TABLE`: one table's description.
    Table {
        /// The database.
        database: String,
        /// The table's schema.
        schema: String,
        /// The table.
        table: String,
    },
}

/// The URI of a database's overview.
pub fn overview_uri(database: &str) -> String {
    format!("sql://{}", utf8_percent_encode(database, SEGMENT))
}

/// The URI of one table's description.
pub fn table_uri(database: &str, schema: &str, table: &str) -> String {
    format!(
        "sql://{}/{}/{}",
        utf8_percent_encode(database, SEGMENT),
        utf8_percent_encode(schema, SEGMENT),
        utf8_percent_encode(table, SEGMENT)
    )
}

/// Parses a `sql://` URI; `None` when it is not one of the two shapes.
pub fn parse(uri: &str) -> Option<Target> {
    let rest = uri.strip_prefix("sql://")?;
    let decode = |s: &str| {
        percent_decode_str(s)
            .decode_utf8()
            .ok()
            .map(|c| c.into_owned())
    };
    let parts: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    match parts.as_slice() {
        [db] if !db.is_empty() => Some(Target::Overview {
            database: decode(db)?,
        }),
        [db, schema, table] if !db.is_empty() && !schema.is_empty() && !table.is_empty() => {
            Some(Target::Table {
                database: decode(db)?,
                schema: decode(schema)?,
                table: decode(table)?,
            })
        }
        _ => None,
    }
}

/// The per-table template.
pub fn table_template() -> ResourceTemplate {
    ResourceTemplate::new("sql://{database}/{schema}/{table}", "table")
        .with_title("One table's columns, keys and indexes")
        .with_description("A table or view described: columns with types, nullability and defaults, primary and foreign keys, indexes, referencing tables. Example: sql://default/public/orders (SQLite schema: main).")
        .with_mime_type("text/plain")
}

/// The overview template (one per database, also listed concretely).
pub fn overview_template() -> ResourceTemplate {
    ResourceTemplate::new("sql://{database}", "database-overview")
        .with_title("Every table of a database, one line each")
        .with_description("A compact schema map: each table with its columns, primary keys and foreign keys. Example: sql://default")
        .with_mime_type("text/plain")
}

/// The listed resource for a database's overview.
pub fn overview_resource(database: &str, engine: &str) -> Resource {
    Resource::new(overview_uri(database), format!("{database} overview"))
        .with_title(format!("Database {database} ({engine}): all tables"))
        .with_description(
            "Every table with its columns, keys and foreign keys, one line each. Read this first.",
        )
        .with_mime_type("text/plain")
}

/// The listed resource for one table.
pub fn table_resource(database: &str, schema: &str, table: &str, kind: &str) -> Resource {
    Resource::new(
        table_uri(database, schema, table),
        format!("{database}.{schema}.{table}"),
    )
    .with_description(format!("{kind} {schema}.{table}: columns, keys, indexes"))
    .with_mime_type("text/plain")
}

/// An opaque cursor for the item offset.
pub fn cursor(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("sql-resources:{offset}"))
}

/// The offset a cursor stands for.
pub fn offset(cursor: Option<&str>) -> Result<usize, McpError> {
    let Some(c) = cursor else { return Ok(0) };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("sql-resources:")?.parse().ok())
        .ok_or_else(|| {
            McpError::invalid_params(
                "invalid cursor: pass the nextCursor of a previous resources/list response, or none for the first page",
                None,
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_round_trip_with_odd_names() {
        let uri = table_uri("default", "my schema", "a/b?c");
        assert_eq!(
            parse(&uri),
            Some(Target::Table {
                database: "default".into(),
                schema: "my schema".into(),
                table: "a/b?c".into()
            })
        );
        assert_eq!(
            parse("sql://pg"),
            Some(Target::Overview {
                database: "pg".into()
            })
        );
        assert_eq!(parse("sql://pg/only-schema"), None);
        assert_eq!(parse("file:///etc/passwd"), None);
    }

    #[test]
    fn cursors_are_opaque_and_checked() {
        assert_eq!(offset(Some(&cursor(200))).unwrap(), 200);
        assert_eq!(offset(None).unwrap(), 0);
        assert!(offset(Some("garbage")).is_err());
    }
}

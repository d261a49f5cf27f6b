//! The `explain` tool: the plan of an approved query, never its execution.
//!
//! PostgreSQL and MySQL get `EXPLAIN` (no `ANALYZE`), optionally as JSON; SQLite gets
//! `EXPLAIN QUERY PLAN`, rendered as an indented tree. The query inside has passed the
//! gate as a plain query (one statement, no trailing `;`), so prefixing it yields one
//! statement too.

use std::fmt::Write as _;

use serde_json::Value;

use crate::engine::Engine;
use crate::exec::Rows;

/// Plan output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PlanFormat {
    // The engine's readable text plan (default). (`//`, not `///`: a doc comment would
    // change `explain`'s input schema.)
    #[default]
    #[allow(missing_docs)]
    Text,
    // The engine's JSON plan (PostgreSQL, MySQL/MariaDB); SQLite always gives its tree.
    #[allow(missing_docs)]
    Json,
}

/// The EXPLAIN statement for `query` on `engine`.
pub fn statement(engine: Engine, query: &str, format: PlanFormat) -> String {
    match (engine, format) {
        (Engine::Postgres, PlanFormat::Text) => format!("EXPLAIN {query}"),
        (Engine::Postgres, PlanFormat::Json) => format!("EXPLAIN (FORMAT JSON) {query}"),
        (Engine::MySql, PlanFormat::Text) => format!("EXPLAIN {query}"),
        (Engine::MySql, PlanFormat::Json) => format!("EXPLAIN FORMAT=JSON {query}"),
        (Engine::Sqlite, _) => format!("EXPLAIN QUERY PLAN {query}"),
    }
}

/// The plan as text for the model.
pub fn render(engine: Engine, format: PlanFormat, rows: &Rows) -> String {
    let text_cells = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match (engine, format) {
        (Engine::Sqlite, _) => sqlite_tree(rows),
        (_, PlanFormat::Json) => rows
            .rows
            .iter()
            .filter_map(|r| r.first())
            .map(|v| match v {
                Value::String(s) => serde_json::from_str::<Value>(s)
                    .map(|j| j.to_string())
                    .unwrap_or_else(|_| s.clone()),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        (Engine::Postgres, PlanFormat::Text) => rows
            .rows
            .iter()
            .filter_map(|r| r.first().map(text_cells))
            .collect::<Vec<_>>()
            .join("\n"),
        (Engine::MySql, PlanFormat::Text) => {
            let header: Vec<String> = rows.columns.iter().map(|c| c.name.clone()).collect();
            crate::table::render(&header, &rows.rows)
        }
    }
}

/// SQLite's `(id, parent, notused, detail)` rows as an indented tree.
fn sqlite_tree(rows: &Rows) -> String {
    let id = |r: &Vec<Value>, i: usize| r.get(i).and_then(Value::as_i64).unwrap_or(0);
    let mut depth: Vec<(i64, usize)> = Vec::new();
    let mut out = String::from("QUERY PLAN\n");
    for r in &rows.rows {
        let (me, parent) = (id(r, 0), id(r, 1));
        let level = depth
            .iter()
            .rev()
            .find(|(i, _)| *i == parent)
            .map_or(0, |(_, d)| d + 1);
        depth.push((me, level));
        let detail = r.get(3).and_then(Value::as_str).unwrap_or("");
        let _ = writeln!(out, "{}`--{detail}", "   ".repeat(level));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn statements_never_analyze() {
        for engine in [Engine::Postgres, Engine::MySql, Engine::Sqlite] {
            for format in [PlanFormat::Text, PlanFormat::Json] {
                let s = statement(engine, "SELECT 1", format);
                assert!(!s.to_ascii_uppercase().contains("ANALYZE"), "{s}");
                assert!(s.ends_with("SELECT 1"), "{s}");
            }
        }
    }

    #[test]
    fn sqlite_plans_indent_by_parent() {
        let rows = Rows {
            columns: vec![],
            rows: vec![
                vec![json!(2), json!(0), json!(0), json!("SCAN o")],
                vec![
                    json!(5),
                    json!(2),
                    json!(0),
                    json!("SEARCH c USING INTEGER PRIMARY KEY"),
                ],
            ],
            cut: None,
            bytes: 0,
            elapsed: std::time::Duration::ZERO,
        };
        assert_eq!(
            sqlite_tree(&rows),
            "QUERY PLAN\n`--SCAN o\n   `--SEARCH c USING INTEGER PRIMARY KEY\n"
        );
    }
}

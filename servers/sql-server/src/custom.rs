//! Operator-defined tools: named, documented statements from a TOML file
//! (`--tools-file`), each becoming an MCP tool of its own (see `tools::custom` for the
//! MCP side).
//!
//! A tool is one statement with named parameters (`:status`), their JSON types
//! (`string`, `integer`, `number`, `boolean`; `required = false` makes one optional,
//! bound as NULL when absent), the database it runs on and an optional row cap:
//!
//! ```toml
//! [[tools]]
//! name = "orders_by_status"
//! description = "Orders in one status, newest first."
//! database = "shop"
//! sql = "SELECT id, total FROM orders WHERE status = :status AND (:min_total IS NULL OR total >= :min_total) ORDER BY id DESC"
//! max_rows = 50
//! params = [
//!   { name = "status", type = "string", description = "paid, pending or refunded" },
//!   { name = "min_total", type = "number", required = false },
//! ]
//! ```
//!
//! At start, [`prepare`] rewrites each statement's names into the engine's positional
//! placeholders (outside strings, quoted names and comments, as sqlparser's tokenizer
//! reads them; the gate then re-reads the rewritten text), and runs it through the
//! read-only gate: a statement that writes, or names an undeclared parameter, stops the
//! start with a message naming the tool. Calls bind the arguments as real bind
//! parameters through the same executor as `query`, so the engine-level read-only
//! scope applies too.

use std::path::Path;
use std::sync::Arc;

use rmcp::model::JsonObject;
use serde::Deserialize;
use serde_json::{Value, json};
use sqlparser::tokenizer::{Location, Token, Tokenizer};

use crate::db::{Database, Registry};
use crate::engine::Engine;
use crate::guard::{self, Approved};

/// The built-in tools' names, which an operator's tool may not take.
pub const BUILT_IN: &[&str] = &[
    "query",
    "explain",
    "list_schemas",
    "list_tables",
    "describe_table",
    "search_objects",
];

/// The tools file: a list of `[[tools]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ToolsFile {
    #[serde(default)]
    tools: Vec<Spec>,
}

/// One `[[tools]]` entry, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// The tool's name (letters, digits, `_`, `-`; at most 64).
    pub name: String,
    /// What the tool answers, for the model.
    pub description: String,
    /// One reading statement with `:name` parameters.
    pub sql: String,
    /// The configured database it runs on; the default when absent.
    #[serde(default)]
    pub database: Option<String>,
    /// Most rows it returns (never more than the server's `--max-rows`).
    #[serde(default)]
    pub max_rows: Option<usize>,
    /// Its parameters, in the order the model sees them.
    #[serde(default)]
    pub params: Vec<ParamSpec>,
}

/// One parameter of a tool.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamSpec {
    /// Its name, as written after `:` in the statement.
    pub name: String,
    /// Its JSON type.
    #[serde(rename = "type")]
    pub kind: ParamType,
    /// What it means, for the model.
    #[serde(default)]
    pub description: Option<String>,
    /// Whether the model must pass it; an optional one absent or `null` binds NULL.
    #[serde(default = "yes")]
    pub required: bool,
}

fn yes() -> bool {
    true
}

/// The JSON type of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamType {
    /// A JSON string (also dates, times, decimals written as text).
    String,
    /// A JSON integer.
    Integer,
    /// Any JSON number.
    Number,
    /// `true` or `false`.
    Boolean,
}

impl ParamType {
    fn json_name(self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Integer => "integer",
            ParamType::Number => "number",
            ParamType::Boolean => "boolean",
        }
    }

    fn fits(self, v: &Value) -> bool {
        match self {
            ParamType::String => v.is_string(),
            ParamType::Integer => v.is_i64() || v.is_u64(),
            ParamType::Number => v.is_number(),
            ParamType::Boolean => v.is_boolean(),
        }
    }

    fn example(self) -> Value {
        match self {
            ParamType::String => json!("text"),
            ParamType::Integer => json!(10),
            ParamType::Number => json!(1.5),
            ParamType::Boolean => json!(true),
        }
    }
}

/// A tool ready to serve: its spec, its database, its approved positional statement,
/// and which parameter fills each placeholder.
#[derive(Debug)]
pub struct CustomTool {
    /// The entry as written.
    pub spec: Spec,
    /// The database it runs on.
    pub database: Arc<Database>,
    /// The rewritten statement, as the gate approved it.
    pub approved: Approved,
    /// For each bind slot, in order, the index of its parameter in `spec.params`.
    pub slots: Vec<usize>,
}

/// The operator's tools as the options ask: none without `--tools-file`; an error
/// when `--custom-tools-only` has no tools file, or when any entry is refused.
pub fn from_args(
    args: &crate::config::SqlArgs,
    registry: &Registry,
) -> Result<Vec<Arc<CustomTool>>, String> {
    let from_config = args
        .common
        .config
        .as_deref()
        .filter(|config| args.tools_file.is_none() && holds_tools(config));
    let Some(path) = args.tools_file.as_deref().or(from_config) else {
        if args.custom_tools_only {
            return Err(
                "--custom-tools-only needs [[tools]] entries, in the --config file or a --tools-file"
                    .into(),
            );
        }
        return Ok(Vec::new());
    };
    prepare(load(path)?, registry)
        .map_err(|e| format!("refusing to start: tools in {}:\n{e}", path.display()))
}

/// Whether the `--config` file has a `[[tools]]` section (then it is read as the
/// tools file too; its other keys are the options).
fn holds_tools(config: &Path) -> bool {
    std::fs::read_to_string(config)
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .is_some_and(|table| table.contains_key("tools"))
}

/// Reads the `[[tools]]` entries of a TOML file.
pub fn load(path: &Path) -> Result<Vec<Spec>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the tools file {}: {e}", path.display()))?;
    // Only the [[tools]] entries: in a --config file the other keys are options.
    let mut table: toml::Table = text
        .parse()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let tools = table
        .remove("tools")
        .unwrap_or(toml::Value::Array(Vec::new()));
    let file: ToolsFile = toml::Table::from_iter([("tools".to_string(), tools)])
        .try_into()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if file.tools.is_empty() {
        return Err(format!(
            "{} holds no [[tools]] entry; see the README (sql-server, operator-defined tools)",
            path.display()
        ));
    }
    Ok(file.tools)
}

/// Checks every spec against the configured databases and the gate; all problems are
/// reported together, each naming its tool.
pub fn prepare(specs: Vec<Spec>, registry: &Registry) -> Result<Vec<Arc<CustomTool>>, String> {
    let mut tools = Vec::new();
    let mut problems = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for spec in specs {
        let name = spec.name.clone();
        if seen.contains(&name) {
            problems.push(format!("custom tool `{name}` is defined twice"));
            continue;
        }
        seen.push(name.clone());
        match prepare_one(spec, registry) {
            Ok(t) => tools.push(Arc::new(t)),
            Err(e) => problems.push(format!("custom tool `{name}`: {e}")),
        }
    }
    if problems.is_empty() {
        Ok(tools)
    } else {
        Err(problems.join("\n"))
    }
}

fn prepare_one(spec: Spec, registry: &Registry) -> Result<CustomTool, String> {
    if spec.name.is_empty()
        || spec.name.len() > 64
        || !spec
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err("the name must be 1 to 64 letters, digits, `_` or `-`".into());
    }
    if BUILT_IN.contains(&spec.name.as_str()) {
        return Err("the name is a built-in tool's; choose another".into());
    }
    if spec.description.trim().is_empty() {
        return Err("the description is empty; say what the tool answers".into());
    }
    if spec.max_rows == Some(0) {
        return Err("max_rows must be at least 1".into());
    }
    for (i, p) in spec.params.iter().enumerate() {
        if !is_identifier(&p.name) {
            return Err(format!(
                "parameter name `{}` must be letters, digits and `_`, not starting with a digit",
                p.name
            ));
        }
        if spec.params[..i].iter().any(|q| q.name == p.name) {
            return Err(format!("parameter `{}` is declared twice", p.name));
        }
    }
    let database = registry.get(spec.database.as_deref())?;
    let (sql, names) = positional(&spec.sql, database.engine)?;
    let mut slots = Vec::with_capacity(names.len());
    for n in &names {
        let Some(i) = spec.params.iter().position(|p| &p.name == n) else {
            return Err(format!(
                "the statement uses :{n}, which is not declared; add {{ name = \"{n}\", type = \"string\" }} (or its type) to params"
            ));
        };
        slots.push(i);
    }
    if let Some(unused) = spec.params.iter().find(|p| !names.contains(&p.name)) {
        return Err(format!(
            "parameter `{}` is declared but the statement never uses :{}",
            unused.name, unused.name
        ));
    }
    let approved = guard::check(&sql, database.engine).map_err(|r| {
        format!(
            "its statement does not pass the read-only gate on {} ({}): {r}",
            database.name, database.engine
        )
    })?;
    Ok(CustomTool {
        spec,
        database,
        approved,
        slots,
    })
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Rewrites `:name` parameters into `engine`'s positional placeholders: PostgreSQL
/// `$k` (one per distinct name, so a name used twice is bound once), MySQL/MariaDB and
/// SQLite `?` (one per use). Returns the statement and, per bind slot, the name.
/// Positional placeholders in the source are refused (the tool's arguments are named).
pub fn positional(sql: &str, engine: Engine) -> Result<(String, Vec<String>), String> {
    let dialect = crate::guard::dialect(engine);
    let tokens = Tokenizer::new(dialect.as_ref(), sql)
        .tokenize_with_location()
        .map_err(|e| format!("the statement cannot be tokenized ({e})"))?;
    let offsets = LineOffsets::new(sql);
    // (start byte, end byte, name) of each parameter, in order.
    let mut found: Vec<(usize, usize, String)> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i].token {
            Token::Colon => {
                if let Some(next) = tokens.get(i + 1)
                    && let Token::Word(w) = &next.token
                    && w.quote_style.is_none()
                    && next.span.start == tokens[i].span.end
                {
                    found.push((
                        offsets.byte(sql, tokens[i].span.start),
                        offsets.byte(sql, next.span.end),
                        w.value.clone(),
                    ));
                    i += 2;
                    continue;
                }
            }
            Token::Placeholder(p) => {
                if let Some(name) = p.strip_prefix(':').filter(|n| is_identifier(n)) {
                    found.push((
                        offsets.byte(sql, tokens[i].span.start),
                        offsets.byte(sql, tokens[i].span.end),
                        name.to_string(),
                    ));
                } else {
                    return Err(format!(
                        "the statement holds the positional placeholder `{p}`; name parameters instead, e.g. `WHERE id = :id` with {{ name = \"id\", type = \"integer\" }}"
                    ));
                }
            }
            _ => {}
        }
        i += 1;
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut distinct: Vec<String> = Vec::new();
    let mut names = Vec::new();
    let mut last = 0;
    for (start, end, name) in found {
        out.push_str(&sql[last..start]);
        match engine {
            Engine::Postgres => {
                let k = match distinct.iter().position(|d| *d == name) {
                    Some(k) => k,
                    None => {
                        distinct.push(name.clone());
                        distinct.len() - 1
                    }
                };
                out.push_str(&format!("${}", k + 1));
            }
            Engine::MySql | Engine::Sqlite => {
                out.push('?');
                names.push(name);
            }
        }
        last = end;
    }
    out.push_str(&sql[last..]);
    if engine == Engine::Postgres {
        names = distinct;
    }
    Ok((out, names))
}

/// Byte offsets of sqlparser's 1-based (line, column-in-characters) locations.
struct LineOffsets(Vec<usize>);

impl LineOffsets {
    fn new(sql: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(sql.match_indices('\n').map(|(i, _)| i + 1));
        Self(starts)
    }

    fn byte(&self, sql: &str, at: Location) -> usize {
        let line = (at.line.max(1) as usize - 1).min(self.0.len() - 1);
        let start = self.0[line];
        let column = at.column.max(1) as usize - 1;
        sql[start..]
            .char_indices()
            .nth(column)
            .map_or(sql.len(), |(i, _)| start + i)
    }
}

impl CustomTool {
    /// The row cap of a call: the tool's, never above the server's.
    pub fn max_rows(&self, server: usize) -> usize {
        self.spec.max_rows.map_or(server, |n| n.min(server))
    }

    /// The tool's input schema: one property per parameter with its type and
    /// description; the required ones listed.
    pub fn input_schema(&self) -> JsonObject {
        let mut properties = serde_json::Map::new();
        let mut required = Vec::new();
        for p in &self.spec.params {
            let mut prop = serde_json::Map::new();
            let ty = p.kind.json_name();
            // Optional: absent from `required` (the schemas' convention; a `null` sent
            // for it is dropped as "not given", see shared::arguments).
            prop.insert("type".into(), json!(ty));
            if let Some(d) = p.description.as_deref().filter(|d| !d.trim().is_empty()) {
                prop.insert("description".into(), json!(d));
            }
            properties.insert(p.name.clone(), Value::Object(prop));
            if p.required {
                required.push(json!(p.name));
            }
        }
        let mut schema = serde_json::Map::new();
        schema.insert("type".into(), json!("object"));
        schema.insert("properties".into(), Value::Object(properties));
        if !required.is_empty() {
            schema.insert("required".into(), Value::Array(required));
        }
        schema.insert("additionalProperties".into(), json!(false));
        schema
    }

    /// The description the model reads: the operator's, then where it runs, its cap
    /// and an example call.
    pub fn description(&self, server_max_rows: usize) -> String {
        let example: serde_json::Map<String, Value> = self
            .spec
            .params
            .iter()
            .filter(|p| p.required)
            .map(|p| (p.name.clone(), p.kind.example()))
            .collect();
        let optional: Vec<&str> = self
            .spec
            .params
            .iter()
            .filter(|p| !p.required)
            .map(|p| p.name.as_str())
            .collect();
        let mut d = format!(
            "{} (Read-only query on database {}; at most {} rows. Example: {}",
            self.spec.description.trim(),
            self.database.name,
            self.max_rows(server_max_rows),
            Value::Object(example)
        );
        if !optional.is_empty() {
            d.push_str(&format!(
                "; optional: {} (omit or null for none)",
                optional.join(", ")
            ));
        }
        d.push(')');
        d
    }

    /// The bind values for a call's arguments, in slot order, or what is wrong with
    /// them (a missing required one, an unknown one, a wrong type).
    pub fn bind(&self, arguments: Option<&JsonObject>) -> Result<Vec<Value>, String> {
        let empty = JsonObject::new();
        let args = arguments.unwrap_or(&empty);
        if let Some(unknown) = args
            .keys()
            .find(|k| !self.spec.params.iter().any(|p| &p.name == *k))
        {
            return Err(format!(
                "unknown argument `{unknown}`; {} takes: {}",
                self.spec.name,
                self.param_list()
            ));
        }
        let mut values = Vec::with_capacity(self.spec.params.len());
        for p in &self.spec.params {
            let v = args.get(&p.name).cloned().unwrap_or(Value::Null);
            if v.is_null() {
                if p.required {
                    return Err(format!(
                        "missing argument `{}` ({}); {} takes: {}",
                        p.name,
                        p.kind.json_name(),
                        self.spec.name,
                        self.param_list()
                    ));
                }
            } else if !p.kind.fits(&v) {
                return Err(format!(
                    "argument `{}` must be a JSON {}, got {v}; e.g. {{\"{}\": {}}}",
                    p.name,
                    p.kind.json_name(),
                    p.name,
                    p.kind.example()
                ));
            }
            values.push(v);
        }
        Ok(self.slots.iter().map(|&i| values[i].clone()).collect())
    }

    fn param_list(&self) -> String {
        if self.spec.params.is_empty() {
            return "no arguments".into();
        }
        self.spec
            .params
            .iter()
            .map(|p| {
                format!(
                    "{} ({}{})",
                    p.name,
                    p.kind.json_name(),
                    if p.required { "" } else { ", optional" }
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::PoolSettings;
    use crate::dsn::Secrets;
    use std::time::Duration;

    fn registry() -> Registry {
        let secrets = Secrets {
            password: None,
            ssl_mode: None,
            ssl_ca: None,
            idle_transaction: None,
        };
        let settings = PoolSettings {
            size: 1,
            connect_timeout: Duration::from_secs(1),
            statement_timeout: Duration::from_secs(1),
        };
        Registry::open(
            &[
                ("lite".into(), "sqlite:/nonexistent/x.db".into()),
                ("pg".into(), "postgres://u@127.0.0.1:1/db".into()),
                ("my".into(), "mysql://u@127.0.0.1:1/db".into()),
            ],
            &secrets,
            settings,
        )
        .unwrap()
    }

    fn spec(sql: &str, params: &[(&str, ParamType, bool)]) -> Spec {
        Spec {
            name: "t".into(),
            description: "d".into(),
            sql: sql.into(),
            database: None,
            max_rows: None,
            params: params
                .iter()
                .map(|(n, k, r)| ParamSpec {
                    name: n.to_string(),
                    kind: *k,
                    description: None,
                    required: *r,
                })
                .collect(),
        }
    }

    #[test]
    fn names_become_positional_outside_strings_comments_and_casts() {
        let sql = "SELECT ':skip', \":q\", a::text FROM t -- :c\nWHERE a = :a AND b = :b OR a = :a";
        let (pg, names) = positional(sql, Engine::Postgres).unwrap();
        assert_eq!(
            pg,
            "SELECT ':skip', \":q\", a::text FROM t -- :c\nWHERE a = $1 AND b = $2 OR a = $1"
        );
        assert_eq!(names, ["a", "b"]);
        let (lite, names) = positional(
            "SELECT 'é:x' WHERE a = :a OR b = :b OR a = :a",
            Engine::Sqlite,
        )
        .unwrap();
        assert_eq!(lite, "SELECT 'é:x' WHERE a = ? OR b = ? OR a = ?");
        assert_eq!(names, ["a", "b", "a"]);
        let (my, _) = positional("SELECT `:x` FROM t WHERE a = :a", Engine::MySql).unwrap();
        assert_eq!(my, "SELECT `:x` FROM t WHERE a = ?");
    }

    #[test]
    fn positional_placeholders_in_a_tool_are_refused() {
        let err = positional("SELECT * FROM t WHERE a = $1", Engine::Postgres).unwrap_err();
        assert!(err.contains("name parameters"), "{err}");
        let err = positional("SELECT * FROM t WHERE a = ?", Engine::Sqlite).unwrap_err();
        assert!(err.contains("`?`"), "{err}");
    }

    #[tokio::test]
    async fn writing_statements_and_undeclared_names_stop_the_start() {
        let r = registry();
        let mut s = spec(
            "DELETE FROM orders WHERE id = :id",
            &[("id", ParamType::Integer, true)],
        );
        s.name = "purge".into();
        let err = prepare(vec![s], &r).unwrap_err();
        assert!(err.contains("custom tool `purge`"), "{err}");
        assert!(err.contains("read-only gate"), "{err}");
        let err = prepare(vec![spec("SELECT :x", &[])], &r).unwrap_err();
        assert!(err.contains(":x, which is not declared"), "{err}");
        let err = prepare(
            vec![spec("SELECT 1", &[("x", ParamType::String, true)])],
            &r,
        )
        .unwrap_err();
        assert!(err.contains("never uses :x"), "{err}");
        let mut s = spec("SELECT 1", &[]);
        s.name = "query".into();
        assert!(prepare(vec![s], &r).unwrap_err().contains("built-in"));
    }

    #[tokio::test]
    async fn arguments_bind_in_slot_order_with_types_checked() {
        let r = registry();
        let mut s = spec(
            "SELECT * FROM t WHERE a = :a AND (:b IS NULL OR b = :b)",
            &[
                ("a", ParamType::Integer, true),
                ("b", ParamType::String, false),
            ],
        );
        s.database = Some("my".into());
        let tools = prepare(vec![s], &r).unwrap();
        let t = &tools[0];
        assert_eq!(
            t.approved.sql,
            "SELECT * FROM t WHERE a = ? AND (? IS NULL OR b = ?)"
        );
        let args = json!({"a": 7}).as_object().cloned();
        assert_eq!(
            t.bind(args.as_ref()).unwrap(),
            vec![json!(7), Value::Null, Value::Null]
        );
        let args = json!({"a": 7, "b": "x"}).as_object().cloned();
        assert_eq!(
            t.bind(args.as_ref()).unwrap(),
            vec![json!(7), json!("x"), json!("x")]
        );
        let args = json!({"a": 1.5}).as_object().cloned();
        assert!(t.bind(args.as_ref()).unwrap_err().contains("JSON integer"));
        let args = json!({"b": "x"}).as_object().cloned();
        assert!(
            t.bind(args.as_ref())
                .unwrap_err()
                .contains("missing argument `a`")
        );
        let args = json!({"a": 1, "c": 2}).as_object().cloned();
        assert!(
            t.bind(args.as_ref())
                .unwrap_err()
                .contains("unknown argument `c`")
        );
        let schema = Value::Object(t.input_schema());
        assert_eq!(schema["required"], json!(["a"]));
        assert_eq!(schema["properties"]["b"]["type"], json!("string"));
    }
}

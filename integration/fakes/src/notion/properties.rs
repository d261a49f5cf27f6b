//! Data-source schemas and page property values: rendering every property of a row
//! (computed ones included), and checking written values against the schema.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::error::{ApiError, ApiResult};
use super::ids;
use super::rich_text;
use super::store::{DataSource, Page, State};
use super::validation::{self as v, MAX_MULTI_SELECT, MAX_RELATIONS, MAX_URL};

/// Computes a formula property from the row's other (rendered) properties.
pub type FormulaFn = fn(&Map<String, Value>) -> Value;

/// One property of a data source.
#[derive(Debug, Clone)]
pub struct PropSchema {
    pub id: String,
    pub name: String,
    /// `title`, `rich_text`, `number`, `select`, …
    pub kind: String,
    /// The type's configuration (`{"options": […]}`, `{"format": "dollar"}`, …).
    pub config: Value,
    /// For a `formula`: how the fake computes it (Notion's expression language is
    /// not interpreted; `config.expression` only documents it).
    pub formula: Option<FormulaFn>,
}

/// Properties Notion computes or sets only in its app (`button`, `verification`);
/// writing them is refused. notion-server keeps its own copy;
/// `tests/e2e/notion_fake_drift.rs` fails when the two differ.
pub const READ_ONLY: &[&str] = &[
    "formula",
    "rollup",
    "created_time",
    "created_by",
    "last_edited_time",
    "last_edited_by",
    "unique_id",
    "button",
    "verification",
];

/// Property types `POST /v1/databases` creates here. notion-server keeps its own
/// copy (`create_data_source`); `tests/e2e/notion_markdown.rs` fails when the two differ.
pub const CREATABLE: &[&str] = &[
    "title",
    "rich_text",
    "number",
    "select",
    "multi_select",
    "status",
    "date",
    "people",
    "files",
    "checkbox",
    "url",
    "email",
    "phone_number",
    "created_time",
    "created_by",
    "last_edited_time",
    "last_edited_by",
];

impl PropSchema {
    pub fn new(name: &str, kind: &str, config: Value) -> Self {
        let id = if kind == "title" {
            "title".to_string()
        } else {
            ids::short(name)
        };
        Self {
            id,
            name: name.into(),
            kind: kind.into(),
            config,
            formula: None,
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "description": "",
            "type": self.kind,
            self.kind.as_str(): self.config,
        })
    }

    /// The option of a select, multi-select or status with this name or id.
    fn option(&self, name: Option<&str>, id: Option<&str>) -> Option<Value> {
        self.config["options"].as_array()?.iter().find_map(|o| {
            let hit = name.is_some_and(|n| o["name"] == n) || id.is_some_and(|i| o["id"] == i);
            hit.then(|| json!({"id": o["id"], "name": o["name"], "color": o["color"]}))
        })
    }
}

/// Select or multi-select options from (name, colour) pairs.
pub fn options(list: &[(&str, &str)]) -> Value {
    let options: Vec<Value> = list
        .iter()
        .map(|(name, color)| json!({"id": ids::short(name), "name": name, "color": color, "description": null}))
        .collect();
    json!({ "options": options })
}

/// A status configuration: options in groups `To-do`, `In progress`, `Complete`.
pub fn status_options(groups: &[(&str, &[(&str, &str)])]) -> Value {
    let mut all = Vec::new();
    let mut group_json = Vec::new();
    for (group, list) in groups {
        let opts = options(list)["options"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let ids: Vec<Value> = opts.iter().map(|o| o["id"].clone()).collect();
        group_json.push(
            json!({"id": ids::short(group), "name": group, "color": "gray", "option_ids": ids}),
        );
        all.extend(opts);
    }
    json!({"options": all, "groups": group_json})
}

/// `{name: {id, name, type, <type>: config}}` for a schema.
pub fn schema_json(schema: &[PropSchema]) -> Value {
    Value::Object(
        schema
            .iter()
            .map(|p| (p.name.clone(), p.to_json()))
            .collect(),
    )
}

/// Every property of a row, as Notion renders them.
pub fn render_row(st: &State, page: &Page, ds: &DataSource) -> Value {
    let mut out = Map::new();
    for p in ds
        .schema
        .iter()
        .filter(|p| p.kind != "formula" && p.kind != "rollup")
    {
        let mut value =
            json!({"id": p.id, "type": p.kind, p.kind.as_str(): render_value(st, page, p)});
        if p.kind == "relation" {
            value["has_more"] = json!(false);
        }
        out.insert(p.name.clone(), value);
    }
    for p in ds.schema.iter().filter(|p| p.kind == "rollup") {
        let relation = p.config["relation_property_name"]
            .as_str()
            .unwrap_or_default();
        let count = out
            .get(relation)
            .and_then(|r| r["relation"].as_array())
            .map_or(0, Vec::len);
        out.insert(
            p.name.clone(),
            json!({"id": p.id, "type": "rollup", "rollup": {"type": "number", "number": count, "function": "count"}}),
        );
    }
    let computed: Vec<(String, Value)> = ds
        .schema
        .iter()
        .filter(|p| p.kind == "formula")
        .map(|p| {
            let result = p
                .formula
                .map_or_else(|| json!({"type": "string", "string": null}), |f| f(&out));
            (
                p.name.clone(),
                json!({"id": p.id, "type": "formula", "formula": result}),
            )
        })
        .collect();
    out.extend(computed);
    Value::Object(out)
}

fn render_value(st: &State, page: &Page, p: &PropSchema) -> Value {
    if let Some(v) = page.props.get(&p.id) {
        return v.clone();
    }
    match p.kind.as_str() {
        "title" | "rich_text" | "multi_select" | "people" | "relation" | "files" => json!([]),
        "checkbox" => json!(false),
        "status" => p.config["options"]
            .get(0)
            .map(|o| json!({"id": o["id"], "name": o["name"], "color": o["color"]}))
            .unwrap_or(Value::Null),
        "created_time" => json!(page.meta.created),
        "last_edited_time" => json!(page.meta.edited),
        "created_by" => st.user_json(&page.meta.created_by),
        "last_edited_by" => st.user_json(&page.meta.edited_by),
        "unique_id" => json!({"prefix": p.config["prefix"], "number": page.unique}),
        _ => Value::Null,
    }
}

/// The index of the property a request names (by name, then by id).
pub fn find(schema: &[PropSchema], key: &str) -> Option<usize> {
    schema
        .iter()
        .position(|p| p.name == key)
        .or_else(|| schema.iter().position(|p| p.id == key))
}

/// Checks the `properties` of a create or update against a schema and returns the
/// values to store, keyed by property id. New select and multi-select options are
/// added to `schema`, as Notion does.
pub fn write_row(
    st: &State,
    schema: &mut [PropSchema],
    input: &Value,
) -> ApiResult<HashMap<String, Value>> {
    let mut out = HashMap::new();
    if input.is_null() {
        return Ok(out);
    }
    let obj = v::object(input, "body.properties")?;
    for (key, value) in obj {
        let i = find(schema, key)
            .ok_or_else(|| ApiError::validation(format!("{key} is not a property that exists.")))?;
        let path = format!("body.properties.{key}");
        let stored = write_value(st, &mut schema[i], value, &path)?;
        out.insert(schema[i].id.clone(), stored);
    }
    Ok(out)
}

/// The title of a page outside a data source: `{"title": [...]}` or
/// `{"title": {"title": [...]}}`; any other property is refused.
pub fn write_title_only(st: &State, input: &Value) -> ApiResult<Option<Vec<Value>>> {
    if input.is_null() {
        return Ok(None);
    }
    let obj = v::object(input, "body.properties")?;
    let mut title = None;
    for (key, value) in obj {
        if key != "title" {
            return Err(ApiError::validation(format!(
                "{key} is not a property that exists."
            )));
        }
        let items = if value.is_array() {
            value
        } else {
            &value["title"]
        };
        title = Some(rich_text::parse(items, "body.properties.title.title", st)?);
    }
    Ok(title)
}

fn write_value(st: &State, p: &mut PropSchema, input: &Value, path: &str) -> ApiResult<Value> {
    let kind = p.kind.clone();
    if READ_ONLY.contains(&kind.as_str()) {
        return Err(ApiError::validation(format!(
            "{} is a {kind} property; its value is computed and cannot be set.",
            p.name
        )));
    }
    let obj = v::object(input, path)?;
    if !obj.contains_key(&kind) {
        return Err(ApiError::validation(format!(
            "{} is expected to be {kind}.",
            p.name
        )));
    }
    let value = &input[&kind];
    let path = format!("{path}.{kind}");
    Ok(match kind.as_str() {
        "title" | "rich_text" => json!(rich_text::parse(value, &path, st)?),
        "number" => match value {
            Value::Null | Value::Number(_) => value.clone(),
            other => return Err(ApiError::expected(&path, "a number or `null`", other)),
        },
        "checkbox" => match value {
            Value::Bool(_) => value.clone(),
            other => return Err(ApiError::expected(&path, "a boolean", other)),
        },
        "url" => match value {
            Value::Null => Value::Null,
            _ => json!(v::bounded(value, &path, MAX_URL)?),
        },
        "email" | "phone_number" => match value {
            Value::Null => Value::Null,
            _ => json!(v::bounded(value, &path, 200)?),
        },
        "select" => match value {
            Value::Null => Value::Null,
            _ => choose(p, value, &path, true)?,
        },
        "status" => match value {
            Value::Null => Value::Null,
            _ => choose(p, value, &path, false)?,
        },
        "multi_select" => {
            let items = v::array(value, &path, MAX_MULTI_SELECT)?;
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                out.push(choose(p, item, &format!("{path}[{i}]"), true)?);
            }
            json!(out)
        }
        "date" => match value {
            Value::Null => Value::Null,
            _ => date(value, &path)?,
        },
        "people" => {
            let items = v::array(value, &path, 100)?;
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let p = format!("{path}[{i}].id");
                let id = ids::parse(v::string(&item["id"], &p)?)
                    .filter(|id| st.user(id).is_some())
                    .ok_or_else(|| {
                        ApiError::validation(format!("{p}: no user with ID {} exists.", item["id"]))
                    })?;
                out.push(st.user_json(&id));
            }
            json!(out)
        }
        "relation" => {
            let items = v::array(value, &path, MAX_RELATIONS)?;
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let p = format!("{path}[{i}].id");
                let id = ids::parse(v::string(&item["id"], &p)?)
                    .filter(|id| st.pages.contains_key(id))
                    .ok_or_else(|| {
                        ApiError::validation(format!("{p}: no page with ID {} exists.", item["id"]))
                    })?;
                out.push(json!({ "id": id }));
            }
            json!(out)
        }
        "files" => {
            let items = v::array(value, &path, 100)?;
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let p = format!("{path}[{i}]");
                let url = v::url(&item["external"]["url"], &format!("{p}.external.url"))?;
                let name = match &item["name"] {
                    Value::Null => url.rsplit('/').next().unwrap_or("file").to_string(),
                    n => v::bounded(n, &format!("{p}.name"), 100)?.to_string(),
                };
                out.push(json!({"name": name, "type": "external", "external": {"url": url}}));
            }
            json!(out)
        }
        other => {
            return Err(ApiError::validation(format!(
                "{} has type {other}, which this fake cannot write.",
                p.name
            )));
        }
    })
}

/// A select, multi-select or status option by name or id; a new name adds an
/// option when `create` (select and multi-select), else is refused (status).
fn choose(p: &mut PropSchema, value: &Value, path: &str, create: bool) -> ApiResult<Value> {
    v::object(value, path)?;
    let name = value["name"].as_str();
    let id = value["id"].as_str();
    if name.is_none() && id.is_none() {
        return Err(ApiError::missing(&format!("{path}.name")));
    }
    if let Some(found) = p.option(name, id) {
        return Ok(found);
    }
    match name {
        Some(name) if create => {
            if name.contains(',') {
                return Err(ApiError::validation(format!(
                    "{path}.name: option names cannot contain commas (`{name}`)."
                )));
            }
            v::bounded(&value["name"], &format!("{path}.name"), 100)?;
            let option = json!({"id": ids::short(name), "name": name, "color": "default", "description": null});
            if let Some(list) = p.config["options"].as_array_mut() {
                list.push(option);
            } else {
                p.config["options"] = json!([option]);
            }
            Ok(json!({"id": ids::short(name), "name": name, "color": "default"}))
        }
        Some(name) => Err(ApiError::validation(format!(
            "Invalid status option. Status option \"{name}\" does not exist\"."
        ))),
        None => Err(ApiError::validation(format!(
            "{path}.id: no option with ID {} exists for {}.",
            value["id"], p.name
        ))),
    }
}

/// `{start, end?, time_zone?}` with ISO 8601 dates.
fn date(value: &Value, path: &str) -> ApiResult<Value> {
    v::object(value, path)?;
    let start = v::string(&value["start"], &format!("{path}.start"))?;
    let iso = |s: &str| {
        s.len() >= 10
            && s.as_bytes()[4] == b'-'
            && s.as_bytes()[7] == b'-'
            && s[..4].chars().all(|c| c.is_ascii_digit())
    };
    if !iso(start) {
        return Err(ApiError::expected(
            &format!("{path}.start"),
            "an ISO 8601 date",
            &value["start"],
        ));
    }
    let end = match &value["end"] {
        Value::Null => Value::Null,
        Value::String(e) if iso(e) => json!(e),
        other => {
            return Err(ApiError::expected(
                &format!("{path}.end"),
                "an ISO 8601 date",
                other,
            ));
        }
    };
    Ok(json!({"start": start, "end": end, "time_zone": value["time_zone"]}))
}

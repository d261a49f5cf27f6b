//! Page properties both ways: Notion's typed property values flattened to readable
//! JSON (`"Status": "Done"`, `"Tags": ["a", "b"]`), and a simple name -> value map
//! converted to typed values using the data source's schema, so the model never has
//! to write `{"select": {"name": "Done"}}` itself.

use serde_json::{Map, Value, json};

use crate::ids;
use crate::md_to_blocks;
use crate::rich_text;

/// A property value as plain JSON: text, number, boolean, a list, or null.
pub fn flatten(prop: &Value) -> Value {
    let kind = prop["type"].as_str().unwrap_or_default();
    let v = &prop[kind];
    match kind {
        "title" | "rich_text" => json!(rich_text::plain_text(v)),
        "number" | "checkbox" | "url" | "email" | "phone_number" | "created_time"
        | "last_edited_time" => v.clone(),
        "select" | "status" => v["name"].clone(),
        "multi_select" => names(v),
        "date" => date(v),
        "people" => Value::Array(
            v.as_array()
                .map(|a| a.iter().map(user).collect())
                .unwrap_or_default(),
        ),
        "created_by" | "last_edited_by" => user(v),
        "relation" => {
            let mut ids: Vec<Value> = v
                .as_array()
                .map(|a| a.iter().map(|r| r["id"].clone()).collect())
                .unwrap_or_default();
            if prop["has_more"].as_bool() == Some(true) {
                ids.push(json!("…"));
            }
            Value::Array(ids)
        }
        "formula" => {
            let inner = v["type"].as_str().unwrap_or_default();
            match inner {
                "date" => date(&v["date"]),
                _ => v[inner].clone(),
            }
        }
        "rollup" => {
            let inner = v["type"].as_str().unwrap_or_default();
            match inner {
                "array" => Value::Array(
                    v["array"]
                        .as_array()
                        .map(|a| a.iter().map(flatten).collect())
                        .unwrap_or_default(),
                ),
                "date" => date(&v["date"]),
                _ => v[inner].clone(),
            }
        }
        "unique_id" => match (v["prefix"].as_str(), v["number"].as_i64()) {
            (Some(p), Some(n)) if !p.is_empty() => json!(format!("{p}-{n}")),
            (_, Some(n)) => json!(n),
            _ => Value::Null,
        },
        "files" => Value::Array(
            v.as_array()
                .map(|a| {
                    a.iter()
                        .map(|f| {
                            f["external"]["url"]
                                .as_str()
                                .or(f["file"]["url"].as_str())
                                .or(f["name"].as_str())
                                .map_or(Value::Null, |s| json!(s))
                        })
                        .collect()
                })
                .unwrap_or_default(),
        ),
        "verification" => v["state"].clone(),
        "button" => Value::Null,
        _ => v.clone(),
    }
}

fn names(v: &Value) -> Value {
    Value::Array(
        v.as_array()
            .map(|a| a.iter().map(|o| o["name"].clone()).collect())
            .unwrap_or_default(),
    )
}

fn date(v: &Value) -> Value {
    let Some(start) = v["start"].as_str() else {
        return Value::Null;
    };
    match v["end"].as_str() {
        Some(end) => json!(format!("{start} → {end}")),
        None => json!(start),
    }
}

fn user(v: &Value) -> Value {
    v["name"]
        .as_str()
        .or(v["person"]["email"].as_str())
        .or(v["id"].as_str())
        .map_or(Value::Null, |s| json!(s))
}

/// Every property of a page (or data-source row) flattened, in the API's order.
pub fn flatten_all(properties: &Value) -> Map<String, Value> {
    properties
        .as_object()
        .map(|props| {
            props
                .iter()
                .map(|(name, p)| (name.clone(), flatten(p)))
                .collect()
        })
        .unwrap_or_default()
}

/// A flattened value as one line of text.
pub fn display(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.replace('\n', " "),
        Value::Array(items) => items
            .iter()
            .map(display)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// The title of a page, data source or database object.
pub fn title(object: &Value) -> String {
    if object["title"].is_array() {
        return rich_text::plain_text(&object["title"]);
    }
    object["properties"]
        .as_object()
        .and_then(|props| props.values().find(|p| p["type"] == "title"))
        .map(|p| rich_text::plain_text(&p["title"]))
        .unwrap_or_default()
}

/// Types Notion computes, which a write cannot set. The fake Notion keeps its own
/// copy; `tests/e2e/notion_fake_drift.rs` fails when the two differ.
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

/// Converts a simple `name -> value` map to Notion property values using `schema`
/// (a data source's `properties`, or `None` for a page under a page, which has only
/// a title). Every problem is reported at once, before anything is written.
pub fn convert(schema: Option<&Value>, input: &Map<String, Value>) -> Result<Value, String> {
    let mut out = Map::new();
    let mut problems = Vec::new();
    for (name, value) in input {
        let found = match schema.and_then(Value::as_object) {
            Some(props) => props
                .get_key_value(name)
                .or_else(|| props.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
                .map(|(k, p)| {
                    (
                        k.clone(),
                        p["type"].as_str().unwrap_or_default().to_string(),
                    )
                }),
            None if name.eq_ignore_ascii_case("title") => Some(("title".into(), "title".into())),
            None => None,
        };
        let Some((key, kind)) = found else {
            problems.push(format!("unknown property `{name}`; {}", available(schema)));
            continue;
        };
        match convert_one(&kind, value) {
            Ok(v) => {
                out.insert(key, v);
            }
            Err(e) => problems.push(format!("property `{key}` ({kind}): {e}")),
        }
    }
    if problems.is_empty() {
        Ok(Value::Object(out))
    } else {
        Err(problems.join("; "))
    }
}

fn available(schema: Option<&Value>) -> String {
    match schema.and_then(Value::as_object) {
        Some(props) => format!(
            "the data source has: {}",
            props
                .iter()
                .map(|(k, p)| format!("{k} ({})", p["type"].as_str().unwrap_or("?")))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => "a page under a page has only `title`".into(),
    }
}

/// One simple value as the typed value of a `kind` property.
pub fn convert_one(kind: &str, value: &Value) -> Result<Value, String> {
    // Already typed (`{"select": {...}}`): passed through.
    if let Some(obj) = value.as_object()
        && obj.contains_key(kind)
    {
        return Ok(value.clone());
    }
    if READ_ONLY.contains(&kind) {
        return Err("computed by Notion; it cannot be set".into());
    }
    let text = |v: &Value| -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    };
    let list = |v: &Value| -> Vec<String> {
        match v {
            Value::Array(a) => a.iter().filter_map(text).collect(),
            Value::String(s) => s
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            Value::Null => Vec::new(),
            other => text(other).into_iter().collect(),
        }
    };
    let v = match kind {
        "title" | "rich_text" => {
            let s = text(value).unwrap_or_default();
            json!({ kind: md_to_blocks::inline_rich_text(&s)? })
        }
        "number" => match value {
            Value::Null => json!({"number": null}),
            Value::Number(_) => json!({ "number": value }),
            Value::String(s) => {
                let n: f64 = s
                    .trim()
                    .parse()
                    .map_err(|_| format!("`{s}` is not a number"))?;
                json!({ "number": n })
            }
            _ => return Err("expected a number".into()),
        },
        "select" | "status" => match text(value) {
            Some(s) if !s.trim().is_empty() => json!({ kind: {"name": s.trim()} }),
            _ => json!({ kind: null }),
        },
        "multi_select" => {
            let names: Vec<Value> = list(value)
                .into_iter()
                .map(|n| json!({ "name": n }))
                .collect();
            json!({ "multi_select": names })
        }
        "date" => json!({ "date": date_value(value)? }),
        "people" => json!({ "people": id_list(&list(value), "user")? }),
        "relation" => json!({ "relation": id_list(&list(value), "")? }),
        "checkbox" => {
            let b = match value {
                Value::Bool(b) => *b,
                Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                    "true" | "yes" | "1" | "x" | "checked" => true,
                    "false" | "no" | "0" | "" | "unchecked" => false,
                    other => return Err(format!("`{other}` is not true or false")),
                },
                Value::Null => false,
                _ => return Err("expected true or false".into()),
            };
            json!({ "checkbox": b })
        }
        "url" | "email" | "phone_number" => match text(value) {
            Some(s) if !s.trim().is_empty() => json!({ kind: s.trim() }),
            _ => json!({ kind: null }),
        },
        "files" => {
            let files: Vec<Value> = list(value)
                .into_iter()
                .map(|url| {
                    let name: String = url
                        .rsplit('/')
                        .next()
                        .unwrap_or(&url)
                        .chars()
                        .take(100)
                        .collect();
                    json!({"name": name, "type": "external", "external": {"url": url}})
                })
                .collect();
            json!({ "files": files })
        }
        other => {
            return Err(format!(
                "properties of type {other} cannot be set from a simple value; pass the typed Notion value, e.g. {{\"{other}\": …}}"
            ));
        }
    };
    Ok(v)
}

/// `"2025-01-31"`, `"2025-01-31T09:00:00Z"`, `"start/end"`, `"start → end"` or
/// `{"start": …, "end": …}`; null clears.
fn date_value(value: &Value) -> Result<Value, String> {
    match value {
        Value::Null => Ok(Value::Null),
        Value::Object(o) if o.contains_key("start") => Ok(value.clone()),
        Value::String(s) => {
            let s = s.trim();
            if s.is_empty() {
                return Ok(Value::Null);
            }
            let (start, end) = match s.split_once(" → ").or_else(|| s.split_once('/')) {
                Some((a, b)) => (a.trim(), Some(b.trim())),
                None => (s, None),
            };
            let plausible =
                |d: &str| d.len() >= 10 && d.as_bytes()[4] == b'-' && d.as_bytes()[7] == b'-';
            if !plausible(start) || end.is_some_and(|e| !plausible(e)) {
                return Err(format!(
                    "`{s}` is not an ISO 8601 date; use e.g. \"2025-01-31\", \"2025-01-31T09:00:00Z\" or \"2025-01-31/2025-02-02\""
                ));
            }
            Ok(json!({"start": start, "end": end}))
        }
        _ => Err("expected an ISO 8601 date string".into()),
    }
}

fn id_list(items: &[String], object: &str) -> Result<Vec<Value>, String> {
    items
        .iter()
        .map(|s| {
            let id = ids::parse(s)?;
            Ok(if object.is_empty() {
                json!({ "id": id })
            } else {
                json!({"object": object, "id": id})
            })
        })
        .collect()
}

/// The title property's name in a data-source schema.
pub fn title_property(schema: &Value) -> Option<String> {
    schema
        .as_object()?
        .iter()
        .find(|(_, p)| p["type"] == "title")
        .map(|(k, _)| k.clone())
}

/// A data source's schema as text: each property with its type and choices.
pub fn describe_schema(properties: &Value) -> String {
    let Some(props) = properties.as_object() else {
        return String::new();
    };
    let mut lines = Vec::new();
    for (name, p) in props {
        let kind = p["type"].as_str().unwrap_or("?");
        let v = &p[kind];
        let mut line = format!("- {name} ({kind})");
        let options = |list: &Value| -> String {
            list.as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|o| o["name"].as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default()
        };
        let detail = match kind {
            "select" | "multi_select" => options(&v["options"]),
            "status" => {
                let mut s = options(&v["options"]);
                let groups = v["groups"]
                    .as_array()
                    .map(|g| {
                        g.iter()
                            .filter_map(|grp| grp["name"].as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default();
                if !groups.is_empty() {
                    s.push_str(&format!(" (groups: {groups})"));
                }
                s
            }
            "number" => v["format"].as_str().unwrap_or_default().to_string(),
            "formula" => v["expression"].as_str().unwrap_or_default().to_string(),
            "relation" => v["data_source_id"]
                .as_str()
                .or(v["database_id"].as_str())
                .map(|id| format!("→ data source {id}"))
                .unwrap_or_default(),
            "rollup" => format!(
                "{} of {}.{}",
                v["function"].as_str().unwrap_or("?"),
                v["relation_property_name"].as_str().unwrap_or("?"),
                v["rollup_property_name"].as_str().unwrap_or("?")
            ),
            "unique_id" => v["prefix"].as_str().unwrap_or_default().to_string(),
            _ => String::new(),
        };
        if !detail.is_empty() {
            line.push_str(": ");
            line.push_str(&detail);
        }
        if READ_ONLY.contains(&kind) {
            line.push_str(" [read-only]");
        }
        lines.push(line);
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests;

//! Data-source query filters and sorts, evaluated on rendered page objects.
//!
//! Filters: a property filter `{"property": NAME, "<type>": {"<condition>": value}}`
//! whose type key must match the property's type (as Notion insists), a timestamp
//! filter `{"timestamp": "created_time"|"last_edited_time", "<same>": {...}}`, and
//! `and`/`or` compounds nested at most two deep. Conditions: text `equals`,
//! `does_not_equal`, `contains`, `does_not_contain`, `starts_with`, `ends_with`;
//! number and unique id comparisons; `checkbox` equals; select and status
//! `equals`/`does_not_equal`; multi-select, people and relation `contains`/
//! `does_not_contain`; dates `equals`, `before`, `after`, `on_or_before`,
//! `on_or_after`; `is_empty`/`is_not_empty` everywhere; formula results by their
//! type. Relative dates (`past_week`…) and rollup filters are not implemented.
//!
//! Sorts: `[{"property": NAME | "timestamp": …, "direction": "ascending"|"descending"}]`;
//! empty values sort last either way.

use std::cmp::Ordering;

use serde_json::Value;

use super::error::{ApiError, ApiResult};
use super::properties::{self, PropSchema};
use super::rich_text;

/// A checked filter.
#[derive(Debug, Clone)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    /// `kind` is the value type to compare (the formula's result type for a
    /// formula), `formula` whether the value sits under `formula`.
    Property {
        name: String,
        kind: String,
        formula: bool,
        condition: String,
        operand: Value,
    },
    Timestamp {
        which: String,
        condition: String,
        operand: Value,
    },
}

const TEXT: &[&str] = &["title", "rich_text", "url", "email", "phone_number"];
const TEXT_CONDS: &[&str] = &[
    "equals",
    "does_not_equal",
    "contains",
    "does_not_contain",
    "starts_with",
    "ends_with",
];
const NUMBER_CONDS: &[&str] = &[
    "equals",
    "does_not_equal",
    "greater_than",
    "less_than",
    "greater_than_or_equal_to",
    "less_than_or_equal_to",
];
const DATE_CONDS: &[&str] = &["equals", "before", "after", "on_or_before", "on_or_after"];

/// Checks a request's `filter` against the schema.
pub fn compile(filter: &Value, schema: &[PropSchema]) -> ApiResult<Option<Filter>> {
    if filter.is_null() {
        return Ok(None);
    }
    compile_at(filter, schema, "body.filter", 0).map(Some)
}

fn compile_at(f: &Value, schema: &[PropSchema], path: &str, depth: usize) -> ApiResult<Filter> {
    let obj = super::validation::object(f, path)?;
    for (key, make) in [
        ("and", Filter::And as fn(Vec<Filter>) -> Filter),
        ("or", Filter::Or),
    ] {
        if let Some(list) = obj.get(key) {
            if depth >= 2 {
                return Err(ApiError::validation(format!(
                    "body failed validation: {path}.{key}: compound filters may be nested at most two levels deep."
                )));
            }
            let items = super::validation::array(list, &format!("{path}.{key}"), 100)?;
            let inner = items
                .iter()
                .enumerate()
                .map(|(i, item)| compile_at(item, schema, &format!("{path}.{key}[{i}]"), depth + 1))
                .collect::<ApiResult<Vec<_>>>()?;
            return Ok(make(inner));
        }
    }
    if let Some(which) = obj.get("timestamp") {
        let which = which.as_str().unwrap_or_default();
        if which != "created_time" && which != "last_edited_time" {
            return Err(ApiError::expected(
                &format!("{path}.timestamp"),
                "`created_time` or `last_edited_time`",
                &f["timestamp"],
            ));
        }
        let (condition, operand) =
            condition(&f[which], &format!("{path}.{which}"), DATE_CONDS, "date")?;
        return Ok(Filter::Timestamp {
            which: which.into(),
            condition,
            operand,
        });
    }
    let Some(name) = obj.get("property").and_then(Value::as_str) else {
        return Err(ApiError::body(
            path,
            "should have `property`, `timestamp`, `and` or `or`.",
        ));
    };
    let prop = properties::find(schema, name)
        .map(|i| &schema[i])
        .ok_or_else(|| {
            ApiError::validation(format!("Could not find property with name or id: {name}"))
        })?;
    let given = obj
        .keys()
        .find(|k| *k != "property" && *k != "type")
        .cloned()
        .unwrap_or_default();
    let matches = given == prop.kind
        || (TEXT.contains(&given.as_str())
            && TEXT.contains(&prop.kind.as_str())
            && given != "title"
            && prop.kind != "title")
        || (given == "text" && TEXT.contains(&prop.kind.as_str()))
        || (given == "date" && (prop.kind == "created_time" || prop.kind == "last_edited_time"))
        || (given == "people" && (prop.kind == "created_by" || prop.kind == "last_edited_by"));
    if !matches {
        return Err(ApiError::validation(format!(
            "body failed validation: {path}: database property {} does not match filter {given}.",
            prop.kind
        )));
    }
    let p = format!("{path}.{given}");
    let (kind, formula, body, cp) = if prop.kind == "formula" {
        let inner = super::validation::object(&f["formula"], &p)?;
        let sub = inner.keys().next().cloned().unwrap_or_default();
        let body = f["formula"][&sub].clone();
        (sub.clone(), true, body, format!("{p}.{sub}"))
    } else {
        (prop.kind.clone(), false, f[&given].clone(), p)
    };
    let conds: &[&str] = match kind.as_str() {
        k if TEXT.contains(&k) || k == "string" => TEXT_CONDS,
        "number" | "unique_id" => NUMBER_CONDS,
        "checkbox" => &["equals", "does_not_equal"],
        "select" | "status" => &["equals", "does_not_equal"],
        "multi_select" | "people" | "relation" | "created_by" | "last_edited_by" => {
            &["contains", "does_not_contain"]
        }
        "date" | "created_time" | "last_edited_time" => DATE_CONDS,
        "files" => &[],
        other => {
            return Err(ApiError::validation(format!(
                "body failed validation: {cp}: filtering on {other} properties is not implemented by this fake."
            )));
        }
    };
    let (condition, operand) = condition(&body, &cp, conds, &kind)?;
    Ok(Filter::Property {
        name: prop.name.clone(),
        kind,
        formula,
        condition,
        operand,
    })
}

/// The single `{condition: operand}` of a filter body.
fn condition(body: &Value, path: &str, allowed: &[&str], kind: &str) -> ApiResult<(String, Value)> {
    let obj = super::validation::object(body, path)?;
    let Some((cond, operand)) = obj.iter().next() else {
        return Err(ApiError::body(path, "should have one condition."));
    };
    if cond == "is_empty" || cond == "is_not_empty" {
        return Ok((cond.clone(), operand.clone()));
    }
    if !allowed.contains(&cond.as_str()) {
        return Err(ApiError::validation(format!(
            "body failed validation: {path}.{cond}: not a condition of a {kind} filter here (expected one of {}, is_empty, is_not_empty).",
            allowed.join(", ")
        )));
    }
    let ok = match kind {
        "number" | "unique_id" => operand.is_number(),
        "checkbox" => operand.is_boolean(),
        _ => operand.is_string(),
    };
    if !ok {
        return Err(ApiError::expected(
            &format!("{path}.{cond}"),
            &format!("a value for a {kind} filter"),
            operand,
        ));
    }
    Ok((cond.clone(), operand.clone()))
}

/// Whether a rendered page passes the filter.
pub fn matches(f: &Filter, page: &Value) -> bool {
    match f {
        Filter::And(list) => list.iter().all(|f| matches(f, page)),
        Filter::Or(list) => list.iter().any(|f| matches(f, page)),
        Filter::Timestamp {
            which,
            condition,
            operand,
        } => test_date(page[which].as_str(), condition, operand),
        Filter::Property {
            name,
            kind,
            formula,
            condition,
            operand,
        } => {
            let prop = &page["properties"][name];
            let value = if *formula {
                &prop["formula"][kind]
            } else {
                &prop[prop["type"].as_str().unwrap_or_default()]
            };
            test(kind, value, condition, operand)
        }
    }
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(_) => rich_text::plain(value),
        _ => String::new(),
    }
}

/// Names (multi-select) or ids (people, relations) in a list value.
fn members(value: &Value, by_name: bool) -> Vec<String> {
    let key = if by_name { "name" } else { "id" };
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x[key].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn test(kind: &str, value: &Value, cond: &str, operand: &Value) -> bool {
    match kind {
        "number" | "unique_id" => {
            let n = if kind == "unique_id" {
                value["number"].as_f64()
            } else {
                value.as_f64()
            };
            match cond {
                "is_empty" => n.is_none(),
                "is_not_empty" => n.is_some(),
                _ => n.is_some_and(|n| {
                    let o = operand.as_f64().unwrap_or_default();
                    match cond {
                        "equals" => n == o,
                        "does_not_equal" => n != o,
                        "greater_than" => n > o,
                        "less_than" => n < o,
                        "greater_than_or_equal_to" => n >= o,
                        _ => n <= o,
                    }
                }),
            }
        }
        "checkbox" => {
            let b = value.as_bool().unwrap_or(false);
            match cond {
                "equals" => Some(b) == operand.as_bool(),
                _ => Some(b) != operand.as_bool(),
            }
        }
        "select" | "status" => {
            let name = value["name"].as_str();
            match cond {
                "is_empty" => name.is_none(),
                "is_not_empty" => name.is_some(),
                "equals" => name.is_some() && name == operand.as_str(),
                _ => name != operand.as_str(),
            }
        }
        "multi_select" | "people" | "relation" | "created_by" | "last_edited_by" | "files" => {
            let list = if value.is_object() {
                vec![value["id"].as_str().unwrap_or_default().to_string()]
            } else {
                members(value, kind == "multi_select" || kind == "files")
            };
            let wanted = operand
                .as_str()
                .map(|s| super::ids::parse(s).unwrap_or_else(|| s.to_string()));
            match cond {
                "is_empty" => list.is_empty(),
                "is_not_empty" => !list.is_empty(),
                "contains" => wanted.is_some_and(|w| list.contains(&w)),
                _ => !wanted.is_some_and(|w| list.contains(&w)),
            }
        }
        "date" | "created_time" | "last_edited_time" => {
            let start = value.as_str().or(value["start"].as_str());
            test_date(start, cond, operand)
        }
        _ => {
            let s = text_of(value);
            let o = operand.as_str().unwrap_or_default();
            let (ls, lo) = (s.to_lowercase(), o.to_lowercase());
            match cond {
                "is_empty" => s.is_empty(),
                "is_not_empty" => !s.is_empty(),
                "equals" => s == o,
                "does_not_equal" => s != o,
                "contains" => ls.contains(&lo),
                "does_not_contain" => !ls.contains(&lo),
                "starts_with" => ls.starts_with(&lo),
                _ => ls.ends_with(&lo),
            }
        }
    }
}

/// Compares ISO dates; a date-only operand compares the day only.
fn test_date(value: Option<&str>, cond: &str, operand: &Value) -> bool {
    match cond {
        "is_empty" => return value.is_none(),
        "is_not_empty" => return value.is_some(),
        _ => {}
    }
    let (Some(value), Some(o)) = (value, operand.as_str()) else {
        return false;
    };
    let (v, o) = if o.len() <= 10 || value.len() <= 10 {
        (value.get(..10).unwrap_or(value), o.get(..10).unwrap_or(o))
    } else {
        (value, o)
    };
    match cond {
        "equals" => v == o,
        "before" => v < o,
        "after" => v > o,
        "on_or_before" => v <= o,
        _ => v >= o,
    }
}

/// One checked sort.
#[derive(Debug, Clone)]
pub struct Sort {
    /// A property name, or a timestamp field.
    key: SortKey,
    descending: bool,
}

#[derive(Debug, Clone)]
enum SortKey {
    Property { name: String, order: Vec<String> },
    Timestamp(String),
}

/// Checks a request's `sorts`.
pub fn compile_sorts(sorts: &Value, schema: &[PropSchema]) -> ApiResult<Vec<Sort>> {
    if sorts.is_null() {
        return Ok(Vec::new());
    }
    let items = super::validation::array(sorts, "body.sorts", 100)?;
    let mut out = Vec::new();
    for (i, s) in items.iter().enumerate() {
        let path = format!("body.sorts[{i}]");
        let descending = match s["direction"].as_str() {
            Some("ascending") | None => false,
            Some("descending") => true,
            Some(_) => {
                return Err(ApiError::expected(
                    &format!("{path}.direction"),
                    "`ascending` or `descending`",
                    &s["direction"],
                ));
            }
        };
        let key = if let Some(name) = s["property"].as_str() {
            let prop = properties::find(schema, name)
                .map(|i| &schema[i])
                .ok_or_else(|| {
                    ApiError::validation(format!(
                        "Could not find sort property with name or id: {name}"
                    ))
                })?;
            let order = prop.config["options"]
                .as_array()
                .map(|o| {
                    o.iter()
                        .filter_map(|o| o["name"].as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            SortKey::Property {
                name: prop.name.clone(),
                order,
            }
        } else if let Some(ts) = s["timestamp"].as_str() {
            if ts != "created_time" && ts != "last_edited_time" {
                return Err(ApiError::expected(
                    &format!("{path}.timestamp"),
                    "`created_time` or `last_edited_time`",
                    &s["timestamp"],
                ));
            }
            SortKey::Timestamp(ts.into())
        } else {
            return Err(ApiError::body(
                &path,
                "should have `property` or `timestamp`.",
            ));
        };
        out.push(Sort { key, descending });
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum Key {
    Num(f64),
    Text(String),
}

fn key_of(sort: &Sort, page: &Value) -> Option<Key> {
    match &sort.key {
        SortKey::Timestamp(ts) => page[ts].as_str().map(|s| Key::Text(s.into())),
        SortKey::Property { name, order } => {
            let prop = &page["properties"][name];
            let kind = prop["type"].as_str().unwrap_or_default();
            let value = &prop[kind];
            match kind {
                "number" => value.as_f64().map(Key::Num),
                "checkbox" => Some(Key::Num(if value == true { 1.0 } else { 0.0 })),
                "select" | "status" => value["name"].as_str().map(|n| {
                    Key::Num(order.iter().position(|o| o == n).unwrap_or(usize::MAX) as f64)
                }),
                "date" => value["start"].as_str().map(|s| Key::Text(s.into())),
                "unique_id" => value["number"].as_f64().map(Key::Num),
                "formula" => {
                    let t = value["type"].as_str().unwrap_or_default();
                    match &value[t] {
                        Value::Number(n) => n.as_f64().map(Key::Num),
                        Value::Bool(b) => Some(Key::Num(f64::from(u8::from(*b)))),
                        Value::String(s) => Some(Key::Text(s.to_lowercase())),
                        other => other["start"].as_str().map(|s| Key::Text(s.into())),
                    }
                }
                "multi_select" | "people" | "relation" => {
                    let by_name = kind != "relation";
                    let first = if kind == "people" {
                        value[0]["name"].as_str().map(str::to_string)
                    } else {
                        members(value, by_name).into_iter().next()
                    };
                    first.map(|s| Key::Text(s.to_lowercase()))
                }
                "created_by" | "last_edited_by" => {
                    value["name"].as_str().map(|s| Key::Text(s.to_lowercase()))
                }
                _ => {
                    let s = text_of(value);
                    (!s.is_empty()).then(|| Key::Text(s.to_lowercase()))
                }
            }
        }
    }
}

/// Sorts rendered pages (stable; empty values last).
pub fn sort(pages: &mut [Value], sorts: &[Sort]) {
    if sorts.is_empty() {
        return;
    }
    pages.sort_by(|a, b| {
        for s in sorts {
            let ord = match (key_of(s, a), key_of(s, b)) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(x), Some(y)) => {
                    let o = x.partial_cmp(&y).unwrap_or(Ordering::Equal);
                    if s.descending { o.reverse() } else { o }
                }
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    });
}

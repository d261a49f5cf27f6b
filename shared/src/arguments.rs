//! Tool arguments: made tolerant, then checked against the input schema.
//!
//! [`coerce_to_schema`]: a value sent as a string where the tool's input schema
//! expects a boolean, number, array or object is converted when it parses as one.
//! Clients and models often send `"true"`, `"10"` or a JSON-encoded array as a string
//! (the MCP Inspector CLI does for every `--tool-arg`). Only top-level properties whose
//! schema does not accept a string are touched, so a valid argument never changes and
//! a string that does not parse is left for [`check`] to reject. An optional argument
//! sent as `null` is dropped: it means "not given", as the schemas before
//! [`crate::schema`] said.
//!
//! [`check`]: each argument's value against its property schema (type, `enum`,
//! `const`, bounds, and the items and properties inside it), answering a mismatch
//! with the argument's name, what it must be, what was sent, and an example. It never
//! reports a missing or unknown argument: serde names those itself, and knows the
//! aliases the schema does not show.

use rmcp::model::JsonObject;
use serde_json::{Value, json};

/// Converts string values of `arguments` to the types `input_schema` declares, and
/// drops optional arguments sent as `null`.
pub fn coerce_to_schema(input_schema: &JsonObject, arguments: &mut JsonObject) {
    let Some(Value::Object(properties)) = input_schema.get("properties") else {
        return;
    };
    let required = required(input_schema);
    arguments.retain(|name, value| {
        !(value.is_null() && properties.contains_key(name) && !required.contains(&name.as_str()))
    });
    for (name, value) in arguments.iter_mut() {
        let Value::String(text) = value else { continue };
        let Some(types) = properties.get(name).map(declared_types) else {
            continue;
        };
        if types.is_empty() || types.iter().any(|t| t == "string") {
            continue;
        }
        if let Some(converted) = convert(text, &types) {
            *value = converted;
        }
    }
}

/// The JSON types a property schema names with `type` (a string or a list).
fn declared_types(schema: &Value) -> Vec<String> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(|t| t.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    }
}

/// The names in a schema's `required` list.
pub(crate) fn required(schema: &JsonObject) -> Vec<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The branches of a schema's `anyOf` (or `oneOf`).
fn alternatives(schema: &Value) -> Option<&Vec<Value>> {
    schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))
        .and_then(Value::as_array)
}

/// Checks each of `arguments` against its property in `input_schema`; the error
/// names every argument that does not fit (see the module docs).
pub fn check(input_schema: &JsonObject, arguments: Option<&JsonObject>) -> Result<(), String> {
    let (Some(arguments), Some(Value::Object(properties))) =
        (arguments, input_schema.get("properties"))
    else {
        return Ok(());
    };
    let schema = Schema { root: input_schema };
    let required = required(input_schema);
    let mut problems = Vec::new();
    for (name, value) in arguments {
        let Some(property) = properties.get(name) else {
            continue;
        };
        if value.is_null() && !required.contains(&name.as_str()) {
            continue;
        }
        if let Some(problem) = schema.mismatch(property, value, name) {
            let example = json!({ name.as_str(): schema.example(property, value) });
            problems.push(format!("{problem}. Example: {example}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// A tool's input schema, for resolving the `$ref`s inside it.
struct Schema<'a> {
    root: &'a JsonObject,
}

impl Schema<'_> {
    /// The schema a `#/$defs/...` reference points at (or `schema` itself).
    fn resolve<'s>(&'s self, schema: &'s Value) -> &'s Value {
        let target = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
            .and_then(|name| self.root.get("$defs")?.get(name));
        target.unwrap_or(schema)
    }

    /// Why `value` (the argument at `path`) does not fit `schema`, or None when it does.
    fn mismatch(&self, schema: &Value, value: &Value, path: &str) -> Option<String> {
        let schema = self.resolve(schema);
        let wrong = || {
            Some(format!(
                "Argument `{path}` must be {} (got {})",
                self.expected(schema),
                sent(value)
            ))
        };
        if let Some(branches) = alternatives(schema)
            && !branches
                .iter()
                .any(|b| self.mismatch(b, value, path).is_none())
        {
            return wrong();
        }
        let types = declared_types(schema);
        if !types.is_empty() && !types.iter().any(|t| is_a(value, t)) {
            return wrong();
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array)
            && !values.contains(value)
        {
            return wrong();
        }
        if schema.get("const").is_some_and(|c| c != value) {
            return wrong();
        }
        if let Some(n) = value.as_f64() {
            let below = schema
                .get("minimum")
                .and_then(Value::as_f64)
                .is_some_and(|min| n < min);
            let above = schema
                .get("maximum")
                .and_then(Value::as_f64)
                .is_some_and(|max| n > max);
            if below || above {
                return wrong();
            }
        }
        match value {
            Value::Array(items) => {
                let item_schema = schema.get("items")?;
                items
                    .iter()
                    .enumerate()
                    .find_map(|(i, item)| self.mismatch(item_schema, item, &format!("{path}[{i}]")))
            }
            Value::Object(fields) => {
                let properties = schema.get("properties")?.as_object()?;
                let required = schema.as_object().map(required).unwrap_or_default();
                fields.iter().find_map(|(name, field)| {
                    if field.is_null() && !required.contains(&name.as_str()) {
                        return None;
                    }
                    self.mismatch(properties.get(name)?, field, &format!("{path}.{name}"))
                })
            }
            _ => None,
        }
    }

    /// What `schema` accepts, in words: "an integer ≥ 0", "one of \"a\", \"b\"",
    /// "an array of strings", "a string or an array of strings".
    fn expected(&self, schema: &Value) -> String {
        let schema = self.resolve(schema);
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            let values: Vec<String> = values.iter().map(Value::to_string).collect();
            return format!("one of {}", values.join(", "));
        }
        if let Some(value) = schema.get("const") {
            return value.to_string();
        }
        if let Some(branches) = alternatives(schema) {
            let words: Vec<String> = branches.iter().map(|b| self.expected(b)).collect();
            return words.join(" or ");
        }
        let types = declared_types(schema);
        if types.is_empty() {
            return "any JSON value".into();
        }
        let words: Vec<String> = types
            .iter()
            .map(|t| match t.as_str() {
                "integer" | "number" => {
                    let article = if t == "integer" { "an" } else { "a" };
                    let min = schema.get("minimum").and_then(Value::as_f64);
                    let max = schema.get("maximum").and_then(Value::as_f64);
                    match (min, max) {
                        (Some(min), Some(max)) => format!("{article} {t} from {min} to {max}"),
                        (Some(min), None) => format!("{article} {t} ≥ {min}"),
                        (None, Some(max)) => format!("{article} {t} ≤ {max}"),
                        (None, None) => format!("{article} {t}"),
                    }
                }
                "array" => match schema.get("items") {
                    Some(items) if !declared_types(self.resolve(items)).is_empty() => {
                        format!("an array of {}", plural(&self.expected(items)))
                    }
                    _ => "an array".into(),
                },
                "object" => "an object".into(),
                "null" => "null".into(),
                other => format!("a {other}"),
            })
            .collect();
        words.join(" or ")
    }

    /// A value of `schema`'s type, made from what was `sent` when it can be (the
    /// number sent, as a string; the string sent, in a list).
    fn example(&self, schema: &Value, sent: &Value) -> Value {
        let schema = self.resolve(schema);
        if let Some(first) = schema
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|v| v.first())
        {
            return first.clone();
        }
        if let Some(value) = schema.get("const") {
            return value.clone();
        }
        if let Some(first) = alternatives(schema).and_then(|b| b.first()) {
            return self.example(first, sent);
        }
        let types = declared_types(schema);
        match types.first().map(String::as_str) {
            Some("integer") | Some("number") => {
                let min = schema.get("minimum").and_then(Value::as_f64).unwrap_or(0.0);
                let max = schema
                    .get("maximum")
                    .and_then(Value::as_f64)
                    .unwrap_or(f64::MAX);
                let n = 10f64.max(min).min(max);
                if types[0] == "integer" {
                    json!(n as i64)
                } else {
                    json!(n)
                }
            }
            Some("boolean") => json!(true),
            Some("string") => match sent {
                Value::Number(n) => json!(n.to_string()),
                Value::Bool(b) => json!(b.to_string()),
                _ => json!("text"),
            },
            Some("array") => {
                let items = schema.get("items").cloned().unwrap_or(json!({}));
                if !sent.is_array() && self.mismatch(&items, sent, "").is_none() {
                    json!([sent])
                } else {
                    json!([self.example(&items, &Value::Null)])
                }
            }
            Some("object") => json!({}),
            _ => Value::Null,
        }
    }
}

/// Whether `value` is of the JSON Schema type `t` (an integer is a number without a
/// fraction, as serde reads one).
fn is_a(value: &Value, t: &str) -> bool {
    match t {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => true,
    }
}

/// "a string" -> "strings", "an integer ≥ 0" -> "integers ≥ 0".
fn plural(expected: &str) -> String {
    let bare = expected
        .strip_prefix("an ")
        .or_else(|| expected.strip_prefix("a "))
        .unwrap_or(expected);
    match bare.split_once(' ') {
        Some((noun, rest)) => format!("{noun}s {rest}"),
        None => format!("{bare}s"),
    }
}

/// What was sent, in words: `the string "abc"`, `the number 2.5`, `an array`.
fn sent(value: &Value) -> String {
    match value {
        Value::String(s) => {
            let shown: String = s.chars().take(40).collect();
            let more = if shown.len() < s.len() { "…" } else { "" };
            format!("the string {}{more}", json!(shown))
        }
        Value::Number(n) => format!("the number {n}"),
        Value::Bool(b) => format!("{b}"),
        Value::Null => "null".into(),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// `text` as one of `types`, when it parses as such.
fn convert(text: &str, types: &[String]) -> Option<Value> {
    let parsed: Value = serde_json::from_str(text.trim()).ok()?;
    let fits = match &parsed {
        Value::Bool(_) => types.iter().any(|t| t == "boolean"),
        Value::Number(n) => {
            types.iter().any(|t| t == "number")
                || (n.is_i64() || n.is_u64()) && types.iter().any(|t| t == "integer")
        }
        Value::Array(_) => types.iter().any(|t| t == "array"),
        Value::Object(_) => types.iter().any(|t| t == "object"),
        Value::Null => types.iter().any(|t| t == "null"),
        Value::String(_) => false,
    };
    fits.then_some(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> JsonObject {
        json!({"type": "object", "properties": {
            "path": {"type": "string"},
            "dry_run": {"type": ["boolean", "null"]},
            "limit": {"type": ["integer", "null"], "format": "uint"},
            "ratio": {"type": "number"},
            "edits": {"type": "array", "items": {"$ref": "#/$defs/Edit"}},
            "filter": {"type": ["object", "null"]},
            "case": {"anyOf": [{"$ref": "#/$defs/Case"}, {"type": "null"}]}
        }})
        .as_object()
        .unwrap()
        .clone()
    }

    fn coerced(args: serde_json::Value) -> serde_json::Value {
        let mut args = args.as_object().unwrap().clone();
        coerce_to_schema(&schema(), &mut args);
        Value::Object(args)
    }

    #[test]
    fn strings_become_the_declared_type() {
        assert_eq!(
            coerced(json!({"dry_run": "true", "limit": "25", "ratio": "0.5",
                "edits": "[{\"old_text\": \"a\"}]", "filter": "{\"k\": 1}"})),
            json!({"dry_run": true, "limit": 25, "ratio": 0.5,
                "edits": [{"old_text": "a"}], "filter": {"k": 1}})
        );
    }

    #[test]
    fn string_properties_and_valid_values_are_untouched() {
        let args = json!({"path": "true", "dry_run": false, "limit": 3, "case": "smart"});
        assert_eq!(coerced(args.clone()), args);
    }

    #[test]
    fn optional_nulls_are_dropped_required_ones_kept() {
        let mut schema = schema();
        schema.insert("required".into(), json!(["path"]));
        let mut args = json!({"path": null, "limit": null, "other": null})
            .as_object()
            .unwrap()
            .clone();
        coerce_to_schema(&schema, &mut args);
        assert_eq!(Value::Object(args), json!({"path": null, "other": null}));
    }

    fn checked(args: Value) -> Result<(), String> {
        let schema = json!({"type": "object", "properties": {
            "issue_number": {"type": "integer", "minimum": 0},
            "head": {"type": "integer", "minimum": 0, "description": "First N lines."},
            "thread_id": {"type": "string"},
            "case": {"type": "string", "enum": ["sensitive", "smart"]},
            "labels": {"anyOf": [{"type": "string"},
                {"type": "array", "items": {"type": "string"}}]},
            "edits": {"type": "array", "items": {"$ref": "#/$defs/Edit"}},
            "params": {"type": "array", "items": {}}
        }, "required": ["issue_number"], "$defs": {"Edit": {"type": "object", "properties": {
            "old_text": {"type": "string"},
            "replace_all": {"type": "boolean"}
        }, "required": ["old_text"]}}});
        check(schema.as_object().unwrap(), args.as_object())
    }

    #[test]
    fn wrongly_typed_arguments_are_named_with_what_they_must_be() {
        assert_eq!(
            checked(json!({"issue_number": "abc"})).unwrap_err(),
            "Argument `issue_number` must be an integer ≥ 0 (got the string \"abc\"). Example: {\"issue_number\":10}"
        );
        assert_eq!(
            checked(json!({"issue_number": 1, "head": -3, "thread_id": 1234})).unwrap_err(),
            "Argument `head` must be an integer ≥ 0 (got the number -3). Example: {\"head\":10}\n\
             Argument `thread_id` must be a string (got the number 1234). Example: {\"thread_id\":\"1234\"}"
        );
        assert_eq!(
            checked(json!({"issue_number": 2.5})).unwrap_err(),
            "Argument `issue_number` must be an integer ≥ 0 (got the number 2.5). Example: {\"issue_number\":10}"
        );
        let e = checked(json!({"issue_number": 1, "case": "upper"})).unwrap_err();
        assert!(
            e.starts_with(
                "Argument `case` must be one of \"sensitive\", \"smart\" (got the string \"upper\")"
            ),
            "{e}"
        );
        let e = checked(json!({"issue_number": 1, "labels": 5})).unwrap_err();
        assert!(
            e.starts_with(
                "Argument `labels` must be a string or an array of strings (got the number 5)"
            ),
            "{e}"
        );
        let e = checked(json!({"issue_number": 1, "edits": [{"old_text": "a"}, {"old_text": "b", "replace_all": "maybe"}]})).unwrap_err();
        assert!(
            e.starts_with(
                "Argument `edits[1].replace_all` must be a boolean (got the string \"maybe\")"
            ),
            "{e}"
        );
    }

    #[test]
    fn fitting_arguments_pass_and_missing_or_unknown_ones_are_left_to_serde() {
        for ok in [
            json!({"issue_number": 7, "labels": ["bug", "ui"], "params": [1, "a", null, [2]]}),
            json!({"issue_number": 7, "labels": "bug,ui", "case": "smart", "head": null}),
            json!({"edits": [{"oldText": "a"}, {"old_text": "b", "replace_all": null}]}),
            json!({"issueNumber": "x", "whatever": {"a": 1}}),
        ] {
            assert_eq!(checked(ok.clone()), Ok(()), "{ok}");
        }
    }

    #[test]
    fn unparseable_or_mismatched_strings_are_left_for_the_schema_check() {
        let args = json!({"dry_run": "yes", "limit": "2.5", "edits": "{\"not\": \"an array\"}"});
        assert_eq!(coerced(args.clone()), args);
    }
}

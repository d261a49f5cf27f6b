//! Tolerant tool arguments: a value sent as a string where the tool's input schema
//! expects a boolean, number, array or object is converted when it parses as one.
//!
//! Clients and models often send `"true"`, `"10"` or a JSON-encoded array as a string
//! (the MCP Inspector CLI does for every `--tool-arg`). Only top-level properties whose
//! schema does not accept a string are touched, so a valid argument never changes and
//! a string that does not parse is left for the schema check to reject with its usual
//! message.

use rmcp::model::JsonObject;
use serde_json::Value;

/// Converts string values of `arguments` to the types `input_schema` declares.
pub fn coerce_to_schema(input_schema: &JsonObject, arguments: &mut JsonObject) {
    let Some(Value::Object(properties)) = input_schema.get("properties") else {
        return;
    };
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
    fn unparseable_or_mismatched_strings_are_left_for_the_schema_check() {
        let args = json!({"dry_run": "yes", "limit": "2.5", "edits": "{\"not\": \"an array\"}"});
        assert_eq!(coerced(args.clone()), args);
    }
}

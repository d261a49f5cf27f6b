//! Portable, compact tool schemas, and argument checks against them.
//!
//! schemars writes schemas for Rust types that standard JSON Schema validators and
//! MCP clients handle badly: a `$schema` key in every schema, optional parameters as
//! nullable unions (`"type": ["integer", "null"]`, `anyOf: [X, {"type": "null"}]`,
//! `"default": null`), Rust-specific `format`s (`uint`, `uint64`, `double`...) that
//! the TypeScript SDK warns about twice per connection, `true` as a schema, and
//! `$defs` indirections for small enums and structs. [`finish`] rewrites every
//! tool's input and output schema once, when a server builds its router:
//!
//! - `$schema` is dropped (MCP schemas default to 2020-12).
//! - A property left out of `required` loses its `null` branch and `"default": null`:
//!   absent already means "not given". This holds for output schemas too, since a
//!   serialize-mode schema leaves out of `required` only the fields that are skipped
//!   when empty, so they are never written as `null`.
//! - Non-standard `format`s are dropped; unsigned integers keep `"minimum": 0`.
//! - `$ref`s to `$defs` entries that refer to nothing themselves are inlined, the
//!   referring property's own description winning over the type's.
//! - A subschema that accepts anything (`true`, `{}`) is spelled out as the `anyOf`
//!   of every JSON type; `"additionalProperties": true` (the default) goes; line
//!   breaks inside a paragraph of a description become spaces.
//!
//! It also makes each tool check its arguments against the schema it serves before
//! they are deserialized, so a wrongly typed argument is answered with its name, what
//! it must be and an example ([`crate::arguments::check`]) instead of serde's
//! `invalid type: string "abc", expected u64`. Per the 2025-11-25 specification
//! (SEP-1303) that answer is a tool result with `isError: true`, which the model sees
//! and can correct, as rmcp does for the arguments serde rejects.
//!
//! [`findings`] lists what is still unportable about a tool, for tests.

use std::collections::{BTreeMap, BTreeSet};
use std::future::ready;
use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::{DynCallToolHandler, ToolCallContext};
use rmcp::model::{CallToolResult, ContentBlock, JsonObject, Tool};
use rmcp::service::MaybeSend;
use serde_json::{Map, Value};

/// The `format` values of the JSON Schema 2020-12 format vocabulary.
const STANDARD_FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uuid",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
];

/// Keywords whose value is one subschema.
const SUBSCHEMA: &[&str] = &[
    "items",
    "contains",
    "not",
    "if",
    "then",
    "else",
    "propertyNames",
    "additionalProperties",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contentSchema",
];
/// Keywords whose value is a list of subschemas.
const SUBSCHEMA_LISTS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];
/// Keywords whose value maps names to subschemas.
const SUBSCHEMA_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "dependentSchemas",
    "$defs",
];

/// Rewrites the schemas of every tool in `router` (see the module docs) and makes
/// each tool check its arguments against its rewritten input schema.
pub fn finish<S: MaybeSend + 'static>(router: &mut ToolRouter<S>) {
    for route in router.map.values_mut() {
        route.attr.input_schema = Arc::new(portable(&route.attr.input_schema));
        if let Some(output) = &route.attr.output_schema {
            route.attr.output_schema = Some(Arc::new(portable(output)));
        }
        route.call = checked(route.call.clone(), route.attr.input_schema.clone());
    }
}

/// `call`, answering arguments that do not fit `schema` with a tool error naming them.
fn checked<S: MaybeSend + 'static>(
    call: Arc<DynCallToolHandler<S>>,
    schema: Arc<JsonObject>,
) -> Arc<DynCallToolHandler<S>> {
    Arc::new(move |context: ToolCallContext<'_, S>| {
        match crate::arguments::check(&schema, context.arguments.as_ref()) {
            Ok(()) => call(context),
            Err(message) => Box::pin(ready(Ok(CallToolResult::error(vec![ContentBlock::text(
                message,
            )])
            .into()))),
        }
    })
}

/// `schema` made portable and compact (see the module docs).
pub fn portable(schema: &JsonObject) -> JsonObject {
    let mut root = Value::Object(schema.clone());
    if let Value::Object(object) = &mut root {
        object.remove("$schema");
    }
    clean(&mut root);
    inline_leaf_defs(&mut root);
    match root {
        Value::Object(object) => object,
        _ => schema.clone(),
    }
}

/// Applies the per-node rewrites to `node` and every subschema below it.
fn clean(node: &mut Value) {
    let Value::Object(object) = node else { return };
    if let Some(Value::String(format)) = object.get("format")
        && !STANDARD_FORMATS.contains(&format.as_str())
    {
        if format.starts_with("uint") && !object.contains_key("minimum") {
            object.insert("minimum".into(), 0.into());
        }
        object.remove("format");
    }
    if object.get("additionalProperties") == Some(&Value::Bool(true)) {
        object.remove("additionalProperties");
    }
    if let Some(Value::String(text)) = object.get_mut("description") {
        *text = unwrap_lines(text);
    }
    let required: BTreeSet<String> = crate::arguments::required(object)
        .into_iter()
        .map(String::from)
        .collect();
    if let Some(Value::Object(properties)) = object.get_mut("properties") {
        for (name, property) in properties.iter_mut() {
            if !required.contains(name) {
                drop_null(property);
            }
        }
    }
    for_each_subschema(object, &mut |child| {
        if *child == Value::Bool(true) {
            *child = Value::Object(Map::new());
        }
        clean(child);
        spell_out_any(child);
    });
}

/// Keywords that only annotate: a schema with nothing else accepts any value.
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "$comment",
];

/// A schema that accepts any value written as the union of every JSON type, which
/// clients that want a `type` in each schema understand (as `{}` it is "untyped").
fn spell_out_any(node: &mut Value) {
    let Value::Object(object) = node else { return };
    if object.keys().all(|k| ANNOTATIONS.contains(&k.as_str())) {
        let every_type: Vec<Value> = ["string", "number", "boolean", "object", "array", "null"]
            .iter()
            .map(|t| serde_json::json!({ "type": t }))
            .collect();
        object.insert("anyOf".into(), Value::Array(every_type));
    }
}

/// Calls `visit` on each direct subschema of a schema object (not on
/// `additionalProperties: false`-style booleans, which stay as they are).
fn for_each_subschema(object: &mut JsonObject, visit: &mut dyn FnMut(&mut Value)) {
    for key in SUBSCHEMA {
        match object.get_mut(*key) {
            Some(Value::Bool(_)) if key.ends_with("Properties") || key.ends_with("Items") => {}
            Some(child) => visit(child),
            None => {}
        }
    }
    for key in SUBSCHEMA_LISTS {
        if let Some(Value::Array(children)) = object.get_mut(*key) {
            children.iter_mut().for_each(&mut *visit);
        }
    }
    for key in SUBSCHEMA_MAPS {
        if let Some(Value::Object(children)) = object.get_mut(*key) {
            children.values_mut().for_each(&mut *visit);
        }
    }
}

/// Removes the `null` alternative of an optional property's schema.
fn drop_null(property: &mut Value) {
    let Value::Object(object) = property else {
        return;
    };
    if object.get("default") == Some(&Value::Null) {
        object.remove("default");
    }
    if let Some(Value::Array(types)) = object.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            object.insert("type".into(), only);
        }
    }
    if let Some(Value::Array(values)) = object.get_mut("enum") {
        values.retain(|v| !v.is_null());
    }
    for key in ["anyOf", "oneOf"] {
        let Some(Value::Array(branches)) = object.get_mut(key) else {
            continue;
        };
        branches.retain(|b| *b != serde_json::json!({"type": "null"}));
        if branches.len() == 1 {
            let Some(Value::Object(only)) = branches.pop() else {
                continue;
            };
            object.remove(key);
            for (k, v) in only {
                object.entry(k).or_insert(v);
            }
        }
    }
}

/// A description with the line breaks of wrapped doc comments turned into spaces
/// (blank lines, which separate paragraphs, stay).
fn unwrap_lines(text: &str) -> String {
    text.trim()
        .split("\n\n")
        .map(|paragraph| {
            paragraph
                .lines()
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Replaces each `$ref` to a `$defs` entry that itself refers to nothing with the
/// entry, and drops the entries no longer referred to.
fn inline_leaf_defs(root: &mut Value) {
    let Some(Value::Object(defs)) = root.get("$defs").cloned() else {
        return;
    };
    let leaves: BTreeMap<String, JsonObject> = defs
        .into_iter()
        .filter(|(_, def)| !def.to_string().contains("\"$ref\""))
        .filter_map(|(name, def)| match def {
            Value::Object(object) => Some((format!("#/$defs/{name}"), object)),
            _ => None,
        })
        .collect();
    replace_refs(root, &leaves);
    let mut used = BTreeSet::new();
    collect_refs(root, &mut used);
    if let Some(Value::Object(defs)) = root.get_mut("$defs") {
        defs.retain(|name, _| used.contains(&format!("#/$defs/{name}")));
        if defs.is_empty()
            && let Value::Object(object) = root
        {
            object.remove("$defs");
        }
    }
}

/// Inlines `leaves` into `node` and below. A type's description inlined as the
/// `items` of an array that has its own description is dropped: the array's says it.
fn replace_refs(node: &mut Value, leaves: &BTreeMap<String, JsonObject>) {
    let Value::Object(object) = node else { return };
    let target = object.get("$ref").and_then(Value::as_str).map(String::from);
    if let Some(def) = target.and_then(|r| leaves.get(&r)) {
        object.remove("$ref");
        for (k, v) in def {
            object.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    let items_said = object
        .get("items")
        .is_some_and(|items| items.get("description").is_some());
    for_each_subschema(object, &mut |child| replace_refs(child, leaves));
    if object.contains_key("description")
        && !items_said
        && let Some(Value::Object(items)) = object.get_mut("items")
    {
        items.remove("description");
    }
}

fn collect_refs(node: &Value, into: &mut BTreeSet<String>) {
    match node {
        Value::Object(object) => {
            if let Some(Value::String(r)) = object.get("$ref") {
                into.insert(r.clone());
            }
            object.values().for_each(|v| collect_refs(v, into));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, into)),
        _ => {}
    }
}

/// What is unportable or undocumented about `tool`'s schemas, one line per finding:
/// a `$schema` key, a non-standard `format`, a boolean schema, a `$ref` outside the
/// document, and in the input schema a type union with `null` or a property (at any
/// depth) without a description. Empty when the tool is clean.
pub fn findings(tool: &Tool) -> Vec<String> {
    let mut found = Vec::new();
    let input = Value::Object((*tool.input_schema).clone());
    lint(&input, "inputSchema", true, &mut found);
    if let Some(output) = &tool.output_schema {
        lint(
            &Value::Object((**output).clone()),
            "outputSchema",
            false,
            &mut found,
        );
    }
    found
        .into_iter()
        .map(|f| format!("{}: {f}", tool.name))
        .collect()
}

fn lint(node: &Value, path: &str, input: bool, found: &mut Vec<String>) {
    let object = match node {
        Value::Object(object) => object,
        Value::Bool(_) => {
            found.push(format!("{path} is a boolean schema"));
            return;
        }
        _ => return,
    };
    if object.contains_key("$schema") {
        found.push(format!("{path} has $schema"));
    }
    if let Some(Value::String(format)) = object.get("format")
        && !STANDARD_FORMATS.contains(&format.as_str())
    {
        found.push(format!("{path} has the non-standard format {format:?}"));
    }
    if let Some(Value::Array(types)) = object.get("type")
        && input
        && types.iter().any(|t| t == "null")
    {
        found.push(format!("{path} has the type union {types:?}"));
    }
    if let Some(Value::String(r)) = object.get("$ref")
        && !r.starts_with('#')
    {
        found.push(format!("{path} refers outside the document ({r})"));
    }
    let mut visit = |key: &str, child: &Value| lint(child, &format!("{path}.{key}"), input, found);
    for key in SUBSCHEMA {
        match object.get(*key) {
            Some(Value::Bool(_)) if key.ends_with("Properties") || key.ends_with("Items") => {}
            Some(child) => visit(key, child),
            None => {}
        }
    }
    for key in SUBSCHEMA_LISTS {
        if let Some(Value::Array(children)) = object.get(*key) {
            for (i, child) in children.iter().enumerate() {
                visit(&format!("{key}[{i}]"), child);
            }
        }
    }
    for key in SUBSCHEMA_MAPS {
        if let Some(Value::Object(children)) = object.get(*key) {
            for (name, child) in children {
                visit(&format!("{key}.{name}"), child);
            }
        }
    }
    if let (true, Some(Value::Object(properties))) = (input, object.get("properties")) {
        for (name, property) in properties {
            let documented = property
                .get("description")
                .and_then(Value::as_str)
                .is_some_and(|d| !d.trim().is_empty());
            if !documented {
                found.push(format!("{path}.properties.{name} has no description"));
            }
        }
    }
}

/// The size in bytes of the JSON `tools` array that `tools/list` serves: the figure
/// the README, `doctor` and the size tests give (in KB of 1024 bytes).
pub fn tools_list_bytes(tools: &[Tool]) -> usize {
    serde_json::to_string(tools).map_or(0, |json| json.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn portable_value(schema: Value) -> Value {
        Value::Object(portable(schema.as_object().unwrap()))
    }

    #[test]
    fn optional_properties_lose_null_and_rust_formats() {
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {
                "head": {"type": ["integer", "null"], "format": "uint", "minimum": 0,
                    "description": "First N lines.\nNot with `tail`."},
                "count": {"type": "integer", "format": "uint32"},
                "ratio": {"type": "number", "format": "double"},
                "when": {"type": ["string", "null"], "format": "date-time", "default": null},
                "kept": {"type": ["string", "null"]},
                "any": true,
                "free": {"type": "object", "additionalProperties": true}
            },
            "required": ["count", "kept"]
        });
        assert_eq!(
            portable_value(schema),
            json!({
                "type": "object",
                "properties": {
                    "head": {"type": "integer", "minimum": 0,
                        "description": "First N lines. Not with `tail`."},
                    "count": {"type": "integer", "minimum": 0},
                    "ratio": {"type": "number"},
                    "when": {"type": "string", "format": "date-time"},
                    "kept": {"type": ["string", "null"]},
                    "any": {"anyOf": [{"type": "string"}, {"type": "number"},
                        {"type": "boolean"}, {"type": "object"}, {"type": "array"},
                        {"type": "null"}]},
                    "free": {"type": "object"}
                },
                "required": ["count", "kept"]
            })
        );
    }

    #[test]
    fn leaf_defs_are_inlined_and_nullable_refs_unwrapped() {
        let schema = json!({
            "type": "object",
            "$defs": {
                "Case": {"description": "How case is matched.", "type": "string",
                    "enum": ["sensitive", "smart"]},
                "Edit": {"description": "One edit.", "type": "object", "properties": {
                    "old": {"type": "string", "description": "Old text."},
                    "all": {"type": ["boolean", "null"], "description": "Every one."}
                }, "required": ["old"]},
                "Tree": {"type": "object", "properties": {
                    "children": {"type": "array", "items": {"$ref": "#/$defs/Tree"}}
                }}
            },
            "properties": {
                "case": {"anyOf": [{"$ref": "#/$defs/Case"}, {"type": "null"}],
                    "description": "Letter case."},
                "edits": {"type": "array", "items": {"$ref": "#/$defs/Edit"},
                    "description": "Edits."},
                "tree": {"$ref": "#/$defs/Tree", "description": "A tree."}
            },
            "required": ["edits", "tree"]
        });
        assert_eq!(
            portable_value(schema),
            json!({
                "type": "object",
                "$defs": {
                    "Tree": {"type": "object", "properties": {
                        "children": {"type": "array", "items": {"$ref": "#/$defs/Tree"}}
                    }}
                },
                "properties": {
                    "case": {"description": "Letter case.", "type": "string",
                        "enum": ["sensitive", "smart"]},
                    "edits": {"type": "array", "description": "Edits.", "items": {
                        "type": "object", "properties": {
                            "old": {"type": "string", "description": "Old text."},
                            "all": {"type": "boolean", "description": "Every one."}
                        }, "required": ["old"]}},
                    "tree": {"$ref": "#/$defs/Tree", "description": "A tree."}
                },
                "required": ["edits", "tree"]
            })
        );
    }

    #[test]
    fn findings_name_what_is_unportable_or_undocumented() {
        let tool = Tool::new(
            "t",
            "T.",
            Arc::new(
                json!({
                    "$schema": "x",
                    "type": "object",
                    "properties": {
                        "a": {"type": ["integer", "null"], "format": "uint"},
                        "b": {"type": "array", "items": true, "description": "B."}
                    }
                })
                .as_object()
                .unwrap()
                .clone(),
            ),
        );
        let found = findings(&tool);
        assert_eq!(found.len(), 5, "{found:#?}");
        let mut clean = tool.clone();
        clean.input_schema = Arc::new(portable(&tool.input_schema));
        assert_eq!(
            findings(&clean),
            ["t: inputSchema.properties.a has no description"]
        );
    }
}

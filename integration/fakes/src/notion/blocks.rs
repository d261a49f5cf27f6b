//! Block requests (`children` of an append or a page create): each block checked
//! against Notion's rules (known type, its required fields, rich-text limits, which
//! blocks may hold children, tables made of rows of the right width) and the
//! request's limits (100 children per array, two levels of nesting, 1,000 blocks);
//! then completed into the payload Notion stores (default colours, icons, flags).

use serde_json::{Map, Value, json};

use super::error::{ApiError, ApiResult};
use super::rich_text;
use super::store::State;
use super::validation::{
    self as v, MAX_BLOCKS_PER_REQUEST, MAX_CHILDREN, MAX_EQUATION, MAX_NESTING,
};

/// A block to create, with its children.
#[derive(Debug, Clone, PartialEq)]
pub struct NewBlock {
    pub kind: String,
    pub payload: Value,
    pub children: Vec<NewBlock>,
}

/// `Api` applies every rule; `Seed` (the demo data) lifts the request limits and
/// allows blocks the API cannot create (uploaded files, link previews).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Api,
    Seed,
}

const TEXT_KINDS: &[&str] = &[
    "paragraph",
    "heading_1",
    "heading_2",
    "heading_3",
    "bulleted_list_item",
    "numbered_list_item",
    "to_do",
    "toggle",
    "quote",
    "callout",
    "code",
];
const MEDIA_KINDS: &[&str] = &["image", "video", "pdf", "file", "audio"];
const OTHER_KINDS: &[&str] = &[
    "divider",
    "breadcrumb",
    "table_of_contents",
    "equation",
    "table",
    "table_row",
    "bookmark",
    "embed",
    "link_preview",
    "link_to_page",
    "child_page",
    "child_database",
    "column_list",
    "column",
    "synced_block",
    "template",
];

/// The languages a `code` block accepts (those Notion's validation error lists).
/// notion-server keeps its own copy; `tests/e2e/notion_fake_drift.rs` fails when
/// the two differ.
pub const LANGUAGES: &[&str] = &[
    "abap",
    "abc",
    "agda",
    "arduino",
    "ascii art",
    "assembly",
    "bash",
    "basic",
    "bnf",
    "c",
    "c#",
    "c++",
    "clojure",
    "coffeescript",
    "coq",
    "css",
    "dart",
    "dhall",
    "diff",
    "docker",
    "ebnf",
    "elixir",
    "elm",
    "erlang",
    "f#",
    "flow",
    "fortran",
    "gherkin",
    "glsl",
    "go",
    "graphql",
    "groovy",
    "haskell",
    "hcl",
    "html",
    "idris",
    "java",
    "javascript",
    "json",
    "julia",
    "kotlin",
    "latex",
    "less",
    "lisp",
    "livescript",
    "llvm ir",
    "lua",
    "makefile",
    "markdown",
    "markup",
    "matlab",
    "mathematica",
    "mermaid",
    "nix",
    "notion formula",
    "objective-c",
    "ocaml",
    "pascal",
    "perl",
    "php",
    "plain text",
    "powershell",
    "prolog",
    "protobuf",
    "purescript",
    "python",
    "r",
    "racket",
    "reason",
    "ruby",
    "rust",
    "sass",
    "scala",
    "scheme",
    "scss",
    "shell",
    "smalltalk",
    "solidity",
    "sql",
    "swift",
    "toml",
    "typescript",
    "vb.net",
    "verilog",
    "vhdl",
    "visual basic",
    "webassembly",
    "xml",
    "yaml",
    "java/c/c++/c#",
];

fn known(kind: &str) -> bool {
    TEXT_KINDS.contains(&kind) || MEDIA_KINDS.contains(&kind) || OTHER_KINDS.contains(&kind)
}

/// Whether a block of this kind (with this payload) may have children.
pub fn allows_children(kind: &str, payload: &Value) -> bool {
    match kind {
        "paragraph" | "bulleted_list_item" | "numbered_list_item" | "to_do" | "toggle"
        | "quote" | "callout" | "table" | "child_page" | "synced_block" | "column"
        | "column_list" | "template" => true,
        "heading_1" | "heading_2" | "heading_3" => payload["is_toggleable"] == true,
        _ => false,
    }
}

/// Parses one request's blocks, counting them across calls.
pub struct BlockParser<'a> {
    st: &'a State,
    mode: Mode,
    /// Blocks parsed so far (all levels).
    pub count: usize,
}

impl<'a> BlockParser<'a> {
    pub fn new(st: &'a State, mode: Mode) -> Self {
        Self { st, mode, count: 0 }
    }

    /// A `children` array at `path` under a parent of kind `parent_kind` (`page`
    /// or a block type; a table's rows must be `table_width` wide). The top level
    /// of a request is depth 1.
    pub fn children(
        &mut self,
        value: &Value,
        path: &str,
        depth: usize,
        parent_kind: &str,
        table_width: Option<u64>,
    ) -> ApiResult<Vec<NewBlock>> {
        let max = match self.mode {
            Mode::Api => MAX_CHILDREN,
            Mode::Seed => usize::MAX,
        };
        let items = v::array(value, path, max)?;
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let block = self.block(item, &p, depth)?;
            if parent_kind == "table" {
                if block.kind != "table_row" {
                    return Err(ApiError::body(
                        &format!("{p}.type"),
                        format!(
                            "should be `table_row` (a table holds only rows), instead was `{}`.",
                            block.kind
                        ),
                    ));
                }
                let cells = block.payload["cells"].as_array().map_or(0, Vec::len) as u64;
                if let Some(width) = table_width.filter(|w| *w != cells) {
                    return Err(ApiError::validation(format!(
                        "body failed validation: {p}.table_row.cells.length should be `{width}` (the table's table_width), instead was `{cells}`."
                    )));
                }
            } else if block.kind == "table_row" {
                return Err(ApiError::validation(format!(
                    "body failed validation: {p}: a table_row can only be a child of a table."
                )));
            }
            out.push(block);
        }
        Ok(out)
    }

    fn block(&mut self, value: &Value, path: &str, depth: usize) -> ApiResult<NewBlock> {
        let obj = v::object(value, path)?;
        let kind = match obj.get("type") {
            Some(Value::String(k)) => k.clone(),
            Some(other) => {
                return Err(ApiError::expected(
                    &format!("{path}.type"),
                    "a block type",
                    other,
                ));
            }
            None => obj
                .keys()
                .find(|k| known(k))
                .cloned()
                .ok_or_else(|| ApiError::missing(&format!("{path}.type")))?,
        };
        if !known(&kind) {
            return Err(ApiError::body(
                &format!("{path}.type"),
                format!("should be a block type, instead was `{kind}`."),
            ));
        }
        for key in obj.keys() {
            if key != "object" && key != "type" && *key != kind {
                let why = if key == "children" {
                    "children go inside the block's type object (e.g. `paragraph.children`)"
                } else {
                    "not a field of a block request"
                };
                return Err(ApiError::not_present(&format!("{path}.{key}"), why));
            }
        }
        let p = format!("{path}.{kind}");
        let body = v::object(&value[&kind], &p)?;
        self.count += 1;
        if self.mode == Mode::Api && self.count > MAX_BLOCKS_PER_REQUEST {
            return Err(ApiError::validation(format!(
                "body failed validation: a request may create at most {MAX_BLOCKS_PER_REQUEST} blocks (counting nested ones); this one has more."
            )));
        }
        let payload = self.payload(&kind, body, &value[&kind], &p)?;
        let children = match body.get("children") {
            None | Some(Value::Null) => Vec::new(),
            Some(c) => {
                let cp = format!("{p}.children");
                if !allows_children(&kind, &payload) {
                    return Err(ApiError::not_present(
                        &cp,
                        &format!("a {kind} block cannot have children"),
                    ));
                }
                let nonempty = c.as_array().is_some_and(|a| !a.is_empty());
                if self.mode == Mode::Api && depth >= MAX_NESTING && nonempty {
                    return Err(ApiError::not_present(
                        &cp,
                        "a request may nest blocks at most two levels deep; append deeper children in a later request, under the ids this one returns",
                    ));
                }
                self.children(c, &cp, depth + 1, &kind, payload["table_width"].as_u64())?
            }
        };
        if kind == "table" && children.is_empty() {
            return Err(ApiError::missing(&format!("{p}.children")));
        }
        Ok(NewBlock {
            kind,
            payload,
            children,
        })
    }

    fn check_keys(&self, body: &Map<String, Value>, path: &str, allowed: &[&str]) -> ApiResult<()> {
        match body
            .keys()
            .find(|k| *k != "children" && !allowed.contains(&k.as_str()))
        {
            Some(k) => Err(ApiError::not_present(
                &format!("{path}.{k}"),
                "not a field of this block type",
            )),
            None => Ok(()),
        }
    }

    /// The stored payload of one block.
    fn payload(
        &self,
        kind: &str,
        body: &Map<String, Value>,
        value: &Value,
        p: &str,
    ) -> ApiResult<Value> {
        let st = self.st;
        if TEXT_KINDS.contains(&kind) {
            let extra: &[&str] = match kind {
                "heading_1" | "heading_2" | "heading_3" => &["is_toggleable"],
                "to_do" => &["checked"],
                "callout" => &["icon"],
                "code" => &["language", "caption"],
                _ => &[],
            };
            let mut allowed = vec!["rich_text", "color"];
            allowed.extend_from_slice(extra);
            self.check_keys(body, p, &allowed)?;
            let default_color = if kind == "callout" {
                "gray_background"
            } else {
                "default"
            };
            let mut out = json!({
                "rich_text": rich_text::parse(&value["rich_text"], &format!("{p}.rich_text"), st)?,
                "color": v::color(&value["color"], &format!("{p}.color"), default_color)?,
            });
            match kind {
                "heading_1" | "heading_2" | "heading_3" => {
                    out["is_toggleable"] = json!(v::flag(
                        &value["is_toggleable"],
                        &format!("{p}.is_toggleable"),
                        false
                    )?);
                }
                "to_do" => {
                    out["checked"] =
                        json!(v::flag(&value["checked"], &format!("{p}.checked"), false)?)
                }
                "callout" => out["icon"] = icon(&value["icon"], &format!("{p}.icon"))?,
                "code" => {
                    let lp = format!("{p}.language");
                    let language = v::string(&value["language"], &lp)?;
                    if !LANGUAGES.contains(&language) {
                        return Err(ApiError::expected(
                            &lp,
                            "one of Notion's code languages (e.g. `plain text`, `rust`)",
                            &value["language"],
                        ));
                    }
                    out["language"] = json!(language);
                    out["caption"] = json!(rich_text::parse_opt(
                        &value["caption"],
                        &format!("{p}.caption"),
                        st
                    )?);
                    out.as_object_mut().map(|o| o.remove("color"));
                }
                _ => {}
            }
            return Ok(out);
        }
        if MEDIA_KINDS.contains(&kind) {
            self.check_keys(
                body,
                p,
                &["type", "external", "file", "file_upload", "caption", "name"],
            )?;
            let source = match body.get("type").and_then(Value::as_str) {
                Some(t) => t.to_string(),
                None if body.contains_key("external") => "external".into(),
                None if body.contains_key("file") => "file".into(),
                None => "file_upload".into(),
            };
            let caption = rich_text::parse_opt(&value["caption"], &format!("{p}.caption"), st)?;
            let mut out = match (source.as_str(), self.mode) {
                ("external", _) => {
                    let url = v::url(&value["external"]["url"], &format!("{p}.external.url"))?;
                    json!({"type": "external", "external": {"url": url}, "caption": caption})
                }
                ("file", Mode::Seed) => {
                    let url = v::url(&value["file"]["url"], &format!("{p}.file.url"))?;
                    json!({"type": "file", "file": {"url": url, "expiry_time": value["file"]["expiry_time"]}, "caption": caption})
                }
                ("file_upload", _) => {
                    return Err(ApiError::validation(format!(
                        "body failed validation: {p}.file_upload: this fake has no file uploads; use an external URL."
                    )));
                }
                (other, _) => {
                    return Err(ApiError::body(
                        &format!("{p}.type"),
                        format!("should be `external` or `file_upload`, instead was `{other}`."),
                    ));
                }
            };
            if kind == "file" {
                let name = match &value["name"] {
                    Value::Null => out[out["type"].as_str().unwrap_or("external")]["url"]
                        .as_str()
                        .and_then(|u| u.rsplit('/').next())
                        .unwrap_or("file")
                        .to_string(),
                    n => v::bounded(n, &format!("{p}.name"), 200)?.to_string(),
                };
                out["name"] = json!(name);
            }
            return Ok(out);
        }
        Ok(match kind {
            "divider" | "breadcrumb" | "column_list" | "column" => {
                self.check_keys(body, p, &[])?;
                json!({})
            }
            "table_of_contents" => {
                self.check_keys(body, p, &["color"])?;
                json!({"color": v::color(&value["color"], &format!("{p}.color"), "default")?})
            }
            "equation" => {
                self.check_keys(body, p, &["expression"])?;
                json!({"expression": v::bounded(&value["expression"], &format!("{p}.expression"), MAX_EQUATION)?})
            }
            "table" => {
                self.check_keys(
                    body,
                    p,
                    &["table_width", "has_column_header", "has_row_header"],
                )?;
                let wp = format!("{p}.table_width");
                let width = match &value["table_width"] {
                    Value::Number(n) if n.as_u64().is_some_and(|w| (1..=100).contains(&w)) => {
                        n.as_u64().unwrap_or(1)
                    }
                    Value::Null => return Err(ApiError::missing(&wp)),
                    other => {
                        return Err(ApiError::expected(
                            &wp,
                            "a whole number from 1 to 100",
                            other,
                        ));
                    }
                };
                json!({
                    "table_width": width,
                    "has_column_header": v::flag(&value["has_column_header"], &format!("{p}.has_column_header"), false)?,
                    "has_row_header": v::flag(&value["has_row_header"], &format!("{p}.has_row_header"), false)?,
                })
            }
            "table_row" => {
                self.check_keys(body, p, &["cells"])?;
                let cp = format!("{p}.cells");
                let cells = v::array(&value["cells"], &cp, 100)?;
                let mut out = Vec::with_capacity(cells.len());
                for (i, cell) in cells.iter().enumerate() {
                    out.push(json!(rich_text::parse(cell, &format!("{cp}[{i}]"), st)?));
                }
                json!({ "cells": out })
            }
            "bookmark" | "embed" => {
                self.check_keys(body, p, &["url", "caption"])?;
                json!({
                    "url": v::url(&value["url"], &format!("{p}.url"))?,
                    "caption": rich_text::parse_opt(&value["caption"], &format!("{p}.caption"), st)?,
                })
            }
            "link_preview" if self.mode == Mode::Seed => {
                json!({"url": v::url(&value["url"], &format!("{p}.url"))?})
            }
            "link_to_page" => {
                self.check_keys(body, p, &["type", "page_id", "database_id"])?;
                let key = if body.contains_key("database_id") {
                    "database_id"
                } else {
                    "page_id"
                };
                let id = v::string(&value[key], &format!("{p}.{key}"))?;
                let id = super::ids::parse(id).ok_or_else(|| {
                    ApiError::expected(&format!("{p}.{key}"), "a valid uuid", &value[key])
                })?;
                json!({"type": key, key: id})
            }
            "link_preview" | "child_page" | "child_database" | "synced_block" | "template" => {
                let how = match kind {
                    "child_page" => "create a page with POST /v1/pages instead",
                    "child_database" => "create a database with POST /v1/databases instead",
                    _ => "this block type is read-only in the API",
                };
                return Err(ApiError::validation(format!(
                    "body failed validation: {p}: {kind} blocks cannot be created by appending ({how})."
                )));
            }
            other => {
                return Err(ApiError::body(
                    p,
                    format!("has an unsupported type `{other}`."),
                ));
            }
        })
    }
}

/// A callout icon: an emoji or an external image (💡 when absent).
fn icon(value: &Value, path: &str) -> ApiResult<Value> {
    match value {
        Value::Null => Ok(json!({"type": "emoji", "emoji": "💡"})),
        Value::Object(o) => match (
            o.get("type").and_then(Value::as_str),
            o.get("emoji"),
            o.get("external"),
        ) {
            (Some("emoji") | None, Some(Value::String(e)), _) => {
                Ok(json!({"type": "emoji", "emoji": e}))
            }
            (Some("external") | None, _, Some(ext)) => {
                let url = v::url(&ext["url"], &format!("{path}.external.url"))?;
                Ok(json!({"type": "external", "external": {"url": url}}))
            }
            _ => Err(ApiError::expected(path, "an emoji or external icon", value)),
        },
        other => Err(ApiError::expected(path, "an icon object", other)),
    }
}

/// The plain text a block shows (rich text, cells, expression, URL or title).
pub fn block_text(kind: &str, payload: &Value) -> String {
    if payload["rich_text"].is_array() {
        return rich_text::plain(&payload["rich_text"]);
    }
    match kind {
        "table_row" => payload["cells"]
            .as_array()
            .map(|cells| {
                cells
                    .iter()
                    .map(rich_text::plain)
                    .collect::<Vec<_>>()
                    .join(" | ")
            })
            .unwrap_or_default(),
        "equation" => payload["expression"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        "child_page" | "child_database" => {
            payload["title"].as_str().unwrap_or_default().to_string()
        }
        "bookmark" | "embed" | "link_preview" => {
            payload["url"].as_str().unwrap_or_default().to_string()
        }
        k if MEDIA_KINDS.contains(&k) => {
            let source = payload["type"].as_str().unwrap_or("external");
            payload[source]["url"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        }
        _ => String::new(),
    }
}

//! The routes of Notion-Version 2026-03-11 and the newer page routes:
//! `GET/PATCH /v1/pages/{id}/markdown` (a page as enhanced Markdown, and edits to it:
//! `replace_content`, `update_content`, `replace_content_range`, `insert_content`),
//! `POST /v1/pages/{id}/move` and `POST /v1/databases` (a database with its first
//! data source).
//!
//! An edit replaces only the top-level blocks its text touches; the others keep
//! their ids. Child pages and databases it would remove are refused with 400
//! `validation_error` unless `allow_deleting_content` is true (then they go to the
//! trash), as Notion documents.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde_json::{Value, json};

use super::{App, Reply, Version, body_id, only_keys, parse_body, path_id};
use crate::notion::error::{ApiError, ApiResult};
use crate::notion::markdown::{self, Piece};
use crate::notion::properties::{CREATABLE, PropSchema};
use crate::notion::rich_text;
use crate::notion::store::{Parent, State as Db};
use crate::notion::validation as v;

/// The first version with the markdown endpoints.
pub const MARKDOWN_VERSION: &str = "2026-03-11";

fn page_markdown(st: &Db, id: &str) -> Value {
    json!({
        "object": "page_markdown",
        "id": id,
        "markdown": markdown::render(st, id).text,
        "truncated": false,
        "unknown_block_ids": [],
    })
}

fn existing(st: &Db, id: &str) -> ApiResult<()> {
    if st.pages.contains_key(id) || st.blocks.contains_key(id) {
        Ok(())
    } else {
        Err(ApiError::not_found("page", id))
    }
}

pub async fn get(State(app): State<App>, Path(raw): Path<String>) -> Reply {
    let id = path_id(&raw, "page_id")?;
    let st = app.store.lock();
    existing(&st, &id)?;
    Ok(Json(page_markdown(&st, &id)))
}

fn string_field<'a>(obj: &'a Value, path: &str) -> ApiResult<&'a str> {
    v::string(obj, path)
}

fn allow_deleting(obj: &Value, path: &str) -> ApiResult<bool> {
    v::flag(&obj["allow_deleting_content"], path, false)
}

/// Where `needle` occurs in `hay`: exactly once, or the error Notion gives.
fn find_once(hay: &str, needle: &str, what: &str, all: bool) -> ApiResult<Vec<usize>> {
    if needle.is_empty() {
        return Err(ApiError::validation(format!("{what} should not be empty.")));
    }
    let hits: Vec<usize> = hay.match_indices(needle).map(|(i, _)| i).collect();
    match hits.len() {
        0 => Err(ApiError::validation(format!(
            "{what} did not match any content in the page."
        ))),
        1 => Ok(hits),
        _ if all => Ok(hits),
        n => Err(ApiError::validation(format!(
            "{what} matched {n} places in the page; make it unique or set replace_all_matches."
        ))),
    }
}

/// A selection `start...end` (or an exact text) as a byte range.
fn selection(hay: &str, sel: &str, what: &str) -> ApiResult<std::ops::Range<usize>> {
    match sel.split_once("...") {
        Some((start, end)) => {
            let a = find_once(hay, start, what, false)?[0];
            let from = a + start.len();
            let b = hay[from..]
                .find(end)
                .map(|i| from + i + end.len())
                .ok_or_else(|| {
                    ApiError::validation(format!("{what}: the end of the selection was not found."))
                })?;
            Ok(a..b)
        }
        None => {
            let a = find_once(hay, sel, what, false)?[0];
            Ok(a..a + sel.len())
        }
    }
}

/// Replaces `range` of the page's rendering with `new`: the top-level blocks the
/// range touches are replaced by the blocks `new` (with their untouched edges)
/// parses into; kept tags keep their blocks.
fn splice(
    st: &mut Db,
    page: &str,
    range: std::ops::Range<usize>,
    new: &str,
    allow_deleting: bool,
) -> ApiResult<()> {
    let rendered = markdown::render(st, page);
    let touched: Vec<usize> = rendered
        .spans
        .iter()
        .enumerate()
        .filter(|(_, (_, s))| {
            if range.is_empty() {
                s.start < range.start && range.start < s.end
            } else {
                s.start < range.end && range.start < s.end
            }
        })
        .map(|(i, _)| i)
        .collect();
    let (text, at) = match (touched.first(), touched.last()) {
        (Some(&f), Some(&l)) => {
            let first = &rendered.spans[f].1;
            let last = &rendered.spans[l].1;
            let text = format!(
                "{}{new}{}",
                &rendered.text[first.start..range.start.max(first.start)],
                &rendered.text[range.end.min(last.end).max(range.start)..last.end]
            );
            (text, f)
        }
        _ => {
            let at = rendered
                .spans
                .iter()
                .filter(|(_, s)| s.end <= range.start)
                .count();
            (new.to_string(), at)
        }
    };
    let pieces = markdown::parse(st, &text)?;
    let kept: Vec<&String> = pieces
        .iter()
        .filter_map(|p| match p {
            Piece::Keep(id) => Some(id),
            Piece::New(_) => None,
        })
        .collect();
    let removed: Vec<String> = touched
        .iter()
        .map(|&i| rendered.spans[i].0.clone())
        .filter(|id| !kept.contains(&id))
        .collect();
    let children_lost: Vec<&String> = removed
        .iter()
        .filter(|id| st.pages.contains_key(*id) || st.databases.contains_key(*id))
        .collect();
    if !children_lost.is_empty() && !allow_deleting {
        return Err(ApiError::validation(format!(
            "This edit would delete {} child page(s) or database(s) ({}). Include them in the new content, or set allow_deleting_content to true.",
            children_lost.len(),
            children_lost
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    for id in &kept {
        if !rendered.spans.iter().any(|(b, _)| b == *id) {
            return Err(ApiError::validation(format!(
                "Block {id} is not a top-level block of this page."
            )));
        }
    }
    // Build the new order: untouched before, the new sequence, untouched after.
    let mut sequence = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Keep(id) => sequence.push(id),
            Piece::New(block) => {
                let ids = st.insert_blocks(page, vec![block], None);
                // insert_blocks appended them at the end; they are placed below.
                sequence.extend(ids);
            }
        }
    }
    for id in &removed {
        st.set_trash(id, true);
    }
    let list = st.children.entry(page.to_string()).or_default();
    list.retain(|id| !sequence.contains(id));
    let anchor = if at < rendered.spans.len() {
        let before: Vec<&String> = rendered.spans[..at].iter().map(|(id, _)| id).collect();
        before
            .last()
            .and_then(|b| list.iter().position(|x| x == *b))
            .map_or(0, |p| p + 1)
    } else {
        list.len()
    };
    let anchor = anchor.min(list.len());
    list.splice(anchor..anchor, sequence);
    st.touch(page);
    Ok(())
}

pub async fn update(State(app): State<App>, Path(raw): Path<String>, bytes: Bytes) -> Reply {
    let id = path_id(&raw, "page_id")?;
    v::body_size(bytes.len())?;
    let body = parse_body(&bytes)?;
    only_keys(
        &body,
        &[
            "type",
            "insert_content",
            "replace_content_range",
            "update_content",
            "replace_content",
        ],
    )?;
    let kind = string_field(&body["type"], "body.type")?.to_string();
    let known = [
        "insert_content",
        "replace_content_range",
        "update_content",
        "replace_content",
    ];
    if !known.contains(&kind.as_str()) {
        return Err(ApiError::body(
            "body.type",
            format!(
                "should be one of {}, instead was `{kind}`.",
                known.join(", ")
            ),
        ));
    }
    if let Some(other) = known.iter().find(|k| **k != kind && !body[**k].is_null()) {
        return Err(ApiError::not_present(
            &format!("body.{other}"),
            "only the object named by body.type may be given",
        ));
    }
    let args = &body[kind.as_str()];
    v::object(args, &format!("body.{kind}"))?;
    let mut st = app.store.lock();
    existing(&st, &id)?;
    if st.in_trash(&id) {
        return Err(super::pages::archived());
    }
    let path = |f: &str| format!("body.{kind}.{f}");
    match kind.as_str() {
        "replace_content" => {
            only_keys(args, &["new_str", "allow_deleting_content"])?;
            let new = string_field(&args["new_str"], &path("new_str"))?;
            let allow = allow_deleting(args, &path("allow_deleting_content"))?;
            let len = markdown::render(&st, &id).text.len();
            splice(&mut st, &id, 0..len.max(1), new, allow)?;
        }
        "replace_content_range" => {
            only_keys(
                args,
                &["content", "content_range", "allow_deleting_content"],
            )?;
            let new = string_field(&args["content"], &path("content"))?;
            let sel = string_field(&args["content_range"], &path("content_range"))?;
            let allow = allow_deleting(args, &path("allow_deleting_content"))?;
            let text = markdown::render(&st, &id).text;
            let range = selection(&text, sel, &path("content_range"))?;
            splice(&mut st, &id, range, new, allow)?;
        }
        "update_content" => {
            only_keys(args, &["content_updates", "allow_deleting_content"])?;
            let allow = allow_deleting(args, &path("allow_deleting_content"))?;
            let updates = args["content_updates"].as_array().ok_or_else(|| {
                ApiError::expected(
                    &path("content_updates"),
                    "an array",
                    &args["content_updates"],
                )
            })?;
            if updates.is_empty() {
                return Err(ApiError::validation(format!(
                    "{} should not be empty.",
                    path("content_updates")
                )));
            }
            // Checked first, all of them, so a refused request changes nothing.
            let before = markdown::render(&st, &id).text;
            let mut planned = Vec::new();
            for (n, u) in updates.iter().enumerate() {
                let p = format!("{}[{n}]", path("content_updates"));
                only_keys(u, &["old_str", "new_str", "replace_all_matches"])?;
                let old = string_field(&u["old_str"], &format!("{p}.old_str"))?;
                let new = string_field(&u["new_str"], &format!("{p}.new_str"))?;
                let all = v::flag(
                    &u["replace_all_matches"],
                    &format!("{p}.replace_all_matches"),
                    false,
                )?;
                find_once(&before, old, &format!("{p}.old_str"), all)?;
                planned.push((old.to_string(), new.to_string(), all));
            }
            let snapshot = st.clone();
            for (old, new, all) in planned {
                loop {
                    let text = markdown::render(&st, &id).text;
                    let Some(a) = text.find(&old) else { break };
                    if let Err(e) = splice(&mut st, &id, a..a + old.len(), &new, allow) {
                        *st = snapshot;
                        return Err(e);
                    }
                    if !all {
                        break;
                    }
                }
            }
        }
        _ => {
            only_keys(args, &["content", "after", "position"])?;
            let new = string_field(&args["content"], &path("content"))?;
            let text = markdown::render(&st, &id).text;
            let at = match (&args["after"], &args["position"]["type"]) {
                (Value::Null, Value::Null) => text.len(),
                (Value::Null, t) if t == "end" => text.len(),
                (Value::Null, t) if t == "start" => 0,
                (Value::Null, t) => {
                    return Err(ApiError::expected(
                        &path("position.type"),
                        "`start` or `end`",
                        t,
                    ));
                }
                (a, Value::Null) => {
                    let sel = string_field(a, &path("after"))?;
                    selection(&text, sel, &path("after"))?.end
                }
                _ => {
                    return Err(ApiError::validation(format!(
                        "{} and {} cannot be used together.",
                        path("after"),
                        path("position")
                    )));
                }
            };
            let rendered = markdown::render(&st, &id);
            // Inserting inside a block appends after that whole block.
            let at = rendered
                .spans
                .iter()
                .find(|(_, s)| s.start < at && at < s.end)
                .map_or(at, |(_, s)| s.end);
            splice(&mut st, &id, at..at, new, false)?;
        }
    }
    Ok(Json(page_markdown(&st, &id)))
}

/// `POST /v1/pages/{id}/move`: to another page or into a data source.
pub async fn move_page(
    State(app): State<App>,
    Extension(version): Extension<Version>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> Reply {
    let id = path_id(&raw, "page_id")?;
    let body = parse_body(&bytes)?;
    only_keys(&body, &["parent"])?;
    let parent = &body["parent"];
    v::object(parent, "body.parent")?;
    let mut st = app.store.lock();
    if st.databases.contains_key(&id) {
        return Err(ApiError::validation(
            "Moving databases is not supported; page_id must be a page.",
        ));
    }
    let page = st
        .pages
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("page", &id))?;
    let kind = parent["type"]
        .as_str()
        .unwrap_or(if parent["page_id"].is_null() {
            "data_source_id"
        } else {
            "page_id"
        });
    let new_parent = match kind {
        "page_id" => {
            let p = body_id(&parent["page_id"], "body.parent.page_id")?;
            if !st.pages.contains_key(&p) {
                return Err(ApiError::not_found("page", &p));
            }
            if st.in_trash(&p) {
                return Err(super::pages::archived());
            }
            // Not into itself or its own descendants.
            let mut at = Some(p.clone());
            while let Some(cur) = at {
                if cur == id {
                    return Err(ApiError::validation(
                        "A page cannot be moved into itself or one of its descendants.",
                    ));
                }
                at = match st.pages.get(&cur).map(|x| &x.parent) {
                    Some(Parent::Page(x)) | Some(Parent::Block(x)) => st.page_of(x),
                    _ => None,
                };
            }
            Parent::Page(p)
        }
        "data_source_id" => {
            let d = body_id(&parent["data_source_id"], "body.parent.data_source_id")?;
            if !st.data_sources.contains_key(&d) {
                return Err(ApiError::not_found("data_source", &d));
            }
            Parent::DataSource(d)
        }
        other => {
            return Err(ApiError::body(
                "body.parent.type",
                format!("should be `page_id` or `data_source_id`, instead was `{other}`."),
            ));
        }
    };
    // Unlink from where it was.
    match &page.parent {
        Parent::Page(p) | Parent::Block(p) => {
            if let Some(list) = st.children.get_mut(p) {
                list.retain(|x| x != &id);
            }
        }
        Parent::DataSource(d) => {
            if let Some(ds) = st.data_sources.get_mut(d) {
                ds.rows.retain(|x| x != &id);
            }
        }
        Parent::Workspace => st.workspace.retain(|x| x != &id),
        Parent::Database(_) => {}
    }
    let title = st.page_title_items(&id);
    let mut props = HashMap::new();
    match &new_parent {
        Parent::Page(p) => {
            st.children.entry(p.clone()).or_default().push(id.clone());
            props.insert("title".to_string(), title);
        }
        Parent::DataSource(d) => {
            let ds = st.data_sources.get_mut(d).expect("checked above");
            ds.rows.push(id.clone());
            let key = ds
                .schema
                .iter()
                .find(|p| p.kind == "title")
                .map_or("title".to_string(), |p| p.id.clone());
            props.insert(key, title);
        }
        _ => {}
    }
    if let Some(p) = st.pages.get_mut(&id) {
        p.parent = new_parent;
        p.props = props;
    }
    st.touch(&id);
    Ok(Json(
        st.page_json(&id, version.legacy()).unwrap_or_default(),
    ))
}

fn schema(props: &Value, path: &str) -> ApiResult<Vec<PropSchema>> {
    let obj = v::object(props, path)?;
    let mut out = Vec::new();
    for (name, config) in obj {
        let p = format!("{path}.{name}");
        let cfg = v::object(config, &p)?;
        let kind = config["type"]
            .as_str()
            .or_else(|| {
                cfg.keys()
                    .find(|k| *k != "type" && *k != "description")
                    .map(String::as_str)
            })
            .ok_or_else(|| ApiError::missing(&format!("{p}.type")))?;
        if !CREATABLE.contains(&kind) {
            return Err(ApiError::body(
                &format!("{p}.type"),
                format!("should be a property type this fake creates, instead was `{kind}`."),
            ));
        }
        let mut settings = config[kind].clone();
        if settings.is_null() {
            settings = json!({});
        }
        if let Some(options) = settings["options"].as_array() {
            let list: Vec<Value> = options
                .iter()
                .map(|o| {
                    let n = o["name"].as_str().unwrap_or_default();
                    json!({"id": crate::notion::ids::short(n), "name": n,
                           "color": o["color"].as_str().unwrap_or("default"), "description": null})
                })
                .collect();
            settings["options"] = json!(list);
        }
        if kind == "number" && settings["format"].is_null() {
            settings["format"] = json!("number");
        }
        out.push(PropSchema::new(name, kind, settings));
    }
    match out.iter().filter(|p| p.kind == "title").count() {
        1 => Ok(out),
        0 => Err(ApiError::validation(format!(
            "{path} should have exactly one title property; none was given."
        ))),
        n => Err(ApiError::validation(format!(
            "{path} should have exactly one title property; {n} were given."
        ))),
    }
}

/// `POST /v1/databases`: a database under a page, with its first data source
/// (`initial_data_source.properties`; top-level `properties` before 2025-09-03).
pub async fn create_database(
    State(app): State<App>,
    Extension(version): Extension<Version>,
    bytes: Bytes,
) -> Reply {
    v::body_size(bytes.len())?;
    let body = parse_body(&bytes)?;
    let props = if version.legacy() {
        only_keys(
            &body,
            &[
                "parent",
                "title",
                "properties",
                "is_inline",
                "icon",
                "cover",
                "description",
            ],
        )?;
        schema(&body["properties"], "body.properties")?
    } else {
        only_keys(
            &body,
            &[
                "parent",
                "title",
                "initial_data_source",
                "is_inline",
                "icon",
                "cover",
                "description",
            ],
        )?;
        v::object(&body["initial_data_source"], "body.initial_data_source")?;
        schema(
            &body["initial_data_source"]["properties"],
            "body.initial_data_source.properties",
        )?
    };
    let parent = &body["parent"];
    v::object(parent, "body.parent")?;
    if parent["type"].as_str().is_some_and(|t| t != "page_id") || parent["page_id"].is_null() {
        return Err(ApiError::validation(
            "body.parent should be a page (`page_id`): databases created through the API live under a page.",
        ));
    }
    let page = body_id(&parent["page_id"], "body.parent.page_id")?;
    let title = match &body["title"] {
        Value::Null => String::new(),
        t => {
            let st = app.store.lock();
            rich_text::plain(&json!(rich_text::parse(t, "body.title", &st)?))
        }
    };
    let mut st = app.store.lock();
    if !st.pages.contains_key(&page) {
        return Err(ApiError::not_found("page", &page));
    }
    if st.in_trash(&page) {
        return Err(super::pages::archived());
    }
    let inline = v::flag(&body["is_inline"], "body.is_inline", false)?;
    let (db, _) = st.create_database(Parent::Page(page.clone()), &title, Value::Null, props);
    if let Some(d) = st.databases.get_mut(&db) {
        d.is_inline = inline;
    }
    st.touch(&page);
    Ok(Json(
        st.database_json(&db, version.legacy()).unwrap_or_default(),
    ))
}

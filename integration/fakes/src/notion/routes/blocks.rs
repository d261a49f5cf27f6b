//! `GET/PATCH/DELETE /v1/blocks/{id}`, `GET/PATCH /v1/blocks/{id}/children`.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use serde_json::{Value, json};

use super::pages::archived;
use super::{App, Reply, body_id, only_keys, parse_body, path_id};
use crate::notion::blocks::{BlockParser, Mode, allows_children};
use crate::notion::error::ApiError;
use crate::notion::pagination::{PageRequest, list};
use crate::notion::store::Kind;
use crate::notion::validation::{self as v};

pub async fn get(State(app): State<App>, Path(raw): Path<String>) -> Reply {
    let id = path_id(&raw, "block_id")?;
    let st = app.store.lock();
    st.block_json(&id)
        .map(Json)
        .ok_or_else(|| ApiError::not_found("block", &id))
}

pub async fn children(
    State(app): State<App>,
    Path(raw): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Reply {
    let id = path_id(&raw, "block_id")?;
    let request = PageRequest::from_query(&query)?;
    let st = app.store.lock();
    if st.kind_of(&id).is_none_or(|k| k == Kind::DataSource) {
        return Err(ApiError::not_found("block", &id));
    }
    let items: Vec<(String, String)> = st
        .visible_children(&id)
        .into_iter()
        .map(|c| (c.clone(), c))
        .collect();
    let (page, next) = request.slice(items)?;
    let results = page.iter().filter_map(|c| st.block_json(c)).collect();
    Ok(Json(list(results, next, "block")))
}

pub async fn append(State(app): State<App>, Path(raw): Path<String>, bytes: Bytes) -> Reply {
    let id = path_id(&raw, "block_id")?;
    v::body_size(bytes.len())?;
    let body = parse_body(&bytes)?;
    only_keys(&body, &["children", "after"])?;
    let mut st = app.store.lock();
    match &mut st.append_failure {
        Some((0, status)) => return Err(ApiError::server(*status)),
        Some((left, _)) => *left -= 1,
        None => {}
    }
    let (parent_kind, width) = match st.kind_of(&id) {
        Some(Kind::Page) => ("page".to_string(), None),
        Some(Kind::Block) => {
            let b = &st.blocks[&id];
            if !allows_children(&b.kind, &b.payload) {
                return Err(ApiError::validation(format!(
                    "Block type {} does not support children.",
                    b.kind
                )));
            }
            (b.kind.clone(), b.payload["table_width"].as_u64())
        }
        _ => return Err(ApiError::not_found("block", &id)),
    };
    if st.in_trash(&id) {
        return Err(archived());
    }
    let after = match &body["after"] {
        Value::Null => None,
        a => {
            let after = body_id(a, "body.after")?;
            if !st.children.get(&id).is_some_and(|c| c.contains(&after)) {
                return Err(ApiError::validation(format!(
                    "body failed validation: body.after: block {after} is not a child of {id}."
                )));
            }
            Some(after)
        }
    };
    let blocks = BlockParser::new(&st, Mode::Api).children(
        &body["children"],
        "body.children",
        1,
        &parent_kind,
        width,
    )?;
    let created = st.insert_blocks(&id, blocks, after.as_deref());
    st.touch(&id);
    if let Some(page) = st.page_of(&id).filter(|p| *p != id) {
        st.touch(&page);
    }
    let results = created.iter().filter_map(|c| st.block_json(c)).collect();
    Ok(Json(list(results, None, "block")))
}

/// Updates a block's content (its type object, merged over what it has) or moves
/// it to or from the trash.
pub async fn update(State(app): State<App>, Path(raw): Path<String>, bytes: Bytes) -> Reply {
    let id = path_id(&raw, "block_id")?;
    let body = parse_body(&bytes)?;
    let mut st = app.store.lock();
    let trash = match (&body["in_trash"], &body["archived"]) {
        (Value::Null, Value::Null) => None,
        (Value::Null, a) => Some(v::flag(a, "body.archived", false)?),
        (t, _) => Some(v::flag(t, "body.in_trash", false)?),
    };
    match st.kind_of(&id) {
        Some(Kind::Block) => {}
        Some(Kind::Page | Kind::Database) => {
            only_keys(&body, &["in_trash", "archived"])?;
            if let Some(t) = trash {
                st.set_trash(&id, t);
            }
            return st
                .block_json(&id)
                .map(Json)
                .ok_or_else(|| ApiError::not_found("block", &id));
        }
        _ => return Err(ApiError::not_found("block", &id)),
    }
    let block = st.blocks[&id].clone();
    let kind = block.kind.clone();
    only_keys(&body, &["in_trash", "archived", "type", kind.as_str()])?;
    if let Some(changes) = body.get(&kind) {
        if block.meta.in_trash && trash != Some(false) {
            return Err(archived());
        }
        let changes = v::object(changes, &format!("body.{kind}"))?;
        if changes.contains_key("children") {
            return Err(ApiError::not_present(
                &format!("body.{kind}.children"),
                "append children with PATCH /v1/blocks/{id}/children",
            ));
        }
        let mut merged = block.payload.clone();
        for (k, val) in changes {
            merged[k] = val.clone();
        }
        let request = json!([{ "type": kind, kind.as_str(): merged }]);
        let parsed = BlockParser::new(&st, Mode::Api)
            .children(&request, "body", 1, "page", None)
            .map_err(|e| ApiError {
                message: e.message.replace("body[0]", "body"),
                ..e
            })?;
        if let (Some(b), Some(new)) = (st.blocks.get_mut(&id), parsed.into_iter().next()) {
            b.payload = new.payload;
        }
    }
    match trash {
        Some(t) => st.set_trash(&id, t),
        None => st.touch(&id),
    }
    Ok(Json(st.block_json(&id).unwrap_or_default()))
}

pub async fn delete(State(app): State<App>, Path(raw): Path<String>) -> Reply {
    let id = path_id(&raw, "block_id")?;
    let mut st = app.store.lock();
    if st.kind_of(&id).is_none_or(|k| k == Kind::DataSource) {
        return Err(ApiError::not_found("block", &id));
    }
    st.set_trash(&id, true);
    Ok(Json(st.block_json(&id).unwrap_or_default()))
}

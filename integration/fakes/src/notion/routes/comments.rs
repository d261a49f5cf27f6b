//! `GET /v1/comments?block_id=` and `POST /v1/comments` (a new discussion on a
//! page or block, or a reply in a `discussion_id`).

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};

use super::{App, Reply, body_id, only_keys, parse_body};
use crate::notion::error::ApiError;
use crate::notion::pagination::{PageRequest, list as list_of};
use crate::notion::rich_text;
use crate::notion::store::{Kind, Parent};

fn list_comments(app: &App, query: &HashMap<String, String>) -> Reply {
    let raw = query.get("block_id").map(|s| s.trim()).unwrap_or_default();
    if raw.is_empty() {
        return Err(ApiError::validation(
            "query failed validation: query.block_id should be defined, instead was `undefined`.",
        ));
    }
    let id = crate::notion::ids::parse(raw).ok_or_else(|| {
        ApiError::validation(format!(
            "query failed validation: query.block_id should be a valid uuid, instead was `{raw}`."
        ))
    })?;
    let request = PageRequest::from_query(query)?;
    let st = app.store.lock();
    if !matches!(st.kind_of(&id), Some(Kind::Page | Kind::Block)) {
        return Err(ApiError::not_found("block", &id));
    }
    let items = st
        .comments
        .iter()
        .filter(|c| matches!(&c.parent, Parent::Page(p) | Parent::Block(p) if *p == id))
        .map(|c| (c.id.clone(), st.comment_json(c)))
        .collect();
    let (page, next) = request.slice(items)?;
    Ok(Json(list_of(page, next, "comment")))
}

pub async fn list(State(app): State<App>, Query(query): Query<HashMap<String, String>>) -> Reply {
    list_comments(&app, &query)
}

pub async fn create(State(app): State<App>, bytes: Bytes) -> Reply {
    let body = parse_body(&bytes)?;
    only_keys(
        &body,
        &[
            "parent",
            "discussion_id",
            "rich_text",
            "attachments",
            "display_name",
        ],
    )?;
    let mut st = app.store.lock();
    let rich_text = rich_text::parse(&body["rich_text"], "body.rich_text", &st)?;
    let (parent, discussion) = match (&body["parent"], &body["discussion_id"]) {
        (serde_json::Value::Null, serde_json::Value::Null) => {
            return Err(ApiError::missing("body.parent"));
        }
        (serde_json::Value::Null, d) => {
            let d = body_id(d, "body.discussion_id")?;
            let first = st
                .comments
                .iter()
                .find(|c| c.discussion_id == d)
                .ok_or_else(|| ApiError::not_found("discussion", &d))?;
            (first.parent.clone(), Some(d))
        }
        (p, serde_json::Value::Null) => {
            let (key, kind) = if p.get("block_id").is_some() {
                ("block_id", Kind::Block)
            } else {
                ("page_id", Kind::Page)
            };
            let id = body_id(&p[key], &format!("body.parent.{key}"))?;
            if st.kind_of(&id) != Some(kind) {
                return Err(ApiError::not_found(&key[..key.len() - 3], &id));
            }
            let parent = if kind == Kind::Page {
                Parent::Page(id)
            } else {
                Parent::Block(id)
            };
            (parent, None)
        }
        _ => {
            return Err(ApiError::validation(
                "body failed validation: give either body.parent or body.discussion_id, not both.",
            ));
        }
    };
    let comment = st.add_comment(parent, discussion, rich_text, None);
    Ok(Json(st.comment_json(&comment)))
}

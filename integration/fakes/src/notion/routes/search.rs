//! `POST /v1/search`: titles matched case-insensitively; `filter` by object
//! (`page`, `data_source`; `database` before 2025-09-03); `sort` by
//! `last_edited_time`; without a sort, exact title matches come first, then titles
//! starting with the query, then the rest, each most recently edited first.

use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use serde_json::Value;

use super::{App, Reply, Version, only_keys, parse_body};
use crate::notion::error::ApiError;
use crate::notion::pagination::{PageRequest, list};

pub async fn search(
    State(app): State<App>,
    Extension(version): Extension<Version>,
    bytes: Bytes,
) -> Reply {
    let body = parse_body(&bytes)?;
    only_keys(
        &body,
        &["query", "filter", "sort", "start_cursor", "page_size"],
    )?;
    let legacy = version.legacy();
    let query = match &body["query"] {
        Value::Null => String::new(),
        Value::String(q) => q.trim().to_lowercase(),
        other => return Err(ApiError::expected("body.query", "a string", other)),
    };
    let collection = if legacy { "database" } else { "data_source" };
    let wanted = match &body["filter"] {
        Value::Null => None,
        f => {
            if f["property"] != "object" {
                return Err(ApiError::expected(
                    "body.filter.property",
                    "`\"object\"`",
                    &f["property"],
                ));
            }
            match f["value"].as_str() {
                Some(v) if v == "page" || v == collection => Some(v.to_string()),
                _ => {
                    return Err(ApiError::expected(
                        "body.filter.value",
                        &format!("`\"page\"` or `\"{collection}\"`"),
                        &f["value"],
                    ));
                }
            }
        }
    };
    let descending = match &body["sort"] {
        Value::Null => None,
        s => {
            if s["timestamp"] != "last_edited_time" {
                return Err(ApiError::expected(
                    "body.sort.timestamp",
                    "`\"last_edited_time\"`",
                    &s["timestamp"],
                ));
            }
            match s["direction"].as_str() {
                Some("ascending") => Some(false),
                Some("descending") => Some(true),
                _ => {
                    return Err(ApiError::expected(
                        "body.sort.direction",
                        "`\"ascending\"` or `\"descending\"`",
                        &s["direction"],
                    ));
                }
            }
        }
    };
    let request = PageRequest::from_body(&body)?;
    let st = app.store.lock();
    let mut ids: Vec<(String, bool)> = Vec::new();
    if wanted.as_deref().is_none_or(|w| w == "page") {
        ids.extend(st.pages.keys().map(|id| (id.clone(), true)));
    }
    if wanted.as_deref().is_none_or(|w| w == collection) {
        if legacy {
            ids.extend(st.databases.keys().map(|id| (id.clone(), false)));
        } else {
            ids.extend(st.data_sources.keys().map(|id| (id.clone(), false)));
        }
    }
    // (rank, edited, seq, id, is_page)
    let mut hits: Vec<(u8, String, u64, String, bool)> = ids
        .into_iter()
        .filter(|(id, _)| !st.in_trash(id))
        .filter_map(|(id, is_page)| {
            let title = st.title_of(&id)?.to_lowercase();
            let rank = if query.is_empty() || title == query {
                0
            } else if title.starts_with(&query) {
                1
            } else if title.contains(&query) {
                2
            } else {
                return None;
            };
            let meta = st.meta_of(&id)?;
            Some((rank, meta.edited.clone(), meta.seq, id, is_page))
        })
        .collect();
    hits.sort_by(|a, b| match descending {
        Some(true) => (&b.1, b.2).cmp(&(&a.1, a.2)),
        Some(false) => (&a.1, a.2).cmp(&(&b.1, b.2)),
        None => a.0.cmp(&b.0).then((&b.1, b.2).cmp(&(&a.1, a.2))),
    });
    let items = hits
        .into_iter()
        .map(|(_, _, _, id, is_page)| (id.clone(), (id, is_page)))
        .collect();
    let (page, next) = request.slice(items)?;
    let results = page
        .into_iter()
        .filter_map(|(id, is_page)| {
            if is_page {
                st.page_json(&id, legacy)
            } else if legacy {
                st.database_json(&id, true)
            } else {
                st.data_source_json(&id)
            }
        })
        .collect();
    let kind = if legacy {
        "page_or_database"
    } else {
        "page_or_data_source"
    };
    Ok(Json(list(results, next, kind)))
}

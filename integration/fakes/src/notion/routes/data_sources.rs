//! `GET /v1/data_sources/{id}`, `POST /v1/data_sources/{id}/query`, and the
//! database container: `GET /v1/databases/{id}`, and its legacy query
//! (2022-06-28 only; later versions answer `invalid_request_url`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde_json::Value;

use super::{App, Reply, Version, only_keys, parse_body, path_id};
use crate::notion::error::{ApiError, ApiResult};
use crate::notion::pagination::{PageRequest, list};
use crate::notion::query;
use crate::notion::store::State as Db;

pub async fn get(State(app): State<App>, Path(raw): Path<String>) -> Reply {
    let id = path_id(&raw, "data_source_id")?;
    let st = app.store.lock();
    st.data_source_json(&id)
        .map(Json)
        .ok_or_else(|| ApiError::not_found("data_source", &id))
}

/// Filters, sorts and pages the rows of a data source.
fn run_query(st: &Db, ds_id: &str, body: &Value, legacy: bool) -> ApiResult<Value> {
    only_keys(
        body,
        &[
            "filter",
            "sorts",
            "start_cursor",
            "page_size",
            "filter_properties",
            "archived",
            "in_trash",
            "result_type",
        ],
    )?;
    let ds = st
        .data_sources
        .get(ds_id)
        .ok_or_else(|| ApiError::not_found("data_source", ds_id))?;
    let filter = query::compile(&body["filter"], &ds.schema)?;
    let sorts = query::compile_sorts(&body["sorts"], &ds.schema)?;
    let request = PageRequest::from_body(body)?;
    let mut rows: Vec<Value> = ds
        .rows
        .iter()
        .filter(|id| !st.in_trash(id))
        .filter_map(|id| st.page_json(id, legacy))
        .filter(|page| filter.as_ref().is_none_or(|f| query::matches(f, page)))
        .collect();
    query::sort(&mut rows, &sorts);
    let items = rows
        .into_iter()
        .map(|p| (p["id"].as_str().unwrap_or_default().to_string(), p))
        .collect();
    let (page, next) = request.slice(items)?;
    let kind = if legacy {
        "page_or_database"
    } else {
        "page_or_data_source"
    };
    Ok(list(page, next, kind))
}

pub async fn query(
    State(app): State<App>,
    Extension(version): Extension<Version>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> Reply {
    let id = path_id(&raw, "data_source_id")?;
    let body = parse_body(&bytes)?;
    let st = app.store.lock();
    run_query(&st, &id, &body, version.legacy()).map(Json)
}

pub async fn get_database(
    State(app): State<App>,
    Extension(version): Extension<Version>,
    Path(raw): Path<String>,
) -> Reply {
    let id = path_id(&raw, "database_id")?;
    let st = app.store.lock();
    st.database_json(&id, version.legacy())
        .map(Json)
        .ok_or_else(|| ApiError::not_found("database", &id))
}

pub async fn query_database(
    State(app): State<App>,
    Extension(version): Extension<Version>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> Reply {
    if !version.legacy() {
        return Err(ApiError::invalid_url());
    }
    let id = path_id(&raw, "database_id")?;
    let body = parse_body(&bytes)?;
    let st = app.store.lock();
    let ds = st
        .databases
        .get(&id)
        .and_then(|d| d.data_sources.first().cloned())
        .ok_or_else(|| ApiError::not_found("database", &id))?;
    run_query(&st, &ds, &body, true).map(Json)
}

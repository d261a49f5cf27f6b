//! `GET /v1/users/me` (the integration's bot), `GET /v1/users`,
//! `GET /v1/users/{id}`.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};

use super::{App, Reply, path_id};
use crate::notion::error::ApiError;
use crate::notion::pagination::{PageRequest, list as list_of};

pub async fn me(State(app): State<App>) -> Reply {
    let st = app.store.lock();
    Ok(Json(st.user_json(&st.bot_id)))
}

pub async fn get(State(app): State<App>, Path(raw): Path<String>) -> Reply {
    let id = path_id(&raw, "user_id")?;
    let st = app.store.lock();
    if st.user(&id).is_none() {
        return Err(ApiError::not_found("user", &id));
    }
    Ok(Json(st.user_json(&id)))
}

pub async fn list(State(app): State<App>, Query(query): Query<HashMap<String, String>>) -> Reply {
    let request = PageRequest::from_query(&query)?;
    let st = app.store.lock();
    let items = st
        .users
        .iter()
        .map(|u| (u.id.clone(), st.user_json(&u.id)))
        .collect();
    let (page, next) = request.slice(items)?;
    Ok(Json(list_of(page, next, "user")))
}

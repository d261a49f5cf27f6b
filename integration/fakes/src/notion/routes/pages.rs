//! `POST /v1/pages`, `GET /v1/pages/{id}`, `PATCH /v1/pages/{id}`.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde_json::{Value, json};

use super::{App, Reply, Version, body_id, only_keys, parse_body, path_id};
use crate::notion::blocks::{BlockParser, Mode};
use crate::notion::error::{ApiError, ApiResult};
use crate::notion::properties;
use crate::notion::store::{Parent, State as Db};
use crate::notion::validation::{self as v};

pub async fn get(
    State(app): State<App>,
    Extension(version): Extension<Version>,
    Path(raw): Path<String>,
) -> Reply {
    let id = path_id(&raw, "page_id")?;
    let st = app.store.lock();
    st.page_json(&id, version.legacy())
        .map(Json)
        .ok_or_else(|| ApiError::not_found("page", &id))
}

/// The parent a create names: a page, a data source, a database with one data
/// source (the legacy form), or the workspace.
fn resolve_parent(st: &Db, parent: &Value) -> ApiResult<Parent> {
    let obj = v::object(parent, "body.parent")?;
    let kind = obj
        .get("type")
        .and_then(Value::as_str)
        .or_else(|| {
            ["page_id", "data_source_id", "database_id", "workspace"]
                .into_iter()
                .find(|k| obj.contains_key(*k))
        })
        .ok_or_else(|| ApiError::missing("body.parent.page_id"))?;
    let path = format!("body.parent.{kind}");
    match kind {
        "page_id" => {
            let id = body_id(&parent["page_id"], &path)?;
            if !st.pages.contains_key(&id) {
                return Err(ApiError::not_found("page", &id));
            }
            if st.in_trash(&id) {
                return Err(archived());
            }
            Ok(Parent::Page(id))
        }
        "data_source_id" => {
            let id = body_id(&parent["data_source_id"], &path)?;
            if !st.data_sources.contains_key(&id) {
                return Err(ApiError::not_found("data_source", &id));
            }
            Ok(Parent::DataSource(id))
        }
        "database_id" => {
            let id = body_id(&parent["database_id"], &path)?;
            let db = st
                .databases
                .get(&id)
                .ok_or_else(|| ApiError::not_found("database", &id))?;
            match db.data_sources.as_slice() {
                [only] => Ok(Parent::DataSource(only.clone())),
                _ => Err(ApiError::validation(format!(
                    "Database {id} has several data sources; give parent.data_source_id instead."
                ))),
            }
        }
        "workspace" => Ok(Parent::Workspace),
        other => Err(ApiError::body(
            "body.parent.type",
            format!(
                "should be `page_id`, `data_source_id`, `database_id` or `workspace`, instead was `{other}`."
            ),
        )),
    }
}

pub fn archived() -> ApiError {
    ApiError::validation(
        "Can't edit block that is archived. You must unarchive the block before editing.",
    )
}

/// A page icon: an emoji, an external image, or null.
fn icon(value: &Value) -> ApiResult<Value> {
    match value {
        Value::Null => Ok(Value::Null),
        Value::Object(o) => {
            if let Some(Value::String(e)) = o.get("emoji") {
                Ok(json!({"type": "emoji", "emoji": e}))
            } else if o.contains_key("external") {
                let url = v::url(&value["external"]["url"], "body.icon.external.url")?;
                Ok(json!({"type": "external", "external": {"url": url}}))
            } else {
                Err(ApiError::expected(
                    "body.icon",
                    "an emoji or external icon",
                    value,
                ))
            }
        }
        other => Err(ApiError::expected("body.icon", "an icon object", other)),
    }
}

pub async fn create(
    State(app): State<App>,
    Extension(version): Extension<Version>,
    bytes: Bytes,
) -> Reply {
    v::body_size(bytes.len())?;
    let body = parse_body(&bytes)?;
    only_keys(
        &body,
        &[
            "parent",
            "properties",
            "children",
            "icon",
            "cover",
            "template",
        ],
    )?;
    let mut st = app.store.lock();
    let parent = resolve_parent(&st, &body["parent"])?;
    let icon = icon(&body["icon"])?;
    let mut new_schema = None;
    let props: HashMap<String, Value> = match &parent {
        Parent::DataSource(ds) => {
            let mut schema = st.data_sources[ds].schema.clone();
            let props = properties::write_row(&st, &mut schema, &body["properties"])?;
            new_schema = Some((ds.clone(), schema));
            props
        }
        _ => properties::write_title_only(&st, &body["properties"])?
            .map(|t| HashMap::from([("title".to_string(), json!(t))]))
            .unwrap_or_default(),
    };
    let children = match &body["children"] {
        Value::Null => Vec::new(),
        c => BlockParser::new(&st, Mode::Api).children(c, "body.children", 1, "page", None)?,
    };
    if let Some((ds, schema)) = new_schema
        && let Some(d) = st.data_sources.get_mut(&ds)
    {
        d.schema = schema;
    }
    let cover = match &body["cover"] {
        Value::Null => Value::Null,
        c => {
            json!({"type": "external", "external": {"url": v::url(&c["external"]["url"], "body.cover.external.url")?}})
        }
    };
    if let Parent::Page(p) = &parent {
        st.touch(&p.clone());
    }
    let id = st.create_page(parent, props, icon, children);
    if let Some(page) = st.pages.get_mut(&id) {
        page.cover = cover;
    }
    Ok(Json(
        st.page_json(&id, version.legacy()).unwrap_or_default(),
    ))
}

pub async fn update(
    State(app): State<App>,
    Extension(version): Extension<Version>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> Reply {
    let id = path_id(&raw, "page_id")?;
    let body = parse_body(&bytes)?;
    only_keys(
        &body,
        &[
            "properties",
            "in_trash",
            "archived",
            "icon",
            "cover",
            "is_locked",
        ],
    )?;
    let mut st = app.store.lock();
    let page = st
        .pages
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("page", &id))?;
    let trash = match (&body["in_trash"], &body["archived"]) {
        (Value::Null, Value::Null) => None,
        (Value::Null, a) => Some(v::flag(a, "body.archived", false)?),
        (t, _) => Some(v::flag(t, "body.in_trash", false)?),
    };
    let editing = !body["properties"].is_null() || !body["icon"].is_null();
    if page.meta.in_trash && trash != Some(false) && editing {
        return Err(archived());
    }
    let icon = match body.get("icon") {
        Some(i) => Some(icon(i)?),
        None => None,
    };
    if !body["properties"].is_null() {
        let values = match &page.parent {
            Parent::DataSource(ds) => {
                let mut schema = st.data_sources[ds].schema.clone();
                let values = properties::write_row(&st, &mut schema, &body["properties"])?;
                if let Some(d) = st.data_sources.get_mut(ds) {
                    d.schema = schema;
                }
                values
            }
            _ => properties::write_title_only(&st, &body["properties"])?
                .map(|t| HashMap::from([("title".to_string(), json!(t))]))
                .unwrap_or_default(),
        };
        if let Some(p) = st.pages.get_mut(&id) {
            p.props.extend(values);
        }
    }
    if let Some(icon) = icon
        && let Some(p) = st.pages.get_mut(&id)
    {
        p.icon = icon;
    }
    match trash {
        Some(t) => st.set_trash(&id, t),
        None => st.touch(&id),
    }
    Ok(Json(
        st.page_json(&id, version.legacy()).unwrap_or_default(),
    ))
}

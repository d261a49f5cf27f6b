//! Gists, as GitHub documents them: the viewer's gists (`GET /gists`, secret ones
//! included, newest first, paginated with `link`), one gist with its files'
//! contents (`GET /gists/{id}`; 404 for an unknown id), and a new one (`POST /gists`
//! with `files` and optional `description` and `public`, secret by default: 201;
//! 422 when `files` is missing or empty or a file has no `content`).

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Map, Value, json};

use crate::github::GithubState;
use crate::github::model::Gist;
use crate::github::paging;
use crate::github::query::Req;
use crate::github::reply::{self, JsonObject, field_error};
use crate::github::shapes::View;
use crate::github::time::iso;

const CREATE_DOCS: &str = "https://docs.github.com/rest/gists/gists#create-a-gist";

impl View<'_> {
    /// A gist, with each file's content when `full`.
    fn gist(&self, g: &Gist, full: bool) -> Value {
        let files: Map<String, Value> = g
            .files
            .iter()
            .map(|(name, text)| {
                let mut f = json!({
                    "filename": name,
                    "type": "text/plain",
                    "language": null,
                    "raw_url": format!("{}/_gists/{}/raw/{name}", self.base, g.id),
                    "size": text.len(),
                });
                if full {
                    f["content"] = json!(text);
                    f["truncated"] = json!(false);
                }
                (name.clone(), f)
            })
            .collect();
        json!({
            "url": format!("{}/gists/{}", self.base, g.id),
            "id": g.id,
            "node_id": crate::github::shapes::node_id("G", g.created_at as u64),
            "html_url": format!("https://gist.github.com/{}", g.id),
            "files": files,
            "public": g.public,
            "created_at": iso(g.created_at),
            "updated_at": iso(g.created_at),
            "description": g.description,
            "comments": 0,
            "owner": self.user(&g.owner),
            "truncated": false,
        })
    }
}

pub async fn list(State(state): State<GithubState>, req: Req) -> Response {
    let base = state.base_url();
    let data = state.data();
    let view = View::new(&data, &base);
    let mut mine: Vec<&Gist> = data
        .gists
        .iter()
        .filter(|g| g.owner == data.viewer)
        .collect();
    mine.sort_by_key(|g| std::cmp::Reverse(g.created_at));
    let items: Vec<Value> = mine.iter().map(|g| view.gist(g, false)).collect();
    paging::list(&req, &base, &items)
}

pub async fn get(State(state): State<GithubState>, Path(id): Path<String>) -> Response {
    let base = state.base_url();
    let data = state.data();
    let view = View::new(&data, &base);
    match data.gists.iter().find(|g| g.id == id) {
        Some(g) => reply::json(&view.gist(g, true)),
        None => reply::not_found(),
    }
}

pub async fn create(State(state): State<GithubState>, JsonObject(body): JsonObject) -> Response {
    let files: Option<Vec<(String, String)>> = body
        .get("files")
        .and_then(Value::as_object)
        .filter(|f| !f.is_empty())
        .and_then(|f| {
            f.iter()
                .map(|(name, v)| Some((name.clone(), v.get("content")?.as_str()?.to_string())))
                .collect()
        });
    let Some(files) = files else {
        return reply::validation(
            CREATE_DOCS,
            vec![field_error("Gist", "files", "missing_field")],
        );
    };
    let base = state.base_url();
    let mut data = state.data();
    let id = format!("{:x}", data.fresh_id() * 7919);
    let gist = Gist {
        id,
        owner: data.viewer.clone(),
        description: body
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        public: body.get("public").and_then(Value::as_bool).unwrap_or(false),
        files,
        created_at: crate::github::time::now(),
    };
    data.gists.push(gist.clone());
    let view = View::new(&data, &base);
    reply::created(&view.gist(&gist, true))
}

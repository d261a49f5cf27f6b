//! Releases beyond the list and the latest (in `history`): one by id or by tag,
//! create and update, as GitHub documents them. Creating needs a `tag_name` (422
//! `missing_field`), refuses a tag another release has (422 `already_exists`) and
//! a `target_commitish` that names nothing (422 `invalid`); a published release
//! whose tag does not exist yet creates the tag at its target. A draft has no
//! `published_at`; publishing it (`draft: false`) stamps one.

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Map, Value};

use crate::github::GithubState;
use crate::github::model::{Release, Tag};
use crate::github::reply::{self, JsonObject, field_error};
use crate::github::routes::in_repo;
use crate::github::shapes::View;
use crate::github::time;

const CREATE_DOCS: &str = "https://docs.github.com/rest/releases/releases#create-a-release";
const UPDATE_DOCS: &str = "https://docs.github.com/rest/releases/releases#update-a-release";

pub async fn by_id(
    State(state): State<GithubState>,
    Path((owner, name, id)): Path<(String, String, String)>,
) -> Response {
    in_repo(&state, &owner, &name, |view, repo| {
        let id: u64 = id.parse().ok()?;
        let r = repo.releases.iter().find(|r| r.id == id)?;
        Some(reply::json(&view.release(repo, r)))
    })
}

pub async fn by_tag(
    State(state): State<GithubState>,
    Path((owner, name, tag)): Path<(String, String, String)>,
) -> Response {
    in_repo(&state, &owner, &name, |view, repo| {
        let r = repo
            .releases
            .iter()
            .find(|r| r.tag_name == tag && !r.draft)?;
        Some(reply::json(&view.release(repo, r)))
    })
}

/// The checked writable fields of a release body.
struct Fields {
    tag_name: Option<String>,
    target: Option<String>,
    name: Option<String>,
    body: Option<String>,
    draft: Option<bool>,
    prerelease: Option<bool>,
}

fn fields(body: &Map<String, Value>) -> Result<Fields, Vec<Value>> {
    let mut errors = Vec::new();
    let mut text = |field: &str| match reply::string_field(body, "Release", field) {
        Ok(v) => v,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let (tag_name, target, name, text_body) = (
        text("tag_name"),
        text("target_commitish"),
        text("name"),
        text("body"),
    );
    let mut flag = |field: &str| match body.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => {
            errors.push(field_error("Release", field, "invalid"));
            None
        }
    };
    let (draft, prerelease) = (flag("draft"), flag("prerelease"));
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Fields {
        tag_name,
        target,
        name,
        body: text_body,
        draft,
        prerelease,
    })
}

pub async fn create(
    State(state): State<GithubState>,
    Path((owner, name)): Path<(String, String)>,
    JsonObject(body): JsonObject,
) -> Response {
    let base = state.base_url();
    let mut data = state.data();
    let f = match fields(&body) {
        Ok(f) => f,
        Err(errors) => return reply::validation(CREATE_DOCS, errors),
    };
    let id = data.fresh_id() % 1_000_000_000 + 200_000_000;
    let viewer = data.viewer.clone();
    let Some(repo) = data.repo_mut(&owner, &name) else {
        return reply::not_found();
    };
    let Some(tag) = f.tag_name.filter(|t| !t.trim().is_empty()) else {
        return reply::validation(
            CREATE_DOCS,
            vec![field_error("Release", "tag_name", "missing_field")],
        );
    };
    if repo.releases.iter().any(|r| r.tag_name == tag) {
        return reply::validation(
            CREATE_DOCS,
            vec![field_error("Release", "tag_name", "already_exists")],
        );
    }
    let target = f.target.unwrap_or_else(|| repo.default_branch.clone());
    let Some(sha) = repo.resolve(&target).map(|r| r.sha) else {
        return reply::validation(
            CREATE_DOCS,
            vec![field_error("Release", "target_commitish", "invalid")],
        );
    };
    let draft = f.draft.unwrap_or(false);
    if !draft && !repo.tags.iter().any(|t| t.name == tag) {
        repo.tags.push(Tag {
            name: tag.clone(),
            sha,
        });
    }
    let now = time::now();
    repo.releases.push(Release {
        id,
        tag_name: tag.clone(),
        name: f.name.unwrap_or_else(|| tag.clone()),
        body: f.body.unwrap_or_default(),
        draft,
        prerelease: f.prerelease.unwrap_or(false),
        author: viewer,
        target,
        created_at: now,
        published_at: now,
    });
    let repo = data.repo(&owner, &name).expect("just written");
    let r = repo.releases.last().expect("just pushed");
    reply::created(&View::new(&data, &base).release(repo, r))
}

pub async fn update(
    State(state): State<GithubState>,
    Path((owner, name, id)): Path<(String, String, String)>,
    JsonObject(body): JsonObject,
) -> Response {
    let base = state.base_url();
    let mut data = state.data();
    let f = match fields(&body) {
        Ok(f) => f,
        Err(errors) => return reply::validation(UPDATE_DOCS, errors),
    };
    let Some(repo) = data.repo_mut(&owner, &name) else {
        return reply::not_found();
    };
    let Some(i) = id
        .parse::<u64>()
        .ok()
        .and_then(|id| repo.releases.iter().position(|r| r.id == id))
    else {
        return reply::not_found();
    };
    if let Some(tag) = &f.tag_name
        && repo
            .releases
            .iter()
            .enumerate()
            .any(|(j, r)| j != i && &r.tag_name == tag)
    {
        return reply::validation(
            UPDATE_DOCS,
            vec![field_error("Release", "tag_name", "already_exists")],
        );
    }
    let r = &mut repo.releases[i];
    if let Some(tag) = f.tag_name {
        r.tag_name = tag;
    }
    if let Some(target) = f.target {
        r.target = target;
    }
    if let Some(name) = f.name {
        r.name = name;
    }
    if let Some(text) = f.body {
        r.body = text;
    }
    if let Some(pre) = f.prerelease {
        r.prerelease = pre;
    }
    if let Some(draft) = f.draft {
        if r.draft && !draft {
            r.published_at = time::now();
        }
        r.draft = draft;
    }
    let repo = data.repo(&owner, &name).expect("just written");
    reply::json(&View::new(&data, &base).release(repo, &repo.releases[i]))
}

//! `POST /graphql`: GitHub's GraphQL API for the queries and mutations
//! github-server sends (review threads, discussions).
//!
//! A document is parsed (`graphql-parser`) and checked against the served schema
//! ([`schema`]) before it runs; errors come as GitHub gives them, a 200 with
//! `errors` (and `data` with nulls where a field failed: `NOT_FOUND`,
//! `FORBIDDEN`). Connections page with `first`/`after` (or `last`/`before`),
//! opaque cursors and `pageInfo { hasNextPage endCursor }`; `first` above 100 and
//! a list without `first` or `last` are refused as GitHub refuses them. Every
//! request costs one point of the `graphql` rate limit (counted by the guard in
//! `limits`), which `rateLimit { cost remaining resetAt }` reports. Private
//! repositories are invisible to everyone but their owner, as in REST.

mod schema;
mod store;

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{MethodRouter, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use graphql_parser::query::{Field, Selection, SelectionSet, Value};
use serde_json::{Map, Value as Json, json};

use self::schema::{SCHEMA, TypeRef, error, named};
use self::store::{Store, can_write, category_json, discussion_json, thread_json};
use crate::github::GithubState;
use crate::github::limits::Resource;
use crate::github::model::{Data, Repo};
use crate::github::{reply, time};

/// The route, with the GraphQL-only data of this fake (seeded on first use).
pub fn route() -> MethodRouter<GithubState> {
    let store: Arc<Mutex<Option<Store>>> = Arc::default();
    post(move |State(state): State<GithubState>, body: Bytes| {
        let store = store.clone();
        async move { answer(&state, &store, &body) }
    })
}

fn answer(state: &GithubState, store: &Mutex<Option<Store>>, body: &[u8]) -> Response {
    let request: Json = serde_json::from_slice(body).unwrap_or(Json::Null);
    let Some(text) = request.get("query").and_then(Json::as_str) else {
        return errors(vec![error(
            "A query attribute must be specified and must be a string.",
            "",
            None,
        )]);
    };
    let variables = request.get("variables").cloned().unwrap_or(json!({}));
    let doc = match graphql_parser::parse_query::<&str>(text) {
        Ok(doc) => doc,
        Err(e) => return errors(vec![error(format!("Parse error: {e}"), "", None)]),
    };
    let op = match schema::check(&doc, &variables) {
        Ok(op) => op,
        Err(found) => return errors(found),
    };
    let rate = {
        let info = state.limits().info(Resource::Graphql);
        json!({"__typename": "RateLimit", "cost": 1, "limit": info.limit, "nodeCount": 0,
            "remaining": info.remaining, "used": info.used, "resetAt": time::iso(info.reset)})
    };
    let base = state.base_url();
    let data = state.data();
    let mut guard = store
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let store = guard.get_or_insert_with(|| Store::seeded(&data));
    let mut exec = Exec {
        data: &data,
        store,
        base,
        variables: &variables,
        errors: Vec::new(),
        rate,
    };
    let root = json!({"__typename": op.root});
    let out = exec.select(&root, op.root, op.selection, &mut Vec::new());
    let mut body = json!({"data": out});
    if !exec.errors.is_empty() {
        body["errors"] = Json::Array(exec.errors);
    }
    reply::json(&body)
}

fn errors(list: Vec<Json>) -> Response {
    reply::json(&json!({"errors": list}))
}

/// An execution error at `path`, with GitHub's `type`.
fn failure(kind: &str, message: String, f: &F<'_>, path: &[Json]) -> Json {
    json!({"type": kind, "path": path, "locations": [{"line": f.position.line, "column": f.position.column}], "message": message})
}

fn encode_cursor(index: usize) -> String {
    STANDARD.encode(format!("cursor:v2:{index}"))
}

fn decode_cursor(text: &str) -> Option<usize> {
    let bytes = STANDARD.decode(text).ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("cursor:v2:")?
        .parse()
        .ok()
}

struct Exec<'a> {
    data: &'a Data,
    store: &'a mut Store,
    base: String,
    variables: &'a Json,
    errors: Vec<Json>,
    rate: Json,
}

type Sel<'d> = SelectionSet<'d, &'d str>;
type F<'d> = Field<'d, &'d str>;
type V<'d> = Value<'d, &'d str>;

impl Exec<'_> {
    fn value(&self, v: &V<'_>) -> Json {
        match v {
            Value::Variable(name) => self.variables.get(*name).cloned().unwrap_or(Json::Null),
            Value::Int(n) => json!(n.as_i64()),
            Value::Float(f) => json!(f),
            Value::String(s) => json!(s),
            Value::Boolean(b) => json!(b),
            Value::Null => Json::Null,
            Value::Enum(e) => json!(e),
            Value::List(items) => Json::Array(items.iter().map(|i| self.value(i)).collect()),
            Value::Object(fields) => Json::Object(
                fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), self.value(v)))
                    .collect(),
            ),
        }
    }

    fn arg(&self, f: &F<'_>, name: &str) -> Json {
        f.arguments
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(Json::Null, |(_, v)| self.value(v))
    }

    fn select(&mut self, parent: &Json, on: &str, set: &Sel<'_>, path: &mut Vec<Json>) -> Json {
        let mut out = Map::new();
        for item in &set.items {
            let Selection::Field(f) = item else { continue };
            let key = f.alias.unwrap_or(f.name).to_string();
            if f.name == "__typename" {
                out.insert(key, parent.get("__typename").cloned().unwrap_or(json!(on)));
                continue;
            }
            let Some(def) = SCHEMA.objects.get(on).and_then(|o| o.get(f.name)) else {
                continue;
            };
            path.push(json!(key));
            let value = match self.resolve(parent, on, f, path) {
                Ok(raw) => self.complete(raw, &def.ty, f, path),
                Err(e) => {
                    self.errors.push(e);
                    Json::Null
                }
            };
            path.pop();
            out.insert(key, value);
        }
        Json::Object(out)
    }

    fn complete(&mut self, raw: Json, ty: &TypeRef, f: &F<'_>, path: &mut Vec<Json>) -> Json {
        let target = named(ty);
        if raw.is_null() || !SCHEMA.objects.contains_key(target) {
            return raw;
        }
        let raw = match raw.get("__list") {
            Some(Json::Array(items)) if target.ends_with("Connection") => {
                match self.page(items, f, target, path) {
                    Ok(connection) => connection,
                    Err(e) => {
                        self.errors.push(e);
                        return Json::Null;
                    }
                }
            }
            _ => raw,
        };
        match raw {
            Json::Array(items) => Json::Array(
                items
                    .iter()
                    .map(|i| self.select(i, target, &f.selection_set, path))
                    .collect(),
            ),
            object => self.select(&object, target, &f.selection_set, path),
        }
    }

    /// One page of a connection, as `first`/`after`/`last`/`before` ask.
    fn page(
        &self,
        items: &[Json],
        f: &F<'_>,
        connection: &str,
        path: &[Json],
    ) -> Result<Json, Json> {
        let number = |name: &str| self.arg(f, name).as_i64();
        let (first, last) = (number("first"), number("last"));
        let wants_nodes =
            f.selection_set.items.iter().any(
                |s| matches!(s, Selection::Field(x) if x.name == "edges" || x.name == "nodes"),
            );
        if wants_nodes && first.is_none() && last.is_none() {
            return Err(failure(
                "MISSING_PAGINATION_BOUNDARIES",
                format!(
                    "You must provide a `first` or `last` value to properly paginate the `{}` connection.",
                    f.name
                ),
                f,
                path,
            ));
        }
        for (name, n) in [("first", first), ("last", last)] {
            if let Some(n) = n
                && !(0..=100).contains(&n)
            {
                return Err(failure(
                    "EXCESSIVE_PAGINATION",
                    format!(
                        "Requesting {n} records on the `{}` connection exceeds the `{name}` limit of 100 records.",
                        f.name
                    ),
                    f,
                    path,
                ));
            }
        }
        let position = |name: &str| -> Result<Option<usize>, Json> {
            match self.arg(f, name) {
                Json::String(c) => decode_cursor(&c).map(Some).ok_or_else(|| {
                    failure(
                        "INVALID_CURSOR_ARGUMENTS",
                        format!("`{c}` does not appear to be a valid cursor."),
                        f,
                        path,
                    )
                }),
                _ => Ok(None),
            }
        };
        let start = position("after")?.map_or(0, |p| p + 1).min(items.len());
        let end = position("before")?
            .unwrap_or(items.len())
            .clamp(start, items.len());
        let mut from = start;
        let mut to = end;
        if let Some(n) = first {
            to = to.min(from + n as usize);
        }
        if let Some(n) = last {
            from = from.max(to.saturating_sub(n as usize));
        }
        let edge_type = connection.replace("Connection", "Edge");
        let edges: Vec<Json> = (from..to)
            .map(|i| json!({"__typename": edge_type, "cursor": encode_cursor(i), "node": items[i]}))
            .collect();
        let nodes: Vec<Json> = items[from..to].to_vec();
        Ok(json!({
            "__typename": connection,
            "totalCount": items.len(),
            "pageInfo": {
                "__typename": "PageInfo",
                "hasNextPage": to < end,
                "hasPreviousPage": from > start,
                "startCursor": (from < to).then(|| encode_cursor(from)),
                "endCursor": (from < to).then(|| encode_cursor(to - 1)),
            },
            "edges": edges,
            "nodes": nodes,
        }))
    }

    /// The repository a `Repository`, `PullRequest` or thread object belongs to,
    /// when the viewer can see it.
    fn repo_of(&self, full_name: &str) -> Option<&Repo> {
        let (owner, name) = full_name.split_once('/')?;
        self.data.repo(owner, name)
    }

    fn resolve(&mut self, parent: &Json, on: &str, f: &F<'_>, path: &[Json]) -> Result<Json, Json> {
        let repo_name = parent
            .get("__repo")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string();
        let base = self.base.clone();
        let text = |v: Json| v.as_str().unwrap_or_default().to_string();
        match (on, f.name) {
            ("Query", "rateLimit") => Ok(self.rate.clone()),
            ("Query", "viewer") => Ok(
                json!({"__typename": "User", "login": self.data.viewer, "id": format!("U_{}", self.data.viewer), "url": format!("{base}/{}", self.data.viewer)}),
            ),
            ("Query", "repository") => {
                let (owner, name) = (text(self.arg(f, "owner")), text(self.arg(f, "name")));
                let repo = self.data.repo(&owner, &name).ok_or_else(|| {
                    failure(
                        "NOT_FOUND",
                        format!(
                            "Could not resolve to a Repository with the name '{owner}/{name}'."
                        ),
                        f,
                        path,
                    )
                })?;
                Ok(
                    json!({"__typename": "Repository", "__repo": repo.full_name(), "id": format!("R_kgDOFake{}", repo.id),
                    "name": repo.name, "nameWithOwner": repo.full_name(), "isPrivate": repo.private,
                    "url": format!("{base}/{}", repo.full_name())}),
                )
            }
            ("Repository", "pullRequest") => {
                let number = self.arg(f, "number").as_u64().unwrap_or_default();
                let issue = self
                    .repo_of(&repo_name)
                    .and_then(|r| r.issues.get(&number))
                    .filter(|i| i.pull.is_some())
                    .ok_or_else(|| {
                        failure(
                            "NOT_FOUND",
                            format!(
                                "Could not resolve to a PullRequest with the number of {number}."
                            ),
                            f,
                            path,
                        )
                    })?;
                Ok(
                    json!({"__typename": "PullRequest", "__repo": repo_name, "id": format!("PR_kwDOFake{}", issue.id),
                    "number": number, "title": issue.title, "url": format!("{base}/{repo_name}/pull/{number}")}),
                )
            }
            ("PullRequest", "reviewThreads") => {
                let number = parent
                    .get("number")
                    .and_then(Json::as_u64)
                    .unwrap_or_default();
                let repo = self
                    .repo_of(&repo_name)
                    .ok_or_else(|| failure("NOT_FOUND", "Repository not found".into(), f, path))?;
                let list: Vec<Json> = self
                    .store
                    .threads
                    .iter()
                    .filter(|t| t.repo == repo_name && t.pull == number)
                    .map(|t| thread_json(self.data, repo, t, &base))
                    .collect();
                Ok(json!({"__list": list}))
            }
            ("Repository", "discussionCategories") => {
                let list: Vec<Json> = self
                    .store
                    .categories
                    .iter()
                    .filter(|c| c.repo == repo_name)
                    .map(category_json)
                    .collect();
                Ok(json!({"__list": list}))
            }
            ("Repository", "discussions") => {
                let repo = self
                    .repo_of(&repo_name)
                    .ok_or_else(|| failure("NOT_FOUND", "Repository not found".into(), f, path))?;
                let category = self.arg(f, "categoryId");
                let answered = self.arg(f, "answered").as_bool();
                let mut list: Vec<_> = self
                    .store
                    .discussions
                    .iter()
                    .filter(|d| d.repo == repo_name)
                    .filter(|d| category.as_str().is_none_or(|c| d.category == c))
                    .filter(|d| answered.is_none_or(|a| d.answer.is_some() == a))
                    .collect();
                list.sort_by_key(|d| std::cmp::Reverse(d.updated_at));
                let list: Vec<Json> = list
                    .into_iter()
                    .map(|d| discussion_json(self.store, self.data, repo, d, &base))
                    .collect();
                Ok(json!({"__list": list}))
            }
            ("Repository", "discussion") => {
                let number = self.arg(f, "number").as_u64().unwrap_or_default();
                let repo = self
                    .repo_of(&repo_name)
                    .ok_or_else(|| failure("NOT_FOUND", "Repository not found".into(), f, path))?;
                self.store
                    .discussions
                    .iter()
                    .find(|d| d.repo == repo_name && d.number == number)
                    .map(|d| discussion_json(self.store, self.data, repo, d, &base))
                    .ok_or_else(|| {
                        failure(
                            "NOT_FOUND",
                            format!(
                                "Could not resolve to a Discussion with the number of {number}."
                            ),
                            f,
                            path,
                        )
                    })
            }
            ("Mutation", name) => self.mutate(name, f, path),
            _ => Ok(parent.get(f.name).cloned().unwrap_or(Json::Null)),
        }
    }

    /// The three mutations: reply to, resolve and unresolve a review thread.
    fn mutate(&mut self, name: &str, f: &F<'_>, path: &[Json]) -> Result<Json, Json> {
        let input = self.arg(f, "input");
        let field = if name == "addPullRequestReviewThreadReply" {
            "pullRequestReviewThreadId"
        } else {
            "threadId"
        };
        let id = input
            .get(field)
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string();
        let not_found = || {
            failure(
                "NOT_FOUND",
                format!("Could not resolve to a node with the global id of '{id}'"),
                f,
                path,
            )
        };
        let index = self
            .store
            .threads
            .iter()
            .position(|t| t.id == id)
            .ok_or_else(not_found)?;
        let repo_name = self.store.threads[index].repo.clone();
        let data: &Data = self.data;
        let repo = repo_name
            .split_once('/')
            .and_then(|(owner, name)| data.repo(owner, name))
            .ok_or_else(not_found)?;
        let base = self.base.clone();
        let client_id = input.get("clientMutationId").cloned().unwrap_or(Json::Null);
        let viewer = data.viewer.clone();
        match name {
            "addPullRequestReviewThreadReply" => {
                let body = input.get("body").and_then(Json::as_str).unwrap_or_default();
                if body.trim().is_empty() {
                    return Err(failure(
                        "UNPROCESSABLE",
                        "Body can't be blank".into(),
                        f,
                        path,
                    ));
                }
                let note = self.store.reply(index, &viewer, body);
                let thread = thread_json(data, repo, &self.store.threads[index], &base);
                let comment = thread["comments"]["__list"]
                    .as_array()
                    .and_then(|c| c.iter().find(|c| c["id"] == note.id.as_str()))
                    .cloned()
                    .unwrap_or(Json::Null);
                Ok(json!({"clientMutationId": client_id, "comment": comment}))
            }
            _ => {
                if !can_write(data, repo) {
                    let action = if name == "resolveReviewThread" {
                        "ResolveReviewThread"
                    } else {
                        "UnresolveReviewThread"
                    };
                    return Err(failure(
                        "FORBIDDEN",
                        format!(
                            "{viewer} does not have the correct permissions to execute `{action}`"
                        ),
                        f,
                        path,
                    ));
                }
                self.store.threads[index].resolved_by =
                    (name == "resolveReviewThread").then_some(viewer);
                let thread = thread_json(data, repo, &self.store.threads[index], &base);
                Ok(json!({"clientMutationId": client_id, "thread": thread}))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn ask(
        state: &GithubState,
        store: &Mutex<Option<Store>>,
        query: &str,
        variables: Json,
    ) -> Json {
        let body = json!({"query": query, "variables": variables}).to_string();
        let response = answer(state, store, body.as_bytes());
        assert_eq!(response.status(), 200, "GraphQL answers errors with a 200");
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    const THREADS: &str = "query($first: Int!, $after: String) { repository(owner: \"octo-demo\", name: \"hello-world\") { pullRequest(number: 13) { reviewThreads(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id isResolved } } } } }";

    #[tokio::test]
    async fn connections_page_with_first_and_after_and_refuse_more_than_100() {
        let (state, store) = (GithubState::demo(), Mutex::new(None));
        let first = ask(&state, &store, THREADS, json!({"first": 2})).await;
        let threads = &first["data"]["repository"]["pullRequest"]["reviewThreads"];
        assert_eq!(threads["nodes"].as_array().unwrap().len(), 2);
        assert_eq!(threads["pageInfo"]["hasNextPage"], true);
        let total = threads["totalCount"].as_u64().unwrap();
        let after = threads["pageInfo"]["endCursor"].clone();
        let rest = ask(
            &state,
            &store,
            THREADS,
            json!({"first": 100, "after": after}),
        )
        .await;
        let rest = &rest["data"]["repository"]["pullRequest"]["reviewThreads"];
        assert_eq!(rest["nodes"].as_array().unwrap().len() as u64, total - 2);
        assert_eq!(rest["pageInfo"]["hasNextPage"], false);

        let over = ask(&state, &store, THREADS, json!({"first": 101})).await;
        assert_eq!(over["errors"][0]["type"], "EXCESSIVE_PAGINATION");
        assert!(over["data"]["repository"]["pullRequest"]["reviewThreads"].is_null());
        let unbounded = ask(
            &state,
            &store,
            "{ repository(owner: \"octo-demo\", name: \"hello-world\") { discussions { nodes { id } } } }",
            json!({}),
        )
        .await;
        assert_eq!(
            unbounded["errors"][0]["type"],
            "MISSING_PAGINATION_BOUNDARIES"
        );
    }

    #[tokio::test]
    async fn missing_and_private_repositories_are_not_found_in_githubs_shape() {
        let (state, store) = (GithubState::demo(), Mutex::new(None));
        let q = "query($o: String!, $n: String!) { repository(owner: $o, name: $n) { id } rateLimit { cost remaining } }";
        let hidden = ask(
            &state,
            &store,
            q,
            json!({"o": "alice", "n": "alice-private"}),
        )
        .await;
        assert_eq!(hidden["data"]["repository"], Json::Null);
        assert_eq!(hidden["errors"][0]["type"], "NOT_FOUND");
        assert_eq!(hidden["errors"][0]["path"], json!(["repository"]));
        assert!(
            hidden["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("alice/alice-private")
        );
        assert_eq!(hidden["data"]["rateLimit"]["cost"], 1);
        let invalid = ask(
            &state,
            &store,
            "{ repository(owner: 1, name: \"x\") { id } }",
            json!({}),
        )
        .await;
        assert!(
            invalid.get("data").is_none(),
            "a document that fails the checks does not run"
        );
        assert!(
            invalid["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("owner")
        );
    }
}

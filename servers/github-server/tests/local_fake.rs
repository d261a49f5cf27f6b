//! github-server's tools end to end, over an in-process MCP connection, against a tiny
//! GitHub stand-in on 127.0.0.1 (no outside network): link pagination with cursors,
//! pull requests left out of issues, the raw diff media type, the logs redirect,
//! write outcomes, and bounded outputs.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use github_server::api::Api;
use github_server::server::GithubServer;
use github_server::toolsets::Selection;
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use serde_json::{Value, json};
use shared::upstream::UpstreamClient;

const ISSUES: u64 = 250;

#[derive(Clone)]
struct Fake {
    base: String,
    hits: Arc<AtomicUsize>,
}

async fn issues(State(fake): State<Fake>, Query(q): Query<HashMap<String, String>>) -> Response {
    fake.hits.fetch_add(1, Ordering::SeqCst);
    let per: u64 = q.get("per_page").and_then(|p| p.parse().ok()).unwrap_or(30);
    let page: u64 = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let items: Vec<Value> = ((page - 1) * per + 1..=(page * per).min(ISSUES))
        .map(|n| {
            let mut issue = json!({"number": n, "title": format!("Issue {n}"), "state": "open",
                "user": {"login": "alice", "id": 1, "avatar_url": "https://x"}, "labels": [],
                "body": "not listed", "node_id": "MDU6SXNzdWUx"});
            if n % 4 == 0 {
                issue["pull_request"] = json!({"url": "https://x"});
            }
            issue
        })
        .collect();
    let mut headers = HeaderMap::new();
    if page * per < ISSUES {
        let link = format!(
            "<{}/repos/o/r/issues?per_page={per}&page={}>; rel=\"next\"",
            fake.base,
            page + 1
        );
        headers.insert(header::LINK, link.parse().unwrap());
    }
    (headers, axum::Json(Value::Array(items))).into_response()
}

async fn pull(headers: HeaderMap, Path(n): Path<u64>) -> Response {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .unwrap_or_default();
    if accept == "application/vnd.github.diff" {
        let diff: String = (0..500)
            .map(|i| format!("diff --git a/f{i}.rs b/f{i}.rs\n--- a/f{i}.rs\n+++ b/f{i}.rs\n@@ -1 +1 @@\n-a\n+b\n"))
            .collect();
        return diff.into_response();
    }
    axum::Json(
        json!({"number": n, "title": "PR", "state": "open", "body": "b".repeat(10_000),
        "head": {"ref": "f", "sha": "abc"}, "base": {"ref": "main", "sha": "def"}}),
    )
    .into_response()
}

async fn create_issue(axum::Json(body): axum::Json<Value>) -> Response {
    if body["title"] == "dup" {
        let error = json!({"message": "Validation Failed", "errors": [{"resource": "Issue", "field": "title", "code": "invalid"}]});
        return (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(error)).into_response();
    }
    let issue = json!({"number": 251, "title": body["title"], "state": "open",
        "labels": body["labels"].as_array().cloned().unwrap_or_default().iter().map(|l| json!({"name": l})).collect::<Vec<_>>(),
        "html_url": "https://github.com/o/r/issues/251"});
    (StatusCode::CREATED, axum::Json(issue)).into_response()
}

async fn start_fake() -> Fake {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let fake = Fake {
        base: format!("http://{}", listener.local_addr().unwrap()),
        hits: Arc::new(AtomicUsize::new(0)),
    };
    let logs: String = (1..=1000)
        .map(|i| format!("2025-03-01T10:00:00.0000000Z line {i}\n"))
        .collect();
    let app = Router::new()
        .route("/repos/o/r/issues", get(issues).post(create_issue))
        .route("/repos/o/r/pulls/{n}", get(pull))
        .route(
            "/repos/o/r/actions/jobs/7/logs",
            get(|| async { Redirect::to("/blobs/job-7.txt") }),
        )
        .route("/blobs/job-7.txt", get(move || async move { logs }))
        .with_state(fake.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    fake
}

/// An MCP client connected in process to a github-server for the fake.
async fn connect(
    fake: &Fake,
    toolsets: &[&str],
    write: bool,
    max_output: usize,
) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
    let sets: Vec<String> = toolsets.iter().map(|s| s.to_string()).collect();
    let selection = Selection::resolve(&sets, &[], write).unwrap();
    let client = UpstreamClient::new(github_server::upstream::config(
        fake.base.clone(),
        Some("t0ken".into()),
    ))
    .unwrap();
    let server = GithubServer::new(Api::new(client, max_output), &selection);
    let (server_io, client_io) = tokio::io::duplex(1 << 20);
    tokio::spawn(async move {
        let running = shared::observe::Observed::new(server)
            .serve(server_io)
            .await
            .unwrap();
        let _ = running.waiting().await;
    });
    ().serve(client_io).await.unwrap()
}

async fn call(
    client: &rmcp::service::RunningService<rmcp::RoleClient, ()>,
    tool: &'static str,
    args: Value,
) -> (bool, String) {
    let result = client
        .call_tool(
            CallToolRequestParams::new(tool).with_arguments(args.as_object().unwrap().clone()),
        )
        .await
        .unwrap();
    let text = result.content[0].as_text().unwrap().text.clone();
    (result.is_error == Some(true), text)
}

#[tokio::test]
async fn list_issues_pages_with_cursors_skipping_pull_requests() {
    let fake = start_fake().await;
    let client = connect(&fake, &[], false, 6000).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut calls = 0;
    loop {
        let mut args = json!({"owner": "o", "repo": "r", "limit": "200"});
        if let Some(c) = &cursor {
            args["cursor"] = json!(c);
        }
        let (error, text) = call(&client, "list_issues", args).await;
        assert!(!error, "{text}");
        assert!(text.len() <= 6000, "output of {} bytes", text.len());
        let v: Value = serde_json::from_str(&text).unwrap();
        seen.extend(
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["number"].as_u64().unwrap()),
        );
        calls += 1;
        if v["more"] == false {
            break;
        }
        cursor = Some(v["cursor"].as_str().unwrap().to_string());
        assert!(calls < 50);
    }
    let expected: Vec<u64> = (1..=ISSUES).filter(|n| n % 4 != 0).collect();
    assert_eq!(
        seen, expected,
        "every issue exactly once, in order, no pull requests"
    );
    assert!(calls >= 3, "the byte bound should have split the listing");
    let (error, text) = call(
        &client,
        "list_issues",
        json!({"owner": "o", "repo": "r", "cursor": "/repos/o/r/pulls?page=2"}),
    )
    .await;
    assert!(error && text.contains("invalid cursor"), "{text}");
}

#[tokio::test]
async fn diff_logs_and_bodies_are_cut_with_a_way_on() {
    let fake = start_fake().await;
    let client = connect(&fake, &["all"], false, 60_000).await;
    let (_, diff) = call(
        &client,
        "get_pull_request_diff",
        json!({"owner": "o", "repo": "r", "pull_number": 1, "max_bytes": 2000}),
    )
    .await;
    assert!(diff.starts_with("[diff of #1: "), "{diff}");
    assert!(
        diff.contains("\ndiff --git a/f0.rs b/f0.rs\n"),
        "raw text, not JSON: {diff}"
    );
    assert!(diff.contains("with offset="), "{diff}");
    let (_, pr) = call(
        &client,
        "get_pull_request",
        json!({"owner": "o", "repo": "r", "pull_number": 1}),
    )
    .await;
    let pr: Value = serde_json::from_str(&pr).unwrap();
    assert!(
        pr["body"].as_str().unwrap().contains("body_offset=4000"),
        "{pr}"
    );
    let (error, logs) = call(
        &client,
        "get_job_logs",
        json!({"owner": "o", "repo": "r", "job_id": 7, "tail_lines": 3}),
    )
    .await;
    assert!(!error, "{logs}");
    assert!(logs.ends_with("line 998\nline 999\nline 1000\n"), "{logs}");
}

#[tokio::test]
async fn writes_exist_only_when_allowed_and_report_refusals() {
    let fake = start_fake().await;
    let read_only = connect(&fake, &["issues"], false, 60_000).await;
    let names: Vec<String> = read_only
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    assert!(!names.iter().any(|n| n == "create_issue"), "{names:?}");
    let writable = connect(&fake, &["issues"], true, 60_000).await;
    let (error, text) = call(
        &writable,
        "create_issue",
        json!({"owner": "o", "repo": "r", "title": "New", "labels": "[\"bug\"]"}),
    )
    .await;
    assert!(!error, "{text}");
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["labels"],
        json!(["bug"])
    );
    let (error, text) = call(
        &writable,
        "create_issue",
        json!({"owner": "o", "repo": "r", "title": "dup"}),
    )
    .await;
    assert!(
        error && text.contains("(422)") && !text.contains("t0ken"),
        "{text}"
    );
}

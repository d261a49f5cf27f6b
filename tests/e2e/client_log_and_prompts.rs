//! What a client sees beyond tools: log messages (`notifications/message`) only when it
//! asked for them (a 2025-11-25 session with `logging/setLevel`, a 2026-07-28 request
//! with `_meta` logLevel), the servers' prompts, and -32601 for anything a server
//! does not declare.

use e2e::abuse::McpHttp;
use e2e::{HttpServer, RawStdio};
use fake_apis::faults::FaultPlan;
use fake_apis::github::DEMO_TOKEN;
use serde_json::{Value, json};

const LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";

fn read_outside(id: i64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": "read_text_file", "arguments": {"path": "/etc/passwd"}}})
}

fn log_messages(seen: &[Value]) -> Vec<&Value> {
    seen.iter()
        .filter(|m| m["method"] == "notifications/message")
        .collect()
}

/// Calls a tool on the HTTP server at `base` the 2026-07-28 way, asking for log
/// messages from `level` on; returns the one log message's params and the response.
async fn call_with_one_log_message(base: &str, call: Value, level: &str) -> (Value, Value) {
    let (_, messages) = McpHttp::new(base)
        .stateless_messages(1, "tools/call", call, json!({LOG_LEVEL: level}))
        .await
        .unwrap();
    let logs = log_messages(&messages);
    assert_eq!(logs.len(), 1, "{messages:?}");
    (logs[0]["params"].clone(), messages.last().unwrap().clone())
}

#[test]
fn a_session_gets_log_messages_only_at_or_above_the_level_it_set() {
    let root = tempfile::tempdir().unwrap();
    let mut raw = RawStdio::start("fs-server", &[root.path().to_str().unwrap()]);

    raw.send(read_outside(1));
    let refused = raw.wait_for_id(1);
    assert_eq!(refused["result"]["isError"], true, "{refused}");
    assert!(
        log_messages(&raw.seen).is_empty(),
        "no level was asked for: {:?}",
        raw.seen
    );

    raw.send(
        json!({"jsonrpc": "2.0", "id": 2, "method": "logging/setLevel",
        "params": {"level": "warning"}}),
    );
    assert_eq!(raw.wait_for_id(2)["result"], json!({}));
    raw.send(read_outside(3));
    raw.wait_for_id(3);
    let messages = log_messages(&raw.seen);
    assert_eq!(messages.len(), 1, "{messages:?}");
    let params = &messages[0]["params"];
    assert_eq!(params["level"], "warning");
    assert_eq!(params["logger"], "fs");
    let text = params["data"].as_str().unwrap();
    assert!(
        text.contains("/etc/passwd") && text.contains("refused"),
        "{text}"
    );

    raw.send(
        json!({"jsonrpc": "2.0", "id": 4, "method": "logging/setLevel",
        "params": {"level": "error"}}),
    );
    raw.wait_for_id(4);
    raw.send(read_outside(5));
    raw.wait_for_id(5);
    assert_eq!(
        log_messages(&raw.seen).len(),
        1,
        "a warning is below the error level"
    );
}

#[tokio::test]
async fn a_stateless_request_gets_log_messages_only_when_its_meta_asks() {
    let root = tempfile::tempdir().unwrap();
    let server = HttpServer::start("fs-server", &[root.path().to_str().unwrap()], &[]);
    let client = McpHttp::new(&server.base);
    let params = json!({"name": "read_text_file", "arguments": {"path": "/etc/passwd"}});

    let (status, messages) = client
        .stateless_messages(1, "tools/call", params.clone(), json!({}))
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert!(log_messages(&messages).is_empty(), "{messages:?}");

    let (_, messages) = client
        .stateless_messages(2, "tools/call", params, json!({LOG_LEVEL: "debug"}))
        .await
        .unwrap();
    let logs = log_messages(&messages);
    assert_eq!(logs.len(), 1, "{messages:?}");
    assert!(
        logs[0]["params"]["data"]
            .as_str()
            .unwrap()
            .contains("refused /etc/passwd")
    );
    let response = messages.last().unwrap();
    assert_eq!(
        response["id"], 2,
        "the log message comes before the response"
    );
}

#[tokio::test]
async fn an_upstream_retry_is_told_to_a_client_that_asked() {
    let fake = e2e::fake_github_on_own_thread();
    let server = HttpServer::start(
        "github-server",
        &["--api-url", &fake.base_url],
        &[("GITHUB_TOKEN", DEMO_TOKEN)],
    );
    fake.faults.set_plan(FaultPlan {
        rate_limit_next: 1,
        retry_after_secs: 1,
        ..FaultPlan::default()
    });
    let (log, response) = call_with_one_log_message(
        &server.base,
        json!({"name": "get_me", "arguments": {}}),
        "warning",
    )
    .await;
    let text = log["data"].as_str().unwrap();
    assert!(
        text.contains("GET /user") && text.contains("retrying"),
        "{text}"
    );
    assert!(
        !text.contains(DEMO_TOKEN),
        "no secret in a log message: {text}"
    );
    let result = &response["result"];
    assert_ne!(result["isError"], true, "the retry succeeded: {result}");
}

/// Sends `method` with `params` and returns the response.
fn ask(raw: &mut RawStdio, id: i64, method: &str, params: Value) -> Value {
    raw.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
    raw.wait_for_id(id)
}

#[test]
fn every_server_offers_a_prompt_that_fills_in_its_arguments() {
    let root = tempfile::tempdir().unwrap();
    let mut fs = RawStdio::start("fs-server", &[root.path().to_str().unwrap()]);
    let listed = ask(&mut fs, 1, "prompts/list", json!({}));
    assert_eq!(listed["result"]["prompts"][0]["name"], "explore_folder");
    let got = ask(
        &mut fs,
        2,
        "prompts/get",
        json!({"name": "explore_folder", "arguments": {"question": "Where is main?"}}),
    );
    let text = got["result"]["messages"][0]["content"]["text"]
        .as_str()
        .unwrap();
    assert!(text.starts_with("My question: Where is main?"), "{text}");
    assert!(
        text.contains(&root.path().canonicalize().unwrap().display().to_string()),
        "{text}"
    );
    let unknown = ask(&mut fs, 3, "prompts/get", json!({"name": "nope"}));
    assert_eq!(unknown["error"]["code"], -32602);
    assert!(
        unknown["error"]["message"]
            .as_str()
            .unwrap()
            .contains("explore_folder")
    );

    let mut github = RawStdio::start("github-server", &["--api-url", "http://127.0.0.1:9"]);
    let missing = ask(
        &mut github,
        1,
        "prompts/get",
        json!({"name": "review_pull_request", "arguments": {"owner": "o", "repo": "r"}}),
    );
    assert_eq!(missing["error"]["code"], -32602);
    let message = missing["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("`pull_number`") && message.contains("Example"),
        "{message}"
    );
    let got = ask(
        &mut github,
        2,
        "prompts/get",
        json!({"name": "review_pull_request",
            "arguments": {"owner": "o", "repo": "r", "pull_number": "7"}}),
    );
    let text = got["result"]["messages"][0]["content"]["text"]
        .as_str()
        .unwrap();
    assert!(text.contains("o/r#7"), "{text}");

    let mut notion = RawStdio::start("notion-server", &[]);
    let listed = ask(&mut notion, 1, "prompts/list", json!({}));
    assert_eq!(listed["result"]["prompts"][0]["name"], "summarize_page");
    let got = ask(
        &mut notion,
        2,
        "prompts/get",
        json!({"name": "summarize_page", "arguments": {"page": "abc"}}),
    );
    assert!(
        got["result"]["messages"][0]["content"]["text"]
            .as_str()
            .unwrap()
            .contains(r#"{"page_id": "abc"}"#)
    );
}

#[test]
fn what_a_server_does_not_declare_is_method_not_found() {
    // github-server with only the repos toolset: no prompt (its tools are not
    // selected) and no resources, so neither is declared nor answered.
    let mut raw = RawStdio::start(
        "github-server",
        &["--api-url", "http://127.0.0.1:9", "--toolsets", "repos"],
    );
    let init = raw.seen[0].clone();
    let capabilities = &init["result"]["capabilities"];
    assert!(capabilities.get("prompts").is_none(), "{capabilities}");
    assert!(capabilities.get("resources").is_none(), "{capabilities}");
    assert!(capabilities.get("logging").is_some(), "{capabilities}");
    for (id, method) in [
        (1, "prompts/list"),
        (2, "resources/list"),
        (3, "resources/templates/list"),
        (4, "completion/complete"),
    ] {
        let params = if method == "completion/complete" {
            json!({"ref": {"type": "ref/prompt", "name": "x"}, "argument": {"name": "a", "value": ""}})
        } else {
            json!({})
        };
        let answer = ask(&mut raw, id, method, params);
        assert_eq!(answer["error"]["code"], -32601, "{method}: {answer}");
    }
}

#[tokio::test]
async fn a_query_cut_at_the_row_cap_is_told_to_a_client_that_asked() {
    let (_dir, url) = e2e::abuse::empty_sqlite();
    let server = HttpServer::start("sql-server", &["--url", &url], &[]);
    let sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10) SELECT i FROM n";
    let (log, _) = call_with_one_log_message(
        &server.base,
        json!({"name": "query", "arguments": {"sql": sql, "max_rows": 3}}),
        "notice",
    )
    .await;
    let text = log["data"].as_str().unwrap();
    assert!(text.contains("cut at the 3-row cap"), "{text}");
    assert_eq!(log["logger"], "sql");
}

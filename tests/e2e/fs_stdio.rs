//! fs-server over stdio, driven by rmcp's client and by raw JSON-RPC lines.

use e2e::{Fixture, RawStdio, call, make_many_files, stdio_client, text_of};
use serde_json::json;

const TOOLS: [&str; 9] = [
    "directory_tree",
    "get_file_info",
    "grep",
    "list_directory",
    "list_roots",
    "read_media_file",
    "read_multiple_files",
    "read_text_file",
    "search_files",
];

#[tokio::test]
async fn lists_every_read_tool_annotated_read_only() {
    let fx = Fixture::new();
    let client = stdio_client("fs-server", &[fx.root().to_str().unwrap()]).await;
    let tools = client.list_all_tools().await.unwrap();
    let mut names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    names.sort();
    assert_eq!(names, TOOLS);
    for tool in &tools {
        let a = tool
            .annotations
            .as_ref()
            .unwrap_or_else(|| panic!("{} has no annotations", tool.name));
        assert_eq!(a.read_only_hint, Some(true), "{}", tool.name);
        assert_eq!(a.destructive_hint, Some(false), "{}", tool.name);
        assert_eq!(a.open_world_hint, Some(false), "{}", tool.name);
        let description = tool.description.as_deref().unwrap_or("");
        assert!(
            description.len() > 40,
            "{} needs a real description",
            tool.name
        );
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn reads_text_and_refuses_escapes() {
    let fx = Fixture::new();
    let root = fx.root();
    let client = stdio_client("fs-server", &[root.to_str().unwrap()]).await;

    let r = call(&client, "read_text_file", json!({"path": "hello.txt"})).await;
    assert_ne!(r.is_error, Some(true));
    assert!(text_of(&r).contains("second line é€😀"), "{}", text_of(&r));

    let abs = root.join("hello.txt");
    let r = call(&client, "read_text_file", json!({"path": abs, "tail": 1})).await;
    assert!(text_of(&r).contains("third line"));
    assert!(!text_of(&r).contains("hello world"));

    for escape in [
        "../outside/secret.txt".to_string(),
        fx.path("outside/secret.txt").display().to_string(),
        fx.path("root-evil/secret.txt").display().to_string(),
        "src/../../outside/secret.txt".to_string(),
    ] {
        let r = call(&client, "read_text_file", json!({"path": escape})).await;
        assert_eq!(r.is_error, Some(true), "{escape} must be refused");
        let text = text_of(&r);
        assert!(!text.contains("SECRET"), "{escape} leaked: {text}");
    }
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn grep_and_search_respect_gitignore() {
    let fx = Fixture::new();
    let client = stdio_client("fs-server", &[fx.root().to_str().unwrap()]).await;
    let r = call(&client, "grep", json!({"pattern": "needle"})).await;
    let text = text_of(&r);
    assert!(text.contains("main.rs"), "{text}");
    assert!(
        !text.contains("skip.txt"),
        "gitignored file searched: {text}"
    );

    let r = call(
        &client,
        "grep",
        json!({"pattern": "needle", "respect_gitignore": false}),
    )
    .await;
    assert!(text_of(&r).contains("skip.txt"), "{}", text_of(&r));

    let r = call(&client, "search_files", json!({"pattern": "*.txt"})).await;
    let text = text_of(&r);
    assert!(
        text.contains("hello.txt") && !text.contains("skip.txt"),
        "{text}"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn malformed_requests_are_json_rpc_errors_and_domain_failures_are_tool_errors() {
    let fx = Fixture::new();
    let mut raw = RawStdio::start("fs-server", &[fx.root().to_str().unwrap()]);
    raw.send(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "no_such_tool", "arguments": {}}}));
    let r = raw.wait_for_id(1);
    assert!(
        r.get("error").is_some(),
        "unknown tool must be a JSON-RPC error: {r}"
    );

    raw.send(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"arguments": {"path": "hello.txt"}}}));
    let r = raw.wait_for_id(2);
    assert!(
        r.get("error").is_some(),
        "a call without a tool name must be a JSON-RPC error: {r}"
    );

    // Arguments that do not fit the schema are input-validation failures: per the
    // 2025-11-25 spec (SEP-1303) they come back as tool errors the model can correct.
    raw.send(json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call",
        "params": {"name": "read_text_file", "arguments": {"path": 42}}}));
    let r = raw.wait_for_id(4);
    assert_eq!(r["result"]["isError"], true, "{r}");
    assert_eq!(
        r["result"]["content"][0]["text"],
        "Argument `path` must be a string (got the number 42). Example: {\"path\":\"42\"}",
        "{r}"
    );

    raw.send(json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": {"name": "read_text_file", "arguments": {"path": "missing.txt"}}}));
    let r = raw.wait_for_id(3);
    assert_eq!(r["result"]["isError"], true, "{r}");
    let message = r["result"]["content"][0]["text"].as_str().unwrap();
    assert!(message.contains("not found"), "{message}");
}

#[tokio::test]
async fn long_walks_report_progress_and_obey_cancellation() {
    let fx = Fixture::new();
    make_many_files(&fx.path("root/many"), 6_000, "nothing to see\n");
    let mut raw = RawStdio::start("fs-server", &[fx.root().to_str().unwrap()]);

    raw.send(
        json!({"jsonrpc": "2.0", "id": 10, "method": "tools/call", "params": {
        "name": "grep", "arguments": {"pattern": "absent-pattern"},
        "_meta": {"progressToken": "p1"}}}),
    );
    let response = raw.wait_for_id(10);
    assert!(response.get("result").is_some(), "{response}");
    let progress: Vec<f64> = raw
        .notifications("notifications/progress")
        .iter()
        .map(|n| n["params"]["progress"].as_f64().unwrap())
        .collect();
    assert!(!progress.is_empty(), "no progress for a 6,000-file grep");
    assert!(
        progress.windows(2).all(|w| w[0] < w[1]),
        "progress must increase: {progress:?}"
    );
    let response_index = raw.seen.iter().position(|v| v["id"] == 10).unwrap();
    assert!(
        raw.seen[response_index + 1..]
            .iter()
            .all(|v| v["method"] != "notifications/progress"),
        "progress after the response"
    );

    // Cancel a walk right away: the server must stay responsive afterwards.
    raw.send(json!({"jsonrpc": "2.0", "id": 11, "method": "tools/call", "params": {
        "name": "directory_tree", "arguments": {"path": ".", "max_depth": 20, "max_entries": 5000}}}));
    raw.send(
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
        "params": {"requestId": 11, "reason": "test"}}),
    );
    raw.send(json!({"jsonrpc": "2.0", "id": 12, "method": "ping"}));
    let pong = raw.wait_for_id(12);
    assert!(pong.get("result").is_some(), "{pong}");
}

#[tokio::test]
async fn file_resources_are_served_through_the_template() {
    let fx = Fixture::new();
    let mut raw = RawStdio::start("fs-server", &[fx.root().to_str().unwrap()]);
    raw.send(json!({"jsonrpc": "2.0", "id": 1, "method": "resources/templates/list"}));
    let r = raw.wait_for_id(1);
    assert_eq!(
        r["result"]["resourceTemplates"][0]["uriTemplate"], "file:///{+path}",
        "{r}"
    );

    let uri = format!("file://{}", fx.path("root/src/main.rs").display());
    raw.send(
        json!({"jsonrpc": "2.0", "id": 2, "method": "resources/read", "params": {"uri": uri}}),
    );
    let r = raw.wait_for_id(2);
    let contents = &r["result"]["contents"][0];
    assert_eq!(contents["mimeType"], "text/x-rust", "{r}");
    assert!(contents["text"].as_str().unwrap().contains("needle"));

    let outside = format!("file://{}", fx.path("outside/secret.txt").display());
    raw.send(
        json!({"jsonrpc": "2.0", "id": 3, "method": "resources/read", "params": {"uri": outside}}),
    );
    let r = raw.wait_for_id(3);
    assert!(
        r.get("error").is_some(),
        "outside resource must be refused: {r}"
    );
    assert!(!r.to_string().contains("OUTSIDE-SECRET"));
}

/// A client whose roots all lie outside the server's (the Inspector lists none; Claude
/// Code started in another folder lists that one) keeps the server's roots, and the
/// log says so without claiming that nothing is reachable.
#[test]
fn client_roots_outside_the_server_roots_are_ignored_and_said_so() {
    for client_roots in [json!([]), json!([{"uri": "file:///usr"}])] {
        let fx = Fixture::new();
        let log_path = fx.path("server.log");
        let log = std::fs::File::create(&log_path).unwrap();
        let mut raw = RawStdio::start_logging_to(
            "fs-server",
            &[fx.root().to_str().unwrap()],
            json!({"roots": {}}),
            log,
        );
        let request = loop {
            let v = raw.read();
            if v["method"] == "roots/list" {
                break v;
            }
        };
        raw.send(json!({"jsonrpc": "2.0", "id": request["id"],
            "result": {"roots": client_roots}}));
        raw.send(
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
            "name": "read_text_file", "arguments": {"path": fx.path("root/hello.txt")}}}),
        );
        let read = raw.wait_for_id(1);
        assert_ne!(read["result"]["isError"], true, "{read}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let text = loop {
            let text = std::fs::read_to_string(&log_path).unwrap();
            let said = text.contains("ignoring them") || text.contains("listed no folder roots");
            if said || std::time::Instant::now() > deadline {
                break text;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        assert!(
            text.contains("ignoring them") || text.contains("listed no folder roots"),
            "{client_roots}: {text}"
        );
        assert!(!text.contains("no files are reachable"), "{text}");
        assert!(!text.contains("WARN"), "nothing is wrong: {text}");
    }
}

#[tokio::test]
async fn client_roots_narrow_but_never_widen() {
    let fx = Fixture::new();
    let mut raw = RawStdio::start_with(
        "fs-server",
        &[fx.root().to_str().unwrap()],
        json!({"roots": {"listChanged": true}}),
    );
    // The server asks for our roots after `initialized`.
    let request = loop {
        let v = raw.read();
        if v["method"] == "roots/list" {
            break v;
        }
    };
    let src = format!("file://{}", fx.path("root/src").display());
    let outside = format!("file://{}", fx.path("outside").display());
    raw.send(json!({"jsonrpc": "2.0", "id": request["id"], "result": {
        "roots": [{"uri": src}, {"uri": outside}]}}));

    let try_read = |raw: &mut RawStdio, id: i64, path: String| {
        raw.send(
            json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
            "name": "read_text_file", "arguments": {"path": path}}}),
        );
        raw.wait_for_id(id)
    };
    // Give the server a moment to apply the roots (it asks asynchronously).
    let mut narrowed = false;
    for attempt in 0..50 {
        let r = try_read(
            &mut raw,
            100 + attempt,
            fx.path("root/hello.txt").display().to_string(),
        );
        if r["result"]["isError"] == true {
            narrowed = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(
        narrowed,
        "a file outside the client's roots stayed readable"
    );
    let r = try_read(
        &mut raw,
        200,
        fx.path("root/src/main.rs").display().to_string(),
    );
    assert_ne!(
        r["result"]["isError"], true,
        "inside the client's root: {r}"
    );
    let r = try_read(
        &mut raw,
        201,
        fx.path("outside/secret.txt").display().to_string(),
    );
    assert_eq!(
        r["result"]["isError"], true,
        "client roots must not widen: {r}"
    );
    assert!(!r.to_string().contains("OUTSIDE-SECRET"));
}

#[tokio::test]
async fn answers_the_2026_07_28_generation_over_stdio() {
    use rmcp::model::ProtocolVersion;
    use rmcp::service::{ClientLifecycleMode, ClientServiceExt};
    use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};

    let fx = Fixture::new();
    let root = fx.root();
    let transport = TokioChildProcess::builder(
        tokio::process::Command::new(e2e::bin("fs-server")).configure(|c| {
            c.arg(&root).env("RUST_LOG", "warn");
        }),
    )
    .stderr(std::process::Stdio::null())
    .spawn()
    .unwrap()
    .0;
    let client = ()
        .serve_with_lifecycle(
            transport,
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .expect("server/discover over stdio");
    let r = call(
        &client,
        "read_text_file",
        json!({"path": "hello.txt", "head": 1}),
    )
    .await;
    assert_eq!(
        text_of(&r).lines().next(),
        Some("hello world"),
        "{}",
        text_of(&r)
    );
    client.cancel().await.unwrap();
}

#[test]
fn logs_go_to_stderr_and_never_carry_file_contents() {
    use std::io::Write;
    use std::process::{Command, Stdio};

    let fx = Fixture::new();
    fx.write("root/private.txt", "PRIVATE-MARKER-7c1e\n");
    let mut child = Command::new(e2e::bin("fs-server"))
        .arg(fx.root())
        .env("RUST_LOG", "debug")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for message in [
        json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "t", "version": "0"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
            "name": "read_text_file", "arguments": {"path": "private.txt"}}}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
            "name": "grep", "arguments": {"pattern": "PRIVATE-MARKER"}}}),
    ] {
        writeln!(stdin, "{message}").unwrap();
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    for line in stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("non-JSON on stdout ({e}): {line}"));
        assert_eq!(v["jsonrpc"], "2.0");
    }
    assert!(
        stdout.contains("PRIVATE-MARKER-7c1e"),
        "the tool answered on stdout"
    );
    assert!(
        stderr.contains("tools/call"),
        "request spans are logged: {stderr}"
    );
    assert!(
        !stderr.contains("PRIVATE-MARKER"),
        "file contents leaked into logs:\n{stderr}"
    );
}

#[tokio::test]
async fn listings_never_reveal_paths_outside_the_roots() {
    let fx = Fixture::new();
    let outside = fx.path("outside/secret.txt");
    std::os::unix::fs::symlink(&outside, fx.path("root/out-link")).unwrap();
    std::os::unix::fs::symlink("hello.txt", fx.path("root/in-link")).unwrap();
    let client = stdio_client("fs-server", &[fx.root().to_str().unwrap()]).await;
    let outside_dir = fx.path("outside").display().to_string();
    for (tool, args) in [
        ("directory_tree", json!({"path": "."})),
        ("list_directory", json!({"path": "."})),
        ("get_file_info", json!({"path": "out-link"})),
    ] {
        let text = text_of(&call(&client, tool, args).await);
        assert!(text.contains("out-link"), "{tool}: {text}");
        assert!(
            !text.contains(&outside_dir),
            "{tool} revealed an outside path: {text}"
        );
        assert!(text.contains("outside the allowed roots"), "{tool}: {text}");
    }
    let text = text_of(&call(&client, "list_directory", json!({"path": "."})).await);
    assert!(
        text.contains("in-link -> hello.txt"),
        "in-root targets stay visible: {text}"
    );
    client.cancel().await.unwrap();
}

#[test]
fn stdio_messages_over_the_size_cap_are_refused_unread_and_the_server_carries_on() {
    let fx = Fixture::new();
    let mut raw = RawStdio::start(
        "fs-server",
        &[fx.root().to_str().unwrap(), "--max-body-bytes", "4096"],
    );
    let padding = "x".repeat(8_000);
    raw.send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "read_text_file", "arguments": {"path": padding}}}),
    );
    raw.send(
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
        "name": "read_text_file", "arguments": {"path": "hello.txt", "head": 1}}}),
    );
    let r = raw.wait_for_id(2);
    assert!(
        r["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("hello world"),
        "{r}"
    );
    assert!(
        raw.seen.iter().all(|m| m["id"] != 1),
        "the oversized message must not have been processed: {:?}",
        raw.seen
    );
    assert!(
        raw.seen
            .iter()
            .any(|m| m["error"]["code"] == -32600 && m["id"].is_null()),
        "the oversized message is answered (id null, as it was not read): {:?}",
        raw.seen
    );
}

#[test]
fn arguments_sent_as_strings_are_taken_at_their_schema_type() {
    let fx = Fixture::new();
    let mut raw = RawStdio::start("fs-server", &[fx.root().to_str().unwrap()]);
    // The MCP Inspector CLI sends every --tool-arg like this.
    raw.send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "read_text_file",
        "arguments": {"path": "hello.txt", "head": "1", "line_numbers": "true"}}}),
    );
    let r = raw.wait_for_id(1);
    let text = r["result"]["content"][0]["text"].as_str().unwrap();
    assert_ne!(r["result"]["isError"], true, "{r}");
    assert!(
        text.starts_with("     1\thello world\n") && !text.contains("second"),
        "{text}"
    );

    raw.send(
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
        "name": "grep", "arguments": {"pattern": "needle", "glob": "[\"*.rs\"]"}}}),
    );
    let r = raw.wait_for_id(2);
    assert!(
        r["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("main.rs"),
        "{r}"
    );

    // A string that is no boolean still fails the schema check, which names it.
    raw.send(
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {
        "name": "read_text_file", "arguments": {"path": "hello.txt", "line_numbers": "yes"}}}),
    );
    let r = raw.wait_for_id(3);
    assert_eq!(r["result"]["isError"], true, "{r}");
    let text = r["result"]["content"][0]["text"].as_str().unwrap();
    assert!(
        text.starts_with("Argument `line_numbers` must be a boolean (got the string \"yes\")"),
        "{text}"
    );
}

//! fs-server over streamable HTTP: protections, health, metrics, both protocol generations.

use e2e::{Fixture, HttpServer, bin, text_of};
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, ProtocolVersion};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::json;

fn initialize_body() -> String {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "t", "version": "0"}}})
    .to_string()
}

async fn post_initialize(server: &HttpServer, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(server.mcp_url())
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream")
        .body(initialize_body());
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn health_origin_host_and_token() {
    let fx = Fixture::new();
    let server = HttpServer::start(
        "fs-server",
        &[fx.root().to_str().unwrap()],
        &[("MCP_AUTH_TOKEN", "s3cret")],
    );

    let health = reqwest::get(format!("{}/healthz", server.base))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    let r = post_initialize(&server, &[]).await;
    assert_eq!(r.status(), 401, "missing token");
    assert!(r.headers().get("www-authenticate").is_some());
    let r = post_initialize(&server, &[("Authorization", "Bearer wrong")]).await;
    assert_eq!(r.status(), 401, "wrong token");
    let r = post_initialize(&server, &[("Authorization", "Bearer s3cret")]).await;
    assert_eq!(r.status(), 200, "right token");

    let r = post_initialize(
        &server,
        &[
            ("Authorization", "Bearer s3cret"),
            ("Origin", "http://evil.example"),
        ],
    )
    .await;
    assert_eq!(r.status(), 403, "foreign Origin");
    let r = post_initialize(
        &server,
        &[
            ("Authorization", "Bearer s3cret"),
            ("Origin", "http://localhost:3000"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200, "loopback Origin is allowed by default");

    let r = post_initialize(
        &server,
        &[("Authorization", "Bearer s3cret"), ("Host", "evil.example")],
    )
    .await;
    assert_eq!(r.status(), 403, "foreign Host (DNS rebinding)");

    let metrics = reqwest::get(format!("{}/metrics", server.base))
        .await
        .unwrap();
    assert_eq!(metrics.status(), 401, "metrics sit behind the token");
}

#[tokio::test]
async fn both_protocol_generations_and_metrics_count_tool_calls() {
    let fx = Fixture::new();
    let server = HttpServer::start("fs-server", &[fx.root().to_str().unwrap()], &[]);

    // 2025-11-25: initialize + session.
    let legacy = ().serve(StreamableHttpClientTransport::from_uri(server.mcp_url())).await.unwrap();
    let r = legacy
        .call_tool(
            CallToolRequestParams::new("read_text_file")
                .with_arguments(json!({"path": "hello.txt"}).as_object().unwrap().clone()),
        )
        .await
        .unwrap();
    assert!(text_of(&r).contains("hello world"));
    legacy.cancel().await.unwrap();

    // 2026-07-28: server/discover, no session.
    let modern = ()
        .serve_with_lifecycle(
            StreamableHttpClientTransport::from_config(
                StreamableHttpClientTransportConfig::with_uri(server.mcp_url()),
            ),
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .unwrap();
    let tools = modern.list_all_tools().await.unwrap();
    assert!(tools.iter().any(|t| t.name == "grep"));
    let r = modern
        .call_tool(
            CallToolRequestParams::new("grep")
                .with_arguments(json!({"pattern": "needle"}).as_object().unwrap().clone()),
        )
        .await
        .unwrap();
    assert!(text_of(&r).contains("main.rs"), "{}", text_of(&r));
    modern.cancel().await.unwrap();

    let metrics = reqwest::get(format!("{}/metrics", server.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"mcp_tool_calls_total{tool="read_text_file",outcome="ok"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"mcp_tool_calls_total{tool="grep",outcome="ok"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains("mcp_request_duration_seconds"),
        "{metrics}"
    );
}

#[tokio::test]
async fn rate_limit_and_body_cap() {
    let fx = Fixture::new();
    let server = HttpServer::start(
        "fs-server",
        &[
            fx.root().to_str().unwrap(),
            "--rate-limit",
            "1",
            "--rate-burst",
            "3",
            "--max-body-bytes",
            "2048",
        ],
        &[],
    );
    let client = reqwest::Client::new();
    let big = "x".repeat(10_000);
    let r = client
        .post(server.mcp_url())
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413, "oversized body");

    let mut limited = None;
    for _ in 0..10 {
        let r = client
            .get(format!("{}/metrics", server.base))
            .send()
            .await
            .unwrap();
        if r.status() == 429 {
            limited = Some(r);
            break;
        }
    }
    let r = limited.expect("no 429 after 10 quick requests at 1/s with burst 3");
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "Retry-After {retry}");
}

#[test]
fn non_loopback_bind_without_token_is_refused() {
    let out = std::process::Command::new(bin("fs-server"))
        .args(["--http", "0.0.0.0:0", "/tmp"])
        .env_remove("MCP_AUTH_TOKEN")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("without authentication")
            && stderr.contains("MCP_AUTH_TOKEN")
            && stderr.contains("--oauth-issuer"),
        "{stderr}"
    );
}

#[test]
fn sigterm_stops_the_http_server_cleanly() {
    let fx = Fixture::new();
    let mut server = HttpServer::start("fs-server", &[fx.root().to_str().unwrap()], &[]);
    let pid = server.child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            assert!(status.success(), "exit status after SIGTERM: {status}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still running 10 s after SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

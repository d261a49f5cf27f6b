//! notion-server with `--per-user-tokens` over HTTP: the caller's own Notion token
//! (the request's bearer token) is checked once at the door with `GET /v1/users/me`
//! and then sent on their calls; no token, or one Notion refuses, gets 401.

use e2e::{HttpServer, call, text_of};
use fake_apis::notion::{self, DEMO_TOKEN};
use rmcp::ServiceExt;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_callers_own_token_is_used_and_bad_ones_are_refused_at_the_door() {
    let fake = notion::start(0).await.expect("the fake starts");
    let server = HttpServer::start(
        "notion-server",
        &["--per-user-tokens", "--api-url", &fake.base_url],
        &[],
    );

    let config =
        StreamableHttpClientTransportConfig::with_uri(server.mcp_url()).auth_header(DEMO_TOKEN);
    let client = ().serve(StreamableHttpClientTransport::from_config(config)).await.unwrap();
    let found = call(&client, "search", json!({"query": "Projects"})).await;
    assert_ne!(found.is_error, Some(true), "{}", text_of(&found));
    assert!(text_of(&found).contains("Projects"), "{}", text_of(&found));
    client.cancel().await.unwrap();

    let http = reqwest::Client::new();
    let initialize = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}});
    for token in [None, Some("ntn_not-a-real-token")] {
        let mut request = http
            .post(server.mcp_url())
            .header("accept", "application/json, text/event-stream")
            .json(&initialize);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "token {token:?}");
        let challenge = response.headers()["www-authenticate"].to_str().unwrap();
        assert_eq!(
            token.is_some(),
            challenge.contains("invalid_token"),
            "{challenge}"
        );
    }
}

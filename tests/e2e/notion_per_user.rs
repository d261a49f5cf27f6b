//! notion-server with `--per-user-tokens` over HTTP: the caller's own Notion token
//! (the request's bearer token) is checked once at the door with `GET /v1/users/me`
//! and then sent on their calls; no token, or one Notion refuses, gets 401.

use e2e::{HttpServer, assert_refused_at_the_door, call, text_of};
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

    assert_refused_at_the_door(&server.mcp_url(), "ntn_not-a-real-token").await;
}

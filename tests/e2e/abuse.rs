//! The HTTP transport facing a hostile or busy network, in small numbers (the soak
//! benchmark `make bench` runs the full ones): half-open floods, more sessions than
//! the cap, SIGTERM during calls, malformed bodies and token guessing.

use std::time::{Duration, Instant};

use e2e::abuse::{self, McpHttp};
use e2e::{Fixture, HttpServer};
use serde_json::json;

/// When the SIGTERM tests signal, after their call started.
const SIGNAL_AFTER: Duration = Duration::from_millis(500);

#[track_caller]
fn metric(text: &str, name: &str) -> f64 {
    abuse::metric(text, name).unwrap_or_else(|| panic!("metric {name} missing:\n{text}"))
}

#[tokio::test]
async fn half_open_connections_do_not_starve_live_clients() {
    let fx = Fixture::new();
    let server = HttpServer::start(
        "fs-server",
        &[
            fx.root().to_str().unwrap(),
            "--header-read-timeout",
            "2",
            "--max-connections",
            "30",
            "--rate-limit",
            "0",
        ],
        &[],
    );
    let report = abuse::half_open_flood(
        server.addr(),
        50,
        10,
        ("list_roots", json!({})),
        Duration::from_secs(6),
    )
    .await;
    assert_eq!(report.opened, 50, "{report:?}");
    assert_eq!(report.answered, report.calls, "{report:?}");
    assert!(report.slowest < Duration::from_secs(2), "{report:?}");
    assert_eq!(
        report.still_open, 0,
        "the server let go of every half-open socket: {report:?}"
    );
    let text = abuse::metrics_text(&server.base).await;
    assert!(
        metric(&text, "mcp_http_connections_evicted_total") >= 20.0,
        "past 30 connections the oldest half-open ones make room:\n{text}"
    );
}

#[tokio::test]
async fn sessions_past_the_cap_end_the_least_recently_used_and_sleepers_wake() {
    let fx = Fixture::new();
    let server = HttpServer::start(
        "fs-server",
        &[
            fx.root().to_str().unwrap(),
            "--max-sessions",
            "100",
            "--live-sessions",
            "20",
            "--rate-limit",
            "0",
        ],
        &[],
    );
    let client = McpHttp::new(&server.base);
    let mut ids = Vec::new();
    for _ in 0..200 {
        let answer = client.open_session().await.unwrap();
        assert_eq!(answer.status, 200, "{answer:?}");
        ids.push(answer.session.expect("a session id"));
    }
    let text = abuse::metrics_text(&server.base).await;
    assert_eq!(metric(&text, "mcp_sessions_live"), 100.0, "{text}");
    assert_eq!(metric(&text, "mcp_sessions_evicted_total"), 100.0, "{text}");

    let call = |n: usize| {
        let client = client.clone();
        let id = ids[n].clone();
        async move {
            client
                .request(
                    Some(&id),
                    1,
                    "tools/call",
                    json!({"name": "list_roots", "arguments": {}}),
                )
                .await
                .unwrap()
        }
    };
    let (status, _) = call(0).await;
    assert_eq!(status, 404, "the oldest session was ended to make room");
    let (status, response) = call(199).await;
    assert_eq!(status, 200);
    assert!(response.unwrap().get("result").is_some());
    // Session 120 is within the cap but long out of the 20 live ones: it hibernated,
    // and comes back on its own for this call.
    let (status, response) = call(120).await;
    assert_eq!(status, 200);
    let response = response.expect("a response");
    assert!(response.get("result").is_some(), "{response}");
}

#[tokio::test]
async fn sigterm_lets_a_call_on_a_session_finish_and_exits_0() {
    let (outcome, exit) = abuse::stop_sql_server_during_query(true, 2, 10, SIGNAL_AFTER).await;
    let response = outcome.response.clone().expect("the call's result arrived");
    let text = response["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(
        text.contains("longer than 2 s"),
        "the tool's own answer: {response}"
    );
    assert!(
        outcome.answered_after >= Duration::from_millis(1000),
        "{outcome:?}"
    );
    assert!(exit.is_some_and(|s| s.success()), "exit: {exit:?}");
}

#[tokio::test]
async fn sigterm_lets_a_stateless_call_finish_and_exits_0() {
    let (outcome, exit) = abuse::stop_sql_server_during_query(false, 2, 10, SIGNAL_AFTER).await;
    let response = outcome.response.clone().expect("the call's result arrived");
    assert!(response.get("result").is_some(), "{response}");
    assert!(exit.is_some_and(|s| s.success()), "exit: {exit:?}");
}

#[tokio::test]
async fn past_the_grace_open_calls_get_a_json_rpc_error_and_the_server_exits_0() {
    for with_session in [true, false] {
        let (outcome, exit) =
            abuse::stop_sql_server_during_query(with_session, 8, 1, SIGNAL_AFTER).await;
        let response = outcome
            .response
            .clone()
            .expect("a JSON-RPC answer, not a dropped stream");
        assert_eq!(response["id"], 7, "{response}");
        assert_eq!(response["error"]["code"], -32000, "{response}");
        assert_eq!(outcome.status, 200, "{outcome:?}");
        assert!(
            outcome.answered_after < Duration::from_secs(4),
            "{outcome:?}"
        );
        assert!(exit.is_some_and(|s| s.success()), "exit: {exit:?}");
    }
}

#[tokio::test]
async fn malformed_bodies_get_json_rpc_errors_and_the_session_carries_on() {
    let fx = Fixture::new();
    let server = HttpServer::start(
        "fs-server",
        &[fx.root().to_str().unwrap(), "--rate-limit", "0"],
        &[],
    );
    let outcomes = abuse::malformed_over_http(&server.base).await;
    assert!(outcomes.len() >= 30);
    let wrong: Vec<_> = outcomes.iter().filter(|o| !o.ok()).collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[tokio::test]
async fn a_declared_body_over_the_cap_is_refused_before_it_arrives() {
    use tokio::io::AsyncWriteExt;
    let fx = Fixture::new();
    let server = HttpServer::start("fs-server", &[fx.root().to_str().unwrap()], &[]);
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let head = format!(
        "POST /mcp HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 999999999999\r\n\r\n{{",
        server.addr()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let reply = abuse::read_to_close(&mut stream, Duration::from_secs(5)).await;
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    assert!(reply.contains("\"code\":-32600"), "{reply}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn token_guessing_is_throttled_per_address() {
    let fx = Fixture::new();
    let server = HttpServer::start(
        "fs-server",
        &[
            fx.root().to_str().unwrap(),
            "--auth-failures-per-minute",
            "5",
        ],
        &[("MCP_AUTH_TOKEN", "s3cret")],
    );
    let statuses = abuse::wrong_tokens(&server.base, 40).await;
    assert!(statuses[..5].iter().all(|s| *s == 401), "{statuses:?}");
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
    // Blocked means blocked: the right token from the same address waits too.
    let r = reqwest::Client::new()
        .get(format!("{}/metrics", server.base))
        .header("Authorization", "Bearer s3cret")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let health = reqwest::get(format!("{}/healthz", server.base))
        .await
        .unwrap();
    assert_eq!(health.status(), 200, "probes are never throttled");
}

/// Opens a GET stream on `session` over its own connection and returns the socket once
/// the stream's headers have arrived (the stream stays open).
async fn open_get_stream(server: &HttpServer, session: &str) -> tokio::net::TcpStream {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let request = format!(
        "GET /mcp HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\nMcp-Session-Id: {session}\r\nMCP-Protocol-Version: {}\r\n\r\n",
        server.addr(),
        abuse::SESSION_PROTOCOL
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200", "the GET stream opened");
    stream
}

#[tokio::test]
async fn when_every_connection_is_busy_a_new_one_is_refused_at_once() {
    let fx = Fixture::new();
    let server = HttpServer::start(
        "fs-server",
        &[fx.root().to_str().unwrap(), "--max-connections", "2"],
        &[],
    );
    let client = McpHttp::new(&server.base);
    let first = client.open_session().await.unwrap().session.unwrap();
    let second = client.open_session().await.unwrap().session.unwrap();
    // Two long-lived streams fill both slots (the client's idle connection makes room).
    let _streams = [
        open_get_stream(&server, &first).await,
        open_get_stream(&server, &second).await,
    ];
    let mut probe = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    // A request already sent must not turn the refusal into a reset.
    tokio::io::AsyncWriteExt::write_all(
        &mut probe,
        format!("GET /healthz HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr()).as_bytes(),
    )
    .await
    .unwrap();
    let started = Instant::now();
    let reply = abuse::read_to_close(&mut probe, Duration::from_secs(5)).await;
    assert!(reply.starts_with("HTTP/1.1 503"), "{reply}");
    assert!(reply.contains("Retry-After: 1"), "{reply}");
    assert!(reply.contains("\"code\":-32000"), "{reply}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "refused at once"
    );
}

#[tokio::test]
async fn methods_removed_in_2026_07_28_are_not_found_for_its_clients_whatever_their_params() {
    let fx = Fixture::new();
    let server = HttpServer::start("fs-server", &[fx.root().to_str().unwrap()], &[]);
    let client = McpHttp::new(&server.base);
    for (n, method) in [
        "initialize",
        "ping",
        "logging/setLevel",
        "resources/subscribe",
        "resources/unsubscribe",
    ]
    .into_iter()
    .enumerate()
    {
        // Params that would not fit the 2025-11-25 method: still "not found", not -32602.
        let (status, response) = client
            .request_stateless(n as i64, method, json!({"level": 5, "uri": 5}))
            .await
            .unwrap();
        let response = response.unwrap_or_else(|| panic!("{method}: no JSON-RPC answer"));
        assert_eq!(
            (status, &response["error"]["code"]),
            (404, &json!(-32601)),
            "{method}: {response}"
        );
    }
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let fx = Fixture::new();
    let server = HttpServer::start(
        "fs-server",
        &[
            fx.root().to_str().unwrap(),
            "--idle-connection-timeout",
            "1",
        ],
        &[],
    );
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr());
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 1024];
    let n = stream.read(&mut buf).await.unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200"),
        "kept alive after an answer"
    );
    let started = Instant::now();
    let rest = abuse::read_to_close(&mut stream, Duration::from_secs(5)).await;
    let closed_after = started.elapsed();
    assert!(rest.is_empty(), "nothing more was sent: {rest:?}");
    assert!(
        closed_after >= Duration::from_millis(800) && closed_after < Duration::from_secs(3),
        "closed {closed_after:?} after going idle"
    );
}

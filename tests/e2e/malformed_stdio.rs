//! Malformed input over stdio is answered per JSON-RPC 2.0 (the shared corpus in
//! `e2e::malformed`), and the server reads on: each reply arrives within 5 s with exactly
//! the expected code and id, and a ping sent right after is answered.

use std::time::Duration;

use e2e::malformed::{self, INVALID_PARAMS, INVALID_REQUEST, PARSE_ERROR};
use e2e::{AsyncRawStdio, Fixture};
use serde_json::{Value, json};

const REPLY_WITHIN: Duration = Duration::from_secs(5);

fn is_response(v: &Value) -> bool {
    v.get("result").is_some() || v.get("error").is_some()
}

/// The next response, which must come within 5 s.
async fn next_response(raw: &mut AsyncRawStdio, what: &str) -> Value {
    raw.wait_for(REPLY_WITHIN, is_response)
        .await
        .unwrap_or_else(|| panic!("{what}: no reply within {REPLY_WITHIN:?}"))
}

#[track_caller]
fn assert_error(reply: &Value, code: i64, id: &Value, what: &str) {
    assert_eq!(
        (&reply["error"]["code"], &reply["id"]),
        (&json!(code), id),
        "{what}: {reply}"
    );
    let object = reply.as_object().expect("an object");
    assert!(
        object.contains_key("id"),
        "{what}: the id is there, null or not"
    );
    assert!(
        reply["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{what}: {reply}"
    );
}

/// Sends a ping and checks it is answered (the server read on).
async fn assert_pings(raw: &mut AsyncRawStdio, id: i64, after: &str) {
    let reply = raw.request(id, "ping", json!({})).await;
    assert_eq!(reply["result"], json!({}), "ping after {after}: {reply}");
}

#[tokio::test]
async fn every_malformed_case_gets_its_error_and_the_server_reads_on() {
    let fx = Fixture::new();
    let (mut raw, _) = AsyncRawStdio::start("fs-server", &[fx.root().to_str().unwrap()]).await;
    let cases = malformed::corpus();
    assert!(cases.len() >= 30);
    for (n, case) in cases.iter().enumerate() {
        raw.send_line(&case.bytes).await;
        let reply = next_response(&mut raw, case.name).await;
        assert_error(&reply, case.code, &case.id, case.name);
        assert_pings(&mut raw, 10_000 + n as i64, case.name).await;
        let stray: Vec<Value> = raw.take_unclaimed();
        assert!(
            stray.iter().all(|v| !is_response(v)),
            "{}: more than one reply: {stray:?}",
            case.name
        );
    }
    // Still a working server, not just one that answers pings.
    let tools = raw.request(1, "tools/list", json!({})).await;
    assert!(
        tools["result"]["tools"]
            .as_array()
            .is_some_and(|t| !t.is_empty()),
        "{tools}"
    );
}

#[tokio::test]
async fn two_bad_lines_in_one_write_get_two_replies_in_order() {
    let fx = Fixture::new();
    let (mut raw, _) = AsyncRawStdio::start("fs-server", &[fx.root().to_str().unwrap()]).await;
    raw.send_line(b"garbage\n{\"jsonrpc\":\"2.0\",\"id\":[],\"method\":\"ping\"}")
        .await;
    let first = next_response(&mut raw, "first bad line").await;
    assert_error(&first, PARSE_ERROR, &Value::Null, "first bad line");
    let second = next_response(&mut raw, "second bad line").await;
    assert_error(&second, INVALID_REQUEST, &Value::Null, "second bad line");
    assert_pings(&mut raw, 2, "two bad lines").await;
}

#[tokio::test]
async fn a_line_over_max_body_bytes_is_answered_and_skipped() {
    let fx = Fixture::new();
    let (mut raw, _) = AsyncRawStdio::start(
        "fs-server",
        &[fx.root().to_str().unwrap(), "--max-body-bytes", "65536"],
    )
    .await;
    for (n, size) in [100 * 1024, 4 * 1024 * 1024].into_iter().enumerate() {
        let id = 100 + n as i64;
        // A well-formed request, only too long: it must not be read, let alone run.
        let line = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
            "name": "read_text_file", "arguments": {"path": "x".repeat(size)}}});
        raw.send_line(line.to_string().as_bytes()).await;
        let reply = next_response(&mut raw, "over-long line").await;
        assert_error(&reply, INVALID_REQUEST, &Value::Null, "over-long line");
        let message = reply["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("65536") && message.contains("--max-body-bytes"),
            "{message}"
        );
        let next = raw
            .request(
                id + 10,
                "tools/call",
                json!({"name": "read_text_file",
                "arguments": {"path": "hello.txt", "head": 1}}),
            )
            .await;
        assert!(
            next["result"]["content"][0]["text"]
                .as_str()
                .is_some_and(|t| t.contains("hello world")),
            "{next}"
        );
        assert!(
            raw.take_unclaimed().iter().all(|v| v["id"] != json!(id)),
            "the over-long request was run"
        );
    }
}

#[tokio::test]
async fn malformed_input_before_initialize_is_answered_and_the_handshake_still_works() {
    let fx = Fixture::new();
    let mut raw = AsyncRawStdio::spawn("fs-server", &[fx.root().to_str().unwrap()]);
    raw.send_line(br#"{"jsonrpc":"2.0","id":1,"method":"ping","params":7}"#)
        .await;
    let reply = next_response(&mut raw, "ping with params 7").await;
    assert_error(&reply, INVALID_PARAMS, &json!(1), "ping with params 7");
    raw.send_line(b"not json").await;
    let reply = next_response(&mut raw, "garbage before initialize").await;
    assert_error(
        &reply,
        PARSE_ERROR,
        &Value::Null,
        "garbage before initialize",
    );
    assert_pings(&mut raw, 2, "garbage before initialize").await;
    let init = raw.initialize(3).await;
    assert!(init["result"]["serverInfo"].is_object(), "{init}");
    let tools = raw.request(4, "tools/list", json!({})).await;
    assert!(tools["result"]["tools"].is_array(), "{tools}");
}

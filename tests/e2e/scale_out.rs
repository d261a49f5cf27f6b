//! Scale-out: three github-server replicas with `--redis-url` behind a real HAProxy
//! (the shipped configs/haproxy.cfg), against the fake GitHub. Needs the machine's
//! Redis (`REDIS_URL`) and HAProxy (integration/scale/setup.sh); says "skipped"
//! without them. The Python SDK side of scale-out (100 calls per protocol through
//! the balancer, a replica killed, Redis stopped) is in integration/scale/.

use std::time::Duration;

use e2e::abuse::McpHttp;
use e2e::scale::{Balancer, github_replicas, haproxy_available, redis_url, unique_prefix};
use e2e::{HttpServer, fake_github_on_own_thread};
use futures::StreamExt;
use serde_json::{Value, json};

/// The tests start several processes each and measure timing: one at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The upstream rate each replica is configured with (requests per second).
const RATE: u32 = 20;
/// Calls in the burst.
const BURST_CALLS: usize = 300;

/// Sends `BURST_CALLS` `get_me` calls through the balancer, 60 at a time, and
/// returns how many failed.
async fn burst(balancer: &Balancer) -> usize {
    let client = McpHttp::new(&balancer.base);
    let client = &client;
    futures::stream::iter(0..BURST_CALLS)
        .map(|i| async move {
            let params = json!({"name": "get_me", "arguments": {}});
            match client
                .request_stateless(i as i64 + 1, "tools/call", params)
                .await
            {
                Ok((200, Some(message))) => usize::from(
                    message["result"]["isError"] == json!(true) || message.get("error").is_some(),
                ),
                _ => 1,
            }
        })
        .buffer_unordered(60)
        .fold(0, |failed, one| async move { failed + one })
        .await
}

/// The most requests the fake received in any one-second and any five-second
/// window during a burst through three replicas (sharing through Redis when
/// `redis` is given).
async fn busiest_windows(redis: Option<(&str, &str)>) -> (usize, usize) {
    let fake = fake_github_on_own_thread();
    let rate = RATE.to_string();
    let replicas = github_replicas(
        3,
        &fake.base_url,
        redis,
        &[
            "--api-rate-limit",
            &rate,
            "--api-burst",
            "1",
            "--rate-limit",
            "0",
        ],
    );
    let addrs: Vec<_> = replicas.iter().map(HttpServer::addr).collect();
    let balancer = Balancer::start(&addrs, false);
    fake.faults.reset();
    let failed = burst(&balancer).await;
    assert_eq!(failed, 0, "every call through the balancer succeeds");
    let upstream = fake.faults.count("GET", "/user");
    assert!(
        upstream >= BURST_CALLS,
        "each call reached the API ({upstream})"
    );
    if redis.is_some() {
        for replica in &replicas {
            let metrics = e2e::abuse::metrics_text(&replica.base).await;
            let fallbacks: Vec<&str> = metrics
                .lines()
                .filter(|l| l.starts_with("mcp_redis_fallbacks_total"))
                .collect();
            assert!(
                fallbacks.is_empty(),
                "a replica fell back to its local limiter: {fallbacks:?}"
            );
        }
    }
    (
        fake.faults.max_in_window(Duration::from_secs(1)),
        fake.faults.max_in_window(Duration::from_secs(5)),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_replicas_share_one_upstream_budget_through_redis() {
    let (Some(url), true) = (redis_url(), haproxy_available()) else {
        return;
    };
    let _alone = ONE_AT_A_TIME.lock().await;
    let prefix = unique_prefix("budget");
    let (shared, shared_5s) = busiest_windows(Some((&url, &prefix))).await;
    let (local, _) = busiest_windows(None).await;
    eprintln!(
        "busiest 1 s / 5 s at the fake, {BURST_CALLS} calls, {RATE}/s per replica: {shared} / {shared_5s} with Redis, {local} (1 s) without"
    );
    // One budget. The replicas space requests 1/32 wider than the rate, which
    // absorbs about 30 ms of arrival jitter per second; on a loaded two-core
    // machine the fake's own timestamps can bunch more than that, so the
    // one-second check allows two over, and the five-second window, which jitter
    // barely moves, must stay within the rate.
    assert!(
        shared_5s <= 5 * RATE as usize,
        "with Redis the three replicas together exceeded {RATE}/s over five seconds: {shared_5s}"
    );
    assert!(
        shared <= RATE as usize + 2,
        "with Redis the three replicas together exceeded {RATE}/s: {shared} in one second"
    );
    // Three budgets: about three times as many.
    assert!(
        local >= RATE as usize * 5 / 2,
        "without Redis the replicas should each spend their own budget: {local}"
    );
}

/// The `If-None-Match` revalidations and 304s the fake saw for `GET /user`.
fn revalidations(fake: &fake_apis::github::FakeGithub) -> Vec<(bool, u16)> {
    fake.faults
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path == "/user")
        .map(|r| (r.if_none_match, r.status))
        .collect()
}

async fn get_me(server: &HttpServer) -> Value {
    let client = McpHttp::new(&server.base);
    let params = json!({"name": "get_me", "arguments": {}});
    let (status, message) = client
        .request_stateless(1, "tools/call", params)
        .await
        .unwrap();
    assert_eq!(status, 200);
    let message = message.expect("a response");
    assert_ne!(message["result"]["isError"], json!(true), "{message}");
    message
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_cached_by_one_replica_is_revalidated_by_another() {
    let Some(url) = redis_url() else {
        return;
    };
    let _alone = ONE_AT_A_TIME.lock().await;
    let fake = fake_github_on_own_thread();
    let prefix = unique_prefix("cache");
    let replicas = github_replicas(2, &fake.base_url, Some((&url, &prefix)), &[]);
    let alone = github_replicas(1, &fake.base_url, None, &[]);
    fake.faults.reset();
    let first = get_me(&replicas[0]).await;
    let second = get_me(&replicas[1]).await;
    assert_eq!(first["result"]["content"], second["result"]["content"]);
    assert_eq!(
        revalidations(&fake),
        vec![(false, 200), (true, 304)],
        "replica B revalidated replica A's entry"
    );
    // Control: a replica without Redis has nothing to revalidate.
    fake.faults.reset();
    get_me(&alone[0]).await;
    assert_eq!(revalidations(&fake), vec![(false, 200)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_opened_on_one_replica_is_served_by_the_others() {
    let Some(url) = redis_url() else {
        return;
    };
    let _alone = ONE_AT_A_TIME.lock().await;
    let fake = fake_github_on_own_thread();
    let prefix = unique_prefix("sessions");
    let replicas = github_replicas(3, &fake.base_url, Some((&url, &prefix)), &[]);
    let opener = McpHttp::new(&replicas[0].base);
    let opened = opener.open_session().await.unwrap();
    let session = opened.session.expect("a session id");
    for (i, replica) in replicas.iter().enumerate() {
        let client = McpHttp::new(&replica.base);
        let (status, message) = client
            .request(Some(&session), 10 + i as i64, "tools/list", json!({}))
            .await
            .unwrap();
        assert_eq!(status, 200, "replica {i} serves the session");
        let tools = message.expect("a response")["result"]["tools"]
            .as_array()
            .map_or(0, Vec::len);
        assert!(tools > 0, "replica {i} listed tools");
    }
    // Without Redis, another replica does not know the session.
    let alone = github_replicas(1, &fake.base_url, None, &[]);
    let (status, _) = McpHttp::new(&alone[0].base)
        .request(Some(&session), 20, "tools/list", json!({}))
        .await
        .unwrap();
    assert_eq!(status, 404);
    // Ended by its client on one replica, it is gone for replicas that never held it.
    let ended = opener
        .http
        .delete(format!("{}/mcp", replicas[0].base))
        .header("Mcp-Session-Id", &session)
        .header("MCP-Protocol-Version", "2025-11-25")
        .send()
        .await
        .unwrap();
    assert!(ended.status().is_success(), "{}", ended.status());
    let late = github_replicas(1, &fake.base_url, Some((&url, &prefix)), &[]);
    let (status, _) = McpHttp::new(&late[0].base)
        .request(Some(&session), 30, "tools/list", json!({}))
        .await
        .unwrap();
    assert_eq!(status, 404);
}

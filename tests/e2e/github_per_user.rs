//! github-server with `--per-user-tokens` over HTTP: two people with different GitHub
//! tokens call one server at the same time, and each sees only their own data, also
//! through the ETag cache (the fake GitHub tells users apart by token and records who
//! sent what, with any `If-None-Match`). Tokens the API refuses, and requests without
//! one, get 401 at the door.

use e2e::{HttpServer, assert_refused_at_the_door, call, fake_github_on_own_thread, text_of};
use fake_apis::github::{ALICE_TOKEN, BOB_TOKEN};
use rmcp::RoleClient;
use rmcp::ServiceExt;
use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::json;

const ALICE_SECRET: &str = "Alice's private notes";
const BOB_SECRET: &str = "Bob's private scratchpad";

async fn client_as(server: &HttpServer, token: &str) -> RunningService<RoleClient, ()> {
    let config = StreamableHttpClientTransportConfig::with_uri(server.mcp_url()).auth_header(token);
    ().serve(StreamableHttpClientTransport::from_config(config))
        .await
        .expect("a session with the caller's own token")
}

/// Reads `owner`'s private README three times (the later reads are revalidated
/// through the cache) and asks who the caller is; returns every text seen.
async fn session_of_reads(client: &RunningService<RoleClient, ()>, owner: &str) -> Vec<String> {
    let mut seen = Vec::new();
    for _ in 0..3 {
        for target in ["alice", "bob"] {
            let repo = format!("{target}-private");
            let result = call(
                client,
                "get_file_contents",
                json!({"owner": target, "repo": repo, "path": "README.md"}),
            )
            .await;
            let text = text_of(&result);
            if target == owner {
                assert_ne!(
                    result.is_error,
                    Some(true),
                    "{owner} reads their own repo: {text}"
                );
            } else {
                assert_eq!(
                    result.is_error,
                    Some(true),
                    "{owner} must not read {target}'s repo: {text}"
                );
            }
            seen.push(text);
        }
        seen.push(text_of(&call(client, "get_me", json!({})).await));
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_people_each_see_only_their_own_data_also_through_the_cache() {
    let fake = fake_github_on_own_thread();
    let server = HttpServer::start(
        "github-server",
        &["--per-user-tokens", "--api-url", &fake.base_url],
        &[],
    );
    let alice = client_as(&server, ALICE_TOKEN).await;
    let bob = client_as(&server, BOB_TOKEN).await;
    let (alice_saw, bob_saw) = tokio::join!(
        session_of_reads(&alice, "alice"),
        session_of_reads(&bob, "bob")
    );

    let alice_text = alice_saw.join("\n");
    let bob_text = bob_saw.join("\n");
    assert!(alice_text.contains(ALICE_SECRET), "{alice_text}");
    assert!(bob_text.contains(BOB_SECRET), "{bob_text}");
    assert!(
        !bob_text.contains(ALICE_SECRET),
        "bob saw alice's data: {bob_text}"
    );
    assert!(
        !alice_text.contains(BOB_SECRET),
        "alice saw bob's data: {alice_text}"
    );
    let me = |saw: &[String]| {
        saw.iter()
            .filter(|t| t.contains("\"login\""))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        (me(&alice_saw).len(), me(&bob_saw).len()),
        (3, 3),
        "get_me answered each time"
    );
    assert!(
        me(&alice_saw)
            .iter()
            .all(|t| t.contains("alice") && !t.contains("\"bob\"")),
        "{:?}",
        me(&alice_saw)
    );
    assert!(
        me(&bob_saw)
            .iter()
            .all(|t| t.contains("bob") && !t.contains("\"alice\"")),
        "{:?}",
        me(&bob_saw)
    );

    let requests = fake.faults.requests();
    let readme = |owner: &str| format!("/repos/{owner}/{owner}-private/contents/README.md");
    let revalidated = requests
        .iter()
        .filter(|r| {
            r.user.as_deref() == Some("alice") && r.path == readme("alice") && r.if_none_match
        })
        .count();
    assert!(
        revalidated >= 2,
        "alice's repeated reads are revalidated with her own ETag: {revalidated}"
    );
    for (user, other) in [("bob", "alice"), ("alice", "bob")] {
        let leaked: Vec<_> = requests
            .iter()
            .filter(|r| {
                r.user.as_deref() == Some(user) && r.path == readme(other) && r.if_none_match
            })
            .collect();
        assert!(leaked.is_empty(), "{user} sent {other}'s ETag: {leaked:?}");
    }
    let by_user = |login: &str| {
        requests
            .iter()
            .filter(|r| r.user.as_deref() == Some(login))
            .count()
    };
    assert!(
        by_user("alice") > 0 && by_user("bob") > 0,
        "each request went out with its caller's token"
    );
    assert_eq!(by_user("octo-demo"), 0, "no server-held token was used");
    alice.cancel().await.unwrap();
    bob.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_without_a_good_token_get_401_at_the_door() {
    let fake = fake_github_on_own_thread();
    let server = HttpServer::start(
        "github-server",
        &["--per-user-tokens", "--api-url", &fake.base_url],
        &[],
    );
    assert_refused_at_the_door(&server.mcp_url(), "ghp_not-a-real-token").await;
}

#[test]
fn per_user_mode_refuses_stdio_and_a_server_token() {
    let run = |args: &[&str], envs: &[(&str, &str)]| {
        std::process::Command::new(e2e::bin("github-server"))
            .args(args)
            .envs(envs.iter().copied())
            .env_remove("GITHUB_PERSONAL_ACCESS_TOKEN")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let stdio = run(&["--per-user-tokens"], &[]);
    assert!(!stdio.status.success());
    assert!(String::from_utf8_lossy(&stdio.stderr).contains("need --http"));
    let port = e2e::free_port().to_string();
    let addr = format!("127.0.0.1:{port}");
    let both = run(
        &["--per-user-tokens", "--http", &addr],
        &[("GITHUB_TOKEN", "ghp_x")],
    );
    assert!(!both.status.success());
    assert!(String::from_utf8_lossy(&both.stderr).contains("unset GITHUB_TOKEN"));
}

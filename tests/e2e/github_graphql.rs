//! github-server's GraphQL tools end to end: the built binary over stdio against
//! the fake GitHub's `POST /graphql` (which checks every document against the
//! schema shapes it serves), asserting on the tools' answers and on the fake's
//! record of what reached it:
//!
//! - review threads: ids, path, line, resolved and outdated state, comments
//!   wrapped with their author's association, a state filter, pages across calls;
//!   reply, resolve and unresolve change the fake's state; a caller without write
//!   access is refused;
//! - a mutation answered 502 once is not sent again; a query is;
//! - discussions: 45 over two calls with a cursor, categories, filters, one
//!   discussion's comments over pages with replies, a passer-by's hidden text
//!   sanitised; a private repository's discussion seen only by its owner;
//! - the GraphQL points limit: once spent, a call fails clearly and the next one is
//!   refused without reaching GitHub.

use std::process::Stdio;

use e2e::{bin, call, ok_json, text_of};
use fake_apis::faults::FaultPlan;
use fake_apis::github::{ALICE_TOKEN, BOB_TOKEN, DEMO_TOKEN, FakeGithub};
use rmcp::ServiceExt;
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use serde_json::{Value, json};

type Client = RunningService<RoleClient, ()>;

const SERVER_ENV: &[&str] = &[
    "GITHUB_TOKEN",
    "GITHUB_PERSONAL_ACCESS_TOKEN",
    "GITHUB_API_URL",
    "GITHUB_HOST",
    "GITHUB_TOOLSETS",
    "GITHUB_TOOLS",
    "GITHUB_ALLOW_WRITE",
    "GITHUB_MAX_OUTPUT_BYTES",
    "GITHUB_LOCKDOWN",
];

async fn fake() -> FakeGithub {
    fake_apis::github::start(0)
        .await
        .expect("start the fake GitHub")
}

/// github-server over stdio with every toolset, writes on, as `token`.
async fn server_as(fake: &FakeGithub, token: &str) -> Client {
    server_with(fake, token, &[]).await
}

/// [`server_as`] with extra flags.
async fn server_with(fake: &FakeGithub, token: &str, extra: &[&str]) -> Client {
    let command = tokio::process::Command::new(bin("github-server")).configure(|c| {
        for var in SERVER_ENV {
            c.env_remove(var);
        }
        c.args([
            "--api-url",
            &fake.base_url,
            "--toolsets",
            "all",
            "--allow-write",
        ])
        .args(extra)
        .env("GITHUB_TOKEN", token)
        .env("RUST_LOG", "warn");
    });
    let transport = TokioChildProcess::builder(command)
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn github-server")
        .0;
    ().serve(transport).await.expect("initialize over stdio")
}

fn pr13(extra: Value) -> Value {
    let mut args = json!({"owner": "octo-demo", "repo": "hello-world", "pull_number": 13});
    args.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    args
}

fn graphql_posts(fake: &FakeGithub) -> usize {
    fake.faults.count("POST", "/graphql")
}

async fn threads(client: &Client, extra: Value) -> Vec<Value> {
    let listing = ok_json(&call(client, "list_review_threads", pr13(extra)).await);
    listing["items"].as_array().unwrap().clone()
}

fn error_text(result: &rmcp::model::CallToolResult) -> String {
    assert_eq!(result.is_error, Some(true), "{}", text_of(result));
    text_of(result)
}

#[tokio::test]
async fn review_threads_are_listed_with_state_and_paged_by_cursor() {
    let fake = fake().await;
    let client = server_as(&fake, DEMO_TOKEN).await;
    let all = threads(&client, json!({})).await;
    assert!(all.len() >= 4, "{all:?}");
    let resolved: Vec<&Value> = all.iter().filter(|t| t["resolved"] == true).collect();
    let outdated: Vec<&Value> = all.iter().filter(|t| t["outdated"] == true).collect();
    assert_eq!(resolved.len(), 1, "{all:?}");
    assert_eq!(resolved[0]["resolved_by"], "lena-k");
    assert_eq!(outdated.len(), 1, "{all:?}");
    assert!(outdated[0].get("line").is_none() && outdated[0]["original_line"] == 12);
    for t in &all {
        assert!(t["id"].as_str().unwrap().starts_with("PRRT_"), "{t}");
        assert!(t["path"].as_str().unwrap().starts_with("src/"), "{t}");
        let body = t["comments"][0]["body"].as_str().unwrap();
        assert!(body.starts_with("⟦text by @"), "{body}");
    }
    let devon = all
        .iter()
        .flat_map(|t| t["comments"].as_array().unwrap())
        .map(|c| c["body"].as_str().unwrap())
        .find(|b| b.contains("@devon-ortiz"))
        .expect("a comment by devon-ortiz");
    assert!(
        devon.contains("CONTRIBUTOR") || devon.contains("NONE"),
        "{devon}"
    );

    let open = threads(&client, json!({"state": "unresolved"})).await;
    assert_eq!(open.len(), all.len() - 1);
    assert!(open.iter().all(|t| t["resolved"] == false));

    // Two at a time: every thread exactly once, in order, over several calls.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut calls = 0;
    loop {
        let mut args = json!({"limit": 2});
        if let Some(c) = &cursor {
            args["cursor"] = json!(c);
        }
        let page = ok_json(&call(&client, "list_review_threads", pr13(args)).await);
        calls += 1;
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].clone()),
        );
        match page["cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
        assert_eq!(page["more"], true);
    }
    let ids: Vec<Value> = all.iter().map(|t| t["id"].clone()).collect();
    assert_eq!(seen, ids);
    assert_eq!(calls, all.len().div_ceil(2));

    let bad = call(
        &client,
        "list_discussions",
        json!({"owner": "octo-demo", "repo": "hello-world", "cursor": cursor.unwrap_or_default()}),
    )
    .await;
    assert!(error_text(&bad).contains("invalid cursor"));
    let missing = call(
        &client,
        "list_review_threads",
        json!({"owner": "octo-demo", "repo": "hello-world", "pull_number": 9999}),
    )
    .await;
    assert!(
        error_text(&missing).contains("not found"),
        "{}",
        text_of(&missing)
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn reply_resolve_and_unresolve_change_the_thread() {
    let fake = fake().await;
    let client = server_as(&fake, DEMO_TOKEN).await;
    let open = threads(&client, json!({"state": "unresolved"})).await;
    let id = open[0]["id"].as_str().unwrap().to_string();

    let reply = ok_json(
        &call(
            &client,
            "reply_to_review_thread",
            json!({"thread_id": id, "body": "Done in the next push."}),
        )
        .await,
    );
    assert!(
        reply["id"].as_str().unwrap().starts_with("PRRC_"),
        "{reply}"
    );
    let resolved = ok_json(&call(&client, "resolve_review_thread", json!({"thread_id": id})).await);
    assert_eq!(
        resolved,
        json!({"id": id, "resolved": true, "resolved_by": "octo-demo"})
    );

    let after = threads(&client, json!({})).await;
    let thread = after.iter().find(|t| t["id"] == id.as_str()).unwrap();
    assert_eq!(thread["resolved"], true);
    let last = thread["comments"].as_array().unwrap().last().unwrap()["body"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        last.contains("Done in the next push.") && last.contains("@octo-demo, OWNER"),
        "{last}"
    );

    let reopened =
        ok_json(&call(&client, "unresolve_review_thread", json!({"thread_id": id})).await);
    assert_eq!(reopened["resolved"], false);
    assert_eq!(
        threads(&client, json!({"state": "unresolved"})).await.len(),
        open.len()
    );

    let unknown = call(
        &client,
        "resolve_review_thread",
        json!({"thread_id": "PRRT_nope"}),
    )
    .await;
    assert!(error_text(&unknown).contains("not found"));
    let blank = call(
        &client,
        "reply_to_review_thread",
        json!({"thread_id": id, "body": " "}),
    )
    .await;
    assert!(error_text(&blank).contains("body must not be empty"));

    // bob sees the public repository but may not resolve its threads.
    let bob = server_as(&fake, BOB_TOKEN).await;
    let refused = call(&bob, "resolve_review_thread", json!({"thread_id": id})).await;
    let text = error_text(&refused);
    assert!(
        text.contains("forbidden") && text.contains("permission"),
        "{text}"
    );
    bob.cancel().await.unwrap();
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_mutation_answered_502_is_not_resent_but_a_query_is() {
    let fake = fake().await;
    let client = server_as(&fake, DEMO_TOKEN).await;
    let open = threads(&client, json!({"state": "unresolved"})).await;
    let id = open[0]["id"].as_str().unwrap().to_string();

    let fail_once = FaultPlan {
        fail_next: 1,
        fail_path_prefix: Some("/graphql".into()),
        ..FaultPlan::default()
    };
    fake.faults.reset();
    fake.faults.set_plan(fail_once.clone());
    let failed = call(&client, "resolve_review_thread", json!({"thread_id": id})).await;
    let text = error_text(&failed);
    assert!(
        text.contains("502") && text.contains("not retried"),
        "{text}"
    );
    assert_eq!(graphql_posts(&fake), 1, "the mutation was sent once");
    let still = threads(&client, json!({"state": "unresolved"})).await;
    assert!(still.iter().any(|t| t["id"] == id.as_str()));

    fake.faults.reset();
    fake.faults.set_plan(fail_once);
    let listed = threads(&client, json!({})).await;
    assert!(!listed.is_empty());
    let statuses: Vec<u16> = fake.faults.requests().iter().map(|s| s.status).collect();
    assert_eq!(statuses, [502, 200], "the query was retried once");
    client.cancel().await.unwrap();
}

fn hello(extra: Value) -> Value {
    let mut args = json!({"owner": "octo-demo", "repo": "hello-world"});
    args.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    args
}

#[tokio::test]
async fn discussions_are_listed_over_pages_and_read_with_comments() {
    let fake = fake().await;
    let client = server_as(&fake, DEMO_TOKEN).await;
    let first = ok_json(&call(&client, "list_discussions", hello(json!({}))).await);
    assert_eq!(first["count"], 30);
    assert_eq!(first["total_count"], 45);
    assert_eq!(first["more"], true);
    let categories = first["categories"].as_array().unwrap();
    assert!(
        categories.contains(&json!("Q&A (answerable)")),
        "{categories:?}"
    );
    assert_eq!(first["items"][0]["number"], 100, "newest activity first");
    let cursor = first["cursor"].as_str().unwrap();
    let rest = ok_json(
        &call(
            &client,
            "list_discussions",
            hello(json!({"cursor": cursor})),
        )
        .await,
    );
    assert_eq!(rest["count"], 15);
    assert_eq!(rest["more"], false);
    let mut numbers: Vec<u64> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest["items"].as_array().unwrap())
        .map(|d| d["number"].as_u64().unwrap())
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(numbers.len(), 45);

    let qa = ok_json(
        &call(
            &client,
            "list_discussions",
            hello(json!({"category": "q&a", "limit": 100})),
        )
        .await,
    );
    let items = qa["items"].as_array().unwrap();
    assert!(
        !items.is_empty() && items.iter().all(|d| d["category"] == "Q&A"),
        "{qa}"
    );
    let answered = ok_json(
        &call(
            &client,
            "list_discussions",
            hello(json!({"category": "Q&A", "answered": true})),
        )
        .await,
    );
    assert!(
        answered["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["answered"] == true)
    );
    assert!(answered["count"].as_u64().unwrap() < qa["count"].as_u64().unwrap());
    let unknown = call(
        &client,
        "list_discussions",
        hello(json!({"category": "Memes"})),
    )
    .await;
    assert!(error_text(&unknown).contains("Q&A"), "lists the categories");

    let args = hello(json!({"discussion_number": 100, "comments_limit": 5}));
    let page = ok_json(&call(&client, "get_discussion", args).await);
    assert_eq!(page["discussion"]["title"], "How do I greet in French?");
    assert!(
        page["discussion"]["body"]
            .as_str()
            .unwrap()
            .contains("@devon-ortiz")
    );
    let comments = &page["comments"];
    assert_eq!(comments["count"], 5);
    assert_eq!(comments["total_count"], 12);
    let answer = &comments["items"][0];
    assert_eq!(answer["answer"], true);
    assert_eq!(answer["reply_count"], 7);
    assert_eq!(answer["replies"].as_array().unwrap().len(), 5);
    assert!(answer["note"].as_str().unwrap().contains("replies_limit"));
    let hidden = comments["items"][3]["body"].as_str().unwrap();
    assert!(hidden.contains("@drive-by-dan, NONE"), "{hidden}");
    assert!(
        !hidden.contains('\u{202E}') && hidden.contains("hidden HTML comment"),
        "{hidden}"
    );

    let mut seen = 5;
    let mut cursor = comments["cursor"].as_str().unwrap().to_string();
    loop {
        let args = hello(
            json!({"discussion_number": 100, "comments_limit": 5, "comments_cursor": cursor}),
        );
        let next = ok_json(&call(&client, "get_discussion", args).await);
        assert!(
            next.get("discussion").is_none(),
            "a continuation skips the head"
        );
        seen += next["comments"]["count"].as_u64().unwrap();
        match next["comments"]["cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    assert_eq!(seen, 12);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_private_discussion_is_seen_only_by_its_owner() {
    let fake = fake().await;
    let args = json!({"owner": "alice", "repo": "alice-private", "discussion_number": 1});
    let demo = server_as(&fake, DEMO_TOKEN).await;
    let hidden = call(&demo, "get_discussion", args.clone()).await;
    let text = error_text(&hidden);
    assert!(
        text.contains("not found") && !text.contains("planning"),
        "{text}"
    );
    demo.cancel().await.unwrap();
    let alice = server_as(&fake, ALICE_TOKEN).await;
    let seen = ok_json(&call(&alice, "get_discussion", args).await);
    assert_eq!(
        seen["discussion"]["title"],
        "Alice's private planning thread"
    );
    assert!(
        seen["discussion"]["body"]
            .as_str()
            .unwrap()
            .contains("@alice, OWNER")
    );
    alice.cancel().await.unwrap();
}

#[tokio::test]
async fn spent_graphql_points_fail_clearly_and_stop_further_requests() {
    let fake = fake().await;
    let client = server_as(&fake, DEMO_TOKEN).await;
    fake.state.set_graphql_limit(1);
    fake.faults.reset();
    ok_json(&call(&client, "list_discussions", hello(json!({"limit": 5}))).await);
    let spent = call(&client, "list_discussions", hello(json!({"limit": 5}))).await;
    let text = error_text(&spent);
    assert!(
        text.contains("rate limit (points)") && text.contains("Retry after"),
        "{text}"
    );
    let sent = graphql_posts(&fake);
    let again = call(&client, "list_review_threads", pr13(json!({}))).await;
    assert!(error_text(&again).contains("nothing was sent"));
    assert_eq!(graphql_posts(&fake), sent, "refused without asking GitHub");
    // A server that has not seen the points spent asks, and GitHub's
    // RATE_LIMITED answer (a 200 with errors) becomes the same clear error.
    let fresh = server_as(&fake, DEMO_TOKEN).await;
    let refused = call(
        &fresh,
        "get_discussion",
        hello(json!({"discussion_number": 100})),
    )
    .await;
    let text = error_text(&refused);
    assert!(
        text.contains("rate limit already exceeded") && text.contains("nothing was done"),
        "{text}"
    );
    fresh.cancel().await.unwrap();
    let rest = fake.state.rate_limit("core").unwrap();
    assert_eq!(rest.used, 0, "REST's limit was not touched");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn lockdown_withholds_a_passers_by_discussion_comment() {
    let fake = fake().await;
    let args = hello(json!({"discussion_number": 100, "comments_limit": 12, "replies_limit": 10}));
    let open = server_as(&fake, DEMO_TOKEN).await;
    let shown = text_of(&call(&open, "get_discussion", args.clone()).await);
    assert!(
        shown.contains("@drive-by-dan") && !shown.contains("withheld"),
        "{shown}"
    );
    open.cancel().await.unwrap();

    let locked = server_with(&fake, DEMO_TOKEN, &["--lockdown"]).await;
    let page = ok_json(&call(&locked, "get_discussion", args).await);
    let text = page.to_string();
    assert!(
        !text.contains("drive-by-dan") && !text.contains("hidden HTML comment"),
        "{text}"
    );
    assert!(text.contains("[withheld by --lockdown]"), "{text}");
    let notice = page["comments"]["withheld"].as_str().unwrap();
    assert!(notice.contains("without --lockdown"), "{notice}");
    assert!(
        text.contains("@octo-demo, OWNER"),
        "the owner's replies stay: {text}"
    );
    // Titles in the list: the owner's stay, everyone else's (no push access) are
    // withheld in place.
    let listed = ok_json(&call(&locked, "list_discussions", hello(json!({"limit": 8}))).await);
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 8, "{listed}");
    let (mine, others): (Vec<&Value>, Vec<&Value>) =
        items.iter().partition(|d| d["author"] == "octo-demo");
    assert!(!mine.is_empty() && !others.is_empty(), "{listed}");
    assert!(
        mine.iter()
            .all(|d| !d["title"].as_str().unwrap().contains("withheld")),
        "{listed}"
    );
    for d in &others {
        assert_eq!(
            d["title"],
            format!(
                "[title withheld by --lockdown: @{} has no push access]",
                d["author"].as_str().unwrap()
            ),
            "{listed}"
        );
    }
    assert!(
        listed["withheld"].as_str().unwrap().starts_with(&format!(
            "{} titles by users without push access",
            others.len()
        )),
        "{listed}"
    );
    let threads = ok_json(&call(&locked, "list_review_threads", pr13(json!({}))).await);
    let notice = threads["withheld"].as_str().unwrap_or_default();
    assert!(notice.contains("comment"), "{threads}");
    assert!(
        threads.to_string().contains("[withheld by --lockdown]"),
        "{threads}"
    );
    locked.cancel().await.unwrap();
}

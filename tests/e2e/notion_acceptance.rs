//! notion-server against the fake Notion API, end to end over stdio: Markdown
//! written with create_page reads back the same through get_page; a 500-block page
//! in three levels, paginated at every level, comes back whole; a burst of 100
//! calls at default settings never draws a 429; forced 429s are waited out; long
//! text and more than 100 blocks land completely, and a write that stops halfway
//! says what landed; tools/list stays small and lists writes only when enabled.

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::Duration;

use e2e::{bin, call, text_of};
use fake_apis::faults::FaultPlan;
use fake_apis::notion::{self, DEMO_TOKEN, FakeNotion, FakeNotionOptions};
use rmcp::ServiceExt;
use rmcp::model::ListToolsResult;
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use serde_json::json;

type Client = RunningService<RoleClient, ()>;

const FIXTURE: &str = include_str!("../../servers/notion-server/tests/fixtures/all_blocks.md");

/// The fake at Notion's default rate (3/s, burst 10).
async fn fake() -> FakeNotion {
    notion::start(0).await.expect("the fake starts")
}

/// The fake without a rate limit, for tests about content rather than pacing.
async fn fast_fake() -> FakeNotion {
    notion::start_with(FakeNotionOptions {
        rate_per_sec: 0.0,
        ..FakeNotionOptions::default()
    })
    .await
    .expect("the fake starts")
}

/// notion-server over stdio, pointed at the fake with the demo token.
async fn server(fake: &FakeNotion, extra: &[&str]) -> Client {
    let base = fake.base_url.clone();
    let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    let command = tokio::process::Command::new(bin("notion-server")).configure(|c| {
        c.arg("--api-url")
            .arg(&base)
            .args(&extra)
            .env("NOTION_TOKEN", DEMO_TOKEN)
            .env_remove("NOTION_API_URL")
            .env_remove("NOTION_VERSION")
            .env_remove("NOTION_ALLOW_WRITE")
            .env("RUST_LOG", "warn");
    });
    let transport = TokioChildProcess::builder(command)
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn notion-server")
        .0;
    ().serve(transport).await.expect("initialize over stdio")
}

/// A fast server (no client-side pacing to speak of) with writes on.
async fn fast_writer(fake: &FakeNotion) -> Client {
    server(
        fake,
        &[
            "--allow-write",
            "--api-rate-limit",
            "1000",
            "--api-burst",
            "1000",
        ],
    )
    .await
}

/// Calls a tool that must succeed; its text.
async fn ok(client: &Client, tool: &str, args: serde_json::Value) -> String {
    let result = call(client, tool, args.clone()).await;
    let text = text_of(&result);
    assert_ne!(result.is_error, Some(true), "{tool} {args} failed: {text}");
    text
}

/// The id in create_page's answer: "Created page T (id ID, URL) with N block(s)."
fn created_id(text: &str) -> String {
    let start = text.find("(id ").expect("an id in the answer") + 4;
    let rest = &text[start..];
    rest[..rest.find([',', ')']).unwrap()].to_string()
}

/// get_page's whole body: every continuation followed, the front matter dropped.
async fn read_whole_page(client: &Client, id: &str) -> String {
    let mut out = String::new();
    let mut args = json!({ "page_id": id });
    for _ in 0..50 {
        let text = ok(client, "get_page", args.clone()).await;
        let body = match text.strip_prefix("---\n") {
            Some(rest) => rest
                .split_once("\n---")
                .map_or(rest, |(_, b)| b)
                .to_string(),
            None => text.clone(),
        };
        match body.split_once("\n\n(The page continues:") {
            Some((content, note)) => {
                out.push_str(content);
                out.push('\n');
                let cursor = note
                    .split("\"cursor\": \"")
                    .nth(1)
                    .and_then(|c| c.split('"').next())
                    .expect("a cursor in the continuation note");
                args = json!({ "page_id": id, "cursor": cursor });
            }
            None => {
                out.push_str(&body);
                return out;
            }
        }
    }
    panic!("get_page did not finish in 50 calls");
}

/// Markdown compared by meaning: trailing spaces and blank-line runs ignored.
fn normalize(md: &str) -> Vec<String> {
    md.lines()
        .map(|l| l.trim_end().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// Every block type under a page in the fake, at any depth.
fn kinds_in(fake: &FakeNotion, page: &str) -> BTreeSet<String> {
    fn walk(nodes: &[notion::TreeNode], out: &mut BTreeSet<String>) {
        for n in nodes {
            out.insert(n.kind.clone());
            walk(&n.children, out);
        }
    }
    let mut out = BTreeSet::new();
    walk(&fake.store.tree(page), &mut out);
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn the_markdown_fixture_round_trips_through_notion() {
    let fake = fast_fake().await;
    let client = fast_writer(&fake).await;
    let parent = fake.demo().handbook_page;
    let text = ok(
        &client,
        "create_page",
        json!({"parent_page_id": parent, "title": "Fixture round trip", "markdown": FIXTURE}),
    )
    .await;
    let id = created_id(&text);
    assert_eq!(fake.store.title(&id).as_deref(), Some("Fixture round trip"));
    // Every block type of the fixture exists in Notion (link previews, child pages
    // and child databases cannot be created through the API: they stay links).
    let kinds = kinds_in(&fake, &id);
    for kind in [
        "heading_1",
        "heading_2",
        "heading_3",
        "paragraph",
        "bulleted_list_item",
        "numbered_list_item",
        "to_do",
        "quote",
        "callout",
        "toggle",
        "code",
        "divider",
        "table",
        "table_row",
        "equation",
        "image",
        "video",
        "pdf",
        "file",
        "audio",
        "bookmark",
        "embed",
    ] {
        assert!(
            kinds.contains(kind),
            "{kind} missing after the write: {kinds:?}"
        );
    }
    // Nothing the server sent was refused.
    let refused: Vec<_> = fake
        .faults
        .requests()
        .into_iter()
        .filter(|r| r.status >= 400)
        .collect();
    assert!(refused.is_empty(), "{refused:?}");

    let back = read_whole_page(&client, &id).await;
    let (want, got) = (normalize(FIXTURE), normalize(&back));
    for (i, (w, g)) in want.iter().zip(&got).enumerate() {
        assert_eq!(g, w, "first difference at line {} of the fixture", i + 1);
    }
    assert_eq!(got.len(), want.len(), "read back:\n{back}");
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_500_block_page_in_three_levels_comes_back_complete() {
    let fake = fake().await;
    let client = server(&fake, &[]).await;
    let big = fake.demo().big_page;
    assert_eq!(fake.store.count_descendants(&big), 500);
    let text = read_whole_page(&client, &big).await;
    let missing: Vec<usize> = (1..=500)
        .filter(|n| !text.contains(&format!("Entry {n:04} (level")))
        .collect();
    assert!(missing.is_empty(), "missing entries {missing:?}");
    for n in 1..=500 {
        assert_eq!(
            text.matches(&format!("Entry {n:04} (level")).count(),
            1,
            "entry {n} appears once"
        );
    }
    // Level-3 entries are nested under level-2 ones, under level-1 ones.
    let indent = |n: usize| {
        let line = text
            .lines()
            .find(|l| l.contains(&format!("Entry {n:04} ")))
            .unwrap();
        line.len() - line.trim_start().len()
    };
    assert!(indent(3) > indent(2), "level 3 deeper than level 2");
    // Child lists of 140, 150, 105 and 105 blocks: two pages each.
    let child_lists = fake.faults.count("GET", "/v1/blocks/");
    assert!(child_lists >= 8, "{child_lists} child-list requests");
    assert_eq!(fake.rate_limited_count(), 0);
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_burst_of_100_calls_at_default_settings_draws_no_429() {
    let fake = fake().await;
    let client = server(&fake, &[]).await;
    let demo = fake.demo();
    let calls = (0..100).map(|i| {
        let (tool, args) = match i % 4 {
            0 => ("search", json!({"query": "project", "limit": 5})),
            1 => (
                "get_data_source",
                json!({"data_source_id": demo.projects_data_source}),
            ),
            2 => (
                "query_data_source",
                json!({"data_source_id": demo.projects_data_source, "limit": 5,
                       "filter": {"property": "Status", "status": {"equals": "Done"}}}),
            ),
            _ => ("list_comments", json!({"page_id": demo.handbook_page})),
        };
        let client = &client;
        async move {
            let result = call(client, tool, args).await;
            (tool, result.is_error, text_of(&result))
        }
    });
    let results = tokio::time::timeout(Duration::from_secs(120), futures::future::join_all(calls))
        .await
        .expect("100 calls finish within two minutes");
    for (tool, is_error, text) in &results {
        assert_ne!(*is_error, Some(true), "{tool}: {text}");
    }
    assert_eq!(
        fake.rate_limited_count(),
        0,
        "the fake's limiter never refused"
    );
    let statuses: Vec<u16> = fake.faults.requests().iter().map(|r| r.status).collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert!(statuses.len() >= 100);
    assert!(
        fake.faults.max_in_window(Duration::from_secs(1)) <= 10,
        "no more than the fake's burst in any second"
    );
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn forced_429s_are_waited_out() {
    let fake = fake().await;
    let client = server(&fake, &["--allow-write"]).await;
    let demo = fake.demo();
    fake.faults.set_plan(FaultPlan {
        rate_limit_next: 2,
        retry_after_secs: 1,
        ..FaultPlan::default()
    });
    let found = ok(&client, "search", json!({"query": "Team Handbook"})).await;
    assert!(found.contains(&demo.handbook_page), "{found}");
    fake.faults.set_plan(FaultPlan {
        rate_limit_next: 1,
        retry_after_secs: 1,
        ..FaultPlan::default()
    });
    let page = ok(
        &client,
        "get_page",
        json!({"page_id": demo.onboarding_page}),
    )
    .await;
    assert!(page.contains("Build the firmware"), "{page}");
    // A write refused with 429 was not acted on, so it is sent again.
    fake.faults.set_plan(FaultPlan {
        rate_limit_next: 1,
        retry_after_secs: 1,
        ..FaultPlan::default()
    });
    ok(
        &client,
        "add_comment",
        json!({"page_id": demo.handbook_page, "text": "Checked after a rate limit."}),
    )
    .await;
    let comments = fake.store.comments_on(&demo.handbook_page);
    assert_eq!(
        comments
            .iter()
            .filter(|c| *c == "Checked after a rate limit.")
            .count(),
        1,
        "written exactly once"
    );
    let seen = fake.faults.requests();
    let limited: Vec<usize> = (0..seen.len()).filter(|i| seen[*i].status == 429).collect();
    assert_eq!(limited.len(), 4);
    for i in limited {
        let retry = seen[i + 1..]
            .iter()
            .find(|r| r.path == seen[i].path && r.method == seen[i].method)
            .expect("the refused request was sent again");
        assert!(
            retry.at_ms - seen[i].at_ms >= 950.0,
            "waited {} ms after a Retry-After of 1 s",
            retry.at_ms - seen[i].at_ms
        );
    }
    client.cancel().await.unwrap();
}

/// Markdown of one paragraph over 2,000 characters, 250 list items and a list
/// nested four levels deep: 255 blocks.
fn long_markdown() -> (String, String) {
    let long: String = (1..=130)
        .map(|i| format!("Sentence {i:03}: the robot stops within 30 cm at 1 m/s. "))
        .collect::<String>()
        .trim_end()
        .to_string();
    assert!(long.chars().count() > 2_000 * 3);
    let mut md = format!("{long}\n\n");
    for i in 1..=250 {
        md.push_str(&format!("- Item {i:03}\n"));
    }
    md.push_str("\nAfter the list.\n\n- Level 1\n  - Level 2\n    - Level 3\n      - Level 4\n");
    (md, long)
}

#[tokio::test(flavor = "multi_thread")]
async fn long_text_and_many_blocks_land_completely() {
    let fake = fast_fake().await;
    let client = fast_writer(&fake).await;
    let page = fake.store.add_page(None, "Append target");
    let (md, long) = long_markdown();
    ok(
        &client,
        "append_markdown",
        json!({"page_id": page, "markdown": md}),
    )
    .await;
    let texts = fake.store.texts(&page);
    assert_eq!(texts.len(), 1 + 250 + 1 + 4, "{texts:?}");
    assert_eq!(texts[0], long, "the long paragraph is whole");
    let items: Vec<String> = (1..=250).map(|i| format!("Item {i:03}")).collect();
    assert_eq!(texts[1..=250], items[..]);
    assert_eq!(
        &texts[251..],
        [
            "After the list.",
            "Level 1",
            "Level 2",
            "Level 3",
            "Level 4"
        ]
    );
    let tree = fake.store.tree(&page);
    let deepest = &tree.last().unwrap().children[0].children[0].children[0];
    assert_eq!(deepest.text, "Level 4", "four levels, as written");
    let appends = fake.faults.count("PATCH", "/v1/blocks/");
    assert!(appends >= 3, "{appends} append requests");
    assert!(fake.faults.requests().iter().all(|r| r.status == 200));
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_write_that_stops_halfway_says_what_landed() {
    let fake = fast_fake().await;
    let client = fast_writer(&fake).await;
    let page = fake.store.add_page(None, "Interrupted append");
    let mut md = String::new();
    for i in 1..=250 {
        md.push_str(&format!("- Item {i:03}\n"));
    }
    fake.store.fail_appends_after(1, 500);
    let result = call(
        &client,
        "append_markdown",
        json!({"page_id": page, "markdown": md}),
    )
    .await;
    let text = text_of(&result);
    assert_eq!(result.is_error, Some(true), "{text}");
    let landed = fake.store.count_children(&page);
    assert!(landed > 0 && landed < 250, "{landed} blocks landed");
    assert!(
        text.contains(&format!("{landed} of 250 blocks landed")),
        "the error says what landed: {text}"
    );
    let next_line = landed + 1;
    assert!(
        text.contains(&format!("line {next_line}")),
        "and where to resume: {text}"
    );
    // Resending from that line finishes the page.
    fake.store.stop_failing_appends();
    let rest: String = md.lines().skip(landed).map(|l| format!("{l}\n")).collect();
    ok(
        &client,
        "append_markdown",
        json!({"page_id": page, "markdown": rest}),
    )
    .await;
    let texts = fake.store.texts(&page);
    let want: Vec<String> = (1..=250).map(|i| format!("Item {i:03}")).collect();
    assert_eq!(texts, want);
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn tools_list_is_small_and_writes_are_opt_in() {
    let fake = fast_fake().await;
    const WRITES: [&str; 5] = [
        "create_page",
        "append_markdown",
        "update_page_properties",
        "add_comment",
        "archive_page",
    ];
    let writer = server(&fake, &["--allow-write"]).await;
    let tools = writer.list_all_tools().await.unwrap();
    let names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
    for w in WRITES {
        assert!(
            names.iter().any(|n| n == w),
            "{w} listed with --allow-write"
        );
    }
    let bytes = serde_json::to_string(&ListToolsResult::with_all_items(tools))
        .unwrap()
        .len();
    assert!(bytes < 12 * 1024, "tools/list is {bytes} bytes");
    writer.cancel().await.unwrap();

    let reader = server(&fake, &[]).await;
    let names: Vec<String> = reader
        .list_all_tools()
        .await
        .unwrap()
        .iter()
        .map(|t| t.name.to_string())
        .collect();
    assert!(!names.is_empty());
    // Without --allow-write exactly the read tools are listed (sorted by name).
    assert_eq!(
        names,
        [
            "get_data_source",
            "get_page",
            "list_comments",
            "list_users",
            "query_data_source",
            "search"
        ],
        "the read tools, and nothing else, without --allow-write"
    );
    for w in WRITES {
        assert!(
            !names.iter().any(|n| n == w),
            "{w} listed without --allow-write"
        );
    }
    // And calling one anyway is refused without touching Notion.
    let before = fake.faults.requests().len();
    let refused = reader
        .call_tool(
            rmcp::model::CallToolRequestParams::new("create_page").with_arguments(
                json!({"parent_page_id": fake.demo().handbook_page, "title": "x"})
                    .as_object()
                    .unwrap()
                    .clone(),
            ),
        )
        .await;
    assert!(
        refused.is_err() || refused.as_ref().is_ok_and(|r| r.is_error == Some(true)),
        "{refused:?}"
    );
    assert_eq!(fake.faults.requests().len(), before);
    reader.cancel().await.unwrap();
}

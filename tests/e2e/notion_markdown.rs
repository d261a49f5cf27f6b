//! notion-server against the fake Notion's markdown endpoints (Notion-Version
//! 2026-03-11), end to end over stdio: a page is read in one markdown request and
//! reads the same as through the block walk; update_page_content keeps child
//! pages, child databases and synced blocks on both paths, its dry run writes
//! nothing, and a range update leaves the blocks around the range as they were
//! (same ids); the fake refuses what Notion refuses; move_page, create_data_source
//! and list_users; tools/list sizes with writes on and off.

use e2e::{call, stdio_client, text_of};
use fake_apis::notion::blocks::NewBlock;
use fake_apis::notion::properties::PropSchema;
use fake_apis::notion::store::Parent;
use fake_apis::notion::tree::text_block;
use fake_apis::notion::{self, DEMO_TOKEN, FakeNotion, FakeNotionOptions, TreeNode};
use rmcp::RoleClient;
use rmcp::model::ListToolsResult;
use rmcp::service::RunningService;
use serde_json::{Value, json};

type Client = RunningService<RoleClient, ()>;

const MARKDOWN_VERSION: &str = "2026-03-11";

async fn fake() -> FakeNotion {
    notion::start_with(FakeNotionOptions {
        rate_per_sec: 0.0,
        ..FakeNotionOptions::default()
    })
    .await
    .expect("the fake starts")
}

/// notion-server on the fake with `version` (None: its default, before the
/// markdown endpoints), writes on.
async fn server(fake: &FakeNotion, version: Option<&str>) -> Client {
    let mut args = vec![
        "--api-url",
        fake.base_url.as_str(),
        "--notion-token",
        DEMO_TOKEN,
        "--allow-write",
        "--api-rate-limit",
        "1000",
        "--api-burst",
        "1000",
    ];
    if let Some(v) = version {
        args.extend(["--notion-version", v]);
    }
    stdio_client("notion-server", &args).await
}

async fn ok(client: &Client, tool: &str, args: Value) -> String {
    let result = call(client, tool, args.clone()).await;
    let text = text_of(&result);
    assert_ne!(result.is_error, Some(true), "{tool} {args} failed: {text}");
    text
}

/// A page holding every kind of block the test needs: text blocks and lists, then a
/// child page, a child database, a synced block and a last paragraph.
fn rich_page(fake: &FakeNotion, title: &str) -> String {
    let mut code = text_block("code", "let x = 1;", vec![]);
    code.payload["language"] = json!("rust");
    code.payload.as_object_mut().unwrap().remove("color");
    let blocks = vec![
        text_block("heading_1", "Plan", vec![]),
        text_block("paragraph", "Intro text", vec![]),
        text_block(
            "bulleted_list_item",
            "one",
            vec![text_block("bulleted_list_item", "nested", vec![])],
        ),
        text_block("bulleted_list_item", "two", vec![]),
        text_block("numbered_list_item", "first", vec![]),
        text_block("numbered_list_item", "second", vec![]),
        text_block("to_do", "task", vec![]),
        text_block("quote", "wise words", vec![]),
        code,
        NewBlock {
            kind: "divider".into(),
            payload: json!({}),
            children: vec![],
        },
    ];
    let page = fake.store.add_page_with_blocks(None, title, blocks);
    fake.store.add_page(Some(&page), "Sub page");
    let mut st = fake.store.lock();
    st.create_database(
        Parent::Page(page.clone()),
        "Tasks db",
        Value::Null,
        vec![PropSchema::new("Name", "title", json!({}))],
    );
    st.insert_blocks(
        &page,
        vec![
            NewBlock {
                kind: "synced_block".into(),
                payload: json!({"synced_from": null}),
                children: vec![text_block("paragraph", "Shared words", vec![])],
            },
            text_block("paragraph", "Outro", vec![]),
        ],
        None,
    );
    page
}

/// get_page's text without its front matter, and the front matter.
fn split_front(text: &str) -> (String, String) {
    let rest = text.strip_prefix("---\n").expect("front matter");
    let (front, body) = rest.split_once("\n---\n\n").expect("end of front matter");
    (front.to_string(), body.to_string())
}

/// A page read with a 1,000-byte bound, every continuation followed (the cursors
/// start with `prefix`); the parts joined.
async fn read_in_parts(client: &Client, page: &str, prefix: &str) -> String {
    let mut parts = Vec::new();
    let mut args = json!({"page_id": page, "max_bytes": 1000});
    for _ in 0..20 {
        let text = ok(client, "get_page", args.clone()).await;
        let body = text
            .strip_prefix("---\n")
            .and_then(|t| t.split_once("\n---\n\n"))
            .map_or(text.as_str(), |(_, b)| b);
        match body.split_once("\n\n(The page continues:") {
            Some((content, note)) => {
                parts.push(content.to_string());
                let cursor = note.split("\"cursor\": \"").nth(1).unwrap();
                let cursor = cursor.split('"').next().unwrap();
                assert!(cursor.starts_with(prefix), "{cursor}");
                args = json!({"page_id": page, "max_bytes": 1000, "cursor": cursor});
            }
            None => {
                parts.push(body.to_string());
                assert!(parts.len() > 2, "the bound cut the page");
                return parts.join("\n\n");
            }
        }
    }
    panic!("no end after 20 parts")
}

/// (id, kind, text) of the page's top-level blocks.
fn top(fake: &FakeNotion, page: &str) -> Vec<(String, String, String)> {
    fake.store
        .tree(page)
        .into_iter()
        .map(|n: TreeNode| (n.id, n.kind, n.text))
        .collect()
}

#[tokio::test]
async fn a_page_reads_the_same_through_the_markdown_endpoint_and_the_block_walk() {
    let fake = fake().await;
    let page = rich_page(&fake, "Same both ways");
    let newer = server(&fake, Some(MARKDOWN_VERSION)).await;
    let older = server(&fake, None).await;

    fake.faults.reset();
    let (front_md, body_md) = split_front(&ok(&newer, "get_page", json!({"page_id": page})).await);
    let sent = fake.faults.requests();
    let markdown = sent
        .iter()
        .filter(|r| r.path.ends_with("/markdown"))
        .count();
    let lists = sent
        .iter()
        .filter(|r| r.path.ends_with("/children"))
        .count();
    assert_eq!(
        (markdown, lists),
        (1, 0),
        "one markdown request, no block lists: {sent:?}"
    );
    assert!(
        front_md.contains("read_via: markdown endpoint"),
        "{front_md}"
    );

    fake.faults.reset();
    let (front_walk, body_walk) =
        split_front(&ok(&older, "get_page", json!({"page_id": page})).await);
    let sent = fake.faults.requests();
    assert!(sent.iter().all(|r| !r.path.ends_with("/markdown")));
    assert!(
        sent.iter()
            .filter(|r| r.path.ends_with("/children"))
            .count()
            >= 3
    );
    assert!(front_walk.contains("read_via: block walk"), "{front_walk}");

    assert_eq!(body_md, body_walk);
    for expected in [
        "# Plan",
        "- one\n  - nested\n- two",
        "1. first\n2. second",
        "```rust\nlet x = 1;\n```",
        "[Child page: Sub page](",
        "[Child database: Tasks db](",
        "Shared words",
    ] {
        assert!(body_md.contains(expected), "{expected:?} in:\n{body_md}");
    }

    // Blocks the endpoint leaves as <unknown> are read through the block walk, so
    // the two paths still agree.
    let mut callout = text_block("callout", "Heads up", vec![]);
    callout.payload["icon"] = json!({"type": "emoji", "emoji": "💡"});
    let mixed = fake.store.add_page_with_blocks(
        None,
        "Mixed",
        vec![
            text_block("paragraph", "Before", vec![]),
            callout,
            text_block(
                "toggle",
                "More",
                vec![text_block("paragraph", "Hidden", vec![])],
            ),
            NewBlock {
                kind: "embed".into(),
                payload: json!({"url": "https://example.com/e", "caption": []}),
                children: vec![],
            },
        ],
    );
    let (_, mixed_md) = split_front(&ok(&newer, "get_page", json!({"page_id": mixed})).await);
    let (_, mixed_walk) = split_front(&ok(&older, "get_page", json!({"page_id": mixed})).await);
    assert_eq!(mixed_md, mixed_walk);
    for expected in ["Heads up", "Hidden", "https://example.com/e"] {
        assert!(mixed_md.contains(expected), "{expected:?} in:\n{mixed_md}");
    }

    // A long page cut by the output bound: both paths continue with their cursors
    // and the parts add up to the same text.
    let blocks = (0..80)
        .map(|i| {
            text_block(
                "paragraph",
                &format!("Paragraph number {i:03} of a long page"),
                vec![],
            )
        })
        .collect();
    let long = fake.store.add_page_with_blocks(None, "Long", blocks);
    let whole_md = read_in_parts(&newer, &long, "md:").await;
    let whole_walk = read_in_parts(&older, &long, "").await;
    assert_eq!(whole_md, whole_walk);
    assert_eq!(whole_md.matches("Paragraph number").count(), 80);
    newer.cancel().await.unwrap();
    older.cancel().await.unwrap();
}

/// Replaces the whole content of a fresh rich page through `version` and checks
/// that the child page, the child database and the synced block are still there.
async fn whole_update_keeps_what_markdown_cannot_express(version: Option<&str>) {
    let fake = fake().await;
    let page = rich_page(&fake, "Keep them");
    let client = server(&fake, version).await;
    let before = top(&fake, &page);
    let kept: Vec<(String, String, String)> = before
        .iter()
        .filter(|(_, kind, _)| {
            matches!(
                kind.as_str(),
                "child_page" | "child_database" | "synced_block"
            )
        })
        .cloned()
        .collect();
    assert_eq!(kept.len(), 3);

    let dry = ok(
        &client,
        "update_page_content",
        json!({"page_id": page, "markdown": "# New\n\nFresh text", "dry_run": true}),
    )
    .await;
    assert!(dry.starts_with("Dry run"), "{dry}");
    assert!(
        dry.contains("-Intro text") && dry.contains("+Fresh text"),
        "{dry}"
    );
    assert!(dry.contains("child page \"Sub page\""), "{dry}");
    assert_eq!(top(&fake, &page), before, "a dry run writes nothing");

    let done = ok(
        &client,
        "update_page_content",
        json!({"page_id": page, "markdown": "# New\n\nFresh text"}),
    )
    .await;
    let path = if version.is_some() {
        "markdown endpoint"
    } else {
        "block walk"
    };
    assert!(done.contains(path), "{done}");
    let after = top(&fake, &page);
    for k in &kept {
        assert!(after.contains(k), "{k:?} kept in {after:?}");
        assert!(!fake.store.lock().in_trash(&k.0), "{k:?} not in the trash");
    }
    let texts: Vec<&str> = after.iter().map(|(_, _, t)| t.as_str()).collect();
    assert!(
        texts.contains(&"Fresh text") && texts.contains(&"New"),
        "{texts:?}"
    );
    assert!(
        !texts.contains(&"Intro text") && !texts.contains(&"Outro"),
        "{texts:?}"
    );
    assert_eq!(after.len(), 5, "3 kept + 2 new: {after:?}");
    // The synced block's content is its own, untouched.
    assert_eq!(fake.store.texts(&kept[2].0), ["Shared words"]);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn update_page_content_keeps_child_pages_databases_and_synced_blocks() {
    whole_update_keeps_what_markdown_cannot_express(Some(MARKDOWN_VERSION)).await;
}

#[tokio::test]
async fn the_block_walk_update_keeps_them_too() {
    whole_update_keeps_what_markdown_cannot_express(None).await;
}

/// A range update through `version` replaces its blocks and leaves the others with
/// their ids and texts.
async fn range_update_leaves_the_rest(version: Option<&str>) {
    let fake = fake().await;
    let page = rich_page(&fake, "Range");
    let client = server(&fake, version).await;
    let before = top(&fake, &page);
    let at = |text: &str| before.iter().position(|(_, _, t)| t == text).unwrap();
    let (first, last) = (at("two"), at("second"));

    let refused = call(
        &client,
        "update_page_content",
        json!({"page_id": page, "start_text": "o", "markdown": "x"}),
    )
    .await;
    assert_eq!(refused.is_error, Some(true));
    assert!(text_of(&refused).contains("Nothing was written"));
    assert_eq!(top(&fake, &page), before);

    let done = ok(
        &client,
        "update_page_content",
        json!({"page_id": page, "start_text": "- two", "end_text": "2. second",
               "markdown": "Replaced middle"}),
    )
    .await;
    assert!(done.contains("replaced 3 block(s)"), "{done}");
    let after = top(&fake, &page);
    assert_eq!(after[..first], before[..first], "blocks before the range");
    assert_eq!(after[first].2, "Replaced middle");
    assert_eq!(
        after[first + 1..],
        before[last + 1..],
        "blocks after the range"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_range_update_leaves_the_rest_unchanged() {
    range_update_leaves_the_rest(Some(MARKDOWN_VERSION)).await;
}

#[tokio::test]
async fn a_range_update_through_the_block_walk_leaves_the_rest_unchanged() {
    range_update_leaves_the_rest(None).await;
}

/// The fake refuses what Notion refuses, so the tests above mean something.
#[tokio::test]
async fn the_fake_refuses_what_notion_refuses() {
    let fake = fake().await;
    let page = rich_page(&fake, "Refusals");
    let http = reqwest::Client::new();
    let send = |method: reqwest::Method, path: String, version: &str, body: Option<Value>| {
        let mut r = http
            .request(method, format!("{}/{path}", fake.base_url))
            .bearer_auth(DEMO_TOKEN)
            .header("Notion-Version", version);
        if let Some(b) = body {
            r = r.json(&b);
        }
        r.send()
    };
    let code = |v: &Value| v["code"].as_str().unwrap_or_default().to_string();

    let old = send(
        reqwest::Method::GET,
        format!("pages/{page}/markdown"),
        "2025-09-03",
        None,
    )
    .await
    .unwrap();
    assert_eq!(old.status(), 400);
    assert_eq!(code(&old.json().await.unwrap()), "invalid_request_url");

    let before = top(&fake, &page);
    let patch = |body: Value| {
        send(
            reqwest::Method::PATCH,
            format!("pages/{page}/markdown"),
            MARKDOWN_VERSION,
            Some(body),
        )
    };
    let wipe = patch(json!({"type": "replace_content", "replace_content": {"new_str": "gone"}}))
        .await
        .unwrap();
    assert_eq!(wipe.status(), 400);
    let body: Value = wipe.json().await.unwrap();
    assert_eq!(code(&body), "validation_error");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("allow_deleting_content")
    );
    let missing = patch(json!({"type": "update_content", "update_content": {
        "content_updates": [{"old_str": "not on the page", "new_str": "x"}]}}))
    .await
    .unwrap();
    assert_eq!(missing.status(), 400);
    let mismatched = patch(json!({"type": "replace_content", "update_content": {}}))
        .await
        .unwrap();
    assert_eq!(mismatched.status(), 400);
    assert_eq!(top(&fake, &page), before, "refused edits change nothing");

    // With the flag, Notion trashes what the new content leaves out.
    let sub = fake.store.find_page("Sub page").unwrap();
    let forced = patch(json!({"type": "replace_content", "replace_content": {
        "new_str": "only this", "allow_deleting_content": true}}))
    .await
    .unwrap();
    assert_eq!(forced.status(), 200);
    let answer: Value = forced.json().await.unwrap();
    assert_eq!(answer["object"], "page_markdown");
    assert_eq!(answer["markdown"], "only this");
    assert!(fake.store.lock().in_trash(&sub));
}

#[tokio::test]
async fn move_page_create_data_source_and_list_users() {
    let fake = fake().await;
    let home = fake.store.add_page(None, "Home");
    let other = fake.store.add_page(None, "Other");
    let client = server(&fake, Some(MARKDOWN_VERSION)).await;

    let created = ok(
        &client,
        "create_data_source",
        json!({"parent_page_id": home, "title": "Tasks",
               "properties": {"Task": "title", "Status": {"type": "select", "options": ["Todo", "Done"]}, "Due": "date"}}),
    )
    .await;
    let ds = fake.store.find_data_source("Tasks").expect("a data source");
    assert!(created.contains(&ds), "{created}");
    let schema = fake.store.lock().data_sources[&ds].schema.clone();
    let kinds: Vec<(String, String)> = schema
        .iter()
        .map(|p| (p.name.clone(), p.kind.clone()))
        .collect();
    assert!(
        kinds.contains(&("Status".into(), "select".into())),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("Task".into(), "title".into())),
        "{kinds:?}"
    );
    let refused = call(
        &client,
        "create_data_source",
        json!({"parent_page_id": home, "title": "Bad", "properties": {"X": "formula"}}),
    )
    .await;
    assert_eq!(refused.is_error, Some(true));
    assert!(fake.store.find_data_source("Bad").is_none());

    let child = fake.store.add_page(Some(&home), "Mover");
    let moved = ok(
        &client,
        "move_page",
        json!({"page_id": child, "parent_page_id": other}),
    )
    .await;
    assert!(moved.contains(&other), "{moved}");
    assert_eq!(fake.store.page(&child).unwrap()["parent"]["page_id"], other);
    assert!(fake.store.tree(&other).iter().any(|n| n.id == child));
    assert!(!fake.store.tree(&home).iter().any(|n| n.id == child));
    ok(
        &client,
        "move_page",
        json!({"page_id": child, "data_source_id": ds}),
    )
    .await;
    assert!(fake.store.rows(&ds).contains(&child));

    let users = ok(&client, "list_users", json!({})).await;
    let expected = fake.store.lock().users.len();
    assert_eq!(
        users.lines().filter(|l| l.starts_with("- ")).count(),
        expected,
        "{users}"
    );
    client.cancel().await.unwrap();
}

#[test]
fn the_fake_creates_the_property_types_create_data_source_offers() {
    assert_eq!(
        notion_server::tools::write::PROPERTY_TYPES,
        fake_apis::notion::properties::CREATABLE
    );
}

#[tokio::test]
async fn tools_list_stays_under_12_kb_with_writes_on() {
    let fake = fake().await;
    let mut sizes = Vec::new();
    for writes in [false, true] {
        let mut args = vec![
            "--api-url",
            fake.base_url.as_str(),
            "--notion-token",
            DEMO_TOKEN,
        ];
        if writes {
            args.push("--allow-write");
        }
        let client = stdio_client("notion-server", &args).await;
        let tools = client.list_all_tools().await.unwrap();
        let names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
        assert_eq!(names.contains(&"update_page_content".to_string()), writes);
        assert!(names.contains(&"list_users".to_string()));
        let bytes = serde_json::to_string(&ListToolsResult::with_all_items(tools))
            .unwrap()
            .len();
        sizes.push(bytes);
        client.cancel().await.unwrap();
    }
    eprintln!(
        "tools/list bytes: writes off {}, writes on {}",
        sizes[0], sizes[1]
    );
    assert!(
        sizes[1] < 12 * 1024,
        "tools/list with writes is {} bytes",
        sizes[1]
    );
}

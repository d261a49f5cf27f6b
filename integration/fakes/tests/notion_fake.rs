//! The fake Notion API over HTTP: pagination, versions and auth, validation
//! limits, the rate limit, writes that read back, search, queries, comments.

use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

use fake_apis::faults::FaultPlan;
use fake_apis::notion::{self, DEMO_TOKEN, FakeNotion, FakeNotionOptions};
use reqwest::Method;
use serde_json::{Value, json};

const VERSION: &str = "2025-09-03";

/// The fake, without its rate limit unless a test wants it.
async fn fake() -> FakeNotion {
    notion::start_with(FakeNotionOptions {
        rate_per_sec: 0.0,
        ..FakeNotionOptions::default()
    })
    .await
    .expect("the fake starts")
}

struct Api {
    http: reqwest::Client,
    base: String,
}

struct Answer {
    status: u16,
    retry_after: Option<String>,
    body: Value,
}

impl Api {
    fn new(fake: &FakeNotion) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: fake.base_url.clone(),
        }
    }

    async fn raw(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut request = self.http.request(method, format!("{}/{path}", self.base));
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        let response = request.send().await.expect("the fake answers");
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap_or_default().to_string());
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Answer {
            status,
            retry_after,
            body,
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let auth = format!("Bearer {DEMO_TOKEN}");
        self.raw(
            method,
            path,
            body.map(|b| b.to_string()),
            &[("authorization", &auth), ("notion-version", VERSION)],
        )
        .await
    }

    /// A call that must succeed; its body.
    async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let a = self.call(method.clone(), path, body).await;
        assert_eq!(a.status, 200, "{method} {path}: {}", a.body);
        a.body
    }

    async fn get(&self, path: &str) -> Value {
        self.ok(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.ok(Method::POST, path, Some(body)).await
    }

    /// Every child of a block, following cursors; also how many requests it took.
    async fn all_children(&self, id: &str) -> (Vec<Value>, usize) {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        let mut requests = 0;
        loop {
            let mut path = format!("blocks/{id}/children?page_size=100");
            if let Some(c) = &cursor {
                path.push_str(&format!("&start_cursor={c}"));
            }
            let page = self.get(&path).await;
            requests += 1;
            assert_eq!(page["object"], "list");
            assert_eq!(page["type"], "block");
            let results = page["results"].as_array().unwrap();
            assert!(results.len() <= 100);
            out.extend(results.iter().cloned());
            if page["has_more"] == true {
                cursor = Some(page["next_cursor"].as_str().unwrap().to_string());
            } else {
                assert!(page["next_cursor"].is_null());
                return (out, requests);
            }
        }
    }

    /// Counts blocks under `id` at every level, reading children recursively.
    async fn count_tree(&self, id: &str) -> (usize, Vec<String>) {
        let mut count = 0;
        let mut texts = Vec::new();
        let mut stack = vec![id.to_string()];
        while let Some(next) = stack.pop() {
            let (children, _) = self.all_children(&next).await;
            for c in children {
                count += 1;
                let kind = c["type"].as_str().unwrap();
                if let Some(rt) = c[kind]["rich_text"].as_array() {
                    texts.push(
                        rt.iter()
                            .map(|r| r["plain_text"].as_str().unwrap())
                            .collect(),
                    );
                }
                if c["has_children"] == true {
                    stack.push(c["id"].as_str().unwrap().to_string());
                }
            }
        }
        (count, texts)
    }
}

fn error_of(a: &Answer) -> (&str, &str) {
    assert_eq!(a.body["object"], "error", "{}", a.body);
    assert_eq!(a.body["status"], a.status);
    assert!(a.body["request_id"].is_string());
    (
        a.body["code"].as_str().unwrap(),
        a.body["message"].as_str().unwrap(),
    )
}

fn para(text: &str) -> Value {
    json!({"object": "block", "type": "paragraph", "paragraph": {"rich_text": [{"type": "text", "text": {"content": text}}]}})
}

fn with_children(mut block: Value, children: Vec<Value>) -> Value {
    let kind = block["type"].as_str().unwrap().to_string();
    block[kind]["children"] = json!(children);
    block
}

#[tokio::test]
async fn children_paginate_past_one_hundred_and_the_big_page_is_complete() {
    let fake = fake().await;
    let api = Api::new(&fake);
    let big = fake.demo().big_page;
    let (top, requests) = api.all_children(&big).await;
    assert_eq!((top.len(), requests), (140, 2));
    let first = top[0]["id"].as_str().unwrap();
    assert_eq!(top[0]["has_children"], true);
    let (second_level, requests) = api.all_children(first).await;
    assert_eq!((second_level.len(), requests), (150, 2));
    let (count, texts) = api.count_tree(&big).await;
    assert_eq!(count, 500);
    let unique: HashSet<&String> = texts.iter().collect();
    assert_eq!(unique.len(), 500, "every text is distinct");
    assert_eq!(fake.store.count_descendants(&big), 500);

    // A page built to a shape: 120 toggles, each with 2 bullets, each with 1 item.
    let shaped = fake.store.add_page_with_tree(None, "Shaped", &[120, 2, 1]);
    let (count, texts) = api.count_tree(&shaped).await;
    assert_eq!((count, fake.store.count_children(&shaped)), (600, 120));
    assert!(texts.contains(&"Block 0003 (level 3)".to_string()));
    assert_eq!(
        fake.store.tree(&shaped)[119].children[1].children[0].count(),
        1
    );

    let small = api.get(&format!("blocks/{big}/children?page_size=7")).await;
    assert_eq!(small["results"].as_array().unwrap().len(), 7);
    assert_eq!(small["next_cursor"], top[7]["id"]);
    for bad in ["101", "0", "many"] {
        let a = api
            .call(
                Method::GET,
                &format!("blocks/{big}/children?page_size={bad}"),
                None,
            )
            .await;
        assert_eq!(
            (a.status, error_of(&a).0),
            (400, "validation_error"),
            "{bad}"
        );
    }
    let a = api
        .call(
            Method::GET,
            &format!("blocks/{big}/children?start_cursor=nope"),
            None,
        )
        .await;
    assert_eq!(error_of(&a).0, "validation_error");
}

#[tokio::test]
async fn versions_tokens_ids_and_json_are_checked() {
    let fake = fake().await;
    let api = Api::new(&fake);
    let page = fake.demo().handbook_page;
    let auth = format!("Bearer {DEMO_TOKEN}");

    let a = api
        .raw(
            Method::GET,
            &format!("pages/{page}"),
            None,
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!((a.status, error_of(&a).0), (400, "missing_version"));

    let a = api
        .raw(
            Method::GET,
            &format!("pages/{page}"),
            None,
            &[("notion-version", VERSION)],
        )
        .await;
    assert_eq!((a.status, error_of(&a).0), (401, "unauthorized"));
    let a = api
        .raw(
            Method::GET,
            "users/me",
            None,
            &[
                ("authorization", "Bearer secret_wrong"),
                ("notion-version", VERSION),
            ],
        )
        .await;
    assert_eq!((a.status, error_of(&a).0), (401, "unauthorized"));

    let ds = fake.demo().projects_data_source;
    let legacy = [
        ("authorization", auth.as_str()),
        ("notion-version", "2022-06-28"),
    ];
    let a = api
        .raw(Method::GET, &format!("data_sources/{ds}"), None, &legacy)
        .await;
    assert_eq!((a.status, error_of(&a).0), (400, "invalid_request_url"));
    let a = api
        .raw(
            Method::POST,
            &format!("data_sources/{ds}/query"),
            Some("{}".into()),
            &legacy,
        )
        .await;
    assert_eq!((a.status, error_of(&a).0), (400, "invalid_request_url"));
    // The legacy database query still works in the legacy version only.
    let db = fake.demo().projects_database;
    let a = api
        .raw(
            Method::POST,
            &format!("databases/{db}/query"),
            Some("{}".into()),
            &legacy,
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["results"].as_array().unwrap().len(), 25);
    assert_eq!(a.body["results"][0]["parent"]["type"], "database_id");
    let a = api
        .call(
            Method::POST,
            &format!("databases/{db}/query"),
            Some(json!({})),
        )
        .await;
    assert_eq!(error_of(&a).0, "invalid_request_url");

    let a = api.call(Method::GET, "nowhere", None).await;
    assert_eq!((a.status, error_of(&a).0), (400, "invalid_request_url"));

    let missing = "0123456789abcdef0123456789abcdef";
    let a = api
        .call(Method::GET, &format!("pages/{missing}"), None)
        .await;
    assert_eq!((a.status, error_of(&a).0), (404, "object_not_found"));
    let a = api
        .call(Method::GET, &format!("blocks/{missing}/children"), None)
        .await;
    assert_eq!((a.status, error_of(&a).0), (404, "object_not_found"));
    let a = api.call(Method::GET, "pages/not-an-id", None).await;
    assert_eq!((a.status, error_of(&a).0), (400, "validation_error"));

    // Ids without dashes are the same object.
    let compact = page.replace('-', "");
    assert_eq!(
        api.get(&format!("pages/{compact}")).await["id"],
        page.as_str()
    );

    let a = api
        .raw(
            Method::POST,
            "search",
            Some("{\"query\": ".into()),
            &[("authorization", &auth), ("notion-version", VERSION)],
        )
        .await;
    assert_eq!((a.status, error_of(&a).0), (400, "invalid_json"));

    let me = api.get("users/me").await;
    assert_eq!(
        (me["object"].as_str(), me["type"].as_str()),
        (Some("user"), Some("bot"))
    );
}

#[tokio::test]
async fn appends_are_validated_like_notion() {
    let fake = fake().await;
    let api = Api::new(&fake);
    let page = fake.store.add_page(None, "Scratch");
    let append = |children: Value| {
        let api = &api;
        let page = page.clone();
        async move {
            api.call(
                Method::PATCH,
                &format!("blocks/{page}/children"),
                Some(json!({ "children": children })),
            )
            .await
        }
    };

    let a = append(json!([para(&"x".repeat(2001))])).await;
    let (code, message) = error_of(&a);
    assert_eq!((a.status, code), (400, "validation_error"));
    assert!(
        message.contains("text.content.length should be ≤ `2000`, instead was `2001`"),
        "{message}"
    );
    // Notion counts UTF-16 units: 1,000 emoji are 2,000 units and pass; 1,001 do not.
    assert_eq!(append(json!([para(&"🤖".repeat(1000))])).await.status, 200);
    assert_eq!(append(json!([para(&"🤖".repeat(1001))])).await.status, 400);

    let many: Vec<Value> = (0..101).map(|i| para(&format!("p{i}"))).collect();
    let a = append(json!(many)).await;
    assert_eq!(error_of(&a).0, "validation_error");
    assert!(
        error_of(&a)
            .1
            .contains("body.children.length should be ≤ `100`, instead was `101`")
    );

    let items: Vec<Value> = (0..101)
        .map(|i| json!({"text": {"content": format!("{i} ")}}))
        .collect();
    let a = append(json!([{"type": "paragraph", "paragraph": {"rich_text": items}}])).await;
    assert!(
        error_of(&a)
            .1
            .contains("rich_text.length should be ≤ `100`")
    );

    let three = with_children(
        json!({"type": "toggle", "toggle": {"rich_text": [{"text": {"content": "level 1"}}]}}),
        vec![with_children(
            json!({"type": "bulleted_list_item", "bulleted_list_item": {"rich_text": [{"text": {"content": "level 2"}}]}}),
            vec![para("level 3")],
        )],
    );
    let a = append(json!([three])).await;
    let (code, message) = error_of(&a);
    assert_eq!(code, "validation_error");
    assert!(
        message.contains("body.children[0].toggle.children[0].bulleted_list_item.children"),
        "{message}"
    );
    assert_eq!(
        fake.store.count_children(&page),
        1,
        "nothing written by refused requests"
    );

    // Two levels pass and answer the created blocks, so a client can go deeper.
    let two = with_children(
        json!({"type": "toggle", "toggle": {"rich_text": [{"text": {"content": "level 1"}}]}}),
        vec![
            json!({"type": "bulleted_list_item", "bulleted_list_item": {"rich_text": [{"text": {"content": "level 2"}}]}}),
        ],
    );
    let a = append(json!([two, para("sibling")])).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let created = a.body["results"].as_array().unwrap();
    assert_eq!(created.len(), 2);
    assert_eq!(created[0]["type"], "toggle");
    assert_eq!(created[0]["has_children"], true);
    let toggle = created[0]["id"].as_str().unwrap();
    let level2 = api.get(&format!("blocks/{toggle}/children")).await["results"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let deeper = api
        .ok(
            Method::PATCH,
            &format!("blocks/{level2}/children"),
            Some(json!({"children": [para("level 3")]})),
        )
        .await;
    assert_eq!(deeper["results"][0]["parent"]["block_id"], level2.as_str());
    let tree = fake.store.tree(&page);
    assert_eq!(tree[1].children[0].children[0].text, "level 3");

    // `after` inserts in place.
    let first = tree[0].id.clone();
    api.ok(
        Method::PATCH,
        &format!("blocks/{page}/children"),
        Some(json!({"children": [para("inserted")], "after": first})),
    )
    .await;
    assert_eq!(fake.store.tree(&page)[1].text, "inserted");

    // 1,000 blocks per request, 500 KB per body.
    let wide: Vec<Value> = (0..100)
        .map(|i| {
            with_children(
                para(&format!("p{i}")),
                (0..10).map(|j| para(&format!("c{j}"))).collect(),
            )
        })
        .collect();
    let a = append(json!(wide)).await;
    assert!(error_of(&a).1.contains("at most 1000 blocks"), "{}", a.body);
    let heavy: Vec<Value> = (0..100)
        .map(|_| {
            json!({"type": "paragraph", "paragraph": {"rich_text": [
            {"text": {"content": "a".repeat(2000)}}, {"text": {"content": "b".repeat(2000)}},
            {"text": {"content": "c".repeat(2000)}}]}})
        })
        .collect();
    let a = append(json!(heavy)).await;
    assert!(error_of(&a).1.contains("500 KB"), "{}", a.body);

    // Block rules: children in the type object, known types, tables of rows.
    let a = append(json!([{"type": "paragraph", "paragraph": {"rich_text": []}, "children": []}]))
        .await;
    assert_eq!(error_of(&a).0, "validation_error");
    let a = append(json!([{"type": "divider", "divider": {"children": [para("x")]}}])).await;
    assert!(error_of(&a).1.contains("cannot have children"));
    let a =
        append(json!([{"type": "code", "code": {"rich_text": [], "language": "klingon"}}])).await;
    assert_eq!(error_of(&a).0, "validation_error");
    let row = |n: usize| json!({"type": "table_row", "table_row": {"cells": vec![json!([{"text": {"content": "c"}}]); n]}});
    let a = append(json!([with_children(
        json!({"type": "table", "table": {"table_width": 2}}),
        vec![row(2), row(3)]
    )]))
    .await;
    assert!(error_of(&a).1.contains("table_width"), "{}", a.body);
    let a = append(json!([with_children(
        json!({"type": "table", "table": {"table_width": 2, "has_column_header": true}}),
        vec![row(2), row(2)]
    )]))
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let table = a.body["results"][0]["id"].as_str().unwrap().to_string();
    api.ok(
        Method::PATCH,
        &format!("blocks/{table}/children"),
        Some(json!({"children": [row(2)]})),
    )
    .await;
    assert_eq!(fake.store.count_children(&table), 3);
    let a = api
        .call(
            Method::PATCH,
            &format!("blocks/{table}/children"),
            Some(json!({"children": [para("no")]})),
        )
        .await;
    assert_eq!(error_of(&a).0, "validation_error");
}

#[tokio::test]
async fn appends_can_be_made_to_fail_halfway() {
    let fake = fake().await;
    let api = Api::new(&fake);
    let page = fake.store.add_page(None, "Flaky");
    let path = format!("blocks/{page}/children");
    fake.store.fail_appends_after(1, 500);
    let body = json!({"children": [para("one")]});
    assert_eq!(
        api.call(Method::PATCH, &path, Some(body.clone()))
            .await
            .status,
        200
    );
    let a = api.call(Method::PATCH, &path, Some(body.clone())).await;
    assert_eq!((a.status, error_of(&a).0), (500, "internal_server_error"));
    assert_eq!(
        fake.store.count_children(&page),
        1,
        "the refused append wrote nothing"
    );
    fake.store.stop_failing_appends();
    assert_eq!(api.call(Method::PATCH, &path, Some(body)).await.status, 200);
    assert_eq!(fake.store.texts(&page), ["one", "one"]);
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let fake = notion::start_with(FakeNotionOptions {
        rate_per_sec: 3.0,
        burst: 5,
        ..FakeNotionOptions::default()
    })
    .await
    .unwrap();
    let api = Api::new(&fake);
    let calls = (0..20).map(|_| api.call(Method::GET, "users/me", None));
    let answers = futures::future::join_all(calls).await;
    let limited: Vec<&Answer> = answers.iter().filter(|a| a.status == 429).collect();
    let passed = answers.iter().filter(|a| a.status == 200).count();
    assert!((5..=7).contains(&passed), "{passed} passed");
    assert_eq!(limited.len() + passed, 20);
    for a in &limited {
        assert_eq!(error_of(a).0, "rate_limited");
        let secs: u64 = a.retry_after.as_deref().unwrap().parse().unwrap();
        assert!(secs >= 1);
    }
    assert_eq!(fake.rate_limited_count(), limited.len() as u64);
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(api.call(Method::GET, "users/me", None).await.status, 200);

    // Injected 429s come on top of the limiter, with the planned Retry-After.
    fake.limiter.reconfigure(0.0, 1);
    fake.faults.set_plan(FaultPlan {
        rate_limit_next: 2,
        retry_after_secs: 2,
        ..FaultPlan::default()
    });
    for _ in 0..2 {
        let a = api.call(Method::GET, "users/me", None).await;
        assert_eq!((a.status, a.retry_after.as_deref()), (429, Some("2")));
        assert_eq!(error_of(&a).0, "rate_limited");
    }
    assert_eq!(api.call(Method::GET, "users/me", None).await.status, 200);
    assert_eq!(fake.faults.count("GET", "/v1/users/me"), 24);
}

#[tokio::test]
async fn created_pages_read_back_and_properties_follow_the_schema() {
    let fake = fake().await;
    let api = Api::new(&fake);
    let demo = fake.demo();
    let created = api
        .post(
            "pages",
            json!({
                "parent": {"page_id": demo.handbook_page},
                "properties": {"title": {"title": [{"text": {"content": "Release checklist"}}]}},
                "icon": {"emoji": "✅"},
                "children": [
                    {"type": "heading_2", "heading_2": {"rich_text": [{"text": {"content": "Before"}}]}},
                    {"type": "to_do", "to_do": {"rich_text": [{"text": {"content": "Tag the build"}}], "checked": true}},
                ],
            }),
        )
        .await;
    let id = created["id"].as_str().unwrap();
    let page = api.get(&format!("pages/{id}")).await;
    assert_eq!(
        page["parent"],
        json!({"type": "page_id", "page_id": demo.handbook_page})
    );
    assert_eq!(
        page["properties"]["title"]["title"][0]["plain_text"],
        "Release checklist"
    );
    assert_eq!(page["icon"]["emoji"], "✅");
    assert_eq!(page["in_trash"], false);
    let (blocks, _) = api.all_children(id).await;
    assert_eq!(blocks[1]["to_do"]["checked"], true);
    assert_eq!(blocks[0]["heading_2"]["is_toggleable"], false);
    assert_eq!(
        blocks[0]["heading_2"]["rich_text"][0]["annotations"]["bold"],
        false
    );
    // It is a child_page of the handbook now, and searchable.
    let (handbook, _) = api.all_children(&demo.handbook_page).await;
    assert_eq!(
        handbook.last().unwrap()["child_page"]["title"],
        "Release checklist"
    );
    let found = api
        .post("search", json!({"query": "release CHECKLIST"}))
        .await;
    assert_eq!(found["results"][0]["id"], id);

    // A row, checked against the schema.
    let row = api
        .post(
            "pages",
            json!({
                "parent": {"data_source_id": demo.projects_data_source},
                "properties": {
                    "Name": {"title": [{"text": {"content": "Conveyor handover"}}]},
                    "Status": {"status": {"name": "In progress"}},
                    "Budget": {"number": 12500},
                    "Tags": {"multi_select": [{"name": "Software"}, {"name": "Logistics"}]},
                    "Owner": {"people": [{"id": demo.users[0]}]},
                    "Due": {"date": {"start": "2025-11-03"}},
                    "Done": {"checkbox": false},
                },
            }),
        )
        .await;
    let props = &row["properties"];
    assert_eq!(props["Status"]["status"]["name"], "In progress");
    assert_eq!(props["Tags"]["multi_select"][1]["name"], "Logistics");
    assert_eq!(props["Owner"]["people"][0]["name"], "Maya Chen");
    assert_eq!(
        props["ID"]["unique_id"],
        json!({"prefix": "PRJ", "number": 26})
    );
    assert_eq!(props["Budget band"]["formula"]["string"], "Small");
    assert_eq!(props["URL"]["url"], Value::Null);
    assert_eq!(
        row["parent"]["data_source_id"],
        demo.projects_data_source.as_str()
    );
    let schema = api
        .get(&format!("data_sources/{}", demo.projects_data_source))
        .await;
    let tags: Vec<&str> = schema["properties"]["Tags"]["multi_select"]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert!(tags.contains(&"Logistics"), "new options join the schema");

    let bad = |properties: Value| {
        let api = &api;
        let ds = demo.projects_data_source.clone();
        async move {
            api.call(
                Method::POST,
                "pages",
                Some(json!({"parent": {"data_source_id": ds}, "properties": properties})),
            )
            .await
        }
    };
    let a = bad(json!({"Colour": {"select": {"name": "red"}}})).await;
    assert_eq!(
        error_of(&a),
        ("validation_error", "Colour is not a property that exists.")
    );
    let a = bad(json!({"Budget": {"rich_text": []}})).await;
    assert_eq!(error_of(&a).1, "Budget is expected to be number.");
    let a = bad(json!({"Status": {"status": {"name": "Someday"}}})).await;
    assert_eq!(error_of(&a).0, "validation_error");
    let a = bad(json!({"ID": {"unique_id": {"number": 3}}})).await;
    assert_eq!(error_of(&a).0, "validation_error");
    assert_eq!(fake.store.rows(&demo.projects_data_source).len(), 26);

    // Legacy parent: the database id.
    let legacy = api
        .post("pages", json!({"parent": {"database_id": demo.projects_database}, "properties": {"Name": {"title": [{"text": {"content": "Via database id"}}]}}}))
        .await;
    assert_eq!(legacy["parent"]["type"], "data_source_id");

    // Updates and the trash.
    let updated = api
        .ok(Method::PATCH, &format!("pages/{id}"), Some(json!({"properties": {"title": {"title": [{"text": {"content": "Release checklist v2"}}]}}})))
        .await;
    assert_eq!(
        updated["properties"]["title"]["title"][0]["plain_text"],
        "Release checklist v2"
    );
    let trashed = api
        .ok(
            Method::PATCH,
            &format!("pages/{id}"),
            Some(json!({"in_trash": true})),
        )
        .await;
    assert_eq!(
        (trashed["in_trash"].as_bool(), trashed["archived"].as_bool()),
        (Some(true), Some(true))
    );
    let found = api
        .post("search", json!({"query": "release checklist"}))
        .await;
    assert!(found["results"].as_array().unwrap().is_empty());
    let (handbook_after, _) = api.all_children(&demo.handbook_page).await;
    assert_eq!(handbook_after.len(), handbook.len() - 1);
    let a = api
        .call(
            Method::PATCH,
            &format!("blocks/{id}/children"),
            Some(json!({"children": [para("x")]})),
        )
        .await;
    assert_eq!(error_of(&a).0, "validation_error");
    let a = api
        .call(
            Method::POST,
            "pages",
            Some(json!({"parent": {"page_id": id}, "properties": {"Tags": {}}})),
        )
        .await;
    assert_eq!(error_of(&a).0, "validation_error");
}

#[tokio::test]
async fn search_filters_sorts_and_pages() {
    let fake = fake().await;
    let api = Api::new(&fake);
    let hits = api.post("search", json!({"query": "handbook"})).await;
    assert_eq!(hits["type"], "page_or_data_source");
    assert_eq!(hits["results"].as_array().unwrap().len(), 2, "{hits}");
    // An exact title comes first.
    let hits = api.post("search", json!({"query": "team handbook"})).await;
    assert_eq!(
        hits["results"][0]["properties"]["title"]["title"][0]["plain_text"],
        "Team Handbook"
    );

    let sources = api
        .post(
            "search",
            json!({"filter": {"property": "object", "value": "data_source"}}),
        )
        .await;
    let results = sources["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["object"], "data_source");
    assert_eq!(results[0]["title"][0]["plain_text"], "Projects");
    assert_eq!(results[0]["id"], fake.demo().projects_data_source.as_str());

    let pages = api
        .post(
            "search",
            json!({"query": "firmware", "filter": {"property": "object", "value": "page"}}),
        )
        .await;
    let titles: BTreeSet<String> = pages["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            p["properties"]["Name"]["title"][0]["plain_text"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        titles,
        BTreeSet::from([
            "Firmware OTA update channel".to_string(),
            "Warehouse robot firmware 2.4".to_string()
        ])
    );

    let a = api
        .call(
            Method::POST,
            "search",
            Some(json!({"filter": {"property": "object", "value": "database"}})),
        )
        .await;
    assert_eq!(error_of(&a).0, "validation_error");

    // Everything, five at a time, ascending by edit time, without repeats.
    let mut seen = Vec::new();
    let mut cursor = Value::Null;
    loop {
        let page = api
            .post(
                "search",
                json!({"page_size": 5, "start_cursor": cursor, "sort": {"direction": "ascending", "timestamp": "last_edited_time"}}),
            )
            .await;
        for r in page["results"].as_array().unwrap() {
            seen.push((
                r["last_edited_time"].as_str().unwrap().to_string(),
                r["id"].as_str().unwrap().to_string(),
            ));
        }
        if page["has_more"] != true {
            break;
        }
        cursor = page["next_cursor"].clone();
    }
    // The handbook, its sub-page, the big page, 25 rows and the data source.
    assert_eq!(seen.len(), 29);
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0));
    assert_eq!(seen.iter().map(|s| &s.1).collect::<HashSet<_>>().len(), 29);
}

#[tokio::test]
async fn queries_filter_and_sort_rows() {
    let fake = fake().await;
    let api = Api::new(&fake);
    let ds = fake.demo().projects_data_source;
    let path = format!("data_sources/{ds}/query");
    let names = |v: &Value| -> Vec<String> {
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["properties"]["Name"]["title"][0]["plain_text"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };

    let done = api
        .post(
            &path,
            json!({"filter": {"property": "Status", "status": {"equals": "Done"}}}),
        )
        .await;
    assert_eq!(names(&done).len(), 7);
    let checked = api
        .post(
            &path,
            json!({"filter": {"property": "Done", "checkbox": {"equals": true}}}),
        )
        .await;
    assert_eq!(names(&checked), names(&done));

    let firmware = api
        .post(
            &path,
            json!({"filter": {"property": "Name", "title": {"contains": "FIRMWARE"}}}),
        )
        .await;
    assert_eq!(names(&firmware).len(), 2);

    let big_hardware = api
        .post(
            &path,
            json!({
                "filter": {"and": [
                    {"property": "Tags", "multi_select": {"contains": "Hardware"}},
                    {"property": "Budget", "number": {"greater_than": 50000}},
                ]},
                "sorts": [{"property": "Budget", "direction": "descending"}],
            }),
        )
        .await;
    assert_eq!(
        names(&big_hardware),
        [
            "Enclosure injection moulds",
            "Safety certification ISO 10218",
            "Docking station prototype",
            "Battery thermal redesign",
            "Gripper force sensor"
        ]
    );

    let either = api
        .post(
            &path,
            json!({"filter": {"or": [
                {"property": "Status", "status": {"equals": "Blocked"}},
                {"and": [
                    {"property": "Owner", "people": {"contains": fake.demo().users[0]}},
                    {"property": "Due", "date": {"before": "2025-03-01"}},
                ]},
            ]}}),
        )
        .await;
    assert_eq!(names(&either).len(), 3 + 2);

    let by_budget = api
        .post(
            &path,
            json!({"sorts": [{"property": "Budget", "direction": "ascending"}]}),
        )
        .await;
    let list = names(&by_budget);
    assert_eq!(list.first().unwrap(), "Spare parts inventory cleanup");
    assert_eq!(
        list.last().unwrap(),
        "Incident review process",
        "empty values sort last"
    );
    let by_due = api
        .post(
            &path,
            json!({"sorts": [{"property": "Due", "direction": "descending"}]}),
        )
        .await;
    assert_eq!(names(&by_due)[0], "Obstacle detection night mode");
    let newest = api.post(&path, json!({"sorts": [{"timestamp": "created_time", "direction": "descending"}], "page_size": 1})).await;
    assert_eq!(names(&newest), ["Firmware OTA update channel"]);

    // Pages of ten.
    let mut total = 0;
    let mut cursor = Value::Null;
    loop {
        let page = api
            .post(&path, json!({"page_size": 10, "start_cursor": cursor}))
            .await;
        total += page["results"].as_array().unwrap().len();
        if page["has_more"] != true {
            break;
        }
        cursor = page["next_cursor"].clone();
    }
    assert_eq!(total, 25);

    for bad in [
        json!({"filter": {"property": "Status", "select": {"equals": "Done"}}}),
        json!({"filter": {"property": "Nope", "title": {"equals": "x"}}}),
        json!({"filter": {"property": "Budget", "number": {"equals": "ten"}}}),
        json!({"sorts": [{"property": "Nope", "direction": "ascending"}]}),
        json!({"page_size": 101}),
    ] {
        let a = api.call(Method::POST, &path, Some(bad.clone())).await;
        assert_eq!(
            (a.status, error_of(&a).0),
            (400, "validation_error"),
            "{bad}"
        );
    }

    // Every property type is rendered.
    let row = &api.post(&path, json!({"page_size": 1})).await["results"][0];
    let kinds: BTreeSet<&str> = row["properties"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p["type"].as_str().unwrap())
        .collect();
    for k in [
        "title",
        "rich_text",
        "number",
        "status",
        "multi_select",
        "date",
        "people",
        "checkbox",
        "url",
        "email",
        "phone_number",
        "formula",
        "relation",
        "rollup",
        "created_time",
        "last_edited_time",
        "created_by",
        "unique_id",
        "files",
    ] {
        assert!(kinds.contains(k), "{k} missing from {kinds:?}");
    }
}

#[tokio::test]
async fn the_handbook_has_every_block_type_and_comments_work() {
    let fake = fake().await;
    let api = Api::new(&fake);
    let handbook = fake.demo().handbook_page;
    let mut kinds = BTreeSet::new();
    let mut stack = vec![handbook.clone()];
    let mut max_depth = 0;
    let mut depth_of = std::collections::HashMap::from([(handbook.clone(), 0)]);
    while let Some(id) = stack.pop() {
        let depth = depth_of[&id];
        max_depth = max_depth.max(depth);
        for b in api.all_children(&id).await.0 {
            kinds.insert(b["type"].as_str().unwrap().to_string());
            if b["has_children"] == true && b["type"] != "child_page" {
                let child = b["id"].as_str().unwrap().to_string();
                depth_of.insert(child.clone(), depth + 1);
                stack.push(child);
            }
        }
    }
    for k in [
        "paragraph",
        "heading_1",
        "heading_2",
        "heading_3",
        "bulleted_list_item",
        "numbered_list_item",
        "to_do",
        "toggle",
        "quote",
        "callout",
        "code",
        "divider",
        "table",
        "table_row",
        "image",
        "video",
        "pdf",
        "file",
        "bookmark",
        "embed",
        "link_preview",
        "equation",
        "child_page",
        "child_database",
    ] {
        assert!(kinds.contains(k), "{k} missing");
    }
    assert!(max_depth >= 2, "nested three levels deep");

    let comments = api.get(&format!("comments?block_id={handbook}")).await;
    let list = comments["results"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["discussion_id"], list[1]["discussion_id"]);
    let reply = api
        .post("comments", json!({"discussion_id": list[0]["discussion_id"], "rich_text": [{"text": {"content": "Drafted."}}]}))
        .await;
    assert_eq!(reply["object"], "comment");
    let new = api
        .post("comments", json!({"parent": {"page_id": handbook}, "rich_text": [{"text": {"content": "Looks good."}}]}))
        .await;
    assert_ne!(new["discussion_id"], list[0]["discussion_id"]);
    assert_eq!(fake.store.comments_on(&handbook).len(), 4);
    let a = api.call(Method::GET, "comments", None).await;
    assert_eq!(error_of(&a).0, "validation_error");
}

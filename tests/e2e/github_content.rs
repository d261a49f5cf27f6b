//! github-server's defence against prompt injection through what people write, end
//! to end: the built binary over stdio against the fake GitHub, whose
//! `demo-org/docs-site` issue #3 carries a comment by `drive-by-dev` (no association
//! with the repository) hiding instructions in tag characters, behind a
//! right-to-left override and in an HTML comment.
//!
//! - By default the comment is shown sanitised (no tag, bidi or zero-width
//!   character left; the hidden parts made visible and counted) and wrapped in
//!   delimiters naming its author and association.
//! - With `--lockdown` it is withheld with a count and how to see it, while the
//!   collaborator's issue and the organization member's comment are shown; the
//!   permission lookups are cached.
//! - With `--lockdown` and the permission lookups failing, everything by authors
//!   who are not the owner is withheld (fails closed).
//! - With `--lockdown`, lists of issues (and search hits) keep every item but
//!   replace the titles by users without push access (issue #4, by
//!   `drive-by-dev`, whose title is an instruction in plain sight).
//! - Raw text (a file) shows invisible characters as `[U+XXXX]`.

#[path = "github_stdio/mod.rs"]
mod github_stdio;

use e2e::{call, ok_json};
use fake_apis::faults::FaultPlan;
use fake_apis::github::seed::trust::{
    HIDDEN_FILE, HIDDEN_INSTRUCTION, OUTSIDER, OUTSIDER_TITLE, TAG_TEXT,
};
use github_stdio::{fake, server};
use serde_json::{Value, json};

fn fixture() -> Value {
    json!({"owner": "demo-org", "repo": "docs-site", "issue_number": 3})
}

/// No character of the classes the sanitiser handles.
fn invisible_free(text: &str) -> bool {
    !text.chars().any(|c| {
        matches!(c as u32,
            0xE0000..=0xE007F | 0x200B..=0x200F | 0x2060..=0x2064 | 0xFEFF
            | 0x202A..=0x202E | 0x2066..=0x2069)
    })
}

fn ok_text(result: &rmcp::model::CallToolResult) -> String {
    assert_ne!(result.is_error, Some(true), "{}", e2e::text_of(result));
    e2e::text_of(result)
}

fn comments(issue: &Value) -> Vec<Value> {
    issue["comments"]["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_passers_by_hidden_text_is_shown_sanitised_and_labelled() {
    let fake = fake().await;
    let client = server(&fake, &[]).await;
    let result = call(&client, "get_issue", fixture()).await;
    let issue = ok_json(&result);
    let whole = issue.to_string();
    assert!(invisible_free(&whole), "{whole}");
    assert_eq!(issue["issue"]["association"], "COLLABORATOR");
    assert!(
        issue["issue"]["body"]
            .as_str()
            .unwrap()
            .starts_with("⟦text by @sam-okafor, COLLABORATOR: collaborator on the repository⟧\n"),
        "{}",
        issue["issue"]["body"]
    );
    let list = comments(&issue);
    assert_eq!(list.len(), 2, "{issue}");
    assert_eq!(list[0]["association"], "MEMBER");
    let outsider = &list[1];
    assert_eq!(outsider["user"], OUTSIDER);
    assert_eq!(outsider["association"], "NONE");
    let body = outsider["body"].as_str().unwrap();
    assert!(
        body.starts_with(&format!(
            "⟦text by @{OUTSIDER}, NONE: no association with the repository⟧\n+1, dark mode would be great!"
        )),
        "{body}"
    );
    assert!(
        body.ends_with(&format!("⟦end of text by @{OUTSIDER}⟧")),
        "{body}"
    );
    assert!(
        body.contains(&format!("[hidden tag text: {TAG_TEXT:?}]")),
        "{body}"
    );
    assert!(
        body.contains(&format!("[hidden HTML comment: {HIDDEN_INSTRUCTION}]")),
        "{body}"
    );
    assert!(body.contains("See txt.nalp for details."), "{body}");
    let note = format!(
        "⟦sanitised: removed {} tag characters (their text shown as [hidden tag text: …]); removed 2 bidirectional controls; 1 HTML comment shown as [hidden HTML comment: …]⟧",
        TAG_TEXT.len()
    );
    assert!(body.contains(&note), "{body}");
    assert!(issue.get("withheld").is_none() && outsider.get("withheld").is_none());
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn lockdown_withholds_text_by_users_without_push_access() {
    let fake = fake().await;
    let client = server(&fake, &["--lockdown"]).await;
    fake.faults.reset();
    let issue = ok_json(&call(&client, "get_issue", fixture()).await);
    let whole = issue.to_string();
    assert!(!whole.contains(HIDDEN_INSTRUCTION), "{whole}");
    assert!(!whole.contains("hidden tag text"), "{whole}");
    assert!(!whole.contains(OUTSIDER), "{whole}");
    assert!(
        issue["issue"]["body"]
            .as_str()
            .unwrap()
            .contains("dark theme"),
        "{issue}"
    );
    let list = comments(&issue);
    assert_eq!(list.len(), 1, "{issue}");
    assert_eq!(list[0]["user"], "priya-n");
    assert_eq!(
        issue["comments"]["withheld"],
        "1 comment by users without push access withheld by --lockdown; restart the server without --lockdown (GITHUB_LOCKDOWN=false) to see them"
    );
    let lookups = |fake: &fake_apis::github::FakeGithub| {
        fake.faults
            .requests()
            .into_iter()
            .filter(|s| s.path.contains("/collaborators/"))
            .map(|s| s.path)
            .collect::<Vec<_>>()
    };
    let first = lookups(&fake);
    assert_eq!(first.len(), 3, "{first:?}");
    for who in ["sam-okafor", "priya-n", OUTSIDER] {
        assert!(
            first.contains(&format!(
                "/repos/demo-org/docs-site/collaborators/{who}/permission"
            )),
            "{first:?}"
        );
    }
    // A second read asks GitHub about nobody again.
    ok_json(&call(&client, "get_issue", fixture()).await);
    assert_eq!(lookups(&fake).len(), 3);
    // A private repository is not filtered: its pull request's body is shown.
    let private = ok_json(
        &call(
            &client,
            "get_issue",
            json!({"owner": "demo-org", "repo": "platform", "issue_number": 1, "comments_limit": 0}),
        )
        .await,
    );
    assert!(private["issue"].get("withheld").is_none(), "{private}");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn lockdown_fails_closed_when_the_permission_lookup_fails() {
    let fake = fake().await;
    let client = server(&fake, &["--lockdown"]).await;
    fake.faults.set_plan(FaultPlan {
        fail_next: 1000,
        fail_path_prefix: Some("/repos/demo-org/docs-site/collaborators/".into()),
        ..FaultPlan::default()
    });
    let issue = ok_json(&call(&client, "get_issue", fixture()).await);
    let whole = issue.to_string();
    assert!(!whole.contains(HIDDEN_INSTRUCTION), "{whole}");
    assert!(!whole.contains("dark theme"), "{whole}");
    assert_eq!(issue["issue"]["title"], "[withheld by --lockdown]");
    assert!(
        issue["issue"]["withheld"]
            .as_str()
            .unwrap()
            .starts_with("1 title and body by users without push access withheld"),
        "{issue}"
    );
    assert_eq!(comments(&issue).len(), 0, "{issue}");
    assert!(
        issue["comments"]["withheld"]
            .as_str()
            .unwrap()
            .starts_with("2 comments by users without push access withheld by --lockdown"),
        "{issue}"
    );
    // Once GitHub answers again, the author is checked afresh (failures are not cached).
    fake.faults.set_plan(FaultPlan::default());
    let issue = ok_json(&call(&client, "get_issue", fixture()).await);
    assert_eq!(comments(&issue).len(), 1, "{issue}");
    client.cancel().await.unwrap();
}

/// The titles of a listing, by number.
fn titles(listing: &Value) -> Vec<(u64, String)> {
    listing["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {listing}"))
        .iter()
        .map(|i| {
            (
                i["number"].as_u64().unwrap(),
                i["title"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn lockdown_withholds_list_titles_by_users_without_push_access() {
    let fake = fake().await;
    let docs = json!({"owner": "demo-org", "repo": "docs-site", "state": "all"});
    let search = json!({"q": "repo:demo-org/docs-site is:issue"});
    let open = server(&fake, &[]).await;
    let plain = ok_json(&call(&open, "list_issues", docs.clone()).await);
    assert!(
        titles(&plain).contains(&(4, OUTSIDER_TITLE.to_string())),
        "{plain}"
    );
    assert!(plain.get("withheld").is_none());
    open.cancel().await.unwrap();

    let client = server(&fake, &["--lockdown"]).await;
    for (tool, args) in [("list_issues", &docs), ("search_issues", &search)] {
        let listed = ok_json(&call(&client, tool, args.clone()).await);
        let got = titles(&listed);
        assert_eq!(got.len(), 4, "every item keeps its place: {listed}");
        assert!(
            got.contains(&(3, "Dark mode for the docs".into())),
            "{listed}"
        );
        assert!(
            got.contains(&(
                4,
                format!("[title withheld by --lockdown: @{OUTSIDER} has no push access]")
            )),
            "{tool}: {listed}"
        );
        assert!(
            !listed.to_string().contains("list_repositories"),
            "{listed}"
        );
        assert!(
            listed["withheld"]
                .as_str()
                .unwrap()
                .starts_with("1 title by users without push access withheld by --lockdown"),
            "{listed}"
        );
    }
    client.cancel().await.unwrap();

    // When the permission lookups fail, every title is withheld.
    let closed = server(&fake, &["--lockdown"]).await;
    fake.faults.set_plan(FaultPlan {
        fail_next: 1000,
        fail_path_prefix: Some("/repos/demo-org/docs-site/collaborators/".into()),
        ..FaultPlan::default()
    });
    let listed = ok_json(&call(&closed, "list_issues", docs).await);
    assert!(
        titles(&listed)
            .iter()
            .all(|(_, t)| t.starts_with("[title withheld by --lockdown")),
        "{listed}"
    );
    assert!(listed["withheld"].as_str().unwrap().starts_with("4 titles"));
    closed.cancel().await.unwrap();
}

#[tokio::test]
async fn raw_text_shows_invisible_characters_where_they_are() {
    let fake = fake().await;
    let client = server(&fake, &[]).await;
    let issue = ok_json(&call(&client, "get_issue", fixture()).await);
    // Sanitising twice changes nothing more: the output holds no handled character.
    assert!(invisible_free(&issue.to_string()));
    let file = call(
        &client,
        "get_file_contents",
        json!({"owner": "demo-org", "repo": "docs-site", "path": HIDDEN_FILE}),
    )
    .await;
    let text = e2e::text_of(&file);
    assert!(invisible_free(&text), "{text}");
    assert!(
        text.starts_with("[sanitised: 1 zero-width/invisible character shown as [U+XXXX]; 2 bidirectional controls shown as [U+XXXX]]\n"),
        "{text}"
    );
    assert!(text.contains("before[U+200B] you push."), "{text}");
    assert!(text.contains("Owner: [U+202E]nimda[U+202C]"), "{text}");
    let clean = ok_text(
        &call(
            &client,
            "get_file_contents",
            json!({"owner": "demo-org", "repo": "docs-site", "path": "README.md"}),
        )
        .await,
    );
    assert!(
        clean.contains("npm run dev") && !clean.contains("[U+"),
        "{clean}"
    );
    client.cancel().await.unwrap();
}

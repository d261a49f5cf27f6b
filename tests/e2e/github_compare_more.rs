//! github-server's issue-15 remainder, end to end against the fake GitHub (the built
//! binary over stdio): `compare_commits` in `repos` (summary, commits paginated with
//! a cursor, files with patches cut at `patch_bytes` and read on with
//! `file_offset`, a diverged comparison, an unknown ref); sub-issues in `issues`
//! (listed; added by number, the id looked up; a second parent refused unless
//! `replace_parent`; an add answered 502 not sent again; removed); gists (listed,
//! read with a hidden character shown and a cut that reads on, created secret by
//! default and sent once).

#[path = "github_stdio/mod.rs"]
mod github_stdio;

use e2e::{call, ok_json, text_of};
use fake_apis::faults::FaultPlan;
use github_stdio::{args, fake, server};
use serde_json::json;

#[tokio::test]
async fn compare_commits_pages_commits_and_bounds_patches() {
    let fake = fake().await;
    let client = server(&fake, &["--toolsets", "repos"]).await;

    // A branch ahead of main: three commits, four files, patches whole.
    let ahead = ok_json(
        &call(
            &client,
            "compare_commits",
            args(json!({"base": "main", "head": "feature/login"})),
        )
        .await,
    );
    assert_eq!(ahead["status"], "ahead", "{ahead}");
    assert_eq!(ahead["ahead_by"], 3);
    assert_eq!(ahead["behind_by"], 0);
    assert_eq!(ahead["commits"]["count"], 3);
    assert_eq!(
        ahead["commits"]["items"][0]["message"], "Add auth module with device-code helpers",
        "oldest first"
    );
    let paths: Vec<&str> = ahead["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(
        paths.contains(&"src/auth.rs") && paths.contains(&"README.md"),
        "{paths:?}"
    );
    assert_eq!(ahead["files_total"], paths.len());

    // A long range: commits come in pages, the cursor continues exactly.
    let first = ok_json(
        &call(
            &client,
            "compare_commits",
            args(json!({"base": "v0.1.0", "head": "main", "limit": 5, "patch_bytes": 40})),
        )
        .await,
    );
    let total = first["total_commits"].as_u64().unwrap();
    assert!(total > 10, "{first}");
    assert_eq!(first["commits"]["count"], 5);
    assert_eq!(first["commits"]["more"], true);
    let note = first["note"].as_str().unwrap();
    assert!(
        note.contains("patch_bytes") && note.contains("get_file_contents"),
        "{note}"
    );
    assert!(
        first["files"].as_array().unwrap().iter().all(|f| f["patch"]
            .as_str()
            .unwrap_or_default()
            .len()
            <= 40)
    );
    let cursor = first["commits"]["cursor"].as_str().unwrap();
    let mut seen: Vec<String> = first["commits"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["sha"].as_str().unwrap().to_string())
        .collect();
    let rest = ok_json(
        &call(
            &client,
            "compare_commits",
            args(json!({"base": "v0.1.0", "head": "main", "limit": 1000, "cursor": cursor})),
        )
        .await,
    );
    assert_eq!(rest["more"], false, "{rest}");
    seen.extend(
        rest["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["sha"].as_str().unwrap().to_string()),
    );
    let unique: std::collections::BTreeSet<&String> = seen.iter().collect();
    assert_eq!((seen.len() as u64, unique.len() as u64), (total, total));

    // Diverged branches; the file bound reads on with file_offset.
    let diverged = ok_json(
        &call(
            &client,
            "compare_commits",
            args(json!({"base": "feature/login", "head": "vendor-bindings"})),
        )
        .await,
    );
    assert_eq!(diverged["status"], "diverged");
    assert_eq!(
        (
            diverged["ahead_by"].as_u64(),
            diverged["behind_by"].as_u64()
        ),
        (Some(2), Some(3))
    );
    let files_total = diverged["files_total"].as_u64().unwrap();
    let later = ok_json(
        &call(
            &client,
            "compare_commits",
            args(json!({"base": "feature/login", "head": "vendor-bindings", "file_offset": 1})),
        )
        .await,
    );
    assert_eq!(
        later["files"].as_array().unwrap().len() as u64,
        files_total - 1
    );
    assert_eq!(later["files"][0], diverged["files"][1]);

    let unknown = call(
        &client,
        "compare_commits",
        args(json!({"base": "main", "head": "no-such-branch"})),
    )
    .await;
    assert_eq!(unknown.is_error, Some(true));
    assert!(
        text_of(&unknown).contains("not found")
            || text_of(&unknown).contains("Not Found")
            || text_of(&unknown).contains("404"),
        "{}",
        text_of(&unknown)
    );
    let range = call(
        &client,
        "compare_commits",
        args(json!({"base": "main...x", "head": "y"})),
    )
    .await;
    assert!(
        text_of(&range).contains("not `a...b`"),
        "{}",
        text_of(&range)
    );
    client.cancel().await.unwrap();
}

fn numbers(listing: &serde_json::Value) -> Vec<u64> {
    listing["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["number"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn sub_issues_are_listed_added_once_and_removed() {
    let fake = fake().await;
    let client = server(&fake, &["--toolsets", "issues", "--allow-write"]).await;
    let list = |n: u64| args(json!({"issue_number": n}));
    let seeded = ok_json(&call(&client, "list_sub_issues", list(1)).await);
    assert_eq!(numbers(&seeded), [3]);

    let added = ok_json(
        &call(
            &client,
            "add_sub_issue",
            args(json!({"issue_number": 1, "sub_issue_number": 4})),
        )
        .await,
    );
    assert_eq!(
        (added["added"].as_u64(), added["parent"].as_u64()),
        (Some(4), Some(1))
    );
    assert_eq!(
        numbers(&ok_json(&call(&client, "list_sub_issues", list(1)).await)),
        [3, 4]
    );

    // #3 has a parent: refused, sent once; moved with replace_parent.
    fake.faults.reset();
    let refused = call(
        &client,
        "add_sub_issue",
        args(json!({"issue_number": 2, "sub_issue_number": 3})),
    )
    .await;
    assert_eq!(refused.is_error, Some(true));
    assert!(
        text_of(&refused).contains("replace_parent"),
        "{}",
        text_of(&refused)
    );
    assert_eq!(
        fake.faults
            .count("POST", "/repos/octo-demo/hello-world/issues/2/sub_issues"),
        1
    );
    ok_json(
        &call(
            &client,
            "add_sub_issue",
            args(json!({"issue_number": 2, "sub_issue_number": 3, "replace_parent": true})),
        )
        .await,
    );
    assert_eq!(
        numbers(&ok_json(&call(&client, "list_sub_issues", list(2)).await)),
        [3]
    );
    assert_eq!(
        numbers(&ok_json(&call(&client, "list_sub_issues", list(1)).await)),
        [4]
    );

    // An add answered 502 is not sent again.
    fake.faults.reset();
    fake.faults.set_plan(FaultPlan {
        fail_next: 1,
        fail_path_prefix: Some("/repos/octo-demo/hello-world/issues/5/sub_issues".into()),
        ..FaultPlan::default()
    });
    let lost = call(
        &client,
        "add_sub_issue",
        args(json!({"issue_number": 5, "sub_issue_number": 6})),
    )
    .await;
    assert_eq!(lost.is_error, Some(true));
    assert_eq!(
        fake.faults
            .count("POST", "/repos/octo-demo/hello-world/issues/5/sub_issues"),
        1
    );
    fake.faults.reset();

    let removed = ok_json(
        &call(
            &client,
            "remove_sub_issue",
            args(json!({"issue_number": 1, "sub_issue_number": 4})),
        )
        .await,
    );
    assert_eq!(removed["removed"], 4);
    assert!(numbers(&ok_json(&call(&client, "list_sub_issues", list(1)).await)).is_empty());
    let again = call(
        &client,
        "remove_sub_issue",
        args(json!({"issue_number": 1, "sub_issue_number": 4})),
    )
    .await;
    assert!(
        text_of(&again).contains("is not a sub-issue of #1"),
        "{}",
        text_of(&again)
    );
    let missing = call(
        &client,
        "add_sub_issue",
        args(json!({"issue_number": 1, "sub_issue_number": 99999})),
    )
    .await;
    assert_eq!(missing.is_error, Some(true));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn gists_are_listed_read_bounded_and_created_once() {
    let fake = fake().await;
    let client = server(&fake, &["--toolsets", "gists", "--allow-write"]).await;
    let listed = ok_json(&call(&client, "list_gists", json!({})).await);
    let ids: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["c0ffee5ec2e7d15c0de1", "aa5a315d61ae9438b18d"],
        "newest first, only mine"
    );

    let secret = ok_json(
        &call(
            &client,
            "get_gist",
            json!({"gist_id": "c0ffee5ec2e7d15c0de1"}),
        )
        .await,
    );
    let text = secret.to_string();
    assert!(
        text.contains("[U+202E]") && !text.contains('\u{202E}'),
        "{text}"
    );
    let cut = ok_json(
        &call(
            &client,
            "get_gist",
            json!({"gist_id": "c0ffee5ec2e7d15c0de1", "file": "deploy.sh", "max_bytes": 12}),
        )
        .await,
    );
    assert_eq!(cut["files"].as_array().unwrap().len(), 1);
    let note = cut["note"].as_str().unwrap();
    let next: u64 = note
        .rsplit("\"offset\": ")
        .next()
        .and_then(|n| n.parse().ok())
        .expect("the notice names the offset to read on from");
    assert!(next > 0 && next <= 12, "{note}");
    let rest = ok_json(
        &call(
            &client,
            "get_gist",
            json!({"gist_id": "c0ffee5ec2e7d15c0de1", "file": "deploy.sh", "offset": next}),
        )
        .await,
    );
    let whole = format!(
        "{}{}",
        cut["files"][0]["content"].as_str().unwrap(),
        rest["files"][0]["content"].as_str().unwrap()
    );
    assert!(
        whole.starts_with("#!/bin/sh\n# admin only") && whole.ends_with("--release\n"),
        "{whole}"
    );
    let no_file = call(
        &client,
        "get_gist",
        json!({"gist_id": "c0ffee5ec2e7d15c0de1", "file": "x"}),
    )
    .await;
    assert!(
        text_of(&no_file).contains("deploy.sh, notes.txt"),
        "{}",
        text_of(&no_file)
    );
    let unknown = call(&client, "get_gist", json!({"gist_id": "0000"})).await;
    assert_eq!(unknown.is_error, Some(true));

    fake.faults.reset();
    let made = ok_json(
        &call(
            &client,
            "create_gist",
            json!({"files": {"a.md": "# A"}, "description": "from e2e"}),
        )
        .await,
    );
    assert_eq!(made["public"], false, "secret by default");
    assert_eq!(fake.faults.count("POST", "/gists"), 1);
    fake.faults.set_plan(FaultPlan {
        fail_next: 1,
        fail_path_prefix: Some("/gists".into()),
        ..FaultPlan::default()
    });
    let lost = call(&client, "create_gist", json!({"files": {"b.md": "# B"}})).await;
    assert_eq!(lost.is_error, Some(true));
    assert_eq!(
        fake.faults.count("POST", "/gists"),
        2,
        "the failed create was sent once"
    );
    fake.faults.reset();
    let empty = call(&client, "create_gist", json!({"files": {}})).await;
    assert!(
        text_of(&empty).contains("at least one file"),
        "{}",
        text_of(&empty)
    );
    let after = ok_json(&call(&client, "list_gists", json!({})).await);
    assert_eq!(after["count"], 3);
    client.cancel().await.unwrap();
}

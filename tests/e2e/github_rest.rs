//! github-server's `releases` and `labels` toolsets and `update_issue`'s milestone,
//! end to end: the built binary over stdio against the fake GitHub, asserting on
//! the tools' answers, on the fake's state and on its record of requests.
//!
//! - releases: one by tag and by id; create (a draft, then published with
//!   update_release), a tag another release has is refused; a create answered
//!   502 is not sent twice, an update is retried.
//! - labels: list with pages (limit and cursor); milestones by state; labels added
//!   and removed on an issue; removing a label it does not carry is a clear error.
//! - update_issue sets a milestone and clears it (milestone 0).
//! - Actions: workflows listed; a dispatch (with inputs) starts one queued run, a
//!   workflow without `workflow_dispatch` is refused; a run is cancelled (twice is an
//!   error); failed jobs re-run as a second attempt, and a re-run answered 502 is
//!   not sent again.

#[path = "github_stdio/mod.rs"]
mod github_stdio;

use e2e::{call, ok_json, text_of};
use fake_apis::faults::FaultPlan;
use github_stdio::{args, fake, server};
use serde_json::json;

#[tokio::test]
async fn releases_are_read_created_and_updated_once() {
    let fake = fake().await;
    let client = server(&fake, &["--toolsets", "repos,releases", "--allow-write"]).await;
    let by_tag = ok_json(&call(&client, "get_release", args(json!({"tag": "v0.1.0"}))).await);
    assert_eq!(by_tag["tag"], "v0.1.0");
    let notes = by_tag["notes"].as_str().unwrap();
    assert!(
        notes.contains("First release.") && notes.contains("--lang"),
        "{notes}"
    );
    let id = by_tag["id"].as_u64().unwrap();
    let by_id = ok_json(&call(&client, "get_release", args(json!({"release_id": id}))).await);
    assert_eq!(by_id["tag"], "v0.1.0");
    let both = call(
        &client,
        "get_release",
        args(json!({"tag": "v0.1.0", "release_id": id})),
    )
    .await;
    assert_eq!(both.is_error, Some(true));
    assert!(text_of(&both).contains("either tag"), "{}", text_of(&both));

    // A draft, then published.
    let draft = ok_json(
        &call(
            &client,
            "create_release",
            args(json!({"tag": "v0.3.0", "notes": "- Login\n- stdin", "draft": true, "prerelease": true})),
        )
        .await,
    );
    assert_eq!(
        (draft["draft"].as_bool(), draft["prerelease"].as_bool()),
        (Some(true), Some(true))
    );
    let draft_id = draft["id"].as_u64().unwrap();
    let missing = call(&client, "get_release", args(json!({"tag": "v0.3.0"}))).await;
    assert_eq!(missing.is_error, Some(true), "a draft is not found by tag");
    let published = ok_json(
        &call(
            &client,
            "update_release",
            args(json!({"release_id": draft_id, "draft": false, "prerelease": false, "notes": "- Login\n- stdin\n- Swahili"})),
        )
        .await,
    );
    assert_eq!(published.get("draft"), None);
    assert!(published["notes"].as_str().unwrap().contains("Swahili"));
    let latest = ok_json(&call(&client, "list_releases", args(json!({"latest": true}))).await);
    assert_eq!(latest["tag"], "v0.3.0");

    // GitHub's 422 for a tag another release has, said plainly.
    let dup = call(&client, "create_release", args(json!({"tag": "v0.2.0"}))).await;
    assert_eq!(dup.is_error, Some(true));
    assert!(
        text_of(&dup).contains("already_exists"),
        "{}",
        text_of(&dup)
    );

    // A create answered 502 is not sent again; an update is retried.
    fake.faults.reset();
    fake.faults.set_plan(FaultPlan {
        fail_next: 1,
        fail_path_prefix: Some("/repos/octo-demo/hello-world/releases".into()),
        ..FaultPlan::default()
    });
    let failed = call(&client, "create_release", args(json!({"tag": "v0.4.0"}))).await;
    assert_eq!(failed.is_error, Some(true), "{}", text_of(&failed));
    assert_eq!(
        fake.faults
            .count("POST", "/repos/octo-demo/hello-world/releases"),
        1
    );
    fake.faults.set_plan(FaultPlan {
        fail_next: 1,
        fail_path_prefix: Some(format!("/repos/octo-demo/hello-world/releases/{draft_id}")),
        ..FaultPlan::default()
    });
    let retried = ok_json(
        &call(
            &client,
            "update_release",
            args(json!({"release_id": draft_id, "name": "Login release"})),
        )
        .await,
    );
    assert_eq!(retried["name"], "Login release");
    assert_eq!(
        fake.faults
            .count("PATCH", "/repos/octo-demo/hello-world/releases/"),
        2
    );
    let nothing = call(
        &client,
        "update_release",
        args(json!({"release_id": draft_id})),
    )
    .await;
    assert!(text_of(&nothing).contains("nothing to change"));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn labels_and_milestones() {
    let fake = fake().await;
    let client = server(&fake, &["--toolsets", "issues,labels", "--allow-write"]).await;
    let all = ok_json(&call(&client, "list_labels", args(json!({"limit": 100}))).await);
    let count = all["count"].as_u64().unwrap();
    assert!(count >= 3, "{all}");
    assert!(
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["name"] == "bug")
    );
    // Pages: two at a time, then the rest from the cursor.
    let first = ok_json(&call(&client, "list_labels", args(json!({"limit": 2}))).await);
    assert_eq!(
        (first["count"].as_u64(), first["more"].as_bool()),
        (Some(2), Some(true))
    );
    let rest = ok_json(
        &call(
            &client,
            "list_labels",
            args(json!({"limit": 100, "cursor": first["cursor"]})),
        )
        .await,
    );
    assert_eq!(rest["count"].as_u64().unwrap(), count - 2);
    assert_ne!(rest["items"][0], first["items"][0]);

    let open = ok_json(&call(&client, "list_milestones", args(json!({}))).await);
    assert_eq!(open["items"][0]["title"], "v0.3.0");
    assert_eq!(open["items"][0]["number"], 1);
    let closed = ok_json(&call(&client, "list_milestones", args(json!({"state": "closed"}))).await);
    assert_eq!(closed["count"], 0);

    let issue = fake
        .state
        .issues("octo-demo", "hello-world")
        .into_iter()
        .find(|i| !i.is_pull_request && !i.labels.iter().any(|l| l == "help wanted"))
        .unwrap();
    let added = ok_json(
        &call(
            &client,
            "add_labels",
            args(json!({"issue_number": issue.number, "labels": ["help wanted", "needs-repro"]})),
        )
        .await,
    );
    let labels: Vec<String> = serde_json::from_value(added["labels"].clone()).unwrap();
    assert!(
        labels.contains(&"help wanted".to_string()) && labels.contains(&"needs-repro".to_string())
    );
    let now = fake
        .state
        .issues("octo-demo", "hello-world")
        .into_iter()
        .find(|i| i.number == issue.number)
        .unwrap();
    assert_eq!(now.labels.len(), issue.labels.len() + 2, "{now:?}");
    let removed = ok_json(
        &call(
            &client,
            "remove_label",
            args(json!({"issue_number": issue.number, "label": "needs-repro"})),
        )
        .await,
    );
    assert!(
        !removed["labels"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l == "needs-repro")
    );
    let again = call(
        &client,
        "remove_label",
        args(json!({"issue_number": issue.number, "label": "needs-repro"})),
    )
    .await;
    assert_eq!(again.is_error, Some(true));
    assert!(
        text_of(&again).contains("has no label `needs-repro`"),
        "{}",
        text_of(&again)
    );

    // update_issue sets the milestone, and 0 clears it.
    let set = |m: u64| args(json!({"issue_number": issue.number, "milestone": m}));
    ok_json(&call(&client, "update_issue", set(1)).await);
    let read = |client| async move {
        ok_json(
            &call(
                client,
                "get_issue",
                args(json!({"issue_number": issue.number, "comments_limit": 0})),
            )
            .await,
        )
    };
    assert_eq!(read(&client).await["issue"]["milestone"], "v0.3.0");
    ok_json(&call(&client, "update_issue", set(0)).await);
    assert_eq!(read(&client).await["issue"].get("milestone"), None);
    let sent: Vec<_> = fake
        .faults
        .requests()
        .into_iter()
        .filter(|s| s.method == "PATCH")
        .collect();
    assert_eq!(sent.len(), 2, "{sent:?}");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn workflows_are_listed_dispatched_rerun_and_cancelled_once() {
    let fake = fake().await;
    let client = server(&fake, &["--toolsets", "actions", "--allow-write"]).await;
    let listed = ok_json(&call(&client, "list_workflows", args(json!({}))).await);
    let paths: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&".github/workflows/ci.yml"), "{listed}");
    let dispatchable = ["nightly.yml", "release.yml"]
        .into_iter()
        .find(|f| paths.iter().any(|p| p.ends_with(f)))
        .expect("a workflow with workflow_dispatch");

    // GitHub's 422 for a workflow without the trigger, said plainly.
    let refused = call(
        &client,
        "run_workflow",
        args(json!({"workflow": "ci.yml", "ref": "main"})),
    )
    .await;
    assert_eq!(refused.is_error, Some(true));
    assert!(
        text_of(&refused).contains("workflow_dispatch"),
        "{}",
        text_of(&refused)
    );

    fake.faults.reset();
    let ran = ok_json(
        &call(
            &client,
            "run_workflow",
            args(json!({"workflow": dispatchable, "ref": "main", "inputs": {"size": "large"}})),
        )
        .await,
    );
    assert_eq!(ran["ok"], true);
    assert_eq!(
        fake.faults
            .count("POST", "/repos/octo-demo/hello-world/actions/workflows/"),
        1
    );
    let runs = ok_json(&call(&client, "list_workflow_runs", args(json!({"limit": 5}))).await);
    let newest = &runs["items"][0];
    assert_eq!(
        (newest["event"].as_str(), newest["status"].as_str()),
        (Some("workflow_dispatch"), Some("queued")),
        "{runs}"
    );
    let run_id = newest["id"].as_u64().unwrap();

    // Cancel it; a second cancel is GitHub's 409, as an error.
    ok_json(
        &call(
            &client,
            "cancel_workflow_run",
            args(json!({"run_id": run_id})),
        )
        .await,
    );
    let run = ok_json(&call(&client, "get_workflow_run", args(json!({"run_id": run_id}))).await);
    assert!(run.to_string().contains("cancelled"), "{run}");
    let again = call(
        &client,
        "cancel_workflow_run",
        args(json!({"run_id": run_id})),
    )
    .await;
    assert_eq!(again.is_error, Some(true));

    // Re-run the failed jobs of a failed run: a second attempt. A 502 is not retried.
    let failed = ok_json(
        &call(
            &client,
            "list_workflow_runs",
            args(json!({"status": "failure", "limit": 1})),
        )
        .await,
    );
    let failed_id = failed["items"][0]["id"].as_u64().expect("a failed run");
    fake.faults.reset();
    fake.faults.set_plan(FaultPlan {
        fail_next: 1,
        fail_path_prefix: Some(format!(
            "/repos/octo-demo/hello-world/actions/runs/{failed_id}/rerun"
        )),
        ..FaultPlan::default()
    });
    let lost = call(
        &client,
        "rerun_failed_jobs",
        args(json!({"run_id": failed_id})),
    )
    .await;
    assert_eq!(lost.is_error, Some(true));
    assert_eq!(
        fake.faults
            .count("POST", "/repos/octo-demo/hello-world/actions/runs/"),
        1
    );
    ok_json(
        &call(
            &client,
            "rerun_failed_jobs",
            args(json!({"run_id": failed_id})),
        )
        .await,
    );
    let rerun = ok_json(
        &call(
            &client,
            "get_workflow_run",
            args(json!({"run_id": failed_id})),
        )
        .await,
    );
    assert!(rerun.to_string().contains("\"attempt\":2"), "{rerun}");
    client.cancel().await.unwrap();
}

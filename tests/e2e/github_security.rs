//! github-server's `security` toolset end to end against the fake GitHub (the built
//! binary over stdio): code-scanning, Dependabot and secret-scanning alerts listed
//! with filters (checked before anything is sent), paged across GitHub's pages
//! (page numbers for code and secret scanning, cursors for Dependabot) and
//! continued with the tool's cursor, read one at a time; secrets never shown and
//! always asked for with `hide_secret=true`; a feature that is off explained; the
//! toolset out of the default.

#[path = "github_stdio/mod.rs"]
mod github_stdio;

use std::collections::BTreeSet;

use e2e::{call, ok_json, text_of};
use fake_apis::github::seed::security::LEAKED_SECRET;
use github_stdio::{args, fake, server};
use serde_json::{Value, json};

fn numbers(listing: &Value) -> Vec<u64> {
    listing["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {listing}"))
        .iter()
        .map(|i| i["number"].as_u64().unwrap())
        .collect()
}

fn many(extra: Value) -> Value {
    let mut v = json!({"owner": "octo-demo", "repo": "many-issues"});
    v.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    v
}

fn in_repo(owner: &str, repo: &str) -> Value {
    json!({"owner": owner, "repo": repo})
}

#[tokio::test]
async fn code_scanning_alerts_are_filtered_paged_and_read() {
    let fake = fake().await;
    let client = server(&fake, &["--toolsets", "security"]).await;
    let list = |a: Value| {
        let client = &client;
        async move { ok_json(&call(client, "list_code_scanning_alerts", a).await) }
    };

    let all = list(args(json!({}))).await;
    assert_eq!(numbers(&all), [5, 4, 3, 2, 1], "newest first: {all}");
    let first = &all["items"][4];
    assert_eq!(first["severity"], "high", "the security severity: {first}");
    assert_eq!(first["rule"], "rust/cleartext-logging");
    assert_eq!(first["at"], "src/main.rs:27");
    assert_eq!(all["items"][3]["dismissed"], "used in tests");
    assert_eq!(
        numbers(&list(args(json!({"state": "open"}))).await),
        [5, 4, 1]
    );
    assert_eq!(
        numbers(&list(args(json!({"state": "closed"}))).await),
        [3, 2]
    );
    assert_eq!(
        numbers(&list(args(json!({"state": "open", "severity": "high"}))).await),
        [1]
    );
    assert_eq!(
        numbers(&list(args(json!({"tool_name": "clippy"}))).await),
        [4]
    );
    assert_eq!(
        numbers(&list(args(json!({"ref": "feature/login"}))).await),
        [1]
    );
    assert_eq!(
        numbers(&list(args(json!({"ref": "vendor-bindings"}))).await),
        Vec::<u64>::new()
    );

    let hidden = ok_json(
        &call(
            &client,
            "get_code_scanning_alert",
            args(json!({"alert_number": 5})),
        )
        .await,
    );
    let message = hidden["message"].as_str().unwrap();
    assert!(
        message.contains("[U+202E]") && !message.contains('\u{202E}'),
        "{hidden}"
    );
    assert!(hidden["message_note"].is_string(), "{hidden}");
    assert_eq!(hidden["rule"]["security_severity"], "critical");
    assert!(
        hidden["help"]
            .as_str()
            .unwrap()
            .contains("## Recommendation")
    );
    assert_eq!(hidden["at"], "src/lib.rs:131");
    assert_eq!(hidden["tool"], "CodeQL 2.19.0");
    let everywhere = ok_json(
        &call(
            &client,
            "get_code_scanning_alert",
            args(json!({"alert_number": 1})),
        )
        .await,
    );
    let refs: Vec<&str> = everywhere["found_on"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(refs.len(), 3, "{everywhere}");
    assert!(
        refs[0].starts_with("refs/heads/main: src/main.rs:27 (open, commit "),
        "{refs:?}"
    );
    assert!(refs[2].starts_with("refs/pull/13/merge: "), "{refs:?}");
    assert_eq!(hidden["found_on"].as_array().unwrap().len(), 1);
    let dismissed = ok_json(
        &call(
            &client,
            "get_code_scanning_alert",
            args(json!({"alert_number": 2})),
        )
        .await,
    );
    assert_eq!(
        dismissed["dismissed"]["reason"], "used in tests",
        "{dismissed}"
    );
    assert_eq!(dismissed["dismissed"]["by"], "octo-demo");
    assert_eq!(
        dismissed["dismissed"]["comment"],
        "Only the test suite reads this key."
    );

    // 130 alerts: two GitHub pages of 100, then the tool's cursor.
    fake.faults.reset();
    let big = list(many(json!({"limit": 120}))).await;
    assert_eq!(big["count"], 120, "{}", big["note"]);
    assert_eq!(big["more"], true);
    let rest = list(many(json!({"cursor": big["cursor"]}))).await;
    let mut seen: Vec<u64> = numbers(&big);
    seen.extend(numbers(&rest));
    assert_eq!(
        seen,
        (1..=130).rev().collect::<Vec<_>>(),
        "each once, in order"
    );
    assert_eq!(rest["more"], false);
    let pages: Vec<String> = fake
        .faults
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/code-scanning/alerts"))
        .filter_map(|r| r.query.clone())
        .collect();
    assert!(pages.iter().any(|q| q.contains("page=2")), "{pages:?}");

    // A filter value GitHub does not know is refused before anything is sent.
    fake.faults.reset();
    let bad = call(
        &client,
        "list_code_scanning_alerts",
        args(json!({"state": "solved"})),
    )
    .await;
    assert_eq!(bad.is_error, Some(true));
    assert!(
        text_of(&bad).contains("open, closed, dismissed, fixed"),
        "{}",
        text_of(&bad)
    );
    assert!(fake.faults.requests().is_empty());

    // Off: no analysis (404) and no Advanced Security (403), each explained.
    let none = call(
        &client,
        "list_code_scanning_alerts",
        in_repo("demo-org", "docs-site"),
    )
    .await;
    assert_eq!(none.is_error, Some(true));
    assert!(
        text_of(&none).contains("code scanning may not be set up"),
        "{}",
        text_of(&none)
    );
    let ghas = call(
        &client,
        "list_code_scanning_alerts",
        in_repo("demo-org", "platform"),
    )
    .await;
    assert!(
        text_of(&ghas).contains("Advanced Security must be enabled")
            && text_of(&ghas).contains("security_events"),
        "{}",
        text_of(&ghas)
    );
    let unknown = call(
        &client,
        "get_code_scanning_alert",
        args(json!({"alert_number": 99})),
    )
    .await;
    assert_eq!(unknown.is_error, Some(true));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn dependabot_alerts_follow_cursor_pages_and_read_the_advisory() {
    let fake = fake().await;
    let client = server(&fake, &["--toolsets", "security"]).await;
    let list = |a: Value| {
        let client = &client;
        async move { ok_json(&call(client, "list_dependabot_alerts", a).await) }
    };

    let all = list(args(json!({}))).await;
    assert_eq!(numbers(&all), [5, 4, 3, 2, 1], "{all}");
    let lodash = &all["items"][2];
    assert_eq!(lodash["package"], "lodash", "{lodash}");
    assert_eq!(lodash["ecosystem"], "npm");
    assert_eq!(lodash["vulnerable"], "< 4.17.21");
    assert_eq!(lodash["patched"], "4.17.21");
    assert_eq!(lodash["ghsa"], "GHSA-35jh-r3h4-6jhm");
    assert_eq!(numbers(&list(args(json!({"state": "open"}))).await), [3, 1]);
    assert_eq!(
        numbers(&list(args(json!({"severity": ["high", "critical"]}))).await),
        [4, 3, 2],
        "a list of values"
    );
    assert_eq!(
        numbers(&list(args(json!({"state": "fixed,dismissed"}))).await),
        [4, 2],
        "a comma-separated string"
    );
    assert_eq!(
        numbers(&list(args(json!({"ecosystem": "rust"}))).await),
        [2, 1]
    );
    assert_eq!(
        numbers(&list(args(json!({"scope": "development"}))).await),
        [5, 3]
    );
    assert_eq!(numbers(&list(args(json!({"package": "regex"}))).await), [2]);

    let minimist = ok_json(
        &call(
            &client,
            "get_dependabot_alert",
            args(json!({"alert_number": 4})),
        )
        .await,
    );
    assert_eq!(minimist["severity"], "critical", "{minimist}");
    assert_eq!(minimist["dismissed"]["reason"], "tolerable_risk");
    assert_eq!(minimist["cve"], "CVE-2021-44906");
    assert!(
        minimist["cvss"]
            .as_str()
            .unwrap()
            .starts_with("9.8 CVSS:3.1/")
    );
    assert_eq!(
        minimist["cwes"][0],
        "CWE-400 Uncontrolled Resource Consumption"
    );
    assert!(
        minimist["description"]
            .as_str()
            .unwrap()
            .contains("### Patches")
    );
    assert_eq!(minimist["references"].as_array().unwrap().len(), 2);
    let time = ok_json(
        &call(
            &client,
            "get_dependabot_alert",
            args(json!({"alert_number": 1})),
        )
        .await,
    );
    assert_eq!(time["relationship"], "transitive", "{time}");

    // 130 alerts over GitHub's cursor pages (after=…), never page numbers.
    fake.faults.reset();
    let whole = list(many(json!({"limit": 1000}))).await;
    assert_eq!(numbers(&whole), (1..=130).rev().collect::<Vec<_>>());
    let queries: Vec<String> = fake
        .faults
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/dependabot/alerts"))
        .map(|r| r.query.clone().unwrap_or_default())
        .collect();
    assert_eq!(queries.len(), 2, "{queries:?}");
    assert!(queries[1].contains("after="), "{queries:?}");
    assert!(
        !queries
            .iter()
            .any(|q| q.split('&').any(|pair| pair.starts_with("page="))),
        "{queries:?}"
    );
    // The tool's cursor continues exactly where a call stopped.
    let part = list(many(json!({"limit": 40}))).await;
    let next = list(many(json!({"limit": 40, "cursor": part["cursor"]}))).await;
    let mut joined = numbers(&part);
    joined.extend(numbers(&next));
    assert_eq!(joined, (51..=130).rev().collect::<Vec<_>>());

    let bad = call(
        &client,
        "list_dependabot_alerts",
        args(json!({"ecosystem": "cargo"})),
    )
    .await;
    assert!(
        text_of(&bad).contains("`cargo`") && text_of(&bad).contains("rust"),
        "{}",
        text_of(&bad)
    );
    let off = call(
        &client,
        "list_dependabot_alerts",
        in_repo("demo-org", "docs-site"),
    )
    .await;
    assert!(
        text_of(&off).contains("Dependabot alerts are disabled")
            && text_of(&off).contains("Dependabot alerts: read"),
        "{}",
        text_of(&off)
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn secret_scanning_alerts_never_show_the_secret() {
    let fake = fake().await;
    let client = server(&fake, &["--toolsets", "security"]).await;
    let list = |a: Value| {
        let client = &client;
        async move { ok_json(&call(client, "list_secret_scanning_alerts", a).await) }
    };
    let secrets = [
        LEAKED_SECRET,
        "xoxb-demo-revoked-value-not-real",
        "ghp_demo_bypassed_value_not_real_7",
    ];

    let all = list(args(json!({}))).await;
    assert_eq!(numbers(&all), [3, 2, 1], "{all}");
    let leaked = &all["items"][2];
    assert_eq!(leaked["type"], "GitHub Personal Access Token", "{leaked}");
    assert_eq!(leaked["validity"], "active");
    assert_eq!(leaked["publicly_leaked"], true);
    assert_eq!(leaked["more_locations"], true);
    assert!(
        leaked["found_in"]
            .as_str()
            .unwrap()
            .starts_with("config/dev.env:3 (commit "),
        "{leaked}"
    );
    assert_eq!(all["items"][0]["push_protection_bypassed_by"], "octo-demo");
    assert_eq!(
        numbers(&list(args(json!({"state": "resolved"}))).await),
        [2]
    );
    assert_eq!(
        numbers(&list(args(json!({"validity": ["active", "unknown"]}))).await),
        [3, 1]
    );
    assert_eq!(
        numbers(&list(args(json!({"secret_type": "slack_api_token"}))).await),
        [2]
    );

    let one = call(
        &client,
        "get_secret_scanning_alert",
        args(json!({"alert_number": 1})),
    )
    .await;
    let got = ok_json(&one);
    let places: Vec<&str> = got["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert_eq!(places.len(), 3, "{got}");
    assert!(
        places[0].starts_with("config/dev.env:3 (commit "),
        "{places:?}"
    );
    assert!(
        places[1].starts_with("issue_body: ") && places[1].ends_with("/issues/1"),
        "{places:?}"
    );
    assert!(places[2].starts_with("issue_comment: "), "{places:?}");
    // The list's first-place summary is not repeated beside the full list, where
    // "more_locations: true" would read as places left unshown.
    assert!(got.get("more_locations").is_none(), "{got}");
    assert!(got.get("found_in").is_none(), "{got}");
    assert!(got.get("locations_note").is_none(), "{got}");
    let resolved = ok_json(
        &call(
            &client,
            "get_secret_scanning_alert",
            args(json!({"alert_number": 2})),
        )
        .await,
    );
    assert_eq!(resolved["resolved"]["reason"], "revoked", "{resolved}");
    assert_eq!(resolved["resolved"]["by"], "octo-demo");

    let whole = list(many(json!({"limit": 1000}))).await;
    assert_eq!(
        numbers(&whole).into_iter().collect::<BTreeSet<_>>().len(),
        130
    );

    // No answer holds a secret value, and every alert request asked GitHub to
    // leave it out (the fake sends it otherwise, as GitHub does).
    for text in [
        all.to_string(),
        got.to_string(),
        resolved.to_string(),
        whole.to_string(),
    ] {
        for secret in secrets {
            assert!(!text.contains(secret), "{secret} shown in {text}");
        }
        assert!(!text.contains("xoxb-demo-many"), "a generated secret shown");
    }
    let alert_requests: Vec<_> = fake
        .faults
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("/secret-scanning/alerts") && !r.path.ends_with("/locations"))
        .collect();
    assert!(alert_requests.len() >= 7, "{alert_requests:?}");
    for r in &alert_requests {
        assert!(
            r.query
                .as_deref()
                .unwrap_or_default()
                .contains("hide_secret=true"),
            "{} {:?} did not ask GitHub to hide the secret",
            r.path,
            r.query
        );
    }

    let off = call(
        &client,
        "list_secret_scanning_alerts",
        in_repo("demo-org", "docs-site"),
    )
    .await;
    assert!(
        text_of(&off).contains("secret scanning may be off"),
        "{}",
        text_of(&off)
    );
    let bad = call(
        &client,
        "list_secret_scanning_alerts",
        args(json!({"state": "closed"})),
    )
    .await;
    assert!(
        text_of(&bad).contains("open, resolved"),
        "{}",
        text_of(&bad)
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn the_security_toolset_is_read_only_and_not_in_the_default() {
    let fake = fake().await;
    let names = |client: github_stdio::Client| async move {
        let tools = client.list_all_tools().await.unwrap();
        client.cancel().await.unwrap();
        tools
            .into_iter()
            .map(|t| {
                (
                    t.name.to_string(),
                    t.annotations.and_then(|a| a.read_only_hint),
                )
            })
            .collect::<Vec<_>>()
    };
    let default = names(server(&fake, &["--allow-write"]).await).await;
    assert!(
        !default.iter().any(|(n, _)| n.contains("alert")),
        "{default:?}"
    );
    let security = names(server(&fake, &["--toolsets", "security", "--allow-write"]).await).await;
    let expected: BTreeSet<&str> = [
        "get_code_scanning_alert",
        "get_dependabot_alert",
        "get_secret_scanning_alert",
        "list_code_scanning_alerts",
        "list_dependabot_alerts",
        "list_secret_scanning_alerts",
    ]
    .into();
    assert_eq!(
        security
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<BTreeSet<_>>(),
        expected
    );
    assert!(
        security.iter().all(|(_, ro)| *ro == Some(true)),
        "{security:?}"
    );
}

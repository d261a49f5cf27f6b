//! The fake GitHub itself, driven over HTTP with reqwest: pagination and `link`,
//! auth, rate-limit headers and limits, ETag/304, stateful writes, media types,
//! the log redirect, and the injected faults.

use std::time::{Duration, Instant};

use base64::Engine;
use fake_apis::faults::FaultPlan;
use fake_apis::github::{self, DEMO_TOKEN, FakeGithub};
use reqwest::header::HeaderMap;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

async fn fake() -> FakeGithub {
    github::start(0).await.expect("start the fake")
}

fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// GET with the demo token.
async fn get(gh: &FakeGithub, path: &str) -> reqwest::Response {
    client()
        .get(format!("{}{path}", gh.base_url))
        .bearer_auth(DEMO_TOKEN)
        .header("accept", "application/vnd.github+json")
        .send()
        .await
        .unwrap()
}

async fn get_json(gh: &FakeGithub, path: &str) -> Value {
    let response = get(gh, path).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.json().await.unwrap()
}

async fn send(
    gh: &FakeGithub,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> reqwest::Response {
    client()
        .request(method, format!("{}{path}", gh.base_url))
        .bearer_auth(DEMO_TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default()
}

/// The `rel` -> URL pairs of a `link` header.
fn links(headers: &HeaderMap) -> Vec<(String, String)> {
    header(headers, "link")
        .split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|part| {
            let url = part.split('<').nth(1).unwrap().split('>').next().unwrap();
            let rel = part.split("rel=\"").nth(1).unwrap().trim_end_matches('"');
            (rel.to_string(), url.to_string())
        })
        .collect()
}

fn rel<'a>(links: &'a [(String, String)], name: &str) -> Option<&'a str> {
    links
        .iter()
        .find(|(r, _)| r == name)
        .map(|(_, u)| u.as_str())
}

#[tokio::test]
async fn two_hundred_fifty_issues_take_three_pages_with_next_and_last() {
    let gh = fake().await;
    assert_eq!(gh.state.issue_count("octo-demo", "many-issues"), 250);
    let first = get(
        &gh,
        "/repos/octo-demo/many-issues/issues?per_page=100&state=open",
    )
    .await;
    let l = links(first.headers());
    let next = rel(&l, "next").expect("rel=next").to_string();
    assert!(next.starts_with(&gh.base_url), "absolute: {next}");
    assert!(
        next.contains("per_page=100") && next.contains("state=open") && next.ends_with("page=2"),
        "{next}"
    );
    assert!(rel(&l, "last").unwrap().ends_with("page=3"));
    assert_eq!(rel(&l, "prev"), None);
    assert_eq!(rel(&l, "first"), None);
    let mut numbers: Vec<u64> = Vec::new();
    let mut page: Value = first.json().await.unwrap();
    let mut url = Some(next);
    let mut pages = 1;
    loop {
        numbers.extend(
            page.as_array()
                .unwrap()
                .iter()
                .map(|i| i["number"].as_u64().unwrap()),
        );
        let Some(u) = url.take() else { break };
        let response = client()
            .get(&u)
            .bearer_auth(DEMO_TOKEN)
            .send()
            .await
            .unwrap();
        pages += 1;
        let l = links(response.headers());
        assert!(rel(&l, "prev").is_some() && rel(&l, "first").is_some());
        url = rel(&l, "next").map(str::to_string);
        if url.is_none() {
            assert_eq!(rel(&l, "last"), None, "the last page has no rel=last");
        }
        page = response.json().await.unwrap();
    }
    assert_eq!(pages, 3);
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(numbers.len(), 250);
    let issue = &get_json(&gh, "/repos/octo-demo/many-issues/issues?per_page=1").await[0];
    for field in [
        "id",
        "node_id",
        "number",
        "title",
        "body",
        "state",
        "user",
        "labels",
        "assignees",
        "comments",
        "created_at",
        "updated_at",
        "closed_at",
        "html_url",
        "url",
    ] {
        assert!(issue.get(field).is_some(), "issue lacks {field}: {issue}");
    }
    assert!(issue.get("pull_request").is_none());
}

#[tokio::test]
async fn per_page_defaults_to_30_clamps_at_100_and_one_page_has_no_link() {
    let gh = fake().await;
    let default = get(&gh, "/repos/octo-demo/many-issues/issues").await;
    assert!(
        rel(&links(default.headers()), "last")
            .unwrap()
            .ends_with("page=9")
    );
    assert_eq!(
        default
            .json::<Value>()
            .await
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        30
    );
    let clamped = get(&gh, "/repos/octo-demo/many-issues/issues?per_page=500").await;
    assert!(
        rel(&links(clamped.headers()), "last")
            .unwrap()
            .ends_with("page=3")
    );
    assert_eq!(
        clamped
            .json::<Value>()
            .await
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        100
    );
    let single = get(&gh, "/repos/octo-demo/hello-world/branches").await;
    assert!(single.headers().get("link").is_none());
    let past = get_json(
        &gh,
        "/repos/octo-demo/many-issues/issues?per_page=100&page=4",
    )
    .await;
    assert_eq!(past, json!([]));
}

#[tokio::test]
async fn a_missing_or_wrong_token_is_refused() {
    let gh = fake().await;
    let none = client()
        .get(format!("{}/user", gh.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    assert!(none.headers().contains_key("x-ratelimit-limit"));
    let body: Value = none.json().await.unwrap();
    assert_eq!(body["message"], "Bad credentials");
    assert!(
        body["documentation_url"]
            .as_str()
            .unwrap()
            .starts_with("https://docs.github.com")
    );
    let wrong = client()
        .get(format!("{}/user", gh.base_url))
        .bearer_auth("not-the-token")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let classic = client()
        .get(format!("{}/user", gh.base_url))
        .header("authorization", format!("token {DEMO_TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(classic.status(), StatusCode::OK);
    gh.state.add_token("another-accepted-token");
    let added = client()
        .get(format!("{}/user", gh.base_url))
        .bearer_auth("another-accepted-token")
        .send()
        .await
        .unwrap();
    let me: Value = added.json().await.unwrap();
    assert_eq!(me["login"], "octo-demo");
    assert!(gh.faults.requests().iter().all(|s| s.path == "/user"));
}

#[tokio::test]
async fn every_answer_has_rate_and_scope_headers() {
    let gh = fake().await;
    for path in [
        "/user",
        "/repos/octo-demo/hello-world",
        "/repos/nobody/nothing",
        "/no/such/route",
    ] {
        let r = get(&gh, path).await;
        let h = r.headers();
        for name in [
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-used",
            "x-ratelimit-reset",
            "x-ratelimit-resource",
        ] {
            assert!(h.contains_key(name), "{path} lacks {name}");
        }
        assert_eq!(header(h, "x-ratelimit-resource"), "core");
        assert!(header(h, "x-oauth-scopes").contains("repo"), "{path}");
        assert!(h.contains_key("x-accepted-oauth-scopes"), "{path}");
    }
    let missing = get(&gh, "/repos/acme-corp/secret-plans").await;
    assert_eq!(
        missing.status(),
        StatusCode::NOT_FOUND,
        "a repo the token cannot see is 404"
    );
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["message"], "Not Found");
    assert_eq!(body["documentation_url"], "https://docs.github.com/rest");
    let search = get(&gh, "/search/issues?q=crash").await;
    assert_eq!(header(search.headers(), "x-ratelimit-resource"), "search");
    assert_eq!(header(search.headers(), "x-ratelimit-limit"), "30");
    let code = get(&gh, "/search/code?q=greeting").await;
    assert_eq!(
        header(code.headers(), "x-ratelimit-resource"),
        "code_search"
    );
    assert_eq!(header(code.headers(), "x-ratelimit-limit"), "10");
}

#[tokio::test]
async fn a_matching_etag_gets_a_304_that_does_not_count() {
    let gh = fake().await;
    let first = get(&gh, "/repos/octo-demo/hello-world/issues/6").await;
    let etag = header(first.headers(), "etag").to_string();
    assert!(etag.starts_with("W/\""), "{etag}");
    assert!(first.headers().contains_key("last-modified"));
    let remaining: u64 = header(first.headers(), "x-ratelimit-remaining")
        .parse()
        .unwrap();
    for _ in 0..3 {
        let again = client()
            .get(format!(
                "{}/repos/octo-demo/hello-world/issues/6",
                gh.base_url
            ))
            .bearer_auth(DEMO_TOKEN)
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(header(again.headers(), "etag"), etag);
        let left: u64 = header(again.headers(), "x-ratelimit-remaining")
            .parse()
            .unwrap();
        assert_eq!(left, remaining, "a 304 is not counted");
        assert!(again.bytes().await.unwrap().is_empty());
    }
    let modified = header(first.headers(), "last-modified").to_string();
    let by_date = client()
        .get(format!(
            "{}/repos/octo-demo/hello-world/issues/6",
            gh.base_url
        ))
        .bearer_auth(DEMO_TOKEN)
        .header("if-modified-since", &modified)
        .send()
        .await
        .unwrap();
    assert_eq!(by_date.status(), StatusCode::NOT_MODIFIED);
    send(
        &gh,
        reqwest::Method::POST,
        "/repos/octo-demo/hello-world/issues/6/comments",
        json!({"body": "ping"}),
    )
    .await;
    let changed = client()
        .get(format!(
            "{}/repos/octo-demo/hello-world/issues/6",
            gh.base_url
        ))
        .bearer_auth(DEMO_TOKEN)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(
        changed.status(),
        StatusCode::OK,
        "a change gives a new etag"
    );
    let left: u64 = header(changed.headers(), "x-ratelimit-remaining")
        .parse()
        .unwrap();
    assert_eq!(left, remaining - 2, "the comment and the changed GET count");
    let seen = gh.faults.requests();
    assert_eq!(
        seen.iter()
            .filter(|s| s.status == 304 && s.conditional)
            .count(),
        4
    );
    assert_eq!(
        gh.state.rate_limit("core").unwrap().remaining,
        remaining - 2
    );
}

#[tokio::test]
async fn exhausted_limits_answer_403_or_429_with_remaining_zero() {
    let gh = fake().await;
    gh.state.set_core_limit(3);
    for _ in 0..3 {
        assert_eq!(get(&gh, "/user").await.status(), StatusCode::OK);
    }
    let refused = get(&gh, "/user").await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(header(refused.headers(), "x-ratelimit-remaining"), "0");
    let reset: i64 = header(refused.headers(), "x-ratelimit-reset")
        .parse()
        .unwrap();
    assert!(reset > 1_700_000_000);
    let body: Value = refused.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("API rate limit exceeded"),
        "{body}"
    );
    gh.state.set_exhausted_status(429);
    let posted = send(
        &gh,
        reqwest::Method::POST,
        "/repos/octo-demo/hello-world/issues",
        json!({"title": "blocked"}),
    )
    .await;
    assert_eq!(posted.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        !gh.state
            .issues("octo-demo", "hello-world")
            .iter()
            .any(|i| i.title == "blocked"),
        "a refused write does nothing"
    );
    gh.state.set_code_search_limit(1);
    assert_eq!(
        get(&gh, "/search/code?q=greeting").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        get(&gh, "/search/code?q=greeting").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        get(&gh, "/search/issues?q=crash").await.status(),
        StatusCode::OK,
        "search has its own bucket"
    );
}

#[tokio::test]
async fn writes_are_stateful() {
    let gh = fake().await;
    let before = gh.state.issue_count("octo-demo", "hello-world");
    let missing = send(
        &gh,
        reqwest::Method::POST,
        "/repos/octo-demo/hello-world/issues",
        json!({"body": "no title"}),
    )
    .await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["message"], "Validation Failed");
    assert_eq!(
        body["errors"][0],
        json!({"resource": "Issue", "field": "title", "code": "missing_field"})
    );
    let created = send(
        &gh,
        reqwest::Method::POST,
        "/repos/octo-demo/hello-world/issues",
        json!({"title": "Crash on empty config", "body": "Steps...", "labels": ["bug"]}),
    )
    .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert!(created.headers().contains_key("location"));
    let issue: Value = created.json().await.unwrap();
    let n = issue["number"].as_u64().unwrap();
    assert_eq!(issue["user"]["login"], "octo-demo");
    assert_eq!(gh.state.issue_count("octo-demo", "hello-world"), before + 1);
    let listed = get_json(&gh, "/repos/octo-demo/hello-world/issues?labels=bug").await;
    assert!(listed.as_array().unwrap().iter().any(|i| i["number"] == n));
    let comment = send(
        &gh,
        reqwest::Method::POST,
        &format!("/repos/octo-demo/hello-world/issues/{n}/comments"),
        json!({"body": "Same here"}),
    )
    .await;
    assert_eq!(comment.status(), StatusCode::CREATED);
    let after = get_json(&gh, &format!("/repos/octo-demo/hello-world/issues/{n}")).await;
    assert_eq!(after["comments"], 1);
    let comments = get_json(
        &gh,
        &format!("/repos/octo-demo/hello-world/issues/{n}/comments"),
    )
    .await;
    assert_eq!(comments[0]["body"], "Same here");
    let closed = send(
        &gh,
        reqwest::Method::PATCH,
        &format!("/repos/octo-demo/hello-world/issues/{n}"),
        json!({"state": "closed"}),
    )
    .await;
    let closed: Value = closed.json().await.unwrap();
    assert_eq!(
        (closed["state"].as_str(), closed["state_reason"].as_str()),
        (Some("closed"), Some("completed"))
    );
    assert!(closed["closed_at"].is_string());
    let open = get_json(
        &gh,
        "/repos/octo-demo/hello-world/issues?state=open&per_page=100",
    )
    .await;
    assert!(!open.as_array().unwrap().iter().any(|i| i["number"] == n));
    let added = gh.state.add_issues("octo-demo", "many-issues", 5);
    assert_eq!(added, vec![251, 252, 253, 254, 255]);
    assert_eq!(gh.state.issue_count("octo-demo", "many-issues"), 255);
}

#[tokio::test]
async fn pull_requests_diff_reviews_and_merge() {
    let gh = fake().await;
    let all = get_json(
        &gh,
        "/repos/octo-demo/hello-world/issues?state=all&per_page=100",
    )
    .await;
    assert!(
        all.as_array()
            .unwrap()
            .iter()
            .any(|i| i.get("pull_request").is_some()),
        "the issues list includes pull requests"
    );
    let diff = client()
        .get(format!(
            "{}/repos/octo-demo/hello-world/pulls/14",
            gh.base_url
        ))
        .bearer_auth(DEMO_TOKEN)
        .header("accept", "application/vnd.github.diff")
        .send()
        .await
        .unwrap();
    assert_eq!(diff.status(), StatusCode::OK);
    assert!(header(diff.headers(), "content-type").starts_with("text/plain"));
    let text = diff.text().await.unwrap();
    assert!(text.starts_with("diff --git a/"), "{}", &text[..100]);
    assert!(text.len() > 200 * 1024, "{} bytes", text.len());
    assert!(text.matches("diff --git ").count() >= 3);
    let v3 = client()
        .get(format!(
            "{}/repos/octo-demo/hello-world/pulls/13",
            gh.base_url
        ))
        .bearer_auth(DEMO_TOKEN)
        .header("accept", "application/vnd.github.v3.diff")
        .send()
        .await
        .unwrap();
    assert!(v3.text().await.unwrap().contains("+++ b/src/auth.rs"));
    let pr = get_json(&gh, "/repos/octo-demo/hello-world/pulls/13").await;
    assert_eq!(pr["head"]["ref"], "feature/login");
    assert_eq!(pr["mergeable"], true);
    let files = get_json(&gh, "/repos/octo-demo/hello-world/pulls/13/files").await;
    for f in files.as_array().unwrap() {
        for field in ["filename", "status", "additions", "deletions", "patch"] {
            assert!(f.get(field).is_some(), "{field} in {f}");
        }
    }
    assert!(
        get_json(&gh, "/repos/octo-demo/hello-world/pulls/13/reviews")
            .await
            .as_array()
            .unwrap()
            .len()
            >= 2
    );
    assert!(
        !get_json(&gh, "/repos/octo-demo/hello-world/pulls/13/comments")
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
    let not_mergeable = send(
        &gh,
        reqwest::Method::PUT,
        "/repos/octo-demo/hello-world/pulls/14/merge",
        json!({}),
    )
    .await;
    assert_eq!(not_mergeable.status(), StatusCode::METHOD_NOT_ALLOWED);
    let review = send(
        &gh,
        reqwest::Method::POST,
        "/repos/octo-demo/hello-world/pulls/13/reviews",
        json!({"event": "APPROVE", "body": "Ship it"}),
    )
    .await;
    assert_eq!(review.json::<Value>().await.unwrap()["state"], "APPROVED");
    let merged = send(
        &gh,
        reqwest::Method::PUT,
        "/repos/octo-demo/hello-world/pulls/13/merge",
        json!({"merge_method": "squash"}),
    )
    .await;
    assert_eq!(merged.status(), StatusCode::OK);
    let merged: Value = merged.json().await.unwrap();
    assert_eq!(merged["merged"], true);
    assert_eq!(merged["sha"].as_str().unwrap().len(), 40);
    let info = gh.state.pull("octo-demo", "hello-world", 13).unwrap();
    assert!(info.merged && info.state == "closed");
    assert_eq!(
        send(
            &gh,
            reqwest::Method::PUT,
            "/repos/octo-demo/hello-world/pulls/13/merge",
            json!({})
        )
        .await
        .status(),
        StatusCode::METHOD_NOT_ALLOWED
    );
    let status = get_json(
        &gh,
        "/repos/octo-demo/hello-world/commits/feature%2Flogin/status",
    )
    .await;
    assert_eq!(status["state"], "failure");
    let checks = get_json(
        &gh,
        "/repos/octo-demo/hello-world/commits/feature%2Flogin/check-runs",
    )
    .await;
    assert_eq!(checks["total_count"], 4);
}

#[tokio::test]
async fn job_logs_redirect_to_a_signed_plain_text_url() {
    let gh = fake().await;
    let runs = get_json(
        &gh,
        "/repos/octo-demo/hello-world/actions/runs?branch=feature/login&status=failure",
    )
    .await;
    assert_eq!(runs["total_count"], 1);
    let run_id = runs["workflow_runs"][0]["id"].as_u64().unwrap();
    let jobs = get_json(
        &gh,
        &format!("/repos/octo-demo/hello-world/actions/runs/{run_id}/jobs"),
    )
    .await;
    let job = jobs["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["name"] == "test (ubuntu-latest)")
        .unwrap()
        .clone();
    assert!(
        job["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["conclusion"] == "failure")
    );
    let redirect = get(
        &gh,
        &format!(
            "/repos/octo-demo/hello-world/actions/jobs/{}/logs",
            job["id"]
        ),
    )
    .await;
    assert_eq!(redirect.status(), StatusCode::FOUND);
    let location = header(redirect.headers(), "location").to_string();
    assert!(
        location.starts_with(&format!("{}/_logs/", gh.base_url)) && location.contains("?sig="),
        "{location}"
    );
    let log = client().get(&location).send().await.unwrap();
    assert_eq!(log.status(), StatusCode::OK, "no token needed");
    let text = log.text().await.unwrap();
    assert_eq!(text.lines().count(), 2_000);
    assert!(
        text.lines()
            .last()
            .unwrap()
            .contains("Cleaning up orphan processes")
    );
    assert!(text.contains("##[error]Process completed with exit code 101."));
    let forged = client()
        .get(location.replace("sig=", "sig=0"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn contents_trees_search_and_notifications() {
    let gh = fake().await;
    let file = get_json(&gh, "/repos/octo-demo/hello-world/contents/src/main.rs").await;
    assert_eq!(
        (file["type"].as_str(), file["encoding"].as_str()),
        (Some("file"), Some("base64"))
    );
    let content = file["content"].as_str().unwrap();
    assert!(content.lines().all(|l| l.len() <= 60) && content.contains('\n'));
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(content.replace('\n', ""))
        .unwrap();
    assert_eq!(decoded.len() as u64, file["size"].as_u64().unwrap());
    assert!(String::from_utf8(decoded).unwrap().contains("fn main()"));
    let big = get_json(
        &gh,
        "/repos/octo-demo/hello-world/contents/data/benchmarks.csv",
    )
    .await;
    assert!(big["size"].as_u64().unwrap() > 100 * 1024);
    for root in [
        "/repos/octo-demo/hello-world/contents",
        "/repos/octo-demo/hello-world/contents/",
    ] {
        let entries = get_json(&gh, root).await;
        let names: Vec<&str> = entries
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap())
            .collect();
        assert!(
            names.contains(&"README.md") && names.contains(&"src"),
            "{names:?}"
        );
    }
    let at_branch = get_json(
        &gh,
        "/repos/octo-demo/hello-world/contents/src?ref=feature/login",
    )
    .await;
    assert!(
        at_branch
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["path"] == "src/auth.rs")
    );
    assert_eq!(
        get(&gh, "/repos/octo-demo/hello-world/contents/nope.txt")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let tree = get_json(
        &gh,
        "/repos/octo-demo/hello-world/git/trees/main?recursive=1",
    )
    .await;
    assert_eq!(tree["truncated"], false);
    let paths: Vec<&str> = tree["tree"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert!(
        paths.contains(&"src/lib.rs") && paths.contains(&"docs"),
        "{paths:?}"
    );
    let commits = get_json(&gh, "/repos/octo-demo/hello-world/commits?per_page=100").await;
    assert_eq!(commits.as_array().unwrap().len(), 40);
    let sha = commits[3]["sha"].as_str().unwrap();
    let commit = get_json(&gh, &format!("/repos/octo-demo/hello-world/commits/{sha}")).await;
    assert!(commit["files"][0]["patch"].is_string() && commit["files"][0]["filename"].is_string());
    assert_eq!(
        get_json(&gh, "/repos/octo-demo/hello-world/tags")
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        get_json(&gh, "/repos/octo-demo/hello-world/releases/latest").await["tag_name"],
        "v0.2.0"
    );
    let issues = get_json(
        &gh,
        "/search/issues?q=repo:octo-demo/many-issues+is:issue+is:open+unicode",
    )
    .await;
    assert!(issues["total_count"].as_u64().unwrap() > 0);
    assert_eq!(issues["incomplete_results"], false);
    let prs = get_json(
        &gh,
        "/search/issues?q=repo:octo-demo/hello-world+is:pr+is:open",
    )
    .await;
    assert_eq!(prs["total_count"], 3);
    let repos = get_json(&gh, "/search/repositories?q=user:octo-demo+language:rust").await;
    assert_eq!(repos["total_count"], 2);
    let code = get_json(&gh, "/search/code?q=TOKEN_LIFETIME_SECS").await;
    assert_eq!(
        code["total_count"], 0,
        "code search sees default branches only"
    );
    let users = get_json(&gh, "/search/users?q=demo+type:org").await;
    assert_eq!(users["items"][0]["login"], "demo-org");
    assert_eq!(
        get(&gh, "/search/issues").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let unread = gh.state.unread_notifications();
    let list = get_json(&gh, "/notifications").await;
    assert_eq!(list.as_array().unwrap().len(), unread);
    let id = list[0]["id"].as_str().unwrap().to_string();
    let marked = send(
        &gh,
        reqwest::Method::PATCH,
        &format!("/notifications/threads/{id}"),
        json!({}),
    )
    .await;
    assert_eq!(marked.status(), StatusCode::RESET_CONTENT);
    assert_eq!(gh.state.unread_notifications(), unread - 1);
    let all = get_json(&gh, "/notifications?all=true").await;
    assert!(all.as_array().unwrap().len() > unread - 1);
    let mine = get_json(&gh, "/user/repos?per_page=100").await;
    assert!(
        mine.as_array()
            .unwrap()
            .iter()
            .all(|r| r["full_name"] != "acme-corp/secret-plans")
    );
    assert_eq!(
        get_json(&gh, "/orgs/demo-org/repos")
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn injected_5xx_hit_about_the_ratio_of_gets_with_github_bodies() {
    let gh = fake().await;
    gh.faults.set_plan(FaultPlan {
        get_5xx_ratio: 0.5,
        seed: 11,
        ..FaultPlan::default()
    });
    let mut failed = 0;
    for i in 0..40 {
        let r = get(
            &gh,
            &format!("/repos/octo-demo/many-issues/issues/{}", i + 1),
        )
        .await;
        if r.status().is_server_error() {
            failed += 1;
            assert!(r.headers().contains_key("x-ratelimit-remaining"));
            let body: Value = r.json().await.unwrap();
            assert!(
                body["message"].is_string() && body["documentation_url"].is_string(),
                "{body}"
            );
        }
    }
    assert!((8..=32).contains(&failed), "{failed} of 40 failed");
    let recorded = gh
        .faults
        .requests()
        .iter()
        .filter(|s| s.status >= 500)
        .count();
    assert_eq!(recorded, failed);
    let posted = send(
        &gh,
        reqwest::Method::POST,
        "/repos/octo-demo/hello-world/issues",
        json!({"title": "posts never get a 5xx"}),
    )
    .await;
    assert_eq!(posted.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn rate_limit_next_answers_with_retry_after_and_a_secondary_limit_message() {
    let gh = fake().await;
    gh.faults.set_plan(FaultPlan {
        rate_limit_next: 1,
        retry_after_secs: 2,
        ..FaultPlan::default()
    });
    let limited = get(&gh, "/user").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(limited.headers(), "retry-after"), "2");
    let body: Value = limited.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("secondary rate limit"),
        "{body}"
    );
    assert_eq!(get(&gh, "/user").await.status(), StatusCode::OK);
    gh.faults.set_plan(FaultPlan {
        rate_limit_next: 1,
        rate_limit_status: Some(403),
        retry_after_secs: 60,
        ..FaultPlan::default()
    });
    assert_eq!(get(&gh, "/user").await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_delayed_post_still_creates_the_issue_after_the_client_gives_up() {
    let gh = fake().await;
    gh.faults.set_plan(FaultPlan {
        delay_ms: 1_500,
        delay_method: Some("POST".into()),
        delay_path_prefix: Some("/repos/octo-demo/hello-world/issues".into()),
        ..FaultPlan::default()
    });
    let before = gh.state.issue_count("octo-demo", "hello-world");
    let started = Instant::now();
    let sent = Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap()
        .post(format!(
            "{}/repos/octo-demo/hello-world/issues",
            gh.base_url
        ))
        .bearer_auth(DEMO_TOKEN)
        .json(&json!({"title": "Created while the client timed out"}))
        .send()
        .await;
    assert!(sent.unwrap_err().is_timeout());
    assert!(started.elapsed() < Duration::from_millis(1_400));
    assert_eq!(
        gh.state.issue_count("octo-demo", "hello-world"),
        before + 1,
        "the write happened"
    );
    let quick = get(&gh, "/user").await;
    assert_eq!(quick.status(), StatusCode::OK, "GETs are not delayed");
    tokio::time::sleep(Duration::from_millis(1_400)).await;
    assert_eq!(
        gh.faults
            .count("POST", "/repos/octo-demo/hello-world/issues"),
        1
    );
}

#[tokio::test]
async fn dropped_gets_fail_mid_answer_then_recover() {
    let gh = fake().await;
    gh.faults.set_plan(FaultPlan {
        drop_next_gets: 1,
        ..FaultPlan::default()
    });
    let dropped = async {
        let response = client()
            .get(format!("{}/user", gh.base_url))
            .bearer_auth(DEMO_TOKEN)
            .send()
            .await?;
        response.bytes().await
    }
    .await;
    assert!(dropped.is_err(), "the connection was dropped: {dropped:?}");
    assert_eq!(get(&gh, "/user").await.status(), StatusCode::OK);
    let seen = gh.faults.requests();
    assert_eq!(seen[0].status, 0);
    assert_eq!(seen[1].status, 200);
}

#[tokio::test]
async fn security_alerts_filter_refuse_unknown_values_and_hide_secrets_on_request() {
    let gh = fake().await;
    let base = "/repos/octo-demo/hello-world";
    let numbers = |v: &Value| -> Vec<u64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|a| a["number"].as_u64().unwrap())
            .collect()
    };
    let code = get_json(
        &gh,
        &format!("{base}/code-scanning/alerts?state=closed&direction=asc"),
    )
    .await;
    assert_eq!(numbers(&code), [2, 3]);
    assert!(
        code[0]["rule"].get("help").is_none(),
        "help only on one alert"
    );
    let one = get_json(&gh, &format!("{base}/code-scanning/alerts/2")).await;
    assert_eq!(one["dismissed_reason"], "used in tests");
    assert!(one["rule"]["help"].as_str().unwrap().starts_with("# "));
    let instances = get_json(&gh, &format!("{base}/code-scanning/alerts/1/instances")).await;
    let refs: Vec<&str> = instances
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["ref"].as_str().unwrap())
        .collect();
    assert_eq!(
        refs,
        [
            "refs/heads/main",
            "refs/heads/feature/login",
            "refs/pull/13/merge"
        ]
    );
    let on_pr = get_json(
        &gh,
        &format!("{base}/code-scanning/alerts?ref=refs/pull/13/merge"),
    )
    .await;
    assert_eq!(numbers(&on_pr), [1]);

    let bad = get(&gh, &format!("{base}/dependabot/alerts?severity=urgent")).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = bad.json().await.unwrap();
    assert!(
        body["errors"][0].as_str().unwrap().contains("urgent"),
        "{body}"
    );
    let bogus = get(&gh, &format!("{base}/dependabot/alerts?after=nonsense")).await;
    assert_eq!(bogus.status(), StatusCode::BAD_REQUEST);

    // Dependabot pages by cursor: 130 alerts, 100 then 30, back again by `before`.
    let first = get(
        &gh,
        "/repos/octo-demo/many-issues/dependabot/alerts?per_page=100",
    )
    .await;
    let link = header(first.headers(), "link").to_string();
    assert!(link.contains("after=") && !link.contains("prev"), "{link}");
    let next = link.split(['<', '>']).nth(1).unwrap();
    let second = client()
        .get(next)
        .bearer_auth(DEMO_TOKEN)
        .send()
        .await
        .unwrap();
    let back = header(second.headers(), "link").to_string();
    assert!(back.contains("before=") && !back.contains("next"), "{back}");
    let rest: Value = second.json().await.unwrap();
    assert_eq!(numbers(&rest), (1..=30).rev().collect::<Vec<_>>());

    let shown = get_json(&gh, &format!("{base}/secret-scanning/alerts/1")).await;
    assert_eq!(shown["secret"], github::seed::security::LEAKED_SECRET);
    let hidden = get_json(
        &gh,
        &format!("{base}/secret-scanning/alerts/1?hide_secret=true"),
    )
    .await;
    assert!(hidden.get("secret").is_none(), "{hidden}");
    let listed = get_json(
        &gh,
        &format!("{base}/secret-scanning/alerts?hide_secret=true"),
    )
    .await;
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a.get("secret").is_none())
    );
    let locations = get_json(&gh, &format!("{base}/secret-scanning/alerts/1/locations")).await;
    assert_eq!(locations[0]["type"], "commit");

    let off = get(&gh, "/repos/demo-org/docs-site/secret-scanning/alerts").await;
    assert_eq!(off.status(), StatusCode::NOT_FOUND);
    let body: Value = off.json().await.unwrap();
    assert_eq!(
        body["message"],
        "Secret scanning is disabled on this repository."
    );
    let hidden_repo = get(&gh, "/repos/acme-corp/secret-plans/dependabot/alerts").await;
    assert_eq!(hidden_repo.status(), StatusCode::NOT_FOUND);
}

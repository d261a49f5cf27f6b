//! Who the fake GitHub answers for: users told apart by their tokens (`/user`,
//! `/user/repos`, private repositories that are 404 to everyone but their owner,
//! search that does not leak them, ETags that never revalidate another user's
//! body, a request record naming the user), and GitHub App installation tokens
//! (JWT checks with GitHub's messages, minting, the bot, expiry, the counter).

use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine;
use fake_apis::github::{
    self, ALICE_TOKEN, AppConfig, BOB_TOKEN, DEMO_TOKEN, FakeGithub, GithubState,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const APP_ID: u64 = 12345;
const INSTALLATION: u64 = 67890;

/// One answer: status, headers and JSON body (`Null` when empty).
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    fn etag(&self) -> String {
        let etag = self.headers.get("etag").expect("an etag");
        etag.to_str().unwrap().to_string()
    }
}

/// Sends a request with a bearer token, optional `If-None-Match` and JSON body.
async fn call(
    gh: &FakeGithub,
    method: Method,
    token: &str,
    path: &str,
    if_none_match: Option<&str>,
    body: Option<Value>,
) -> Answer {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", gh.base_url))
        .bearer_auth(token)
        .header("accept", "application/vnd.github+json");
    if let Some(tag) = if_none_match {
        request = request.header("if-none-match", tag);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
    }
}

async fn get(gh: &FakeGithub, token: &str, path: &str) -> Answer {
    call(gh, Method::GET, token, path, None, None).await
}

/// GitHub's answer for a repository one cannot see.
fn assert_hidden(answer: &Answer, what: &str) {
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{what}");
    assert_eq!(answer.body["message"], "Not Found", "{what}");
    assert!(
        answer.body["documentation_url"].is_string(),
        "{what}: {}",
        answer.body
    );
}

fn full_names(list: &Value) -> Vec<String> {
    let items = list.get("items").unwrap_or(list);
    let names = items.as_array().expect("a list").iter();
    names
        .map(|r| r["full_name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn each_token_is_its_own_user_with_its_own_private_repository() {
    let gh = github::start(0).await.unwrap();
    for (token, login) in [
        (DEMO_TOKEN, "octo-demo"),
        (ALICE_TOKEN, "alice"),
        (BOB_TOKEN, "bob"),
    ] {
        assert_eq!(get(&gh, token, "/user").await.body["login"], login);
    }
    let alice_paths = [
        "/repos/alice/alice-private",
        "/repos/alice/alice-private/contents/README.md",
        "/repos/alice/alice-private/issues",
        "/repos/alice/alice-private/issues/1",
        "/repos/alice/alice-private/commits",
    ];
    for path in alice_paths {
        assert_eq!(
            get(&gh, ALICE_TOKEN, path).await.status,
            StatusCode::OK,
            "{path}"
        );
        assert_hidden(&get(&gh, BOB_TOKEN, path).await, path);
        assert_hidden(&get(&gh, DEMO_TOKEN, path).await, path);
    }
    let repo = get(&gh, ALICE_TOKEN, "/repos/alice/alice-private")
        .await
        .body;
    assert_eq!(
        (repo["private"].clone(), repo["visibility"].clone()),
        (json!(true), json!("private"))
    );
    let readme = |answer: Answer| {
        let text = answer.body["content"].as_str().unwrap().replace('\n', "");
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .unwrap(),
        )
        .unwrap()
    };
    let alice_readme = readme(get(&gh, ALICE_TOKEN, alice_paths[1]).await);
    let bob_readme = readme(get(&gh, BOB_TOKEN, "/repos/bob/bob-private/contents/README.md").await);
    assert!(alice_readme.contains("Only alice"), "{alice_readme}");
    assert!(bob_readme.contains("Only bob"), "{bob_readme}");
    assert_hidden(
        &get(&gh, ALICE_TOKEN, "/repos/bob/bob-private/issues/1").await,
        "bob's issue",
    );
    // A write is refused the same way, and done as the token's user when allowed.
    let new_issue = Some(json!({"title": "bob was here"}));
    let path = "/repos/alice/alice-private/issues";
    let refused = call(&gh, Method::POST, BOB_TOKEN, path, None, new_issue.clone()).await;
    assert_hidden(&refused, "bob writing to alice's repository");
    let created = call(&gh, Method::POST, ALICE_TOKEN, path, None, new_issue).await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.body["user"]["login"], "alice");
    // The demo user is unaffected: the org's private repository is still theirs.
    let platform = "/repos/demo-org/platform";
    assert_eq!(get(&gh, DEMO_TOKEN, platform).await.status, StatusCode::OK);
    assert_hidden(&get(&gh, ALICE_TOKEN, platform).await, platform);
}

#[tokio::test]
async fn lists_search_and_notifications_do_not_leak_private_repositories() {
    let fake = github::start(0).await.unwrap();
    let gh = &fake;
    let mine = |token| async move { full_names(&get(gh, token, "/user/repos").await.body) };
    assert_eq!(mine(ALICE_TOKEN).await, ["alice/alice-private"]);
    assert_eq!(mine(BOB_TOKEN).await, ["bob/bob-private"]);
    let demo = mine(DEMO_TOKEN).await;
    assert!(demo.contains(&"demo-org/platform".to_string()), "{demo:?}");
    assert!(!demo.iter().any(|r| r.contains("-private")), "{demo:?}");

    let search =
        |token, path| async move { get(gh, token, path).await.body["total_count"].clone() };
    let ledger = "/search/issues?q=Ledger+totals";
    assert_eq!(search(ALICE_TOKEN, ledger).await, 1);
    assert_eq!(search(BOB_TOKEN, ledger).await, 0);
    assert_eq!(search(DEMO_TOKEN, ledger).await, 0);
    let repos = full_names(
        &get(gh, BOB_TOKEN, "/search/repositories?q=private")
            .await
            .body,
    );
    assert_eq!(repos, ["bob/bob-private"]);
    let code = "/search/code?q=invoices+repo:alice/alice-private";
    assert!(get(gh, ALICE_TOKEN, code).await.body["total_count"].as_u64() > Some(0));
    assert_eq!(search(BOB_TOKEN, code).await, 0);

    let titles = |body: Value| -> Vec<String> {
        let threads = body.as_array().unwrap().iter();
        threads
            .map(|n| n["subject"]["title"].as_str().unwrap().to_string())
            .collect()
    };
    let alice = titles(get(gh, ALICE_TOKEN, "/notifications").await.body);
    assert_eq!(alice, ["Ledger totals drift by one cent"]);
    let demo = titles(get(gh, DEMO_TOKEN, "/notifications").await.body);
    assert!(!demo.is_empty() && !demo.contains(&alice[0]), "{demo:?}");
    let status = |a: Answer| a.status;
    let mark = |token| {
        call(
            gh,
            Method::PATCH,
            token,
            "/notifications/threads/9100001",
            None,
            None,
        )
    };
    assert_eq!(status(mark(BOB_TOKEN).await), StatusCode::NOT_FOUND);
    assert_eq!(status(mark(ALICE_TOKEN).await), StatusCode::RESET_CONTENT);
}

#[tokio::test]
async fn an_etag_from_one_user_never_revalidates_another_users_body() {
    let gh = github::start(0).await.unwrap();
    for path in ["/user", "/user/repos", "/notifications"] {
        let alice = get(&gh, ALICE_TOKEN, path).await;
        let tag = alice.etag();
        let bob = call(&gh, Method::GET, BOB_TOKEN, path, Some(&tag), None).await;
        assert_eq!(
            bob.status,
            StatusCode::OK,
            "{path}: bob revalidated alice's body"
        );
        assert_ne!(bob.body, alice.body, "{path}");
        assert_ne!(bob.etag(), tag, "{path}");
        let again = call(&gh, Method::GET, ALICE_TOKEN, path, Some(&tag), None).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path}");
    }
    let private = "/repos/alice/alice-private";
    let tag = get(&gh, ALICE_TOKEN, private).await.etag();
    assert_hidden(
        &call(&gh, Method::GET, BOB_TOKEN, private, Some(&tag), None).await,
        private,
    );

    // Concurrently, with each other's validators, each still gets their own body.
    let tags = [
        (
            ALICE_TOKEN,
            "alice",
            get(&gh, BOB_TOKEN, "/user").await.etag(),
        ),
        (
            BOB_TOKEN,
            "bob",
            get(&gh, ALICE_TOKEN, "/user").await.etag(),
        ),
    ];
    gh.faults.reset();
    let mut tasks = Vec::new();
    for k in 0..40 {
        let (token, login, tag) = tags[k % 2].clone();
        let base = gh.base_url.clone();
        tasks.push(tokio::spawn(async move {
            let response = reqwest::Client::new()
                .get(format!("{base}/user"))
                .bearer_auth(token)
                .header("if-none-match", tag)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["login"], login);
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    // The record names each request's user (never the token) and its validator.
    let seen = gh.faults.requests();
    assert_eq!(seen.len(), 40);
    assert!(seen.iter().all(|s| s.if_none_match && s.status == 200));
    let by = |login: &str| {
        seen.iter()
            .filter(|s| s.user.as_deref() == Some(login))
            .count()
    };
    assert_eq!((by("alice"), by("bob")), (20, 20));
    let record = serde_json::to_string(&seen).unwrap();
    assert!(!record.contains("fake-github-token"), "{record}");
    let unknown = get(&gh, "no-such-token", "/user").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(gh.faults.requests().last().unwrap().user, None);
}

/// The app's keypair and a stranger's, made once per run.
fn keys() -> &'static [(String, String); 2] {
    static KEYS: OnceLock<[(String, String); 2]> = OnceLock::new();
    KEYS.get_or_init(|| [github::test_app_keypair(), github::test_app_keypair()])
}

fn now() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since.unwrap().as_secs() as i64
}

/// A JWT with these claims, RS256 with `private_pem`.
fn jwt(private_pem: &str, claims: Value) -> String {
    let key = EncodingKey::from_rsa_pem(private_pem.as_bytes()).unwrap();
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &key).unwrap()
}

/// A good JWT, as GitHub's docs make it: `iat` 60 s back, `exp` 10 min ahead.
fn good_jwt() -> String {
    let t = now();
    jwt(
        &keys()[0].0,
        json!({"iat": t - 60, "exp": t + 600, "iss": APP_ID.to_string()}),
    )
}

/// The fake with the app registered (tokens living `ttl` seconds).
async fn with_app(ttl: u64) -> FakeGithub {
    let state = GithubState::demo();
    let mut config = AppConfig::new(APP_ID, &keys()[0].1, INSTALLATION);
    config.client_id = Some("Iv23liDemoClient".into());
    config.token_ttl_secs = ttl;
    state.register_app(config).unwrap();
    github::start_with(state, 0).await.unwrap()
}

async fn mint(gh: &FakeGithub, jwt: &str, installation: u64) -> Answer {
    let path = format!("/app/installations/{installation}/access_tokens");
    call(gh, Method::POST, jwt, &path, None, None).await
}

#[tokio::test]
async fn a_valid_jwt_mints_an_installation_token_that_acts_as_the_bot() {
    let gh = with_app(3600).await;
    let minted = mint(&gh, &good_jwt(), INSTALLATION).await;
    assert_eq!(minted.status, StatusCode::CREATED, "{}", minted.body);
    let token = minted.body["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("ghs_") && token.len() == 40, "{token}");
    assert_eq!(minted.body["repository_selection"], "all");
    assert!(minted.body["permissions"]["contents"].is_string());
    let expires = minted.body["expires_at"].as_str().unwrap();
    let expires = github::time::parse_iso(expires).expect("ISO 8601");
    assert!((3595..=3605).contains(&(expires - now())), "{expires}");
    assert_eq!(gh.state.app_mints(), 1);

    let me = get(&gh, &token, "/user").await;
    assert_eq!(
        (me.body["login"].clone(), me.body["type"].clone()),
        (json!("demo-app[bot]"), json!("Bot"))
    );
    let hello = get(&gh, &token, "/repos/octo-demo/hello-world/issues").await;
    assert_eq!(hello.status, StatusCode::OK);
    assert_hidden(
        &get(&gh, &token, "/repos/alice/alice-private").await,
        "alice's repo",
    );
    let last = gh.faults.requests().last().unwrap().clone();
    assert_eq!(last.user.as_deref(), Some("demo-app[bot]"));

    // `iss` as a number, and as the client id, are accepted too.
    let t = now();
    for iss in [json!(APP_ID), json!("Iv23liDemoClient")] {
        let token = jwt(&keys()[0].0, json!({"iat": t, "exp": t + 300, "iss": iss}));
        assert_eq!(
            mint(&gh, &token, INSTALLATION).await.status,
            StatusCode::CREATED,
            "{iss}"
        );
    }
    let body: Value = reqwest::get(format!("{}/_fake/app/mints", gh.base_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body, json!({"mints": 3}));
}

#[tokio::test]
async fn bad_jwts_are_refused_with_githubs_messages() {
    let gh = with_app(3600).await;
    let t = now();
    let (ours, theirs) = (&keys()[0].0, &keys()[1].0);
    let claims = |iat: i64, exp: i64| json!({"iat": iat, "exp": exp, "iss": APP_ID});
    let hs256 = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(t, t + 300),
        &EncodingKey::from_secret(b"a shared secret").unwrap(),
    )
    .unwrap();
    let cases = [
        (
            "expired",
            jwt(ours, claims(t - 700, t - 100)),
            "must be a numeric value representing the future time",
        ),
        (
            "another key",
            jwt(theirs, claims(t, t + 300)),
            "could not be decoded",
        ),
        (
            "exp 11 min after iat",
            jwt(ours, claims(t, t + 660)),
            "is too far in the future",
        ),
        ("HS256", hs256, "could not be decoded"),
        (
            "not a JWT",
            "ghs_not-a-jwt".to_string(),
            "could not be decoded",
        ),
        (
            "another app",
            jwt(ours, json!({"iat": t, "exp": t + 300, "iss": 999})),
            "'Issuer' claim",
        ),
    ];
    for (what, token, message) in cases {
        let answer = mint(&gh, &token, INSTALLATION).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{what}");
        let said = answer.body["message"].as_str().unwrap();
        assert!(said.contains(message), "{what}: {said}");
    }
    assert_hidden(&mint(&gh, &good_jwt(), 1).await, "an unknown installation");
    assert_eq!(gh.state.app_mints(), 0);
    // A JWT is not an API token, and without an app there is nothing to mint.
    assert_eq!(
        get(&gh, &good_jwt(), "/user").await.status,
        StatusCode::UNAUTHORIZED
    );
    let plain = github::start(0).await.unwrap();
    assert_hidden(&mint(&plain, &good_jwt(), INSTALLATION).await, "no app");
}

#[tokio::test]
async fn an_installation_token_expires_and_a_fresh_one_is_minted() {
    let gh = with_app(2).await;
    let first = mint(&gh, &good_jwt(), INSTALLATION).await.body["token"].clone();
    let first = first.as_str().unwrap().to_string();
    for _ in 0..3 {
        assert_eq!(get(&gh, &first, "/user").await.status, StatusCode::OK);
    }
    assert_eq!(gh.state.app_mints(), 1, "minted once, reused");
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let late = get(&gh, &first, "/user").await;
    assert_eq!(late.status, StatusCode::UNAUTHORIZED);
    assert_eq!(late.body["message"], "Bad credentials");
    let second = mint(&gh, &good_jwt(), INSTALLATION).await.body["token"].clone();
    let second = second.as_str().unwrap().to_string();
    assert_ne!(second, first);
    assert_eq!(get(&gh, &second, "/user").await.status, StatusCode::OK);
    assert_eq!(gh.state.app_mints(), 2, "refreshed after it expired");
}

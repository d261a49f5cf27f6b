//! github-server in GitHub App mode, end to end: the built binary over stdio against
//! the fake GitHub started in this process with an app registered (keypairs made at
//! run time, the private key written to a temporary file):
//!
//! - tool calls act as the app's bot; several calls within a token's lifetime mint
//!   once, concurrent first calls too; after the lifetime the next call mints again
//!   and succeeds, and no request ever carries an expired token (no 401);
//! - neither the installation token nor the JWT appears in the server's log (debug);
//! - a wrong private key, or an unknown installation, is a tool error saying what to
//!   fix, and nothing but the mint request reaches GitHub;
//! - one App option missing, a token set too, or a key file that is no private key
//!   refuses to start, saying why; `doctor` mints one token and reports it.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use e2e::{bin, call, ok_json, text_of};
use fake_apis::github::{self, AppConfig, FakeGithub, GithubState};
use rmcp::ServiceExt;
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use serde_json::json;

type Client = RunningService<RoleClient, ()>;

const APP_ID: u64 = 4242;
const INSTALLATION: u64 = 777;
/// The bot the fake's app acts as.
const BOT: &str = "demo-app[bot]";

/// Variables github-server reads that must not leak in from the test's environment.
const SERVER_ENV: &[&str] = &[
    "GITHUB_TOKEN",
    "GITHUB_PERSONAL_ACCESS_TOKEN",
    "GITHUB_API_URL",
    "GITHUB_HOST",
    "GITHUB_TOOLSETS",
    "GITHUB_TOOLS",
    "GITHUB_ALLOW_WRITE",
    "GITHUB_APP_ID",
    "GITHUB_APP_PRIVATE_KEY_FILE",
    "GITHUB_APP_INSTALLATION_ID",
    "MCP_CONFIG",
];

/// Two keypairs (private PKCS#8 PEM, public PEM): the app's, and another app's.
fn keys() -> &'static [(String, String); 2] {
    static KEYS: OnceLock<[(String, String); 2]> = OnceLock::new();
    KEYS.get_or_init(|| [github::test_app_keypair(), github::test_app_keypair()])
}

/// The fake GitHub with the app registered, its tokens living `ttl` seconds, and a
/// folder holding the right (`app.pem`) and a wrong (`other.pem`) private key.
struct AppFake {
    fake: FakeGithub,
    dir: tempfile::TempDir,
}

impl AppFake {
    async fn start(ttl: u64) -> Self {
        let state = GithubState::demo();
        let mut config = AppConfig::new(APP_ID, &keys()[0].1, INSTALLATION);
        config.token_ttl_secs = ttl;
        state.register_app(config).expect("register the app");
        let fake = github::start_with(state, 0)
            .await
            .expect("start the fake GitHub");
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("app.pem"), &keys()[0].0).expect("write the key");
        std::fs::write(dir.path().join("other.pem"), &keys()[1].0).expect("write the key");
        std::fs::write(dir.path().join("public.pem"), &keys()[0].1).expect("write the key");
        Self { fake, dir }
    }

    fn key(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// The three App options, with this key file and installation.
    fn app_args(&self, key: &str, installation: u64) -> Vec<String> {
        vec![
            "--api-url".into(),
            self.fake.base_url.clone(),
            "--app-id".into(),
            APP_ID.to_string(),
            "--app-private-key-file".into(),
            self.key(key),
            "--app-installation-id".into(),
            installation.to_string(),
        ]
    }

    /// github-server over stdio in App mode, logging at debug into [`Self::log`].
    async fn server(&self, key: &str, installation: u64, extra: &[&str]) -> Client {
        let log = std::fs::File::create(self.log()).expect("create the log file");
        let args = self.app_args(key, installation);
        let command = tokio::process::Command::new(bin("github-server")).configure(|c| {
            for var in SERVER_ENV {
                c.env_remove(var);
            }
            c.args(&args).args(extra).env("RUST_LOG", "debug");
        });
        let transport = TokioChildProcess::builder(command)
            .stderr(Stdio::from(log))
            .spawn()
            .expect("spawn github-server")
            .0;
        ().serve(transport).await.expect("initialize over stdio")
    }

    fn mints(&self) -> u64 {
        self.fake.state.app_mints()
    }

    /// Requests other than mints that reached the fake: (method, path, status, user).
    fn api_requests(&self) -> Vec<(String, String, u16, Option<String>)> {
        self.fake
            .faults
            .requests()
            .into_iter()
            .filter(|s| !s.path.starts_with("/app/"))
            .map(|s| (s.method, s.path, s.status, s.user))
            .collect()
    }
}

/// No installation token (`ghs_…`) and no JWT (`eyJ…`, base64 of `{"`) in `text`.
fn assert_no_secrets(text: &str, what: &str) {
    assert!(!text.contains("ghs_"), "{what} holds a token:\n{text}");
    assert!(!text.contains("eyJ"), "{what} holds a JWT:\n{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn acts_as_the_bot_mints_once_per_token_and_refreshes_before_expiry() {
    let app = AppFake::start(3).await;
    let client = app
        .server("app.pem", INSTALLATION, &["--allow-write"])
        .await;
    assert_eq!(app.mints(), 0, "nothing is minted before the first call");

    let started = Instant::now();
    let me = ok_json(&call(&client, "get_me", json!({})).await);
    assert_eq!(me["login"], BOT);
    let issues = call(
        &client,
        "list_issues",
        json!({"owner": "octo-demo", "repo": "hello-world"}),
    )
    .await;
    ok_json(&issues);
    let created = ok_json(
        &call(
            &client,
            "create_issue",
            json!({"owner": "octo-demo", "repo": "hello-world", "title": "Filed by the bot"}),
        )
        .await,
    );
    let number = created["number"].as_u64().expect("the new issue's number");
    let within = started.elapsed();
    assert!(
        within < Duration::from_millis(1500),
        "the calls took {within:?}, beyond the first token's refresh point"
    );
    assert_eq!(app.mints(), 1, "three calls within the lifetime mint once");
    let issue = app
        .fake
        .state
        .issues("octo-demo", "hello-world")
        .into_iter()
        .find(|i| i.number == number)
        .expect("the issue exists");
    assert_eq!(issue.user, BOT, "written as the app's bot");

    tokio::time::sleep(Duration::from_millis(3200)).await;
    let me = ok_json(&call(&client, "get_me", json!({})).await);
    assert_eq!(me["login"], BOT);
    assert_eq!(app.mints(), 2, "the expired token was replaced");

    let requests = app.api_requests();
    assert!(!requests.is_empty());
    for (method, path, status, user) in &requests {
        assert_ne!(
            *status, 401,
            "{method} {path} carried an expired or refused token"
        );
        assert_eq!(user.as_deref(), Some(BOT), "{method} {path}");
    }
    client.cancel().await.expect("stop the client");
    let log = std::fs::read_to_string(app.log()).expect("read the server's log");
    assert!(
        log.contains("minted a GitHub App installation token"),
        "the mint is logged:\n{log}"
    );
    assert_no_secrets(&log, "the server's debug log");
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_first_calls_share_one_mint() {
    let app = AppFake::start(3600).await;
    let client = app.server("app.pem", INSTALLATION, &[]).await;
    let calls = (0..8).map(|_| call(&client, "get_me", json!({})));
    for result in futures::future::join_all(calls).await {
        assert_eq!(ok_json(&result)["login"], BOT);
    }
    assert_eq!(app.mints(), 1, "eight concurrent first calls, one mint");
    client.cancel().await.expect("stop the client");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_private_key_is_a_tool_error_and_no_token_is_sent() {
    let app = AppFake::start(3600).await;
    let client = app.server("other.pem", INSTALLATION, &[]).await;
    let result = call(&client, "get_me", json!({})).await;
    assert_eq!(result.is_error, Some(true), "{}", text_of(&result));
    let text = text_of(&result);
    assert!(text.contains("refused the app's JWT"), "{text}");
    assert!(text.contains("--app-id 4242"), "{text}");
    assert!(text.contains("other.pem"), "{text}");
    assert_no_secrets(&text, "the tool error");
    assert_eq!(app.mints(), 0);
    assert_eq!(
        app.api_requests(),
        [],
        "nothing but the mint reached GitHub"
    );
    client.cancel().await.expect("stop the client");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_installation_says_to_check_the_installation_id() {
    let app = AppFake::start(3600).await;
    let client = app.server("app.pem", 999, &[]).await;
    let result = call(&client, "get_me", json!({})).await;
    assert_eq!(result.is_error, Some(true), "{}", text_of(&result));
    let text = text_of(&result);
    assert!(text.contains("404"), "{text}");
    assert!(text.contains("check --app-installation-id"), "{text}");
    assert_eq!(app.api_requests(), []);
    client.cancel().await.expect("stop the client");
}

/// Runs github-server with `args` (and `envs`) to its end; returns (exit code, stdout,
/// stderr).
async fn run(args: &[String], envs: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let mut command = tokio::process::Command::new(bin("github-server"));
    for var in SERVER_ENV {
        command.env_remove(var);
    }
    let output = command
        .args(args)
        .envs(envs.iter().copied())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(30), output)
        .await
        .expect("github-server ended")
        .expect("run github-server");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn incomplete_or_conflicting_app_options_refuse_to_start() {
    let app = AppFake::start(3600).await;
    let all = app.app_args("app.pem", INSTALLATION);
    // Without --app-installation-id (the last two arguments).
    let (code, _, stderr) = run(&all[..all.len() - 2], &[]).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("missing: --app-installation-id (GITHUB_APP_INSTALLATION_ID)"),
        "{stderr}"
    );
    // The id from the environment, the key file missing.
    let (code, _, stderr) = run(
        &all[..2],
        &[
            ("GITHUB_APP_ID", "4242"),
            ("GITHUB_APP_INSTALLATION_ID", "777"),
        ],
    )
    .await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("missing: --app-private-key-file"),
        "{stderr}"
    );
    // All three and a token.
    let (code, _, stderr) = run(&all, &[("GITHUB_TOKEN", "ghp_not_used")]).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("unset GITHUB_TOKEN"), "{stderr}");
    assert!(!stderr.contains("ghp_not_used"), "{stderr}");
    // A public key given as the private key.
    let public = app.app_args("public.pem", INSTALLATION);
    let (code, _, stderr) = run(&public, &[]).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("public.pem") && stderr.contains("not the app's private key"),
        "{stderr}"
    );
    assert!(!stderr.contains("BEGIN"), "{stderr}");
    assert_eq!(app.mints(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_mints_one_token_and_reports_it_without_showing_it() {
    let app = AppFake::start(3600).await;
    let mut args = app.app_args("app.pem", INSTALLATION);
    args.push("doctor".into());
    let (code, stdout, stderr) = run(&args, &[]).await;
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("GitHub App mode: app 4242, installation 777"),
        "{stdout}"
    );
    assert!(
        stdout.contains("minted an installation token (not shown): expires at"),
        "{stdout}"
    );
    assert!(stdout.contains("issues: write"), "{stdout}");
    assert!(stdout.contains(BOT), "{stdout}");
    assert_no_secrets(&stdout, "doctor's report");
    assert_eq!(app.mints(), 1);

    let mut wrong = app.app_args("other.pem", INSTALLATION);
    wrong.push("doctor".into());
    let (code, stdout, _) = run(&wrong, &[]).await;
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("refused the app's JWT"), "{stdout}");
    assert_no_secrets(&stdout, "doctor's report");
}

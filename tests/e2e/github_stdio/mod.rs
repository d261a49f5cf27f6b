//! What github-server's e2e files share: the server over stdio against a fake
//! GitHub started in the test, with the demo token and the GITHUB_* variables of
//! the test's environment cleared.

use e2e::bin;
use fake_apis::github::{DEMO_TOKEN, FakeGithub};
use rmcp::ServiceExt;
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};

/// A connected MCP client.
pub type Client = RunningService<RoleClient, ()>;

/// A fake GitHub with the demo data.
pub async fn fake() -> FakeGithub {
    fake_apis::github::start(0).await.expect("start the fake")
}

/// github-server over stdio against `fake` with the demo token and `args`.
pub async fn server(fake: &FakeGithub, args: &[&str]) -> Client {
    let command = tokio::process::Command::new(bin("github-server")).configure(|c| {
        for (var, _) in std::env::vars().filter(|(k, _)| k.starts_with("GITHUB_")) {
            c.env_remove(var);
        }
        c.arg("--api-url")
            .arg(&fake.base_url)
            .args(args)
            .env("GITHUB_TOKEN", DEMO_TOKEN)
            .env("RUST_LOG", "warn");
    });
    let (transport, _) = TokioChildProcess::builder(command)
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn github-server");
    ().serve(transport).await.expect("initialize over stdio")
}

/// Arguments naming `octo-demo/hello-world` plus the fields of `extra` (an object).
#[allow(dead_code)] // not every file including this module uses it
pub fn args(extra: serde_json::Value) -> serde_json::Value {
    let mut v = serde_json::json!({"owner": "octo-demo", "repo": "hello-world"});
    v.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    v
}

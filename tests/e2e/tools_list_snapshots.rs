//! `tools/list` of every server, byte for byte, against the snapshots in
//! `tests/snapshots/tools-list/`: a restructuring must not change what the model sees.
//! A change made on purpose (a new tool, a better description) updates the snapshots
//! with `UPDATE_SNAPSHOTS=1 cargo test -p e2e --test tools_list_snapshots`, and the
//! diff then shows in review exactly what the model will see differently.

use std::path::PathBuf;

use e2e::abuse::empty_sqlite;
use e2e::{Fixture, bin};
use rmcp::ServiceExt;
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};

/// The `tools` array `binary args...` lists over stdio, pretty-printed.
async fn tools_list(binary: &str, args: &[&str]) -> String {
    let command = tokio::process::Command::new(bin(binary)).configure(|c| {
        c.args(args)
            .env("GITHUB_TOKEN", "test-token")
            .env("NOTION_TOKEN", "test-token")
            .env("RUST_LOG", "warn");
    });
    let (transport, _) = TokioChildProcess::builder(command)
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn server");
    let client = ().serve(transport).await.expect("initialize over stdio");
    let tools = client.list_all_tools().await.expect("tools/list");
    client.cancel().await.unwrap();
    serde_json::to_string_pretty(&tools).expect("tools serialize") + "\n"
}

/// Compares `actual` with the snapshot `name`, or writes it when asked to.
fn compare(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("snapshots/tools-list")
        .join(format!("{name}.json"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).expect("write the snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; create it with UPDATE_SNAPSHOTS=1", path.display()));
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "tools/list of {name} differs from {} from line {}:\n  snapshot: {:?}\n  now:      {:?}\n(if the change is intended: UPDATE_SNAPSHOTS=1 cargo test -p e2e --test tools_list_snapshots)",
            path.display(),
            first + 1,
            expected.lines().nth(first),
            actual.lines().nth(first)
        );
    }
}

#[tokio::test]
async fn fs_server_tools_list_is_unchanged() {
    let fx = Fixture::new();
    let root = fx.root();
    let root = root.to_str().unwrap();
    compare("fs-server", &tools_list("fs-server", &[root]).await);
    let all = tools_list("fs-server", &["--allow-write", "--allow-delete", root]).await;
    compare("fs-server-write", &all);
}

#[tokio::test]
async fn sql_server_tools_list_is_unchanged() {
    let (_dir, url) = empty_sqlite();
    compare(
        "sql-server",
        &tools_list("sql-server", &["--url", &url]).await,
    );
}

#[tokio::test]
async fn github_server_tools_list_is_unchanged() {
    let api = ["--api-url", "http://127.0.0.1:9"];
    compare("github-server", &tools_list("github-server", &api).await);
    let mut all = api.to_vec();
    all.extend(["--toolsets", "all", "--allow-write"]);
    compare(
        "github-server-all-write",
        &tools_list("github-server", &all).await,
    );
}

#[tokio::test]
async fn notion_server_tools_list_is_unchanged() {
    let api = ["--api-url", "http://127.0.0.1:9/v1"];
    compare("notion-server", &tools_list("notion-server", &api).await);
    let mut all = api.to_vec();
    all.push("--allow-write");
    compare(
        "notion-server-write",
        &tools_list("notion-server", &all).await,
    );
}

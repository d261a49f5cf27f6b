//! Every tool schema of every server, as `tools/list` serves it over stdio: portable
//! (no `$schema`, no non-standard `format`, no `null` in an input type union, no
//! boolean schema: `shared::schema::findings`), every parameter documented, an example
//! in every tool description, and the whole list within its size budget. A wrongly
//! typed argument is answered with the argument's name and what it must be, and the
//! query tool's structured output fits its output schema.

use e2e::abuse::empty_sqlite;
use e2e::{Fixture, bin, call, text_of};
use rmcp::ServiceExt;
use rmcp::model::Tool;
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use serde_json::{Value, json};
use shared::schema::{findings, tools_list_bytes};

type Client = RunningService<RoleClient, ()>;

/// An rmcp client over stdio to `binary args...`, with dummy API tokens and an API
/// URL nothing listens on: listing tools and refusing arguments need neither.
async fn client(binary: &str, args: &[&str]) -> Client {
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
    ().serve(transport).await.expect("initialize over stdio")
}

const GITHUB_API: [&str; 2] = ["--api-url", "http://127.0.0.1:9"];
const NOTION_API: [&str; 2] = ["--api-url", "http://127.0.0.1:9/v1"];

/// Lists `binary args...`'s tools, checks each, and returns them with the size of
/// the list, which must be at most `max_kb` KB (1024 bytes).
async fn checked_tools(label: &str, binary: &str, args: &[&str], max_kb: f64) -> Vec<Tool> {
    let c = client(binary, args).await;
    let tools = c.list_all_tools().await.expect("tools/list");
    c.cancel().await.unwrap();
    let bytes = tools_list_bytes(&tools);
    eprintln!(
        "{label}: {} tools, tools/list {bytes} bytes ({:.1} KB)",
        tools.len(),
        bytes as f64 / 1024.0
    );
    let found: Vec<String> = tools.iter().flat_map(findings).collect();
    assert!(found.is_empty(), "{label}: {found:#?}");
    for tool in &tools {
        let description = tool.description.as_deref().unwrap_or_default();
        assert!(
            description.contains("Example"),
            "{label}: {} has no example",
            tool.name
        );
    }
    assert!(
        bytes as f64 <= max_kb * 1024.0,
        "{label}: tools/list is {bytes} bytes, over {max_kb} KB"
    );
    tools
}

#[tokio::test]
async fn fs_server_schemas_are_portable_documented_and_small() {
    let fx = Fixture::new();
    let root = fx.root();
    let root = root.to_str().unwrap();
    let read = checked_tools("fs-server", "fs-server", &[root], 8.0).await;
    let all = checked_tools(
        "fs-server --allow-write --allow-delete",
        "fs-server",
        &["--allow-write", "--allow-delete", root],
        13.0,
    )
    .await;
    assert_eq!((read.len(), all.len()), (9, 16));
}

#[tokio::test]
async fn sql_server_schemas_are_portable_documented_and_small() {
    let (_dir, url) = empty_sqlite();
    // Six tools with search_objects (7.4 KB).
    let tools = checked_tools("sql-server", "sql-server", &["--url", &url], 8.0).await;
    assert_eq!(tools.len(), 6);
}

#[tokio::test]
async fn github_server_schemas_are_portable_documented_and_small() {
    let default = checked_tools("github-server", "github-server", &GITHUB_API, 20.0).await;
    assert_eq!(default.len(), 22);
    // The README gives the size `doctor` prints, computed the same way.
    let readme = include_str!("../../README.md").replace('\n', " ");
    let kb = format!("{:.1}", tools_list_bytes(&default) as f64 / 1024.0);
    assert!(
        readme.contains(&format!("(22 tools, about {kb} KB of `tools/list`")),
        "the README's size of the default tools/list is not the measured {kb} KB"
    );
    let mut args = GITHUB_API.to_vec();
    args.extend(["--toolsets", "all", "--allow-write"]);
    let all = checked_tools(
        "github-server --toolsets all --allow-write",
        "github-server",
        &args,
        53.0,
    )
    .await;
    // 39 REST and GraphQL tools, plus releases, labels, Actions control,
    // compare_commits, sub-issues, gists and security alerts (52.3 KB).
    assert_eq!(all.len(), 63);
}

#[tokio::test]
async fn notion_server_schemas_are_portable_documented_and_small() {
    checked_tools("notion-server", "notion-server", &NOTION_API, 4.0).await;
    let mut args = NOTION_API.to_vec();
    args.push("--allow-write");
    let all = checked_tools("notion-server --allow-write", "notion-server", &args, 12.0).await;
    // With update_page_content, move_page, create_data_source and list_users (10.3 KB).
    assert_eq!(all.len(), 14);
}

/// The text of a tool error, asserting it is one.
fn error_text(result: &rmcp::model::CallToolResult) -> String {
    assert_eq!(result.is_error, Some(true), "{result:?}");
    text_of(result)
}

#[tokio::test]
async fn wrongly_typed_arguments_are_named() {
    let fx = Fixture::new();
    let fs = client("fs-server", &[fx.root().to_str().unwrap()]).await;
    let r = call(
        &fs,
        "read_text_file",
        json!({"path": "hello.txt", "head": "abc"}),
    )
    .await;
    assert_eq!(
        error_text(&r),
        "Argument `head` must be an integer ≥ 0 (got the string \"abc\"). Example: {\"head\":10}"
    );
    let r = call(
        &fs,
        "grep",
        json!({"pattern": "x", "case": "upper", "context": true}),
    )
    .await;
    let text = error_text(&r);
    assert!(
        text.contains(
            "Argument `case` must be one of \"sensitive\", \"insensitive\", \"smart\" (got the string \"upper\")"
        ) && text.contains("Argument `context` must be an integer ≥ 0 (got true)"),
        "{text}"
    );
    // What the tolerant conversion fixes, and an optional argument sent as null, pass.
    let r = call(
        &fs,
        "read_text_file",
        json!({"path": "hello.txt", "head": "1", "tail": null}),
    )
    .await;
    assert_ne!(r.is_error, Some(true), "{r:?}");
    assert!(text_of(&r).starts_with("hello world"), "{}", text_of(&r));
    fs.cancel().await.unwrap();

    let github = client("github-server", &GITHUB_API).await;
    let r = call(
        &github,
        "get_issue",
        json!({"owner": "octocat", "repo": "hello-world", "issue_number": "abc"}),
    )
    .await;
    assert_eq!(
        error_text(&r),
        "Argument `issue_number` must be an integer ≥ 0 (got the string \"abc\"). Example: {\"issue_number\":10}"
    );
    github.cancel().await.unwrap();
}

#[tokio::test]
async fn query_output_fits_its_output_schema() {
    let (_dir, url) = empty_sqlite();
    let sql = client("sql-server", &["--url", &url]).await;
    let tools = sql.list_all_tools().await.unwrap();
    let query = tools.iter().find(|t| t.name == "query").unwrap();
    let schema = query
        .output_schema
        .as_ref()
        .expect("query has an output schema");
    let r = call(
        &sql,
        "query",
        json!({
            "sql": "SELECT 1 AS n, NULL AS empty, 'x' AS s, 2.5 AS f UNION ALL SELECT 2, NULL, 'y', 3.5",
            "max_rows": 1
        }),
    )
    .await;
    let structured = r.structured_content.expect("structuredContent");
    assert_eq!(structured["truncated"], true, "{structured}");
    shared::arguments::check(schema, structured.as_object())
        .unwrap_or_else(|e| panic!("{e}\n{structured}"));
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for (name, value) in structured.as_object().unwrap() {
        assert!(
            schema["properties"].get(name).is_some(),
            "{name} is not in the output schema"
        );
        assert!(
            !value.is_null() || required.contains(&name.as_str()),
            "{name} is null but its schema does not allow null"
        );
    }
    sql.cancel().await.unwrap();
}

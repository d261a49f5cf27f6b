//! `make demo`: starts a bundle server on an embedded default and shows a real MCP
//! exchange with it: the tools it lists, then a few calls and their results.
//!
//! Usage: `mcp-demo fs [FOLDER]` (default folder: the repository's `servers/`),
//! `mcp-demo sql [DATABASE_URL]` (default: a SQLite shop built from
//! `integration/sql/sample.sql` into `target/demo/shop.sqlite`), `mcp-demo github` or
//! `mcp-demo notion` (against the fake API of `integration/fakes`, started in this
//! process: no token, no network).
//! Needs nothing beyond the Rust toolchain: the client is rmcp's, over stdio.

use std::path::PathBuf;

use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use serde_json::{Value, json};

/// Longest result text shown per call.
const SHOW_CHARS: usize = 1_200;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "fs".into());
    match which.as_str() {
        "fs" => demo_fs(args.next().map(PathBuf::from)).await,
        "sql" => demo_sql(args.next()).await,
        "github" => demo_github().await,
        "notion" => demo_notion().await,
        other => anyhow::bail!("unknown demo {other:?}; available: fs, sql, github, notion"),
    }
}

fn repo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn server_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    exe.parent().expect("bin dir").join(name)
}

async fn demo_fs(folder: Option<PathBuf>) -> anyhow::Result<()> {
    let folder = folder.unwrap_or_else(|| repo_dir().join("servers"));
    let folder = folder.canonicalize()?;
    println!("== fs-server on {} (stdio, read-only)\n", folder.display());
    let client = connect_and_list("fs-server", |c| {
        c.arg(&folder);
    })
    .await?;

    let calls = [
        ("list_roots", json!({})),
        (
            "directory_tree",
            json!({"path": ".", "max_depth": 2, "max_entries": 40}),
        ),
        ("search_files", json!({"pattern": "*.toml"})),
        (
            "grep",
            json!({"pattern": "fn main", "glob": ["*.rs"], "max_results": 10}),
        ),
        (
            "read_text_file",
            json!({"path": "fs-server/Cargo.toml", "head": 8, "line_numbers": true}),
        ),
        ("read_text_file", json!({"path": "/etc/passwd"})),
    ];
    for (tool, arguments) in calls {
        show_call(&client, tool, arguments).await?;
    }
    client.cancel().await?;
    Ok(())
}

/// Builds the sample shop as a SQLite file (replacing an older copy) and returns its path.
async fn build_sample_shop() -> anyhow::Result<PathBuf> {
    use sqlx::{ConnectOptions, Connection, Executor};
    let script = std::fs::read_to_string(repo_dir().join("integration/sql/sample.sql"))?;
    let dir = repo_dir().join("target/demo");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("shop.sqlite");
    let _ = std::fs::remove_file(&path);
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .connect()
        .await?;
    conn.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(script)))
        .await?;
    conn.close().await?;
    Ok(path.canonicalize()?)
}

async fn demo_sql(url: Option<String>) -> anyhow::Result<()> {
    let url = match url {
        Some(url) => url,
        None => format!("sqlite:{}", build_sample_shop().await?.display()),
    };
    println!("== sql-server on {url} (stdio, read-only)\n");
    let client = connect_and_list("sql-server", |c| {
        c.arg("--url").arg(&url);
    })
    .await?;

    let calls = [
        ("list_tables", json!({})),
        ("describe_table", json!({"table": "orders"})),
        (
            "query",
            json!({"sql": "SELECT c.country, count(*) AS orders, round(sum(t.total), 2) AS revenue FROM order_totals t JOIN customers c ON c.id = t.customer_id WHERE t.status <> ? GROUP BY c.country ORDER BY revenue DESC LIMIT 5", "params": ["cancelled"]}),
        ),
        (
            "query",
            json!({"sql": "SELECT id, ordered_at, status FROM orders ORDER BY id", "max_rows": 5}),
        ),
        (
            "explain",
            json!({"sql": "SELECT * FROM orders WHERE customer_id = ?", "params": [42]}),
        ),
        ("query", json!({"sql": "SELECT 1; DROP TABLE orders"})),
        ("query", json!({"sql": "PRAGMA journal_mode = WAL"})),
    ];
    for (tool, arguments) in calls {
        show_call(&client, tool, arguments).await?;
    }
    client.cancel().await?;
    Ok(())
}

async fn demo_github() -> anyhow::Result<()> {
    let fake = fake_apis::github::start(0).await?;
    println!(
        "== github-server against the fake GitHub at {} (stdio, read-only)\n",
        fake.base_url
    );
    let client = connect_and_list("github-server", |c| {
        c.arg("--api-url")
            .arg(&fake.base_url)
            .env("GITHUB_TOKEN", fake_apis::github::DEMO_TOKEN);
    })
    .await?;
    let repo = |extra: Value| {
        let mut args = json!({"owner": "octo-demo", "repo": "hello-world"});
        args.as_object_mut()
            .unwrap()
            .extend(extra.as_object().cloned().unwrap_or_default());
        args
    };
    let calls = [
        ("get_me", json!({})),
        ("get_repository", repo(json!({}))),
        (
            "get_file_contents",
            repo(json!({"path": "src/main.rs", "end_line": 15})),
        ),
        (
            "list_issues",
            json!({"owner": "octo-demo", "repo": "many-issues", "limit": 3}),
        ),
        (
            "list_pull_requests",
            repo(json!({"state": "all", "limit": 3})),
        ),
        ("get_pull_request_diff", repo(json!({"pull_number": 13}))),
        (
            "get_repository",
            json!({"owner": "octo-demo", "repo": "missing"}),
        ),
    ];
    for (tool, arguments) in calls {
        show_call(&client, tool, arguments).await?;
    }
    client.cancel().await?;
    let seen = fake.faults.requests();
    println!(
        "The fake GitHub received {} requests; none left this machine.",
        seen.len()
    );
    Ok(())
}

async fn demo_notion() -> anyhow::Result<()> {
    let fake = fake_apis::notion::start(0).await?;
    println!(
        "== notion-server against the fake Notion at {} (stdio, read-only)\n",
        fake.base_url
    );
    let client = connect_and_list("notion-server", |c| {
        c.arg("--api-url")
            .arg(&fake.base_url)
            .env("NOTION_TOKEN", fake_apis::notion::DEMO_TOKEN);
    })
    .await?;
    let found = show_call(&client, "search", json!({"query": "Team Handbook"})).await?;
    let Some(page_id) = first_uuid(&found) else {
        anyhow::bail!("the fake Notion has no \"Team Handbook\" page to show");
    };
    show_call(&client, "get_page", json!({"page_id": page_id})).await?;
    let projects = show_call(
        &client,
        "search",
        json!({"query": "Projects", "object": "data_source"}),
    )
    .await?;
    if let Some(source) = first_uuid(&projects) {
        show_call(
            &client,
            "query_data_source",
            json!({"data_source_id": source, "limit": 5}),
        )
        .await?;
    }
    show_call(
        &client,
        "get_page",
        json!({"page_id": "00000000-0000-4000-8000-000000000000"}),
    )
    .await?;
    client.cancel().await?;
    println!(
        "The fake Notion received {} requests; none left this machine.",
        fake.faults.requests().len()
    );
    Ok(())
}

/// The first Notion id (a UUID, with or without dashes) in `text`.
fn first_uuid(text: &str) -> Option<String> {
    text.split(|c: char| !(c.is_ascii_hexdigit() || c == '-'))
        .find(|word| {
            let hex = word.chars().filter(char::is_ascii_hexdigit).count();
            hex == 32 && (word.len() == 32 || word.len() == 36)
        })
        .map(str::to_string)
}

/// Starts `binary` over stdio, prints what `initialize` and `tools/list` answered, and
/// returns the connected client.
async fn connect_and_list(
    binary: &str,
    args: impl FnOnce(&mut tokio::process::Command),
) -> anyhow::Result<rmcp::service::RunningService<rmcp::RoleClient, ()>> {
    let transport = TokioChildProcess::new(
        tokio::process::Command::new(server_binary(binary)).configure(|c| {
            args(c);
            c.env("RUST_LOG", "warn");
        }),
    )?;
    let client = ().serve(transport).await?;
    if let Some(info) = client.peer_info()
        && let Some(server) = &info.server_info
    {
        println!(
            "initialize → {} {} (protocol {})\n",
            server.name, server.version, info.protocol_version
        );
    }
    let tools = client.list_all_tools().await?;
    println!("tools/list → {} tools:", tools.len());
    for tool in &tools {
        let description = tool.description.as_deref().unwrap_or("");
        let first_sentence = description.split(". ").next().unwrap_or(description);
        println!("  • {:<20} {}", tool.name, first_sentence);
    }
    println!();
    Ok(client)
}

/// Calls `tool`, prints the call and (the start of) its result, and returns the
/// result's text.
async fn show_call(
    client: &rmcp::service::RunningService<rmcp::RoleClient, ()>,
    tool: &str,
    arguments: Value,
) -> anyhow::Result<String> {
    println!("tools/call {tool} {arguments}");
    let params = CallToolRequestParams::new(tool.to_string())
        .with_arguments(arguments.as_object().cloned().unwrap_or_default());
    let result = client.call_tool(params).await?;
    let text: String = result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n");
    let marker = if result.is_error == Some(true) {
        "  ✗ isError: "
    } else {
        "  → "
    };
    let shown: String = text.chars().take(SHOW_CHARS).collect();
    for (i, line) in shown.lines().enumerate() {
        println!("{}{line}", if i == 0 { marker } else { "    " });
    }
    if text.chars().count() > SHOW_CHARS {
        println!(
            "    … ({} more characters)",
            text.chars().count() - SHOW_CHARS
        );
    }
    println!();
    Ok(text)
}

//! `make demo`: starts a bundle server on an embedded default and shows a real MCP
//! exchange with it: the tools it lists, then a few calls and their results.
//!
//! Usage: `mcp-demo fs [FOLDER]` (default folder: the repository's `servers/`).
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
        other => anyhow::bail!("unknown demo {other:?}; available: fs"),
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
    let transport = TokioChildProcess::new(
        tokio::process::Command::new(server_binary("fs-server")).configure(|c| {
            c.arg(&folder).env("RUST_LOG", "warn");
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

async fn show_call(
    client: &rmcp::service::RunningService<rmcp::RoleClient, ()>,
    tool: &str,
    arguments: Value,
) -> anyhow::Result<()> {
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
    Ok(())
}

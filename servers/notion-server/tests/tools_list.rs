//! The whole `tools/list` answer stays small (the official Notion server's is 76 KB):
//! under 12 KB with the write tools on, and the write tools are absent without
//! `--allow-write`.

use notion_server::client::NotionClient;
use notion_server::config::NotionArgs;
use notion_server::server::NotionServer;
use rmcp::model::ListToolsResult;
use shared::config::try_parse_from;

fn server(extra: &[&str]) -> NotionServer {
    let mut argv = vec!["notion-server", "--api-url", "http://127.0.0.1:9/v1"];
    argv.extend_from_slice(extra);
    let settings = try_parse_from::<NotionArgs>(argv).unwrap().args.settings();
    NotionServer::new(NotionClient::new(&settings).unwrap(), settings)
}

fn size(s: &NotionServer) -> (usize, Vec<String>) {
    let tools = s.tools();
    let names = tools.iter().map(|t| t.name.to_string()).collect();
    let json = serde_json::to_string(&ListToolsResult::with_all_items(tools)).unwrap();
    (json.len(), names)
}

#[test]
fn tools_list_is_small_and_writes_are_opt_in() {
    let (read_bytes, read_names) = size(&server(&[]));
    let (all_bytes, all_names) = size(&server(&["--allow-write"]));
    eprintln!("tools/list: {read_bytes} bytes read-only, {all_bytes} bytes with writes");
    assert_eq!(
        read_names,
        [
            "get_data_source",
            "get_page",
            "list_comments",
            "list_users",
            "query_data_source",
            "search"
        ]
    );
    assert_eq!(
        all_names,
        [
            "add_comment",
            "append_markdown",
            "archive_page",
            "create_data_source",
            "create_page",
            "get_data_source",
            "get_page",
            "list_comments",
            "list_users",
            "move_page",
            "query_data_source",
            "search",
            "update_page_content",
            "update_page_properties"
        ]
    );
    assert!(all_bytes < 12 * 1024, "tools/list is {all_bytes} bytes");
}

#[test]
fn every_tool_declares_its_annotations() {
    for tool in server(&["--allow-write"]).tools() {
        let a = tool.annotations.as_ref().expect("annotations");
        assert!(
            a.read_only_hint.is_some() && a.destructive_hint.is_some(),
            "{}",
            tool.name
        );
        let write = !a.read_only_hint.unwrap();
        let is_write_tool = [
            "create_page",
            "append_markdown",
            "update_page_properties",
            "add_comment",
            "archive_page",
            "update_page_content",
            "move_page",
            "create_data_source",
        ]
        .contains(&tool.name.as_ref());
        assert_eq!(write, is_write_tool, "{}", tool.name);
    }
}

#[test]
#[ignore = "prints the tools/list JSON for review"]
fn print_tools_list() {
    let tools = server(&["--allow-write"]).tools();
    println!(
        "{}",
        serde_json::to_string_pretty(&ListToolsResult::with_all_items(tools)).unwrap()
    );
}

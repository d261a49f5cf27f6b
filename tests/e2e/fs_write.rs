//! fs-server's write tools end to end: the built binary over stdio (rmcp's client, and
//! raw JSON-RPC where a test must kill the server mid-write) and over HTTP.
//!
//! What this proves: the tools exist only when the user opted in; each tool works and
//! says what changed; writes cannot leave the root through links; permissions, CRLF,
//! a missing final newline and `$` survive; two agents with expected hashes lose no
//! change, whether they share a server process or not; and a `kill -9` during a
//! large write leaves the old or the new file, never a mix.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use e2e::{Fixture, HttpServer, bin, call, stdio_client, text_of};
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use serde_json::{Value, json};

type Client = RunningService<RoleClient, ()>;

/// Every write tool but delete_path, with (destructive, idempotent) hints.
const WRITE_TOOLS: [(&str, bool, bool); 6] = [
    ("append_file", false, false),
    ("copy_path", true, true),
    ("create_directory", false, true),
    ("edit_file", true, false),
    ("move_path", true, false),
    ("write_file", true, true),
];
const TEMP_MARKER: &str = "fs-server-tmp-";

async fn writer(fx: &Fixture, extra: &[&str]) -> Client {
    let root = fx.root();
    let mut args = vec!["--allow-write"];
    args.extend_from_slice(extra);
    args.push(root.to_str().unwrap());
    stdio_client("fs-server", &args).await
}

/// Calls a tool that must succeed; returns its text.
async fn ok(client: &Client, tool: &str, args: Value) -> String {
    let r = call(client, tool, args.clone()).await;
    assert_ne!(
        r.is_error,
        Some(true),
        "{tool} {args} failed: {}",
        text_of(&r)
    );
    text_of(&r)
}

/// Calls a tool that must fail as a tool error; returns its text.
async fn refused(client: &Client, tool: &str, args: Value) -> String {
    let r: CallToolResult = call(client, tool, args.clone()).await;
    assert_eq!(
        r.is_error,
        Some(true),
        "{tool} {args} succeeded: {}",
        text_of(&r)
    );
    text_of(&r)
}

/// The 64 hex digits after the first `sha256: ` in a tool's text.
fn hash_in(text: &str) -> String {
    let at = text.find("sha256: ").expect("a sha256 in the result") + 8;
    text[at..at + 64].to_string()
}

/// A read_text_file result split into the text and the `[sha256: ...]` it ends with.
fn split_read(out: &str) -> (String, String) {
    let (text, tail) = out.rsplit_once("[sha256: ").expect("read reports a hash");
    (text.to_string(), tail[..64].to_string())
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

// --------------------------------------------------------------------------- opt-in

#[tokio::test]
async fn write_tools_are_listed_and_callable_only_when_enabled() {
    let fx = Fixture::new();
    let root = fx.root();
    let root = root.to_str().unwrap();
    let names_of = |tools: &[rmcp::model::Tool]| -> Vec<String> {
        tools.iter().map(|t| t.name.to_string()).collect()
    };

    let plain = stdio_client("fs-server", &[root]).await;
    let listed = names_of(&plain.list_all_tools().await.unwrap());
    for (tool, ..) in WRITE_TOOLS {
        assert!(
            !listed.contains(&tool.to_string()),
            "{tool} listed without --allow-write"
        );
    }
    assert!(!listed.contains(&"delete_path".to_string()));
    let params = CallToolRequestParams::new("write_file").with_arguments(
        json!({"path": "x.txt", "content": "x"})
            .as_object()
            .unwrap()
            .clone(),
    );
    assert!(
        plain.call_tool(params).await.is_err(),
        "an unlisted tool must be an unknown tool (JSON-RPC error)"
    );
    assert!(!fx.path("root/x.txt").exists());
    plain.cancel().await.unwrap();

    let w = stdio_client("fs-server", &["--allow-write", root]).await;
    let tools = w.list_all_tools().await.unwrap();
    let listed = names_of(&tools);
    assert!(
        !listed.contains(&"delete_path".to_string()),
        "delete needs --allow-delete"
    );
    for (name, destructive, idempotent) in WRITE_TOOLS {
        let tool = tools
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("{name} missing"));
        let a = tool.annotations.as_ref().expect("annotations");
        assert_eq!(a.read_only_hint, Some(false), "{name}");
        assert_eq!(a.destructive_hint, Some(destructive), "{name}");
        assert_eq!(a.idempotent_hint, Some(idempotent), "{name}");
        assert_eq!(a.open_world_hint, Some(false), "{name}");
        assert!(
            tool.description
                .as_deref()
                .unwrap_or("")
                .contains("Example"),
            "{name}"
        );
    }
    let params = CallToolRequestParams::new("delete_path")
        .with_arguments(json!({"path": "hello.txt"}).as_object().unwrap().clone());
    // Without --allow-delete, delete_path is not routed: calling it is an unknown tool
    // (JSON-RPC invalid params, "tool not found"), not a tool error from a handler.
    let error = w
        .call_tool(params)
        .await
        .expect_err("delete_path without --allow-delete must be an unknown tool");
    let rmcp::ServiceError::McpError(error) = error else {
        panic!("expected a JSON-RPC error, got {error:?}");
    };
    assert_eq!(
        (error.code.0, error.message.as_ref()),
        (-32602, "tool not found"),
        "{error:?}"
    );
    assert!(fx.path("root/hello.txt").exists());
    w.cancel().await.unwrap();

    let d = stdio_client("fs-server", &["--allow-write", "--allow-delete", root]).await;
    let tools = d.list_all_tools().await.unwrap();
    let del = tools
        .iter()
        .find(|t| t.name == "delete_path")
        .expect("delete_path listed");
    let a = del.annotations.as_ref().unwrap();
    assert_eq!(
        (
            a.read_only_hint,
            a.destructive_hint,
            a.idempotent_hint,
            a.open_world_hint
        ),
        (Some(false), Some(true), Some(false), Some(false))
    );
    d.cancel().await.unwrap();

    let out = Command::new(bin("fs-server"))
        .args(["--allow-delete", root])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "--allow-delete alone must be refused"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-write"));
}

// --------------------------------------------------------------------------- happy paths

#[tokio::test]
async fn every_write_tool_works_and_says_what_changed() {
    let fx = Fixture::new();
    let c = writer(&fx, &["--allow-delete"]).await;
    let root = fx.root();

    let out = ok(
        &c,
        "write_file",
        json!({"path": "notes/todo.md", "content": "# TODO\n- a\n", "create_parents": true}),
    )
    .await;
    assert!(
        out.starts_with("Created ") && out.contains("11 bytes"),
        "{out}"
    );
    assert!(out.contains("Created directories: "), "{out}");

    let read = ok(&c, "read_text_file", json!({"path": "notes/todo.md"})).await;
    let (text, hash) = split_read(&read);
    assert_eq!(text, "# TODO\n- a\n");
    assert_eq!(hash, hash_in(&out), "read and write report the same hash");

    let preview = ok(
        &c,
        "edit_file",
        json!({"path": "notes/todo.md", "dry_run": true,
        "edits": [{"old_text": "- a", "new_text": "- a\n- b"}]}),
    )
    .await;
    assert!(preview.starts_with("Dry run"), "{preview}");
    assert!(preview.contains("+- b\n"), "{preview}");
    assert_eq!(
        std::fs::read_to_string(root.join("notes/todo.md")).unwrap(),
        "# TODO\n- a\n"
    );

    // The TypeScript server's argument names work too.
    let edited = ok(
        &c,
        "edit_file",
        json!({"path": "notes/todo.md", "expectedSha256": hash,
        "edits": [{"oldText": "- a", "newText": "- a\n- b"}]}),
    )
    .await;
    assert!(
        edited.starts_with("Edited ") && edited.contains("+1 -0 lines"),
        "{edited}"
    );
    assert!(
        edited.contains("```diff\n--- ") && edited.contains("+- b\n"),
        "{edited}"
    );

    let out = ok(
        &c,
        "append_file",
        json!({"path": "notes/todo.md", "content": "- c\n"}),
    )
    .await;
    assert!(out.contains("Appended 4 bytes"), "{out}");
    assert_eq!(
        std::fs::read_to_string(root.join("notes/todo.md")).unwrap(),
        "# TODO\n- a\n- b\n- c\n"
    );

    let out = ok(&c, "create_directory", json!({"path": "archive/2026"})).await;
    assert!(out.contains("Created directory"), "{out}");
    let out = ok(&c, "create_directory", json!({"path": "archive/2026"})).await;
    assert!(out.contains("already exists"), "{out}");

    let out = ok(
        &c,
        "copy_path",
        json!({"source": "notes", "destination": "archive/2026/notes"}),
    )
    .await;
    assert!(
        out.contains("Copied directory") && out.contains("1 file"),
        "{out}"
    );
    let out = refused(
        &c,
        "copy_path",
        json!({"source": "notes", "destination": "archive/2026/notes"}),
    )
    .await;
    assert!(out.contains("already exists"), "{out}");

    let out = ok(
        &c,
        "move_path",
        json!({"source": "notes/todo.md", "destination": "done.md"}),
    )
    .await;
    assert!(out.contains("Moved ") && out.contains("done.md"), "{out}");
    let out = refused(
        &c,
        "move_path",
        json!({"source": "hello.txt", "destination": "done.md"}),
    )
    .await;
    assert!(out.contains("overwrite"), "{out}");
    ok(
        &c,
        "move_path",
        json!({"source": "hello.txt", "destination": "done.md", "overwrite": true}),
    )
    .await;

    let out = refused(&c, "delete_path", json!({"path": "archive"})).await;
    assert!(out.contains("recursive"), "{out}");
    let out = ok(
        &c,
        "delete_path",
        json!({"path": "archive", "recursive": true}),
    )
    .await;
    assert!(
        out.contains("Deleted directory") && out.contains("1 file"),
        "{out}"
    );
    let out = refused(&c, "delete_path", json!({"path": root, "recursive": true})).await;
    assert!(out.contains("root"), "{out}");
    assert!(root.join("done.md").exists() && !root.join("archive").exists());
    assert!(!names(&root).iter().any(|n| n.contains(TEMP_MARKER)));
    c.cancel().await.unwrap();
}

#[tokio::test]
async fn failed_edits_leave_the_file_byte_identical() {
    let fx = Fixture::new();
    let c = writer(&fx, &[]).await;
    let path = fx.root().join("src/main.rs");
    let before = std::fs::read(&path).unwrap();
    for edits in [
        json!([{"old_text": "fn main", "new_text": "fn start"}, {"old_text": "nowhere", "new_text": "x"}]),
        json!([{"old_text": "fn main", "new_text": "fn start"}, {"old_text": "n", "new_text": "N"}]),
    ] {
        let out = refused(
            &c,
            "edit_file",
            json!({"path": "src/main.rs", "edits": edits}),
        )
        .await;
        assert!(
            out.contains("edit 2 of 2 failed") && out.contains("unchanged"),
            "{out}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }
    let out = refused(
        &c,
        "edit_file",
        json!({"path": "src/main.rs", "expected_sha256": "0".repeat(64),
        "edits": [{"old_text": "fn main", "new_text": "fn start"}]}),
    )
    .await;
    assert!(
        out.contains("changed since you read it") && out.contains("Re-read"),
        "{out}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
    c.cancel().await.unwrap();
}

#[tokio::test]
async fn permissions_line_endings_final_newline_and_dollars_survive() {
    let fx = Fixture::new();
    let root = fx.root();
    fx.write("root/crlf.txt", "one\r\ntwo\r\nthree");
    std::fs::set_permissions(
        root.join("crlf.txt"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    let c = writer(&fx, &[]).await;
    ok(
        &c,
        "edit_file",
        json!({"path": "crlf.txt",
        "edits": [{"old_text": "two\nthree", "new_text": "cost: $5 ($1 each, ${n} $$)\nthree"}]}),
    )
    .await;
    assert_eq!(
        std::fs::read_to_string(root.join("crlf.txt")).unwrap(),
        "one\r\ncost: $5 ($1 each, ${n} $$)\r\nthree"
    );
    assert_eq!(mode(&root.join("crlf.txt")), 0o640);
    let out = ok(
        &c,
        "write_file",
        json!({"path": "crlf.txt", "content": "replaced\r\n"}),
    )
    .await;
    assert!(out.contains("permissions 0640 kept"), "{out}");
    assert_eq!(mode(&root.join("crlf.txt")), 0o640);
    c.cancel().await.unwrap();
}

// --------------------------------------------------------------------------- escapes

#[tokio::test]
async fn writes_through_links_that_lead_out_are_refused() {
    let fx = Fixture::new();
    let root = fx.root();
    let outside = fx.path("outside");
    symlink(&outside, root.join("out")).unwrap();
    symlink(outside.join("planted.txt"), root.join("dangling")).unwrap();
    symlink("../outside/rel.txt", root.join("rel_dangling")).unwrap();
    symlink(fx.path("root-evil"), root.join("evil")).unwrap();
    let c = writer(&fx, &["--allow-delete"]).await;
    let targets = [
        "dangling",
        "rel_dangling",
        "out/secret.txt",
        "out/new.txt",
        "out/new-dir/deeper/file.txt",
        "evil/secret.txt",
        "../outside/new.txt",
        "missing/../../outside/new.txt",
    ];
    for path in targets {
        let content = json!({"path": path, "content": "PWNED", "create_parents": true});
        let text = refused(&c, "write_file", content).await;
        assert!(
            text.contains("access denied") || text.contains("outside"),
            "{path}: {text}"
        );
        refused(
            &c,
            "append_file",
            json!({"path": path, "content": "PWNED", "create_parents": true}),
        )
        .await;
        refused(
            &c,
            "edit_file",
            json!({"path": path, "edits": [{"old_text": "OUTSIDE", "new_text": "PWNED"}]}),
        )
        .await;
        refused(&c, "create_directory", json!({"path": path})).await;
        refused(&c, "copy_path", json!({"source": "hello.txt", "destination": path, "overwrite": true, "create_parents": true})).await;
        refused(
            &c,
            "copy_path",
            json!({"source": path, "destination": "stolen.txt"}),
        )
        .await;
    }
    refused(&c, "delete_path", json!({"path": "out/secret.txt"})).await;
    assert_eq!(
        names(&outside),
        ["secret.txt"],
        "something was created outside"
    );
    assert_eq!(
        std::fs::read_to_string(outside.join("secret.txt")).unwrap(),
        "OUTSIDE-SECRET\n"
    );
    assert_eq!(
        std::fs::read_to_string(fx.path("root-evil/secret.txt")).unwrap(),
        "EVIL-SIBLING-SECRET\n"
    );
    assert!(!root.join("stolen.txt").exists());
    c.cancel().await.unwrap();
}

// --------------------------------------------------------------------------- concurrency

/// `rounds` times: read the file and its hash, add the line `WHO-i` (by write_file
/// of the whole new text on even rounds, edit_file on odd ones) with that hash, and
/// on a conflict read again and retry. Returns the number of conflicts.
async fn agent(client: &Client, who: &str, rounds: usize) -> usize {
    let mut conflicts = 0;
    for i in 0..rounds {
        loop {
            let read = ok(client, "read_text_file", json!({"path": "shared.txt"})).await;
            let (text, hash) = split_read(&read);
            let line = format!("{who}-{i}\n");
            let args = if i % 2 == 0 {
                json!({"path": "shared.txt", "expected_sha256": hash,
                       "content": text.replace("END\n", &format!("{line}END\n"))})
            } else {
                json!({"path": "shared.txt", "expected_sha256": hash,
                       "edits": [{"old_text": "END\n", "new_text": format!("{line}END\n")}]})
            };
            let tool = if i % 2 == 0 {
                "write_file"
            } else {
                "edit_file"
            };
            let r = call(client, tool, args).await;
            if r.is_error != Some(true) {
                break;
            }
            let text = text_of(&r);
            assert!(
                text.contains("changed since you read it"),
                "{who}-{i}: {text}"
            );
            conflicts += 1;
        }
    }
    conflicts
}

fn assert_all_changes_kept(file: &Path, agents: &[&str], rounds: usize) {
    let text = std::fs::read_to_string(file).unwrap();
    for who in agents {
        for i in 0..rounds {
            assert!(
                text.contains(&format!("{who}-{i}\n")),
                "{who}-{i} was lost:\n{text}"
            );
        }
    }
    assert_eq!(text.lines().count(), agents.len() * rounds + 1, "{text}");
    assert!(text.ends_with("END\n"));
}

#[tokio::test]
async fn two_agents_in_two_server_processes_lose_nothing() {
    const ROUNDS: usize = 12;
    let fx = Fixture::new();
    fx.write("root/shared.txt", "END\n");
    let (a, b) = (writer(&fx, &[]).await, writer(&fx, &[]).await);
    let (ca, cb) = tokio::join!(agent(&a, "A", ROUNDS), agent(&b, "B", ROUNDS));
    assert_all_changes_kept(&fx.root().join("shared.txt"), &["A", "B"], ROUNDS);
    eprintln!("two processes: {} conflicts detected and retried", ca + cb);
    a.cancel().await.unwrap();
    b.cancel().await.unwrap();
}

#[tokio::test]
async fn two_agents_sharing_one_http_server_lose_nothing() {
    const ROUNDS: usize = 12;
    let fx = Fixture::new();
    fx.write("root/shared.txt", "END\n");
    let server = HttpServer::start(
        "fs-server",
        &["--allow-write", fx.root().to_str().unwrap()],
        &[],
    );
    let a = ().serve(StreamableHttpClientTransport::from_uri(server.mcp_url())).await.unwrap();
    let b = ().serve(StreamableHttpClientTransport::from_uri(server.mcp_url())).await.unwrap();
    let (ca, cb) = tokio::join!(agent(&a, "A", ROUNDS), agent(&b, "B", ROUNDS));
    assert_all_changes_kept(&fx.root().join("shared.txt"), &["A", "B"], ROUNDS);
    eprintln!(
        "one HTTP server: {} conflicts detected and retried",
        ca + cb
    );
    a.cancel().await.unwrap();
    b.cancel().await.unwrap();
}

// --------------------------------------------------------------------------- kill -9

/// A server spoken to with raw JSON-RPC lines, so a test can stream a huge request
/// from another thread and kill the process while it is being handled.
struct Raw {
    child: Child,
    stdout: BufReader<std::process::ChildStdout>,
}

impl Raw {
    fn start(root: &Path) -> (Self, std::process::ChildStdin) {
        let mut child = Command::new(bin("fs-server"))
            .args(["--allow-write", root.to_str().unwrap()])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut raw = Self { child, stdout };
        writeln!(
            stdin,
            "{}",
            json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "kill-test", "version": "0"}}})
        )
        .unwrap();
        raw.wait_for(0);
        writeln!(
            stdin,
            "{}",
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"})
        )
        .unwrap();
        (raw, stdin)
    }

    fn wait_for(&mut self, id: i64) -> Value {
        loop {
            let mut line = String::new();
            assert!(
                self.stdout.read_line(&mut line).unwrap() > 0,
                "server closed stdout"
            );
            let v: Value = serde_json::from_str(&line).unwrap();
            if v["id"] == json!(id) {
                return v;
            }
        }
    }
}

/// `size` bytes of 63-character lines of `fill`, each ending in `\n`.
fn content(size: usize, fill: char) -> String {
    let line: String = std::iter::repeat_n(fill, 63).chain(['\n']).collect();
    line.repeat(size / 64)
}

fn write_request(text: &str) -> Vec<u8> {
    let mut bytes = serde_json::to_vec(&json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
        "params": {"name": "write_file", "arguments": {"path": "big.txt", "content": text}}}))
    .unwrap();
    bytes.push(b'\n');
    bytes
}

/// Sends the request from a thread (the pipe blocks until the server reads it all).
fn send_in_background(
    mut stdin: std::process::ChildStdin,
    bytes: Vec<u8>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let _ = stdin.write_all(&bytes);
        let _ = stdin.flush();
        // Keep stdin open until the server is gone (closing it would end the session).
        std::thread::sleep(Duration::from_secs(600));
    })
}

/// Waits until the server holds a temporary file open in `dir` (an anonymous
/// `O_TMPFILE` shows in /proc as `DIR/#INODE (deleted)`, a named one by its name),
/// i.e. until it is writing the new content. False after `limit`.
fn wait_until_writing(pid: u32, dir: &Path, limit: Duration) -> bool {
    let anonymous = format!("{}/#", dir.display());
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) {
            for fd in fds.flatten() {
                let Ok(target) = std::fs::read_link(fd.path()) else {
                    continue;
                };
                let target = target.to_string_lossy();
                if target.starts_with(&anonymous) || target.contains(TEMP_MARKER) {
                    return true;
                }
            }
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    false
}

/// A pseudo-random fraction in [-0.5, 0.5), from the clock.
fn jitter() -> f64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    f64::from(nanos % 1000) / 1000.0 - 0.5
}

/// The content is 15 MiB: rmcp's stdio transport drops any message over 16 MiB
/// (`DEFAULT_MAX_LINE_LENGTH`), so no single write_file over stdio can be larger.
#[test]
fn kill_9_during_a_large_write_leaves_the_old_or_the_new_file() {
    const SIZE: usize = 15 << 20;
    let fx = Fixture::new();
    let root = fx.root();
    let target = root.join("big.txt");
    let mut current = content(SIZE, 'a');
    std::fs::write(&target, &current).unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();

    // Calibrate: one complete write, timed.
    let next = content(SIZE, 'b');
    let (mut raw, stdin) = Raw::start(&root);
    let started = Instant::now();
    let _sender = send_in_background(stdin, write_request(&next));
    let reply = raw.wait_for(7);
    let full = started.elapsed();
    assert_eq!(reply["result"]["isError"], json!(false), "{reply}");
    let _ = raw.child.kill();
    let _ = raw.child.wait();
    assert!(std::fs::read(&target).unwrap() == next.as_bytes());
    current = next;

    // At moments spread over that time, and (negative fractions) at the moment the
    // server is seen writing its temporary file.
    let fills = ['c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n'];
    let fractions = [
        0.2, 0.4, 0.55, 0.7, 0.8, 0.9, 0.95, 1.0, -1.0, -1.0, -1.0, -1.0,
    ];
    let (mut old_seen, mut new_seen, mut temps_seen, mut mid_write) = (0, 0, 0, 0);
    for (fill, fraction) in fills.into_iter().zip(fractions) {
        let next = content(SIZE, fill);
        let bytes = write_request(&next);
        let (mut raw, stdin) = Raw::start(&root);
        let delay = full.mul_f64((fraction + 0.04 * jitter()).clamp(0.0, 1.2));
        let started = Instant::now();
        let _sender = send_in_background(stdin, bytes);
        if fraction < 0.0 {
            // Targeted: kill while the new content is being written.
            let pid = raw.child.id();
            if wait_until_writing(pid, &root, full * 3) {
                mid_write += 1;
            }
        } else {
            std::thread::sleep(delay.saturating_sub(started.elapsed()));
        }
        raw.child.kill().unwrap(); // SIGKILL
        raw.child.wait().unwrap();
        let on_disk = std::fs::read(&target).unwrap();
        if on_disk == current.as_bytes() {
            old_seen += 1;
        } else if on_disk == next.as_bytes() {
            new_seen += 1;
            current = next;
        } else {
            panic!(
                "after kill -9 at {delay:?}, big.txt ({} bytes) is neither the old nor the new content",
                on_disk.len()
            );
        }
        assert_eq!(mode(&target), 0o640);
        let temps: Vec<String> = names(&root)
            .into_iter()
            .filter(|n| n.contains(TEMP_MARKER))
            .collect();
        for t in &temps {
            assert!(
                t.starts_with(".big.txt.fs-server-tmp-"),
                "unexpected leftover {t}"
            );
            std::fs::remove_file(root.join(t)).unwrap();
        }
        temps_seen += temps.len();
    }
    eprintln!(
        "kill -9 during a {} MiB write (full write took {full:?}), {} kills, {mid_write} of them while the temporary file was open: old content {old_seen}x, new content {new_seen}x, never a mix; {temps_seen} temporary file(s) left behind",
        SIZE >> 20,
        fills.len()
    );
    assert!(
        mid_write > 0,
        "no kill landed while the new content was being written"
    );
    assert!(old_seen > 0, "no kill landed before the rename");
}

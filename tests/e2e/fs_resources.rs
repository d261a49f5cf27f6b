//! fs-server's live resources against the built binary: `resources/list` pagination,
//! and subscriptions in both protocol generations. Legacy `resources/subscribe`
//! (2025-11-25) is tested over raw stdio and over HTTP. `subscriptions/listen`
//! (2026-07-28) is tested through rmcp's client over stdio and HTTP. Also checked:
//! refusals outside the roots, and that watches end with the session.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use e2e::{AsyncRawStdio, Fixture, HttpServer, inotify_watches};
use rmcp::model::{
    PaginatedRequestParams, ProtocolVersion, ResourceUpdatedNotificationParam, ServerNotification,
    SubscriptionFilter,
};
use rmcp::service::{
    ClientLifecycleMode, ClientServiceExt, NotificationContext, RoleClient, RunningService,
    Subscription,
};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use rmcp::{ClientHandler, ServiceError, ServiceExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// How long a change may take to be reported (the debounce is 250 ms).
const REPORTED_WITHIN: Duration = Duration::from_secs(5);
/// How long to wait for a notification that must not come.
const ABSENT_FOR: Duration = Duration::from_secs(1);
const UPDATED: &str = "notifications/resources/updated";

fn file_uri(path: &Path) -> String {
    // The server reports canonical paths; a temp dir may sit behind a symlink.
    let canonical = path
        .parent()
        .and_then(|dir| dir.canonicalize().ok())
        .and_then(|dir| Some(dir.join(path.file_name()?)))
        .unwrap_or_else(|| path.to_path_buf());
    format!("file://{}", canonical.display())
}

/// Replaces `path` the way the write tools do: a temporary file, then a rename.
fn replace_atomically(path: &Path, text: &str) {
    let tmp = path.with_file_name(".replace.tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn is_update_for(uri: &str) -> impl Fn(&Value) -> bool + '_ {
    move |v| v["method"] == UPDATED && v["params"]["uri"] == uri
}

fn error_code(response: &Value) -> i64 {
    response["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("expected a JSON-RPC error: {response}"))
}

#[tokio::test]
async fn legacy_subscribe_reports_writes_and_renames_until_unsubscribed() {
    let fx = Fixture::new();
    fx.write("root/watched.txt", "v1\n");
    let uri = file_uri(&fx.path("root/watched.txt"));
    let root = fx.root();
    let (mut raw, init) = AsyncRawStdio::start("fs-server", &[root.to_str().unwrap()]).await;
    assert_eq!(
        init["result"]["capabilities"]["resources"]["subscribe"], true,
        "{init}"
    );

    let r = raw
        .request(1, "resources/subscribe", json!({"uri": uri}))
        .await;
    assert_eq!(r["result"], json!({}), "{r}");

    fx.write("root/watched.txt", "v2\n");
    let update = raw.wait_for(REPORTED_WITHIN, is_update_for(&uri)).await;
    assert!(update.is_some(), "no update after a plain write");

    replace_atomically(&fx.path("root/watched.txt"), "v3\n");
    let update = raw.wait_for(REPORTED_WITHIN, is_update_for(&uri)).await;
    assert!(update.is_some(), "no update after a rename-replace");

    let r = raw
        .request(2, "resources/unsubscribe", json!({"uri": uri}))
        .await;
    assert_eq!(r["result"], json!({}), "{r}");
    raw.take_unclaimed();
    fx.write("root/watched.txt", "v4\n");
    let late = raw.wait_for(ABSENT_FOR, |v| v["method"] == UPDATED).await;
    assert!(late.is_none(), "update after unsubscribe: {late:?}");
}

#[tokio::test]
async fn legacy_subscribe_is_refused_like_a_read() {
    let fx = Fixture::new();
    let root = fx.root();
    let (mut raw, _) = AsyncRawStdio::start("fs-server", &[root.to_str().unwrap()]).await;
    let cases = [
        (file_uri(&fx.path("outside/secret.txt")), -32602),
        (file_uri(&fx.path("root-evil/secret.txt")), -32602),
        (format!("{}/../outside/secret.txt", file_uri(&root)), -32602),
        (file_uri(&fx.path("root/src")), -32602),
        ("https://example.com/hello.txt".to_string(), -32602),
        (file_uri(&fx.path("root/no-such-file.txt")), -32002),
    ];
    for (id, (uri, code)) in (1..).zip(cases) {
        let r = raw
            .request(id, "resources/subscribe", json!({"uri": uri}))
            .await;
        assert_eq!(error_code(&r), code, "{uri}: {r}");
        assert!(!r.to_string().contains("SECRET"), "{r}");
    }
    // The same session can still subscribe inside the roots.
    let r = raw
        .request(
            99,
            "resources/subscribe",
            json!({"uri": file_uri(&root.join("hello.txt"))}),
        )
        .await;
    assert_eq!(r["result"], json!({}), "{r}");
}

/// A 2026-07-28 client over stdio (no `initialize`: `server/discover`).
async fn modern_stdio_client(root: &Path) -> RunningService<RoleClient, ()> {
    let transport = TokioChildProcess::builder(
        tokio::process::Command::new(e2e::bin("fs-server")).configure(|c| {
            c.arg(root).env("RUST_LOG", "warn");
        }),
    )
    .stderr(std::process::Stdio::null())
    .spawn()
    .unwrap()
    .0;
    ().serve_with_lifecycle(transport, modern())
        .await
        .expect("server/discover over stdio")
}

fn modern() -> ClientLifecycleMode {
    ClientLifecycleMode::Discover {
        preferred_versions: vec![ProtocolVersion::V_2026_07_28],
    }
}

/// The next notification on a listen stream, which must be an update of `uri`.
async fn expect_update(subscription: &mut Subscription, uri: &str) {
    let next = tokio::time::timeout(REPORTED_WITHIN, subscription.next())
        .await
        .expect("no update within the deadline")
        .expect("listen stream failed")
        .expect("listen stream ended");
    let ServerNotification::ResourceUpdatedNotification(update) = next else {
        panic!("expected notifications/resources/updated, got {next:?}");
    };
    assert_eq!(update.params.uri, uri);
}

/// Opens a listen stream for `watched` and an outside file; only `watched` may be
/// acknowledged. Then checks a write and a rename-replace are both reported.
async fn listen_and_change(client: &RunningService<RoleClient, ()>, fx: &Fixture) {
    let watched = fx.path("root/watched.txt");
    let uri = file_uri(&watched);
    let outside = file_uri(&fx.path("outside/secret.txt"));
    let filter = SubscriptionFilter::builder()
        .resource_subscription(uri.clone())
        .resource_subscription(outside)
        .build();
    let mut subscription = client.listen(filter).await.expect("subscriptions/listen");
    assert_eq!(
        subscription.acknowledged().resource_subscriptions,
        Some(vec![uri.clone()]),
        "only the file inside the roots is accepted"
    );

    std::fs::write(&watched, "v2\n").unwrap();
    expect_update(&mut subscription, &uri).await;
    replace_atomically(&watched, "v3\n");
    expect_update(&mut subscription, &uri).await;
    subscription
        .cancel()
        .await
        .expect("cancel the listen stream");
}

#[tokio::test]
async fn listen_reports_changes_over_stdio() {
    let fx = Fixture::new();
    fx.write("root/watched.txt", "v1\n");
    let client = modern_stdio_client(&fx.root()).await;
    listen_and_change(&client, &fx).await;
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn listen_reports_changes_over_http() {
    let fx = Fixture::new();
    fx.write("root/watched.txt", "v1\n");
    let server = HttpServer::start("fs-server", &[fx.root().to_str().unwrap()], &[]);
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(server.mcp_url()),
    );
    let client =
        ().serve_with_lifecycle(transport, modern())
            .await
            .expect("server/discover over HTTP");
    listen_and_change(&client, &fx).await;
    client.cancel().await.unwrap();
}

/// A legacy client that passes on the URIs of `notifications/resources/updated`.
#[derive(Clone)]
struct UpdateCollector(mpsc::UnboundedSender<String>);

impl ClientHandler for UpdateCollector {
    async fn on_resource_updated(
        &self,
        params: ResourceUpdatedNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        let _ = self.0.send(params.uri);
    }
}

async fn legacy_http_client(
    server: &HttpServer,
) -> (
    RunningService<RoleClient, UpdateCollector>,
    mpsc::UnboundedReceiver<String>,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    let client = UpdateCollector(tx)
        .serve(StreamableHttpClientTransport::from_uri(server.mcp_url()))
        .await
        .expect("initialize over HTTP");
    (client, rx)
}

#[allow(deprecated)]
async fn subscribe(client: &RunningService<RoleClient, UpdateCollector>, uri: &str) {
    client
        .subscribe(rmcp::model::SubscribeRequestParams::new(uri))
        .await
        .expect("resources/subscribe");
}

/// Polls until the server holds `expected` inotify watches (Linux only).
async fn wait_for_watches(pid: u32, expected: usize) {
    let deadline = tokio::time::Instant::now() + REPORTED_WITHIN;
    loop {
        let now = inotify_watches(pid);
        if now == Some(expected) || tokio::time::Instant::now() > deadline {
            assert_eq!(now, Some(expected), "inotify watches of the server");
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn http_sessions_share_one_watch_and_release_it_when_they_end() {
    let fx = Fixture::new();
    fx.write("root/watched.txt", "v1\n");
    let uri = file_uri(&fx.path("root/watched.txt"));
    let server = HttpServer::start("fs-server", &[fx.root().to_str().unwrap()], &[]);
    let pid = server.child.id();
    if inotify_watches(pid).is_none() {
        eprintln!("skipping: /proc/{pid}/fd is not readable here");
        return;
    }
    let (first, mut first_updates) = legacy_http_client(&server).await;
    let (second, mut second_updates) = legacy_http_client(&server).await;
    subscribe(&first, &uri).await;
    subscribe(&second, &uri).await;
    subscribe(&second, &file_uri(&fx.path("root/hello.txt"))).await;
    wait_for_watches(pid, 1).await;

    fx.write("root/watched.txt", "v2\n");
    for updates in [&mut first_updates, &mut second_updates] {
        let got = tokio::time::timeout(REPORTED_WITHIN, updates.recv()).await;
        assert_eq!(got.ok().flatten().as_deref(), Some(uri.as_str()));
    }

    first.cancel().await.unwrap();
    wait_for_watches(pid, 1).await;
    second.cancel().await.unwrap();
    wait_for_watches(pid, 0).await;
}

#[tokio::test]
async fn resources_list_pages_through_every_top_level_file_once() {
    let fx = Fixture::new();
    let root = fx.root();
    for i in 0..230 {
        fx.write(&format!("root/many-{i:03}.txt"), &"x".repeat(i));
    }
    let client = e2e::stdio_client("fs-server", &[root.to_str().unwrap()]).await;

    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = client
            .list_resources(Some(PaginatedRequestParams::default().with_cursor(cursor)))
            .await
            .expect("resources/list");
        pages += 1;
        assert!(page.resources.len() <= 100, "page size");
        seen.extend(page.resources);
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    // 230 files plus the fixture's hello.txt and .gitignore; no directories.
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 232);
    let uris: HashSet<&str> = seen.iter().map(|r| r.uri.as_str()).collect();
    assert_eq!(uris.len(), seen.len(), "an entry was listed twice");
    assert!(uris.contains(file_uri(&root.join("hello.txt")).as_str()));
    assert!(
        !uris
            .iter()
            .any(|u| u.ends_with("/src") || u.ends_with("/ignored"))
    );
    let many_7 = seen.iter().find(|r| r.name == "many-007.txt").unwrap();
    assert_eq!(many_7.size, Some(7));
    assert_eq!(many_7.mime_type.as_deref(), Some("text/plain"));

    // Listed URIs read back through the template.
    let read = client
        .read_resource(rmcp::model::ReadResourceRequestParams::new(
            many_7.uri.clone(),
        ))
        .await
        .expect("resources/read of a listed URI");
    assert!(format!("{read:?}").contains("xxxxxxx"));

    for bad in ["not-a-cursor", "AAAAAAAAAAAAAAAAAAAAAA", ""] {
        let error = client
            .list_resources(Some(
                PaginatedRequestParams::default().with_cursor(Some(bad.to_string())),
            ))
            .await
            .expect_err("an invalid cursor is refused");
        let ServiceError::McpError(error) = error else {
            panic!("expected a JSON-RPC error, got {error:?}");
        };
        assert_eq!(error.code.0, -32602, "{bad:?}: {error:?}");
    }
    client.cancel().await.unwrap();
}

//! sql-server on SQLite, end to end over stdio (and once over HTTP): the sample shop
//! database, tools and their annotations, type rendering, caps and truncation,
//! timeouts and cancellation that leave the server responsive, a missing file that
//! later appears, several databases, resources and the prompt. SQLite needs no server,
//! so these tests always run.

mod sql_support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use e2e::{HttpServer, RawStdio, call, stdio_client, text_of};
use rmcp::ServiceExt;
use rmcp::model::{GetPromptRequestParams, PaginatedRequestParams, ReadResourceRequestParams};
use rmcp::transport::StreamableHttpClientTransport;
use serde_json::{Value, json};
use sql_support::*;

/// A temporary directory holding the sample shop as `shop.sqlite`.
async fn shop() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.sqlite");
    sqlite_from_script(&path, SAMPLE_SQL).await;
    (dir, path)
}

fn url(path: &Path) -> String {
    format!("sqlite:{}", path.display())
}

async fn client(path: &Path, extra: &[&str]) -> Client {
    let u = url(path);
    let mut args = vec!["--url", u.as_str()];
    args.extend_from_slice(extra);
    stdio_client("sql-server", &args).await
}

#[tokio::test]
async fn tools_are_read_only_documented_and_ordered() {
    let (_dir, path) = shop().await;
    let c = client(&path, &[]).await;
    let tools = c.list_all_tools().await.unwrap();
    let mut names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "describe_table",
            "explain",
            "list_schemas",
            "list_tables",
            "query",
            "search_objects"
        ]
    );
    for tool in &tools {
        let a = tool.annotations.as_ref().expect("annotations");
        assert_eq!(a.read_only_hint, Some(true), "{}", tool.name);
        assert_eq!(a.destructive_hint, Some(false), "{}", tool.name);
        assert_eq!(a.idempotent_hint, Some(true), "{}", tool.name);
        assert_eq!(a.open_world_hint, Some(false), "{}", tool.name);
        let d = tool.description.as_deref().unwrap_or("");
        assert!(d.contains("Example"), "{} has no example: {d}", tool.name);
    }
    let query = tools.iter().find(|t| t.name == "query").unwrap();
    let schema = serde_json::to_value(query.output_schema.as_ref().expect("outputSchema")).unwrap();
    assert!(schema["properties"]["rows"].is_object(), "{schema}");
    assert!(schema["properties"]["truncated"].is_object(), "{schema}");
    let again: Vec<String> = c
        .list_all_tools()
        .await
        .unwrap()
        .iter()
        .map(|t| t.name.to_string())
        .collect();
    assert_eq!(
        again,
        tools.iter().map(|t| t.name.to_string()).collect::<Vec<_>>(),
        "tools/list order must be stable"
    );
    c.cancel().await.unwrap();
}

#[tokio::test]
async fn the_sample_shop_can_be_explored() {
    let (_dir, path) = shop().await;
    let before = file_fingerprint(&path);
    let c = client(&path, &[]).await;

    let schemas = text_of(&call(&c, "list_schemas", json!({})).await);
    assert!(schemas.contains("main (5 tables/views)"), "{schemas}");

    let tables = text_of(&call(&c, "list_tables", json!({"filter": "order"})).await);
    assert!(tables.contains("main.orders (table)"), "{tables}");
    assert!(tables.contains("main.order_items (table)"), "{tables}");
    assert!(tables.contains("main.order_totals (view)"), "{tables}");
    assert!(!tables.contains("customers"), "{tables}");

    let page = text_of(&call(&c, "list_tables", json!({"limit": 2})).await);
    assert!(page.contains("showing 1–2"), "{page}");
    assert!(page.contains("offset 2"), "{page}");

    let items = text_of(&call(&c, "describe_table", json!({"table": "order_items"})).await);
    assert!(
        items.contains("Primary key: (order_id, product_id)"),
        "{items}"
    );
    assert!(items.contains("(order_id) → main.orders(id)"), "{items}");
    assert!(
        items.contains("(product_id) → main.products(id)"),
        "{items}"
    );
    assert!(items.contains("idx_items_product: (product_id)"), "{items}");
    let customers = text_of(&call(&c, "describe_table", json!({"table": "main.customers"})).await);
    assert!(customers.contains("Referenced by:"), "{customers}");
    assert!(
        customers.contains("main.orders (customer_id)"),
        "{customers}"
    );
    let missing = call(&c, "describe_table", json!({"table": "custmers"})).await;
    let missing = error_text(&missing);
    assert!(
        missing.contains("no table or view named `custmers`"),
        "{missing}"
    );

    let r = query(
        &c,
        "SELECT c.country, count(*) AS orders, round(sum(t.total), 2) AS revenue \
         FROM order_totals t JOIN customers c ON c.id = t.customer_id \
         WHERE t.status <> ? GROUP BY c.country ORDER BY revenue DESC LIMIT 3",
        json!(["cancelled"]),
    )
    .await;
    let out = structured(&r);
    assert_eq!(out["row_count"], 3);
    assert_eq!(out["columns"][0]["name"], "country");
    assert_eq!(out["truncated"], false);
    let text = text_of(&r);
    assert!(text.starts_with("country | orders | revenue"), "{text}");
    assert!(text.contains("(3 rows"), "{text}");

    let plan = text_of(
        &call(
            &c,
            "explain",
            json!({"sql": "SELECT * FROM orders WHERE customer_id = ?", "params": [7]}),
        )
        .await,
    );
    assert!(plan.contains("idx_orders_customer"), "{plan}");

    let refused = error_text(&query(&c, "DELETE FROM orders", json!([])).await);
    assert!(refused.starts_with("Refused:"), "{refused}");
    c.cancel().await.unwrap();
    assert_eq!(file_fingerprint(&path), before, "the database file changed");
}

#[tokio::test]
async fn sqlite_values_come_back_typed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("types.sqlite");
    sqlite_from_script(
        &path,
        "CREATE TABLE t (i INTEGER, big INTEGER, r REAL, s TEXT, b BLOB, flag BOOLEAN, n TEXT, d DATE);
         INSERT INTO t VALUES (42, 9223372036854775807, 2.5, 'héllo ✓', x'00ff10', 1, NULL, '2024-02-29');",
    )
    .await;
    let c = client(&path, &[]).await;
    let r = query(&c, "SELECT * FROM t", json!([])).await;
    let row = first_row(&r);
    assert_eq!(row[0], json!(42));
    assert_eq!(
        row[1],
        json!("9223372036854775807"),
        "beyond 2^53: a string"
    );
    assert_eq!(row[2], json!(2.5));
    assert_eq!(row[3], json!("héllo ✓"));
    assert_eq!(row[4], json!("AP8Q"), "bytes as base64");
    assert_eq!(row[5], json!(true), "BOOLEAN 1");
    assert_eq!(row[6], Value::Null);
    assert_eq!(row[7], json!("2024-02-29"));
    let cols = structured(&r)["columns"].clone();
    assert_eq!(cols[5]["type"], "BOOLEAN", "{cols}");
    // Expression columns have no declared type: their values' storage class names them.
    let r = query(
        &c,
        "SELECT x'abcd' AS b, 1e999 AS inf, 0.5 AS r, 7 AS i, 'x' AS t, NULL AS n",
        json!([]),
    )
    .await;
    let types: Vec<Value> = structured(&r)["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].clone())
        .collect();
    assert_eq!(
        types,
        json!(["BLOB", "REAL", "REAL", "INTEGER", "TEXT", "NULL"])
            .as_array()
            .unwrap()
            .clone()
    );
    // Parameters are bound, not spliced: a quote in a value is just a character.
    let r = query(
        &c,
        "SELECT count(*) AS n FROM t WHERE s = ?",
        json!(["x' OR '1'='1"]),
    )
    .await;
    assert_eq!(first_row(&r)[0], json!(0));
    let wrong = error_text(&query(&c, "SELECT ?", json!([])).await);
    assert!(wrong.contains("1 placeholder"), "{wrong}");
    c.cancel().await.unwrap();
}

#[tokio::test]
async fn rows_and_bytes_are_capped_with_a_way_to_page() {
    let (_dir, path) = shop().await;
    let c = client(&path, &["--max-rows", "50", "--max-result-bytes", "2048"]).await;

    let r = query(&c, "SELECT id FROM orders ORDER BY id", json!([])).await;
    let out = structured(&r);
    assert_eq!(out["row_count"], 50, "server row cap");
    assert_eq!(out["truncated"], true);
    assert!(out["next"].as_str().unwrap().contains("OFFSET 50"), "{out}");
    assert_eq!(out["rows"][49][0], 50);

    let r = call(
        &c,
        "query",
        json!({"sql": "SELECT id FROM orders ORDER BY id LIMIT 10 OFFSET 50", "max_rows": 100}),
    )
    .await;
    let out = structured(&r);
    assert_eq!(out["row_count"], 10, "the next page");
    assert_eq!(out["rows"][0][0], 51);
    assert_eq!(out["truncated"], false);

    let r = call(
        &c,
        "query",
        json!({"sql": "SELECT * FROM customers", "max_rows": 3}),
    )
    .await;
    assert_eq!(structured(&r)["row_count"], 3, "a call may ask for fewer");

    let r = query(
        &c,
        "SELECT name, email, country, created_at FROM customers",
        json!([]),
    )
    .await;
    let out = structured(&r);
    assert_eq!(out["truncated"], true, "byte cap");
    let n = out["row_count"].as_u64().unwrap();
    assert!(n > 5 && n < 50, "byte cap cut at {n} rows");
    let rows_json = serde_json::to_string(&out["rows"]).unwrap();
    assert!(
        rows_json.len() <= 2048,
        "rows are {} bytes",
        rows_json.len()
    );
    assert!(out["next"].as_str().unwrap().contains("2048-byte"), "{out}");
    c.cancel().await.unwrap();
}

#[tokio::test]
async fn a_runaway_query_times_out_and_the_server_stays_responsive() {
    let (_dir, path) = shop().await;
    let c = client(&path, &["--query-timeout", "1", "--pool-size", "1"]).await;
    let (r, took) = timed(query(
        &c,
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n",
        json!([]),
    ))
    .await;
    let text = error_text(&r);
    assert!(text.contains("longer than 1 s"), "{text}");
    assert!(took < Duration::from_secs(4), "took {took:?}");
    // The only pooled connection is free again: the next query answers at once.
    let (r, took) = timed(query(&c, "SELECT count(*) FROM orders", json!([]))).await;
    assert_eq!(first_row(&r)[0], json!(400));
    assert!(took < Duration::from_secs(1), "took {took:?}");
    c.cancel().await.unwrap();
}

#[test]
fn a_cancelled_query_stops_and_frees_its_connection() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (_dir, path) = rt.block_on(shop());
    let u = url(&path);
    let mut raw = RawStdio::start(
        "sql-server",
        &["--url", &u, "--query-timeout", "120", "--pool-size", "1"],
    );
    raw.send(json!({"jsonrpc": "2.0", "id": 10, "method": "tools/call", "params": {
        "name": "query", "arguments": {"sql": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"}}}));
    std::thread::sleep(Duration::from_millis(300));
    raw.send(
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
        "params": {"requestId": 10, "reason": "user pressed stop"}}),
    );
    let started = Instant::now();
    raw.send(
        json!({"jsonrpc": "2.0", "id": 11, "method": "tools/call", "params": {
        "name": "query", "arguments": {"sql": "SELECT count(*) AS n FROM customers"}}}),
    );
    let r = raw.wait_for_id(11);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the single connection stayed busy for {:?}",
        started.elapsed()
    );
    assert_eq!(r["result"]["structuredContent"]["rows"][0][0], 120, "{r}");
}

#[tokio::test]
async fn a_missing_file_is_a_clear_error_until_it_appears() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("later.sqlite");
    let c = client(&path, &["--connect-timeout", "1"]).await;
    let text = error_text(&query(&c, "SELECT 1", json!([])).await);
    assert!(
        text.contains("Database `default`: the SQLite file") && text.contains("does not exist"),
        "{text}"
    );
    assert!(text.contains("later.sqlite"), "{text}");
    assert!(!text.contains("server is running"), "{text}");
    assert!(!path.exists(), "sql-server must never create the file");
    sqlite_from_script(
        &path,
        "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (7);",
    )
    .await;
    let r = query(&c, "SELECT x FROM t", json!([])).await;
    assert_eq!(first_row(&r)[0], json!(7), "the next call connects");
    c.cancel().await.unwrap();
}

#[tokio::test]
async fn several_databases_are_chosen_by_name() {
    let (_dir, shop_path) = shop().await;
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.sqlite");
    sqlite_from_script(
        &other,
        "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hi');",
    )
    .await;
    let a = format!("shop={}", url(&shop_path));
    let b = format!("notes={}", url(&other));
    let c = stdio_client("sql-server", &["--database", &a, "--database", &b]).await;
    let info = c.peer_info().unwrap();
    let instructions = info.instructions.clone().unwrap_or_default();
    assert!(
        instructions.contains("shop (SQLite, default)"),
        "{instructions}"
    );
    assert!(instructions.contains("notes (SQLite)"), "{instructions}");
    let r = call(
        &c,
        "query",
        json!({"sql": "SELECT body FROM notes", "database": "notes"}),
    )
    .await;
    assert_eq!(first_row(&r)[0], json!("hi"));
    let r = query(&c, "SELECT count(*) FROM products", json!([])).await;
    assert_eq!(
        first_row(&r)[0],
        json!(40),
        "the first database is the default"
    );
    let r = call(&c, "query", json!({"sql": "SELECT 1", "database": "nope"})).await;
    let text = error_text(&r);
    assert!(text.contains("shop (SQLite), notes (SQLite)"), "{text}");
    let schemas = text_of(&call(&c, "list_schemas", json!({"database": "notes"})).await);
    assert!(schemas.contains("Configured databases"), "{schemas}");
    c.cancel().await.unwrap();
}

#[tokio::test]
async fn schema_resources_and_the_prompt() {
    let (_dir, path) = shop().await;
    let c = client(&path, &[]).await;
    let listed = c.list_resources(None).await.unwrap();
    let uris: Vec<&str> = listed.resources.iter().map(|r| r.uri.as_str()).collect();
    assert_eq!(uris[0], "sql://default", "{uris:?}");
    assert!(uris.contains(&"sql://default/main/order_items"), "{uris:?}");
    assert_eq!(uris.len(), 6, "{uris:?}");
    assert!(listed.next_cursor.is_none());

    let templates = c.list_resource_templates(None).await.unwrap();
    assert!(
        templates
            .resource_templates
            .iter()
            .any(|t| t.uri_template == "sql://{database}/{schema}/{table}"),
        "{templates:?}"
    );

    let overview = c
        .read_resource(ReadResourceRequestParams::new("sql://default"))
        .await
        .unwrap();
    let text = serde_json::to_string(&overview).unwrap();
    assert!(
        text.contains("main.orders (table): id INTEGER PK, customer_id INTEGER → customers"),
        "{text}"
    );

    let table = c
        .read_resource(ReadResourceRequestParams::new(
            "sql://default/main/products",
        ))
        .await
        .unwrap();
    let text = serde_json::to_string(&table).unwrap();
    assert!(text.contains("sku"), "{text}");

    let missing = c
        .read_resource(ReadResourceRequestParams::new("sql://default/main/nope"))
        .await;
    assert!(missing.is_err(), "{missing:?}");
    let bad_cursor = c
        .list_resources(Some(
            PaginatedRequestParams::default().with_cursor(Some("xyz".into())),
        ))
        .await;
    assert!(bad_cursor.is_err(), "an invalid cursor is an error");

    let prompts = c.list_all_prompts().await.unwrap();
    assert_eq!(prompts[0].name, "explore_database");
    let prompt = c
        .get_prompt(
            GetPromptRequestParams::new("explore_database").with_arguments(
                json!({"question": "Who buys the most?"})
                    .as_object()
                    .unwrap()
                    .clone(),
            ),
        )
        .await
        .unwrap();
    let text = serde_json::to_string(&prompt).unwrap();
    assert!(text.contains("Who buys the most?"), "{text}");
    assert!(text.contains("main.order_items"), "{text}");
    assert!(text.contains("describe_table"), "{text}");
    c.cancel().await.unwrap();
}

#[tokio::test]
async fn many_tables_are_listed_a_page_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.sqlite");
    let script: String = (0..150)
        .map(|i| format!("CREATE TABLE t{i:03} (id INTEGER PRIMARY KEY);\n"))
        .collect();
    sqlite_from_script(&path, &script).await;
    let c = client(&path, &[]).await;
    let first = c.list_resources(None).await.unwrap();
    assert_eq!(first.resources.len(), 100);
    let cursor = first.next_cursor.clone().expect("a second page");
    let second = c
        .list_resources(Some(
            PaginatedRequestParams::default().with_cursor(Some(cursor)),
        ))
        .await
        .unwrap();
    assert_eq!(second.resources.len(), 51, "150 tables + 1 overview");
    assert!(second.next_cursor.is_none());
    let all: std::collections::HashSet<String> = first
        .resources
        .iter()
        .chain(&second.resources)
        .map(|r| r.uri.clone())
        .collect();
    assert_eq!(all.len(), 151, "pages neither overlap nor skip");
    c.cancel().await.unwrap();
}

#[tokio::test]
async fn the_same_tools_work_over_http() {
    let (_dir, path) = shop().await;
    let u = url(&path);
    let server = HttpServer::start("sql-server", &["--url", &u], &[]);
    let c = ().serve(StreamableHttpClientTransport::from_uri(server.mcp_url())).await.unwrap();
    let r = query(
        &c,
        "SELECT count(*) AS n FROM orders WHERE status = ?",
        json!(["paid"]),
    )
    .await;
    assert!(first_row(&r)[0].as_i64().unwrap() > 0);
    let refused = error_text(&query(&c, "DROP TABLE orders", json!([])).await);
    assert!(refused.starts_with("Refused:"), "{refused}");
    c.cancel().await.unwrap();
}

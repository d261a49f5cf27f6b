//! sql-server on MySQL/MariaDB (`MYSQL_URL`), end to end: type rendering, parameters,
//! caps on a large result, a timeout and a cancellation that really stop the statement
//! on the server, and the catalog tools. Each test works in its own scratch database.

mod sql_support;

use std::time::{Duration, Instant};

use e2e::{call, stdio_client, text_of};
use serde_json::json;
use sql_support::*;

const SCHEMA: &str = "
CREATE TABLE customers (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(40) NOT NULL, email VARCHAR(80) COLLATE utf8mb4_bin UNIQUE, country CHAR(2) NOT NULL DEFAULT 'DE');
CREATE TABLE orders (
  id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  customer_id INT NOT NULL,
  total DECIMAL(30,10) NOT NULL,
  placed_at DATETIME(6) NOT NULL,
  stamped TIMESTAMP NULL,
  day DATE,
  span TIME(3),
  flag TINYINT(1),
  tiny TINYINT,
  big BIGINT,
  ubig BIGINT UNSIGNED,
  ratio FLOAT,
  score DOUBLE,
  raw VARBINARY(16),
  blobby BLOB,
  bits BIT(8),
  doc JSON,
  kind ENUM('web','shop'),
  yr YEAR,
  FOREIGN KEY (customer_id) REFERENCES customers(id),
  INDEX orders_customer_idx (customer_id)
);
CREATE TABLE digits (d INT PRIMARY KEY);
INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);
CREATE TABLE big AS SELECT a.d * 10000 + b.d * 1000 + c.d * 100 + e.d * 10 + f.d AS n, REPEAT('x', 40) AS pad
  FROM digits a, digits b, digits c, digits e, digits f;
INSERT INTO customers (name, email) VALUES ('Ann', 'ann@example.com'), ('Bob', 'bob@example.com');
INSERT INTO orders (customer_id, total, placed_at, stamped, day, span, flag, tiny, big, ubig, ratio, score, raw, blobby, bits, doc, kind, yr)
VALUES (1, 12345678901234567890.0123456789, '2024-02-29 13:45:00.25', '2024-01-01 00:00:00', '2024-02-29', '-26:03:04.5',
        1, -5, -9223372036854775808, 18446744073709551615, 0.1, 1e-300, x'deadbeef', 'plain text in a blob', b'1011',
        '{\"k\": [1, 2]}', 'shop', 2024),
       (2, 0.0000000001, '2024-03-01 00:00:00', NULL, NULL, NULL, 0, 0, 5, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
";

async fn setup() -> Option<(MyScratch, Client)> {
    let url = mysql_url()?;
    let scratch = MyScratch::create(&url, "sqlmcp_my", SCHEMA).await;
    let c = stdio_client(
        "sql-server",
        &["--url", &scratch.url, "--query-timeout", "5"],
    )
    .await;
    Some((scratch, c))
}

#[tokio::test]
async fn mysql_types_render_exactly() {
    let Some((db, c)) = setup().await else { return };
    let r = query(&c, "SELECT * FROM orders ORDER BY id", json!([])).await;
    let out = structured(&r);
    let row = out["rows"][0].as_array().unwrap().clone();
    let col = |name: &str| {
        let i = out["columns"]
            .as_array()
            .unwrap()
            .iter()
            .position(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no column {name}"));
        row[i].clone()
    };
    assert_eq!(col("id"), json!(1));
    assert_eq!(
        col("total"),
        json!("12345678901234567890.0123456789"),
        "exact decimal"
    );
    assert_eq!(col("placed_at"), json!("2024-02-29T13:45:00.25"));
    assert_eq!(
        col("stamped"),
        json!("2024-01-01T00:00:00Z"),
        "TIMESTAMP in UTC"
    );
    assert_eq!(col("day"), json!("2024-02-29"));
    assert_eq!(col("span"), json!("-26:03:04.5"));
    assert_eq!(col("flag"), json!(true), "TINYINT(1) as boolean");
    assert_eq!(col("tiny"), json!(-5));
    assert_eq!(col("big"), json!("-9223372036854775808"));
    assert_eq!(col("ubig"), json!("18446744073709551615"));
    assert_eq!(col("ratio"), json!(0.1));
    assert_eq!(col("score"), json!(1e-300));
    assert_eq!(col("raw"), json!("3q2+7w=="), "VARBINARY as base64");
    assert_eq!(
        col("blobby"),
        json!("cGxhaW4gdGV4dCBpbiBhIGJsb2I="),
        "BLOB as base64"
    );
    assert_eq!(col("bits"), json!(11));
    assert_eq!(col("kind"), json!("shop"));
    assert_eq!(col("yr"), json!(2024));
    // MySQL sends JSON columns typed; MariaDB sends LONGTEXT, recognised by its
    // json_valid check.
    assert_eq!(col("doc"), json!({"k": [1, 2]}), "JSON as JSON");
    let doc_type = out["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "doc")
        .unwrap()["type"]
        .clone();
    assert_eq!(doc_type, json!("JSON"));
    let second = out["rows"][1].as_array().unwrap();
    assert_eq!(second[2], json!("0.0000000001"));
    assert_eq!(second[7], json!(false));
    assert_eq!(second[15], serde_json::Value::Null);

    let r = query(&c, "SELECT email FROM customers WHERE id = 1", json!([])).await;
    assert_eq!(
        first_row(&r)[0],
        json!("ann@example.com"),
        "binary collation text stays text"
    );
    let r = query(
        &c,
        "SELECT id FROM orders WHERE day = ? AND total > ? AND customer_id = ? AND flag = ?",
        json!(["2024-02-29", "12345678901234567890", 1, true]),
    )
    .await;
    assert_eq!(structured(&r)["rows"], json!([[1]]));
    let r = query(
        &c,
        "SELECT name FROM customers WHERE name = ?",
        json!(["Ann' OR '1'='1"]),
    )
    .await;
    assert_eq!(
        structured(&r)["row_count"],
        0,
        "parameters are never spliced"
    );
    c.cancel().await.unwrap();
    db.drop_now().await;
}

#[tokio::test]
async fn mysql_large_results_are_capped_quickly() {
    let Some((db, c)) = setup().await else { return };
    let (r, took) = timed(query(&c, "SELECT * FROM big", json!([]))).await;
    let out = structured(&r);
    assert_eq!(out["row_count"], 1000);
    assert_eq!(out["truncated"], true);
    assert!(took < Duration::from_secs(3), "took {took:?}");
    for _ in 0..6 {
        let r = query(&c, "SELECT count(*) FROM big", json!([])).await;
        assert_eq!(first_row(&r)[0], json!(100000));
    }
    c.cancel().await.unwrap();
    db.drop_now().await;
}

/// Connections still running a statement that contains `marker`.
async fn running(db: &MyScratch, marker: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND IN ('Query', 'Execute') AND INFO LIKE CONCAT('%', ?, '%') AND ID <> CONNECTION_ID()",
    )
    .bind(marker)
    .fetch_one(&db.admin)
    .await
    .unwrap()
}

async fn wait_idle(db: &MyScratch, marker: &str) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(3);
    while running(db, marker).await > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    running(db, marker).await
}

#[tokio::test]
async fn mysql_timeouts_stop_the_statement() {
    let Some((db, c)) = setup().await else { return };
    let marker = "my_timeout_marker";
    let sql = format!(
        "SELECT count(*) AS {marker} FROM big a, big b WHERE a.pad <> b.pad OR a.n + b.n >= 0"
    );
    let (r, took) = timed(call(&c, "query", json!({"sql": sql, "timeout_seconds": 1}))).await;
    let text = error_text(&r);
    assert!(text.contains("longer than 1 s"), "{text}");
    assert!(took < Duration::from_secs(4), "took {took:?}");
    assert_eq!(
        wait_idle(&db, marker).await,
        0,
        "the statement is still running"
    );
    let (r, took) = timed(query(&c, "SELECT 1", json!([]))).await;
    assert_eq!(first_row(&r)[0], json!(1));
    assert!(took < Duration::from_secs(1));
    c.cancel().await.unwrap();
    db.drop_now().await;
}

#[tokio::test]
async fn mysql_cancellation_stops_the_statement() {
    let Some(url) = mysql_url() else { return };
    let db = MyScratch::create(&url, "sqlmcp_myc", SCHEMA).await;
    let marker = "my_cancel_marker";
    let sql = format!(
        "SELECT count(*) AS {marker} FROM big a, big b WHERE a.pad <> b.pad OR a.n + b.n >= 0"
    );
    let scratch_url = db.url.clone();
    let runner = cancel_then_query(scratch_url, sql.to_string(), Duration::from_millis(500));
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(
        running(&db, marker).await,
        1,
        "the statement should be running"
    );
    let r = tokio::task::spawn_blocking(move || runner.join().unwrap())
        .await
        .unwrap();
    assert_eq!(r["result"]["structuredContent"]["rows"][0][0], 2, "{r}");
    assert_eq!(
        wait_idle(&db, marker).await,
        0,
        "cancelling must stop the statement"
    );
    db.drop_now().await;
}

#[tokio::test]
async fn mysql_catalog_and_show() {
    let Some((db, c)) = setup().await else { return };
    let d = db.database.clone();
    let schemas = text_of(&call(&c, "list_schemas", json!({})).await);
    assert!(
        schemas.contains(&format!("{d} (4 tables/views) — current database")),
        "{schemas}"
    );
    let tables = text_of(&call(&c, "list_tables", json!({"filter": "ord"})).await);
    assert!(tables.contains(&format!("{d}.orders (table")), "{tables}");
    assert!(!tables.contains("customers"), "{tables}");
    let t = text_of(&call(&c, "describe_table", json!({"table": "orders"})).await);
    for needle in [
        "Primary key: (id)",
        &format!("(customer_id) → {d}.customers(id)"),
        "orders_customer_idx: (customer_id)",
        "decimal(30,10)",
        "auto_increment",
    ] {
        assert!(t.contains(needle), "missing {needle:?} in:\n{t}");
    }
    let cust = text_of(&call(&c, "describe_table", json!({"table": "customers"})).await);
    assert!(
        cust.contains(&format!("{d}.orders (customer_id)")),
        "{cust}"
    );
    assert!(cust.contains("unique email"), "{cust}");
    let r = query(&c, "SHOW TABLES", json!([])).await;
    assert_eq!(structured(&r)["row_count"], 4);
    let r = query(&c, "DESCRIBE customers", json!([])).await;
    assert_eq!(structured(&r)["row_count"], 4);
    let plan = text_of(
        &call(
            &c,
            "explain",
            json!({"sql": "SELECT * FROM orders WHERE customer_id = ?", "params": [1]}),
        )
        .await,
    );
    assert!(plan.contains("orders_customer_idx"), "{plan}");
    let overview = c
        .read_resource(rmcp::model::ReadResourceRequestParams::new("sql://default"))
        .await
        .unwrap();
    let text = serde_json::to_string(&overview).unwrap();
    assert!(text.contains(&format!("{d}.orders (table")), "{text}");
    assert!(
        text.contains("customer_id int(11) → customers")
            || text.contains("customer_id int → customers"),
        "{text}"
    );
    c.cancel().await.unwrap();
    db.drop_now().await;
}

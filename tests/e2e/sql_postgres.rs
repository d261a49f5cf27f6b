//! sql-server on PostgreSQL (`POSTGRES_URL`), end to end: type rendering, typed
//! parameters, caps on a large result, a timeout that really stops the backend, client
//! cancellation, schemas other than `public`, and the catalog tools. Each test works
//! in its own scratch schema and drops it.

mod sql_support;

use std::time::{Duration, Instant};

use e2e::{call, stdio_client, text_of};
use serde_json::json;
use sql_support::*;

const SCHEMA: &str = "
CREATE TABLE {s}.customers (id serial PRIMARY KEY, name text NOT NULL, email text UNIQUE, country char(2) NOT NULL DEFAULT 'DE');
CREATE TABLE {s}.orders (
  id bigserial PRIMARY KEY,
  customer_id int NOT NULL REFERENCES {s}.customers(id),
  total numeric(20,4) NOT NULL CHECK (total >= 0),
  placed_at timestamptz NOT NULL,
  local_at timestamp,
  day date,
  at_time time,
  took interval,
  tags text[],
  meta jsonb,
  doc json,
  uid uuid,
  raw bytea,
  big bigint,
  small smallint,
  ratio real,
  score double precision,
  paid boolean,
  addr inet
);
CREATE INDEX orders_customer_idx ON {s}.orders(customer_id);
CREATE TABLE {s}.digits (d int PRIMARY KEY);
INSERT INTO {s}.digits SELECT generate_series(0, 9);
CREATE TABLE {s}.big AS SELECT a.d * 10000 + b.d * 1000 + c.d * 100 + e.d * 10 + f.d AS n, repeat('x', 40) AS pad
  FROM {s}.digits a, {s}.digits b, {s}.digits c, {s}.digits e, {s}.digits f;
INSERT INTO {s}.customers (name, email) VALUES ('Ann', 'ann@example.com'), ('Bob', 'bob@example.com');
INSERT INTO {s}.orders (customer_id, total, placed_at, local_at, day, at_time, took, tags, meta, doc, uid, raw, big, small, ratio, score, paid, addr)
VALUES (1, 12345678901234.5678, '2024-02-29 13:45:00.25+02', '2024-02-29 13:45:00.25', '2024-02-29', '13:45:00.25',
        '1 year 2 mons 3 days 04:05:06.5', '{a,\"b c\",NULL}', '{\"k\": [1, 2], \"s\": \"x\"}', '{\"plain\": true}',
        'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\xdeadbeef', 9223372036854775807, -32768, 0.1, 1e-300, true, '10.0.0.1'),
       (2, 0.0001, '2024-03-01 00:00:00Z', NULL, NULL, NULL, NULL, '{}', 'null', NULL, NULL, NULL, -5, 0, NULL, NULL, false, NULL);
";

async fn setup() -> Option<(PgScratch, Client)> {
    let url = postgres_url()?;
    let scratch = PgScratch::create(&url, "sqlmcp_pg", SCHEMA).await;
    let c = stdio_client(
        "sql-server",
        &["--url", &url, "--query-timeout", "5", "--max-rows", "1000"],
    )
    .await;
    Some((scratch, c))
}

#[tokio::test]
async fn postgres_types_render_exactly() {
    let Some((db, c)) = setup().await else { return };
    let s = &db.schema;
    let r = query(
        &c,
        &format!("SELECT * FROM {s}.orders ORDER BY id"),
        json!([]),
    )
    .await;
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
    assert_eq!(col("total"), json!("12345678901234.5678"), "exact decimal");
    assert_eq!(
        col("placed_at"),
        json!("2024-02-29T11:45:00.25Z"),
        "timestamptz in UTC"
    );
    assert_eq!(col("local_at"), json!("2024-02-29T13:45:00.25"));
    assert_eq!(col("day"), json!("2024-02-29"));
    assert_eq!(col("at_time"), json!("13:45:00.25"));
    assert_eq!(col("took"), json!("P1Y2M3DT4H5M6.5S"));
    assert_eq!(col("tags"), json!(["a", "b c", null]));
    assert_eq!(col("meta"), json!({"k": [1, 2], "s": "x"}), "jsonb as JSON");
    assert_eq!(col("doc"), json!({"plain": true}), "json as JSON");
    assert_eq!(col("uid"), json!("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
    assert_eq!(col("raw"), json!("3q2+7w=="), "bytea as base64");
    assert_eq!(col("big"), json!("9223372036854775807"), "int8 beyond 2^53");
    assert_eq!(col("small"), json!(-32768));
    assert_eq!(col("ratio"), json!(0.1), "real keeps its short form");
    assert_eq!(col("score"), json!(1e-300));
    assert_eq!(col("paid"), json!(true));
    assert_eq!(col("addr"), json!("10.0.0.1"));
    assert_eq!(col("customer_id"), json!(1));
    let second = out["rows"][1].as_array().unwrap();
    assert_eq!(second[2], json!("0.0001"));
    assert_eq!(second[8], json!([]), "empty array");
    assert_eq!(second[9], json!(null), "JSON null");
    assert_eq!(second[10], serde_json::Value::Null, "SQL NULL");
    let types: Vec<&str> = out["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert!(
        types.contains(&"NUMERIC") && types.contains(&"TIMESTAMPTZ"),
        "{types:?}"
    );

    let r = query(
        &c,
        "SELECT 'NaN'::numeric, 'infinity'::date, '-infinity'::timestamptz, 'Infinity'::float8, int4range(1, 5), ROW(1, 'a')",
        json!([]),
    )
    .await;
    assert_eq!(
        first_row(&r),
        vec![
            json!("NaN"),
            json!("infinity"),
            json!("-infinity"),
            json!("Infinity"),
            json!("[1,5)"),
            json!([1, "a"])
        ]
    );
    c.cancel().await.unwrap();
    db.drop_now().await;
}

#[tokio::test]
async fn postgres_parameters_bind_by_inferred_type() {
    let Some((db, c)) = setup().await else { return };
    let s = &db.schema;
    let r = query(
        &c,
        &format!(
            "SELECT id FROM {s}.orders WHERE placed_at > $1 AND day = $2 AND total > $3 AND uid = $4 \
             AND meta @> $5 AND customer_id = ANY($6) AND paid = $7 AND local_at < $8"
        ),
        json!([
            "2024-01-01T00:00:00Z",
            "2024-02-29",
            "12345678901234.5677",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            {"k": [1, 2]},
            [1, 2],
            true,
            "2024-03-01 00:00:00"
        ]),
    )
    .await;
    assert_eq!(structured(&r)["rows"], json!([[1]]));
    let r = query(
        &c,
        &format!("SELECT name FROM {s}.customers WHERE name = $1"),
        json!(["Ann' OR 'x'='x"]),
    )
    .await;
    assert_eq!(
        structured(&r)["row_count"],
        0,
        "parameters are never spliced"
    );
    let bad = error_text(
        &query(
            &c,
            &format!("SELECT id FROM {s}.orders WHERE day = $1"),
            json!(["not a date"]),
        )
        .await,
    );
    assert!(bad.contains("$1") && bad.contains("date"), "{bad}");
    let count = error_text(&query(&c, "SELECT $1::int + $2::int", json!([1])).await);
    assert!(count.contains("2 placeholder"), "{count}");
    // Error positions point into the SQL as written.
    let typo = error_text(&query(&c, &format!("SELECT nme FROM {s}.customers"), json!([])).await);
    assert!(typo.contains("At character 8: SELECT nme FROM"), "{typo}");
    assert!(typo.contains("Hint: Perhaps you meant"), "{typo}");
    c.cancel().await.unwrap();
    db.drop_now().await;
}

#[tokio::test]
async fn postgres_large_results_are_capped_quickly() {
    let Some((db, c)) = setup().await else { return };
    let s = &db.schema;
    let (r, took) = timed(query(&c, &format!("SELECT * FROM {s}.big"), json!([]))).await;
    let out = structured(&r);
    assert_eq!(out["row_count"], 1000);
    assert_eq!(out["truncated"], true);
    assert!(took < Duration::from_secs(3), "took {took:?}");
    let (r, took) = timed(query(
        &c,
        "SELECT g, md5(g::text) FROM generate_series(1, 5000000) g",
        json!([]),
    ))
    .await;
    assert_eq!(structured(&r)["row_count"], 1000);
    assert!(took < Duration::from_secs(5), "took {took:?}");
    // The cap keeps the query's own order and limits.
    let r = query(
        &c,
        &format!("SELECT n FROM {s}.big ORDER BY n DESC"),
        json!([]),
    )
    .await;
    let out = structured(&r);
    assert_eq!(out["rows"][0][0], json!(99999));
    assert_eq!(out["rows"][999][0], json!(99000));
    assert_eq!(out["truncated"], true);
    let r = query(
        &c,
        &format!("SELECT n FROM {s}.big ORDER BY n LIMIT 1000"),
        json!([]),
    )
    .await;
    assert_eq!(
        structured(&r)["truncated"],
        false,
        "exactly the cap is not truncated"
    );
    let r = query(
        &c,
        &format!("SELECT n FROM {s}.big ORDER BY n LIMIT 1001"),
        json!([]),
    )
    .await;
    assert_eq!(structured(&r)["truncated"], true);
    let r = query(&c, "VALUES (1, 'a'), (2, 'b')", json!([])).await;
    assert_eq!(structured(&r)["rows"], json!([[1, "a"], [2, "b"]]));
    let r = query(
        &c,
        "SELECT 1 AS id, 2 AS id -- a trailing comment",
        json!([]),
    )
    .await;
    assert_eq!(
        structured(&r)["rows"],
        json!([[1, 2]]),
        "duplicate names and comments survive"
    );
    // The server stays usable and the pool healthy after cutting results off.
    for _ in 0..6 {
        let r = query(&c, &format!("SELECT count(*) FROM {s}.big"), json!([])).await;
        assert_eq!(first_row(&r)[0], json!(100000));
    }
    c.cancel().await.unwrap();
    db.drop_now().await;
}

/// Backends still running a statement that contains `marker`.
async fn running(db: &PgScratch, marker: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()",
    )
    .bind(marker)
    .fetch_one(&db.admin)
    .await
    .unwrap()
}

#[tokio::test]
async fn postgres_timeouts_stop_the_backend() {
    let Some((db, c)) = setup().await else { return };
    let marker = "timeout_marker_1";
    let sql = format!("SELECT count(*) AS {marker} FROM generate_series(1, 20000000000) g");
    let (r, took) = timed(call(&c, "query", json!({"sql": sql, "timeout_seconds": 1}))).await;
    let text = error_text(&r);
    assert!(text.contains("longer than 1 s"), "{text}");
    assert!(took < Duration::from_secs(4), "took {took:?}");
    // The backend may take a moment to clean up (its temporary files), not minutes.
    let deadline = Instant::now() + Duration::from_secs(3);
    while running(&db, marker).await > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        running(&db, marker).await,
        0,
        "the backend is still working"
    );
    let (r, took) = timed(query(&c, "SELECT 1", json!([]))).await;
    assert_eq!(first_row(&r)[0], json!(1));
    assert!(took < Duration::from_secs(1));
    c.cancel().await.unwrap();
    db.drop_now().await;
}

#[tokio::test]
async fn postgres_cancellation_stops_the_backend() {
    let Some(url) = postgres_url() else { return };
    let db = PgScratch::create(&url, "sqlmcp_pgc", "SELECT 1;").await;
    let marker = "cancel_marker_2";
    let sql = format!("SELECT count(*) AS {marker} FROM generate_series(1, 20000000000) g");
    let runner = cancel_then_query(url.clone(), sql.to_string(), Duration::from_millis(800));
    // While the statement runs, the backend is busy with it.
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
    let deadline = Instant::now() + Duration::from_secs(3);
    while running(&db, marker).await > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        running(&db, marker).await,
        0,
        "cancelling must stop the backend"
    );
    db.drop_now().await;
}

#[tokio::test]
async fn postgres_catalog_covers_every_schema() {
    let Some((db, c)) = setup().await else { return };
    let s = db.schema.clone();
    let schemas = text_of(&call(&c, "list_schemas", json!({})).await);
    assert!(
        schemas.contains(&format!("{s} (4 tables/views)")),
        "{schemas}"
    );
    let tables = text_of(&call(&c, "list_tables", json!({"schema": s, "filter": "ORD"})).await);
    assert!(tables.contains(&format!("{s}.orders (table")), "{tables}");
    assert!(!tables.contains("customers"), "{tables}");
    let d = text_of(
        &call(
            &c,
            "describe_table",
            json!({"table": "orders", "schema": s}),
        )
        .await,
    );
    for needle in [
        "total        numeric(20,4)",
        "not null",
        "Primary key: (id)",
        &format!("(customer_id) → {s}.customers(id)"),
        "check orders_total_check: CHECK ((total >= (0)::numeric))",
        "orders_customer_idx: (customer_id)",
        "default nextval(",
    ] {
        assert!(d.contains(needle), "missing {needle:?} in:\n{d}");
    }
    let cust = text_of(
        &call(
            &c,
            "describe_table",
            json!({"table": format!("{s}.customers")}),
        )
        .await,
    );
    assert!(cust.contains("unique customers_email_key"), "{cust}");
    assert!(
        cust.contains(&format!("{s}.orders (customer_id)")),
        "{cust}"
    );
    assert!(cust.contains("default 'DE'::bpchar"), "{cust}");
    let plan = text_of(
        &call(
            &c,
            "explain",
            json!({"sql": format!("SELECT * FROM {s}.orders WHERE customer_id = $1"), "params": [1], "format": "json"}),
        )
        .await,
    );
    let plan: serde_json::Value =
        serde_json::from_str(&plan).unwrap_or_else(|e| panic!("{e}: {plan}"));
    assert!(plan[0]["Plan"]["Node Type"].is_string(), "{plan}");
    let analyze = error_text(
        &query(
            &c,
            &format!("EXPLAIN ANALYZE SELECT * FROM {s}.orders"),
            json!([]),
        )
        .await,
    );
    assert!(analyze.contains("explain tool"), "{analyze}");
    let overview = c
        .read_resource(rmcp::model::ReadResourceRequestParams::new("sql://default"))
        .await
        .unwrap();
    let text = serde_json::to_string(&overview).unwrap();
    assert!(text.contains(&format!("{s}.orders (table")), "{text}");
    assert!(text.contains("customer_id integer → customers"), "{text}");
    c.cancel().await.unwrap();
    db.drop_now().await;
}

/// Pooled connections wait inside a read-only transaction; a server that ends such
/// sessions (`idle_in_transaction_session_timeout`) costs nothing but a new connection:
/// the next call runs, on another backend.
#[tokio::test]
async fn postgres_sessions_ended_by_the_server_are_replaced() {
    let Some(url) = postgres_url() else { return };
    let separator = if url.contains('?') { '&' } else { '?' };
    let strict = format!("{url}{separator}options=-c%20idle_in_transaction_session_timeout%3D300");
    let c = stdio_client("sql-server", &["--url", &strict]).await;
    let before = first_row(
        &query(
            &c,
            "SELECT pg_backend_pid(), current_setting('idle_in_transaction_session_timeout')",
            json!([]),
        )
        .await,
    );
    assert_eq!(
        before[1],
        json!("300ms"),
        "the option did not reach the server"
    );
    // Every pooled connection is now ended by the server.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let (r, took) = timed(query(&c, "SELECT pg_backend_pid()", json!([]))).await;
    let after = first_row(&r);
    assert_ne!(after[0], before[0], "the ended session was used again");
    assert!(took < Duration::from_secs(3), "took {took:?}");
    c.cancel().await.unwrap();
}

/// A statement cannot change the statement timeout for the statements after it: its
/// transaction is rolled back, and the session's setting comes back.
#[tokio::test]
async fn postgres_settings_do_not_outlive_their_statement() {
    let Some((db, c)) = setup().await else { return };
    for _ in 0..3 {
        let r = query(&c, "SELECT current_setting('statement_timeout')", json!([])).await;
        assert_eq!(first_row(&r)[0], json!("5s"));
        // Refused by the gate already; the engine would undo it anyway.
        let r = query(
            &c,
            "SELECT set_config('statement_timeout', '0', false)",
            json!([]),
        )
        .await;
        assert!(error_text(&r).contains("set_config"), "{}", text_of(&r));
    }
    c.cancel().await.unwrap();
    db.drop_now().await;
}

//! sql-server's `search_objects`, end to end: on the SQLite sample shop (every kind,
//! names first and details on request), and on a PostgreSQL schema (`POSTGRES_URL`) and
//! a MariaDB/MySQL database (`MYSQL_URL`) of 5,000 generated tables, each created and
//! dropped by the test under a unique name: one page answers within a time and size
//! bound, the total is right, and walking the pages yields exactly the expected names.

mod sql_support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use e2e::{call, stdio_client, text_of};
use serde_json::json;
use sql_support::*;

/// Tables generated on the server engines.
const TABLES: usize = 5000;

fn ok_text(r: &rmcp::model::CallToolResult) -> String {
    assert_ne!(r.is_error, Some(true), "tool failed: {}", text_of(r));
    text_of(r)
}

/// The object lines of a result (every line before the `(n of m …)` summary).
fn lines(text: &str) -> Vec<String> {
    text.lines()
        .take_while(|l| !l.starts_with('('))
        .map(str::to_string)
        .collect()
}

fn total(text: &str) -> usize {
    let summary = text
        .lines()
        .find(|l| l.starts_with('('))
        .expect("summary line");
    summary
        .split(" of ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no total in {summary}"))
}

#[tokio::test]
async fn sqlite_finds_every_kind_names_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.sqlite");
    sqlite_from_script(&path, SAMPLE_SQL).await;
    let url = format!("sqlite:{}", path.display());
    let c = stdio_client("sql-server", &["--url", &url]).await;
    let t = ok_text(&call(&c, "search_objects", json!({"pattern": "order"})).await);
    let found = lines(&t);
    for want in [
        "table    main.orders",
        "table    main.order_items",
        "view     main.order_totals",
        "column   main.order_items.order_id",
        "index    main.orders.idx_orders_customer",
        "index    main.orders.idx_orders_ordered_at",
    ] {
        assert!(found.iter().any(|l| l == want), "{want} missing in:\n{t}");
    }
    assert!(t.contains("\"detail\": true"), "{t}");
    // Only columns, with details.
    let t = ok_text(
        &call(
            &c,
            "search_objects",
            json!({"pattern": "customer_id", "kinds": ["column"], "detail": true}),
        )
        .await,
    );
    let found = lines(&t);
    assert!(
        found
            .iter()
            .any(|l| l.starts_with("column   main.orders.customer_id  INTEGER not null")),
        "{t}"
    );
    assert!(found.iter().all(|l| l.starts_with("column")), "{t}");
    // Paging: a page of 2, then the next.
    let t1 = ok_text(
        &call(
            &c,
            "search_objects",
            json!({"pattern": "o", "kinds": ["table"], "limit": 2}),
        )
        .await,
    );
    assert_eq!(lines(&t1).len(), 2, "{t1}");
    assert!(t1.contains("\"offset\": 2"), "{t1}");
    let t2 = ok_text(
        &call(
            &c,
            "search_objects",
            json!({"pattern": "o", "kinds": ["table"], "limit": 2, "offset": 2}),
        )
        .await,
    );
    let all: BTreeSet<String> = lines(&t1).into_iter().chain(lines(&t2)).collect();
    assert_eq!(all.len(), total(&t1).min(4));
    // Errors say what to do.
    let r = call(
        &c,
        "search_objects",
        json!({"pattern": "x", "kinds": ["trigger"]}),
    )
    .await;
    assert!(error_text(&r).contains("kinds are: table, view, column, index, function"));
    c.cancel().await.ok();
}

/// Checks a database of [`TABLES`] tables `t_1 … t_5000` (columns `id`, `val_N`; a
/// primary-key index each) and one function `lookup_t_42`.
async fn check_large(c: &Client, schema: &str) {
    // Everything in one bounded page.
    let started = Instant::now();
    let t = ok_text(
        &call(
            c,
            "search_objects",
            json!({"pattern": "%", "schema": schema, "limit": 500}),
        )
        .await,
    );
    let took = started.elapsed();
    println!(
        "search_objects over {TABLES} tables: {took:?}, {} bytes",
        t.len()
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert_eq!(lines(&t).len(), 500);
    // Tables, 2 columns each, one index each, one function.
    assert_eq!(total(&t), TABLES * 4 + 1, "{}", t.lines().last().unwrap());
    assert!(t.len() < 64 * 1024, "{} bytes", t.len());
    assert!(t.contains("\"offset\": 500"), "{t}");

    // Walking the pages of `t_42` tables gives exactly the expected names.
    let expected: BTreeSet<String> = (1..=TABLES)
        .map(|i| format!("t_{i}"))
        .filter(|n| n.contains("t_42"))
        .collect();
    let mut seen = BTreeSet::new();
    let mut offset = 0;
    loop {
        let t = ok_text(
            &call(c, "search_objects", json!({"pattern": "t_42", "schema": schema, "kinds": ["table"], "limit": 50, "offset": offset})).await,
        );
        let page = lines(&t);
        assert_eq!(total(&t), expected.len(), "{t}");
        for l in &page {
            let name = l.rsplit('.').next().unwrap().to_string();
            assert!(seen.insert(name), "duplicate in {t}");
        }
        offset += page.len();
        if page.is_empty() || offset >= expected.len() {
            break;
        }
    }
    assert_eq!(seen, expected);

    // Details on request; functions and indexes by kind.
    let t = ok_text(
        &call(
            c,
            "search_objects",
            json!({"pattern": "val_4999", "schema": schema, "detail": true}),
        )
        .await,
    );
    assert_eq!(lines(&t).len(), 1, "{t}");
    assert!(lines(&t)[0].contains(".t_4999.val_4999"), "{t}");
    assert!(
        lines(&t)[0].to_lowercase().contains("text")
            || lines(&t)[0].to_lowercase().contains("varchar"),
        "{t}"
    );
    let t = ok_text(
        &call(
            c,
            "search_objects",
            json!({"pattern": "lookup", "schema": schema, "kinds": ["function"], "detail": true}),
        )
        .await,
    );
    assert_eq!(lines(&t).len(), 1, "{t}");
    assert!(
        lines(&t)[0].starts_with("function") && lines(&t)[0].contains("lookup_t_42"),
        "{t}"
    );
    let t = ok_text(
        &call(
            c,
            "search_objects",
            json!({"pattern": "%", "schema": schema, "kinds": ["index"], "limit": 1}),
        )
        .await,
    );
    assert_eq!(total(&t), TABLES, "{t}");
}

#[tokio::test]
async fn postgres_5000_tables_one_bounded_page() {
    let Some(url) = postgres_url() else { return };
    let started = Instant::now();
    let scratch = PgScratch::create(&url, "sqlmcp_search", "").await;
    let s = scratch.schema.clone();
    // In batches: one transaction holding 5,000 new tables' locks runs out of lock slots.
    for first in (1..=TABLES).step_by(500) {
        let last = (first + 499).min(TABLES);
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DO $$ BEGIN FOR i IN {first}..{last} LOOP EXECUTE format('CREATE TABLE {s}.%I (id int PRIMARY KEY, %I text)', 't_' || i, 'val_' || i); END LOOP; END $$;"
        )))
        .execute(&scratch.admin)
        .await
        .expect("create tables");
    }
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE FUNCTION {s}.lookup_t_42(k int) RETURNS text LANGUAGE sql STABLE AS $$ SELECT val_42 FROM {s}.t_42 WHERE id = k $$;"
    )))
    .execute(&scratch.admin)
    .await
    .expect("create function");
    println!(
        "created {TABLES} PostgreSQL tables in {:?}",
        started.elapsed()
    );
    let c = stdio_client("sql-server", &["--url", &url]).await;
    check_large(&c, &scratch.schema).await;
    // Without a schema, every user schema is searched (the scratch one among them).
    let t = ok_text(
        &call(
            &c,
            "search_objects",
            json!({"pattern": "lookup_t_42", "kinds": ["function"]}),
        )
        .await,
    );
    assert!(
        t.contains(&format!("{}.lookup_t_42", scratch.schema)),
        "{t}"
    );
    c.cancel().await.ok();
    scratch.drop_now().await;
}

#[tokio::test]
async fn mysql_5000_tables_one_bounded_page() {
    let Some(url) = mysql_url() else { return };
    let script = format!(
        "CREATE PROCEDURE make_tables() BEGIN DECLARE i INT DEFAULT 1; WHILE i <= {TABLES} DO \
           SET @ddl = CONCAT('CREATE TABLE t_', i, ' (id INT PRIMARY KEY, val_', i, ' TEXT) ENGINE=InnoDB'); \
           PREPARE s FROM @ddl; EXECUTE s; DEALLOCATE PREPARE s; SET i = i + 1; END WHILE; END;\n\
         CALL make_tables();\nDROP PROCEDURE make_tables;\n\
         CREATE FUNCTION lookup_t_42(k INT) RETURNS TEXT READS SQL DATA RETURN (SELECT val_42 FROM t_42 WHERE id = k);"
    );
    let started = Instant::now();
    let scratch = MyScratch::create(&url, "sqlmcp_search", &script).await;
    println!("created {TABLES} MySQL tables in {:?}", started.elapsed());
    let c = stdio_client("sql-server", &["--url", &scratch.url]).await;
    check_large(&c, &scratch.database).await;
    c.cancel().await.ok();
    scratch.drop_now().await;
}

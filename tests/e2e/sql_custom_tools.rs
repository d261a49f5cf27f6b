//! sql-server's operator-defined tools (`--tools-file`), end to end on SQLite,
//! PostgreSQL (`POSTGRES_URL`) and MySQL/MariaDB (`MYSQL_URL`): parameters of every
//! JSON type (string, integer, number, boolean, and an optional one bound as NULL)
//! give the rows the same filter computes in the test; a quote in a string argument
//! stays data; bad arguments get a clear error; the tool's row cap; a writing
//! statement stops the start with the tool's name; a function that writes behind the
//! gate's back is stopped by the engine's read-only transaction; and
//! `--custom-tools-only` lists only the operator's tools.

mod sql_support;

use std::path::Path;

use e2e::{call, stdio_client, text_of};
use serde_json::{Value, json};
use sql_support::*;

/// The test's rows: (id, name, price in cents, active, note).
const ITEMS: &[(i64, &str, i64, bool, Option<&str>)] = &[
    (1, "apple", 120, true, Some("fruit")),
    (2, "apricot", 340, false, Some("fruit")),
    (3, "avocado", 250, true, None),
    (4, "banana", 90, true, Some("fruit")),
    (5, "almond", 999, true, Some("nut")),
    (6, "anise's seed", 510, true, Some("spice")),
    (7, "acorn", 15, false, None),
];

/// CREATE and INSERT for the items table (`{t}` is its qualified name).
fn items_script(table: &str, boolean: &str) -> String {
    let mut sql = format!(
        "CREATE TABLE {table} (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, price NUMERIC(10,2) NOT NULL, active {boolean} NOT NULL, note VARCHAR(20));\n"
    );
    for (id, name, cents, active, note) in ITEMS {
        sql.push_str(&format!(
            "INSERT INTO {table} VALUES ({id}, '{}', {}.{:02}, {}, {});\n",
            name.replace('\'', "''"),
            cents / 100,
            cents % 100,
            if *active { "TRUE" } else { "FALSE" },
            note.map_or("NULL".to_string(), |n| format!("'{n}'"))
        ));
    }
    sql
}

/// The tools file: `find_items` (one parameter of each type, `note` optional),
/// `first_items` (no parameter, capped at 2 rows), `by_name` (a string only).
fn tools_file(dir: &Path, table: &str, database: &str) -> std::path::PathBuf {
    // PostgreSQL infers a parameter's type from where it is used; `IS NULL` alone does
    // not tell it, so the optional one gets a cast there.
    let note = if database == "pg" {
        "CAST(:note AS text)"
    } else {
        ":note"
    };
    let path = dir.join("tools.toml");
    let text = format!(
        r#"
[[tools]]
name = "find_items"
description = "Items whose name starts with a prefix, from an id and a price, active or not, optionally with one note."
database = "{database}"
sql = """
SELECT id, name FROM {table}
WHERE name LIKE :prefix AND id >= :min_id AND price >= :min_price AND active = :active
  AND ({note} IS NULL OR note = :note)
ORDER BY id
"""
params = [
  {{ name = "prefix", type = "string", description = "LIKE pattern, e.g. a%" }},
  {{ name = "min_id", type = "integer" }},
  {{ name = "min_price", type = "number" }},
  {{ name = "active", type = "boolean" }},
  {{ name = "note", type = "string", required = false }},
]

[[tools]]
name = "first_items"
description = "The first items by id."
database = "{database}"
sql = "SELECT id, name FROM {table} ORDER BY id"
max_rows = 2

[[tools]]
name = "by_name"
description = "One item by exact name."
database = "{database}"
sql = "SELECT id FROM {table} WHERE name = :name"
params = [{{ name = "name", type = "string" }}]
"#
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// The ids `find_items` must return, computed from [`ITEMS`].
fn expected(
    prefix: &str,
    min_id: i64,
    min_cents: i64,
    active: bool,
    note: Option<&str>,
) -> Vec<i64> {
    ITEMS
        .iter()
        .filter(|(id, name, cents, a, n)| {
            name.starts_with(prefix)
                && *id >= min_id
                && *cents >= min_cents
                && *a == active
                && (note.is_none() || *n == note)
        })
        .map(|r| r.0)
        .collect()
}

fn ids(result: &rmcp::model::CallToolResult) -> Vec<i64> {
    structured(result)["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| match &r[0] {
            Value::Number(n) => n.as_i64().unwrap(),
            Value::String(s) => s.parse().unwrap(),
            other => panic!("id {other}"),
        })
        .collect()
}

/// Every acceptance point that needs only a running server with the tools.
async fn exercise(c: &Client, database: &str) {
    let tools = c.list_all_tools().await.unwrap();
    let find = tools
        .iter()
        .find(|t| t.name == "find_items")
        .expect("find_items listed");
    let schema = Value::Object((*find.input_schema).clone());
    assert_eq!(schema["properties"]["min_id"]["type"], "integer");
    assert_eq!(schema["properties"]["min_price"]["type"], "number");
    assert_eq!(schema["properties"]["active"]["type"], "boolean");
    assert_eq!(schema["properties"]["note"]["type"], "string");
    assert_eq!(
        schema["required"],
        json!(["prefix", "min_id", "min_price", "active"])
    );
    assert_eq!(
        find.annotations.as_ref().unwrap().read_only_hint,
        Some(true)
    );
    assert!(find.description.as_deref().unwrap().contains("Example:"));

    let cases: &[(&str, i64, f64, bool, Option<&str>)] = &[
        ("a", 1, 1.0, true, None),
        ("a", 2, 2.5, true, None),
        ("a", 1, 0.0, false, None),
        ("a", 1, 0.0, true, Some("fruit")),
        ("b", 1, 0.0, true, Some("nut")),
    ];
    for (prefix, min_id, min_price, active, note) in cases {
        let mut args = json!({"prefix": format!("{prefix}%"), "min_id": min_id, "min_price": min_price, "active": active});
        if let Some(n) = note {
            args["note"] = json!(n);
        } else if *min_id == 2 {
            args["note"] = Value::Null;
        }
        let r = call(c, "find_items", args.clone()).await;
        let want = expected(prefix, *min_id, (min_price * 100.0) as i64, *active, *note);
        assert_eq!(ids(&r), want, "{database}: find_items {args}");
        assert_eq!(structured(&r)["database"], database);
    }
    // A quote in a string argument is data, not SQL.
    let r = call(c, "by_name", json!({"name": "anise's seed"})).await;
    assert_eq!(ids(&r), [6]);
    let r = call(c, "by_name", json!({"name": "x' OR '1'='1"})).await;
    assert_eq!(ids(&r), Vec::<i64>::new());
    // The tool's cap, with a hint the model can act on.
    let r = call(c, "first_items", json!({})).await;
    assert_eq!(ids(&r), [1, 2]);
    let out = structured(&r);
    assert_eq!(out["truncated"], true);
    assert!(
        out["next"]
            .as_str()
            .unwrap()
            .contains("first_items returns at most 2"),
        "{out}"
    );
    // Bad arguments.
    let e = error_text(
        &call(
            c,
            "find_items",
            json!({"prefix": "a%", "min_id": 1, "min_price": 1, "active": "yes"}),
        )
        .await,
    );
    assert!(e.contains("active"), "{e}");
    let e = error_text(
        &call(
            c,
            "find_items",
            json!({"prefix": "a%", "min_id": 1.5, "min_price": 1, "active": true}),
        )
        .await,
    );
    assert!(e.contains("min_id"), "{e}");
    let e = error_text(
        &call(
            c,
            "find_items",
            json!({"prefix": "a%", "min_price": 1, "active": true}),
        )
        .await,
    );
    assert!(e.contains("missing argument `min_id`"), "{e}");
    let e = error_text(&call(c, "by_name", json!({"name": "apple", "extra": 1})).await);
    assert!(e.contains("unknown argument `extra`"), "{e}");
}

/// The listed tools' names, sorted.
async fn tool_names(c: &Client) -> Vec<String> {
    let mut names: Vec<String> = c
        .list_all_tools()
        .await
        .unwrap()
        .iter()
        .map(|t| t.name.to_string())
        .collect();
    names.sort();
    names
}

async fn start(url: &str, tools: &Path, extra: &[&str]) -> Client {
    let t = tools.to_str().unwrap();
    let mut args = vec!["--database", url, "--tools-file", t];
    args.extend_from_slice(extra);
    stdio_client("sql-server", &args).await
}

/// Starts sql-server expecting it to refuse; returns its stderr.
fn refused_start(args: &[&str]) -> String {
    let out = std::process::Command::new(e2e::bin("sql-server"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run sql-server");
    assert!(!out.status.success(), "sql-server started: {out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

async fn sqlite_shop(dir: &Path) -> String {
    let path = dir.join("items.sqlite");
    sqlite_from_script(&path, &items_script("items", "BOOLEAN")).await;
    format!("lite=sqlite:{}", path.display())
}

#[tokio::test]
async fn sqlite_custom_tools_bind_every_type() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_shop(dir.path()).await;
    let tools = tools_file(dir.path(), "items", "lite");
    let c = start(&url, &tools, &[]).await;
    exercise(&c, "lite").await;
    // The built-in tools stay listed without --custom-tools-only.
    let names = tool_names(&c).await;
    assert!(names.contains(&"query".to_string()), "{names:?}");
    c.cancel().await.ok();
}

#[tokio::test]
async fn tools_in_the_config_file_beside_the_options() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_shop(dir.path()).await;
    let tools = std::fs::read_to_string(tools_file(dir.path(), "items", "lite")).unwrap();
    let config = dir.path().join("sql-server.toml");
    std::fs::write(
        &config,
        format!("database = [{url:?}]\ncustom_tools_only = true\n\n{tools}"),
    )
    .unwrap();
    let c = stdio_client("sql-server", &["--config", config.to_str().unwrap()]).await;
    assert_eq!(
        tool_names(&c).await,
        ["by_name", "find_items", "first_items"]
    );
    assert_eq!(
        ids(&call(&c, "by_name", json!({"name": "banana"})).await),
        [4]
    );
    c.cancel().await.ok();
}

#[tokio::test]
async fn custom_tools_only_hides_query() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_shop(dir.path()).await;
    let tools = tools_file(dir.path(), "items", "lite");
    let c = start(&url, &tools, &["--custom-tools-only"]).await;
    let names = tool_names(&c).await;
    assert_eq!(names, ["by_name", "find_items", "first_items"]);
    let r = c
        .call_tool(
            rmcp::model::CallToolRequestParams::new("query")
                .with_arguments(json!({"sql": "SELECT 1"}).as_object().unwrap().clone()),
        )
        .await;
    match r {
        Err(_) => {}
        Ok(r) => assert_eq!(r.is_error, Some(true), "query answered: {}", text_of(&r)),
    }
    // The operator's tools still work.
    assert_eq!(
        ids(&call(&c, "by_name", json!({"name": "banana"})).await),
        [4]
    );
    c.cancel().await.ok();
    // Without a tools file the option is refused.
    let err = refused_start(&["--database", &url, "--custom-tools-only"]);
    assert!(err.contains("--custom-tools-only needs [[tools]]"), "{err}");
}

#[tokio::test]
async fn a_writing_statement_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_shop(dir.path()).await;
    let path = dir.path().join("bad.toml");
    for (name, sql) in [
        ("purge_items", "DELETE FROM items WHERE id = :id"),
        (
            "sneaky",
            "WITH x AS (SELECT 1) UPDATE items SET name = 'x' WHERE id = :id",
        ),
        ("two", "SELECT :id; DROP TABLE items"),
    ] {
        std::fs::write(
            &path,
            format!(
                "[[tools]]\nname = \"{name}\"\ndescription = \"d\"\nsql = \"{sql}\"\nparams = [{{ name = \"id\", type = \"integer\" }}]\n"
            ),
        )
        .unwrap();
        let err = refused_start(&["--database", &url, "--tools-file", path.to_str().unwrap()]);
        assert!(err.contains(&format!("custom tool `{name}`")), "{err}");
        assert!(err.contains("read-only gate"), "{err}");
        assert!(err.contains("Refused"), "{err}");
    }
    // The file is untouched.
    let c = start(&url, &tools_file(dir.path(), "items", "lite"), &[]).await;
    let r = query(&c, "SELECT count(*) FROM items", json!([])).await;
    assert_eq!(first_row(&r)[0], json!(ITEMS.len()));
    c.cancel().await.ok();
}

#[tokio::test]
async fn postgres_custom_tools_bind_every_type_and_stay_read_only() {
    let Some(url) = postgres_url() else { return };
    let scratch = PgScratch::create(&url, "sqlmcp_custom", "").await;
    let s = scratch.schema.clone();
    let table = format!("{s}.items");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "{}\nCREATE FUNCTION {s}.bump() RETURNS int LANGUAGE sql VOLATILE AS $$ INSERT INTO {s}.items VALUES (100, 'zz', 1, true, NULL) RETURNING 1 $$;",
        items_script(&table, "BOOLEAN")
    )))
    .execute(&scratch.admin)
    .await
    .expect("create items");
    let dir = tempfile::tempdir().unwrap();
    let tools = tools_file(dir.path(), &table, "pg");
    let mut text = std::fs::read_to_string(&tools).unwrap();
    text.push_str(&format!(
        "\n[[tools]]\nname = \"bump\"\ndescription = \"Calls a function that writes.\"\ndatabase = \"pg\"\nsql = \"SELECT {s}.bump()\"\n"
    ));
    std::fs::write(&tools, text).unwrap();
    let before = scratch.fingerprint().await;
    let c = start(&format!("pg={url}"), &tools, &[]).await;
    exercise(&c, "pg").await;
    let e = error_text(&call(&c, "bump", json!({})).await);
    assert!(e.contains("read-only"), "{e}");
    assert_eq!(scratch.fingerprint().await, before);
    c.cancel().await.ok();
    scratch.drop_now().await;
}

#[tokio::test]
async fn mysql_custom_tools_bind_every_type_and_stay_read_only() {
    let Some(url) = mysql_url() else { return };
    let scratch = MyScratch::create(&url, "sqlmcp_custom", &items_script("items", "BOOLEAN")).await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(
        "CREATE FUNCTION bump() RETURNS INT MODIFIES SQL DATA BEGIN INSERT INTO items VALUES (100, 'zz', 1, TRUE, NULL); RETURN 1; END"
            .to_string(),
    ))
    .execute(&scratch.admin)
    .await
    .expect("create function");
    let dir = tempfile::tempdir().unwrap();
    let tools = tools_file(dir.path(), "items", "my");
    let mut text = std::fs::read_to_string(&tools).unwrap();
    text.push_str(
        "\n[[tools]]\nname = \"bump\"\ndescription = \"Calls a function that writes.\"\ndatabase = \"my\"\nsql = \"SELECT bump()\"\n",
    );
    std::fs::write(&tools, text).unwrap();
    let before = scratch.fingerprint().await;
    let c = start(&format!("my={}", scratch.url), &tools, &[]).await;
    exercise(&c, "my").await;
    let e = error_text(&call(&c, "bump", json!({})).await);
    assert!(
        e.to_ascii_lowercase().contains("read only") || e.contains("read-only"),
        "{e}"
    );
    assert_eq!(scratch.fingerprint().await, before);
    c.cancel().await.ok();
    scratch.drop_now().await;
}

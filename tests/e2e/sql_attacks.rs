//! The attack corpus: several variants of every publicly known read-only bypass class
//! (executable comments, stacked statements, data-modifying CTEs, writes and DDL,
//! transaction and session tampering, locking reads, lexing tricks, sequence
//! functions, settings that would lift read-only, file and program access, denial of
//! service, PRAGMA writes), sent through sql-server's `query` tool on every engine
//! available. After each class, a fingerprint of every table, sequence and object in the
//! scratch schema must be unchanged, no file may have appeared, every attack must have
//! answered within the timeout, and the server must still answer a plain query.
//!
//! Most attacks are refused (by the gate or the engine); a few are harmless where the
//! "attack" text is only a comment or a string for that engine (e.g. a PostgreSQL
//! nested comment that swallows the `DROP`), and those may succeed, changing nothing.

mod sql_support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use e2e::{stdio_client, text_of};
use serde_json::json;
use sql_support::*;

/// What an attack must produce.
#[derive(Clone, Copy, PartialEq)]
enum Expect {
    /// An error result (refused by the gate or by the engine).
    Refused,
    /// Anything, as long as nothing changes (the text is harmless on this engine).
    Harmless,
}
use Expect::{Harmless, Refused};

/// One class of bypass with its variants. `{t}` is the target table, `{seq}` a sequence,
/// `{pwn}` a file path that must never be created.
struct Class {
    name: &'static str,
    attacks: Vec<(Expect, String)>,
}

fn class(name: &'static str, attacks: &[(Expect, &str)]) -> Class {
    Class {
        name,
        attacks: attacks.iter().map(|(e, s)| (*e, s.to_string())).collect(),
    }
}

/// MySQL executable comments: code to MySQL/MariaDB (refused), plain comments elsewhere.
fn executable_comments(expect: Expect) -> Class {
    class(
        "executable comments (code only to MySQL)",
        &[
            (expect, "/*! DROP TABLE {t} */ SELECT 1"),
            (expect, "SELECT 1 /*!50000 ; DROP TABLE {t} */"),
            (expect, "SELECT 1 /*!50000 , (SELECT SLEEP(10)) */"),
            (
                expect,
                "SELECT /*M! (SELECT count(*) FROM {t} FOR UPDATE), */ 1",
            ),
            (
                expect,
                "/*!INSERT INTO {t} (owner, balance) VALUES ('eve', 1)*/",
            ),
        ],
    )
}

/// Attacks that apply to every engine.
fn common() -> Vec<Class> {
    vec![
        class(
            "stacked statements",
            &[
                (Refused, "SELECT 1; DROP TABLE {t}"),
                (Refused, "SELECT 1;\nDELETE FROM {t}"),
                (Refused, "COMMIT; DROP TABLE {t}"),
                (
                    Refused,
                    "ROLLBACK; INSERT INTO {t} (owner, balance) VALUES ('eve', 1000000)",
                ),
                (Refused, "SELECT owner FROM {t}; UPDATE {t} SET balance = 0"),
                (Refused, "SELECT 1 ; ; DROP TABLE {t} ;"),
            ],
        ),
        class(
            "data-modifying CTEs and subqueries",
            &[
                (
                    Refused,
                    "WITH d AS (DELETE FROM {t} RETURNING *) SELECT count(*) FROM d",
                ),
                (
                    Refused,
                    "WITH u AS (UPDATE {t} SET balance = 0 RETURNING id) SELECT * FROM u",
                ),
                (
                    Refused,
                    "WITH i AS (INSERT INTO {t} (owner, balance) VALUES ('eve', 1) RETURNING id) SELECT * FROM i",
                ),
                (
                    Refused,
                    "WITH x AS (SELECT 1), d AS (DELETE FROM {t} WHERE id = 1 RETURNING id) SELECT * FROM x",
                ),
                (
                    Refused,
                    "SELECT * FROM (WITH d AS (DELETE FROM {t} RETURNING *) SELECT * FROM d) s",
                ),
                (
                    Refused,
                    "EXPLAIN ANALYZE WITH d AS (DELETE FROM {t} RETURNING *) SELECT 1",
                ),
            ],
        ),
        class(
            "writes and DDL (implicit commits)",
            &[
                (Refused, "DROP TABLE {t}"),
                (Refused, "CREATE TABLE pwned (a INT)"),
                (Refused, "ALTER TABLE {t} ADD COLUMN z INT"),
                (Refused, "TRUNCATE TABLE {t}"),
                (Refused, "CREATE INDEX pwned_idx ON {t} (owner)"),
                (Refused, "CREATE VIEW pwned_v AS SELECT 1 AS a"),
                (
                    Refused,
                    "INSERT INTO {t} (owner, balance) SELECT owner, balance FROM {t}",
                ),
                (Refused, "UPDATE {t} SET balance = balance * 2"),
                (Refused, "DELETE FROM {t} WHERE 1 = 1"),
                (Refused, "CREATE TEMPORARY TABLE tmp_pwned (a INT)"),
                (Refused, "EXPLAIN ANALYZE DELETE FROM {t}"),
                (Refused, "EXPLAIN DELETE FROM {t}"),
            ],
        ),
        class(
            "transaction and session tampering",
            &[
                (Refused, "COMMIT"),
                (Refused, "BEGIN"),
                (Refused, "START TRANSACTION READ WRITE"),
                (Refused, "SET TRANSACTION READ WRITE"),
                (Refused, "SAVEPOINT s"),
            ],
        ),
        class(
            "locking reads",
            &[
                (Refused, "SELECT * FROM {t} FOR UPDATE"),
                (Refused, "SELECT * FROM {t} WHERE id = 1 FOR SHARE"),
                (Refused, "SELECT * FROM (SELECT * FROM {t} FOR UPDATE) s"),
            ],
        ),
    ]
}

fn postgres() -> Vec<Class> {
    vec![
        class(
            "comment and quoting lexing tricks (PostgreSQL)",
            &[
                (Refused, "SELECT 1 -- hidden\r; DROP TABLE {t}"),
                (Refused, "SELECT 1 AS a$$; DROP TABLE {t}; --$$"),
                (Refused, "SELECT 'a\\'; DROP TABLE {t}; -- '"),
                (Harmless, "SELECT 1 /* a /* nested */ ; DROP TABLE {t}; */"),
                (Harmless, "SELECT $$; DROP TABLE {t}; $$"),
                (Harmless, "SELECT E'\\'; DROP TABLE {t}; --'"),
                (Refused, "SELECT 1 /* unterminated ; DROP TABLE {t}"),
                (Harmless, "SELECT 1 -- ; DROP TABLE {t}"),
            ],
        ),
        class(
            "sequence functions (PostgreSQL)",
            &[
                (Refused, "SELECT nextval('{seq}')"),
                (Refused, "SELECT setval('{seq}', 1000)"),
                (Refused, "SELECT * FROM nextval('{seq}')"),
                (Refused, "SELECT pg_catalog.NEXTVAL('{seq}'::regclass)"),
                (
                    Refused,
                    "SELECT id FROM {t} WHERE id = (SELECT nextval('{seq}'))",
                ),
                (
                    Refused,
                    "SELECT nextval(pg_get_serial_sequence('{t}', 'id'))",
                ),
            ],
        ),
        class(
            "session settings that would lift read-only (PostgreSQL)",
            &[
                (Refused, "SET transaction_read_only = off"),
                (
                    Refused,
                    "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
                ),
                (
                    Refused,
                    "SELECT set_config('default_transaction_read_only', 'off', false)",
                ),
                (
                    Refused,
                    "SELECT set_config('transaction_read_only', 'off', true)",
                ),
                (Refused, "RESET ALL"),
                (Refused, "SET ROLE postgres"),
                (Refused, "DISCARD ALL"),
                (
                    Refused,
                    "INSERT INTO {t} (owner, balance) VALUES ('eve', 1)",
                ),
            ],
        ),
        class(
            "privileged file and program access (PostgreSQL)",
            &[
                (Refused, "SELECT pg_read_file('/etc/hostname')"),
                (Refused, "SELECT pg_read_binary_file('/etc/hostname')"),
                (Refused, "SELECT * FROM pg_ls_dir('.')"),
                (Refused, "SELECT pg_stat_file('postgresql.conf')"),
                (Refused, "SELECT lo_import('/etc/hostname')"),
                (Refused, "SELECT lo_export(0, '{pwn}')"),
                (Refused, "COPY {t} TO '{pwn}'"),
                (Refused, "COPY (SELECT 1) TO PROGRAM 'touch {pwn}'"),
                (
                    Refused,
                    "SELECT query_to_xml('DELETE FROM {t} RETURNING 1', true, true, '')",
                ),
                (
                    Refused,
                    "SELECT * FROM dblink('dbname=postgres', 'DROP TABLE {t}') AS x(a text)",
                ),
                (Refused, "DO $$ BEGIN DELETE FROM {t}; END $$"),
                (Refused, "SELECT pg_terminate_backend(pg_backend_pid())"),
                (Refused, "SELECT pg_advisory_lock(42)"),
                (Refused, "SELECT pg_notify('c', 'x')"),
            ],
        ),
        class(
            "sleep and denial of service (PostgreSQL)",
            &[
                (Refused, "SELECT pg_sleep(30)"),
                (Refused, "SELECT pg_sleep_for('30 seconds')"),
                (
                    Refused,
                    "SELECT owner FROM {t} WHERE pg_sleep(30) IS NOT NULL",
                ),
                (
                    Refused,
                    "SELECT pg_catalog.pg_sleep_until(now() + interval '30 seconds')",
                ),
                (
                    Refused,
                    "SELECT count(*) FROM generate_series(1, 100000000000)",
                ),
                (
                    Refused,
                    "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT count(*) FROM r",
                ),
            ],
        ),
    ]
}

fn mysql() -> Vec<Class> {
    vec![
        class(
            "comment and quoting lexing tricks (MySQL)",
            &[
                (Refused, "SELECT 1 --1; DROP TABLE {t}"),
                (Refused, "SELECT 1 /* a /* b */ ; DROP TABLE {t}; /* */"),
                (Refused, "SELECT 'a\\\\'; DROP TABLE {t}; -- '"),
                (Harmless, "SELECT 'a\\'; DROP TABLE {t}; -- '"),
                (Harmless, "SELECT 1 # ; DROP TABLE {t}"),
                (Harmless, "SELECT 1 -- ; DROP TABLE {t}"),
                (Harmless, "SELECT \"a\\\"; DROP TABLE {t}; -- \""),
            ],
        ),
        class(
            "sequence functions (MariaDB sequences)",
            &[
                (Refused, "SELECT NEXTVAL({seq})"),
                (Refused, "SELECT NEXT VALUE FOR {seq}"),
                (Refused, "SELECT SETVAL({seq}, 1000)"),
                (
                    Refused,
                    "SELECT id FROM {t} WHERE id = (SELECT NEXTVAL({seq}))",
                ),
            ],
        ),
        class(
            "session settings that would lift read-only (MySQL)",
            &[
                (Refused, "SET SESSION TRANSACTION READ WRITE"),
                (Refused, "SET @@SESSION.transaction_read_only = 0"),
                (Refused, "SET sql_mode = 'NO_BACKSLASH_ESCAPES'"),
                (Refused, "SET STATEMENT max_statement_time = 0 FOR SELECT 1"),
                (Refused, "LOCK TABLES {t} WRITE"),
                (Refused, "HANDLER {t} OPEN"),
                (
                    Refused,
                    "INSERT INTO {t} (owner, balance) VALUES ('eve', 1)",
                ),
            ],
        ),
        class(
            "privileged file access (MySQL)",
            &[
                (Refused, "SELECT LOAD_FILE('/etc/hostname')"),
                (Refused, "SELECT * FROM {t} INTO OUTFILE '{pwn}'"),
                (
                    Refused,
                    "SELECT owner INTO DUMPFILE '{pwn}' FROM {t} LIMIT 1",
                ),
                (Refused, "LOAD DATA INFILE '/etc/hostname' INTO TABLE {t}"),
                (Refused, "SELECT owner INTO @v FROM {t} LIMIT 1"),
                (Refused, "SELECT GET_LOCK('x', 10)"),
                (Refused, "CALL mysql.nonexistent()"),
            ],
        ),
        class(
            "sleep and denial of service (MySQL)",
            &[
                (Refused, "SELECT SLEEP(30)"),
                (Refused, "SELECT `sleep`(30)"),
                (Refused, "SELECT owner FROM {t} WHERE SLEEP(30) = 0"),
                (Refused, "SELECT BENCHMARK(10000000000, MD5('x'))"),
                (
                    Refused,
                    "SELECT count(*) FROM {t} a, {t} b, {t} c, {t} d, {t} e, {t} f, {t} g, {t} h, {t} i, {t} j, {t} k, {t} l, {t} m, {t} n WHERE MD5(CONCAT(a.owner, j.owner)) <> ''",
                ),
            ],
        ),
    ]
}

fn sqlite() -> Vec<Class> {
    vec![
        class(
            "comment and quoting lexing tricks (SQLite)",
            &[
                (Refused, "SELECT 1 --1\n; DROP TABLE {t}"),
                (Harmless, "SELECT 1 /* ; DROP TABLE {t}"),
                (Refused, "SELECT 1 /* a /* b */ ; DROP TABLE {t}; /* */"),
                (Harmless, "SELECT [a;b] FROM (SELECT 1 AS [a;b])"),
                (Refused, "SELECT 'a\\'; DROP TABLE {t}; -- '"),
            ],
        ),
        class(
            "PRAGMA writes (SQLite)",
            &[
                (Refused, "PRAGMA user_version = 5"),
                (Refused, "PRAGMA main.user_version = 5"),
                (Refused, "PRAGMA journal_mode = WAL"),
                (Refused, "PRAGMA journal_mode(DELETE)"),
                (Refused, "PRAGMA query_only = 0"),
                (Refused, "PRAGMA writable_schema = ON"),
                (Refused, "PRAGMA schema_version = 1"),
                (Refused, "PRAGMA auto_vacuum = FULL"),
                (Refused, "PRAGMA wal_checkpoint(TRUNCATE)"),
                (Refused, "PRAGMA optimize"),
                (Refused, "PRAGMA foreign_keys = OFF"),
            ],
        ),
        class(
            "sequences and hidden state (SQLite)",
            &[
                (Refused, "UPDATE sqlite_sequence SET seq = 1000"),
                (
                    Refused,
                    "INSERT INTO {t} (owner, balance) VALUES ('eve', 1)",
                ),
                (
                    Refused,
                    "REPLACE INTO {t} (id, owner, balance) VALUES (1, 'eve', 0)",
                ),
            ],
        ),
        class(
            "file access and extensions (SQLite)",
            &[
                (Refused, "SELECT load_extension('/tmp/evil.so')"),
                (Refused, "SELECT readfile('/etc/hostname')"),
                (Refused, "SELECT writefile('{pwn}', 'x')"),
                (Refused, "ATTACH DATABASE '{pwn}' AS evil"),
                (Refused, "VACUUM INTO '{pwn}'"),
                (Refused, "VACUUM"),
                (Refused, "REINDEX"),
                (Refused, "ANALYZE"),
                (Refused, "SELECT fts3_tokenizer('simple')"),
            ],
        ),
        class(
            "denial of service (SQLite)",
            &[
                (
                    Refused,
                    "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT count(*) FROM r",
                ),
                (
                    Refused,
                    "SELECT count(*) FROM {t} a, {t} b, {t} c, {t} d, {t} e, {t} f, {t} g, {t} h, {t} i, {t} j, {t} k, {t} l, {t} m, {t} n",
                ),
            ],
        ),
    ]
}

/// Runs every class against a server; `fingerprint` reads the state to compare.
async fn run_corpus<F, Fut>(
    engine: &str,
    c: &Client,
    classes: Vec<Class>,
    subst: &dyn Fn(&str) -> String,
    pwn: &Path,
    fingerprint: F,
) where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = String>,
{
    let before = fingerprint().await;
    let mut total = 0;
    for class in classes {
        let mut refused = 0;
        for (expect, template) in &class.attacks {
            let sql = subst(template);
            let (r, took) = timed(query(c, &sql, json!([]))).await;
            assert!(
                took < Duration::from_secs(6),
                "{engine}: {sql:?} took {took:?} (timeout is 2 s)"
            );
            let is_error = r.is_error == Some(true);
            if *expect == Refused {
                assert!(
                    is_error,
                    "{engine}: {sql:?} was not refused: {}",
                    text_of(&r)
                );
            }
            refused += usize::from(is_error);
            total += 1;
        }
        let after = fingerprint().await;
        assert_eq!(
            before, after,
            "{engine}: class `{}` changed the database",
            class.name
        );
        assert!(
            !pwn.exists(),
            "{engine}: class `{}` created {}",
            class.name,
            pwn.display()
        );
        println!(
            "{engine}: {:<55} {} variants, {} refused, database unchanged",
            class.name,
            class.attacks.len(),
            refused
        );
    }
    let r = query(c, "SELECT 1 AS still_alive", json!([])).await;
    assert_eq!(
        first_row(&r)[0],
        json!(1),
        "{engine}: server unresponsive after the corpus"
    );
    println!("{engine}: {total} attacks, nothing changed");
}

fn pwn_path(engine: &str) -> PathBuf {
    PathBuf::from(format!(
        "/tmp/{}",
        unique(&format!("sqlmcp_pwned_{engine}"))
    ))
}

#[tokio::test]
async fn attack_corpus_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bank.sqlite");
    sqlite_from_script(
        &path,
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY AUTOINCREMENT, owner TEXT NOT NULL, balance NUMERIC NOT NULL);
         INSERT INTO accounts (owner, balance) VALUES ('alice', 100), ('bob', 250), ('carol', 75), ('dave', 10);
         CREATE VIEW rich AS SELECT * FROM accounts WHERE balance > 80;",
    )
    .await;
    let pwn = pwn_path("sqlite");
    let u = format!("sqlite:{}", path.display());
    let c = stdio_client("sql-server", &["--url", &u, "--query-timeout", "2"]).await;
    let mut classes = common();
    classes.push(executable_comments(Harmless));
    classes.extend(sqlite());
    let subst = |s: &str| {
        s.replace("{t}", "accounts")
            .replace("{seq}", "sqlite_sequence")
            .replace("{pwn}", &pwn.display().to_string())
    };
    run_corpus("SQLite", &c, classes, &subst, &pwn, || {
        let p = path.clone();
        async move { file_fingerprint(&p) }
    })
    .await;
    c.cancel().await.unwrap();
}

#[tokio::test]
async fn attack_corpus_postgres() {
    let Some(url) = postgres_url() else { return };
    let db = PgScratch::create(
        &url,
        "sqlmcp_atk",
        "CREATE TABLE {s}.accounts (id serial PRIMARY KEY, owner text NOT NULL, balance numeric NOT NULL);
         INSERT INTO {s}.accounts (owner, balance) VALUES ('alice', 100), ('bob', 250), ('carol', 75), ('dave', 10);
         CREATE SEQUENCE {s}.counter;
         SELECT nextval('{s}.counter');
         CREATE VIEW {s}.rich AS SELECT * FROM {s}.accounts WHERE balance > 80;",
    )
    .await;
    let pwn = pwn_path("pg");
    let c = stdio_client("sql-server", &["--url", &url, "--query-timeout", "2"]).await;
    let mut classes = common();
    classes.push(executable_comments(Harmless));
    classes.extend(postgres());
    let schema = db.schema.clone();
    let subst = |s: &str| {
        s.replace("{t}", &format!("{schema}.accounts"))
            .replace("{seq}", &format!("{schema}.counter"))
            .replace("{pwn}", &pwn.display().to_string())
    };
    run_corpus("PostgreSQL", &c, classes, &subst, &pwn, || db.fingerprint()).await;
    c.cancel().await.unwrap();
    db.drop_now().await;
}

#[tokio::test]
async fn attack_corpus_mysql() {
    let Some(url) = mysql_url() else { return };
    let db = MyScratch::create(
        &url,
        "sqlmcp_atk",
        "CREATE TABLE accounts (id INT AUTO_INCREMENT PRIMARY KEY, owner VARCHAR(20) NOT NULL, balance DECIMAL(12,2) NOT NULL);
         INSERT INTO accounts (owner, balance) VALUES ('alice', 100), ('bob', 250), ('carol', 75), ('dave', 10);
         CREATE VIEW rich AS SELECT * FROM accounts WHERE balance > 80;",
    )
    .await;
    let version: String = sqlx::query_scalar("SELECT VERSION()")
        .fetch_one(&db.admin)
        .await
        .unwrap();
    let mariadb = version.to_ascii_lowercase().contains("mariadb");
    if mariadb {
        sqlx::raw_sql("CREATE SEQUENCE counter; SELECT NEXTVAL(counter);")
            .execute(&db.admin)
            .await
            .unwrap();
    }
    let pwn = pwn_path("mysql");
    let c = stdio_client("sql-server", &["--url", &db.url, "--query-timeout", "2"]).await;
    let mut classes = common();
    classes.push(executable_comments(Refused));
    classes.extend(mysql());
    let subst = |s: &str| {
        s.replace("{t}", "accounts")
            .replace("{seq}", "counter")
            .replace("{pwn}", &pwn.display().to_string())
    };
    run_corpus("MySQL/MariaDB", &c, classes, &subst, &pwn, || {
        db.fingerprint()
    })
    .await;
    c.cancel().await.unwrap();
    db.drop_now().await;
}

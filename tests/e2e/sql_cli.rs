//! sql-server's command line: `doctor` on each engine (engine, version, the read-only
//! layer, and privilege warnings — none for a read-only role created as the README
//! shows), passwords from the environment that never appear in output, and clear
//! refusals of a bad configuration.

mod sql_support;

use std::process::{Command, Output};

use e2e::bin;
use sql_support::*;
use sqlx::{AssertSqlSafe, Executor};

fn sql_server(args: &[&str], envs: &[(&str, &str)]) -> Output {
    Command::new(bin("sql-server"))
        .args(args)
        .envs(envs.iter().copied())
        .env_remove("DATABASE_URL")
        .env_remove("SQL_SERVER_DATABASES")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run sql-server")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

#[tokio::test]
async fn doctor_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.sqlite");
    sqlite_from_script(&path, SAMPLE_SQL).await;
    let url = format!("sqlite:{}", path.display());
    let o = sql_server(&["doctor", "--url", &url], &[]);
    let text = stdout(&o);
    assert!(o.status.success(), "{text}");
    // doctor is a subcommand: the options may come first, too.
    let after = sql_server(&["--url", &url, "doctor"], &[]);
    assert!(after.status.success(), "{}", stdout(&after));
    assert_eq!(stdout(&after), text);
    assert!(text.contains("✓ opened: SQLite 3."), "{text}");
    assert!(text.contains("✓ the file is opened read-only"), "{text}");
    assert!(text.contains("is writable by this OS user"), "{text}");
    let missing = sql_server(
        &[
            "doctor",
            "--url",
            "sqlite:/nonexistent/dir/x.db",
            "--connect-timeout",
            "1",
        ],
        &[],
    );
    let text = stdout(&missing);
    assert_eq!(missing.status.code(), Some(1), "{text}");
    assert!(
        text.contains(
            "✗ Database `default`: the SQLite file /nonexistent/dir/x.db does not exist."
        ),
        "{text}"
    );
    assert!(!text.contains("server is running"), "{text}");
    // A relative path says where it was looked for.
    let relative = sql_server(&["doctor", "--url", "sqlite:./no-such.db"], &[]);
    let text = stdout(&relative);
    let cwd = std::env::current_dir().unwrap();
    assert!(
        text.contains(&format!("looked for {}", cwd.join("no-such.db").display())),
        "{text}"
    );
}

#[test]
fn bad_configuration_is_refused_clearly() {
    let o = sql_server(&[], &[]);
    assert!(!o.status.success());
    assert!(stdout(&o).contains("no database given"), "{}", stdout(&o));
    let o = sql_server(&["--database", "postgres://u:pw-secret@h/db"], &[]);
    let text = stdout(&o);
    assert!(!o.status.success());
    assert!(text.contains("NAME=URL"), "{text}");
    assert!(!text.contains("pw-secret"), "{text}");
    let o = sql_server(&["--url", "mssql://h/db"], &[]);
    assert!(
        stdout(&o).contains("unsupported database URL"),
        "{}",
        stdout(&o)
    );
    let help = sql_server(&["--help"], &[]);
    let text = stdout(&help);
    for flag in [
        "--url",
        "--database",
        "--password-file",
        "--ssl-mode",
        "--ssl-ca",
        "--max-rows",
        "--query-timeout",
        "doctor",
    ] {
        assert!(text.contains(flag), "--help lacks {flag}");
    }
}

#[tokio::test]
async fn doctor_on_postgres_warns_for_a_superuser_and_not_for_a_reader() {
    let Some(url) = postgres_url() else { return };
    let db = PgScratch::create(&url, "sqlmcp_doc", "CREATE TABLE {s}.t (a int);").await;
    let o = sql_server(&["doctor", "--url", &url], &[]);
    let text = stdout(&o);
    assert!(o.status.success(), "{text}");
    // doctor is a subcommand: the options may come first, too.
    let after = sql_server(&["--url", &url, "doctor"], &[]);
    assert!(after.status.success(), "{}", stdout(&after));
    assert_eq!(stdout(&after), text);
    assert!(text.contains("✓ connected as"), "{text}");
    assert!(text.contains("PostgreSQL 1"), "{text}");
    assert!(
        text.contains("✓ statements run in a read-only transaction"),
        "{text}"
    );
    assert!(text.contains("⚠ the role is a SUPERUSER"), "{text}");

    // A read-only role made as the README shows: no warnings.
    let role = unique("sqlmcp_reader");
    let s = &db.schema;
    let dbname = url
        .rsplit('/')
        .next()
        .and_then(|p| p.split('?').next())
        .unwrap_or("postgres")
        .to_string();
    db.admin
        .execute(sqlx::raw_sql(AssertSqlSafe(format!(
            "CREATE ROLE {role} LOGIN PASSWORD 'reader-pw-123'; \
             GRANT CONNECT ON DATABASE {dbname} TO {role}; GRANT USAGE ON SCHEMA {s} TO {role}; \
             GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {role}; \
             ALTER ROLE {role} SET default_transaction_read_only = on;"
        ))))
        .await
        .unwrap();
    let base = url.split_once("://").map(|(_, rest)| rest).unwrap();
    let host_db = base.split_once('@').map_or(base, |(_, h)| h);
    let reader_url = format!("postgres://{role}@{host_db}");
    let o = sql_server(
        &["doctor", "--url", &reader_url],
        &[("SQL_SERVER_PASSWORD", "reader-pw-123")],
    );
    let text = stdout(&o);
    db.admin
        .execute(sqlx::raw_sql(AssertSqlSafe(format!(
            "REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {role}; REVOKE ALL ON SCHEMA {s} FROM {role}; \
             REVOKE ALL ON DATABASE {dbname} FROM {role}; DROP ROLE {role};"
        ))))
        .await
        .unwrap();
    db.drop_now().await;
    assert!(o.status.success(), "{text}");
    assert!(text.contains("✓ the role cannot write"), "{text}");
    assert!(!text.contains('⚠'), "{text}");
    assert!(!text.contains("reader-pw-123"), "password printed: {text}");
}

#[tokio::test]
async fn doctor_on_mysql_warns_for_root_and_not_for_a_reader() {
    let Some(url) = mysql_url() else { return };
    let db = MyScratch::create(&url, "sqlmcp_doc", "CREATE TABLE t (a INT);").await;
    let o = sql_server(&["doctor", "--url", &db.url], &[]);
    let text = stdout(&o);
    assert!(o.status.success(), "{text}");
    assert!(text.contains("✓ connected as"), "{text}");
    assert!(
        text.contains("✓ session and statements are read-only"),
        "{text}"
    );
    assert!(
        text.contains("⚠ the account holds privileges beyond SELECT"),
        "{text}"
    );

    let user = unique("rd");
    let d = &db.database;
    db.admin
        .execute(sqlx::raw_sql(AssertSqlSafe(format!(
            "CREATE USER '{user}'@'%' IDENTIFIED BY 'reader-pw-456'; GRANT SELECT, SHOW VIEW ON {d}.* TO '{user}'@'%';"
        ))))
        .await
        .unwrap();
    let host = db.url.split_once('@').map(|(_, h)| h).unwrap();
    let reader_url = format!("mysql://{user}@{host}");
    let o = sql_server(
        &["doctor", "--url", &reader_url],
        &[("SQL_SERVER_PASSWORD", "reader-pw-456")],
    );
    let text = stdout(&o);
    db.admin
        .execute(sqlx::raw_sql(AssertSqlSafe(format!(
            "DROP USER '{user}'@'%'"
        ))))
        .await
        .unwrap();
    db.drop_now().await;
    assert!(o.status.success(), "{text}");
    assert!(text.contains("✓ the role cannot write"), "{text}");
    assert!(!text.contains('⚠'), "{text}");
    assert!(!text.contains("reader-pw-456"), "password printed: {text}");
}

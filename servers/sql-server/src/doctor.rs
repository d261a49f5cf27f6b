//! `sql-server doctor`: connects to every configured database, reports the engine and
//! version, confirms the read-only layer the engine enforces, and warns when the
//! database role itself could write (so a least-privilege role is worth creating; the
//! README shows how for each engine). Exit status 0 when every database answered.

use std::time::Duration;

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::config::{Limits, SqlArgs};
use crate::db::{Database, PoolSettings, Registry};
use crate::dsn::{self, Secrets, Target};
use crate::engine::Engine;
use crate::exec;

/// Prints the report and returns the process exit code.
pub async fn run(args: &SqlArgs) -> i32 {
    let specs = match args.database_specs() {
        Ok(s) if s.is_empty() => {
            println!(
                "✗ no database configured: pass --url (or DATABASE_URL), e.g. `sql-server doctor --url sqlite:./shop.db`"
            );
            return 1;
        }
        Ok(s) => s,
        Err(e) => {
            println!("✗ {e}");
            return 1;
        }
    };
    let (specs, _tunnel) = match crate::tunnel::open(args, specs).await {
        Ok((specs, None)) => (specs, None),
        Ok((specs, Some(t))) => {
            println!(
                "SSH tunnel via {}\n  ✓ host key matches known_hosts (or accepted with --ssh-accept-unknown-host), key accepted; databases are reached through it",
                t.target
            );
            (specs, Some(t))
        }
        Err(e) => {
            println!("SSH tunnel\n  ✗ {e}");
            return 1;
        }
    };
    let password = match args.password() {
        Ok(p) => p,
        Err(e) => {
            println!("✗ {e}");
            return 1;
        }
    };
    let secrets = Secrets {
        password,
        ssl_mode: args.ssl_mode,
        ssl_ca: args.ssl_ca.clone(),
        idle_transaction: None,
    };
    let settings = PoolSettings {
        size: 2,
        connect_timeout: Duration::from_secs(args.connect_timeout.max(1)),
        statement_timeout: Duration::from_secs(args.query_timeout.max(1)),
    };
    let registry = match Registry::open(&specs, &secrets, settings) {
        Ok(r) => r,
        Err(e) => {
            println!("✗ {e}");
            return 1;
        }
    };
    let limits = Limits {
        max_rows: 1000,
        max_bytes: 1 << 20,
        timeout: Duration::from_secs(10),
    };
    let mut healthy = true;
    let mut warned = false;
    for (db, (_, url)) in registry.all().iter().zip(&specs) {
        println!("Database `{}` ({}, {})", db.name, db.engine, db.url);
        match check(db, url, &secrets, &limits).await {
            Ok(lines) => {
                for line in lines {
                    warned |= line.starts_with('⚠');
                    println!("  {line}");
                }
            }
            Err(e) => {
                healthy = false;
                println!("  ✗ {e}");
            }
        }
    }
    healthy &= custom_tools(args, &registry, &limits).await;
    if healthy {
        println!(
            "sql-server is ready ({} database(s)).",
            registry.all().len()
        );
        if warned {
            println!(
                "⚠ sql-server still refuses writes, but a read-only role is the layer that never breaks: the README (section sql-server) shows how to create one for each engine."
            );
        }
        0
    } else {
        println!("Fix the errors above; tool calls to those databases would fail.");
        1
    }
}

/// Reports the operator's tools: each statement through the gate, then planned (not
/// run) on its database with NULL arguments, which finds missing tables and columns.
/// `false` when any is refused or cannot be planned.
async fn custom_tools(args: &SqlArgs, registry: &Registry, limits: &Limits) -> bool {
    if args.tools_file.is_none() && !args.custom_tools_only {
        return true;
    }
    println!("Custom tools");
    let tools = match crate::custom::from_args(args, registry) {
        Ok(t) => t,
        Err(e) => {
            for line in e.lines() {
                println!("  ✗ {line}");
            }
            return false;
        }
    };
    let mut healthy = true;
    for tool in &tools {
        let db = &tool.database;
        if tool.approved.kind != crate::guard::Kind::Query {
            println!(
                "  ✓ {} on {}: passes the read-only gate",
                tool.spec.name, db.name
            );
            continue;
        }
        let plan = crate::explain::statement(
            db.engine,
            &tool.approved.sql,
            crate::explain::PlanFormat::Text,
        );
        let nulls = vec![Value::Null; tool.slots.len()];
        match exec::run(db, &plan, &nulls, limits, &CancellationToken::new()).await {
            Ok(_) => println!(
                "  ✓ {} on {}: passes the read-only gate and the database plans it ({} parameter(s))",
                tool.spec.name,
                db.name,
                tool.spec.params.len()
            ),
            Err(e) => {
                healthy = false;
                println!(
                    "  ✗ {} on {}: passes the gate, but the database cannot plan it: {e}",
                    tool.spec.name, db.name
                );
            }
        }
    }
    if args.custom_tools_only {
        println!(
            "  ✓ --custom-tools-only: the model sees only these {} tool(s), not query",
            tools.len()
        );
    }
    healthy
}

async fn rows(db: &Database, sql: &str, limits: &Limits) -> Result<Vec<Vec<Value>>, String> {
    exec::run(db, sql, &[], limits, &CancellationToken::new())
        .await
        .map(|r| r.rows)
        .map_err(|e| e.to_string())
}

fn cell(rows: &[Vec<Value>], col: usize) -> String {
    match rows.first().and_then(|r| r.get(col)) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

fn truthy(rows: &[Vec<Value>], col: usize) -> bool {
    match rows.first().and_then(|r| r.get(col)) {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0) != 0,
        Some(Value::String(s)) => matches!(s.as_str(), "1" | "on" | "ON" | "true"),
        _ => false,
    }
}

/// The findings for one database, or why it could not be reached.
async fn check(
    db: &Database,
    url: &str,
    secrets: &Secrets,
    limits: &Limits,
) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    match db.engine {
        Engine::Postgres => {
            let v = rows(
                db,
                "SELECT version(), current_user, current_setting('transaction_read_only')",
                limits,
            )
            .await?;
            out.push(format!("✓ connected as {}: {}", cell(&v, 1), cell(&v, 0)));
            if cell(&v, 2) == "on" {
                out.push("✓ statements run in a read-only transaction (BEGIN READ ONLY, extended protocol)".into());
            } else {
                out.push("✗ the transaction is not read-only; report this as a bug".into());
            }
            let role = rows(
                db,
                "SELECT r.rolsuper, r.rolcreaterole, r.rolcreatedb, \
                 (SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                  WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' \
                  AND has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')), \
                 (SELECT count(*) FROM pg_catalog.pg_namespace n WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' AND has_schema_privilege(n.oid, 'CREATE')), \
                 pg_has_role(current_user, 'pg_read_server_files', 'MEMBER') OR pg_has_role(current_user, 'pg_write_server_files', 'MEMBER') OR pg_has_role(current_user, 'pg_execute_server_program', 'MEMBER') \
                 FROM pg_catalog.pg_roles r WHERE r.rolname = current_user",
                limits,
            )
            .await?;
            let mut warnings = Vec::new();
            if truthy(&role, 0) {
                warnings.push("the role is a SUPERUSER (it can read server files and bypass every permission)".to_string());
            }
            if truthy(&role, 1) || truthy(&role, 2) {
                warnings.push("the role may create roles or databases".to_string());
            }
            let writable = cell(&role, 3);
            if writable != "0" && !writable.is_empty() {
                warnings.push(format!(
                    "the role may INSERT/UPDATE/DELETE/TRUNCATE {writable} table(s)"
                ));
            }
            let schemas = cell(&role, 4);
            if schemas != "0" && !schemas.is_empty() {
                warnings.push(format!(
                    "the role may CREATE objects in {schemas} schema(s)"
                ));
            }
            if truthy(&role, 5) {
                warnings.push(
                    "the role may read/write server files or run programs (pg_*_server_* roles)"
                        .to_string(),
                );
            }
            push_warnings(&mut out, warnings);
        }
        Engine::MySql => {
            let v = rows(db, "SELECT VERSION(), CURRENT_USER()", limits).await?;
            out.push(format!("✓ connected as {}: {}", cell(&v, 1), cell(&v, 0)));
            let ro = match rows(db, "SELECT @@SESSION.transaction_read_only", limits).await {
                Ok(r) => r,
                Err(_) => rows(db, "SELECT @@SESSION.tx_read_only", limits).await?,
            };
            if truthy(&ro, 0) {
                out.push("✓ session and statements are read-only (SESSION TRANSACTION READ ONLY, START TRANSACTION READ ONLY, prepared statements)".into());
            } else {
                out.push("✗ the session is not read-only; report this as a bug".into());
            }
            let grants = rows(db, "SHOW GRANTS", limits).await?;
            let mut risky: Vec<String> = Vec::new();
            for g in &grants {
                let line = match g.first() {
                    Some(Value::String(s)) => s.to_ascii_uppercase(),
                    _ => continue,
                };
                let privileges = line
                    .strip_prefix("GRANT ")
                    .and_then(|l| l.split(" ON ").next())
                    .unwrap_or("");
                for p in privileges.split(',').map(str::trim) {
                    if p != "SELECT"
                        && p != "USAGE"
                        && p != "SHOW VIEW"
                        && p != "SHOW DATABASES"
                        && !p.is_empty()
                        && !risky.iter().any(|r| r == p)
                    {
                        risky.push(p.to_string());
                    }
                }
                if line.contains("WITH GRANT OPTION") && !risky.iter().any(|r| r == "GRANT OPTION")
                {
                    risky.push("GRANT OPTION".into());
                }
            }
            let warnings = if risky.is_empty() {
                Vec::new()
            } else {
                vec![format!(
                    "the account holds privileges beyond SELECT: {}",
                    risky.join(", ")
                )]
            };
            push_warnings(&mut out, warnings);
        }
        Engine::Sqlite => {
            let v = rows(db, "SELECT sqlite_version()", limits).await?;
            out.push(format!("✓ opened: SQLite {}", cell(&v, 0)));
            let q = rows(db, "PRAGMA query_only", limits).await?;
            if truthy(&q, 0) {
                out.push(
                    "✓ the file is opened read-only (SQLITE_OPEN_READONLY, PRAGMA query_only)"
                        .into(),
                );
            } else {
                out.push("✗ query_only is off; report this as a bug".into());
            }
            if let Ok(Target::Sqlite(o)) = dsn::target(url, secrets) {
                let path = o.get_filename();
                match std::fs::metadata(path) {
                    Ok(m) if !m.permissions().readonly() => out.push(format!(
                        "⚠ {} is writable by this OS user; sql-server never writes it, but `chmod a-w` adds a layer",
                        path.display()
                    )),
                    Ok(_) => out.push(format!("✓ {} is not writable by this OS user", path.display())),
                    Err(_) => {}
                }
            }
        }
    }
    Ok(out)
}

fn push_warnings(out: &mut Vec<String>, warnings: Vec<String>) {
    if warnings.is_empty() {
        out.push("✓ the role cannot write (least privilege)".into());
    }
    for w in warnings {
        out.push(format!("⚠ {w}"));
    }
}

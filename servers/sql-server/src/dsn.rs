//! Database URLs: which engine, the connect options that make each connection
//! read-only, and a redacted form that is safe to print.
//!
//! - SQLite is opened with `SQLITE_OPEN_READONLY` whatever the URL says (a `mode=rwc`
//!   is overridden), never created, with `PRAGMA query_only = ON` and
//!   `trusted_schema = OFF`.
//! - PostgreSQL sessions start with `default_transaction_read_only = on`,
//!   `standard_conforming_strings = on` (the gate's lexer assumes it) and an idle
//!   transaction timeout (a server-side safety net); each statement additionally runs
//!   in its own `BEGIN READ ONLY` transaction (see `db` and `exec`).
//! - MySQL/MariaDB sessions are made read-only after connecting (see `db`).
//!
//! Passwords are taken from the URL, or from `--password`/`--password-file` when the URL
//! has none; [`redact`] replaces them with `***` wherever a URL is shown.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use clap::ValueEnum;
use sqlx::ConnectOptions;
use sqlx::mysql::{MySqlConnectOptions, MySqlSslMode};
use sqlx::postgres::{PgConnectOptions, PgSslMode};
use sqlx::sqlite::SqliteConnectOptions;

use crate::engine::Engine;

/// Connect options for one database, by engine.
#[derive(Debug, Clone)]
pub enum Target {
    /// A SQLite file.
    Sqlite(SqliteConnectOptions),
    /// A PostgreSQL server.
    Postgres(PgConnectOptions),
    /// A MySQL or MariaDB server.
    MySql(MySqlConnectOptions),
}

impl Target {
    /// The engine this target is served by.
    pub fn engine(&self) -> Engine {
        match self {
            Target::Sqlite(_) => Engine::Sqlite,
            Target::Postgres(_) => Engine::Postgres,
            Target::MySql(_) => Engine::MySql,
        }
    }
}

/// TLS modes, named as in libpq.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SslMode {
    /// No TLS.
    Disable,
    /// TLS if the server offers it (no certificate check).
    Prefer,
    /// TLS or fail (no certificate check).
    Require,
    /// TLS, and the server certificate must chain to --ssl-ca (or the system roots).
    VerifyCa,
    /// As verify-ca, and the certificate must name the host.
    VerifyFull,
}

/// Settings that apply to every URL.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    /// The password, when not in the URL (`--password-file`).
    pub password: Option<String>,
    /// TLS mode for server connections (`--ssl-mode`).
    pub ssl_mode: Option<SslMode>,
    /// CA certificate to verify servers with (`--ssl-ca`).
    pub ssl_ca: Option<PathBuf>,
    /// How long an idle PostgreSQL transaction may stay open (safety net).
    pub idle_transaction: Option<Duration>,
}

/// The engine a URL names.
pub fn engine_of(url: &str) -> Result<Engine, String> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
        Ok(Engine::Postgres)
    } else if lower.starts_with("mysql://") || lower.starts_with("mariadb://") {
        Ok(Engine::MySql)
    } else if lower.starts_with("sqlite:") || lower.starts_with("file:") || !lower.contains("://") {
        Ok(Engine::Sqlite)
    } else {
        Err(format!(
            "unsupported database URL `{}`: use sqlite:PATH (or a file path), postgres://… or mysql://… (mariadb://…)",
            redact(url)
        ))
    }
}

/// Builds read-only connect options for `url`.
pub fn target(url: &str, secrets: &Secrets) -> Result<Target, String> {
    let bad = |e: sqlx::Error| format!("invalid database URL `{}`: {e}", redact(url));
    match engine_of(url)? {
        Engine::Sqlite => {
            let options = if url.to_ascii_lowercase().starts_with("sqlite:") {
                SqliteConnectOptions::from_str(url).map_err(bad)?
            } else {
                let path = url.strip_prefix("file:").unwrap_or(url);
                SqliteConnectOptions::new().filename(Path::new(path))
            };
            Ok(Target::Sqlite(
                options
                    .read_only(true)
                    .create_if_missing(false)
                    .pragma("query_only", "ON")
                    .pragma("trusted_schema", "OFF")
                    .disable_statement_logging(),
            ))
        }
        Engine::Postgres => {
            let mut options = PgConnectOptions::from_str(url).map_err(bad)?;
            if !url_has_password(url)
                && let Some(p) = &secrets.password
            {
                options = options.password(p);
            }
            if let Some(mode) = secrets.ssl_mode {
                options = options.ssl_mode(match mode {
                    SslMode::Disable => PgSslMode::Disable,
                    SslMode::Prefer => PgSslMode::Prefer,
                    SslMode::Require => PgSslMode::Require,
                    SslMode::VerifyCa => PgSslMode::VerifyCa,
                    SslMode::VerifyFull => PgSslMode::VerifyFull,
                });
            }
            if let Some(ca) = &secrets.ssl_ca {
                options = options.ssl_root_cert(ca);
            }
            // A stricter idle-transaction limit from the URL's `options` is kept.
            let user_set_idle = options
                .get_options()
                .is_some_and(|o| o.contains("idle_in_transaction_session_timeout"));
            let idle = secrets
                .idle_transaction
                .unwrap_or(Duration::from_secs(600))
                .as_millis()
                .to_string();
            let mut session = vec![
                ("default_transaction_read_only", "on"),
                ("standard_conforming_strings", "on"),
            ];
            if !user_set_idle {
                session.push(("idle_in_transaction_session_timeout", idle.as_str()));
            }
            Ok(Target::Postgres(
                options
                    .application_name("sql-server")
                    .options(session)
                    .disable_statement_logging(),
            ))
        }
        Engine::MySql => {
            let normalized = match url.get(..10) {
                Some(head) if head.eq_ignore_ascii_case("mariadb://") => {
                    format!("mysql://{}", &url[10..])
                }
                _ => url.to_string(),
            };
            let mut options = MySqlConnectOptions::from_str(&normalized).map_err(bad)?;
            if !url_has_password(url)
                && let Some(p) = &secrets.password
            {
                options = options.password(p);
            }
            if let Some(mode) = secrets.ssl_mode {
                options = options.ssl_mode(match mode {
                    SslMode::Disable => MySqlSslMode::Disabled,
                    SslMode::Prefer => MySqlSslMode::Preferred,
                    SslMode::Require => MySqlSslMode::Required,
                    SslMode::VerifyCa => MySqlSslMode::VerifyCa,
                    SslMode::VerifyFull => MySqlSslMode::VerifyIdentity,
                });
            }
            if let Some(ca) = &secrets.ssl_ca {
                options = options.ssl_ca(ca);
            }
            Ok(Target::MySql(
                options.pipes_as_concat(false).disable_statement_logging(),
            ))
        }
    }
}

fn url_has_password(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| {
        u.password().is_some_and(|p| !p.is_empty())
            || u.query_pairs()
                .any(|(k, _)| k.eq_ignore_ascii_case("password"))
    })
}

/// The URL with any password (in the user info or a `password=` parameter) replaced
/// by `***`. Text that does not parse as a URL keeps only what precedes `://` and what
/// follows the last `@`.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.has_host() => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            let pairs: Vec<(String, String)> = u
                .query_pairs()
                .map(|(k, v)| {
                    let secret = k.to_ascii_lowercase().contains("password");
                    (
                        k.into_owned(),
                        if secret { "***".into() } else { v.into_owned() },
                    )
                })
                .collect();
            if pairs.iter().any(|(_, v)| v == "***") {
                u.query_pairs_mut().clear().extend_pairs(pairs);
            }
            u.to_string()
        }
        _ => match (url.find("://"), url.rfind('@')) {
            (Some(scheme_end), Some(at)) if at > scheme_end => {
                format!("{}://***@{}", &url[..scheme_end], &url[at + 1..])
            }
            _ => url.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_follow_the_scheme() {
        assert_eq!(engine_of("postgres://a@b/c"), Ok(Engine::Postgres));
        assert_eq!(engine_of("postgresql://a@b/c"), Ok(Engine::Postgres));
        assert_eq!(engine_of("mysql://a@b/c"), Ok(Engine::MySql));
        assert_eq!(engine_of("mariadb://a@b/c"), Ok(Engine::MySql));
        assert_eq!(engine_of("sqlite:shop.db"), Ok(Engine::Sqlite));
        assert_eq!(engine_of("./shop.db"), Ok(Engine::Sqlite));
        assert!(engine_of("mssql://x").is_err());
    }

    #[test]
    fn passwords_never_survive_redaction() {
        let r = redact("postgres://bob:hunter2@db:5432/shop?sslmode=require");
        assert!(!r.contains("hunter2"), "{r}");
        assert!(r.contains("bob:***@db:5432/shop"), "{r}");
        let r = redact("mysql://bob@db/shop?password=hunter2");
        assert!(!r.contains("hunter2"), "{r}");
        let r = redact("weird://bob:hun ter2@db");
        assert!(!r.contains("hun ter2"), "{r}");
        assert_eq!(redact("sqlite:shop.db"), "sqlite:shop.db");
    }

    #[test]
    fn sqlite_is_forced_read_only() {
        let Target::Sqlite(o) = target("sqlite:x.db?mode=rwc", &Secrets::default()).unwrap() else {
            panic!("not sqlite");
        };
        let shown = format!("{o:?}");
        assert!(shown.contains("read_only: true"), "{shown}");
        assert!(shown.contains("create_if_missing: false"), "{shown}");
    }
}

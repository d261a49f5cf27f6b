//! sql-server's options: which databases, how to reach them, and the output bounds.
//!
//! Several databases go in as repeated `--database NAME=URL` (or `SQL_SERVER_DATABASES`
//! with commas, or `database = ["a=…", "b=…"]` in the TOML file); `--url`/`DATABASE_URL`
//! adds one named `default`. Passwords should not sit in URLs on the command line:
//! leave them out and set `SQL_SERVER_PASSWORD` or `--password-file`.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use shared::config::{CommonArgs, SOURCES_HELP};

pub use crate::dsn::SslMode;

/// Command-line options of sql-server (each also from its environment variable or the
/// TOML file given with --config).
#[derive(Parser, Debug, Clone)]
#[command(
    name = "sql-server",
    version,
    about = "MCP server for read-only SQL over SQLite, PostgreSQL and MySQL/MariaDB: one reading statement per call, enforced by the engine and by a SQL parser; bounded results; schema as resources.",
    after_help = SOURCES_HELP
)]
pub struct SqlArgs {
    /// The database to serve, named `default`. Examples: sqlite:./shop.db (or a plain
    /// path to a .db/.sqlite file), postgres://reader@localhost:5432/shop,
    /// mysql://reader@localhost:3306/shop (also mariadb://).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, value_name = "URL")]
    pub url: Option<String>,

    /// Another database as NAME=URL (repeatable); SQL_SERVER_DATABASES takes a
    /// comma-separated list. Tools choose one with their `database` argument.
    /// Example: --database analytics=postgres://reader@db/analytics
    #[arg(
        long = "database",
        env = "SQL_SERVER_DATABASES",
        value_delimiter = ',',
        hide_env_values = true,
        value_name = "NAME=URL"
    )]
    pub databases: Vec<String>,

    /// Password for URLs that carry none. Prefer the environment variable (or
    /// --password-file) so it stays out of process listings.
    #[arg(
        long,
        env = "SQL_SERVER_PASSWORD",
        hide_env_values = true,
        value_name = "PASSWORD"
    )]
    pub password: Option<String>,

    /// File whose first line is the password for URLs that carry none.
    #[arg(long, env = "SQL_SERVER_PASSWORD_FILE", value_name = "FILE")]
    pub password_file: Option<PathBuf>,

    /// TLS for PostgreSQL and MySQL/MariaDB connections. Default: what the URL says
    /// (sslmode=…/ssl-mode=…), else prefer TLS when the server offers it.
    #[arg(long, env = "SQL_SERVER_SSL_MODE", value_enum, value_name = "MODE")]
    pub ssl_mode: Option<SslMode>,

    /// PEM file with the CA certificate(s) to verify the database server against
    /// (with --ssl-mode verify-ca or verify-full).
    #[arg(long, env = "SQL_SERVER_SSL_CA", value_name = "FILE")]
    pub ssl_ca: Option<PathBuf>,

    /// Most rows a query returns; more are cut and reported as truncated. A call may ask
    /// for fewer.
    #[arg(
        long,
        env = "SQL_SERVER_MAX_ROWS",
        default_value_t = 1000,
        value_name = "N"
    )]
    pub max_rows: usize,

    /// Most bytes of row data (as JSON) a query returns; rows past it are cut and
    /// reported as truncated.
    #[arg(long, env = "SQL_SERVER_MAX_RESULT_BYTES", default_value_t = 256 * 1024, value_name = "BYTES")]
    pub max_result_bytes: usize,

    /// Seconds a statement may run before the database server stops it. A call may
    /// ask for less.
    #[arg(
        long,
        env = "SQL_SERVER_QUERY_TIMEOUT",
        default_value_t = 30,
        value_name = "SECONDS"
    )]
    pub query_timeout: u64,

    /// Seconds to wait for a connection (also how long a call waits for an unreachable
    /// database before it reports it).
    #[arg(
        long,
        env = "SQL_SERVER_CONNECT_TIMEOUT",
        default_value_t = 5,
        value_name = "SECONDS"
    )]
    pub connect_timeout: u64,

    /// Most open connections per database.
    #[arg(
        long,
        env = "SQL_SERVER_POOL_SIZE",
        default_value_t = 4,
        value_name = "N"
    )]
    pub pool_size: u32,

    /// TOML file of operator-defined tools (`[[tools]]` entries: name, description,
    /// one SQL statement with `:name` parameters and their JSON types, database,
    /// optional max_rows), each served as a tool of its own. Every statement must pass
    /// the read-only gate, or the server does not start. See configs/sql-server-tools.toml.
    #[arg(long, env = "SQL_SERVER_TOOLS_FILE", value_name = "FILE")]
    pub tools_file: Option<PathBuf>,

    /// List only the operator-defined tools (from --tools-file): free `query`,
    /// `explain` and the catalog tools are hidden, so the model runs only the
    /// documented statements.
    #[arg(long, env = "SQL_SERVER_CUSTOM_TOOLS_ONLY")]
    pub custom_tools_only: bool,

    /// Reach PostgreSQL and MySQL/MariaDB databases through an SSH tunnel via this
    /// bastion, as USER@HOST[:PORT]; database URLs name the host as the bastion sees it.
    /// Example: --ssh-tunnel deploy@bastion.example.com:22
    #[arg(long, env = "SQL_SERVER_SSH_TUNNEL", value_name = "USER@HOST[:PORT]")]
    pub ssh_tunnel: Option<String>,

    /// Private key file for the SSH tunnel (an encrypted one takes its passphrase from
    /// SQL_SERVER_SSH_KEY_PASSPHRASE). Default: the keys of the running ssh-agent.
    #[arg(long, env = "SQL_SERVER_SSH_KEY", value_name = "FILE")]
    pub ssh_key: Option<PathBuf>,

    /// known_hosts file the bastion's host key is checked against (default
    /// ~/.ssh/known_hosts). A changed key is always refused.
    #[arg(long, env = "SQL_SERVER_SSH_KNOWN_HOSTS", value_name = "FILE")]
    pub ssh_known_hosts: Option<PathBuf>,

    /// Accept a bastion whose host key is not in known_hosts (not recommended; check
    /// the fingerprint and add it to known_hosts instead).
    #[arg(long, env = "SQL_SERVER_SSH_ACCEPT_UNKNOWN_HOST")]
    pub ssh_accept_unknown_host: bool,

    #[command(flatten)]
    /// The options every server shares (transport, logging, authentication).
    pub common: CommonArgs,
}

/// Bounds every call works within.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most rows a result returns.
    pub max_rows: usize,
    /// Most bytes of JSON a result returns.
    pub max_bytes: usize,
    /// How long a statement may run before the server stops it.
    pub timeout: Duration,
}

impl SqlArgs {
    /// The output bounds and timeout from the flags.
    pub fn limits(&self) -> Limits {
        Limits {
            max_rows: self.max_rows.max(1),
            max_bytes: self.max_result_bytes.max(1024),
            timeout: Duration::from_secs(self.query_timeout.max(1)),
        }
    }

    /// Every configured database as (name, url), `--url` first as `default`.
    pub fn database_specs(&self) -> Result<Vec<(String, String)>, String> {
        let mut specs: Vec<(String, String)> = Vec::new();
        if let Some(url) = self.url.as_deref().filter(|u| !u.trim().is_empty()) {
            specs.push(("default".into(), url.trim().to_string()));
        }
        for spec in &self.databases {
            let Some((name, url)) = spec.split_once('=') else {
                return Err(format!(
                    "--database expects NAME=URL, e.g. analytics=postgres://reader@db/analytics; got `{}`",
                    crate::dsn::redact(spec)
                ));
            };
            let name = name.trim();
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(format!(
                    "database name `{name}` must be letters, digits, `_` or `-`"
                ));
            }
            if specs.iter().any(|(n, _)| n == name) {
                return Err(format!("database name `{name}` is given twice"));
            }
            specs.push((name.to_string(), url.trim().to_string()));
        }
        Ok(specs)
    }

    /// The password for URLs without one: the flag/env value, else the file's first line.
    pub fn password(&self) -> Result<Option<String>, String> {
        if let Some(p) = &self.password {
            return Ok(Some(p.clone()));
        }
        let Some(path) = &self.password_file else {
            return Ok(None);
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read --password-file {}: {e}", path.display()))?;
        Ok(Some(
            text.lines()
                .next()
                .unwrap_or_default()
                .trim_end()
                .to_string(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::config::try_parse_from;

    fn args(argv: &[&str]) -> SqlArgs {
        let mut full = vec!["sql-server"];
        full.extend_from_slice(argv);
        try_parse_from::<SqlArgs>(full).unwrap().args
    }

    #[test]
    fn url_and_named_databases_are_collected_in_order() {
        let a = args(&[
            "--url",
            "sqlite:a.db",
            "--database",
            "pg=postgres://u@h/db",
            "--database",
            "my=mysql://u@h/db",
        ]);
        let specs = a.database_specs().unwrap();
        assert_eq!(
            specs.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
            ["default", "pg", "my"]
        );
        assert_eq!(specs[1].1, "postgres://u@h/db");
    }

    #[test]
    fn malformed_specs_are_refused_without_echoing_passwords() {
        let a = args(&["--database", "postgres://u:hunter2@h/db"]);
        let err = a.database_specs().unwrap_err();
        assert!(err.contains("NAME=URL"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        let dup = args(&["--database", "a=sqlite:x", "--database", "a=sqlite:y"]);
        assert!(dup.database_specs().unwrap_err().contains("twice"));
    }

    #[test]
    fn password_file_first_line_is_used() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, b"s3cret\nignored\n").unwrap();
        let a = args(&["--password-file", f.path().to_str().unwrap()]);
        assert_eq!(a.password().unwrap().as_deref(), Some("s3cret"));
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let a = args(&[]);
        let l = a.limits();
        assert_eq!(l.max_rows, 1000);
        assert_eq!(l.timeout, Duration::from_secs(30));
    }
}

//! Configuration: flags > environment variables > TOML file (`--config`) > defaults.
//!
//! Each server declares its options as a clap `Parser` that flattens [`CommonArgs`];
//! every option carries `env = "..."` so clap reads the environment with the same
//! validation as the flag. The optional TOML file fills in only the options that
//! neither a flag nor an environment variable set: [`parse`] re-runs clap with the
//! file's values appended as flags, so a bad value in the file is rejected by the
//! same parser, naming the key and what was expected.
//!
//! Options that name one setting in several ways (fs-server's positional roots and
//! `--root`) join an `ArgGroup` whose id starts with [`ONE_SETTING`] (`"one:roots"`);
//! such a group follows the precedence as a whole: when any member is given on the
//! command line, the environment and the file are not read for the others, and the
//! file is not read when the environment set one, so sources are never merged.
//!
//! The subcommands `doctor` and `healthcheck` ([`Command`]) take the same options as
//! serving, before or after the subcommand's name, and are listed by `--help`.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::{ArgAction, Parser};

use crate::logging::LogFormat;

/// Text servers append to `--help`: where options come from.
pub const SOURCES_HELP: &str = "Every option can also come from its environment variable or from a TOML file given with --config (keys are the long option names, e.g. log_format = \"json\"). Precedence: flags > environment > file > defaults.\nExamples: `SERVER doctor --config my.toml` checks a configuration; `SERVER healthcheck` probes a server started with MCP_HTTP=IP:PORT.";

/// Prefix of the ids of argument groups that are one setting (see the module doc).
pub const ONE_SETTING: &str = "one:";

/// Options every server shares: transport, HTTP protections, logging, config file.
#[derive(clap::Args, Debug, Clone)]
pub struct CommonArgs {
    /// Serve MCP over streamable HTTP on this address (endpoint /mcp, plus /healthz and
    /// /metrics) instead of stdio. Example: 127.0.0.1:8080. A non-loopback address
    /// requires --auth-token.
    #[arg(long, env = "MCP_HTTP", value_name = "IP:PORT")]
    pub http: Option<SocketAddr>,

    /// Bearer token HTTP clients must send (`Authorization: Bearer TOKEN`). Prefer the
    /// environment variable over the flag so the token stays out of process listings.
    #[arg(
        long,
        env = "MCP_AUTH_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub auth_token: Option<String>,

    /// OAuth 2.1 sign-in over HTTP: the authorization server's issuer URL (its metadata
    /// is found by RFC 8414 or OpenID discovery). Each request then needs an access
    /// token that server issued for --public-url. Example: https://auth.example.com
    #[arg(
        long,
        env = "MCP_OAUTH_ISSUER",
        value_name = "URL",
        requires = "public_url"
    )]
    pub oauth_issuer: Option<String>,

    /// This server's public MCP endpoint URL, as clients reach it: the resource access
    /// tokens must name in `aud` (RFC 8707). Example: https://mcp.example.com/mcp
    #[arg(
        long,
        env = "MCP_PUBLIC_URL",
        value_name = "URL",
        requires = "oauth_issuer"
    )]
    pub public_url: Option<String>,

    /// The scope an access token needs to use this server at all.
    #[arg(
        long,
        env = "MCP_OAUTH_READ_SCOPE",
        default_value = "mcp:read",
        value_name = "SCOPE"
    )]
    pub oauth_read_scope: String,

    /// The scope an access token needs to call tools that change things (without it,
    /// tools/list hides them and calling one gets 403 insufficient_scope).
    #[arg(
        long,
        env = "MCP_OAUTH_WRITE_SCOPE",
        default_value = "mcp:write",
        value_name = "SCOPE"
    )]
    pub oauth_write_scope: String,

    /// Least seconds between two fetches of the issuer's signing keys caused by tokens
    /// naming an unknown key id (rotated keys are picked up after at most this).
    #[arg(
        long,
        env = "MCP_OAUTH_JWKS_COOLDOWN",
        default_value_t = 30,
        value_name = "SECONDS"
    )]
    pub oauth_jwks_cooldown: u64,

    /// Clock skew allowed when checking a token's `exp` and `nbf`.
    #[arg(
        long,
        env = "MCP_OAUTH_LEEWAY",
        default_value_t = 60,
        value_name = "SECONDS"
    )]
    pub oauth_leeway: u64,

    /// Check opaque (non-JWT) access tokens with this RFC 7662 introspection endpoint
    /// (default: the issuer's `introspection_endpoint`, when --oauth-client-id is set).
    #[arg(long, env = "MCP_OAUTH_INTROSPECTION_URL", value_name = "URL")]
    pub oauth_introspection_url: Option<String>,

    /// This server's client id at the authorization server, for token introspection;
    /// the secret comes from MCP_OAUTH_CLIENT_SECRET.
    #[arg(long, env = "MCP_OAUTH_CLIENT_ID", value_name = "ID")]
    pub oauth_client_id: Option<String>,

    /// The client secret for token introspection (prefer the environment variable).
    #[arg(
        long,
        env = "MCP_OAUTH_CLIENT_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub oauth_client_secret: Option<String>,

    /// Browser origin allowed to call the HTTP endpoint (repeatable). Requests whose
    /// Origin header is not listed get 403. Default: http://localhost:*,
    /// http://127.0.0.1:*, http://[::1]:*. Example: https://app.example.com:443
    #[arg(
        long = "allowed-origin",
        env = "MCP_ALLOWED_ORIGINS",
        value_delimiter = ',',
        value_name = "ORIGIN"
    )]
    pub allowed_origins: Vec<String>,

    /// Extra Host header value to accept (repeatable), e.g. the DNS name a non-loopback
    /// bind is reached by. localhost, 127.0.0.1 and ::1 are always accepted.
    #[arg(
        long = "allowed-host",
        env = "MCP_ALLOWED_HOSTS",
        value_delimiter = ',',
        value_name = "HOST"
    )]
    pub allowed_hosts: Vec<String>,

    /// Largest request accepted, in bytes: an HTTP body (larger ones get 413) or one
    /// stdio message (a larger one is skipped unread and answered with -32600). Bounds,
    /// e.g., the biggest file write_file can receive.
    #[arg(long, env = "MCP_MAX_BODY_BYTES", default_value_t = 16 * 1024 * 1024, value_name = "BYTES")]
    pub max_body_bytes: usize,

    /// HTTP requests per second allowed per client address, checked before the token
    /// (0 turns the limit off). Over it a client gets 429 with Retry-After.
    #[arg(
        long,
        env = "MCP_RATE_LIMIT",
        default_value_t = 50,
        value_name = "PER_SECOND"
    )]
    pub rate_limit: u32,

    /// Burst of HTTP requests a client may make above --rate-limit.
    #[arg(
        long,
        env = "MCP_RATE_BURST",
        default_value_t = 100,
        value_name = "REQUESTS"
    )]
    pub rate_burst: u32,

    /// Seconds an idle HTTP session is kept before it is dropped.
    #[arg(
        long,
        env = "MCP_SESSION_IDLE_TIMEOUT",
        default_value_t = 300,
        value_name = "SECONDS"
    )]
    pub session_idle_timeout: u64,

    /// Most live HTTP sessions (clients of protocol 2025-11-25 and older, which
    /// `initialize`). When full, the least recently used idle session is closed to make
    /// room; when every session is busy, a new one gets 503 with Retry-After.
    #[arg(
        long,
        env = "MCP_MAX_SESSIONS",
        default_value_t = 1000,
        value_name = "SESSIONS"
    )]
    pub max_sessions: usize,

    /// Most HTTP sessions kept live in memory (about 45 KB each); past it the least
    /// recently used idle session is hibernated (about 1 KB) and restored invisibly on
    /// its next request.
    #[arg(
        long,
        env = "MCP_LIVE_SESSIONS",
        default_value_t = 256,
        value_name = "SESSIONS"
    )]
    pub live_sessions: usize,

    /// Most HTTP connections held at once (also kept below the file-descriptor limit).
    /// When full, the oldest connection with nothing in flight is closed to make room;
    /// when all are busy, a new connection gets an immediate 503.
    #[arg(
        long,
        env = "MCP_MAX_CONNECTIONS",
        default_value_t = 1024,
        value_name = "CONNECTIONS"
    )]
    pub max_connections: usize,

    /// Seconds an HTTP client has to send a request's headers before its connection is
    /// closed (defends against slow, half-open connections).
    #[arg(
        long,
        env = "MCP_HEADER_READ_TIMEOUT",
        default_value_t = 10,
        value_name = "SECONDS"
    )]
    pub header_read_timeout: u64,

    /// Seconds a keep-alive HTTP connection may sit with no request before it is closed.
    #[arg(
        long,
        env = "MCP_IDLE_CONNECTION_TIMEOUT",
        default_value_t = 60,
        value_name = "SECONDS"
    )]
    pub idle_connection_timeout: u64,

    /// Failed authentications allowed per client address per minute (when a token is
    /// set); past it the address gets 429 with Retry-After, whatever token it sends,
    /// until its allowance refills. 0 turns the throttle off.
    #[arg(
        long,
        env = "MCP_AUTH_FAILURES_PER_MINUTE",
        default_value_t = 10,
        value_name = "FAILURES"
    )]
    pub auth_failures_per_minute: u32,

    /// Seconds to let in-flight HTTP requests finish after SIGTERM/SIGINT; requests
    /// still running after it are answered with a JSON-RPC error.
    #[arg(
        long,
        env = "MCP_SHUTDOWN_GRACE",
        default_value_t = 10,
        value_name = "SECONDS"
    )]
    pub shutdown_grace: u64,

    /// Redis shared by the replicas of this server behind a load balancer:
    /// 2025-11-25 sessions (restored on any replica), the upstream API rate limit
    /// (one budget across replicas), the upstream response cache, and the per-client
    /// HTTP limits. When Redis is unreachable each replica falls back to its local
    /// limits and cache, and goes back when it answers. Example:
    /// redis://127.0.0.1:6379 (with a password: redis://:PASSWORD@HOST:6379).
    #[arg(
        long,
        env = "MCP_REDIS_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub redis_url: Option<String>,

    /// Prefix of every Redis key this server writes; replicas that share state use
    /// the same one, separate deployments on one Redis use different ones.
    #[arg(
        long,
        env = "MCP_REDIS_PREFIX",
        default_value = "mcp",
        value_name = "PREFIX"
    )]
    pub redis_prefix: String,

    /// Load balancers or proxies in front of this server, by IP address (repeat the
    /// flag, or comma-separate in the environment variable). A request from one of
    /// them is counted against the client address in its X-Forwarded-For header (the
    /// right-most address that is not itself a trusted proxy) for the per-client rate
    /// limit and failed-authentication throttle; from anyone else that header is
    /// ignored. Example: --trusted-proxy 127.0.0.1
    #[arg(
        long = "trusted-proxy",
        env = "MCP_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_name = "IP"
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,

    /// Log line format on stderr. The filter comes from RUST_LOG (default info).
    #[arg(long, env = "MCP_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// TOML file with default values for any option (keys are option names, e.g.
    /// `rate_limit = 10`). Flags and environment variables override it.
    #[arg(long, env = "MCP_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// What the invocation asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Run the MCP server.
    Serve,
    /// Check configuration and environment, report, exit.
    Doctor,
    /// Probe a running HTTP server's `/healthz`, exit 0 when healthy.
    Healthcheck,
}

/// The subcommands: each one's name on the command line and its line in `--help`.
const SUBCOMMANDS: [(Command, &str, &str); 2] = [
    (
        Command::Doctor,
        "doctor",
        "Check this configuration and environment, print what is wrong and how to fix it, and exit (0 healthy, 1 otherwise). Takes the same options as serving.",
    ),
    (
        Command::Healthcheck,
        "healthcheck",
        "Probe GET /healthz of a server of this machine running with --http (or MCP_HTTP) and exit 0 when it answers 200; for container health checks. Takes the same options as serving.",
    ),
];

/// Parsed command line: the command and the server's options.
#[derive(Debug)]
pub struct Invocation<T> {
    /// What the invocation asks for (serve, doctor, healthcheck).
    pub command: Command,
    /// The parsed options.
    pub args: T,
}

/// Why configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A flag, environment variable or file value clap refused.
    #[error(transparent)]
    Clap(#[from] clap::Error),
    /// The `--config` file could not be read or parsed.
    #[error("config file {path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
}

/// Parses the process arguments, environment and config file; on error prints the
/// message (naming the key and what was expected) and exits non-zero.
pub fn parse<T: Parser>() -> Invocation<T> {
    match try_parse_from::<T>(std::env::args_os()) {
        Ok(invocation) => invocation,
        Err(ConfigError::Clap(e)) => e.exit(),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    }
}

/// [`parse`] without exiting, from explicit arguments (the first is the program name).
pub fn try_parse_from<T: Parser>(
    argv: impl IntoIterator<Item = impl Into<OsString>>,
) -> Result<Invocation<T>, ConfigError> {
    let argv: Vec<OsString> = argv.into_iter().map(Into::into).collect();
    let (command, argv) = split_subcommand(T::command(), argv)?;
    let mut cmd = T::command();
    // A built copy: only after building do groups list the arguments that joined them.
    let mut built = cmd.clone();
    built.build();
    let matches = cmd.clone().try_get_matches_from(&argv)?;
    let settled = settled_groups(&built, &matches);
    for (group, from_command_line) in &settled {
        if *from_command_line {
            for member in group_members(&built, group) {
                cmd = cmd.mut_arg(member, |a| a.env(None));
            }
        }
    }
    let table = match matches.get_one::<PathBuf>("config") {
        Some(path) => Some((path.clone(), read_table(path)?)),
        None => None,
    };
    let Some((path, table)) = table else {
        let matches = cmd.try_get_matches_from(&argv)?;
        return Ok(Invocation {
            command,
            args: T::from_arg_matches(&matches)?,
        });
    };
    let mut from_file = Vec::new();
    let mut positional = Vec::new();
    for (key, value) in &table {
        if is_server_section(&cmd, key, value) {
            continue;
        }
        let id = key.replace('-', "_");
        let Some(arg) = cmd.get_arguments().find(|a| key_names(a).contains(&id)) else {
            let known: Vec<String> = cmd
                .get_arguments()
                .filter(|a| a.get_id() != "help" && a.get_id() != "config")
                .map(|a| key_names(a).swap_remove(0))
                .collect();
            return Err(file_error(
                &path,
                format!("unknown key `{key}`; expected one of: {}", known.join(", ")),
            ));
        };
        let set_elsewhere = is_set(&matches, arg.get_id().as_str())
            || groups_of(&built, arg.get_id().as_str()).any(|g| settled.contains_key(&g));
        if set_elsewhere {
            continue;
        }
        let values = toml_values(&path, key, value)?;
        match arg.get_long() {
            None => positional.extend(values),
            Some(long) if matches!(arg.get_action(), ArgAction::SetTrue) => {
                if values.iter().any(|v| v == "true") {
                    from_file.push(format!("--{long}"));
                }
            }
            Some(long) => from_file.extend(values.iter().map(|v| format!("--{long}={v}"))),
        }
    }
    let mut merged: Vec<OsString> = argv[..1].to_vec();
    merged.extend(from_file.into_iter().map(OsString::from));
    merged.extend(argv[1..].iter().cloned());
    if !positional.is_empty() {
        merged.push("--".into());
        merged.extend(positional.into_iter().map(OsString::from));
    }
    let matches = cmd.try_get_matches_from(&merged).map_err(|e| {
        let message = e.render().to_string();
        file_error(
            &path,
            format!("{}\n(values may come from this file)", message.trim_end()),
        )
    })?;
    Ok(Invocation {
        command,
        args: T::from_arg_matches(&matches)?,
    })
}

/// Finds the subcommand in `argv` (clap decides, with the server's options allowed
/// before and after it) and returns it with `argv` minus the subcommand's name, to be
/// parsed as the server's options.
fn split_subcommand(
    base: clap::Command,
    mut argv: Vec<OsString>,
) -> Result<(Command, Vec<OsString>), ConfigError> {
    let with_subcommands = with_subcommands(base);
    let matches = with_subcommands.clone().try_get_matches_from(&argv)?;
    let Some((name, _)) = matches.subcommand() else {
        return Ok((Command::Serve, argv));
    };
    let command = SUBCOMMANDS
        .into_iter()
        .find(|(_, sub, _)| *sub == name)
        .map_or(Command::Serve, |(command, _, _)| command);
    // The subcommand is the first token with its name that clap reads as one (not,
    // say, the value of an option before it).
    let position = (1..argv.len()).find(|&i| {
        argv[i] == name
            && with_subcommands
                .clone()
                .try_get_matches_from(&argv[..=i])
                .is_ok_and(|m| m.subcommand_name() == Some(name))
    });
    if let Some(i) = position {
        argv.remove(i);
    }
    Ok((command, argv))
}

/// The server's command with `doctor` and `healthcheck` added, each taking every
/// option of the server, so `--help` lists them and options may follow them.
fn with_subcommands(base: clap::Command) -> clap::Command {
    let args: Vec<clap::Arg> = base.get_arguments().cloned().collect();
    let groups: Vec<clap::ArgGroup> = base.get_groups().cloned().collect();
    SUBCOMMANDS.into_iter().fold(
        base.subcommand_precedence_over_arg(true),
        |cmd, (_, name, about)| {
            cmd.subcommand(
                clap::Command::new(name)
                    .about(about)
                    .args(args.clone())
                    .groups(groups.clone()),
            )
        },
    )
}

/// Whether the option `id` was given as a flag or by its environment variable.
fn is_set(matches: &clap::ArgMatches, id: &str) -> bool {
    matches!(
        matches.value_source(id),
        Some(ValueSource::CommandLine | ValueSource::EnvVariable)
    )
}

/// The one-setting argument groups some member of which was set by a flag or the environment,
/// each with whether it was the command line (which then outranks the environment for
/// every member).
fn settled_groups(
    cmd: &clap::Command,
    matches: &clap::ArgMatches,
) -> std::collections::HashMap<String, bool> {
    let mut settled = std::collections::HashMap::new();
    for group in cmd.get_groups() {
        let name = group.get_id().as_str().to_string();
        if !name.starts_with(ONE_SETTING) {
            continue;
        }
        for member in group_members(cmd, &name) {
            match matches.value_source(&member) {
                Some(ValueSource::CommandLine) => {
                    settled.insert(name.clone(), true);
                }
                Some(ValueSource::EnvVariable) => {
                    settled.entry(name.clone()).or_insert(false);
                }
                _ => {}
            }
        }
    }
    settled
}

/// The ids of the arguments in group `name`.
fn group_members(cmd: &clap::Command, name: &str) -> Vec<String> {
    cmd.get_groups()
        .filter(|g| g.get_id() == name)
        .flat_map(|g| g.get_args().map(|a| a.as_str().to_string()))
        .collect()
}

/// The names of the one-setting groups argument `id` belongs to.
fn groups_of<'a>(cmd: &'a clap::Command, id: &'a str) -> impl Iterator<Item = String> + 'a {
    cmd.get_groups()
        .filter(move |g| g.get_id().as_str().starts_with(ONE_SETTING))
        .filter(move |g| g.get_args().any(|a| a == id))
        .map(|g| g.get_id().as_str().to_string())
}

/// Whether `key` is a list of tables the server reads from the file itself rather
/// than an option: `[[tools]]` in a server with `--tools-file` (sql-server's
/// operator-defined tools), so one file can hold both the options and the tools.
fn is_server_section(cmd: &clap::Command, key: &str, value: &toml::Value) -> bool {
    key == "tools"
        && matches!(value, toml::Value::Array(items) if items.iter().all(toml::Value::is_table))
        && cmd.get_arguments().any(|a| a.get_id() == "tools_file")
}

/// The TOML keys that name `arg`: its long option name (preferred) and its id, with `_` for `-`.
fn key_names(arg: &clap::Arg) -> Vec<String> {
    let mut names: Vec<String> = arg
        .get_long()
        .map(|l| l.replace('-', "_"))
        .into_iter()
        .collect();
    names.push(arg.get_id().as_str().replace('-', "_"));
    names
}

fn read_table(path: &Path) -> Result<toml::Table, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| file_error(path, format!("cannot read it: {e}")))?;
    text.parse::<toml::Table>()
        .map_err(|e| file_error(path, format!("not valid TOML: {e}")))
}

/// Flattens one TOML value into the strings clap would have seen on the command line.
fn toml_values(path: &Path, key: &str, value: &toml::Value) -> Result<Vec<String>, ConfigError> {
    match value {
        toml::Value::String(s) => Ok(vec![s.clone()]),
        toml::Value::Integer(i) => Ok(vec![i.to_string()]),
        toml::Value::Float(f) => Ok(vec![f.to_string()]),
        toml::Value::Boolean(b) => Ok(vec![b.to_string()]),
        toml::Value::Array(items) => items
            .iter()
            .map(|item| match item {
                toml::Value::Array(_) | toml::Value::Table(_) => Err(file_error(
                    path,
                    format!("key `{key}`: expected a list of strings or numbers"),
                )),
                other => toml_values(path, key, other).map(|mut v| v.remove(0)),
            })
            .collect(),
        other => Err(file_error(
            path,
            format!(
                "key `{key}`: expected a string, number, boolean or list, found a {}",
                other.type_str()
            ),
        )),
    }
}

fn file_error(path: &Path, message: String) -> ConfigError {
    ConfigError::File {
        path: path.to_path_buf(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[derive(Parser, Debug)]
    #[command(group(clap::ArgGroup::new("one:roots").multiple(true)))]
    struct Demo {
        #[command(flatten)]
        common: CommonArgs,
        /// Positional roots.
        #[arg(group = "one:roots")]
        paths: Vec<PathBuf>,
        /// Roots.
        #[arg(long = "root", env = "DEMO_TEST_ROOTS", group = "one:roots")]
        roots: Vec<PathBuf>,
        #[arg(long)]
        allow_write: bool,
    }

    fn file(contents: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(contents.as_bytes()).unwrap();
        f
    }

    #[test]
    fn defaults_apply_without_file() {
        let inv = try_parse_from::<Demo>(["x"]).unwrap();
        assert_eq!(inv.command, Command::Serve);
        assert_eq!(inv.args.common.rate_limit, 50);
        assert!(!inv.args.allow_write);
    }

    #[test]
    fn file_fills_in_defaults_but_flags_win() {
        let f =
            file("rate_limit = 7\nrate-burst = 9\nallow_write = true\nroot = [\"/a\", \"/b\"]\n");
        let path = f.path().to_str().unwrap();
        let inv = try_parse_from::<Demo>(["x", "--config", path, "--rate-limit", "3"]).unwrap();
        assert_eq!(inv.args.common.rate_limit, 3, "flag beats file");
        assert_eq!(inv.args.common.rate_burst, 9, "file beats default");
        assert!(inv.args.allow_write);
        assert_eq!(
            inv.args.roots,
            vec![PathBuf::from("/a"), PathBuf::from("/b")]
        );
    }

    #[test]
    fn bad_value_in_file_names_the_key() {
        let f = file("rate_limit = \"fast\"\n");
        let err = try_parse_from::<Demo>(["x", "--config", f.path().to_str().unwrap()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("--rate-limit"), "{err}");
        assert!(err.contains("fast"), "{err}");
    }

    #[test]
    fn unknown_key_is_refused_with_the_known_ones() {
        let f = file("rate_limt = 1\n");
        let err = try_parse_from::<Demo>(["x", "--config", f.path().to_str().unwrap()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown key `rate_limt`"), "{err}");
        assert!(err.contains("rate_limit"), "{err}");
    }

    #[test]
    fn a_tools_section_is_left_to_servers_that_read_one() {
        #[derive(Parser, Debug)]
        struct WithTools {
            #[command(flatten)]
            common: CommonArgs,
            #[arg(long)]
            tools_file: Option<PathBuf>,
        }
        let f = file("rate_limit = 7\n[[tools]]\nname = \"t\"\n");
        let path = f.path().to_str().unwrap();
        let inv = try_parse_from::<WithTools>(["x", "--config", path]).unwrap();
        assert_eq!(inv.args.common.rate_limit, 7);
        let err = try_parse_from::<Demo>(["x", "--config", path])
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown key `tools`"), "{err}");
    }

    #[test]
    fn doctor_is_a_command_that_keeps_the_options() {
        let inv = try_parse_from::<Demo>(["x", "doctor", "--rate-limit", "4"]).unwrap();
        assert_eq!(inv.command, Command::Doctor);
        assert_eq!(inv.args.common.rate_limit, 4);
    }

    #[test]
    fn subcommands_take_options_before_and_after_their_name() {
        let inv =
            try_parse_from::<Demo>(["x", "--root", "/data", "doctor", "/more", "--rate-limit=4"])
                .unwrap();
        assert_eq!(inv.command, Command::Doctor);
        assert_eq!(inv.args.roots, vec![PathBuf::from("/data")]);
        assert_eq!(inv.args.paths, vec![PathBuf::from("/more")]);
        assert_eq!(inv.args.common.rate_limit, 4);

        let inv = try_parse_from::<Demo>(["x", "/data", "healthcheck"]).unwrap();
        assert_eq!(inv.command, Command::Healthcheck);
        assert_eq!(inv.args.paths, vec![PathBuf::from("/data")]);

        let inv = try_parse_from::<Demo>(["x", "/a", "/b"]).unwrap();
        assert_eq!(inv.command, Command::Serve);
        assert_eq!(inv.args.paths.len(), 2);
    }

    #[test]
    fn help_lists_the_subcommands() {
        let err = try_parse_from::<Demo>(["x", "--help"]).unwrap_err();
        let help = err.to_string();
        assert!(help.contains("doctor"), "{help}");
        assert!(help.contains("healthcheck"), "{help}");
        let err = try_parse_from::<Demo>(["x", "doctor", "--help"]).unwrap_err();
        assert!(err.to_string().contains("--rate-limit"), "{err}");
    }

    #[test]
    fn a_group_given_on_the_command_line_ignores_the_file() {
        let f = file("root = [\"/from-file\"]\n");
        let path = f.path().to_str().unwrap();
        let inv = try_parse_from::<Demo>(["x", "--config", path]).unwrap();
        assert_eq!(inv.args.roots, vec![PathBuf::from("/from-file")]);
        let inv = try_parse_from::<Demo>(["x", "--config", path, "/cli"]).unwrap();
        assert_eq!(inv.args.paths, vec![PathBuf::from("/cli")]);
        assert!(inv.args.roots.is_empty());
    }

    #[test]
    fn bad_flag_value_names_the_flag() {
        let err = try_parse_from::<Demo>(["x", "--http", "nowhere"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("--http"), "{err}");
    }
}

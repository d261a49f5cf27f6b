//! SSH tunnels to databases behind a bastion (`--ssh-tunnel user@host[:port]`), with
//! russh.
//!
//! At start, sql-server opens one SSH session to the bastion, checks its host key
//! against `known_hosts` (`--ssh-known-hosts`, default `~/.ssh/known_hosts`): a key that
//! differs from the recorded one is always refused; an unknown host is refused unless
//! the operator opts in with `--ssh-accept-unknown-host`. It authenticates with a
//! private key file (`--ssh-key`; an encrypted key's passphrase from
//! `SQL_SERVER_SSH_KEY_PASSPHRASE`) or, without one, with the keys of the running
//! ssh-agent (`SSH_AUTH_SOCK`). Then every PostgreSQL and MySQL/MariaDB database gets
//! a private listener on `127.0.0.1:<free port>` whose connections are forwarded
//! through the session (`direct-tcpip`) to the database's host and port as the bastion
//! sees them; the database's URL is rewritten to that listener before its pool is
//! made. SQLite files are local and untouched.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use russh::client::{self, Handle};
use russh::keys::PrivateKeyWithHashAlg;
use russh::keys::known_hosts::check_known_hosts_path;
use tokio::net::TcpListener;

use crate::config::SqlArgs;

/// Where the tunnel goes and how it authenticates.
#[derive(Debug, Clone)]
pub struct TunnelSpec {
    /// The bastion's user.
    pub user: String,
    /// The bastion's host.
    pub host: String,
    /// The bastion's SSH port.
    pub port: u16,
    /// The private key file; the agent's keys when `None`.
    pub key: Option<PathBuf>,
    /// The known_hosts file.
    pub known_hosts: PathBuf,
    /// Accept (without recording) a host that known_hosts does not list.
    pub accept_unknown: bool,
}

impl TunnelSpec {
    /// The tunnel the options ask for, if any.
    pub fn from_args(args: &SqlArgs) -> Result<Option<Self>, String> {
        let Some(target) = args.ssh_tunnel.as_deref().filter(|t| !t.trim().is_empty()) else {
            return Ok(None);
        };
        let target = target.trim().trim_start_matches("ssh://");
        let Some((user, rest)) = target.split_once('@') else {
            return Err(format!(
                "--ssh-tunnel expects USER@HOST[:PORT], e.g. deploy@bastion.example.com:22; got `{target}`"
            ));
        };
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') || h.starts_with('[') => (
                h.trim_start_matches('[').trim_end_matches(']'),
                p.parse::<u16>()
                    .map_err(|_| format!("--ssh-tunnel: `{p}` is not a port number"))?,
            ),
            _ => (rest, 22),
        };
        if user.is_empty() || host.is_empty() {
            return Err("--ssh-tunnel expects USER@HOST[:PORT]".into());
        }
        let known_hosts = match &args.ssh_known_hosts {
            Some(p) => p.clone(),
            None => std::env::home_dir()
                .map(|h| h.join(".ssh").join("known_hosts"))
                .ok_or("no home directory for ~/.ssh/known_hosts; pass --ssh-known-hosts")?,
        };
        Ok(Some(Self {
            user: user.to_string(),
            host: host.to_string(),
            port,
            key: args.ssh_key.clone(),
            known_hosts,
            accept_unknown: args.ssh_accept_unknown_host,
        }))
    }

    /// `user@host:port`, for messages.
    pub fn describe(&self) -> String {
        format!("{}@{}:{}", self.user, self.host, self.port)
    }
}

/// Checks the bastion's host key against known_hosts.
struct HostCheck {
    host: String,
    port: u16,
    known_hosts: PathBuf,
    accept_unknown: bool,
    /// Why the key was refused, for the error message.
    verdict: Arc<std::sync::Mutex<Option<String>>>,
}

impl client::Handler for HostCheck {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let russh::keys::PublicKeyOrCertificate::PublicKey { key, .. } = key else {
            *self.verdict.lock().unwrap_or_else(|e| e.into_inner()) =
                Some("the bastion presented a certificate; sql-server checks plain host keys against known_hosts".into());
            return Ok(false);
        };
        let fingerprint = key.fingerprint(russh::keys::HashAlg::Sha256);
        let outcome = if self.known_hosts.exists() {
            check_known_hosts_path(&self.host, self.port, key, &self.known_hosts)
        } else {
            Ok(false)
        };
        let refusal = match outcome {
            Ok(true) => None,
            Ok(false) if self.accept_unknown => {
                tracing::warn!(host = %self.host, %fingerprint, "SSH host not in known_hosts; accepted because --ssh-accept-unknown-host is set");
                None
            }
            Ok(false) => Some(format!(
                "the SSH host {}:{} is unknown: its key ({fingerprint}) is not in {}. Check the fingerprint with the bastion's administrator, then add it (e.g. `ssh-keyscan -p {} {} >> {}`), or pass --ssh-accept-unknown-host to accept it this once",
                self.host,
                self.port,
                self.known_hosts.display(),
                self.port,
                self.host,
                self.known_hosts.display()
            )),
            Err(russh::keys::Error::KeyChanged { line }) => Some(format!(
                "the SSH host key of {}:{} ({fingerprint}) differs from the one recorded at line {line} of {}: possibly a man-in-the-middle; refusing (even with --ssh-accept-unknown-host)",
                self.host,
                self.port,
                self.known_hosts.display()
            )),
            Err(e) => Some(format!("cannot read {}: {e}", self.known_hosts.display())),
        };
        let accepted = refusal.is_none();
        *self.verdict.lock().unwrap_or_else(|e| e.into_inner()) = refusal;
        Ok(accepted)
    }
}

/// An open SSH session; dropping it ends the forwarding.
pub struct Tunnel {
    /// The session to the bastion.
    session: Arc<Handle<HostCheck>>,
    /// The forwarding tasks, stopped on drop.
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// The bastion, for messages.
    pub target: String,
}

impl Drop for Tunnel {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl std::fmt::Debug for Tunnel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tunnel")
            .field("target", &self.target)
            .finish()
    }
}

/// Connects and authenticates to the bastion.
pub async fn connect(spec: &TunnelSpec) -> Result<Tunnel, String> {
    let verdict = Arc::new(std::sync::Mutex::new(None));
    let handler = HostCheck {
        host: spec.host.clone(),
        port: spec.port,
        known_hosts: spec.known_hosts.clone(),
        accept_unknown: spec.accept_unknown,
        verdict: verdict.clone(),
    };
    let config = Arc::new(client::Config {
        inactivity_timeout: None,
        keepalive_interval: Some(std::time::Duration::from_secs(30)),
        nodelay: true,
        ..Default::default()
    });
    let connecting = client::connect(config, (spec.host.as_str(), spec.port), handler);
    let mut session =
        match tokio::time::timeout(std::time::Duration::from_secs(15), connecting).await {
            Err(_) => return Err(format!("SSH to {} timed out", spec.describe())),
            Ok(Err(e)) => {
                let why = verdict.lock().unwrap_or_else(|e| e.into_inner()).take();
                return Err(
                    why.unwrap_or_else(|| format!("cannot open SSH to {}: {e}", spec.describe()))
                );
            }
            Ok(Ok(s)) => s,
        };
    authenticate(&mut session, spec).await?;
    Ok(Tunnel {
        session: Arc::new(session),
        tasks: Vec::new(),
        target: spec.describe(),
    })
}

async fn authenticate(session: &mut Handle<HostCheck>, spec: &TunnelSpec) -> Result<(), String> {
    let refused = || {
        format!(
            "the bastion {} refused the key{}: is its public key in {}'s ~/.ssh/authorized_keys?",
            spec.describe(),
            spec.key
                .as_deref()
                .map(|k| format!(" {}", k.display()))
                .unwrap_or_default(),
            spec.user
        )
    };
    let hash = session
        .best_supported_rsa_hash()
        .await
        .map_err(|e| format!("SSH to {}: {e}", spec.describe()))?
        .flatten();
    if let Some(path) = &spec.key {
        let key = load_key(path)?;
        let result = session
            .authenticate_publickey(&spec.user, PrivateKeyWithHashAlg::new(Arc::new(key), hash))
            .await
            .map_err(|e| format!("SSH to {}: {e}", spec.describe()))?;
        return if result.success() {
            Ok(())
        } else {
            Err(refused())
        };
    }
    let mut agent = russh::keys::agent::client::AgentClient::connect_env()
        .await
        .map_err(|e| {
            format!("no --ssh-key given and no ssh-agent reachable through SSH_AUTH_SOCK ({e}); pass --ssh-key FILE")
        })?;
    let identities = agent
        .request_identities()
        .await
        .map_err(|e| format!("ssh-agent: {e}"))?;
    for identity in identities {
        let public = identity.public_key().into_owned();
        let result = session
            .authenticate_publickey_with(&spec.user, public, hash, &mut agent)
            .await;
        if matches!(result, Ok(r) if r.success()) {
            return Ok(());
        }
    }
    Err(refused())
}

/// Reads a private key; an encrypted one takes its passphrase from
/// `SQL_SERVER_SSH_KEY_PASSPHRASE`.
fn load_key(path: &Path) -> Result<russh::keys::PrivateKey, String> {
    let passphrase = std::env::var("SQL_SERVER_SSH_KEY_PASSPHRASE").ok();
    russh::keys::load_secret_key(path, passphrase.as_deref()).map_err(|e| {
        let hint = if passphrase.is_none() {
            " (if it is encrypted, set SQL_SERVER_SSH_KEY_PASSPHRASE)"
        } else {
            ""
        };
        format!("cannot read the SSH key {}: {e}{hint}", path.display())
    })
}

impl Tunnel {
    /// Forwards a new loopback listener to `host:port` as the bastion sees it; returns
    /// the listener's port.
    pub async fn forward(&mut self, host: &str, port: u16) -> Result<u16, String> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| format!("cannot listen on loopback for the SSH tunnel: {e}"))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?.port();
        let session = self.session.clone();
        let host = host.to_string();
        self.tasks.push(tokio::spawn(async move {
            loop {
                let Ok((mut socket, peer)) = listener.accept().await else {
                    continue;
                };
                let session = session.clone();
                let host = host.clone();
                tokio::spawn(async move {
                    match session
                        .channel_open_direct_tcpip(
                            host.as_str(),
                            u32::from(port),
                            peer.ip().to_string(),
                            u32::from(peer.port()),
                        )
                        .await
                    {
                        Ok(channel) => {
                            let mut stream = channel.into_stream();
                            let _ = tokio::io::copy_bidirectional(&mut socket, &mut stream).await;
                        }
                        Err(e) => {
                            tracing::warn!(%host, port, error = %e, "the bastion could not open the forwarded connection");
                        }
                    }
                });
            }
        }));
        Ok(local)
    }
}

/// Opens the tunnel the options ask for and rewrites every network database's URL to
/// its forwarded loopback port. Without `--ssh-tunnel`, the specs are returned as they
/// are and no tunnel is made.
pub async fn open(
    args: &SqlArgs,
    specs: Vec<(String, String)>,
) -> Result<(Vec<(String, String)>, Option<Tunnel>), String> {
    let Some(spec) = TunnelSpec::from_args(args)? else {
        return Ok((specs, None));
    };
    let mut tunnel = connect(&spec).await?;
    let mut out = Vec::with_capacity(specs.len());
    for (name, url) in specs {
        let Some((host, port, rewrite)) = network_target(&url) else {
            out.push((name, url));
            continue;
        };
        let local = tunnel.forward(&host, port).await?;
        out.push((name, rewrite(local)));
    }
    Ok((out, Some(tunnel)))
}

/// The host and port of a PostgreSQL or MySQL URL, and how to point it at a local
/// port; `None` for SQLite and for URLs without a host (Unix sockets).
#[allow(clippy::type_complexity)]
fn network_target(url: &str) -> Option<(String, u16, Box<dyn Fn(u16) -> String>)> {
    let parsed = url::Url::parse(url).ok()?;
    let default_port = match parsed.scheme() {
        "postgres" | "postgresql" => 5432,
        "mysql" | "mariadb" => 3306,
        _ => return None,
    };
    let host = parsed.host_str().filter(|h| !h.is_empty())?.to_string();
    let port = parsed.port().unwrap_or(default_port);
    Some((
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
        port,
        Box::new(move |local| {
            let mut u = parsed.clone();
            let _ = u.set_host(Some("127.0.0.1"));
            let _ = u.set_port(Some(local));
            u.to_string()
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_urls_are_pointed_at_the_local_port_and_sqlite_is_left_alone() {
        let (host, port, rewrite) =
            network_target("postgres://reader:pw@db.internal:6543/shop?sslmode=disable").unwrap();
        assert_eq!((host.as_str(), port), ("db.internal", 6543));
        assert_eq!(
            rewrite(40000),
            "postgres://reader:pw@127.0.0.1:40000/shop?sslmode=disable"
        );
        let (host, port, _) = network_target("mysql://root@10.0.0.5/test").unwrap();
        assert_eq!((host.as_str(), port), ("10.0.0.5", 3306));
        assert!(network_target("sqlite:./shop.db").is_none());
    }

    #[test]
    fn tunnel_targets_parse_with_and_without_port() {
        use shared::config::try_parse_from;
        let args = |t: &str| {
            try_parse_from::<SqlArgs>(["sql-server", "--ssh-tunnel", t, "--ssh-known-hosts", "/x"])
                .unwrap()
                .args
        };
        let s = TunnelSpec::from_args(&args("deploy@bastion:2222"))
            .unwrap()
            .unwrap();
        assert_eq!(
            (s.user.as_str(), s.host.as_str(), s.port),
            ("deploy", "bastion", 2222)
        );
        let s = TunnelSpec::from_args(&args("ssh://deploy@bastion"))
            .unwrap()
            .unwrap();
        assert_eq!(s.port, 22);
        assert!(!s.accept_unknown);
        assert!(
            TunnelSpec::from_args(&args("bastion"))
                .unwrap_err()
                .contains("USER@HOST")
        );
    }
}

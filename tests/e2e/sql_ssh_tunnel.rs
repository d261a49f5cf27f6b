//! sql-server through an SSH tunnel (`--ssh-tunnel`) to PostgreSQL (`POSTGRES_URL`),
//! against Debian's openssh-server (installed by `integration/sql/ssh/setup.sh`): the
//! test starts a private `sshd` on a free loopback port with its own host key,
//! `authorized_keys` and config in a temporary directory (the system's sshd is never
//! touched). Queries go through the bastion (its log shows the forwarded connection to
//! the database's port); an unknown host key is refused unless the operator opts in; a
//! changed host key is always refused; `doctor` reports the tunnel.
//!
//! Without `sshd` or `ssh-keygen`, or without `POSTGRES_URL`, the tests print
//! `skipped: …` and pass.

mod sql_support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use e2e::{call, stdio_client};
use serde_json::json;
use sql_support::*;

const SSHD: &str = "/usr/sbin/sshd";

/// A private sshd, killed on drop.
struct Bastion {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
    user: String,
}

impl Drop for Bastion {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn keygen(path: &Path) {
    let ok = Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            "sql-server-test",
            "-f",
        ])
        .arg(path)
        .status()
        .expect("run ssh-keygen")
        .success();
    assert!(ok, "ssh-keygen failed");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Bastion {
    /// Starts sshd, or `None` (after printing why) when it is not installed.
    fn start() -> Option<Self> {
        if !Path::new(SSHD).exists() {
            println!("skipped: {SSHD} not installed (run integration/sql/ssh/setup.sh)");
            return None;
        }
        if Command::new("ssh-keygen").arg("-?").output().is_err() {
            println!("skipped: ssh-keygen not installed");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        keygen(&d.join("host_key"));
        keygen(&d.join("client_key"));
        std::fs::copy(d.join("client_key.pub"), d.join("authorized_keys")).unwrap();
        let user = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout)
            .unwrap()
            .trim()
            .to_string();
        let port = free_port();
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\nPidFile {d}/sshd.pid\n\
             AuthorizedKeysFile {d}/authorized_keys\nStrictModes no\nUsePAM no\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n\
             AllowTcpForwarding yes\nPermitTTY no\nLogLevel DEBUG1\n",
            d = d.display()
        );
        std::fs::write(d.join("sshd_config"), config).unwrap();
        let log = std::fs::File::create(d.join("sshd.log")).unwrap();
        // sshd wants an absolute path and the privilege-separation directory.
        let _ = std::fs::create_dir_all("/run/sshd");
        let child = Command::new(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(d.join("sshd_config"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start sshd");
        let bastion = Self {
            child,
            port,
            dir,
            user,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "sshd did not listen: {}",
                bastion.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(bastion)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.path("sshd.log")).unwrap_or_default()
    }

    fn target(&self) -> String {
        format!("{}@127.0.0.1:{}", self.user, self.port)
    }

    /// A known_hosts file holding `key` (a `.pub` file) for this bastion.
    fn known_hosts(&self, name: &str, key: Option<&Path>) -> PathBuf {
        let path = self.path(name);
        let line = key.map_or(String::new(), |k| {
            let pub_key = std::fs::read_to_string(k).unwrap();
            let mut parts = pub_key.split_whitespace();
            format!(
                "[127.0.0.1]:{} {} {}\n",
                self.port,
                parts.next().unwrap(),
                parts.next().unwrap()
            )
        });
        std::fs::write(&path, line).unwrap();
        path
    }

    fn args(&self, url: &str, known_hosts: &Path) -> Vec<String> {
        vec![
            "--url".into(),
            url.into(),
            "--ssh-tunnel".into(),
            self.target(),
            "--ssh-key".into(),
            self.path("client_key").display().to_string(),
            "--ssh-known-hosts".into(),
            known_hosts.display().to_string(),
        ]
    }
}

fn run(args: &[String]) -> std::process::Output {
    Command::new(e2e::bin("sql-server"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run sql-server")
}

/// The database's port as the URL gives it.
fn db_port(url: &str) -> u16 {
    url::Url::parse(url).unwrap().port().unwrap_or(5432)
}

#[tokio::test]
async fn postgres_through_a_bastion_with_a_known_host_key() {
    let Some(url) = postgres_url() else { return };
    let Some(bastion) = Bastion::start() else {
        return;
    };
    let known = bastion.known_hosts("known_hosts", Some(&bastion.path("host_key.pub")));
    let args = bastion.args(&url, &known);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let c = stdio_client("sql-server", &argv).await;
    let r = query(
        &c,
        "SELECT 40 + 2 AS answer, current_database() AS db",
        json!([]),
    )
    .await;
    assert_eq!(first_row(&r)[0], json!(42));
    // The connection went through the bastion, to the database's port.
    let log = bastion.log();
    assert!(log.contains("Accepted publickey"), "{log}");
    let target = format!("port {}", db_port(&url));
    assert!(
        log.lines()
            .any(|l| l.contains("server_request_direct_tcpip") && l.trim_end().ends_with(&target)),
        "no forwarded connection to {target} in the sshd log:\n{log}"
    );
    // Catalog tools go the same way.
    let r = call(&c, "list_schemas", json!({})).await;
    assert_ne!(r.is_error, Some(true));
    c.cancel().await.ok();

    // doctor reports the tunnel.
    let mut doctor = vec!["doctor".to_string()];
    doctor.extend(args.iter().cloned());
    let out = run(&doctor);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!("SSH tunnel via {}", bastion.target())),
        "{text}"
    );
}

#[tokio::test]
async fn unknown_and_changed_host_keys_are_refused() {
    let Some(url) = postgres_url() else { return };
    let Some(bastion) = Bastion::start() else {
        return;
    };
    // Unknown: an empty known_hosts.
    let empty = bastion.known_hosts("empty_known_hosts", None);
    let out = run(&bastion.args(&url, &empty));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "started with an unknown host key");
    assert!(err.contains("is unknown"), "{err}");
    assert!(err.contains("SHA256:"), "{err}");
    assert!(err.contains("--ssh-accept-unknown-host"), "{err}");
    assert!(
        !bastion.log().contains("Accepted publickey"),
        "authenticated anyway"
    );

    // Changed: known_hosts records another key for the same host and port.
    keygen(&bastion.path("other_host_key"));
    let other = bastion.known_hosts(
        "other_known_hosts",
        Some(&bastion.path("other_host_key.pub")),
    );
    let mut args = bastion.args(&url, &other);
    args.push("--ssh-accept-unknown-host".into());
    let out = run(&args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "started with a changed host key");
    assert!(err.contains("differs from the one recorded"), "{err}");

    // The operator's opt-in accepts the unknown host.
    let mut args = bastion.args(&url, &empty);
    args.push("--ssh-accept-unknown-host".into());
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let c = stdio_client("sql-server", &argv).await;
    let r = query(&c, "SELECT 7 AS seven", json!([])).await;
    assert_eq!(first_row(&r)[0], json!(7));
    c.cancel().await.ok();
    // Accepting did not write the key into known_hosts.
    assert_eq!(std::fs::read_to_string(&empty).unwrap(), "");
}

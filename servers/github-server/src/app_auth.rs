//! GitHub App authentication: github-server acting as an app's installation (a bot)
//! instead of with a personal token (`--app-id`, `--app-private-key-file`,
//! `--app-installation-id`).
//!
//! [`AppKey`] is the app's RSA private key, read once at start and checked by signing
//! with it. [`InstallationTokens`] is the [`TokenSource`] the shared upstream client
//! takes its bearer tokens from: it signs a short-lived JWT (RS256; `iat` 60 s in the
//! past for clock drift, `exp` 9 minutes ahead, `iss` the app id), exchanges it at
//! `POST /app/installations/{id}/access_tokens`, keeps the installation token, and
//! mints the next one once less than [`margin`] of the token's lifetime is left. One
//! mint at a time: callers that find the token stale while another mints wait for that
//! mint and share its token. Neither the JWT nor a token ever reaches an error, a log
//! line or `doctor`'s report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use shared::upstream::{TokenSource, UpstreamError};

/// How far in the past the JWT's `iat` is put, for clocks a little ahead of GitHub's.
const JWT_BACKDATE: Duration = Duration::from_secs(60);
/// How long the JWT is valid (GitHub accepts at most 10 minutes).
const JWT_LIFETIME: Duration = Duration::from_secs(9 * 60);
/// The most a token is refreshed ahead of its expiry.
const MAX_MARGIN: Duration = Duration::from_secs(5 * 60);
/// The longest text of GitHub's taken into an error.
const MAX_MESSAGE_CHARS: usize = 300;

/// The three settings of app mode, all given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSettings {
    /// The App's id (`--app-id`).
    pub app_id: u64,
    /// The installation to act for (`--app-installation-id`).
    pub installation_id: u64,
    /// The App's PEM private key (`--app-private-key-file`).
    pub private_key_file: PathBuf,
}

impl AppSettings {
    /// Whom the tokens act for (no secret): keys the shared cache and rate limiter.
    pub fn identity(&self) -> String {
        format!(
            "github-app {} installation {}",
            self.app_id, self.installation_id
        )
    }
}

/// An app's private key, checked to sign.
pub struct AppKey {
    app_id: u64,
    key: EncodingKey,
}

impl std::fmt::Debug for AppKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AppKey(app {}, [redacted])", self.app_id)
    }
}

/// The JWT's claims, as GitHub requires them.
#[derive(Serialize)]
struct Claims {
    iat: u64,
    exp: u64,
    iss: String,
}

impl AppKey {
    /// Reads the PEM file (PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY`) and signs
    /// once with it. Errors name the file and what is wrong, never the key's content.
    pub fn load(app_id: u64, path: &Path) -> Result<Self, String> {
        let bad = |what: &str| format!("--app-private-key-file {}: {what}", path.display());
        let pem = std::fs::read(path).map_err(|e| bad(&format!("cannot read it ({e})")))?;
        if let Some(problem) = pem_problem(&String::from_utf8_lossy(&pem)) {
            return Err(bad(problem));
        }
        let key = EncodingKey::from_rsa_pem(&pem).map_err(|_| {
            bad("not a readable RSA private key in PEM form; give the .pem file GitHub generated for the app")
        })?;
        let key = Self { app_id, key };
        key.jwt(SystemTime::now()).map_err(|_| {
            bad("the RSA private key in it cannot sign (damaged, or not an RSA private key); generate a new private key in the app's settings on GitHub")
        })?;
        Ok(key)
    }

    /// A JWT for the app, valid from a minute before `now` for nine minutes.
    fn jwt(&self, now: SystemTime) -> Result<String, jsonwebtoken::errors::Error> {
        let now = now.duration_since(UNIX_EPOCH).unwrap_or_default();
        let claims = Claims {
            iat: now.saturating_sub(JWT_BACKDATE).as_secs(),
            exp: (now + JWT_LIFETIME).as_secs(),
            iss: self.app_id.to_string(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &self.key)
    }
}

/// What is wrong with a key file, told from its PEM labels alone (which hold no key
/// material); `None` when it looks like an unencrypted RSA private key.
fn pem_problem(text: &str) -> Option<&'static str> {
    let label = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("-----BEGIN "))
        .map(|rest| rest.trim_end_matches('-').trim());
    match label {
        None => Some(
            "not a PEM file (no `-----BEGIN` line); give the .pem file GitHub generated for the app",
        ),
        Some("RSA PRIVATE KEY" | "PRIVATE KEY") => None,
        Some("ENCRYPTED PRIVATE KEY") => Some(
            "the private key is encrypted; decrypt it (`openssl pkcs8 -in KEY -out plain.pem`) and keep the file readable only by this server",
        ),
        Some("PUBLIC KEY" | "RSA PUBLIC KEY" | "CERTIFICATE") => Some(
            "holds a public key or certificate, not the app's private key; give the .pem file GitHub generated for the app",
        ),
        Some(_) => Some(
            "not an RSA private key (GitHub Apps sign with RSA); give the .pem file GitHub generated for the app",
        ),
    }
}

/// How long before its expiry a token of this lifetime is replaced: a quarter of the
/// lifetime, at most five minutes (a 1-hour token is refreshed 5 minutes early, a
/// 4-second test token 1 second early).
pub fn margin(lifetime: Duration) -> Duration {
    (lifetime / 4).min(MAX_MARGIN)
}

/// The token kept between calls.
struct Kept {
    token: String,
    /// When to mint the next one (the expiry less the margin), on this machine's
    /// monotonic clock.
    refresh_at: Instant,
}

impl Kept {
    fn fresh(&self, now: Instant) -> bool {
        now < self.refresh_at
    }
}

/// What a mint reported, for logs and `doctor` (no token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MintReport {
    /// `expires_at` as GitHub wrote it (RFC 3339).
    pub expires_at: String,
    /// How long the token lives as measured at minting.
    pub lifetime: Duration,
    /// `all` or `selected` repositories, when GitHub said.
    pub repository_selection: Option<String>,
    /// The installation's permissions, e.g. `issues: write`.
    pub permissions: BTreeMap<String, String>,
}

/// The body of a successful mint. No `Debug`: it holds the token.
#[derive(Deserialize)]
struct MintBody {
    token: String,
    expires_at: String,
    #[serde(default)]
    repository_selection: Option<String>,
    #[serde(default)]
    permissions: BTreeMap<String, serde_json::Value>,
}

/// Installation tokens of one app installation, minted on demand and kept until
/// shortly before they expire.
pub struct InstallationTokens {
    settings: AppSettings,
    key: AppKey,
    http: reqwest::Client,
    /// `{api}/app/installations/{id}/access_tokens`.
    url: String,
    kept: Mutex<Option<Kept>>,
    /// Held while minting, so concurrent callers mint once.
    minting: tokio::sync::Mutex<()>,
    last_mint: Mutex<Option<MintReport>>,
}

impl std::fmt::Debug for InstallationTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstallationTokens")
            .field("identity", &self.settings.identity())
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl InstallationTokens {
    /// Reads the key and prepares the minting client for the API at `api_base`.
    pub fn new(
        settings: AppSettings,
        api_base: &str,
        user_agent: &str,
        timeout: Duration,
    ) -> Result<Self, String> {
        let key = AppKey::load(settings.app_id, &settings.private_key_file)?;
        let http = reqwest::Client::builder()
            .user_agent(user_agent)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot build the HTTP client for GitHub App tokens: {e}"))?;
        let url = format!(
            "{}/app/installations/{}/access_tokens",
            api_base.trim_end_matches('/'),
            settings.installation_id
        );
        Ok(Self {
            settings,
            key,
            http,
            url,
            kept: Mutex::new(None),
            minting: tokio::sync::Mutex::new(()),
            last_mint: Mutex::new(None),
        })
    }

    /// The settings these tokens are minted with.
    pub fn settings(&self) -> &AppSettings {
        &self.settings
    }

    /// What the latest successful mint reported.
    pub fn last_mint(&self) -> Option<MintReport> {
        self.last_mint.lock().expect("mint report lock").clone()
    }

    fn fresh_token(&self) -> Option<String> {
        let kept = self.kept.lock().expect("token lock");
        kept.as_ref()
            .filter(|k| k.fresh(Instant::now()))
            .map(|k| k.token.clone())
    }

    /// Exchanges a new JWT for an installation token.
    async fn mint(&self) -> Result<(Kept, MintReport), UpstreamError> {
        let jwt = self.key.jwt(SystemTime::now()).map_err(|_| {
            UpstreamError::Config(format!(
                "the GitHub App key in {} could not sign a JWT",
                self.settings.private_key_file.display()
            ))
        })?;
        let sent = Instant::now();
        let response = self
            .http
            .post(&self.url)
            .bearer_auth(&jwt)
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28")
            .send()
            .await
            .map_err(|e| self.transport_error(&e))?;
        let status = response.status();
        let date = response
            .headers()
            .get("date")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
            .map(|d| d.with_timezone(&Utc));
        let body = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(&e))?;
        if !status.is_success() {
            return Err(self.refusal(status, &body, &jwt));
        }
        let minted: MintBody =
            serde_json::from_slice(&body).map_err(|e| UpstreamError::Decode {
                url: self.url.clone(),
                detail: format!("not an installation token ({e})"),
            })?;
        let expires = DateTime::parse_from_rfc3339(&minted.expires_at)
            .map_err(|e| UpstreamError::Decode {
                url: self.url.clone(),
                detail: format!(
                    "expires_at {:?} is not an RFC 3339 time ({e})",
                    minted.expires_at
                ),
            })?
            .with_timezone(&Utc);
        let lifetime = lifetime(expires, date, Utc::now());
        let report = MintReport {
            expires_at: minted.expires_at,
            lifetime,
            repository_selection: minted.repository_selection,
            permissions: minted
                .permissions
                .into_iter()
                .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_string)))
                .collect(),
        };
        let kept = Kept {
            token: minted.token,
            refresh_at: sent + lifetime - margin(lifetime),
        };
        Ok((kept, report))
    }

    fn transport_error(&self, error: &reqwest::Error) -> UpstreamError {
        if error.is_timeout() {
            return UpstreamError::Timeout {
                url: self.url.clone(),
                attempts: 1,
            };
        }
        let mut detail = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(inner) = source {
            detail = format!("{detail}: {inner}");
            source = inner.source();
        }
        UpstreamError::Network {
            url: self.url.clone(),
            detail: format!("minting a GitHub App installation token: {detail}"),
        }
    }

    /// GitHub's refusal to mint, with what to fix.
    fn refusal(&self, status: StatusCode, body: &[u8], jwt: &str) -> UpstreamError {
        let said = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v["message"].as_str().map(str::to_string))
            .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned())
            .replace(jwt, "[redacted]");
        let said: String = said.trim().chars().take(MAX_MESSAGE_CHARS).collect();
        let said = if said.is_empty() {
            String::new()
        } else {
            format!("GitHub said {said:?}; ")
        };
        let AppSettings {
            app_id,
            installation_id,
            private_key_file,
        } = &self.settings;
        let advice = match status {
            StatusCode::UNAUTHORIZED => format!(
                "GitHub refused the app's JWT, so no installation token was minted and no request was sent: \
                 check that --app-id {app_id} is the app's id and that {} holds a current private key of that app \
                 (and that this machine's clock is right)",
                private_key_file.display()
            ),
            StatusCode::NOT_FOUND => format!(
                "app {app_id} has no installation {installation_id}: check --app-installation-id \
                 (the number at the end of the installation's settings URL, or `GET /app/installations` with the app's JWT)"
            ),
            StatusCode::FORBIDDEN => format!(
                "GitHub would not mint a token for installation {installation_id} (suspended, or the app lacks access)"
            ),
            _ => format!("minting a token for installation {installation_id} failed"),
        };
        UpstreamError::Status {
            url: self.url.clone(),
            status: status.as_u16(),
            attempts: 1,
            message: format!("{said}{advice}"),
        }
    }
}

/// The token's lifetime as seen at minting: from GitHub's `Date` (rounded up, as it
/// is cut to the second) when it sent one, so a skewed local clock does not matter,
/// else from this machine's clock.
fn lifetime(
    expires: DateTime<Utc>,
    server_now: Option<DateTime<Utc>>,
    local_now: DateTime<Utc>,
) -> Duration {
    let from = match server_now {
        Some(date) => date + chrono::Duration::seconds(1),
        None => local_now,
    };
    (expires - from).to_std().unwrap_or_default()
}

#[async_trait::async_trait]
impl TokenSource for InstallationTokens {
    fn identity(&self) -> String {
        self.settings.identity()
    }

    async fn token(&self) -> Result<String, UpstreamError> {
        if let Some(token) = self.fresh_token() {
            return Ok(token);
        }
        let _minting = self.minting.lock().await;
        if let Some(token) = self.fresh_token() {
            return Ok(token);
        }
        let (kept, report) = self.mint().await?;
        tracing::info!(
            app = %self.settings.identity(),
            expires_at = %report.expires_at,
            lifetime_s = report.lifetime.as_secs(),
            "minted a GitHub App installation token"
        );
        let token = kept.token.clone();
        *self.kept.lock().expect("token lock") = Some(kept);
        *self.last_mint.lock().expect("mint report lock") = Some(report);
        Ok(token)
    }

    async fn refused(&self, token: &str) {
        let mut kept = self.kept.lock().expect("token lock");
        if kept.as_ref().is_some_and(|k| k.token == token) {
            tracing::info!(app = %self.settings.identity(), "GitHub refused the installation token; the next call mints a new one");
            *kept = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_is_a_quarter_of_the_lifetime_at_most_five_minutes() {
        assert_eq!(margin(Duration::from_secs(3600)), Duration::from_secs(300));
        assert_eq!(margin(Duration::from_secs(1200)), Duration::from_secs(300));
        assert_eq!(margin(Duration::from_secs(600)), Duration::from_secs(150));
        assert_eq!(margin(Duration::from_secs(4)), Duration::from_secs(1));
        assert_eq!(margin(Duration::from_secs(3)), Duration::from_millis(750));
        assert_eq!(margin(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn lifetime_uses_the_servers_date_rounded_up_else_the_local_clock() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let expires = at("2026-01-01T13:00:00Z");
        let server = at("2026-01-01T12:00:00Z");
        // A local clock two hours ahead does not matter when GitHub sent its Date.
        let skewed = at("2026-01-01T14:00:00Z");
        assert_eq!(
            lifetime(expires, Some(server), skewed),
            Duration::from_secs(3599)
        );
        assert_eq!(
            lifetime(expires, None, at("2026-01-01T12:30:00Z")),
            Duration::from_secs(1800)
        );
        assert_eq!(lifetime(expires, None, skewed), Duration::ZERO);
    }

    #[test]
    fn kept_token_is_fresh_until_the_margin_before_expiry() {
        let now = Instant::now();
        let life = Duration::from_secs(3600);
        let kept = Kept {
            token: "t".into(),
            refresh_at: now + life - margin(life),
        };
        assert!(kept.fresh(now));
        assert!(kept.fresh(now + Duration::from_secs(3299)));
        assert!(!kept.fresh(now + Duration::from_secs(3300)));
    }

    #[test]
    fn pem_labels_tell_what_is_wrong() {
        assert!(pem_problem("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n").is_none());
        assert!(pem_problem("-----BEGIN PRIVATE KEY-----\nAAAA\n").is_none());
        let public = pem_problem("-----BEGIN PUBLIC KEY-----\nAAAA\n").unwrap();
        assert!(public.contains("public key"), "{public}");
        let encrypted = pem_problem("-----BEGIN ENCRYPTED PRIVATE KEY-----\n").unwrap();
        assert!(encrypted.contains("encrypted"), "{encrypted}");
        assert!(
            pem_problem("-----BEGIN EC PRIVATE KEY-----\n")
                .unwrap()
                .contains("not an RSA")
        );
        assert!(pem_problem("hello").unwrap().contains("not a PEM file"));
    }

    /// A source whose key is never used: `token` must answer from what is kept.
    fn source_with(kept: Option<Kept>, key_file: &Path) -> InstallationTokens {
        InstallationTokens {
            settings: AppSettings {
                app_id: 1,
                installation_id: 2,
                private_key_file: key_file.to_path_buf(),
            },
            key: AppKey {
                app_id: 1,
                key: EncodingKey::from_secret(b"unused").expect("an HMAC key"),
            },
            http: reqwest::Client::new(),
            // Never reached: the key cannot sign an RS256 JWT.
            url: "http://127.0.0.1:9/app/installations/2/access_tokens".into(),
            kept: Mutex::new(kept),
            minting: tokio::sync::Mutex::new(()),
            last_mint: Mutex::new(None),
        }
    }

    fn kept(token: &str, for_: Duration) -> Option<Kept> {
        Some(Kept {
            token: token.into(),
            refresh_at: Instant::now() + for_,
        })
    }

    #[tokio::test]
    async fn a_fresh_token_is_reused_without_minting() {
        let source = source_with(kept("tok-1", Duration::from_secs(60)), Path::new("k.pem"));
        assert_eq!(source.token().await.unwrap(), "tok-1");
        assert_eq!(source.token().await.unwrap(), "tok-1");
        assert_eq!(source.identity(), "github-app 1 installation 2");
    }

    #[tokio::test]
    async fn refused_forgets_only_that_same_token() {
        let source = source_with(kept("tok-2", Duration::from_secs(60)), Path::new("k.pem"));
        source.refused("tok-1").await;
        assert_eq!(source.token().await.unwrap(), "tok-2");
        source.refused("tok-2").await;
        assert!(source.fresh_token().is_none());
        // The next call mints (here with a key that cannot sign RS256): an error
        // naming no token.
        let err = source.token().await.unwrap_err().to_string();
        assert!(!err.contains("tok-2"), "{err}");
    }

    #[tokio::test]
    async fn a_stale_token_is_replaced() {
        let source = source_with(kept("old", Duration::ZERO), Path::new("k.pem"));
        assert!(source.fresh_token().is_none());
        assert!(source.token().await.is_err());
    }

    #[test]
    fn key_file_errors_name_the_file_and_never_its_content() {
        let dir = std::env::temp_dir().join(format!("gh-app-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = dir.join("missing.pem");
        let err = AppKey::load(1, &missing).unwrap_err();
        assert!(
            err.contains("missing.pem") && err.contains("cannot read"),
            "{err}"
        );
        let garbage = dir.join("garbage.pem");
        std::fs::write(
            &garbage,
            "-----BEGIN RSA PRIVATE KEY-----\nU0VDUkVUU0VDUkVU\n-----END RSA PRIVATE KEY-----\n",
        )
        .unwrap();
        let err = AppKey::load(1, &garbage).unwrap_err();
        assert!(err.contains("garbage.pem"), "{err}");
        assert!(!err.contains("U0VDUkVU"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

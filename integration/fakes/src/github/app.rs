//! GitHub App authentication, as GitHub documents it: the app signs a JWT (RS256,
//! `iat`, `exp` at most 10 minutes ahead, `iss` the app id or client id) with its
//! private key, trades it at `POST /app/installations/{id}/access_tokens` for an
//! installation token (`ghs_…`, an hour by default), and that token then works as
//! a bearer token, acting as the app's bot on the account the app is installed
//! on (here, the seed's viewer) until it expires, after which it is `Bad
//! credentials`. This module holds the registered app, checks JWTs, mints and
//! remembers tokens and counts mints; the route is `routes::app`.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// How long GitHub lets an installation token live.
pub const DEFAULT_TOKEN_TTL_SECS: u64 = 3600;
/// The longest `exp` GitHub accepts: 10 minutes ahead.
const MAX_JWT_AHEAD_SECS: i64 = 600;
/// The clock drift allowed on `iat` (GitHub advises backdating it by 60 s).
const IAT_DRIFT_SECS: i64 = 60;

/// GitHub's answers to a JWT it cannot use (all 401).
pub const UNDECODABLE: &str = "A JSON web token could not be decoded";
pub const EXP_NOT_FUTURE: &str = "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
pub const EXP_TOO_FAR: &str = "'Expiration time' claim ('exp') is too far in the future";
pub const IAT_INVALID: &str = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";
pub const ISS_INVALID: &str = "'Issuer' claim ('iss') must be an Integer";

/// A GitHub App to register with `GithubState::register_app`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppConfig {
    /// The app's id; a JWT's `iss` may carry it as a number or a string.
    pub app_id: u64,
    /// The app's client id (`Iv1.…`), which GitHub now recommends for `iss`.
    pub client_id: Option<String>,
    /// The app's slug; its bot is `{slug}[bot]`.
    pub slug: String,
    /// The app's RSA public key (PEM, PKCS#1 or SPKI).
    pub public_key_pem: String,
    /// The installations it has (all on the seed viewer's account).
    pub installation_ids: Vec<u64>,
    /// How long an installation token lives.
    pub token_ttl_secs: u64,
}

impl AppConfig {
    /// An app `demo-app` with one installation and hour-long tokens.
    pub fn new(app_id: u64, public_key_pem: &str, installation_id: u64) -> Self {
        Self {
            app_id,
            client_id: None,
            slug: "demo-app".into(),
            public_key_pem: public_key_pem.to_string(),
            installation_ids: vec![installation_id],
            token_ttl_secs: DEFAULT_TOKEN_TTL_SECS,
        }
    }

    /// The bot the app's installation tokens act as.
    pub fn bot_login(&self) -> String {
        format!("{}[bot]", self.slug)
    }
}

/// An installation token that was handed out.
#[derive(Debug, Clone)]
struct Issued {
    expires_at: i64,
}

/// A freshly minted installation token.
#[derive(Debug, Clone)]
pub struct Minted {
    pub token: String,
    pub expires_at: i64,
}

/// The registered app and the tokens minted for it.
pub struct App {
    pub config: AppConfig,
    key: DecodingKey,
    issued: HashMap<String, Issued>,
    mints: u64,
    salt: u64,
}

impl App {
    /// Fails when the public key is not an RSA PEM.
    pub fn new(config: AppConfig) -> Result<Self, String> {
        let key = DecodingKey::from_rsa_pem(config.public_key_pem.as_bytes())
            .map_err(|e| format!("the app's public key is not an RSA PEM: {e}"))?;
        Ok(Self {
            config,
            key,
            issued: HashMap::new(),
            mints: 0,
            salt: RandomState::new().hash_one("installation tokens"),
        })
    }

    /// Checks a JWT the way GitHub does, with GitHub's message when it fails:
    /// RS256 only, signed by this app's key, `iss` naming this app, `iat` not in
    /// the future (beyond a minute of drift), `exp` in the future and at most 10
    /// minutes ahead.
    pub fn verify(&self, jwt: &str, now: i64) -> Result<(), &'static str> {
        let header = jsonwebtoken::decode_header(jwt).map_err(|_| UNDECODABLE)?;
        if header.alg != Algorithm::RS256 {
            return Err(UNDECODABLE);
        }
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let claims = jsonwebtoken::decode::<Value>(jwt, &self.key, &validation)
            .map_err(|_| UNDECODABLE)?
            .claims;
        if !self.issuer_matches(&claims["iss"]) {
            return Err(ISS_INVALID);
        }
        let iat = claims["iat"].as_i64().ok_or(IAT_INVALID)?;
        if iat > now + IAT_DRIFT_SECS {
            return Err(IAT_INVALID);
        }
        let exp = claims["exp"].as_i64().ok_or(EXP_NOT_FUTURE)?;
        if exp <= now || exp <= iat {
            return Err(EXP_NOT_FUTURE);
        }
        if exp > now + MAX_JWT_AHEAD_SECS {
            return Err(EXP_TOO_FAR);
        }
        Ok(())
    }

    fn issuer_matches(&self, iss: &Value) -> bool {
        match iss {
            Value::Number(n) => n.as_u64() == Some(self.config.app_id),
            Value::String(s) => {
                s.parse::<u64>().ok() == Some(self.config.app_id)
                    || self.config.client_id.as_deref() == Some(s.as_str())
            }
            _ => false,
        }
    }

    /// Mints a token for an installation of this app (`None` for another id).
    pub fn mint(&mut self, installation_id: u64, now: i64) -> Option<Minted> {
        if !self.config.installation_ids.contains(&installation_id) {
            return None;
        }
        self.mints += 1;
        let token = self.fresh_token(installation_id, now);
        let ttl = i64::try_from(self.config.token_ttl_secs).unwrap_or(i64::MAX / 2);
        let expires_at = now + ttl;
        self.issued.insert(token.clone(), Issued { expires_at });
        Some(Minted { token, expires_at })
    }

    /// Whether `token` is an installation token of this app still valid at `now`.
    pub fn accepts(&self, token: &str, now: i64) -> bool {
        self.issued.get(token).is_some_and(|t| now < t.expires_at)
    }

    /// How many installation tokens were minted.
    pub fn mints(&self) -> u64 {
        self.mints
    }

    /// `ghs_` and 36 letters and digits, unguessable across runs.
    fn fresh_token(&self, installation_id: u64, now: i64) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let seed = format!("{}:{installation_id}:{now}:{}", self.salt, self.mints);
        let digest = Sha256::digest(seed.as_bytes());
        let tail: String = digest
            .iter()
            .chain(digest.iter().rev())
            .take(36)
            .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
            .collect();
        format!("ghs_{tail}")
    }
}

//! Who may use the HTTP transport, and who they are.
//!
//! One [`Authenticator`] per server, chosen by the flags:
//! - open: no credential (loopback only; the default for one user on one machine);
//! - a static bearer token (`--auth-token`): whoever holds it is the one user;
//! - OAuth 2.1 ([`oauth`], `--oauth-issuer` and `--public-url`): each request carries
//!   an access token from the authorization server, validated here, naming the
//!   person and the scopes they granted;
//! - per-user upstream tokens ([`per_user`], github-server and notion-server): each
//!   request's bearer token is the caller's own GitHub or Notion token, checked once
//!   against the API ([`whoami`]) and then used upstream as theirs.
//!
//! A refusal ([`Refusal`]) becomes 401 (no or bad token) or 403 (a scope missing),
//! with the `WWW-Authenticate` challenge RFC 6750 and RFC 9728 describe
//! ([`Authenticator::challenge`]).

pub mod doctor;
pub mod oauth;
pub mod per_user;
pub mod whoami;

use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode, header};
use subtle::ConstantTimeEq;

use crate::caller::Caller;

pub use per_user::{PerUserTokens, UpstreamIdentity};

/// Why a request was not admitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No bearer token at all (401, no error code, as RFC 6750 §3.1 asks).
    Missing,
    /// A token that is not valid here (401 `invalid_token`); the text says why.
    Invalid(String),
    /// A valid token without a scope the request needs (403 `insufficient_scope`).
    InsufficientScope {
        /// The scopes to ask for.
        needed: Vec<String>,
        /// Which call needed them, and why.
        detail: String,
    },
}

impl Refusal {
    /// The HTTP status this refusal is answered with (401 or 403).
    pub fn status(&self) -> StatusCode {
        match self {
            Self::InsufficientScope { .. } => StatusCode::FORBIDDEN,
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    /// The message for the JSON-RPC error body: what happened and what to do.
    pub fn message(&self, scheme: &str) -> String {
        match self {
            Self::Missing => format!("Unauthorized: {scheme}"),
            Self::Invalid(why) => {
                format!("Unauthorized: the bearer token was refused: {why}. {scheme}")
            }
            Self::InsufficientScope { needed, detail } => format!(
                "Forbidden: {detail}. Sign in again granting the scope(s) {}",
                needed.join(" ")
            ),
        }
    }
}

/// How the HTTP transport authenticates requests.
#[derive(Clone)]
pub enum Authenticator {
    /// Anyone who can connect (loopback binds).
    Open,
    /// One static bearer token.
    StaticToken(Arc<[u8]>),
    /// OAuth 2.1 access tokens.
    OAuth(Arc<oauth::Verifier>),
    /// Each caller's own upstream token.
    PerUser(Arc<PerUserTokens>),
}

impl Authenticator {
    /// Whether requests must carry a credential.
    pub fn requires_token(&self) -> bool {
        !matches!(self, Self::Open)
    }

    /// The short name of the mode, for the startup log.
    pub fn mode(&self) -> &'static str {
        match self {
            Self::Open => "none",
            Self::StaticToken(_) => "static bearer token",
            Self::OAuth(_) => "OAuth 2.1 access tokens",
            Self::PerUser(_) => "each caller's own upstream token",
        }
    }

    /// Who is calling, from the request's headers; `Ok(None)` when the mode knows
    /// no identities (open, static token).
    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<Option<Arc<Caller>>, Refusal> {
        match self {
            Self::Open => Ok(None),
            Self::StaticToken(expected) => {
                let presented = bearer(headers).ok_or(Refusal::Missing)?;
                // ct_eq on slices of different lengths returns false without
                // comparing contents; lengths are not secret.
                if bool::from(presented.as_bytes().ct_eq(expected)) {
                    Ok(None)
                } else {
                    Err(Refusal::Invalid("it is not this server's token".into()))
                }
            }
            Self::OAuth(verifier) => {
                let token = bearer(headers).ok_or(Refusal::Missing)?;
                verifier
                    .verify(token)
                    .await
                    .map(|caller| Some(Arc::new(caller)))
            }
            Self::PerUser(tokens) => {
                let token = bearer(headers).ok_or(Refusal::Missing)?;
                tokens
                    .identify(token)
                    .await
                    .map(|caller| Some(Arc::new(caller)))
            }
        }
    }

    /// The `WWW-Authenticate` value for `refusal`.
    pub fn challenge(&self, refusal: &Refusal) -> String {
        let mut params: Vec<(&str, String)> = Vec::new();
        match refusal {
            Refusal::Missing => {}
            Refusal::Invalid(why) => {
                params.push(("error", "invalid_token".into()));
                params.push(("error_description", why.clone()));
            }
            Refusal::InsufficientScope { needed, detail } => {
                params.push(("error", "insufficient_scope".into()));
                params.push(("error_description", detail.clone()));
                params.push(("scope", needed.join(" ")));
            }
        }
        if let Self::OAuth(verifier) = self {
            if !params.iter().any(|(name, _)| *name == "scope") {
                params.push(("scope", verifier.scopes_supported().join(" ")));
            }
            params.push(("resource_metadata", verifier.resource_metadata_url()));
        }
        challenge_header(&params)
    }

    /// What a client should do to authenticate, for the body of a 401.
    pub fn how_to_authenticate(&self) -> &'static str {
        match self {
            Self::Open => "",
            Self::StaticToken(_) => "send the server's token as `Authorization: Bearer TOKEN`",
            Self::OAuth(_) => {
                "sign in with the authorization server named in the protected resource metadata (see the WWW-Authenticate header) and send the access token as `Authorization: Bearer TOKEN`"
            }
            Self::PerUser(_) => {
                "send your own upstream API token (GitHub or Notion) as `Authorization: Bearer TOKEN`"
            }
        }
    }
}

/// The token of an `Authorization: Bearer TOKEN` header (scheme case-insensitive).
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// `Bearer name="value", ...`, with quotes and backslashes in values escaped.
fn challenge_header(params: &[(&str, String)]) -> String {
    let mut out = String::from("Bearer");
    for (i, (name, value)) in params.iter().enumerate() {
        let value: String = value
            .chars()
            .filter(|c| !c.is_control())
            .flat_map(|c| match c {
                '"' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        out.push_str(if i == 0 { " " } else { ", " });
        out.push_str(&format!("{name}=\"{value}\""));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(auth: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(auth).unwrap());
        h
    }

    #[test]
    fn bearer_tokens_are_read_case_insensitively() {
        assert_eq!(bearer(&headers("Bearer abc")), Some("abc"));
        assert_eq!(bearer(&headers("bearer abc")), Some("abc"));
        assert_eq!(bearer(&headers("Basic abc")), None);
        assert_eq!(bearer(&headers("Bearer ")), None);
        assert_eq!(bearer(&HeaderMap::new()), None);
    }

    #[tokio::test]
    async fn static_token_is_compared_whole() {
        let auth = Authenticator::StaticToken(Arc::from(b"s3cret".as_slice()));
        assert_eq!(
            auth.authenticate(&HeaderMap::new()).await.unwrap_err(),
            Refusal::Missing
        );
        assert!(matches!(
            auth.authenticate(&headers("Bearer s3cre")).await,
            Err(Refusal::Invalid(_))
        ));
        assert!(auth.authenticate(&headers("Bearer s3cret")).await.is_ok());
    }

    #[test]
    fn challenges_escape_and_name_the_error() {
        let auth = Authenticator::StaticToken(Arc::from(b"x".as_slice()));
        assert_eq!(auth.challenge(&Refusal::Missing), "Bearer");
        let value = auth.challenge(&Refusal::Invalid("bad \"sig\"".into()));
        assert_eq!(
            value,
            r#"Bearer error="invalid_token", error_description="bad \"sig\"""#
        );
    }
}

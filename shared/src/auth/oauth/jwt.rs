//! Local validation of JWT access tokens.
//!
//! In order: the header must name an algorithm on the allow-list (asymmetric only:
//! never `none`, never HMAC, so a token "signed" with the issuer's public key as an
//! HMAC secret is refused before any key is looked at); the key is the issuer's key
//! with the token's `kid` ([`super::jwks`]), of the algorithm's family, meant for
//! signatures, and of the same `alg` when the key names one; then jsonwebtoken checks
//! the signature, `iss` (exact), `aud` (must contain this server's resource URI:
//! a token minted for another service is refused, the confused-deputy case), and
//! `exp`/`nbf` with the configured leeway.

use jsonwebtoken::jwk::{Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::OAuthSettings;
use super::jwks::KeySet;
use crate::auth::Refusal;

/// The signature algorithms accepted.
pub const ALLOWED: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// The claims of an access token this server reads.
#[derive(Debug, Default, Deserialize)]
pub struct AccessClaims {
    /// The subject: who the token stands for.
    #[serde(default)]
    pub sub: Option<String>,
    /// The OAuth client the token was issued to.
    #[serde(default)]
    pub client_id: Option<String>,
    /// The authorized party (OpenID's name for the client).
    #[serde(default)]
    pub azp: Option<String>,
    /// Space-separated scopes (RFC 9068 `scope`).
    #[serde(default)]
    pub scope: Option<String>,
    /// Scopes as some issuers send them (`scp`: a list or a string).
    #[serde(default)]
    pub scp: Option<serde_json::Value>,
}

impl AccessClaims {
    /// Every scope granted, from `scope` and `scp`.
    pub fn scopes(&self) -> Vec<String> {
        let mut scopes: Vec<String> = self
            .scope
            .iter()
            .flat_map(|s| s.split_whitespace())
            .map(str::to_string)
            .collect();
        match &self.scp {
            Some(serde_json::Value::String(s)) => {
                scopes.extend(s.split_whitespace().map(str::to_string))
            }
            Some(serde_json::Value::Array(items)) => {
                scopes.extend(items.iter().filter_map(|v| v.as_str()).map(str::to_string))
            }
            _ => {}
        }
        scopes.sort();
        scopes.dedup();
        scopes
    }
}

/// Whether `token` has a JWT's three dot-separated parts.
pub fn looks_like_jwt(token: &str) -> bool {
    token.split('.').count() == 3
}

/// Validates `token` and returns its claims.
pub async fn validate(
    token: &str,
    keys: &KeySet,
    settings: &OAuthSettings,
) -> Result<AccessClaims, Refusal> {
    let header = jsonwebtoken::decode_header(token).map_err(|e| {
        Refusal::Invalid(format!(
            "unreadable JWT header or unsupported algorithm ({e})"
        ))
    })?;
    if !ALLOWED.contains(&header.alg) {
        return Err(Refusal::Invalid(format!(
            "algorithm {:?} is not accepted; this server accepts only asymmetric signatures (RS*, PS*, ES256, ES384, EdDSA)",
            header.alg
        )));
    }
    let jwk = keys
        .find(header.kid.as_deref())
        .await
        .map_err(Refusal::Invalid)?;
    let key = usable_key(&jwk, header.alg)?;
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[&settings.issuer]);
    validation.set_audience(&[&settings.resource]);
    validation.set_required_spec_claims(&["exp", "iss", "aud"]);
    validation.validate_nbf = true;
    validation.leeway = settings.leeway_seconds;
    jsonwebtoken::decode::<AccessClaims>(token, &key, &validation)
        .map(|data| data.claims)
        .map_err(|e| Refusal::Invalid(describe(&e, settings)))
}

/// The key as a verifier, when it may verify `alg`.
fn usable_key(jwk: &Jwk, alg: Algorithm) -> Result<DecodingKey, Refusal> {
    if matches!(jwk.common.public_key_use, Some(ref u) if *u != PublicKeyUse::Signature) {
        return Err(Refusal::Invalid(
            "the key named by kid is not a signing key".into(),
        ));
    }
    if let Some(key_alg) = jwk.common.key_algorithm
        && !same_algorithm(key_alg, alg)
    {
        return Err(Refusal::Invalid(format!(
            "the token says {alg:?} but its key is for {key_alg:?}"
        )));
    }
    let key = DecodingKey::from_jwk(jwk)
        .map_err(|e| Refusal::Invalid(format!("the issuer's key is unusable ({e})")))?;
    if key.family() != alg.family() {
        return Err(Refusal::Invalid(format!(
            "the token says {alg:?} but its key is of another kind"
        )));
    }
    Ok(key)
}

fn same_algorithm(key: KeyAlgorithm, alg: Algorithm) -> bool {
    format!("{key:?}") == format!("{alg:?}")
}

/// What went wrong, in words that tell the client what to do.
fn describe(error: &jsonwebtoken::errors::Error, settings: &OAuthSettings) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match error.kind() {
        ErrorKind::ExpiredSignature => "the token has expired; get a new one".into(),
        ErrorKind::ImmatureSignature => "the token is not valid yet (nbf in the future)".into(),
        ErrorKind::InvalidIssuer => format!("the token was not issued by {}", settings.issuer),
        ErrorKind::InvalidAudience => format!(
            "the token was issued for another resource; request one for {} (RFC 8707 `resource`)",
            settings.resource
        ),
        ErrorKind::InvalidSignature => "the signature does not verify".into(),
        ErrorKind::MissingRequiredClaim(claim) => format!("the token has no `{claim}` claim"),
        ErrorKind::InvalidAlgorithm => "the algorithm does not match the key".into(),
        other => format!("invalid token ({other:?})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_come_from_scope_and_scp() {
        let claims = AccessClaims {
            scope: Some("mcp:read  mcp:write".into()),
            scp: Some(serde_json::json!(["extra", "mcp:read"])),
            ..AccessClaims::default()
        };
        assert_eq!(claims.scopes(), ["extra", "mcp:read", "mcp:write"]);
    }

    #[test]
    fn hmac_and_none_are_not_on_the_list() {
        assert!(!ALLOWED.contains(&Algorithm::HS256));
        assert!(
            !ALLOWED
                .iter()
                .any(|a| a.family() == jsonwebtoken::AlgorithmFamily::Hmac)
        );
        assert!(jsonwebtoken::decode_header("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.").is_err());
    }

    #[test]
    fn jwt_shape() {
        assert!(looks_like_jwt("a.b.c"));
        assert!(!looks_like_jwt("opaque-token"));
    }
}

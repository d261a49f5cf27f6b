//! Opaque (non-JWT) access tokens, checked with the authorization server's RFC 7662
//! introspection endpoint, authenticating as this server's client (HTTP Basic).
//!
//! An answer is trusted only when `active` is true, the token is bound to this
//! server (`aud` contains the resource URI: an answer without `aud` is refused, as a
//! token for another service must never be accepted here), `iss` (when present) is
//! the issuer, and `exp` (when present) is ahead. Answers are kept for
//! [`REMEMBER_FOR`] (never past the token's `exp`) under the token's digest.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use moka::future::Cache;
use serde::Deserialize;

use super::OAuthSettings;
use super::discovery::AuthServerMetadata;
use super::jwt::AccessClaims;
use crate::auth::Refusal;
use crate::digest::key as digest;

/// How long an introspection answer is reused.
pub const REMEMBER_FOR: Duration = Duration::from_secs(30);

/// Where and as whom to introspect.
#[derive(Clone)]
pub struct IntrospectionSettings {
    /// The endpoint; `None` takes the metadata's `introspection_endpoint`.
    pub url: Option<String>,
    /// This server's client id at the authorization server.
    pub client_id: String,
    /// Its client secret (never logged).
    pub client_secret: String,
}

impl std::fmt::Debug for IntrospectionSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntrospectionSettings")
            .field("url", &self.url)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// The introspection client.
pub struct Introspector {
    http: reqwest::Client,
    url: Option<String>,
    client_id: String,
    client_secret: String,
    answers: Cache<String, Arc<Answer>>,
}

/// The fields of an RFC 7662 answer used here.
#[derive(Debug, Default, Deserialize)]
struct Answer {
    active: bool,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    aud: Option<serde_json::Value>,
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    exp: Option<u64>,
}

impl Introspector {
    /// An introspection client for `settings`, falling back to the metadata's endpoint.
    pub fn new(
        http: reqwest::Client,
        settings: IntrospectionSettings,
        metadata: &AuthServerMetadata,
    ) -> Self {
        Self {
            http,
            url: settings
                .url
                .or_else(|| metadata.introspection_endpoint.clone()),
            client_id: settings.client_id,
            client_secret: settings.client_secret,
            answers: Cache::builder()
                .max_capacity(10_000)
                .time_to_live(REMEMBER_FOR)
                .build(),
        }
    }

    /// The claims of an active token bound to this server, or why not.
    pub async fn check(
        &self,
        token: &str,
        settings: &OAuthSettings,
    ) -> Result<AccessClaims, Refusal> {
        let key = digest(token);
        let answer = match self.answers.get(&key).await {
            Some(answer) => answer,
            None => {
                let answer = Arc::new(self.ask(token).await?);
                self.answers.insert(key, answer.clone()).await;
                answer
            }
        };
        judge(&answer, settings)
    }

    async fn ask(&self, token: &str) -> Result<Answer, Refusal> {
        let Some(url) = &self.url else {
            return Err(Refusal::Invalid(
                "opaque token, and the authorization server names no introspection endpoint (set --oauth-introspection-url)".into(),
            ));
        };
        let unavailable = |why: String| {
            tracing::warn!("token introspection failed: {why}");
            Refusal::Invalid(
                "the authorization server could not confirm the token; retry shortly".into(),
            )
        };
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("token", token)
            .append_pair("token_type_hint", "access_token")
            .finish();
        let response = self
            .http
            .post(url)
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .map_err(|e| unavailable(format!("POST {url}: {e}")))?;
        if !response.status().is_success() {
            return Err(unavailable(format!(
                "POST {url}: HTTP {}",
                response.status().as_u16()
            )));
        }
        response
            .json::<Answer>()
            .await
            .map_err(|e| unavailable(format!("POST {url}: unreadable answer ({e})")))
    }
}

fn judge(answer: &Answer, settings: &OAuthSettings) -> Result<AccessClaims, Refusal> {
    if !answer.active {
        return Err(Refusal::Invalid(
            "the token is not active (expired, revoked or unknown)".into(),
        ));
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    if answer
        .exp
        .is_some_and(|exp| exp + settings.leeway_seconds < now)
    {
        return Err(Refusal::Invalid(
            "the token has expired; get a new one".into(),
        ));
    }
    if answer
        .iss
        .as_ref()
        .is_some_and(|iss| *iss != settings.issuer)
    {
        return Err(Refusal::Invalid(format!(
            "the token was not issued by {}",
            settings.issuer
        )));
    }
    let audiences: Vec<&str> = match &answer.aud {
        Some(serde_json::Value::String(aud)) => vec![aud.as_str()],
        Some(serde_json::Value::Array(items)) => items.iter().filter_map(|v| v.as_str()).collect(),
        _ => Vec::new(),
    };
    if !audiences.contains(&settings.resource.as_str()) {
        return Err(Refusal::Invalid(format!(
            "the token was issued for another resource; request one for {} (RFC 8707 `resource`)",
            settings.resource
        )));
    }
    Ok(AccessClaims {
        sub: answer.sub.clone(),
        client_id: answer.client_id.clone(),
        scope: answer.scope.clone(),
        ..AccessClaims::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> OAuthSettings {
        OAuthSettings {
            issuer: "http://as".into(),
            resource: "http://rs/mcp".into(),
            read_scope: "mcp:read".into(),
            write_scope: "mcp:write".into(),
            writes_offered: true,
            jwks_cooldown: Duration::from_secs(1),
            leeway_seconds: 60,
            introspection: None,
        }
    }

    #[test]
    fn only_active_tokens_bound_to_this_resource_pass() {
        let s = settings();
        let mut answer = Answer {
            active: true,
            aud: Some(serde_json::json!(["http://rs/mcp", "other"])),
            scope: Some("mcp:read".into()),
            ..Answer::default()
        };
        assert!(judge(&answer, &s).is_ok());
        answer.aud = Some(serde_json::json!("http://other/mcp"));
        assert!(judge(&answer, &s).is_err(), "confused deputy");
        answer.aud = None;
        assert!(judge(&answer, &s).is_err(), "unbound token");
        answer.aud = Some(serde_json::json!("http://rs/mcp"));
        answer.active = false;
        assert!(judge(&answer, &s).is_err());
        answer.active = true;
        answer.iss = Some("http://evil".into());
        assert!(judge(&answer, &s).is_err());
    }
}

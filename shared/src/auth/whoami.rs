//! Asking an upstream API whose token a request carries (GitHub `GET /user`, Notion
//! `GET /v1/users/me`): the per-user mode's check at the door
//! ([`crate::auth::UpstreamIdentity`]). A 401 refuses the token; anything else that
//! fails (network, 5xx, rate limit) leaves the decision to the API on each call.

use std::time::Duration;

use crate::upstream::client::default_headers;

use super::per_user::{IdentityError, UpstreamIdentity};

/// How long the identity check may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// One GET that names the token's account.
pub struct WhoAmI {
    http: reqwest::Client,
    url: String,
    /// JSON pointers tried in order for the account's name or id, e.g. `/login`.
    fields: Vec<&'static str>,
}

impl WhoAmI {
    /// Checks tokens with `GET url` (sending `headers`, e.g. the API version), naming
    /// the account by the first of `fields` (JSON pointers) present in the answer.
    pub fn new(
        url: String,
        headers: &[(String, String)],
        fields: Vec<&'static str>,
    ) -> Result<Self, String> {
        let defaults = default_headers(headers).map_err(|e| e.to_string())?;
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .user_agent(concat!("mcp-bundle/", env!("CARGO_PKG_VERSION")))
            .default_headers(defaults)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self { http, url, fields })
    }
}

#[async_trait::async_trait]
impl UpstreamIdentity for WhoAmI {
    async fn whoami(&self, token: &str) -> Result<String, IdentityError> {
        let response = self
            .http
            .get(&self.url)
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| {
                IdentityError::Unavailable(format!("GET {}: {}", self.url, e.without_url()))
            })?;
        let status = response.status();
        if status == reqwest::StatusCode::UNAUTHORIZED {
            return Err(IdentityError::Refused(
                "the upstream API refused this token (401): it is wrong, expired or revoked".into(),
            ));
        }
        if !status.is_success() {
            return Err(IdentityError::Unavailable(format!(
                "GET {}: HTTP {}",
                self.url,
                status.as_u16()
            )));
        }
        let body: serde_json::Value = response.json().await.map_err(|e| {
            IdentityError::Unavailable(format!("GET {}: {}", self.url, e.without_url()))
        })?;
        self.fields
            .iter()
            .find_map(|field| match body.pointer(field)? {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .ok_or_else(|| {
                IdentityError::Unavailable(format!(
                    "GET {}: no account name in the answer",
                    self.url
                ))
            })
    }
}

//! OAuth 2.1 resource server: this server accepts access tokens an authorization
//! server issued for it, as the MCP authorization spec asks of a protected server.
//!
//! - [`discovery`]: the authorization server's metadata (RFC 8414, else OpenID
//!   discovery), fetched at start;
//! - [`jwks`]: its signing keys, cached, refetched on an unknown `kid` at most once per
//!   cooldown;
//! - [`jwt`]: local validation of JWT access tokens (signature, algorithm allow-list,
//!   `iss`, `aud` = this server's resource URI (RFC 8707), `exp`/`nbf`);
//! - [`introspection`]: opaque tokens checked with RFC 7662 when configured;
//! - [`Verifier::resource_metadata`]: the Protected Resource Metadata (RFC 9728).
//!
//! A token must carry the read scope to use the server at all, and the write scope to
//! call a tool that changes things ([`crate::caller::Caller::may_write`]).

pub mod discovery;
pub mod introspection;
pub mod jwks;
pub mod jwt;

use std::time::Duration;

use serde_json::{Value, json};

use super::Refusal;
use crate::caller::Caller;
use crate::config::CommonArgs;

/// Path of the Protected Resource Metadata document (RFC 9728).
pub const RESOURCE_METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

/// How long one request to the authorization server may take.
const AS_TIMEOUT: Duration = Duration::from_secs(10);

/// What the resource server is configured with.
#[derive(Debug, Clone)]
pub struct OAuthSettings {
    /// The authorization server's issuer identifier, exactly as tokens carry it.
    pub issuer: String,
    /// This server's canonical resource URI: the MCP endpoint URL clients use.
    pub resource: String,
    /// The scope needed to use the server at all.
    pub read_scope: String,
    /// The scope needed for tools that change things.
    pub write_scope: String,
    /// Whether this server has tools that change things (then the write scope is
    /// offered).
    pub writes_offered: bool,
    /// Least time between two JWKS fetches caused by unknown key ids.
    pub jwks_cooldown: Duration,
    /// Clock skew allowed on `exp` and `nbf`, in seconds.
    pub leeway_seconds: u64,
    /// RFC 7662 introspection for opaque tokens, when set.
    pub introspection: Option<introspection::IntrospectionSettings>,
}

impl OAuthSettings {
    /// The settings the flags give, when `--oauth-issuer` is set (`writes_offered`
    /// true until the server says otherwise).
    pub fn from_args(args: &CommonArgs) -> Option<Self> {
        let issuer = args.oauth_issuer.clone()?;
        let introspection =
            args.oauth_client_id
                .clone()
                .map(|client_id| introspection::IntrospectionSettings {
                    url: args.oauth_introspection_url.clone(),
                    client_id,
                    client_secret: args.oauth_client_secret.clone().unwrap_or_default(),
                });
        Some(Self {
            issuer,
            resource: args.public_url.clone().unwrap_or_default(),
            read_scope: args.oauth_read_scope.clone(),
            write_scope: args.oauth_write_scope.clone(),
            writes_offered: true,
            jwks_cooldown: Duration::from_secs(args.oauth_jwks_cooldown),
            leeway_seconds: args.oauth_leeway,
            introspection,
        })
    }
}

/// Why the resource server could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(
        "--public-url {0:?} is not an absolute http(s) URL: give the MCP endpoint URL clients use, e.g. https://mcp.example.com/mcp"
    )]
    /// `--public-url` is not an absolute http(s) URL.
    PublicUrl(String),
    /// `--oauth-issuer` is not an absolute http(s) URL.
    #[error("--oauth-issuer {0:?} is not an absolute http(s) URL, e.g. https://auth.example.com")]
    Issuer(String),
    /// The authorization server's metadata or keys could not be had.
    #[error("{0}")]
    Discovery(#[from] discovery::DiscoveryError),
}

/// Validates access tokens for this server.
pub struct Verifier {
    settings: OAuthSettings,
    metadata: discovery::AuthServerMetadata,
    keys: jwks::KeySet,
    introspection: Option<introspection::Introspector>,
    resource_metadata_url: String,
}

impl Verifier {
    /// Finds the authorization server's metadata and keys; fails when it cannot be
    /// reached or does not name itself as the configured issuer.
    pub async fn discover(settings: OAuthSettings) -> Result<Self, SetupError> {
        let resource = url::Url::parse(&settings.resource)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| SetupError::PublicUrl(settings.resource.clone()))?;
        url::Url::parse(&settings.issuer)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| SetupError::Issuer(settings.issuer.clone()))?;
        let http = reqwest::Client::builder()
            .timeout(AS_TIMEOUT)
            .user_agent(concat!("mcp-bundle/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| discovery::DiscoveryError::Client(e.to_string()))?;
        let metadata = discovery::fetch(&http, &settings.issuer).await?;
        let keys = jwks::KeySet::fetch(http.clone(), &metadata.jwks_uri, settings.jwks_cooldown)
            .await
            .map_err(discovery::DiscoveryError::Keys)?;
        let introspection = settings.introspection.clone().map(|configured| {
            introspection::Introspector::new(http.clone(), configured, &metadata)
        });
        let resource_metadata_url = resource_metadata_url(&resource);
        Ok(Self {
            settings,
            metadata,
            keys,
            introspection,
            resource_metadata_url,
        })
    }

    /// The caller a bearer token stands for, or why it is refused.
    pub async fn verify(&self, token: &str) -> Result<Caller, Refusal> {
        let claims = if jwt::looks_like_jwt(token) {
            jwt::validate(token, &self.keys, &self.settings).await?
        } else if let Some(introspector) = &self.introspection {
            introspector.check(token, &self.settings).await?
        } else {
            return Err(Refusal::Invalid(
                "not a JWT, and this server has no token introspection configured".into(),
            ));
        };
        self.caller(claims)
    }

    /// Turns validated claims into a caller, checking the read scope.
    fn caller(&self, claims: jwt::AccessClaims) -> Result<Caller, Refusal> {
        let scopes = claims.scopes();
        if !scopes.contains(&self.settings.read_scope) {
            return Err(Refusal::InsufficientScope {
                needed: vec![self.settings.read_scope.clone()],
                detail: format!(
                    "the token lacks the scope {:?} this server requires",
                    self.settings.read_scope
                ),
            });
        }
        let mut caller = Caller::default();
        caller.may_write = scopes.contains(&self.settings.write_scope);
        caller.subject = claims.sub;
        caller.client_id = claims.client_id.or(claims.azp);
        caller.scopes = scopes;
        Ok(caller)
    }

    /// The scopes a write tool call needs.
    pub fn write_scopes(&self) -> Vec<String> {
        vec![
            self.settings.read_scope.clone(),
            self.settings.write_scope.clone(),
        ]
    }

    /// The scopes this server knows: read, and write when it has write tools.
    pub fn scopes_supported(&self) -> Vec<String> {
        if self.settings.writes_offered {
            self.write_scopes()
        } else {
            vec![self.settings.read_scope.clone()]
        }
    }

    /// Where the Protected Resource Metadata is served for the MCP endpoint.
    pub fn resource_metadata_url(&self) -> String {
        self.resource_metadata_url.clone()
    }

    /// The Protected Resource Metadata document (RFC 9728 §2).
    pub fn resource_metadata(&self) -> Value {
        json!({
            "resource": self.settings.resource,
            "authorization_servers": [self.metadata.issuer],
            "scopes_supported": self.scopes_supported(),
            "bearer_methods_supported": ["header"],
            "resource_name": concat!("MCP server bundle ", env!("CARGO_PKG_VERSION")),
        })
    }

    /// The paths the metadata document answers on: the root form and the form
    /// suffixed with the endpoint's path (RFC 9728 §3.1), plus `/mcp`'s own.
    pub fn resource_metadata_paths(&self) -> Vec<String> {
        let mut paths = vec![RESOURCE_METADATA_PATH.to_string()];
        let suffixed = url::Url::parse(&self.resource_metadata_url)
            .map(|u| u.path().to_string())
            .unwrap_or_default();
        for path in [suffixed, format!("{RESOURCE_METADATA_PATH}/mcp")] {
            if !path.is_empty() && !paths.contains(&path) {
                paths.push(path);
            }
        }
        paths
    }

    /// The settings, for `doctor`.
    pub fn settings(&self) -> &OAuthSettings {
        &self.settings
    }

    /// The authorization server's metadata, for `doctor`.
    pub fn metadata(&self) -> &discovery::AuthServerMetadata {
        &self.metadata
    }

    /// Signing keys known now, for `doctor`.
    pub async fn key_count(&self) -> usize {
        self.keys.key_count().await
    }
}

/// `https://host/.well-known/oauth-protected-resource/mcp` for `https://host/mcp`.
fn resource_metadata_url(resource: &url::Url) -> String {
    let path = resource.path().trim_end_matches('/');
    format!(
        "{}{RESOURCE_METADATA_PATH}{path}",
        resource.origin().ascii_serialization()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_url_inserts_the_well_known_path() {
        let url = url::Url::parse("https://mcp.example.com/team/mcp").unwrap();
        assert_eq!(
            resource_metadata_url(&url),
            "https://mcp.example.com/.well-known/oauth-protected-resource/team/mcp"
        );
        let url = url::Url::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!(
            resource_metadata_url(&url),
            "http://127.0.0.1:8080/.well-known/oauth-protected-resource"
        );
    }
}

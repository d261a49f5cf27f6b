//! The authorization server's metadata: RFC 8414 (`/.well-known/oauth-authorization-server`,
//! inserted before the issuer's path), else OpenID Connect discovery
//! (`/.well-known/openid-configuration`, appended, then inserted). The document must
//! name the configured issuer exactly (RFC 8414 §3.3), so a look-alike server cannot
//! stand in for it.

use serde::Deserialize;

/// The fields of the metadata this server uses.
#[derive(Debug, Clone, Deserialize)]
pub struct AuthServerMetadata {
    /// The issuer identifier; must equal the configured one exactly.
    pub issuer: String,
    /// Where the signing keys (JWKS) are published.
    #[serde(default)]
    pub jwks_uri: Option<String>,
    /// The RFC 7662 introspection endpoint, if offered.
    #[serde(default)]
    pub introspection_endpoint: Option<String>,
    /// Where clients send the user to sign in.
    #[serde(default)]
    pub authorization_endpoint: Option<String>,
    /// Where clients exchange codes for tokens.
    #[serde(default)]
    pub token_endpoint: Option<String>,
    /// Dynamic client registration (RFC 7591), if offered.
    #[serde(default)]
    pub registration_endpoint: Option<String>,
    /// PKCE methods supported (MCP clients need `S256`).
    #[serde(default)]
    pub code_challenge_methods_supported: Option<Vec<String>>,
}

/// Why the metadata could not be had.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    /// The HTTP client could not be built.
    #[error("could not build an HTTP client: {0}")]
    Client(String),
    #[error(
        "no authorization server metadata for issuer {issuer}: tried {}; check --oauth-issuer (it must be the issuer exactly as its tokens carry it in `iss`) and that the server is reachable from here",
        tried.join(", ")
    )]
    /// No candidate URL answered with metadata.
    NotFound {
        /// The issuer configured.
        issuer: String,
        /// Each URL tried, with why it failed.
        tried: Vec<String>,
    },
    #[error(
        "the metadata at {url} names issuer {found:?}, not the configured {expected:?}; set --oauth-issuer to the exact issuer"
    )]
    /// The metadata names another issuer.
    IssuerMismatch {
        /// Where the metadata was found.
        url: String,
        /// The issuer configured.
        expected: String,
        /// The issuer the metadata names.
        found: String,
    },
    /// The key set could not be fetched or read.
    #[error("the authorization server's signing keys: {0}")]
    Keys(String),
}

/// The metadata URLs to try for `issuer`, in order.
pub fn candidates(issuer: &str) -> Vec<String> {
    let trimmed = issuer.trim_end_matches('/');
    let (origin, path) = match url::Url::parse(trimmed) {
        Ok(url) => (
            url.origin().ascii_serialization(),
            url.path().trim_end_matches('/').to_string(),
        ),
        Err(_) => (trimmed.to_string(), String::new()),
    };
    let mut urls = vec![
        format!("{origin}/.well-known/oauth-authorization-server{path}"),
        format!("{trimmed}/.well-known/openid-configuration"),
        format!("{origin}/.well-known/openid-configuration{path}"),
    ];
    urls.dedup();
    urls
}

/// Fetches the first metadata document found for `issuer`.
pub async fn fetch(
    http: &reqwest::Client,
    issuer: &str,
) -> Result<AuthServerMetadata, DiscoveryError> {
    let mut tried = Vec::new();
    for url in candidates(issuer) {
        let outcome = match http.get(&url).send().await {
            Ok(response) if response.status().is_success() => response
                .json::<AuthServerMetadata>()
                .await
                .map_err(|e| e.to_string()),
            Ok(response) => Err(format!("HTTP {}", response.status().as_u16())),
            Err(e) => Err(e.to_string()),
        };
        match outcome {
            Ok(metadata) if metadata.issuer == issuer => return Ok(metadata),
            Ok(metadata) => {
                return Err(DiscoveryError::IssuerMismatch {
                    url,
                    expected: issuer.to_string(),
                    found: metadata.issuer,
                });
            }
            Err(why) => tried.push(format!("{url} ({why})")),
        }
    }
    Err(DiscoveryError::NotFound {
        issuer: issuer.to_string(),
        tried,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_urls_for_issuers_with_and_without_a_path() {
        assert_eq!(
            candidates("https://auth.example.com"),
            [
                "https://auth.example.com/.well-known/oauth-authorization-server",
                "https://auth.example.com/.well-known/openid-configuration",
            ]
        );
        assert_eq!(
            candidates("https://auth.example.com/tenant1"),
            [
                "https://auth.example.com/.well-known/oauth-authorization-server/tenant1",
                "https://auth.example.com/tenant1/.well-known/openid-configuration",
                "https://auth.example.com/.well-known/openid-configuration/tenant1",
            ]
        );
    }
}

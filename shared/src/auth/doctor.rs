//! The authentication part of every server's `doctor`: with `--oauth-issuer`, finds
//! the authorization server's metadata and signing keys exactly as serving would, and
//! says what a client will meet (authorization and token endpoints, registration,
//! PKCE, introspection). Prints `✓`/`⚠`/`✗` lines; never prints a secret.

use crate::config::CommonArgs;

use super::oauth::{OAuthSettings, Verifier};

/// Prints the report's lines; returns false when something would stop the server.
pub async fn report(common: &CommonArgs) -> bool {
    let Some(oauth) = OAuthSettings::from_args(common) else {
        return true;
    };
    if common.http.is_none() {
        println!("⚠ --oauth-issuer applies to HTTP only; over stdio no one signs in");
        return true;
    }
    match Verifier::discover(oauth).await {
        Ok(verifier) => {
            describe(&verifier).await;
            true
        }
        Err(e) => {
            println!("✗ OAuth: {e}");
            false
        }
    }
}

async fn describe(verifier: &Verifier) {
    let metadata = verifier.metadata();
    let settings = verifier.settings();
    println!("✓ OAuth: authorization server {} found", metadata.issuer);
    match verifier.key_count().await {
        0 if settings.introspection.is_none() => println!(
            "✗ OAuth: the issuer publishes no signing keys (jwks_uri) and no introspection is configured: no token could be accepted"
        ),
        0 => println!(
            "⚠ OAuth: no signing keys; only opaque tokens (introspection) will be accepted"
        ),
        n => println!(
            "✓ OAuth: {n} signing key(s) at {}",
            metadata.jwks_uri.as_deref().unwrap_or("?")
        ),
    }
    for (what, value) in [
        ("authorization endpoint", &metadata.authorization_endpoint),
        ("token endpoint", &metadata.token_endpoint),
    ] {
        match value {
            Some(url) => println!("✓ OAuth: {what} {url}"),
            None => {
                println!("⚠ OAuth: the metadata names no {what}; clients cannot sign in through it")
            }
        }
    }
    match &metadata.registration_endpoint {
        Some(url) => println!("✓ OAuth: dynamic client registration at {url}"),
        None => println!(
            "⚠ OAuth: no dynamic client registration: each client needs a pre-registered client id"
        ),
    }
    let s256 = metadata
        .code_challenge_methods_supported
        .as_ref()
        .is_some_and(|methods| methods.iter().any(|m| m == "S256"));
    if !s256 {
        println!(
            "⚠ OAuth: the metadata does not list PKCE S256 (code_challenge_methods_supported); MCP clients require it"
        );
    }
    if let Some(introspection) = &settings.introspection {
        let url = introspection
            .url
            .as_deref()
            .or(metadata.introspection_endpoint.as_deref());
        match url {
            Some(url) => println!(
                "✓ OAuth: opaque tokens checked at {url} as client {}",
                introspection.client_id
            ),
            None => println!(
                "✗ OAuth: --oauth-client-id is set but there is no introspection endpoint (set --oauth-introspection-url)"
            ),
        }
    }
    println!(
        "✓ OAuth: tokens must name {} in aud; scopes {}; metadata at {}",
        settings.resource,
        verifier.scopes_supported().join(", "),
        verifier.resource_metadata_url()
    );
}

/// The exit code of a `doctor` whose server-specific part ended with `code`, after
/// the authentication and Redis reports: 0 only when all are healthy.
pub async fn finish(code: i32, common: &CommonArgs) -> i32 {
    let auth_ok = report(common).await;
    let redis_ok = crate::cluster::doctor(common).await;
    if code == 0 && !(auth_ok && redis_ok) {
        1
    } else {
        code
    }
}

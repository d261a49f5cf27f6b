//! What the shared upstream client needs to know about GitHub's REST API: its media
//! type and API version, the rate limit the server keeps to, and what a 403 with
//! OAuth-scope headers means ([`missing_scope`]).

use shared::upstream::{Credentials, HeaderMap, RateLimit, UpstreamConfig, UpstreamError};

/// Requests per second by default: GitHub allows 5,000 requests/hour per token,
/// spent at most 10/s.
pub const RATE_PER_SECOND: u32 = 10;

/// Requests at once after a quiet spell, by default.
pub const BURST: u32 = 20;

/// The default rate limit ([`RATE_PER_SECOND`] with bursts of [`BURST`]).
pub fn rate_limit() -> RateLimit {
    RateLimit::new(RATE_PER_SECOND, BURST)
}

/// The client configuration for GitHub REST at `base_url`: its media type, API
/// version, rate limit and scope errors, with `token` (none or blank: anonymous).
pub fn config(base_url: impl Into<String>, token: Option<String>) -> UpstreamConfig {
    let mut config = UpstreamConfig::new(base_url);
    config.credentials = Credentials::server(token);
    config.rate_limit = Some(rate_limit());
    config.extra_headers = vec![
        ("accept".into(), "application/vnd.github+json".into()),
        ("x-github-api-version".into(), "2022-11-28".into()),
    ];
    config.on_forbidden = Some(missing_scope);
    config
}

/// A 403 that names OAuth scopes the endpoint accepts (`x-accepted-oauth-scopes`)
/// and the token (`x-oauth-scopes`) lacks is a missing scope: the error names
/// them. When the token holds every accepted scope, the 403 is about something
/// else (a feature turned off, admin rights, an organization's policy), so it
/// stays a plain 403 with GitHub's message (`None`), as it does without the header.
pub fn missing_scope(url: &str, headers: &HeaderMap, _message: &str) -> Option<UpstreamError> {
    let accepted = header_list(headers, "x-accepted-oauth-scopes")?;
    let granted = header_list(headers, "x-oauth-scopes").unwrap_or_default();
    let missing: Vec<String> = accepted
        .iter()
        .filter(|s| !granted.contains(s))
        .cloned()
        .collect();
    if missing.is_empty() {
        return None;
    }
    Some(UpstreamError::MissingScope {
        url: url.to_string(),
        required: missing,
        granted,
    })
}

/// A comma-separated header as its non-empty, trimmed items.
fn header_list(headers: &HeaderMap, name: &str) -> Option<Vec<String>> {
    let value = headers.get(name)?.to_str().ok()?;
    Some(
        value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    /// The error for a token with `read:user, gist` where `repo` is needed.
    fn assert_needs_repo(err: &UpstreamError) {
        let UpstreamError::MissingScope {
            required, granted, ..
        } = err
        else {
            panic!("{err:?}");
        };
        assert_eq!(required, &["repo"]);
        assert_eq!(granted, &["read:user", "gist"]);
        assert!(err.to_string().contains("needs `repo`"), "{err}");
    }

    #[test]
    fn scope_headers_name_the_missing_scope() {
        let h = headers(&[
            ("x-accepted-oauth-scopes", "repo"),
            ("x-oauth-scopes", "read:user, gist"),
        ]);
        let err = missing_scope("/repos", &h, "Resource not accessible").unwrap();
        assert_needs_repo(&err);
    }

    #[test]
    fn a_403_with_every_scope_held_is_not_a_scope_problem() {
        let h = headers(&[
            ("x-accepted-oauth-scopes", "repo, workflow"),
            ("x-oauth-scopes", "repo, workflow"),
        ]);
        let message = "Dependabot alerts are disabled for this repository.";
        assert!(missing_scope("/x", &h, message).is_none());
        let fine_grained = headers(&[("x-accepted-oauth-scopes", "repo")]);
        assert!(matches!(
            missing_scope("/x", &fine_grained, ""),
            Some(UpstreamError::MissingScope { .. })
        ));
    }

    /// Through the client: a fake GitHub answers 403 with scope headers.
    #[tokio::test]
    async fn the_client_reports_a_missing_scope() {
        use axum::http::StatusCode;
        use axum::response::IntoResponse;
        let app = axum::Router::new().route(
            "/status/403",
            axum::routing::get(|| async {
                let scopes = [
                    ("x-accepted-oauth-scopes", "repo"),
                    ("x-oauth-scopes", "read:user, gist"),
                ];
                let body = axum::Json(serde_json::json!({"message": "Resource not accessible"}));
                (StatusCode::FORBIDDEN, scopes, body).into_response()
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let client = shared::upstream::UpstreamClient::new(config(base, Some("t".into()))).unwrap();
        let err = client.get("/status/403").await.unwrap_err();
        assert_needs_repo(&err);
    }

    #[test]
    fn a_403_without_scope_headers_stays_forbidden() {
        assert_eq!(missing_scope("/x", &HeaderMap::new(), "no"), None);
        assert!(
            config("https://api.github.com", None)
                .on_forbidden
                .is_some()
        );
    }
}

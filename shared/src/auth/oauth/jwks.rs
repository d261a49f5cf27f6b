//! The authorization server's signing keys (its JWKS), cached.
//!
//! A token whose `kid` is unknown makes the set be fetched again, at most once per
//! cooldown, so keys rotated at the issuer are picked up without a restart while a
//! flood of made-up key ids cannot turn into a flood of fetches. The set is also
//! refreshed when older than [`MAX_AGE`], so a key the issuer withdrew stops being
//! accepted. A failed refetch keeps the keys already known.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet};
use tokio::sync::{Mutex, RwLock};

/// Keys older than this are fetched again on next use.
pub const MAX_AGE: Duration = Duration::from_secs(3600);

/// The cached key set.
pub struct KeySet {
    http: reqwest::Client,
    uri: Option<String>,
    cooldown: Duration,
    state: RwLock<Fetched>,
    /// Held while fetching, so concurrent misses fetch once.
    fetching: Mutex<()>,
}

struct Fetched {
    keys: Arc<JwkSet>,
    at: Instant,
}

impl KeySet {
    /// Fetches the set at `uri` (none: no JWT can be validated, introspection only).
    pub async fn fetch(
        http: reqwest::Client,
        uri: &Option<String>,
        cooldown: Duration,
    ) -> Result<Self, String> {
        let keys = match uri {
            Some(uri) => download(&http, uri).await?,
            None => JwkSet { keys: Vec::new() },
        };
        Ok(Self {
            http,
            uri: uri.clone(),
            cooldown,
            state: RwLock::new(Fetched {
                keys: Arc::new(keys),
                at: Instant::now(),
            }),
            fetching: Mutex::new(()),
        })
    }

    /// How many keys are known now.
    pub async fn key_count(&self) -> usize {
        self.state.read().await.keys.keys.len()
    }

    /// The key for `kid` (or the only key, when the token names none), fetching the
    /// set again when it is unknown and the cooldown allows.
    pub async fn find(&self, kid: Option<&str>) -> Result<Jwk, String> {
        let (keys, age) = {
            let state = self.state.read().await;
            (state.keys.clone(), state.at.elapsed())
        };
        if age < MAX_AGE
            && let Some(key) = pick(&keys, kid)
        {
            return Ok(key);
        }
        if age >= self.cooldown || age >= MAX_AGE {
            self.refetch().await;
        }
        let keys = self.state.read().await.keys.clone();
        pick(&keys, kid).ok_or_else(|| match kid {
            Some(kid) => format!("no signing key with kid {kid:?} at the authorization server"),
            None => {
                "the token names no key (kid) and the authorization server has more than one".into()
            }
        })
    }

    async fn refetch(&self) {
        let Some(uri) = &self.uri else { return };
        let _only_one = self.fetching.lock().await;
        if self.state.read().await.at.elapsed() < self.cooldown {
            return; // another request fetched while this one waited
        }
        match download(&self.http, uri).await {
            Ok(keys) => {
                tracing::info!(
                    keys = keys.keys.len(),
                    "fetched the authorization server's signing keys"
                );
                *self.state.write().await = Fetched {
                    keys: Arc::new(keys),
                    at: Instant::now(),
                };
            }
            Err(why) => {
                tracing::warn!(
                    "could not refetch the authorization server's signing keys: {why}; keeping the known ones"
                );
                self.state.write().await.at = Instant::now();
            }
        }
    }
}

fn pick(keys: &JwkSet, kid: Option<&str>) -> Option<Jwk> {
    match kid {
        Some(kid) => keys.find(kid).cloned(),
        None if keys.keys.len() == 1 => keys.keys.first().cloned(),
        None => None,
    }
}

async fn download(http: &reqwest::Client, uri: &str) -> Result<JwkSet, String> {
    let response = http
        .get(uri)
        .send()
        .await
        .map_err(|e| format!("GET {uri}: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("GET {uri}: HTTP {}", response.status().as_u16()));
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| format!("GET {uri}: {e}"))?;
    parse_lenient(&body).map_err(|e| format!("GET {uri}: not a JWK set: {e}"))
}

/// A JWK set, skipping keys of types this library cannot use instead of failing
/// the whole set (issuers publish encryption keys beside signing keys).
fn parse_lenient(body: &[u8]) -> Result<JwkSet, serde_json::Error> {
    #[derive(serde::Deserialize)]
    struct Raw {
        keys: Vec<serde_json::Value>,
    }
    let raw: Raw = serde_json::from_slice(body)?;
    let keys = raw
        .keys
        .into_iter()
        .filter_map(|key| serde_json::from_value::<Jwk>(key).ok())
        .filter(|key| !matches!(key.algorithm, AlgorithmParameters::Other(_)))
        .collect();
    Ok(JwkSet { keys })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unusable_keys_are_skipped() {
        let body = br#"{"keys":[{"kty":"RSA","kid":"a","n":"AQAB","e":"AQAB","use":"sig"},{"kty":"weird","kid":"w"},{"kty":"RSA","kid":"broken"}]}"#;
        let set = parse_lenient(body).unwrap();
        assert_eq!(set.keys.len(), 1, "{:?}", set.keys);
        assert!(pick(&set, Some("a")).is_some());
        assert!(
            pick(&set, None).is_some(),
            "the only key serves a token without kid"
        );
        assert!(pick(&set, Some("b")).is_none());
    }
}

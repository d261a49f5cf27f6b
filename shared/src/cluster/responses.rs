//! The upstream response cache in Redis: the ETag/Last-Modified validators and body
//! of each GET response, under a digest of the client's cache key (itself built from
//! the credential's digest and the URL), so any replica can revalidate what another
//! fetched and serve the body on a 304.
//!
//! Bounded two ways: each entry lives [`ENTRY_TTL`], and the whole cache holds at
//! most the configured bytes: an insert past the bound evicts the oldest entries
//! (an index sorted by insertion time plus a byte count, kept by one Lua script, so
//! concurrent inserts from several replicas keep it consistent). Entries larger
//! than an eighth of the bound are not shared.

use std::sync::LazyLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use redis::Script;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::Cluster;
use super::link::Feature;

/// How long a shared entry is kept after it was stored.
pub const ENTRY_TTL: Duration = Duration::from_secs(3600);

/// KEYS: entry, index (zset of entries by insertion time), sizes (hash entry →
/// bytes), total (bytes). ARGV: value, ttl ms, max bytes, now ms.
const PUT: &str = r"
local size = string.len(ARGV[1])
local old = tonumber(redis.call('HGET', KEYS[3], KEYS[1]) or 0)
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[4], KEYS[1])
redis.call('HSET', KEYS[3], KEYS[1], size)
local total = redis.call('INCRBY', KEYS[4], size - old)
local max = tonumber(ARGV[3])
while total > max do
  local oldest = redis.call('ZPOPMIN', KEYS[2])
  if #oldest == 0 then break end
  local victim = oldest[1]
  local freed = tonumber(redis.call('HGET', KEYS[3], victim) or 0)
  redis.call('HDEL', KEYS[3], victim)
  redis.call('DEL', victim)
  total = redis.call('DECRBY', KEYS[4], freed)
end
return total
";

static PUT_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(PUT));

/// The shared cache of one process.
#[derive(Debug, Clone)]
pub struct SharedResponses {
    cluster: Cluster,
    max_bytes: u64,
}

impl SharedResponses {
    /// A shared cache of at most `max_bytes` across all replicas.
    pub fn new(cluster: Cluster, max_bytes: u64) -> Self {
        Self { cluster, max_bytes }
    }

    fn entry_key(&self, cache_key: &str) -> String {
        self.cluster.key(&["etag", &crate::digest::key(cache_key)])
    }

    /// The shared entry for `cache_key`: `Some(Some(..))` found, `Some(None)` not
    /// there, `None` Redis cannot answer (use the local cache).
    pub async fn get(&self, cache_key: &str) -> Option<Option<(HeaderMap, Bytes)>> {
        let key = self.entry_key(cache_key);
        let raw: Option<Vec<u8>> = self
            .cluster
            .link()
            .run(Feature::UpstreamCache, |mut c| async move {
                redis::cmd("GET").arg(key).query_async(&mut c).await
            })
            .await?;
        Some(raw.and_then(|raw| decode(&raw)))
    }

    /// Shares a response; `false` when Redis cannot take it (or it is too large to
    /// share).
    pub async fn put(&self, cache_key: &str, headers: &HeaderMap, body: &Bytes) -> bool {
        let value = encode(headers, body);
        if value.len() as u64 > self.max_bytes / 8 {
            return false;
        }
        let keys = [
            self.entry_key(cache_key),
            self.cluster.key(&["etag-index"]),
            self.cluster.key(&["etag-sizes"]),
            self.cluster.key(&["etag-bytes"]),
        ];
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let (ttl, max) = (ENTRY_TTL.as_millis() as u64, self.max_bytes);
        let stored: Option<i64> = self
            .cluster
            .link()
            .run(Feature::UpstreamCache, |mut c| async move {
                PUT_SCRIPT
                    .key(&keys[..])
                    .arg(value)
                    .arg(ttl)
                    .arg(max)
                    .arg(now_ms)
                    .invoke_async(&mut c)
                    .await
            })
            .await;
        stored.is_some()
    }
}

/// `u32 header block length (big-endian) | header lines "name: value\n" | body`.
fn encode(headers: &HeaderMap, body: &Bytes) -> Vec<u8> {
    let mut block = Vec::new();
    for (name, value) in headers {
        block.extend_from_slice(name.as_str().as_bytes());
        block.extend_from_slice(b": ");
        block.extend_from_slice(value.as_bytes());
        block.push(b'\n');
    }
    let mut out = Vec::with_capacity(4 + block.len() + body.len());
    out.extend_from_slice(&(block.len() as u32).to_be_bytes());
    out.extend_from_slice(&block);
    out.extend_from_slice(body);
    out
}

fn decode(raw: &[u8]) -> Option<(HeaderMap, Bytes)> {
    let length = u32::from_be_bytes(raw.get(..4)?.try_into().ok()?) as usize;
    let block = raw.get(4..4 + length)?;
    let body = Bytes::copy_from_slice(raw.get(4 + length..)?);
    let mut headers = HeaderMap::new();
    for line in block.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let split = line.windows(2).position(|w| w == b": ")?;
        let name = HeaderName::from_bytes(&line[..split]).ok()?;
        let value = HeaderValue::from_bytes(&line[split + 2..]).ok()?;
        headers.append(name, value);
    }
    Some((headers, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::tests::test_cluster;

    fn headers(etag: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("etag", HeaderValue::from_str(etag).unwrap());
        h.append("vary", HeaderValue::from_static("Accept"));
        h.append("vary", HeaderValue::from_static("Authorization"));
        h
    }

    #[test]
    fn entries_round_trip_with_repeated_headers_and_binary_bodies() {
        let body = Bytes::from_static(b"\x00\xffbody: with\nnewlines");
        let (h, b) = decode(&encode(&headers("\"v1\""), &body)).unwrap();
        assert_eq!(h, headers("\"v1\""));
        assert_eq!(b, body);
        assert!(decode(b"\x00\x00").is_none(), "truncated input is refused");
    }

    #[tokio::test]
    async fn replicas_share_entries_and_the_byte_bound_evicts_the_oldest() {
        let Some(cluster) = test_cluster().await else {
            return;
        };
        let a = SharedResponses::new(cluster.clone(), 8 * 1024);
        let b = SharedResponses::new(cluster, 8 * 1024);
        let body = Bytes::from(vec![b'x'; 700]);
        assert!(a.put("k0", &headers("\"0\""), &body).await);
        let (h, got) = b.get("k0").await.unwrap().expect("shared");
        assert_eq!(
            (h.get("etag").unwrap(), got.len()),
            (&HeaderValue::from_static("\"0\""), 700)
        );
        for i in 1..20 {
            assert!(a.put(&format!("k{i}"), &headers("\"x\""), &body).await);
        }
        assert!(b.get("k0").await.unwrap().is_none(), "oldest evicted");
        assert!(b.get("k19").await.unwrap().is_some(), "newest kept");
        let too_big = Bytes::from(vec![b'y'; 2000]);
        assert!(!a.put("big", &headers("\"b\""), &too_big).await);
    }
}

//! When to retry a failed request, and how long to wait first.
//!
//! A transient failure (5xx, timeout, dropped connection) is retried only for an
//! idempotent request (GET, HEAD, or a read sent as POST that the caller marks
//! idempotent): a POST, PATCH, PUT or DELETE that failed in flight may already have
//! taken effect. A rate-limit refusal (429, or GitHub's 403 limits) is retried for
//! every method, since the upstream refused it without acting. Retries use jittered
//! exponential backoff within a budget (attempts and total wait). A rate limit that
//! says when to come back (`Retry-After`, or `x-ratelimit-reset` with
//! `x-ratelimit-remaining: 0`) is waited out when the wait is short, and otherwise
//! reported at once with the time to retry.
//!
//! This file owns every retry rule: [`classify`] reads a failed response (is it a
//! rate limit? transient? how long did it ask to wait?), and [`RetryPolicy::decide`]
//! turns that [`Failure`] into a [`Decision`]. The client only asks them; a new
//! retry rule goes here.

use std::hash::BuildHasher;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::Method;
use reqwest::header::HeaderMap;

/// The retry budget of one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 disables retries).
    pub max_attempts: u32,
    /// The most time spent waiting between attempts of one request.
    pub max_total_wait: Duration,
    /// The backoff before the second attempt; doubled for each later one.
    pub base_delay: Duration,
    /// The longest single backoff.
    pub max_delay: Duration,
    /// A rate-limit wait up to this long is sat out; a longer one fails fast.
    pub max_rate_limit_wait: Duration,
}

/// Up to 8 attempts with backoffs of 0.1, 0.2, 0.4 … capped at 4 s (5 to 10 s of
/// backoff in all, jitter included), within `max_total_wait`, 30 s, which also
/// covers the waits an upstream asks for (each at most 10 s): a read then fails for good only when 8 attempts in a row
/// fail, which at a 30% transient failure rate is 0.007% of reads, while an upstream
/// that is really down is reported within seconds.
impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            max_total_wait: Duration::from_secs(30),
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(4),
            max_rate_limit_wait: Duration::from_secs(10),
        }
    }
}

/// What went wrong with one attempt, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// A 5xx, a timeout or a dropped connection: worth another try after a backoff.
    Transient,
    /// A 5xx that said when to come back (`Retry-After` on a 503, Notion's 529):
    /// transient, but waited out as asked.
    Unavailable {
        /// The wait asked for.
        wait: Duration,
    },
    /// The upstream asked to slow down; `wait` is how long, when it said so.
    RateLimited {
        /// The wait asked for, when named.
        wait: Option<Duration>,
    },
}

impl Failure {
    /// For a rate limit, the wait to report when the request is given up: the one
    /// the upstream asked for, or [`SECONDARY_LIMIT_WAIT`] when it named none.
    pub fn rate_limit_retry_after(self) -> Option<Duration> {
        match self {
            Self::RateLimited { wait } => Some(wait.unwrap_or(SECONDARY_LIMIT_WAIT)),
            Self::Transient | Self::Unavailable { .. } => None,
        }
    }
}

/// GitHub's advice for a secondary rate limit without `retry-after`.
pub const SECONDARY_LIMIT_WAIT: Duration = Duration::from_secs(60);

/// What an error response (status, headers, scrubbed body) means for retrying:
/// `None` when retrying cannot help (a 4xx other than a rate limit).
///
/// - a rate limit ([`is_rate_limited`]) waits as asked; a 403 limit that names no
///   wait is GitHub's secondary limit, waited [`SECONDARY_LIMIT_WAIT`];
/// - a 5xx that says when to come back is [`Failure::Unavailable`], any other
///   5xx [`Failure::Transient`].
pub fn classify(status: u16, headers: &HeaderMap, body: &str) -> Option<Failure> {
    if is_rate_limited(status, headers, body) {
        let wait = rate_limit_wait(headers).or((status == 403).then_some(SECONDARY_LIMIT_WAIT));
        return Some(Failure::RateLimited { wait });
    }
    if (500..600).contains(&status) {
        return Some(match rate_limit_wait(headers) {
            Some(wait) => Failure::Unavailable { wait },
            None => Failure::Transient,
        });
    }
    None
}

/// The verdict for a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Sleep this long, then try again.
    RetryAfter(Duration),
    /// Stop and report the failure.
    GiveUp,
}

/// Whether a method is idempotent by itself (a request's default retry class).
pub fn is_idempotent(method: &Method) -> bool {
    *method == Method::GET || *method == Method::HEAD
}

impl RetryPolicy {
    /// Decides about attempt `attempt` (1-based) of a request that is `idempotent`
    /// or not, which failed with `failure`, after `waited` has already been spent
    /// waiting for this request.
    pub fn decide(
        &self,
        idempotent: bool,
        attempt: u32,
        waited: Duration,
        failure: Failure,
    ) -> Decision {
        let refused = matches!(failure, Failure::RateLimited { .. });
        if !(idempotent || refused) || attempt >= self.max_attempts {
            return Decision::GiveUp;
        }
        let wait = match failure {
            Failure::Transient | Failure::RateLimited { wait: None } => self.backoff(attempt),
            Failure::Unavailable { wait } if wait <= self.max_rate_limit_wait => wait,
            Failure::Unavailable { .. } => return Decision::GiveUp,
            Failure::RateLimited { wait: Some(w) } if w <= self.max_rate_limit_wait => w,
            Failure::RateLimited { .. } => return Decision::GiveUp,
        };
        if waited + wait > self.max_total_wait {
            return Decision::GiveUp;
        }
        Decision::RetryAfter(wait)
    }

    /// The jittered backoff after attempt `attempt`: between half and all of
    /// `base_delay * 2^(attempt-1)`, capped at `max_delay`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(self.max_delay);
        let half = exp / 2;
        half + half.mul_f64(random_unit())
    }
}

/// A number in `[0, 1)` from the process's random hasher keys; enough for jitter.
fn random_unit() -> f64 {
    let bits = std::collections::hash_map::RandomState::new().hash_one(SystemTime::now());
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// How long the upstream asked to wait, from `Retry-After` (seconds) or from
/// `x-ratelimit-reset` (epoch seconds) when `x-ratelimit-remaining` is 0.
pub fn rate_limit_wait(headers: &HeaderMap) -> Option<Duration> {
    if let Some(secs) = header_u64(headers, "retry-after") {
        return Some(Duration::from_secs(secs));
    }
    if header_u64(headers, "x-ratelimit-remaining") != Some(0) {
        return None;
    }
    let reset = header_u64(headers, "x-ratelimit-reset")?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(reset.saturating_sub(now)))
}

/// Whether a response is a rate limit: any 429, or a 403 that carries rate-limit
/// headers or mentions a rate limit (GitHub's primary and secondary limits).
pub fn is_rate_limited(status: u16, headers: &HeaderMap, body: &str) -> bool {
    status == 429
        || (status == 403
            && (headers.contains_key("retry-after")
                || header_u64(headers, "x-ratelimit-remaining") == Some(0)
                || body.to_ascii_lowercase().contains("rate limit")))
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_not_retried_after_a_transient_failure() {
        let p = RetryPolicy::default();
        for m in [Method::POST, Method::PATCH, Method::PUT, Method::DELETE] {
            assert_eq!(
                p.decide(is_idempotent(&m), 1, Duration::ZERO, Failure::Transient),
                Decision::GiveUp
            );
        }
    }

    #[test]
    fn an_unavailable_answer_is_waited_out_for_reads_only() {
        let p = RetryPolicy::default();
        let asked = Failure::Unavailable {
            wait: Duration::from_secs(2),
        };
        assert_eq!(
            p.decide(true, 1, Duration::ZERO, asked),
            Decision::RetryAfter(Duration::from_secs(2))
        );
        assert_eq!(p.decide(false, 1, Duration::ZERO, asked), Decision::GiveUp);
    }

    #[test]
    fn a_rate_limit_refusal_is_retried_for_writes_too() {
        let p = RetryPolicy::default();
        let refused = Failure::RateLimited {
            wait: Some(Duration::from_secs(1)),
        };
        assert_eq!(
            p.decide(is_idempotent(&Method::POST), 1, Duration::ZERO, refused),
            Decision::RetryAfter(Duration::from_secs(1))
        );
    }

    #[test]
    fn get_retries_within_attempts_and_budget() {
        let p = RetryPolicy::default();
        assert!(matches!(
            p.decide(true, 1, Duration::ZERO, Failure::Transient),
            Decision::RetryAfter(_)
        ));
        assert_eq!(
            p.decide(true, 8, Duration::ZERO, Failure::Transient),
            Decision::GiveUp
        );
        assert_eq!(
            p.decide(true, 1, Duration::from_secs(30), Failure::Transient),
            Decision::GiveUp
        );
    }

    #[test]
    fn long_rate_limit_fails_fast_short_one_waits() {
        let p = RetryPolicy::default();
        let short = Failure::RateLimited {
            wait: Some(Duration::from_secs(1)),
        };
        let long = Failure::RateLimited {
            wait: Some(Duration::from_secs(60)),
        };
        assert_eq!(
            p.decide(true, 1, Duration::ZERO, short),
            Decision::RetryAfter(Duration::from_secs(1))
        );
        assert_eq!(p.decide(true, 1, Duration::ZERO, long), Decision::GiveUp);
    }

    #[test]
    fn backoff_is_jittered_and_capped() {
        let p = RetryPolicy::default();
        for attempt in 1..20 {
            let d = p.backoff(attempt);
            assert!(d <= p.max_delay, "{d:?}");
        }
        let first = p.backoff(1);
        assert!(
            first >= p.base_delay / 2 && first <= p.base_delay,
            "{first:?}"
        );
        // Jittered: repeated backoffs for one attempt spread over [half, full] of
        // the exponential delay instead of repeating one value.
        let full = p.base_delay * 4;
        let waits: Vec<Duration> = (0..100).map(|_| p.backoff(3)).collect();
        for w in &waits {
            assert!(*w >= full / 2 && *w <= full, "{w:?}");
        }
        let distinct: std::collections::BTreeSet<_> = waits.iter().collect();
        assert!(distinct.len() > 50, "{} distinct waits", distinct.len());
        assert!(waits.iter().any(|w| *w < full.mul_f64(0.9)), "{waits:?}");
        assert!(waits.iter().any(|w| *w > full.mul_f64(0.6)), "{waits:?}");
    }

    #[test]
    fn responses_are_classified_for_retrying() {
        let none = HeaderMap::new();
        let mut asked = HeaderMap::new();
        asked.insert("retry-after", "2".parse().unwrap());
        let two = Some(Duration::from_secs(2));
        assert_eq!(
            classify(429, &none, ""),
            Some(Failure::RateLimited { wait: None })
        );
        assert_eq!(
            classify(403, &none, "API rate limit exceeded"),
            Some(Failure::RateLimited {
                wait: Some(SECONDARY_LIMIT_WAIT)
            })
        );
        assert_eq!(
            classify(403, &asked, ""),
            Some(Failure::RateLimited { wait: two })
        );
        assert_eq!(classify(403, &none, "forbidden"), None);
        assert_eq!(classify(404, &none, ""), None);
        assert_eq!(classify(502, &none, ""), Some(Failure::Transient));
        assert_eq!(
            classify(503, &asked, ""),
            Some(Failure::Unavailable {
                wait: Duration::from_secs(2)
            })
        );
        assert_eq!(
            Failure::RateLimited { wait: None }.rate_limit_retry_after(),
            Some(SECONDARY_LIMIT_WAIT)
        );
        assert_eq!(Failure::Transient.rate_limit_retry_after(), None);
    }

    #[test]
    fn reads_retry_after_and_reset() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "3".parse().unwrap());
        assert_eq!(rate_limit_wait(&h), Some(Duration::from_secs(3)));
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-remaining", "0".parse().unwrap());
        h.insert(
            "x-ratelimit-reset",
            (now + 100).to_string().parse().unwrap(),
        );
        let wait = rate_limit_wait(&h).unwrap();
        assert!(wait >= Duration::from_secs(99) && wait <= Duration::from_secs(100));
        h.insert("x-ratelimit-remaining", "5".parse().unwrap());
        assert_eq!(rate_limit_wait(&h), None);
    }
}

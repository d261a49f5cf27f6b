//! The fake's own rate limit: a token bucket holding `burst` requests, refilled at
//! `rate_per_sec`, like Notion's "about 3 requests per second on average, bursts
//! allowed". A request finding the bucket empty gets 429 `rate_limited` with
//! `Retry-After` (whole seconds, at least 1); the fake counts those.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

pub struct RateLimiter {
    bucket: Mutex<Bucket>,
    issued: AtomicU64,
}

struct Bucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn unlimited(&self) -> bool {
        !(self.rate.is_finite() && self.rate > 0.0)
    }
}

impl RateLimiter {
    /// `rate_per_sec` ≤ 0 or infinite turns the limit off.
    pub fn new(rate_per_sec: f64, burst: u32) -> Self {
        let burst = f64::from(burst.max(1));
        Self {
            bucket: Mutex::new(Bucket {
                rate: rate_per_sec,
                burst,
                tokens: burst,
                last: Instant::now(),
            }),
            issued: AtomicU64::new(0),
        }
    }

    fn bucket(&self) -> std::sync::MutexGuard<'_, Bucket> {
        self.bucket.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Changes the rate and burst, and fills the bucket.
    pub fn reconfigure(&self, rate_per_sec: f64, burst: u32) {
        let mut b = self.bucket();
        b.rate = rate_per_sec;
        b.burst = f64::from(burst.max(1));
        b.tokens = b.burst;
        b.last = Instant::now();
    }

    /// Takes a token, or says how many seconds to wait (and counts a 429).
    pub fn try_acquire(&self) -> Result<(), u64> {
        let mut b = self.bucket();
        if b.unlimited() {
            return Ok(());
        }
        let now = Instant::now();
        let elapsed = now.duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * b.rate).min(b.burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            return Ok(());
        }
        self.issued.fetch_add(1, Ordering::Relaxed);
        let wait = ((1.0 - b.tokens) / b.rate).ceil().max(1.0);
        Err(wait as u64)
    }

    /// How many 429s this limiter answered.
    pub fn issued(&self) -> u64 {
        self.issued.load(Ordering::Relaxed)
    }

    pub fn reset_count(&self) {
        self.issued.store(0, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refusal_then_refill() {
        let l = RateLimiter::new(50.0, 3);
        for _ in 0..3 {
            assert!(l.try_acquire().is_ok());
        }
        assert_eq!(l.try_acquire(), Err(1));
        assert_eq!(l.issued(), 1);
        std::thread::sleep(std::time::Duration::from_millis(60));
        assert!(l.try_acquire().is_ok());
        let off = RateLimiter::new(0.0, 1);
        assert!((0..100).all(|_| off.try_acquire().is_ok()));
    }
}

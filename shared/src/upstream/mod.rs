//! The client for upstream HTTP APIs (GitHub, Notion) the servers of the bundle wrap.
//!
//! - [`client`]: [`UpstreamClient`] and its [`UpstreamConfig`]: timeouts, auth, redirects.
//! - [`credentials`]: whose token a request carries, and the key that keeps each
//!   credential's cache entries and rate budget apart.
//! - [`error`]: [`UpstreamError`], upstream failures as messages the model can act on.
//! - [`retry`]: every retry rule: which failed responses are worth retrying, the
//!   backoff for idempotent requests and rate-limit waits. A new retry rule goes there.
//! - [`limiter`]: a rate limiter per upstream credential, awaited before each request.
//! - [`cache`]: GET responses revalidated with ETag / Last-Modified.
//! - [`paginate`]: `link: rel="next"` and `next_cursor` pagination up to a bound.
//!
//! Nothing here knows one API: github-server and notion-server each build their
//! [`UpstreamConfig`] (base URL, headers, rate limit, what a 403 means).

pub mod cache;
pub mod client;
pub mod credentials;
pub mod error;
pub mod limiter;
pub mod paginate;
pub mod retry;

pub use axum::body::Bytes;
pub use client::{
    ForbiddenHook, UpstreamClient, UpstreamConfig, UpstreamRequest, UpstreamResponse,
};
pub use credentials::{Credentials, TokenSource};
pub use error::UpstreamError;
pub use limiter::RateLimit;
pub use paginate::{CursorPage, Page, paginate_cursor, paginate_link};
pub use reqwest::Method;
pub use reqwest::header::HeaderMap;
pub use retry::RetryPolicy;

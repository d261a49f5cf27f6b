//! Log messages for the person watching from the MCP client (`notifications/message`).
//!
//! A client asks for them in one of two ways, and gets nothing otherwise:
//! - protocol 2025-11-25 and older: `logging/setLevel` for the whole session
//!   ([`SessionLevel`], kept by [`crate::observe::Observed`]);
//! - protocol 2026-07-28: `_meta["io.modelcontextprotocol/logLevel"]` on the request
//!   itself (per request, never remembered).
//!
//! [`crate::observe::Observed`] runs every tool call and resource read inside
//! [`scope`], which records where to send and the lowest level wanted. Code anywhere
//! below calls [`warning`] or [`notice`] (or [`send`] with any level): the message goes to the
//! client when the request asked for that level, and costs a task-local look-up
//! otherwise. Only what helps a user follow a request belongs here (retries, waits
//! for a rate limit, cut output, slow queries, refused paths): never a secret, a
//! token, or file and row contents. These messages are separate from the server's
//! own stderr log (tracing), which an operator reads.
//!
//! Work moved to another task (`tokio::spawn`, `spawn_blocking`) is outside the
//! scope: log from the async code that awaits it.

// rmcp marks logging deprecated (SEP-2577), yet 2025-11-25 clients use it and
// 2026-07-28 clients still ask for it per request.
#![allow(deprecated)]

use std::future::Future;
use std::sync::{Arc, Mutex};

use rmcp::model::{LoggingLevel, LoggingMessageNotificationParam, RequestMetaObject};
use rmcp::service::{Peer, RoleServer};
use serde_json::Value;

tokio::task_local! {
    static CURRENT: Target;
}

/// Where the current request's log messages go, and from which level on.
#[derive(Clone)]
struct Target {
    peer: Peer<RoleServer>,
    min: LoggingLevel,
}

/// The level a session asked for with `logging/setLevel` (none until it does).
#[derive(Debug, Clone, Default)]
pub struct SessionLevel(Arc<Mutex<Option<LoggingLevel>>>);

impl SessionLevel {
    /// Records the session's level.
    pub fn set(&self, level: LoggingLevel) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(level);
    }

    /// The session's level, if it asked for one.
    pub fn get(&self) -> Option<LoggingLevel> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The lowest level the request wants: its own `_meta` level, else the session's.
pub fn wanted(meta: &RequestMetaObject, session: &SessionLevel) -> Option<LoggingLevel> {
    meta.log_level().or_else(|| session.get())
}

/// Runs `future` with its log messages going to `peer` from level `min` on (none when
/// `min` is `None`).
pub async fn scope<F: Future>(
    peer: Peer<RoleServer>,
    min: Option<LoggingLevel>,
    future: F,
) -> F::Output {
    match min {
        Some(min) => CURRENT.scope(Target { peer, min }, future).await,
        None => future.await,
    }
}

/// Whether a message of `level` would be sent from here.
pub fn enabled(level: LoggingLevel) -> bool {
    CURRENT
        .try_with(|t| rank(level) >= rank(t.min))
        .unwrap_or(false)
}

/// Sends `message` at `level` from `logger` (e.g. "github", "fs") when the current
/// request asked for that level. A client that went away is not an error.
pub async fn send(level: LoggingLevel, logger: &str, message: impl Into<String>) {
    let Ok(peer) = CURRENT.try_with(|t| (rank(level) >= rank(t.min)).then(|| t.peer.clone()))
    else {
        return;
    };
    let Some(peer) = peer else { return };
    let param = LoggingMessageNotificationParam::new(level, Value::String(message.into()))
        .with_logger(logger);
    if let Err(e) = peer.notify_logging_message(param).await {
        tracing::debug!(error = %e, "could not send a log message to the client");
    }
}

/// [`send`] at `warning`: something went wrong and was handled (a retry, a refusal).
pub async fn warning(logger: &str, message: impl Into<String>) {
    send(LoggingLevel::Warning, logger, message).await;
}

/// [`send`] at `notice`: normal but worth knowing (output cut, a wait, a slow query).
pub async fn notice(logger: &str, message: impl Into<String>) {
    send(LoggingLevel::Notice, logger, message).await;
}

/// Severity order of the syslog levels MCP uses (debug lowest).
fn rank(level: LoggingLevel) -> u8 {
    match level {
        LoggingLevel::Debug => 0,
        LoggingLevel::Info => 1,
        LoggingLevel::Notice => 2,
        LoggingLevel::Warning => 3,
        LoggingLevel::Error => 4,
        LoggingLevel::Critical => 5,
        LoggingLevel::Alert => 6,
        LoggingLevel::Emergency => 7,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_ordered_by_severity() {
        assert!(rank(LoggingLevel::Debug) < rank(LoggingLevel::Info));
        assert!(rank(LoggingLevel::Notice) < rank(LoggingLevel::Warning));
        assert!(rank(LoggingLevel::Critical) < rank(LoggingLevel::Emergency));
    }

    #[test]
    fn nothing_is_enabled_outside_a_scope() {
        assert!(!enabled(LoggingLevel::Emergency));
    }

    #[test]
    fn the_request_level_wins_over_the_session_level() {
        let session = SessionLevel::default();
        let mut meta = RequestMetaObject::new();
        assert_eq!(wanted(&meta, &session), None);
        session.set(LoggingLevel::Error);
        assert_eq!(wanted(&meta, &session), Some(LoggingLevel::Error));
        meta.set_log_level(LoggingLevel::Debug);
        assert_eq!(wanted(&meta, &session), Some(LoggingLevel::Debug));
    }
}

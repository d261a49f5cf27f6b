//! A cap on live MCP sessions (2025-11-25 and older clients, which `initialize` and
//! then send `Mcp-Session-Id`).
//!
//! [`BoundedSessions`] wraps rmcp's in-memory session manager and keeps, per session,
//! when it was last used and how many of its requests are being answered. When a new
//! session would pass the cap, the least recently used session with nothing in flight
//! is closed to make room (its client gets 404 on its next request and, as the spec
//! says, starts a new session); when every session is busy the new one is refused
//! with 503 and Retry-After (see [`BoundedSessions::make_room`]). Sessions that expire
//! on rmcp's idle timeout leave the table through `close_session`, which rmcp calls
//! when a session's worker ends.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use futures::Stream;
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use rmcp::transport::common::server_side_http::{ServerSseMessage, SessionId};
use rmcp::transport::streamable_http_server::session::local::{
    LocalSessionManager, LocalSessionManagerError,
};
use rmcp::transport::streamable_http_server::session::{RestoreOutcome, SessionManager};

use crate::metrics;

/// Why a session operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SessionsError {
    #[error(transparent)]
    Local(#[from] LocalSessionManagerError),
    #[error("all {0} sessions are busy")]
    Full(usize),
}

/// What the table knows of one session.
#[derive(Debug)]
struct Usage {
    last_used: Instant,
    in_flight: usize,
}

type Table = Arc<Mutex<HashMap<SessionId, Usage>>>;

/// rmcp's local session manager with a cap on how many sessions live at once.
pub struct BoundedSessions {
    inner: LocalSessionManager,
    max_sessions: usize,
    table: Table,
}

fn lock(table: &Table) -> std::sync::MutexGuard<'_, HashMap<SessionId, Usage>> {
    // Every critical section is a single insert, update or remove.
    table.lock().unwrap_or_else(|p| p.into_inner())
}

impl BoundedSessions {
    pub fn new(inner: LocalSessionManager, max_sessions: usize) -> Self {
        Self {
            inner,
            max_sessions: max_sessions.max(1),
            table: Arc::default(),
        }
    }

    /// Sessions alive now.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        lock(&self.table).len()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Makes room for one more session: `Ok` when there is room (closing the least
    /// recently used idle session if the table is full), `Err` when every session has
    /// a request in flight.
    pub async fn make_room(&self) -> Result<(), SessionsError> {
        let victim = {
            let mut table = lock(&self.table);
            if table.len() < self.max_sessions {
                return Ok(());
            }
            let oldest_idle = table
                .iter()
                .filter(|(_, usage)| usage.in_flight == 0)
                .min_by_key(|(_, usage)| usage.last_used)
                .map(|(id, _)| id.clone());
            let Some(id) = oldest_idle else {
                metrics::global().count_session_refused();
                return Err(SessionsError::Full(self.max_sessions));
            };
            table.remove(&id);
            metrics::global().set_sessions_live(table.len());
            id
        };
        metrics::global().count_session_evicted();
        tracing::info!("session limit reached: closed the least recently used idle session");
        self.inner.close_session(&victim).await?;
        Ok(())
    }

    fn register(&self, id: &SessionId) {
        let mut table = lock(&self.table);
        table.insert(
            id.clone(),
            Usage {
                last_used: Instant::now(),
                in_flight: 0,
            },
        );
        metrics::global().set_sessions_live(table.len());
    }

    fn touch(&self, id: &SessionId) {
        if let Some(usage) = lock(&self.table).get_mut(id) {
            usage.last_used = Instant::now();
        }
    }

    /// Marks a request of session `id` in flight until the guard drops.
    fn begin_request(&self, id: &SessionId) -> RequestInFlight {
        if let Some(usage) = lock(&self.table).get_mut(id) {
            usage.last_used = Instant::now();
            usage.in_flight += 1;
        }
        RequestInFlight {
            table: self.table.clone(),
            id: id.clone(),
        }
    }
}

/// Ends one request's in-flight mark on drop.
struct RequestInFlight {
    table: Table,
    id: SessionId,
}

impl Drop for RequestInFlight {
    fn drop(&mut self) {
        if let Some(usage) = lock(&self.table).get_mut(&self.id) {
            usage.last_used = Instant::now();
            usage.in_flight = usage.in_flight.saturating_sub(1);
        }
    }
}

/// A response stream that keeps its request marked in flight until it ends.
struct TrackedStream<S> {
    inner: Pin<Box<S>>,
    _in_flight: RequestInFlight,
}

impl<S: Stream> Stream for TrackedStream<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl SessionManager for BoundedSessions {
    type Error = SessionsError;
    type Transport = <LocalSessionManager as SessionManager>::Transport;

    async fn create_session(&self) -> Result<(SessionId, Self::Transport), Self::Error> {
        self.make_room().await?;
        let (id, transport) = self.inner.create_session().await?;
        self.register(&id);
        Ok((id, transport))
    }

    async fn initialize_session(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<ServerJsonRpcMessage, Self::Error> {
        let _in_flight = self.begin_request(id);
        Ok(self.inner.initialize_session(id, message).await?)
    }

    async fn has_session(&self, id: &SessionId) -> Result<bool, Self::Error> {
        Ok(self.inner.has_session(id).await?)
    }

    async fn close_session(&self, id: &SessionId) -> Result<(), Self::Error> {
        {
            let mut table = lock(&self.table);
            table.remove(id);
            metrics::global().set_sessions_live(table.len());
        }
        Ok(self.inner.close_session(id).await?)
    }

    async fn create_stream(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        let in_flight = self.begin_request(id);
        let stream = self.inner.create_stream(id, message).await?;
        Ok(TrackedStream {
            inner: Box::pin(stream),
            _in_flight: in_flight,
        })
    }

    async fn accept_message(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<(), Self::Error> {
        self.touch(id);
        Ok(self.inner.accept_message(id, message).await?)
    }

    async fn create_standalone_stream(
        &self,
        id: &SessionId,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.touch(id);
        Ok(self.inner.create_standalone_stream(id).await?)
    }

    async fn resume(
        &self,
        id: &SessionId,
        last_event_id: String,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.touch(id);
        Ok(self.inner.resume(id, last_event_id).await?)
    }

    async fn restore_session(
        &self,
        id: SessionId,
    ) -> Result<RestoreOutcome<Self::Transport>, Self::Error> {
        let outcome = self.inner.restore_session(id.clone()).await?;
        if matches!(outcome, RestoreOutcome::Restored(_)) {
            self.register(&id);
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_table_closes_the_least_recently_used_idle_session() {
        let sessions = BoundedSessions::new(LocalSessionManager::default(), 2);
        let (first, _t1) = sessions.create_session().await.unwrap();
        let (second, _t2) = sessions.create_session().await.unwrap();
        sessions.touch(&first);
        let (third, _t3) = sessions.create_session().await.unwrap();
        assert_eq!(sessions.len(), 2);
        assert!(
            !sessions.inner.has_session(&second).await.unwrap(),
            "LRU closed"
        );
        assert!(sessions.inner.has_session(&first).await.unwrap());
        assert!(sessions.inner.has_session(&third).await.unwrap());
    }

    #[tokio::test]
    async fn busy_sessions_are_never_evicted() {
        let sessions = BoundedSessions::new(LocalSessionManager::default(), 1);
        let (only, _t) = sessions.create_session().await.unwrap();
        let busy = sessions.begin_request(&only);
        assert!(matches!(
            sessions.make_room().await,
            Err(SessionsError::Full(1))
        ));
        drop(busy);
        assert!(sessions.make_room().await.is_ok());
        assert!(sessions.is_empty());
    }
}

//! MCP sessions (2025-11-25 and older clients, which `initialize` and then send
//! `Mcp-Session-Id`): a cap on how many exist, an idle timeout, and memory that
//! does not grow with sessions nobody is using.
//!
//! A live rmcp session costs about 45 KB (its worker's channels preallocate blocks
//! of large messages), so a server cannot keep thousands of them live. Each session
//! here is either *live* (an rmcp worker in [`LocalSessionManager`]) or *hibernated*:
//! only the client's `initialize` parameters are kept (about 1 KB), and the next
//! request on the session brings it back through rmcp's session-store restore, which
//! replays `initialize` to a fresh handler, invisibly to the client. At most
//! `hot_limit` sessions are live; past that, the least recently used one with
//! nothing in flight and no open stream is hibernated. What a handler kept in
//! memory for its session starts over on restore (fs-server asks the client for its
//! roots again; until it answers, the command-line roots apply).
//!
//! The total (live and hibernated) is capped at `max_sessions`: a new session
//! closes the least recently used idle one, and is refused with 503 (see
//! [`SessionTable::make_room`]) when every session is busy. A session unused for
//! `idle_timeout` ends (its client gets 404 and, as the spec says, starts anew).
//!
//! With `--redis-url` the restore state is also kept in Redis
//! ([`crate::cluster::sessions`]), refreshed while the session is used: a request
//! for a session this replica never saw (a load balancer without stickiness) finds
//! it there, adopts it into this table, and rmcp restores it here the same way it
//! restores a hibernated one. A session the client DELETEs is removed from Redis;
//! another replica that still holds it live lets it go at its idle timeout.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures::Stream;
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use rmcp::transport::common::server_side_http::{ServerSseMessage, SessionId};
use rmcp::transport::streamable_http_server::session::local::{
    LocalSessionManager, LocalSessionManagerError,
};
use rmcp::transport::streamable_http_server::session::store::{
    SessionState, SessionStore, SessionStoreError,
};
use rmcp::transport::streamable_http_server::session::{RestoreOutcome, SessionManager};

use crate::cluster::sessions::SharedSessions;
use crate::metrics;

/// Sessions that must have ended since the last sweep before freed memory is given
/// back to the system (each live one held about 45 KB).
const RELEASE_AFTER_ENDED: usize = 64;

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
struct Entry {
    last_used: Instant,
    /// Requests being answered (until their response streams end).
    in_flight: usize,
    /// Open GET streams (standalone or resumed).
    streams: usize,
    /// Whether an rmcp worker serves it now.
    live: bool,
    /// Worker shutdowns this table caused by hibernating; rmcp reports each one
    /// through `close_session`, which must not end the session.
    hibernations_pending: usize,
    /// What a restore needs; stored by rmcp once the handshake succeeded.
    state: Option<SessionState>,
    /// When the shared copy's expiry was last pushed back.
    shared_refreshed: Instant,
}

impl Entry {
    /// A session just opened here, served live.
    fn opened() -> Self {
        Self {
            last_used: Instant::now(),
            in_flight: 0,
            streams: 0,
            live: true,
            hibernations_pending: 0,
            state: None,
            shared_refreshed: Instant::now(),
        }
    }

    /// A session known only by its restore state (from another replica).
    fn hibernated(state: SessionState) -> Self {
        Self {
            live: false,
            state: Some(state),
            ..Self::opened()
        }
    }

    fn idle(&self) -> bool {
        self.in_flight == 0 && self.streams == 0
    }
}

/// Limits on the session table.
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    /// Most sessions, live and hibernated.
    pub max_sessions: usize,
    /// Most live sessions before idle ones are hibernated.
    pub hot_limit: usize,
    /// A session unused this long ends.
    pub idle_timeout: Duration,
}

/// Every session, live or hibernated. It is both the rmcp session manager
/// ([`Sessions`]) and the store rmcp restores hibernated sessions from
/// ([`HibernatedStore`]).
pub struct SessionTable {
    live: LocalSessionManager,
    limits: SessionLimits,
    entries: Mutex<HashMap<SessionId, Entry>>,
    /// The most sessions seen since the last sweep.
    high_water: AtomicUsize,
    /// Whether the cap has been reached once (it is logged once; metrics count each).
    cap_reached: AtomicBool,
    /// The copy other replicas restore from.
    shared: Option<SharedSessions>,
}

impl SessionTable {
    /// A table within `limits`, sharing restore state through `shared` when given.
    pub fn new(limits: SessionLimits, shared: Option<SharedSessions>) -> Arc<Self> {
        let mut live = LocalSessionManager::default();
        live.session_config.keep_alive = Some(limits.idle_timeout);
        Arc::new(Self {
            live,
            limits,
            entries: Mutex::new(HashMap::new()),
            high_water: AtomicUsize::new(0),
            cap_reached: AtomicBool::new(false),
            shared,
        })
    }

    /// Pushes back the shared copy's expiry of session `id` when a quarter of the
    /// idle timeout has passed since it last was (in the background).
    fn refresh_shared(&self, id: &SessionId) {
        let Some(shared) = &self.shared else {
            return;
        };
        let due = self.entries().get_mut(id).is_some_and(|entry| {
            let due = entry.shared_refreshed.elapsed() >= self.limits.idle_timeout / 4;
            if due {
                entry.shared_refreshed = Instant::now();
            }
            due
        });
        if due {
            let (shared, id) = (shared.clone(), id.to_string());
            tokio::spawn(async move { shared.refresh(&id).await });
        }
    }

    /// Takes in session `id`, opened on another replica, from its shared `state`, so
    /// rmcp can restore it here; `false` when the table has no room.
    async fn adopt(&self, id: &str, state: &SessionState) -> bool {
        if self.make_room().await.is_err() {
            tracing::warn!(
                "a session from another replica could not be taken in: every session here is busy"
            );
            return false;
        }
        let mut entries = self.entries();
        entries
            .entry(SessionId::from(id))
            .or_insert_with(|| Entry::hibernated(state.clone()));
        metrics::global().set_sessions_live(entries.len());
        self.high_water.fetch_max(entries.len(), Ordering::AcqRel);
        true
    }

    fn entries(&self) -> MutexGuard<'_, HashMap<SessionId, Entry>> {
        // Every critical section leaves the map consistent.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sessions now: (all, live).
    #[cfg(test)]
    pub fn counts(&self) -> (usize, usize) {
        let entries = self.entries();
        (entries.len(), entries.values().filter(|e| e.live).count())
    }

    /// Makes room for one more session: `Ok` when there is room (ending the least
    /// recently used idle session if the table is full), `Err` when every session
    /// is busy.
    pub async fn make_room(&self) -> Result<(), SessionsError> {
        let victim = {
            let mut entries = self.entries();
            if entries.len() < self.limits.max_sessions {
                return Ok(());
            }
            let Some(id) = least_recently_used(&entries, |e| e.idle()) else {
                metrics::global().count_session_refused();
                return Err(SessionsError::Full(self.limits.max_sessions));
            };
            let entry = entries.remove(&id);
            metrics::global().set_sessions_live(entries.len());
            entry.filter(|e| e.live).map(|_| id)
        };
        metrics::global().count_session_evicted();
        if !self.cap_reached.swap(true, Ordering::AcqRel) {
            tracing::warn!(
                max_sessions = self.limits.max_sessions,
                "session limit reached: the least recently used idle sessions are being ended (their clients get 404 and start anew); raise --max-sessions if that happens often (counted in mcp_sessions_evicted_total)"
            );
        }
        if let Some(id) = victim {
            self.live.close_session(&id).await?;
        }
        Ok(())
    }

    /// Hibernates the least recently used idle live sessions while more than
    /// `hot_limit - 1` are live, so one more can start.
    async fn make_hot_room(&self) -> Result<(), SessionsError> {
        loop {
            let victim = {
                let mut entries = self.entries();
                let live = entries.values().filter(|e| e.live).count();
                if live < self.limits.hot_limit {
                    return Ok(());
                }
                let Some(id) =
                    least_recently_used(&entries, |e| e.live && e.idle() && e.state.is_some())
                else {
                    // Every live session is busy: let this one exceed the hot limit.
                    return Ok(());
                };
                if let Some(entry) = entries.get_mut(&id) {
                    entry.live = false;
                    entry.hibernations_pending += 1;
                }
                id
            };
            tracing::debug!("hibernating the least recently used idle session");
            self.live.close_session(&victim).await?;
        }
    }

    /// Ends sessions unused for longer than the idle timeout (live ones end by
    /// rmcp's own timer; this catches hibernated ones), and gives memory back once
    /// sessions have ended: the map's spare room, and the allocator's free pages.
    pub fn sweep(&self) {
        let ended_since_last_sweep = {
            let mut entries = self.entries();
            let timeout = self.limits.idle_timeout;
            entries.retain(|_, e| e.live || !e.idle() || e.last_used.elapsed() < timeout);
            if entries.capacity() > 64 && entries.len() < entries.capacity() / 4 {
                entries.shrink_to_fit();
            }
            metrics::global().set_sessions_live(entries.len());
            let high_water = self.high_water.swap(entries.len(), Ordering::AcqRel);
            high_water.saturating_sub(entries.len())
        };
        if ended_since_last_sweep >= RELEASE_AFTER_ENDED {
            crate::memory::release_free_memory();
        }
    }

    fn touch(&self, id: &SessionId) {
        if let Some(entry) = self.entries().get_mut(id) {
            entry.last_used = Instant::now();
        }
    }

    /// Marks a request of session `id` in flight, or one of its streams open, until
    /// the guard drops.
    fn begin(self: &Arc<Self>, id: &SessionId, kind: Use) -> InUse {
        if let Some(entry) = self.entries().get_mut(id) {
            entry.last_used = Instant::now();
            *kind.counter(entry) += 1;
        }
        InUse {
            table: self.clone(),
            id: id.clone(),
            kind,
        }
    }
}

/// The id of the least recently used session that `eligible` accepts.
fn least_recently_used(
    entries: &HashMap<SessionId, Entry>,
    eligible: impl Fn(&Entry) -> bool,
) -> Option<SessionId> {
    entries
        .iter()
        .filter(|(_, e)| eligible(e))
        .min_by_key(|(_, e)| e.last_used)
        .map(|(id, _)| id.clone())
}

/// What keeps a session busy.
#[derive(Clone, Copy)]
enum Use {
    Request,
    Stream,
}

impl Use {
    fn counter(self, entry: &mut Entry) -> &mut usize {
        match self {
            Use::Request => &mut entry.in_flight,
            Use::Stream => &mut entry.streams,
        }
    }
}

/// One use of a session; ends on drop.
struct InUse {
    table: Arc<SessionTable>,
    id: SessionId,
    kind: Use,
}

impl Drop for InUse {
    fn drop(&mut self) {
        if let Some(entry) = self.table.entries().get_mut(&self.id) {
            entry.last_used = Instant::now();
            let counter = self.kind.counter(entry);
            *counter = counter.saturating_sub(1);
        }
    }
}

/// A stream that keeps its session in use until it ends.
struct Tracked<S> {
    inner: Pin<Box<S>>,
    _use: InUse,
}

impl<S: Stream> Stream for Tracked<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// The table as rmcp's session manager.
pub struct Sessions(pub Arc<SessionTable>);

impl Sessions {
    /// Marks session `id` in use (as `kind`) from now until the stream that
    /// `opening` yields ends.
    async fn tracked<S: Stream>(
        &self,
        id: &SessionId,
        kind: Use,
        opening: impl Future<Output = Result<S, LocalSessionManagerError>>,
    ) -> Result<Tracked<S>, SessionsError> {
        let in_use = self.0.begin(id, kind);
        let stream = opening.await?;
        Ok(Tracked {
            inner: Box::pin(stream),
            _use: in_use,
        })
    }
}

impl SessionManager for Sessions {
    type Error = SessionsError;
    type Transport = <LocalSessionManager as SessionManager>::Transport;

    async fn create_session(&self) -> Result<(SessionId, Self::Transport), Self::Error> {
        self.0.make_room().await?;
        self.0.make_hot_room().await?;
        let (id, transport) = self.0.live.create_session().await?;
        let mut entries = self.0.entries();
        entries.insert(id.clone(), Entry::opened());
        metrics::global().set_sessions_live(entries.len());
        self.0.high_water.fetch_max(entries.len(), Ordering::AcqRel);
        Ok((id, transport))
    }

    async fn initialize_session(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<ServerJsonRpcMessage, Self::Error> {
        let _use = self.0.begin(id, Use::Request);
        Ok(self.0.live.initialize_session(id, message).await?)
    }

    async fn has_session(&self, id: &SessionId) -> Result<bool, Self::Error> {
        Ok(self.0.live.has_session(id).await?)
    }

    async fn close_session(&self, id: &SessionId) -> Result<(), Self::Error> {
        {
            let mut entries = self.0.entries();
            if let Some(entry) = entries.get_mut(id)
                && entry.hibernations_pending > 0
            {
                // The worker this table stopped to hibernate the session: keep it.
                entry.hibernations_pending -= 1;
                return Ok(());
            }
            entries.remove(id);
            metrics::global().set_sessions_live(entries.len());
        }
        Ok(self.0.live.close_session(id).await?)
    }

    async fn create_stream(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.0.refresh_shared(id);
        self.tracked(id, Use::Request, self.0.live.create_stream(id, message))
            .await
    }

    async fn accept_message(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<(), Self::Error> {
        self.0.touch(id);
        self.0.refresh_shared(id);
        Ok(self.0.live.accept_message(id, message).await?)
    }

    async fn create_standalone_stream(
        &self,
        id: &SessionId,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.tracked(id, Use::Stream, self.0.live.create_standalone_stream(id))
            .await
    }

    async fn resume(
        &self,
        id: &SessionId,
        last_event_id: String,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.tracked(id, Use::Stream, self.0.live.resume(id, last_event_id))
            .await
    }

    async fn restore_session(
        &self,
        id: SessionId,
    ) -> Result<RestoreOutcome<Self::Transport>, Self::Error> {
        self.0.make_hot_room().await?;
        let outcome = self.0.live.restore_session(id.clone()).await?;
        if matches!(outcome, RestoreOutcome::Restored(_))
            && let Some(entry) = self.0.entries().get_mut(&id)
        {
            entry.live = true;
            entry.last_used = Instant::now();
        }
        Ok(outcome)
    }
}

/// The table as the store rmcp keeps `initialize` parameters in and restores
/// hibernated sessions from.
pub struct HibernatedStore(pub Arc<SessionTable>);

#[async_trait::async_trait]
impl SessionStore for HibernatedStore {
    async fn load(&self, session_id: &str) -> Result<Option<SessionState>, SessionStoreError> {
        let local = {
            let entries = self.0.entries();
            let timeout = self.0.limits.idle_timeout;
            entries
                .get(session_id)
                .filter(|e| e.last_used.elapsed() < timeout)
                .and_then(|e| e.state.clone())
        };
        if local.is_some() {
            return Ok(local);
        }
        let Some(shared) = &self.0.shared else {
            return Ok(None);
        };
        let Some(Some(state)) = shared.load(session_id).await else {
            return Ok(None);
        };
        Ok(self.0.adopt(session_id, &state).await.then_some(state))
    }

    async fn store(&self, session_id: &str, state: &SessionState) -> Result<(), SessionStoreError> {
        if let Some(entry) = self.0.entries().get_mut(session_id) {
            entry.state = Some(state.clone());
        }
        if let Some(shared) = &self.0.shared {
            shared.store(session_id, state).await;
        }
        Ok(())
    }

    async fn delete(&self, session_id: &str) -> Result<(), SessionStoreError> {
        {
            let mut entries = self.0.entries();
            entries.remove(session_id);
            metrics::global().set_sessions_live(entries.len());
        }
        if let Some(shared) = &self.0.shared {
            shared.delete(session_id).await;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmcp::model::InitializeRequestParams;

    fn table(max_sessions: usize, hot_limit: usize) -> Arc<SessionTable> {
        SessionTable::new(
            SessionLimits {
                max_sessions,
                hot_limit,
                idle_timeout: Duration::from_secs(60),
            },
            None,
        )
    }

    async fn started(sessions: &Sessions) -> SessionId {
        let (id, transport) = sessions.create_session().await.unwrap();
        // The worker would run the handshake; a test only needs the stored state.
        drop(transport);
        HibernatedStore(sessions.0.clone())
            .store(&id, &SessionState::new(InitializeRequestParams::default()))
            .await
            .unwrap();
        id
    }

    #[tokio::test]
    async fn a_full_table_ends_the_least_recently_used_idle_session() {
        let sessions = Sessions(table(2, 10));
        let first = started(&sessions).await;
        let second = started(&sessions).await;
        sessions.0.touch(&first);
        let third = started(&sessions).await;
        assert_eq!(sessions.0.counts().0, 2);
        let store = HibernatedStore(sessions.0.clone());
        assert!(store.load(&second).await.unwrap().is_none(), "LRU ended");
        assert!(!sessions.0.live.has_session(&second).await.unwrap());
        assert!(store.load(&first).await.unwrap().is_some());
        assert!(store.load(&third).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn busy_sessions_are_never_ended() {
        let sessions = Sessions(table(1, 10));
        let only = started(&sessions).await;
        let busy = sessions.0.begin(&only, Use::Request);
        assert!(matches!(
            sessions.0.make_room().await,
            Err(SessionsError::Full(1))
        ));
        drop(busy);
        assert!(sessions.0.make_room().await.is_ok());
        assert_eq!(sessions.0.counts().0, 0);
    }

    #[tokio::test]
    async fn past_the_hot_limit_idle_sessions_hibernate_and_stay_restorable() {
        let sessions = Sessions(table(100, 2));
        let first = started(&sessions).await;
        let streaming = started(&sessions).await;
        let _stream = sessions.0.begin(&streaming, Use::Stream);
        let third = started(&sessions).await;
        assert_eq!(sessions.0.counts(), (3, 2));
        assert!(
            !sessions.0.live.has_session(&first).await.unwrap(),
            "hibernated"
        );
        assert!(
            sessions.0.live.has_session(&streaming).await.unwrap(),
            "open stream"
        );
        assert!(sessions.0.live.has_session(&third).await.unwrap());
        // rmcp reports the stopped worker; the session must survive that report.
        sessions.close_session(&first).await.unwrap();
        let store = HibernatedStore(sessions.0.clone());
        assert!(store.load(&first).await.unwrap().is_some());
        let restored = sessions.restore_session(first.clone()).await.unwrap();
        assert!(matches!(restored, RestoreOutcome::Restored(_)));
        assert!(sessions.0.live.has_session(&first).await.unwrap());
        assert_eq!(sessions.0.counts(), (3, 2), "third went to sleep instead");
    }
}

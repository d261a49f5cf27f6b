//! Live `file://` resources: watching subscribed files and telling clients when they
//! change on disk, for both protocol generations.
//!
//! How it fits together:
//! - One process-wide [`WatchHub`] owns a single `notify` watcher (inotify on Linux)
//!   behind `notify-debouncer-mini`. It watches the *parent directory* of each
//!   subscribed file, never the file itself, so a file replaced by rename (how the
//!   write tools save) is still seen, and one OS watch serves every subscriber of
//!   every file in that directory, from every session. The watcher starts with the
//!   first watch and stops with the last one.
//! - A subscription is a [`WatchGuard`]. Holding it keeps the watch. Dropping it removes
//!   the subscriber, and the directory watch too if it was the last one. A session
//!   keeps its legacy (`resources/subscribe`) guards in [`SessionWatches`]. A
//!   `subscriptions/listen` stream keeps its guards in its own future. So ending either
//!   one ends its watches.
//! - A listen stream's watches are set up when its filter is accepted. rmcp sends
//!   the acknowledgment right after that, before `listen` runs. Watching from
//!   `listen` would miss a change made just after the acknowledgment. The watches
//!   wait in [`SessionWatches`] until their stream starts (see
//!   [`SessionWatches::accept`]).
//! - Two debouncing steps. First the debouncer merges raw events per path over
//!   [`DEBOUNCE`]. Then a [`Coalescer`] drops the debouncer's interim "still changing"
//!   events unless a path has kept changing for [`CONTINUOUS_INTERVAL`]. A burst of
//!   writes therefore gives one notification. A file written continuously gives one
//!   per interval, plus one when it settles.
//! - Only content changes count: a file created, written, renamed or removed. Opening
//!   or reading a file, or changing only its metadata, notifies no one. Otherwise a
//!   client that re-reads a resource when told it changed would be told again.
//! - A notification carries the URI exactly as the client subscribed with it.
//!
//! Subscribing applies the same refusals as `resources/read`, under the same
//! sandbox: the target must be an existing regular file inside the client's roots.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};
use std::time::{Duration, Instant};

use notify::event::ModifyKind;
use notify::{
    Event, EventHandler, EventKind, RecommendedWatcher, RecursiveMode, Watcher, WatcherKind,
};
use notify_debouncer_mini::{
    Config, DebounceEventResult, DebouncedEventKind, Debouncer, new_debouncer_opt,
};
use rmcp::model::{ResourceUpdatedNotificationParam, SubscriptionFilter};
use rmcp::service::{SubscriptionContext, SubscriptionSendError};
use rmcp::{ErrorData as McpError, Peer, RoleServer};
use tokio::sync::mpsc;

use crate::resources::uri_to_path;
use crate::sandbox::Sandbox;

/// Quiet time after the last raw event on a path before it counts as changed.
pub const DEBOUNCE: Duration = Duration::from_millis(250);
/// A file that keeps changing is reported at most this often until it settles.
pub const CONTINUOUS_INTERVAL: Duration = Duration::from_secs(1);

/// Where a subscriber wants the URIs of changed files delivered.
pub type UpdateSender = mpsc::UnboundedSender<String>;

/// Why a watch could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The file has no parent directory (its path is given).
    #[error("{0} has no parent directory to watch")]
    NoParent(String),
    /// The OS watcher refused the watch.
    #[error(
        "cannot watch {path} for changes: {source}. The system's limit on file watches may be reached (on Linux: fs.inotify.max_user_watches and max_user_instances)."
    )]
    Notify {
        /// The directory that could not be watched.
        path: String,
        /// What the watcher said.
        #[source]
        source: notify::Error,
    },
}

/// The process-wide registry of watched files and their subscribers.
pub struct WatchHub {
    debounce: Duration,
    next_id: AtomicU64,
    state: Mutex<HubState>,
}

#[derive(Default)]
struct HubState {
    /// Present while at least one directory is watched.
    debouncer: Option<Debouncer<ChangeWatcher>>,
    /// Watched directory → number of subscribers of files in it.
    dirs: HashMap<PathBuf, usize>,
    /// Watched file (canonical path) → its subscribers by id.
    files: HashMap<PathBuf, HashMap<u64, Subscriber>>,
}

struct Subscriber {
    uri: String,
    tx: UpdateSender,
}

/// What the hub holds now. For tests and diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HubStats {
    /// Whether the OS watcher runs.
    pub watcher_running: bool,
    /// Directories watched.
    pub watched_dirs: usize,
    /// Files subscribed to.
    pub watched_files: usize,
    /// Subscribers, over every file.
    pub subscribers: usize,
}

/// One subscriber's hold on a watched file; dropping it unsubscribes.
pub struct WatchGuard {
    hub: Arc<WatchHub>,
    file: PathBuf,
    id: u64,
}

impl WatchGuard {
    /// The canonical path of the watched file.
    pub fn file(&self) -> &Path {
        &self.file
    }
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        self.hub.release(&self.file, self.id);
    }
}

impl WatchHub {
    /// A hub that debounces over `debounce`. The server uses [`WatchHub::global`].
    pub fn new(debounce: Duration) -> Arc<Self> {
        Arc::new(Self {
            debounce,
            next_id: AtomicU64::new(0),
            state: Mutex::new(HubState::default()),
        })
    }

    /// The hub every session of this process shares. It holds one OS watcher at
    /// most, and only while something is subscribed.
    pub fn global() -> Arc<Self> {
        static HUB: OnceLock<Arc<WatchHub>> = OnceLock::new();
        HUB.get_or_init(|| WatchHub::new(DEBOUNCE)).clone()
    }

    /// Subscribes `tx` to changes of `file`, an existing file's canonical path.
    /// `uri` is what `tx` receives on each change.
    ///
    /// Blocks briefly on the watcher thread: call it from a blocking context.
    pub fn watch(
        self: &Arc<Self>,
        file: &Path,
        uri: &str,
        tx: UpdateSender,
    ) -> Result<WatchGuard, WatchError> {
        let dir = file
            .parent()
            .ok_or_else(|| WatchError::NoParent(file.display().to_string()))?;
        let mut state = self.lock();
        self.watch_dir(&mut state, dir)?;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let subscriber = Subscriber {
            uri: uri.to_string(),
            tx,
        };
        state
            .files
            .entry(file.to_path_buf())
            .or_default()
            .insert(id, subscriber);
        Ok(WatchGuard {
            hub: self.clone(),
            file: file.to_path_buf(),
            id,
        })
    }

    /// What is watched now.
    pub fn stats(&self) -> HubStats {
        let state = self.lock();
        HubStats {
            watcher_running: state.debouncer.is_some(),
            watched_dirs: state.dirs.len(),
            watched_files: state.files.len(),
            subscribers: state.files.values().map(HashMap::len).sum(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HubState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts one more subscriber in `dir`, adding the OS watch for the first.
    fn watch_dir(self: &Arc<Self>, state: &mut HubState, dir: &Path) -> Result<(), WatchError> {
        if let Some(count) = state.dirs.get_mut(dir) {
            *count += 1;
            return Ok(());
        }
        let added = self
            .debouncer(state)
            .and_then(|d| d.watcher().watch(dir, RecursiveMode::NonRecursive));
        if let Err(source) = added {
            stop_if_idle(state);
            return Err(WatchError::Notify {
                path: dir.display().to_string(),
                source,
            });
        }
        state.dirs.insert(dir.to_path_buf(), 1);
        Ok(())
    }

    /// The running debouncer, started if there is none.
    fn debouncer<'s>(
        self: &Arc<Self>,
        state: &'s mut HubState,
    ) -> notify::Result<&'s mut Debouncer<ChangeWatcher>> {
        let debouncer = match state.debouncer.take() {
            Some(running) => running,
            None => self.start_debouncer()?,
        };
        Ok(state.debouncer.insert(debouncer))
    }

    fn start_debouncer(self: &Arc<Self>) -> notify::Result<Debouncer<ChangeWatcher>> {
        // Weak: the debouncer thread must not keep the hub (and so itself) alive.
        let hub = Arc::downgrade(self);
        let mut coalescer = Coalescer::new(CONTINUOUS_INTERVAL);
        let config = Config::default()
            .with_timeout(self.debounce)
            .with_batch_mode(true);
        new_debouncer_opt(config, move |result: DebounceEventResult| {
            deliver(&hub, &mut coalescer, result);
        })
    }

    /// Sends each changed file's URI to all its subscribers.
    fn dispatch(&self, changed: &[PathBuf]) {
        let state = self.lock();
        for path in changed {
            let Some(subscribers) = state.files.get(path) else {
                continue; // a sibling of a watched file
            };
            tracing::debug!(path = %path.display(), subscribers = subscribers.len(), "watched file changed");
            for subscriber in subscribers.values() {
                // A closed receiver belongs to a subscription that is ending; its
                // guard removes it.
                let _ = subscriber.tx.send(subscriber.uri.clone());
            }
        }
    }

    /// Removes one subscriber (a guard was dropped).
    fn release(&self, file: &Path, id: u64) {
        let mut state = self.lock();
        let now_unused = state.files.get_mut(file).is_some_and(|subscribers| {
            subscribers.remove(&id);
            subscribers.is_empty()
        });
        if now_unused {
            state.files.remove(file);
        }
        if let Some(dir) = file.parent() {
            unwatch_dir(&mut state, dir);
        }
    }
}

/// Counts one subscriber fewer in `dir`, removing the OS watch after the last.
fn unwatch_dir(state: &mut HubState, dir: &Path) {
    match state.dirs.get_mut(dir) {
        Some(count) if *count > 1 => *count -= 1,
        Some(_) => {
            state.dirs.remove(dir);
            if let Some(debouncer) = state.debouncer.as_mut()
                && let Err(error) = debouncer.watcher().unwatch(dir)
            {
                // The kernel drops the watch itself when the directory goes away.
                tracing::debug!(%error, dir = %dir.display(), "unwatch failed");
            }
        }
        None => {}
    }
    stop_if_idle(state);
}

/// Stops the OS watcher (and its threads) when nothing is watched.
fn stop_if_idle(state: &mut HubState) {
    if state.dirs.is_empty() {
        state.debouncer = None;
    }
}

/// The debouncer's callback, run on its own thread.
fn deliver(hub: &Weak<WatchHub>, coalescer: &mut Coalescer, result: DebounceEventResult) {
    let events = match result {
        Ok(events) => events,
        Err(error) => {
            tracing::warn!(%error, "the file watcher reported an error");
            return;
        }
    };
    let now = Instant::now();
    let changed: Vec<PathBuf> = events
        .into_iter()
        .filter(|event| coalescer.should_notify(&event.path, event.kind, now))
        .map(|event| event.path)
        .collect();
    if let Some(hub) = hub.upgrade()
        && !changed.is_empty()
    {
        hub.dispatch(&changed);
    }
}

/// Turns the debouncer's events into notification decisions: one per burst, and at
/// most one per interval while a path keeps changing.
///
/// `notify-debouncer-mini` emits `AnyContinuous` for a path that is still changing
/// when its timeout expires, and `Any` once it has been quiet for the timeout. A
/// burst of writes often yields one of each (the timeout starts at the first
/// event). So `Any` always notifies, and `AnyContinuous` notifies only when the
/// path has been changing, without a notification, for a whole interval.
#[derive(Debug)]
pub struct Coalescer {
    interval: Duration,
    /// Paths still changing → when they started, or when last notified.
    changing: HashMap<PathBuf, Instant>,
}

impl Coalescer {
    /// A coalescer notifying a continuously changing path every `interval`.
    pub fn new(interval: Duration) -> Self {
        Self {
            interval,
            changing: HashMap::new(),
        }
    }

    /// Whether this debounced event on `path` should notify subscribers.
    pub fn should_notify(&mut self, path: &Path, kind: DebouncedEventKind, now: Instant) -> bool {
        match kind {
            DebouncedEventKind::AnyContinuous => self.still_changing(path, now),
            _ => {
                self.changing.remove(path);
                true
            }
        }
    }

    fn still_changing(&mut self, path: &Path, now: Instant) -> bool {
        match self.changing.get_mut(path) {
            None => {
                self.changing.insert(path.to_path_buf(), now);
                false
            }
            Some(since) if now.saturating_duration_since(*since) >= self.interval => {
                *since = now;
                true
            }
            Some(_) => false,
        }
    }
}

/// The platform's watcher, passing on only events that change a file's content or
/// name (see [`is_content_change`]).
pub struct ChangeWatcher(RecommendedWatcher);

impl Watcher for ChangeWatcher {
    fn new<F: EventHandler>(mut handler: F, config: notify::Config) -> notify::Result<Self> {
        let filter = move |event: notify::Result<Event>| {
            let relevant = match &event {
                Ok(event) => is_content_change(event),
                Err(_) => true,
            };
            if relevant {
                handler.handle_event(event);
            }
        };
        RecommendedWatcher::new(filter, config).map(Self)
    }

    fn watch(&mut self, path: &Path, recursive_mode: RecursiveMode) -> notify::Result<()> {
        self.0.watch(path, recursive_mode)
    }

    fn unwatch(&mut self, path: &Path) -> notify::Result<()> {
        self.0.unwatch(path)
    }

    fn kind() -> WatcherKind {
        RecommendedWatcher::kind()
    }
}

/// Opens, reads and closes (`Access`) and metadata-only changes (`chmod`, `touch`)
/// leave the content as it was. Everything else may have changed it.
pub fn is_content_change(event: &Event) -> bool {
    !matches!(
        event.kind,
        EventKind::Access(_) | EventKind::Modify(ModifyKind::Metadata(_))
    )
}

/// The file a subscription to `uri` watches: its canonical path. Refused exactly as
/// `resources/read` would refuse it: not a `file://` URI or outside the roots gives
/// invalid params, a missing file gives resource-not-found. A directory is refused
/// too, since it is not a readable resource.
pub fn subscribable_file(sandbox: &Sandbox, uri: &str) -> Result<PathBuf, McpError> {
    let path = uri_to_path(uri).ok_or_else(|| {
        McpError::invalid_params(
            format!(
                "not a file URI: {uri}. Subscribe to file:///absolute/path under one of the roots."
            ),
            None,
        )
    })?;
    let resolved = sandbox
        .resolve(&path.to_string_lossy())
        .map_err(|e| crate::resources::not_found_or_invalid(uri, e))?;
    let metadata = sandbox
        .metadata(&resolved)
        .map_err(|e| crate::resources::not_found_or_invalid(uri, e))?;
    if !metadata.is_file() {
        return Err(McpError::invalid_params(
            format!("{uri} is not a regular file; only files can be subscribed to"),
            None,
        ));
    }
    Ok(resolved.abs)
}

/// How long watches prepared for a listen stream wait for it to start. A stream
/// that never starts (its acknowledgment could not be sent) leaves them behind.
/// They are cleared after this long, or when the session ends.
const PREPARED_TTL: Duration = Duration::from_secs(30);

/// One session's subscriptions. It holds the legacy `resources/subscribe` watches,
/// and the watches prepared for `subscriptions/listen` streams about to start.
/// Dropping it (the session ended) drops all of them and stops the forwarding task.
pub struct SessionWatches {
    hub: Arc<WatchHub>,
    legacy: Mutex<Legacy>,
    prepared: Mutex<Vec<PreparedListen>>,
}

/// The watches of one listen stream, and where their updates arrive.
struct PreparedListen {
    /// The URIs watched, as accepted.
    uris: Vec<String>,
    guards: Vec<WatchGuard>,
    updates: mpsc::UnboundedReceiver<String>,
    prepared_at: Instant,
}

#[derive(Default)]
struct Legacy {
    /// Feeds the task that sends `notifications/resources/updated` to the client.
    outbox: Option<UpdateSender>,
    /// Subscribed URI → its watch.
    subscriptions: HashMap<String, WatchGuard>,
}

impl SessionWatches {
    /// A session's empty set of watches on `hub`.
    pub fn new(hub: Arc<WatchHub>) -> Self {
        Self {
            hub,
            legacy: Mutex::new(Legacy::default()),
            prepared: Mutex::new(Vec::new()),
        }
    }

    /// Accepts the part of a `subscriptions/listen` filter this server can serve,
    /// and starts watching it at once. A requested URI is accepted only if
    /// [`subscribable_file`] allows it and its watch could be set up. List-changed
    /// categories are left out: this server does not send them. The watches wait
    /// for [`SessionWatches::listen`] to pick them up.
    ///
    /// Runs synchronously (rmcp's hook is not async). Per URI that is a few `lstat`s
    /// and one request to the watcher thread.
    pub fn accept(&self, sandbox: &Sandbox, requested: &SubscriptionFilter) -> SubscriptionFilter {
        let requested_uris = requested.resource_subscriptions.iter().flatten();
        let prepared = prepare(&self.hub, sandbox, requested_uris);
        let accepted = SubscriptionFilter::builder()
            .resource_subscriptions(prepared.uris.clone())
            .build();
        if !prepared.uris.is_empty() {
            self.stash(prepared);
        }
        accepted
    }

    /// Legacy `resources/subscribe` (2025-11-25 and earlier). Subscribing again to a
    /// subscribed URI is accepted; it stays subscribed once (one update per change).
    pub async fn subscribe(
        &self,
        sandbox: Arc<Sandbox>,
        uri: String,
        peer: &Peer<RoleServer>,
    ) -> Result<(), McpError> {
        let outbox = self.legacy_outbox(peer);
        let hub = self.hub.clone();
        let key = uri.clone();
        let guard = blocking(move || {
            let file = subscribable_file(&sandbox, &uri)?;
            hub.watch(&file, &uri, outbox).map_err(watch_failed)
        })
        .await?;
        // A previous guard for this URI (if any) is dropped after the lock is released.
        let _previous = self.lock_legacy().subscriptions.insert(key, guard);
        Ok(())
    }

    /// Legacy `resources/unsubscribe`. Unsubscribing from a URI that is not
    /// subscribed is not an error. Returns whether it was subscribed.
    pub fn unsubscribe(&self, uri: &str) -> bool {
        let removed = self.lock_legacy().subscriptions.remove(uri);
        removed.is_some()
    }

    /// Runs one `subscriptions/listen` stream (2026-07-28). It watches the URIs in
    /// the acknowledged filter and sends an update for each change until the client
    /// cancels or goes away. Its watches end with it.
    pub async fn listen(
        &self,
        sandbox: Arc<Sandbox>,
        subscription: SubscriptionContext,
    ) -> Result<(), McpError> {
        let uris = subscription
            .accepted()
            .resource_subscriptions
            .clone()
            .unwrap_or_default();
        let prepared = match self.take_prepared(&uris) {
            Some(prepared) => prepared,
            None => {
                // Not prepared by `accept` (only if rmcp changed the filter after it).
                let hub = self.hub.clone();
                blocking(move || Ok(prepare(&hub, &sandbox, uris.iter()))).await?
            }
        };
        let PreparedListen {
            guards: _guards,
            mut updates,
            ..
        } = prepared;
        loop {
            let update = tokio::select! {
                () = subscription.cancelled() => return Ok(()),
                update = updates.recv() => update,
            };
            let Some(uri) = update else {
                // Nothing is watched: the stream stays open until the client ends it.
                subscription.cancelled().await;
                return Ok(());
            };
            if !send_update(&subscription, uri).await {
                return Ok(());
            }
        }
    }

    /// The sender for this session's legacy updates. The forwarding task is started
    /// on first use, and again if the previous one ended.
    fn legacy_outbox(&self, peer: &Peer<RoleServer>) -> UpdateSender {
        let mut legacy = self.lock_legacy();
        if let Some(tx) = legacy.outbox.as_ref().filter(|tx| !tx.is_closed()) {
            return tx.clone();
        }
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(forward_legacy(peer.clone(), rx));
        legacy.outbox = Some(tx.clone());
        tx
    }

    fn lock_legacy(&self) -> MutexGuard<'_, Legacy> {
        self.legacy.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps prepared watches until their stream starts.
    fn stash(&self, prepared: PreparedListen) {
        self.lock_fresh_prepared().push(prepared);
    }

    /// The oldest prepared watches for exactly these URIs.
    fn take_prepared(&self, uris: &[String]) -> Option<PreparedListen> {
        let mut waiting = self.lock_fresh_prepared();
        let index = waiting.iter().position(|p| p.uris == uris)?;
        Some(waiting.remove(index))
    }

    /// The prepared watches, after dropping those whose stream never started.
    fn lock_fresh_prepared(&self) -> MutexGuard<'_, Vec<PreparedListen>> {
        let mut waiting = self.lock_prepared();
        waiting.retain(|p| p.prepared_at.elapsed() < PREPARED_TTL);
        waiting
    }

    fn lock_prepared(&self) -> MutexGuard<'_, Vec<PreparedListen>> {
        self.prepared.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Watches each URI that [`subscribable_file`] allows, for one listen stream. A
/// URI that is refused or cannot be watched (over the watch limit) is logged and
/// left out. The others still work.
fn prepare<'a>(
    hub: &Arc<WatchHub>,
    sandbox: &Sandbox,
    uris: impl Iterator<Item = &'a String>,
) -> PreparedListen {
    let (tx, updates) = mpsc::unbounded_channel();
    let mut prepared = PreparedListen {
        uris: Vec::new(),
        guards: Vec::new(),
        updates,
        prepared_at: Instant::now(),
    };
    for uri in uris {
        let watched = subscribable_file(sandbox, uri)
            .and_then(|file| hub.watch(&file, uri, tx.clone()).map_err(watch_failed));
        match watched {
            Ok(guard) => {
                prepared.uris.push(uri.clone());
                prepared.guards.push(guard);
            }
            Err(refused) => {
                tracing::debug!(uri = %uri, reason = %refused.message, "subscription refused");
            }
        }
    }
    prepared
}

/// Sends one update on a listen stream. Returns whether the stream is still usable.
async fn send_update(subscription: &SubscriptionContext, uri: String) -> bool {
    match subscription.sink().notify_resource_updated(uri).await {
        Ok(()) => true,
        Err(SubscriptionSendError::NotificationNotAccepted(_)) => true,
        Err(error) => {
            tracing::debug!(%error, "listen stream closed");
            false
        }
    }
}

/// Sends a session's legacy updates until the session ends (every sender is
/// dropped) or the client goes away.
async fn forward_legacy(peer: Peer<RoleServer>, mut updates: mpsc::UnboundedReceiver<String>) {
    while let Some(uri) = updates.recv().await {
        let param = ResourceUpdatedNotificationParam::new(uri);
        if let Err(error) = peer.notify_resource_updated(param).await {
            tracing::debug!(%error, "client gone; no more resource update notifications");
            break;
        }
    }
}

fn watch_failed(error: WatchError) -> McpError {
    McpError::internal_error(error.to_string(), None)
}

/// Runs quick filesystem and watcher work on a blocking thread.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, McpError> + Send + 'static,
) -> Result<T, McpError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| McpError::internal_error(format!("subscription setup panicked: {e}"), None))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmcp::model::ErrorCode;

    const SHORT: Duration = Duration::from_millis(100);

    fn setup() -> (tempfile::TempDir, Sandbox) {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("root");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("a.txt"), "a").unwrap();
        std::fs::write(root.join("b.txt"), "b").unwrap();
        std::fs::write(root.join("sub/c.txt"), "c").unwrap();
        std::fs::write(t.path().join("outside.txt"), "out").unwrap();
        let sb = Sandbox::open(&[root]).unwrap();
        (t, sb)
    }

    fn uri(path: &Path) -> String {
        url::Url::from_file_path(path).unwrap().to_string()
    }

    fn file(sb: &Sandbox, rel: &str) -> PathBuf {
        sb.roots()[0].path.join(rel)
    }

    /// Waits up to 5 s for the next update.
    async fn next(rx: &mut mpsc::UnboundedReceiver<String>) -> Option<String> {
        tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .ok()
            .flatten()
    }

    /// Whether any update arrives within `wait`.
    async fn quiet_for(rx: &mut mpsc::UnboundedReceiver<String>, wait: Duration) -> bool {
        tokio::time::timeout(wait, rx.recv()).await.is_err()
    }

    #[test]
    fn coalescer_sends_one_notification_per_burst() {
        let mut c = Coalescer::new(Duration::from_secs(1));
        let p = Path::new("/r/a.txt");
        let t0 = Instant::now();
        assert!(!c.should_notify(p, DebouncedEventKind::AnyContinuous, t0));
        assert!(c.should_notify(p, DebouncedEventKind::Any, t0 + SHORT));
        assert!(c.should_notify(p, DebouncedEventKind::Any, t0 + 2 * SHORT));
    }

    #[test]
    fn coalescer_reports_continuous_changes_once_per_interval() {
        let mut c = Coalescer::new(Duration::from_secs(1));
        let p = Path::new("/r/log.txt");
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        assert!(!c.should_notify(p, DebouncedEventKind::AnyContinuous, at(0)));
        assert!(!c.should_notify(p, DebouncedEventKind::AnyContinuous, at(500)));
        assert!(c.should_notify(p, DebouncedEventKind::AnyContinuous, at(1000)));
        assert!(!c.should_notify(p, DebouncedEventKind::AnyContinuous, at(1500)));
        assert!(c.should_notify(p, DebouncedEventKind::AnyContinuous, at(2000)));
        assert!(c.should_notify(p, DebouncedEventKind::Any, at(2100)));
        // Settled: the next burst starts afresh.
        assert!(!c.should_notify(p, DebouncedEventKind::AnyContinuous, at(2200)));
        let other = Path::new("/r/other.txt");
        assert!(c.should_notify(other, DebouncedEventKind::Any, at(2200)));
    }

    #[test]
    fn reads_and_metadata_changes_are_not_content_changes() {
        use notify::event::{AccessKind, CreateKind, DataChange, MetadataKind, RenameMode};
        let kinds = [
            (EventKind::Access(AccessKind::Any), false),
            (
                EventKind::Modify(ModifyKind::Metadata(MetadataKind::Any)),
                false,
            ),
            (EventKind::Modify(ModifyKind::Data(DataChange::Any)), true),
            (EventKind::Modify(ModifyKind::Name(RenameMode::To)), true),
            (EventKind::Create(CreateKind::File), true),
            (EventKind::Remove(notify::event::RemoveKind::File), true),
        ];
        for (kind, expected) in kinds {
            assert_eq!(is_content_change(&Event::new(kind)), expected, "{kind:?}");
        }
    }

    #[test]
    fn one_directory_watch_serves_every_subscriber_and_ends_with_the_last() {
        let (_t, sb) = setup();
        let hub = WatchHub::new(SHORT);
        let (tx, _rx) = mpsc::unbounded_channel();
        let a = file(&sb, "a.txt");
        let b = file(&sb, "b.txt");
        let first = hub.watch(&a, "file:///a", tx.clone()).unwrap();
        let second = hub.watch(&a, "file:///a", tx.clone()).unwrap();
        let sibling = hub.watch(&b, "file:///b", tx.clone()).unwrap();
        let nested = hub.watch(&file(&sb, "sub/c.txt"), "file:///c", tx).unwrap();
        let stats = hub.stats();
        assert!(stats.watcher_running);
        assert_eq!((stats.watched_dirs, stats.watched_files), (2, 3));
        assert_eq!(stats.subscribers, 4);

        drop(first);
        drop(sibling);
        let stats = hub.stats();
        assert_eq!((stats.watched_dirs, stats.watched_files), (2, 2));
        drop(nested);
        assert_eq!(hub.stats().watched_dirs, 1);
        drop(second);
        let stats = hub.stats();
        assert_eq!(
            stats,
            HubStats {
                watcher_running: false,
                watched_dirs: 0,
                watched_files: 0,
                subscribers: 0
            }
        );
    }

    #[test]
    fn watching_a_missing_directory_fails_and_leaves_nothing_behind() {
        let (t, _sb) = setup();
        let hub = WatchHub::new(SHORT);
        let (tx, _rx) = mpsc::unbounded_channel();
        let missing = t.path().join("no-such-dir/f.txt");
        assert!(matches!(
            hub.watch(&missing, "file:///x", tx),
            Err(WatchError::Notify { .. })
        ));
        assert!(!hub.stats().watcher_running);
    }

    #[tokio::test]
    async fn a_burst_of_writes_gives_one_update() {
        let (_t, sb) = setup();
        let hub = WatchHub::new(SHORT);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let a = file(&sb, "a.txt");
        let _guard = hub.watch(&a, "file:///a-uri", tx).unwrap();
        for i in 0..20 {
            std::fs::write(&a, format!("version {i}")).unwrap();
        }
        assert_eq!(next(&mut rx).await.as_deref(), Some("file:///a-uri"));
        assert!(
            quiet_for(&mut rx, Duration::from_millis(800)).await,
            "one burst, one update"
        );
    }

    #[tokio::test]
    async fn rename_replace_is_seen_and_reads_are_not() {
        let (_t, sb) = setup();
        let hub = WatchHub::new(SHORT);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let a = file(&sb, "a.txt");
        let _guard = hub.watch(&a, "file:///a", tx).unwrap();

        let _ = std::fs::read(&a).unwrap();
        std::fs::write(file(&sb, "b.txt"), "sibling").unwrap();
        assert!(quiet_for(&mut rx, Duration::from_millis(600)).await);

        let tmp = file(&sb, ".a.txt.tmp");
        std::fs::write(&tmp, "replaced").unwrap();
        std::fs::rename(&tmp, &a).unwrap();
        assert_eq!(next(&mut rx).await.as_deref(), Some("file:///a"));
        // The watch survives the replacement: the new file is watched too.
        assert!(quiet_for(&mut rx, Duration::from_millis(400)).await);
        std::fs::write(&a, "again").unwrap();
        assert_eq!(next(&mut rx).await.as_deref(), Some("file:///a"));
    }

    #[tokio::test]
    async fn every_subscriber_of_a_file_is_told_with_its_own_uri() {
        let (_t, sb) = setup();
        let hub = WatchHub::new(SHORT);
        let (tx1, mut rx1) = mpsc::unbounded_channel();
        let (tx2, mut rx2) = mpsc::unbounded_channel();
        let a = file(&sb, "a.txt");
        let _g1 = hub.watch(&a, "file:///one", tx1).unwrap();
        let g2 = hub.watch(&a, "file:///two", tx2).unwrap();
        std::fs::write(&a, "x").unwrap();
        assert_eq!(next(&mut rx1).await.as_deref(), Some("file:///one"));
        assert_eq!(next(&mut rx2).await.as_deref(), Some("file:///two"));
        drop(g2);
        std::fs::write(&a, "y").unwrap();
        assert_eq!(next(&mut rx1).await.as_deref(), Some("file:///one"));
        assert_eq!(rx2.recv().await, None, "unsubscribed: sender dropped");
    }

    #[test]
    fn subscriptions_are_refused_like_reads() {
        let (t, sb) = setup();
        let a = file(&sb, "a.txt");
        assert_eq!(subscribable_file(&sb, &uri(&a)).unwrap(), a);

        let outside = subscribable_file(&sb, &uri(&t.path().join("outside.txt"))).unwrap_err();
        assert_eq!(outside.code, ErrorCode::INVALID_PARAMS);
        assert!(outside.message.contains("outside the allowed roots"));

        let missing = subscribable_file(&sb, &uri(&file(&sb, "nope.txt"))).unwrap_err();
        assert_eq!(missing.code, ErrorCode::RESOURCE_NOT_FOUND);

        let dir = subscribable_file(&sb, &uri(&file(&sb, "sub"))).unwrap_err();
        assert_eq!(dir.code, ErrorCode::INVALID_PARAMS);

        let not_file = subscribable_file(&sb, "https://example.com/a.txt").unwrap_err();
        assert_eq!(not_file.code, ErrorCode::INVALID_PARAMS);
    }

    #[test]
    fn accepting_a_listen_filter_watches_what_it_accepts() {
        let (t, sb) = setup();
        let hub = WatchHub::new(SHORT);
        let session = SessionWatches::new(hub.clone());
        let inside = uri(&file(&sb, "a.txt"));
        let requested = SubscriptionFilter::builder()
            .resource_subscription(inside.clone())
            .resource_subscription(uri(&t.path().join("outside.txt")))
            .resource_subscription(uri(&file(&sb, "missing.txt")))
            .tools_list_changed()
            .build();
        let accepted = session.accept(&sb, &requested);
        assert_eq!(accepted.resource_subscriptions, Some(vec![inside.clone()]));
        assert_eq!(accepted.tools_list_changed, None);
        assert_eq!(hub.stats().subscribers, 1, "watching before the ack");

        let nothing = SubscriptionFilter::builder()
            .resource_subscription(uri(&t.path().join("outside.txt")))
            .build();
        assert_eq!(
            session.accept(&sb, &nothing).resource_subscriptions,
            Some(vec![])
        );

        assert!(session.take_prepared(&[]).is_none());
        let prepared = session
            .take_prepared(std::slice::from_ref(&inside))
            .unwrap();
        assert!(session.take_prepared(&[inside]).is_none());
        drop(prepared);
        assert!(!hub.stats().watcher_running);
    }

    #[test]
    fn ending_a_session_ends_its_watches() {
        let (_t, sb) = setup();
        let hub = WatchHub::new(SHORT);
        let session = SessionWatches::new(hub.clone());
        let requested = SubscriptionFilter::builder()
            .resource_subscription(uri(&file(&sb, "a.txt")))
            .build();
        session.accept(&sb, &requested);
        assert!(hub.stats().watcher_running);
        drop(session);
        assert!(!hub.stats().watcher_running);
    }
}

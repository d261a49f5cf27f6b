//! Cancellation and progress for long operations (tree walks, name search, grep).
//!
//! The walking code is synchronous and runs on a blocking thread; it polls
//! [`Control::is_cancelled`] between entries and calls [`Control::tick`] for each
//! entry, which reports the running count of entries examined. The tool layer turns
//! those reports into MCP progress notifications.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio_util::sync::CancellationToken;

/// How often, in entries examined, a walk reports progress.
pub const PROGRESS_EVERY: u64 = 2_000;

/// Shared handle a long operation uses to learn it was cancelled and to report progress.
#[derive(Clone)]
pub struct Control {
    cancel: CancellationToken,
    examined: Arc<AtomicU64>,
    on_progress: Arc<dyn Fn(u64) + Send + Sync>,
}

impl Control {
    /// A control cancelled with `cancel`, calling `on_progress` with the running count.
    pub fn new(cancel: CancellationToken, on_progress: Arc<dyn Fn(u64) + Send + Sync>) -> Self {
        Self {
            cancel,
            examined: Arc::new(AtomicU64::new(0)),
            on_progress,
        }
    }

    /// A control that is never cancelled and reports nowhere (for tests and benches).
    pub fn detached() -> Self {
        Self::new(CancellationToken::new(), Arc::new(|_| {}))
    }

    /// Whether the client cancelled the operation.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Counts one more examined entry, reporting progress every [`PROGRESS_EVERY`].
    /// Safe to call from several walker threads at once.
    pub fn tick(&self) {
        let n = self.examined.fetch_add(1, Ordering::Relaxed) + 1;
        if n.is_multiple_of(PROGRESS_EVERY) {
            (self.on_progress)(n);
        }
    }

    /// Entries examined so far.
    pub fn examined(&self) -> u64 {
        self.examined.load(Ordering::Relaxed)
    }
}

//! State shared by the agent's tasks: the store, who we are, and the figures the heartbeat and
//! status report.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use tokio::sync::{Notify, watch};

use crate::mqtt::Topics;
use crate::payload::{InventoryCounts, LastScan, Origin};
use crate::queue::Store;

pub struct Shared {
    pub store: Store,
    pub origin: Origin,
    /// `None` without an `[mqtt]` section: nothing is queued.
    pub topics: Option<Topics>,
    pub state_dir: PathBuf,
    pub started: Instant,
    /// Woken when the queue has something new, or the inventory counts changed.
    pub wake: Notify,
    pub counts: watch::Sender<InventoryCounts>,
    pub last_scan: Mutex<Option<LastScan>>,
    /// The queue could not be written (disk full, I/O error): changes are being lost.
    pub degraded: AtomicBool,
    pub reconnects: AtomicU64,
}

impl Shared {
    pub fn new(
        store: Store,
        origin: Origin,
        topics: Option<Topics>,
        state_dir: PathBuf,
        counts: InventoryCounts,
    ) -> Self {
        Self {
            store,
            origin,
            topics,
            state_dir,
            started: Instant::now(),
            wake: Notify::new(),
            counts: watch::Sender::new(counts),
            last_scan: Mutex::new(None),
            degraded: AtomicBool::new(false),
            reconnects: AtomicU64::new(0),
        }
    }

    pub fn is_degraded(&self) -> bool {
        self.degraded.load(Ordering::Relaxed)
    }

    pub fn last_scan(&self) -> Option<LastScan> {
        self.last_scan.lock().map(|g| g.clone()).unwrap_or(None)
    }
}

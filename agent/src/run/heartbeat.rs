//! Host and agent figures for the heartbeat (sysinfo): uptime, load, memory, own RSS, free
//! space of the state directory, queue depth, last scan.

use sysinfo::{
    DiskRefreshKind, Disks, MemoryRefreshKind, ProcessRefreshKind, ProcessesToUpdate, System,
};

use super::shared::Shared;
use crate::payload::{HEARTBEAT_SCHEMA, HeartbeatMessage};

/// Keeps the sysinfo handles between heartbeats (they cache what they read).
pub struct Probe {
    sys: Option<System>,
}

impl Probe {
    pub fn new() -> Self {
        Self {
            sys: System::new().ok(),
        }
    }

    /// The heartbeat body with sequence number `seq`, made at `ts`.
    pub fn heartbeat(&mut self, shared: &Shared, seq: u64, ts: &str) -> HeartbeatMessage {
        let (mut used, mut total, mut rss) = (0, 0, 0);
        if let Some(sys) = &mut self.sys {
            sys.refresh_memory_specifics(MemoryRefreshKind::nothing().with_ram());
            used = sys.used_memory();
            total = sys.total_memory();
            if let Ok(pid) = sysinfo::get_current_pid() {
                sys.refresh_processes_specifics(
                    ProcessesToUpdate::Some(&[pid]),
                    true,
                    ProcessRefreshKind::nothing().with_memory(),
                );
                rss = sys.process(pid).map_or(0, |p| p.memory());
            }
        }
        let load = System::load_average()
            .map(|l| [l.one, l.five, l.fifteen])
            .unwrap_or_default();
        let queue = shared.store.figures().unwrap_or_default();
        HeartbeatMessage {
            envelope: shared.origin.envelope(HEARTBEAT_SCHEMA, seq, ts),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            uptime_s: shared.started.elapsed().as_secs(),
            load,
            memory_used_bytes: used,
            memory_total_bytes: total,
            rss_bytes: rss,
            state_dir_free_bytes: free_space(&shared.state_dir),
            queue,
            reconnects: shared.reconnects.load(std::sync::atomic::Ordering::Relaxed),
            last_scan: shared.last_scan(),
            inventory: shared.counts.borrow().clone(),
            degraded: shared.is_degraded(),
        }
    }
}

impl Default for Probe {
    fn default() -> Self {
        Self::new()
    }
}

/// Free bytes on the file system whose mount point is the longest prefix of `dir`.
fn free_space(dir: &std::path::Path) -> Option<u64> {
    let disks =
        Disks::new_with_refreshed_list_specifics(DiskRefreshKind::nothing().with_storage()).ok()?;
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
    disks
        .iter()
        .filter(|d| dir.starts_with(d.mount_point()))
        .max_by_key(|d| d.mount_point().as_os_str().len())
        .map(|d| d.available_space())
}

//! The durable outbox and the inventory it is committed with: every event and device-state
//! change is written here before it is published, and removed only after the broker's PUBACK.
//!
//! Backend: one redb database (`<state_dir>/camaudit.redb`). An inventory update and the
//! messages it causes are one transaction, so a crash leaves either both or neither; that is
//! why the inventory lives in the same file rather than beside it.
//!
//! Classes of message:
//! - state (retained device records): keyed, coalesced, latest wins, never dropped;
//! - events: append-only, delivered oldest first; when the queue's byte bound is reached the
//!   oldest events are dropped and counted (`dropped_total`);
//! - telemetry (heartbeats): never queued.

mod record;
mod store;

pub use record::{Message, RecordError};
pub use store::{Batch, Queued, Store};

use std::path::PathBuf;

/// Why the queue cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueueError {
    #[error("queue database {path}: {source}")]
    Db {
        path: PathBuf,
        #[source]
        source: Box<redb::Error>,
    },
    #[error("queue database {path} is in use by another camaudit process")]
    InUse { path: PathBuf },
    #[error("queue database {path}: record {seq}: {source}")]
    Record {
        path: PathBuf,
        seq: u64,
        source: RecordError,
    },
    #[error("queue database {path}: inventory entry {key:?} is damaged: {reason}")]
    Entry {
        path: PathBuf,
        key: String,
        reason: String,
    },
    #[error("cannot create the state directory {path}: {source}")]
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
}

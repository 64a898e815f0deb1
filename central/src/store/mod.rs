//! The central store: append-only facts (deduplicated by `msg_id`), content-addressed device
//! records, the human actions that are also the audit log, and the latest heartbeat per agent.
//!
//! Two implementations pass the same [`conformance`] suite: [`sqlite`] (the default, one file)
//! and [`postgres`]. Both are synchronous; the ingest loop writes from its own thread.

pub mod conformance;
pub mod postgres;
pub mod sqlite;

use crate::fact::Fact;
use crate::payload::HeartbeatMessage;
use crate::programme::Action;
use crate::time::Ts;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("sqlite {path}: {source}")]
    Sqlite {
        path: String,
        source: rusqlite::Error,
    },
    #[error("postgres: {0}")]
    Postgres(#[from] ::postgres::Error),
    #[error("stored {what} {id:?} is unreadable: {reason}")]
    Corrupt {
        what: &'static str,
        id: String,
        reason: String,
    },
    #[error("store schema version {found} is newer than this binary's {supported}")]
    Schema { found: i64, supported: i64 },
}

/// What an append did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Appended {
    /// Facts new to the store.
    pub new: usize,
    /// Facts already there (same `msg_id`): redelivered, or replayed from a retained snapshot.
    pub duplicate: usize,
}

/// The newest heartbeat of one agent.
#[derive(Clone, Debug, PartialEq)]
pub struct Heartbeat {
    pub site: String,
    pub agent: String,
    pub ts: Ts,
    pub received_at: Ts,
    pub body: serde_json::Value,
}

/// An append-only store of facts and actions.
pub trait Store: Send {
    /// Appends facts in one transaction; a `msg_id` already stored is skipped.
    fn append_facts(&mut self, facts: &[Fact]) -> Result<Appended, StoreError>;
    /// Calls `f` with every fact with `ts <= until`, in replay order.
    fn facts(&mut self, until: Option<Ts>, f: &mut dyn FnMut(Fact)) -> Result<(), StoreError>;
    fn fact_count(&mut self) -> Result<u64, StoreError>;
    /// Appends an action; returns its id (increasing).
    fn append_action(&mut self, a: &Action) -> Result<i64, StoreError>;
    /// Every action, by id.
    fn actions(&mut self) -> Result<Vec<Action>, StoreError>;
    /// Keeps the heartbeat if it is the agent's newest.
    fn put_heartbeat(
        &mut self,
        site: &str,
        agent: &str,
        received_at: Ts,
        hb: &HeartbeatMessage,
    ) -> Result<(), StoreError>;
    fn heartbeats(&mut self) -> Result<Vec<Heartbeat>, StoreError>;
}

/// Opens `spec`: a `postgres://` or `postgresql://` URL, a `host=… ` connection string, or
/// a SQLite file path (created if missing).
pub fn open(spec: &str) -> Result<Box<dyn Store>, StoreError> {
    if spec.starts_with("postgres://")
        || spec.starts_with("postgresql://")
        || spec.contains("host=")
    {
        Ok(Box::new(postgres::PgStore::connect(spec)?))
    } else {
        Ok(Box::new(sqlite::SqliteStore::open(std::path::Path::new(
            spec,
        ))?))
    }
}

/// The columns both stores keep per fact, derived from a [`Fact`].
pub(crate) struct Row {
    pub kind: &'static str,
    pub device_key: Option<String>,
    pub scan_id: Option<String>,
    pub body: String,
    pub record: Option<(String, String)>,
}

impl Row {
    pub(crate) fn of(f: &Fact) -> Self {
        Self {
            kind: f.body.kind(),
            device_key: f.body.device_key().map(str::to_owned),
            scan_id: f.body.scan_id().map(str::to_owned),
            body: serde_json::to_string(&f.body).unwrap_or_default(),
            record: f.record.as_deref().map(crate::fact::record_address),
        }
    }
}

/// A fact read back: columns, the body JSON and the record JSON (if any).
pub(crate) struct Stored {
    pub msg_id: String,
    pub site: String,
    pub agent: String,
    pub boot_id: String,
    pub seq: i64,
    pub ts: i64,
    pub received_at: i64,
    pub body: String,
    pub record_hash: Option<String>,
    pub record: Option<String>,
}

/// Rebuilds facts, parsing each distinct record once.
pub(crate) struct Rebuilder {
    cache: std::collections::HashMap<String, std::sync::Arc<camaudit_protocol::record::Device>>,
}

impl Rebuilder {
    pub(crate) fn new() -> Self {
        Self {
            cache: std::collections::HashMap::new(),
        }
    }

    pub(crate) fn fact(&mut self, s: Stored) -> Result<Fact, StoreError> {
        let corrupt = |what, id: &str, e: serde_json::Error| StoreError::Corrupt {
            what,
            id: id.to_owned(),
            reason: e.to_string(),
        };
        let body: crate::fact::Body =
            serde_json::from_str(&s.body).map_err(|e| corrupt("fact", &s.msg_id, e))?;
        let record = match (s.record_hash, s.record) {
            (Some(h), Some(json)) => {
                let base = match self.cache.get(&h) {
                    Some(d) => d.clone(),
                    None => {
                        let d: camaudit_protocol::record::Device =
                            serde_json::from_str(&json).map_err(|e| corrupt("record", &h, e))?;
                        let d = std::sync::Arc::new(d);
                        if self.cache.len() > 200_000 {
                            self.cache.clear();
                        }
                        self.cache.insert(h, d.clone());
                        d
                    }
                };
                Some(match &body {
                    crate::fact::Body::Device { last_seen, .. } if *last_seen != base.last_seen => {
                        let mut d = (*base).clone();
                        d.last_seen.clone_from(last_seen);
                        std::sync::Arc::new(d)
                    }
                    _ => base,
                })
            }
            _ => None,
        };
        Ok(Fact {
            msg_id: s.msg_id,
            site: s.site,
            agent: s.agent,
            boot_id: s.boot_id,
            seq: u64::try_from(s.seq).unwrap_or(0),
            ts: Ts(s.ts),
            received_at: Ts(s.received_at),
            body,
            record,
        })
    }
}

pub(crate) fn action_from(
    id: i64,
    at: i64,
    recorded_at: i64,
    actor: String,
    reason: String,
    change: &str,
    before: Option<String>,
) -> Result<Action, StoreError> {
    let corrupt = |e: serde_json::Error| StoreError::Corrupt {
        what: "action",
        id: id.to_string(),
        reason: e.to_string(),
    };
    Ok(Action {
        id,
        at: Ts(at),
        recorded_at: Ts(recorded_at),
        actor,
        reason,
        change: serde_json::from_str(change).map_err(corrupt)?,
        before: before
            .map(|b| serde_json::from_str(&b))
            .transpose()
            .map_err(corrupt)?,
    })
}

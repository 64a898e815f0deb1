//! The redb store behind the queue: tables, transactions, the byte bound and drop-oldest.

use std::path::{Path, PathBuf};

use redb::{
    Database, Durability, ReadableDatabase, ReadableTable, Table, TableDefinition, WriteTransaction,
};

use super::{Message, QueueError, record};
use crate::inventory::Entry;
use crate::payload::QueueFigures;

/// seq → encoded [`Message`], in publish order.
const OUTBOX: TableDefinition<u64, &[u8]> = TableDefinition::new("outbox");
/// state key → seq of its latest queued message.
const STATE_INDEX: TableDefinition<&str, u64> = TableDefinition::new("state_index");
/// device key → JSON [`Entry`].
const INVENTORY: TableDefinition<&str, &[u8]> = TableDefinition::new("inventory");
/// Counters.
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

const NEXT_SEQ: &str = "next_seq";
const BYTES: &str = "bytes";
const DEPTH: &str = "depth";
const DROPPED: &str = "dropped_total";

/// Page cache redb may use; the queue is small and read sequentially.
const CACHE_BYTES: usize = 2 * 1024 * 1024;

/// A queued message with its sequence number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Queued {
    pub seq: u64,
    pub message: Message,
}

/// The durable outbox and inventory.
pub struct Store {
    db: Database,
    path: PathBuf,
    max_bytes: u64,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .field("max_bytes", &self.max_bytes)
            .finish()
    }
}

impl Store {
    /// Opens (or creates) `<dir>/camaudit.redb`. Events beyond `max_bytes` of queued payload
    /// are dropped, oldest first.
    pub fn open(dir: &Path, max_bytes: u64) -> Result<Self, QueueError> {
        std::fs::create_dir_all(dir).map_err(|source| QueueError::Dir {
            path: dir.to_owned(),
            source,
        })?;
        let path = dir.join("camaudit.redb");
        let db = match Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(&path)
        {
            Ok(db) => db,
            Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
                return Err(QueueError::InUse { path });
            }
            Err(e) if is_damaged(&e) => {
                let why = e.to_string();
                // A damaged file must not stop the agent for good: keep it for inspection and
                // start afresh; the next scan rebuilds the inventory.
                let aside = path.with_extension(format!(
                    "redb.corrupt-{}",
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs())
                ));
                tracing::error!(path = %path.display(), aside = %aside.display(), %why,
                    "queue database is corrupted; moved aside, starting an empty queue");
                std::fs::rename(&path, &aside).map_err(|source| QueueError::Dir {
                    path: path.clone(),
                    source,
                })?;
                Database::builder()
                    .set_cache_size(CACHE_BYTES)
                    .create(&path)
                    .map_err(|e| db_err(&path, e))?
            }
            Err(e) => return Err(db_err(&path, e)),
        };
        let store = Self {
            db,
            path,
            max_bytes,
        };
        store.write(|_| Ok(()))?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The inventory as last committed.
    pub fn inventory(&self) -> Result<Vec<Entry>, QueueError> {
        let tx = self.db.begin_read().map_err(|e| self.err(e))?;
        let t = tx.open_table(INVENTORY).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in t.iter().map_err(|e| self.err(e))? {
            let (k, v) = row.map_err(|e| self.err(e))?;
            let e: Entry = serde_json::from_slice(v.value()).map_err(|e| QueueError::Entry {
                path: self.path.clone(),
                key: k.value().to_owned(),
                reason: e.to_string(),
            })?;
            out.push(e);
        }
        Ok(out)
    }

    /// Runs `f` in one write transaction committed durably (fsync) before returning.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&mut Batch<'_>) -> Result<T, QueueError>,
    ) -> Result<T, QueueError> {
        self.transact(Durability::Immediate, f)
    }

    fn transact<T>(
        &self,
        durability: Durability,
        f: impl FnOnce(&mut Batch<'_>) -> Result<T, QueueError>,
    ) -> Result<T, QueueError> {
        let mut tx = self.db.begin_write().map_err(|e| self.err(e))?;
        tx.set_durability(durability).map_err(|e| self.err(e))?;
        let out = {
            let mut b = Batch::open(&tx, &self.path, self.max_bytes)?;
            let out = f(&mut b)?;
            b.finish()?;
            out
        };
        tx.commit().map_err(|e| self.err(e))?;
        Ok(out)
    }

    /// A sequence number for a message that is not queued (status, heartbeat), committed
    /// durably so no later message reuses it.
    pub fn next_seq(&self) -> Result<u64, QueueError> {
        self.write(|b| Ok(b.next_seq()))
    }

    /// The oldest queued message.
    pub fn head(&self) -> Result<Option<Queued>, QueueError> {
        let tx = self.db.begin_read().map_err(|e| self.err(e))?;
        let t = tx.open_table(OUTBOX).map_err(|e| self.err(e))?;
        let Some((k, v)) = t.first().map_err(|e| self.err(e))? else {
            return Ok(None);
        };
        let seq = k.value();
        let message = record::decode(v.value()).map_err(|source| QueueError::Record {
            path: self.path.clone(),
            seq,
            source,
        })?;
        Ok(Some(Queued { seq, message }))
    }

    /// Every queued message, oldest first (diagnostics and tests).
    pub fn pending(&self) -> Result<Vec<Queued>, QueueError> {
        let tx = self.db.begin_read().map_err(|e| self.err(e))?;
        let t = tx.open_table(OUTBOX).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in t.iter().map_err(|e| self.err(e))? {
            let (k, v) = row.map_err(|e| self.err(e))?;
            let seq = k.value();
            let message = record::decode(v.value()).map_err(|source| QueueError::Record {
                path: self.path.clone(),
                seq,
                source,
            })?;
            out.push(Queued { seq, message });
        }
        Ok(out)
    }

    /// Removes `seq` after the broker acknowledged it. Not fsynced on its own: the next durable
    /// commit persists it, and a crash before then only re-sends a message already delivered.
    pub fn ack(&self, seq: u64) -> Result<(), QueueError> {
        self.transact(Durability::None, |b| b.remove(seq))
    }

    /// Removes a record that cannot be decoded, so one damaged record cannot wedge delivery.
    pub fn discard(&self, seq: u64) -> Result<(), QueueError> {
        self.write(|b| {
            b.remove(seq)?;
            b.dropped = b.dropped.saturating_add(1);
            Ok(())
        })
    }

    /// Makes every earlier commit durable.
    pub fn sync(&self) -> Result<(), QueueError> {
        self.write(|_| Ok(()))
    }

    pub fn figures(&self) -> Result<QueueFigures, QueueError> {
        let tx = self.db.begin_read().map_err(|e| self.err(e))?;
        let t = tx.open_table(META).map_err(|e| self.err(e))?;
        let get = |k| -> Result<u64, QueueError> {
            Ok(t.get(k).map_err(|e| self.err(e))?.map_or(0, |v| v.value()))
        };
        Ok(QueueFigures {
            depth: get(DEPTH)?,
            bytes: get(BYTES)?,
            dropped_total: get(DROPPED)?,
        })
    }

    fn err(&self, e: impl Into<redb::Error>) -> QueueError {
        db_err(&self.path, e)
    }
}

/// A file redb cannot read as a database (torn, overwritten, not a database).
fn is_damaged(e: &redb::DatabaseError) -> bool {
    match e {
        redb::DatabaseError::Storage(redb::StorageError::Corrupted(_)) => true,
        redb::DatabaseError::Storage(redb::StorageError::Io(io)) => matches!(
            io.kind(),
            std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof
        ),
        _ => false,
    }
}

fn db_err(path: &Path, e: impl Into<redb::Error>) -> QueueError {
    QueueError::Db {
        path: path.to_owned(),
        source: Box::new(e.into()),
    }
}

/// One write transaction's view: inventory updates and messages, committed together.
pub struct Batch<'t> {
    outbox: Table<'t, u64, &'static [u8]>,
    index: Table<'t, &'static str, u64>,
    inventory: Table<'t, &'static str, &'static [u8]>,
    meta: Table<'t, &'static str, u64>,
    path: &'t Path,
    max_bytes: u64,
    next_seq: u64,
    bytes: u64,
    depth: u64,
    dropped: u64,
}

impl<'t> Batch<'t> {
    fn open(tx: &'t WriteTransaction, path: &'t Path, max_bytes: u64) -> Result<Self, QueueError> {
        let e = |e: redb::TableError| db_err(path, e);
        let meta = tx.open_table(META).map_err(e)?;
        let get = |k| -> Result<u64, QueueError> {
            Ok(meta
                .get(k)
                .map_err(|e| db_err(path, e))?
                .map_or(0, |v| v.value()))
        };
        let (next_seq, bytes, depth, dropped) = (
            get(NEXT_SEQ)?.max(1),
            get(BYTES)?,
            get(DEPTH)?,
            get(DROPPED)?,
        );
        Ok(Self {
            outbox: tx.open_table(OUTBOX).map_err(e)?,
            index: tx.open_table(STATE_INDEX).map_err(e)?,
            inventory: tx.open_table(INVENTORY).map_err(e)?,
            meta,
            path,
            max_bytes,
            next_seq,
            bytes,
            depth,
            dropped,
        })
    }

    /// The next sequence number; every message (queued or not) takes one.
    pub fn next_seq(&mut self) -> u64 {
        let s = self.next_seq;
        self.next_seq = s.saturating_add(1);
        s
    }

    /// Queues `m` under `seq` (from [`Self::next_seq`]). A state message replaces the queued
    /// message of the same key.
    pub fn push(&mut self, seq: u64, m: &Message) -> Result<(), QueueError> {
        let bytes = record::encode(m).map_err(|source| QueueError::Record {
            path: self.path.to_owned(),
            seq,
            source,
        })?;
        if let Some(key) = &m.state_key {
            let old = self
                .index
                .insert(key.as_str(), seq)
                .map_err(|e| db_err(self.path, e))?
                .map(|v| v.value());
            if let Some(old) = old {
                self.remove_outbox(old)?;
            }
        }
        self.outbox
            .insert(seq, bytes.as_slice())
            .map_err(|e| db_err(self.path, e))?;
        self.bytes = self.bytes.saturating_add(m.size());
        self.depth = self.depth.saturating_add(1);
        Ok(())
    }

    pub fn put_entry(&mut self, e: &Entry) -> Result<(), QueueError> {
        let json = serde_json::to_vec(e).map_err(|err| QueueError::Entry {
            path: self.path.to_owned(),
            key: e.device.key.clone(),
            reason: err.to_string(),
        })?;
        self.inventory
            .insert(e.device.key.as_str(), json.as_slice())
            .map_err(|e| db_err(self.path, e))?;
        Ok(())
    }

    pub fn remove_entry(&mut self, key: &str) -> Result<(), QueueError> {
        self.inventory
            .remove(key)
            .map_err(|e| db_err(self.path, e))?;
        Ok(())
    }

    fn remove(&mut self, seq: u64) -> Result<(), QueueError> {
        let Some(m) = self.remove_outbox(seq)? else {
            return Ok(());
        };
        if let Some(key) = &m.state_key {
            let current = self
                .index
                .get(key.as_str())
                .map_err(|e| db_err(self.path, e))?
                .map(|v| v.value());
            if current == Some(seq) {
                self.index
                    .remove(key.as_str())
                    .map_err(|e| db_err(self.path, e))?;
            }
        }
        Ok(())
    }

    fn remove_outbox(&mut self, seq: u64) -> Result<Option<Message>, QueueError> {
        let raw = self
            .outbox
            .remove(seq)
            .map_err(|e| db_err(self.path, e))?
            .map(|v| v.value().to_vec());
        let Some(raw) = raw else { return Ok(None) };
        self.depth = self.depth.saturating_sub(1);
        match record::decode(&raw) {
            Ok(m) => {
                self.bytes = self.bytes.saturating_sub(m.size());
                Ok(Some(m))
            }
            Err(_) => {
                self.bytes = self.bytes.saturating_sub(raw.len() as u64);
                Ok(None)
            }
        }
    }

    /// Drops the oldest events until the queue fits its bound; state is never dropped.
    fn enforce_bound(&mut self) -> Result<(), QueueError> {
        if self.bytes <= self.max_bytes {
            return Ok(());
        }
        let mut victims = Vec::new();
        let mut excess = self.bytes - self.max_bytes;
        for row in self.outbox.iter().map_err(|e| db_err(self.path, e))? {
            let (k, v) = row.map_err(|e| db_err(self.path, e))?;
            let Ok(m) = record::decode(v.value()) else {
                victims.push(k.value());
                continue;
            };
            if m.state_key.is_some() {
                continue;
            }
            victims.push(k.value());
            excess = excess.saturating_sub(m.size());
            if excess == 0 {
                break;
            }
        }
        for seq in victims {
            self.remove_outbox(seq)?;
            self.dropped = self.dropped.saturating_add(1);
        }
        Ok(())
    }

    fn finish(mut self) -> Result<(), QueueError> {
        self.enforce_bound()?;
        for (k, v) in [
            (NEXT_SEQ, self.next_seq),
            (BYTES, self.bytes),
            (DEPTH, self.depth),
            (DROPPED, self.dropped),
        ] {
            self.meta.insert(k, v).map_err(|e| db_err(self.path, e))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: usize, len: usize) -> Message {
        Message {
            topic: format!("camaudit/v1/s/a/event/e{n}"),
            payload: vec![b'x'; len],
            retain: false,
            state_key: None,
        }
    }

    fn state(key: &str, body: &str) -> Message {
        Message {
            topic: format!("camaudit/v1/s/a/device/{key}"),
            payload: body.as_bytes().to_vec(),
            retain: true,
            state_key: Some(format!("device/{key}")),
        }
    }

    fn push(s: &Store, m: &Message) -> u64 {
        s.write(|b| {
            let seq = b.next_seq();
            b.push(seq, m)?;
            Ok(seq)
        })
        .unwrap()
    }

    fn drain(s: &Store) -> Vec<Queued> {
        let mut out = Vec::new();
        while let Some(q) = s.head().unwrap() {
            s.ack(q.seq).unwrap();
            out.push(q);
        }
        out
    }

    #[test]
    fn fifo_with_coalesced_state_and_persistent_seq() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = Store::open(dir.path(), 1 << 20).unwrap();
            push(&s, &event(1, 10));
            push(&s, &state("k1", "v1"));
            push(&s, &event(2, 10));
            push(&s, &state("k1", "v2"));
            push(&s, &state("k2", "w1"));
            let f = s.figures().unwrap();
            assert_eq!(f.depth, 4);
        }
        // Reopened: same queue, seq goes on.
        let s = Store::open(dir.path(), 1 << 20).unwrap();
        let got: Vec<(u64, String)> = drain(&s)
            .into_iter()
            .map(|q| (q.seq, String::from_utf8(q.message.payload).unwrap()))
            .collect();
        let bodies: Vec<&str> = got.iter().map(|(_, p)| p.as_str()).collect();
        assert_eq!(
            bodies,
            ["x".repeat(10), "x".repeat(10), "v2".into(), "w1".into()]
        );
        assert!(got.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(s.next_seq().unwrap(), 6);
        let f = s.figures().unwrap();
        assert_eq!((f.depth, f.bytes, f.dropped_total), (0, 0, 0));
    }

    #[test]
    fn acking_an_overtaken_state_keeps_the_newer_one() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path(), 1 << 20).unwrap();
        push(&s, &state("k", "old"));
        let inflight = s.head().unwrap().unwrap();
        push(&s, &state("k", "new"));
        s.ack(inflight.seq).unwrap();
        let rest = drain(&s);
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].message.payload, b"new");
    }

    #[test]
    fn full_queue_drops_oldest_events_never_state() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path(), 1000).unwrap();
        push(&s, &state("k", "s"));
        for n in 0..20 {
            push(&s, &event(n, 100));
        }
        let f = s.figures().unwrap();
        assert!(f.bytes <= 1000, "{f:?}");
        assert!(f.dropped_total >= 11, "{f:?}");
        let left = drain(&s);
        assert_eq!(left[0].message.state_key.as_deref(), Some("device/k"));
        // The newest event survived, the oldest did not.
        let topics: Vec<&str> = left.iter().map(|q| q.message.topic.as_str()).collect();
        assert!(topics.contains(&"camaudit/v1/s/a/event/e19"));
        assert!(!topics.contains(&"camaudit/v1/s/a/event/e0"));
        assert_eq!(left.len() as u64 + f.dropped_total, 21);
    }

    #[test]
    fn inventory_commits_with_messages() {
        use camaudit_protocol::record::{Access, Attribution, Device, Policy, Reported};
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path(), 1 << 20).unwrap();
        let e = Entry {
            device: Device {
                key: "ip-127.0.0.1".into(),
                ip: "127.0.0.1".into(),
                mac: None,
                mac_source: None,
                endpoint: None,
                xaddrs: vec![],
                discovered_by: vec![],
                reported: Reported::default(),
                attribution: Attribution::default(),
                policy: Policy::default(),
                access: Access::default(),
                first_seen: "t".into(),
                last_seen: "t".into(),
            },
            state: crate::payload::Presence::Present,
            missed: 0,
            scan_id: "s".into(),
        };
        let r: Result<(), QueueError> = s.write(|b| {
            b.put_entry(&e)?;
            let seq = b.next_seq();
            b.push(seq, &event(0, 1))?;
            Err(QueueError::InUse {
                path: PathBuf::from("rollback"),
            })
        });
        assert!(r.is_err());
        assert!(s.inventory().unwrap().is_empty());
        assert!(s.head().unwrap().is_none());
        s.write(|b| b.put_entry(&e)).unwrap();
        assert_eq!(s.inventory().unwrap(), vec![e]);
    }

    #[test]
    fn a_torn_or_damaged_file_never_stops_the_agent() {
        for cut in [0.5, 0.9, 0.99] {
            let dir = tempfile::tempdir().unwrap();
            {
                let s = Store::open(dir.path(), 1 << 20).unwrap();
                for n in 0..50 {
                    push(&s, &event(n, 200));
                }
            }
            let path = dir.path().join("camaudit.redb");
            let len = std::fs::metadata(&path).unwrap().len();
            let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
            f.set_len((len as f64 * cut) as u64).unwrap();
            drop(f);
            // Repaired or moved aside; either way the queue works afterwards.
            let s = Store::open(dir.path(), 1 << 20).unwrap();
            let kept = s.pending().map(|p| p.len()).unwrap_or(0);
            assert!(kept <= 50);
            let seq = push(&s, &event(99, 10));
            assert!(s.pending().unwrap().iter().any(|q| q.seq == seq));
        }
        // Garbage instead of a database.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("camaudit.redb"), vec![0xa5; 8192]).unwrap();
        let s = Store::open(dir.path(), 1 << 20).unwrap();
        assert!(s.head().unwrap().is_none());
        let aside = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().contains("corrupt"));
        assert!(aside, "the damaged file is kept for inspection");
    }

    #[test]
    fn a_second_process_cannot_open_the_same_queue() {
        let dir = tempfile::tempdir().unwrap();
        let _s = Store::open(dir.path(), 1 << 20).unwrap();
        assert!(matches!(
            Store::open(dir.path(), 1 << 20),
            Err(QueueError::InUse { .. })
        ));
    }
}

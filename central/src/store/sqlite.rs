//! The SQLite store: one file, WAL journal, the schema of [`SCHEMA`].

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use crate::fact::Fact;
use crate::payload::HeartbeatMessage;
use crate::programme::Action;
use crate::store::{Appended, Heartbeat, Rebuilder, Row, Store, StoreError, Stored, action_from};
use crate::time::Ts;

pub const SCHEMA_VERSION: i64 = 1;

/// Portable SQL shared in spirit with the PostgreSQL schema; types differ only where they must.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS record (hash TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fact (
    msg_id TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    agent TEXT NOT NULL,
    boot_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    device_key TEXT,
    scan_id TEXT,
    record_hash TEXT REFERENCES record(hash),
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS fact_replay ON fact (ts, agent, boot_id, seq, msg_id);
CREATE TABLE IF NOT EXISTS action (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    object TEXT NOT NULL,
    reason TEXT NOT NULL,
    change TEXT NOT NULL,
    before TEXT
);
CREATE TABLE IF NOT EXISTS heartbeat (
    site TEXT NOT NULL,
    agent TEXT NOT NULL,
    ts INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (site, agent)
);
CREATE TRIGGER IF NOT EXISTS fact_append_only_u BEFORE UPDATE ON fact
    BEGIN SELECT RAISE(ABORT, 'fact is append-only'); END;
CREATE TRIGGER IF NOT EXISTS fact_append_only_d BEFORE DELETE ON fact
    BEGIN SELECT RAISE(ABORT, 'fact is append-only'); END;
CREATE TRIGGER IF NOT EXISTS action_append_only_u BEFORE UPDATE ON action
    BEGIN SELECT RAISE(ABORT, 'action is append-only'); END;
CREATE TRIGGER IF NOT EXISTS action_append_only_d BEFORE DELETE ON action
    BEGIN SELECT RAISE(ABORT, 'action is append-only'); END;
";

pub struct SqliteStore {
    conn: Connection,
    path: String,
}

impl SqliteStore {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let p = path.display().to_string();
        let conn = Connection::open(path).map_err(|source| StoreError::Sqlite {
            path: p.clone(),
            source,
        })?;
        let s = Self { conn, path: p };
        s.init()?;
        Ok(s)
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        |source| StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn init(&self) -> Result<(), StoreError> {
        self.conn
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
            )
            .map_err(self.err())?;
        self.conn.execute_batch(SCHEMA).map_err(self.err())?;
        let found: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(self.err())?;
        match found.and_then(|v| v.parse::<i64>().ok()) {
            Some(v) if v > SCHEMA_VERSION => Err(StoreError::Schema {
                found: v,
                supported: SCHEMA_VERSION,
            }),
            Some(_) => Ok(()),
            None => self
                .conn
                .execute(
                    "INSERT INTO meta (key, value) VALUES ('schema', ?1)",
                    [SCHEMA_VERSION.to_string()],
                )
                .map(|_| ())
                .map_err(self.err()),
        }
    }
}

impl Store for SqliteStore {
    fn append_facts(&mut self, facts: &[Fact]) -> Result<Appended, StoreError> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        let mut out = Appended::default();
        {
            let mut rec = tx
                .prepare_cached("INSERT OR IGNORE INTO record (hash, body) VALUES (?1, ?2)")
                .map_err(err)?;
            let mut ins = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO fact (msg_id, site, agent, boot_id, seq, ts, received_at, \
                     kind, device_key, scan_id, record_hash, body) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )
                .map_err(err)?;
            for f in facts {
                let row = Row::of(f);
                if let Some((h, body)) = &row.record {
                    rec.execute(params![h, body]).map_err(err)?;
                }
                let n = ins
                    .execute(params![
                        f.msg_id,
                        f.site,
                        f.agent,
                        f.boot_id,
                        i64::try_from(f.seq).unwrap_or(i64::MAX),
                        f.ts.0,
                        f.received_at.0,
                        row.kind,
                        row.device_key,
                        row.scan_id,
                        row.record.as_ref().map(|r| r.0.as_str()),
                        row.body,
                    ])
                    .map_err(err)?;
                if n == 1 {
                    out.new += 1;
                } else {
                    out.duplicate += 1;
                }
            }
        }
        tx.commit().map_err(err)?;
        Ok(out)
    }

    fn facts(&mut self, until: Option<Ts>, f: &mut dyn FnMut(Fact)) -> Result<(), StoreError> {
        let err = self.err();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT f.msg_id, f.site, f.agent, f.boot_id, f.seq, f.ts, f.received_at, f.body, \
                 f.record_hash, r.body FROM fact f LEFT JOIN record r ON r.hash = f.record_hash \
                 WHERE f.ts <= ?1 ORDER BY f.ts, f.agent, f.boot_id, f.seq, f.msg_id",
            )
            .map_err(&err)?;
        let mut rows = stmt
            .query([until.map_or(i64::MAX, |t| t.0)])
            .map_err(&err)?;
        let mut rb = Rebuilder::new();
        while let Some(r) = rows.next().map_err(&err)? {
            let s = Stored {
                msg_id: r.get(0).map_err(&err)?,
                site: r.get(1).map_err(&err)?,
                agent: r.get(2).map_err(&err)?,
                boot_id: r.get(3).map_err(&err)?,
                seq: r.get(4).map_err(&err)?,
                ts: r.get(5).map_err(&err)?,
                received_at: r.get(6).map_err(&err)?,
                body: r.get(7).map_err(&err)?,
                record_hash: r.get(8).map_err(&err)?,
                record: r.get(9).map_err(&err)?,
            };
            f(rb.fact(s)?);
        }
        Ok(())
    }

    fn fact_count(&mut self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM fact", [], |r| r.get(0))
            .map_err(self.err())?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn append_action(&mut self, a: &Action) -> Result<i64, StoreError> {
        let change = serde_json::to_string(&a.change).unwrap_or_default();
        let before = a.before.as_ref().map(|b| b.to_string());
        self.conn
            .execute(
                "INSERT INTO action (at, recorded_at, actor, kind, object, reason, change, before) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    a.at.0,
                    a.recorded_at.0,
                    a.actor,
                    a.change.name(),
                    a.change.object(),
                    a.reason,
                    change,
                    before
                ],
            )
            .map_err(self.err())?;
        Ok(self.conn.last_insert_rowid())
    }

    fn actions(&mut self) -> Result<Vec<Action>, StoreError> {
        let err = self.err();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, at, recorded_at, actor, reason, change, before FROM action ORDER BY id",
            )
            .map_err(&err)?;
        let mut rows = stmt.query([]).map_err(&err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(&err)? {
            let change: String = r.get(5).map_err(&err)?;
            out.push(action_from(
                r.get(0).map_err(&err)?,
                r.get(1).map_err(&err)?,
                r.get(2).map_err(&err)?,
                r.get(3).map_err(&err)?,
                r.get(4).map_err(&err)?,
                &change,
                r.get(6).map_err(&err)?,
            )?);
        }
        Ok(out)
    }

    fn put_heartbeat(
        &mut self,
        site: &str,
        agent: &str,
        received_at: Ts,
        hb: &HeartbeatMessage,
    ) -> Result<(), StoreError> {
        let ts = Ts::parse(&hb.envelope.ts).unwrap_or(received_at);
        let body = serde_json::to_string(hb).unwrap_or_default();
        self.conn
            .execute(
                "INSERT INTO heartbeat (site, agent, ts, received_at, body) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (site, agent) DO UPDATE SET ts = excluded.ts, \
                 received_at = excluded.received_at, body = excluded.body WHERE excluded.ts >= heartbeat.ts",
                params![site, agent, ts.0, received_at.0, body],
            )
            .map_err(self.err())?;
        Ok(())
    }

    fn heartbeats(&mut self) -> Result<Vec<Heartbeat>, StoreError> {
        let err = self.err();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT site, agent, ts, received_at, body FROM heartbeat ORDER BY site, agent",
            )
            .map_err(&err)?;
        let mut rows = stmt.query([]).map_err(&err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(&err)? {
            let body: String = r.get(4).map_err(&err)?;
            out.push(Heartbeat {
                site: r.get(0).map_err(&err)?,
                agent: r.get(1).map_err(&err)?,
                ts: Ts(r.get(2).map_err(&err)?),
                received_at: Ts(r.get(3).map_err(&err)?),
                body: serde_json::from_str(&body).unwrap_or(serde_json::Value::Null),
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_the_conformance_suite() {
        let dir = crate::store::conformance::TempDir::new("sqlite-conformance");
        let mut n = 0;
        crate::store::conformance::run(&mut || {
            n += 1;
            Box::new(SqliteStore::open(&dir.path().join(format!("c{n}.db"))).unwrap())
        });
    }

    #[test]
    fn refuses_a_newer_schema() {
        let dir = crate::store::conformance::TempDir::new("sqlite-schema");
        let path = dir.path().join("s.db");
        drop(SqliteStore::open(&path).unwrap());
        let c = Connection::open(&path).unwrap();
        c.execute("UPDATE meta SET value = '99' WHERE key = 'schema'", [])
            .unwrap();
        drop(c);
        assert!(matches!(
            SqliteStore::open(&path),
            Err(StoreError::Schema { found: 99, .. })
        ));
    }
}

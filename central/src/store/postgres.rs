//! The PostgreSQL store: the same tables as SQLite, for estates whose history outgrows a file
//! or must sit in the organisation's managed database.

use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, NoTls};

use crate::fact::Fact;
use crate::payload::HeartbeatMessage;
use crate::programme::Action;
use crate::store::{Appended, Heartbeat, Rebuilder, Row, Store, StoreError, Stored, action_from};
use crate::time::Ts;

pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS record (hash TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fact (
    msg_id TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    agent TEXT NOT NULL,
    boot_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    ts BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    device_key TEXT,
    scan_id TEXT,
    record_hash TEXT REFERENCES record(hash),
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS fact_replay ON fact (ts, agent COLLATE "C", boot_id COLLATE "C", seq, msg_id COLLATE "C");
CREATE TABLE IF NOT EXISTS action (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
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
    ts BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (site, agent)
);
CREATE OR REPLACE FUNCTION camaudit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;
CREATE OR REPLACE TRIGGER fact_append_only BEFORE UPDATE OR DELETE ON fact
    FOR EACH ROW EXECUTE FUNCTION camaudit_append_only();
CREATE OR REPLACE TRIGGER action_append_only BEFORE UPDATE OR DELETE ON action
    FOR EACH ROW EXECUTE FUNCTION camaudit_append_only();
INSERT INTO meta (key, value) VALUES ('schema', '1') ON CONFLICT (key) DO NOTHING;
"#;

pub struct PgStore {
    client: Client,
}

impl PgStore {
    /// Connects (no TLS: put the database on a local socket or a trusted network) and creates
    /// the tables if they are missing.
    pub fn connect(spec: &str) -> Result<Self, StoreError> {
        let mut client = Client::connect(spec, NoTls)?;
        client.batch_execute("SET client_min_messages = warning")?;
        client.batch_execute(SCHEMA)?;
        let v: String = client
            .query_one("SELECT value FROM meta WHERE key = 'schema'", &[])?
            .get(0);
        let v: i64 = v.parse().unwrap_or(0);
        if v > super::sqlite::SCHEMA_VERSION {
            return Err(StoreError::Schema {
                found: v,
                supported: super::sqlite::SCHEMA_VERSION,
            });
        }
        Ok(Self { client })
    }
}

impl Store for PgStore {
    fn append_facts(&mut self, facts: &[Fact]) -> Result<Appended, StoreError> {
        let mut tx = self.client.transaction()?;
        let rec =
            tx.prepare("INSERT INTO record (hash, body) VALUES ($1, $2) ON CONFLICT DO NOTHING")?;
        let ins = tx.prepare(
            "INSERT INTO fact (msg_id, site, agent, boot_id, seq, ts, received_at, kind, device_key, \
             scan_id, record_hash, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (msg_id) DO NOTHING",
        )?;
        let mut out = Appended::default();
        for f in facts {
            let row = Row::of(f);
            if let Some((h, body)) = &row.record {
                tx.execute(&rec, &[h, body])?;
            }
            let seq = i64::try_from(f.seq).unwrap_or(i64::MAX);
            let hash = row.record.as_ref().map(|r| r.0.as_str());
            let n = tx.execute(
                &ins,
                &[
                    &f.msg_id,
                    &f.site,
                    &f.agent,
                    &f.boot_id,
                    &seq,
                    &f.ts.0,
                    &f.received_at.0,
                    &row.kind,
                    &row.device_key,
                    &row.scan_id,
                    &hash,
                    &row.body,
                ],
            )?;
            if n == 1 {
                out.new += 1;
            } else {
                out.duplicate += 1;
            }
        }
        tx.commit()?;
        Ok(out)
    }

    fn facts(&mut self, until: Option<Ts>, f: &mut dyn FnMut(Fact)) -> Result<(), StoreError> {
        let until = until.map_or(i64::MAX, |t| t.0);
        let mut rows = self.client.query_raw(
            r#"SELECT f.msg_id, f.site, f.agent, f.boot_id, f.seq, f.ts, f.received_at, f.body,
               f.record_hash, r.body FROM fact f LEFT JOIN record r ON r.hash = f.record_hash
               WHERE f.ts <= $1
               ORDER BY f.ts, f.agent COLLATE "C", f.boot_id COLLATE "C", f.seq, f.msg_id COLLATE "C""#,
            [&until],
        )?;
        let mut rb = Rebuilder::new();
        while let Some(r) = rows.next()? {
            let s = Stored {
                msg_id: r.try_get(0)?,
                site: r.try_get(1)?,
                agent: r.try_get(2)?,
                boot_id: r.try_get(3)?,
                seq: r.try_get(4)?,
                ts: r.try_get(5)?,
                received_at: r.try_get(6)?,
                body: r.try_get(7)?,
                record_hash: r.try_get(8)?,
                record: r.try_get(9)?,
            };
            f(rb.fact(s)?);
        }
        Ok(())
    }

    fn fact_count(&mut self) -> Result<u64, StoreError> {
        let n: i64 = self
            .client
            .query_one("SELECT COUNT(*) FROM fact", &[])?
            .get(0);
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn append_action(&mut self, a: &Action) -> Result<i64, StoreError> {
        let change = serde_json::to_string(&a.change).unwrap_or_default();
        let before = a.before.as_ref().map(|b| b.to_string());
        let row = self.client.query_one(
            "INSERT INTO action (at, recorded_at, actor, kind, object, reason, change, before) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[
                &a.at.0,
                &a.recorded_at.0,
                &a.actor,
                &a.change.name(),
                &a.change.object(),
                &a.reason,
                &change,
                &before,
            ],
        )?;
        Ok(row.get(0))
    }

    fn actions(&mut self) -> Result<Vec<Action>, StoreError> {
        let rows = self.client.query(
            "SELECT id, at, recorded_at, actor, reason, change, before FROM action ORDER BY id",
            &[],
        )?;
        rows.into_iter()
            .map(|r| {
                let change: String = r.try_get(5)?;
                action_from(
                    r.try_get(0)?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                    &change,
                    r.try_get(6)?,
                )
            })
            .collect()
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
        self.client.execute(
            "INSERT INTO heartbeat (site, agent, ts, received_at, body) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (site, agent) DO UPDATE SET ts = excluded.ts, \
             received_at = excluded.received_at, body = excluded.body WHERE excluded.ts >= heartbeat.ts",
            &[&site, &agent, &ts.0, &received_at.0, &body],
        )?;
        Ok(())
    }

    fn heartbeats(&mut self) -> Result<Vec<Heartbeat>, StoreError> {
        let rows = self.client.query(
            r#"SELECT site, agent, ts, received_at, body FROM heartbeat ORDER BY site COLLATE "C", agent COLLATE "C""#,
            &[],
        )?;
        rows.into_iter()
            .map(|r| {
                let body: String = r.try_get(4)?;
                Ok(Heartbeat {
                    site: r.try_get(0)?,
                    agent: r.try_get(1)?,
                    ts: Ts(r.try_get(2)?),
                    received_at: Ts(r.try_get(3)?),
                    body: serde_json::from_str(&body).unwrap_or(serde_json::Value::Null),
                })
            })
            .collect()
    }
}

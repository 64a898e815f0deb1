//! The behaviour every [`Store`] must have, as one suite both implementations run (SQLite in
//! its unit tests, PostgreSQL in `tests/postgres.rs` against a real server).
//!
//! `fresh` must return an empty store each time it is called.

use std::path::{Path, PathBuf};

use crate::fact::{Body, Fact};
use crate::ingest::parse::{self, Parsed};
use crate::payload::HeartbeatMessage;
use crate::programme::{Action, Change, Claim, Step};
use crate::store::{Appended, Store};
use crate::time::Ts;

const DEVICE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/payloads/device.json"
));
const FINISHED: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/payloads/scan-finished.json"
));
const HEARTBEAT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/payloads/heartbeat.json"
));

/// Runs every case; panics with the case's name on the first failure.
pub fn run(fresh: &mut dyn FnMut() -> Box<dyn Store>) {
    dedupe_by_msg_id(fresh().as_mut());
    replay_order_and_until(fresh().as_mut());
    records_round_trip(fresh().as_mut());
    actions_are_kept_in_order(fresh().as_mut());
    newest_heartbeat_wins(fresh().as_mut());
}

/// A fact from the real agent payload of `json`, re-labelled.
fn fact(json: &str, msg_id: &str, agent: &str, boot: &str, seq: u64, ts: i64) -> Fact {
    let topic = if json.contains("\"type\"") {
        "camaudit/v1/school-042/gw-01/event/scan-finished"
    } else {
        "camaudit/v1/school-042/gw-01/device/4419b6a1b2c3"
    };
    let Ok(Parsed::Fact(f)) = parse::message("camaudit", topic, json.as_bytes(), Ts(ts)) else {
        panic!("conformance fixture does not parse");
    };
    let mut f = *f;
    f.msg_id = msg_id.into();
    f.agent = agent.into();
    f.boot_id = boot.into();
    f.seq = seq;
    f.ts = Ts(ts);
    f
}

fn all(s: &mut dyn Store, until: Option<Ts>) -> Vec<Fact> {
    let mut out = Vec::new();
    s.facts(until, &mut |f| out.push(f)).expect("read facts");
    out
}

fn dedupe_by_msg_id(s: &mut dyn Store) {
    let a = fact(DEVICE, "m1", "gw-01", "b1", 1, 100);
    let b = fact(FINISHED, "m2", "gw-01", "b1", 2, 101);
    assert_eq!(
        s.append_facts(&[a.clone(), b.clone()]).unwrap(),
        Appended {
            new: 2,
            duplicate: 0
        },
        "dedupe: first append"
    );
    assert_eq!(
        s.append_facts(&[b, a.clone()]).unwrap(),
        Appended {
            new: 0,
            duplicate: 2
        },
        "dedupe: redelivery"
    );
    let mut changed = a;
    changed.seq = 99;
    assert_eq!(
        s.append_facts(&[changed]).unwrap().new,
        0,
        "dedupe: same msg_id, other content"
    );
    assert_eq!(s.fact_count().unwrap(), 2, "dedupe: count");
}

fn replay_order_and_until(s: &mut dyn Store) {
    // Inserted out of order: the store returns (ts, agent, boot_id, seq, msg_id) order.
    let facts = [
        fact(DEVICE, "m5", "gw-02", "b1", 1, 200),
        fact(DEVICE, "m4", "gw-01", "b2", 1, 200),
        fact(DEVICE, "m3", "gw-01", "b1", 7, 200),
        fact(DEVICE, "m2", "gw-01", "b1", 3, 200),
        fact(DEVICE, "m1", "gw-01", "b1", 9, 100),
        fact(FINISHED, "m6", "gw-01", "b2", 2, 300),
    ];
    for f in &facts {
        s.append_facts(std::slice::from_ref(f)).unwrap();
    }
    let ids: Vec<String> = all(s, None).into_iter().map(|f| f.msg_id).collect();
    assert_eq!(ids, ["m1", "m2", "m3", "m4", "m5", "m6"], "replay order");
    let ids: Vec<String> = all(s, Some(Ts(200)))
        .into_iter()
        .map(|f| f.msg_id)
        .collect();
    assert_eq!(ids.len(), 5, "until is inclusive: {ids:?}");
    assert!(all(s, Some(Ts(99))).is_empty(), "until before everything");
}

fn records_round_trip(s: &mut dyn Store) {
    let a = fact(DEVICE, "m1", "gw-01", "b1", 1, 100);
    let mut b = fact(DEVICE, "m2", "gw-01", "b1", 2, 200);
    if let Body::Device { last_seen, .. } = &mut b.body {
        *last_seen = "2026-12-06T06:00:00Z".into();
    }
    if let Some(r) = &mut b.record {
        std::sync::Arc::make_mut(r).last_seen = "2026-12-06T06:00:00Z".into();
    }
    let c = fact(FINISHED, "m3", "gw-01", "b1", 3, 300);
    s.append_facts(&[a.clone(), b.clone(), c.clone()]).unwrap();
    let back = all(s, None);
    assert_eq!(back, vec![a, b, c], "facts and records read back unchanged");
}

fn action(at: i64, change: Change) -> Action {
    Action {
        id: 0,
        at: Ts(at),
        recorded_at: Ts(at + 5),
        actor: "alice@estates".into(),
        reason: "work order WO-1 closed".into(),
        change,
        before: Some(serde_json::json!({"status": "scheduled"})),
    }
}

fn actions_are_kept_in_order(s: &mut dyn Store) {
    let step = |c| {
        Change::Step(Step {
            site_id: "school-042".into(),
            device_key: "4419b6a1b2c3".into(),
            claim: c,
            reference: "WO-1".into(),
            note: "ladder needed".into(),
        })
    };
    let written = [
        action(500, step(Claim::Removed)),
        action(100, step(Claim::Isolated)),
        action(300, Change::ExceptionWithdraw { id: "E1".into() }),
    ];
    let mut ids = Vec::new();
    for a in &written {
        ids.push(s.append_action(a).unwrap());
    }
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "action ids increase: {ids:?}"
    );
    let back = s.actions().unwrap();
    assert_eq!(back.len(), 3, "actions: count");
    for ((b, w), id) in back.iter().zip(&written).zip(&ids) {
        let mut w = w.clone();
        w.id = *id;
        assert_eq!(*b, w, "actions read back unchanged, in id order");
    }
}

fn newest_heartbeat_wins(s: &mut dyn Store) {
    let mut hb: HeartbeatMessage = serde_json::from_str(HEARTBEAT).unwrap();
    hb.envelope.ts = "2026-11-29T06:05:00Z".into();
    s.put_heartbeat("school-042", "gw-01", Ts(10), &hb).unwrap();
    let mut older = hb.clone();
    older.envelope.ts = "2026-11-29T06:00:00Z".into();
    older.uptime_s = 1;
    s.put_heartbeat("school-042", "gw-01", Ts(11), &older)
        .unwrap();
    let got = s.heartbeats().unwrap();
    assert_eq!(got.len(), 1, "heartbeat: one per agent");
    assert_eq!(
        got[0].ts,
        Ts::parse("2026-11-29T06:05:00Z").unwrap(),
        "heartbeat: newest kept"
    );
    assert_eq!(got[0].body["uptime_s"], 301, "heartbeat: body kept");
}

/// A directory removed on drop, for stores and reports made by tests.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let p = std::env::temp_dir().join(format!(
            "camaudit-central-{tag}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&p).expect("create temp dir");
        Self(p)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

//! The durable queue at volume, against Mosquitto: 10,000 events queued while no broker is
//! reachable (their disk use measured), then all delivered when the agent can connect.

mod support;

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::time::{Duration, Instant};

use camaudit::mqtt::Topics;
use camaudit::payload::{EventType, FieldChange, Origin};
use camaudit::queue::Store;
use camaudit::run::outbox::Outbox;
use support::broker::{Broker, Options};
use support::collector::Collector;
use support::devices::camera;
use support::scripted::Scripted;
use support::{agent, eventually};

const EVENTS: usize = 10_000;
/// Events per transaction: about one scan's worth.
const BATCH: usize = 10;

fn disk(path: &std::path::Path) -> (u64, u64) {
    let m = std::fs::metadata(path).unwrap();
    (m.len(), m.blocks() * 512)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_queued_events_disk_use_and_delivery() {
    let state = tempfile::tempdir().unwrap();
    let origin = Origin {
        agent: "gw-v".into(),
        site: "site-v".into(),
        boot_id: uuid::Uuid::now_v7().to_string(),
    };
    let topics = Topics::new("camaudit", "site-v", "gw-v");
    let t = Instant::now();
    let payload_bytes;
    {
        let store = Store::open(state.path(), 64 << 20).unwrap();
        for b in 0..EVENTS / BATCH {
            store
                .write(|batch| {
                    let mut o = Outbox {
                        batch,
                        topics: Some(&topics),
                        origin: &origin,
                        ts: "2026-11-29T10:00:00Z",
                    };
                    for i in 0..BATCH {
                        let n = u32::try_from(b * BATCH + i).unwrap();
                        let d = camera(n, "V5.7.3");
                        o.event(EventType::DeviceChanged, "scan", |m| {
                            m.key = Some(d.key.clone());
                            m.changes = vec![FieldChange {
                                field: "firmware".into(),
                                old: Some("V5.5.0".into()),
                                new: Some("V5.7.3".into()),
                            }];
                            m.device = Some(Box::new(d));
                        })?;
                    }
                    Ok(())
                })
                .unwrap();
        }
        let f = store.figures().unwrap();
        assert_eq!(f.depth, EVENTS as u64);
        assert_eq!(f.dropped_total, 0);
        payload_bytes = f.bytes;
    }
    let enqueue = t.elapsed();
    let (len, on_disk) = disk(&state.path().join("camaudit.redb"));
    eprintln!(
        "queue volume: {EVENTS} events ({} bytes of topic+payload, {} per event) in {} commits \
         took {enqueue:?}; camaudit.redb is {len} bytes long, {on_disk} bytes on disk",
        payload_bytes,
        payload_bytes / EVENTS as u64,
        EVENTS / BATCH
    );
    assert!(
        on_disk < payload_bytes * 3,
        "disk use {on_disk} for {payload_bytes} payload bytes"
    );

    // Now a broker: the agent drains the queue.
    let broker = Broker::start(Options::default());
    let col = Collector::start(&broker, "ingest-volume", "camaudit/v1/site-v/gw-v/event/#").await;
    let cfg = agent::load(
        &agent::config_text(&broker, state.path(), "site-v", "gw-v", "6h", ""),
        state.path(),
    );
    let t = Instant::now();
    let running = agent::spawn(cfg, Scripted::new(Vec::new(), Duration::ZERO));
    eventually(300, "10,000 events delivered", || {
        col.on("/event/device-changed").len() >= EVENTS
    })
    .await;
    let drain = t.elapsed();
    running.stop().await;
    let got = col.on("/event/device-changed");
    let ids: HashSet<String> = got
        .iter()
        .map(|r| r.json()["msg_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), EVENTS, "every event once");
    let seqs: Vec<u64> = got
        .iter()
        .map(|r| r.json()["seq"].as_u64().unwrap())
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "delivered oldest first"
    );
    let store = Store::open(state.path(), 64 << 20).unwrap();
    assert_eq!(store.figures().unwrap().depth, 0);
    drop(store);
    let (len_after, disk_after) = disk(&state.path().join("camaudit.redb"));
    eprintln!(
        "queue volume: drained {EVENTS} events in {drain:?} (stop-and-wait QoS 1 on loopback); \
         afterwards camaudit.redb is {len_after} bytes long, {disk_after} on disk"
    );
}

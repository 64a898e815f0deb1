//! Against Mosquitto: the broker stops during a scan and comes back seconds later; every event
//! and the final state arrive (at least once; re-sends carry the same msg_id and bytes).

mod support;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use camaudit::inventory::{Change, Inventory};
use camaudit::queue::Store;
use camaudit_protocol::record::Device;
use support::broker::{Broker, Options};
use support::collector::{Collector, Received};
use support::devices::{camera, report};
use support::scripted::Scripted;
use support::{agent, eventually};

const PREFIX: &str = "camaudit/v1/site-a/gw-07";

fn scans() -> Vec<Vec<Device>> {
    let mut s: Vec<Vec<Device>> = Vec::new();
    s.push((1..=3).map(|n| camera(n, "1.0")).collect());
    let mut two = s[0].clone();
    two[0] = camera(1, "1.1");
    two.push(camera(4, "1.0"));
    s.push(two);
    let mut three = s[1].clone();
    three.push(camera(5, "1.0"));
    s.push(three);
    let mut four = s[2].clone();
    four[1] = camera(2, "2.0");
    s.push(four);
    let mut five = s[3].clone();
    five.push(camera(6, "1.0"));
    five.retain(|d| d.key != camera(4, "").key);
    s.push(five);
    let mut six = s[4].clone();
    six[2].ip = "10.99.0.3".into();
    s.push(six);
    s
}

/// Distinct messages by msg_id, in arrival order; duplicates must be byte-identical.
fn distinct(all: &[Received]) -> Vec<Received> {
    let mut seen: HashMap<String, Vec<u8>> = HashMap::new();
    let mut out = Vec::new();
    for r in all.iter().filter(|r| !r.payload.is_empty()) {
        let id = r.json()["msg_id"].as_str().unwrap().to_owned();
        match seen.get(&id) {
            Some(p) => assert_eq!(p, &r.payload, "duplicate {id} with other bytes"),
            None => {
                seen.insert(id, r.payload.clone());
                out.push(r.clone());
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_outage_during_scans_loses_nothing() {
    let mut broker = Broker::start(Options {
        persistence: true,
        ..Options::default()
    });
    let col = Collector::start(&broker, "ingest-outage", &format!("{PREFIX}/#")).await;
    let state = tempfile::tempdir().unwrap();
    let cfg = agent::load(
        &agent::config_text(&broker, state.path(), "site-a", "gw-07", "1s", ""),
        state.path(),
    );
    let scans = scans();
    let scripted = Scripted::new(
        scans.iter().cloned().map(report).collect(),
        Duration::from_millis(400),
    );
    let done = scripted.done.clone();
    let running = agent::spawn(cfg, scripted);
    eventually(20, "first scan delivered", || {
        !col.on("/event/scan-finished").is_empty()
    })
    .await;
    // Stop while the second scan runs; keep it down across more scans.
    broker.stop();
    let stopped_at = done.load(std::sync::atomic::Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let during = done.load(std::sync::atomic::Ordering::SeqCst) - stopped_at;
    assert!(
        during >= 2,
        "only {during} scans ran while the broker was down"
    );
    broker.resume();
    eventually(60, "all six scans delivered", || {
        distinct(&col.on("/event/scan-finished")).len() >= 6
    })
    .await;
    eventually(15, "final status", || {
        col.on("/status")
            .last()
            .is_some_and(|r| r.json()["inventory"]["present"] == 5)
    })
    .await;
    running.stop().await;

    // The truth: the same scans through the inventory.
    let mut inv = Inventory::default();
    let mut want: Vec<(String, String)> = Vec::new();
    for (i, s) in scans.iter().enumerate() {
        for c in inv.observe(&format!("s{i}"), s, true, 2) {
            let kind = match &c {
                Change::New { .. } => "device-new",
                Change::Changed { .. } => "device-changed",
                Change::Lost { .. } => "device-lost",
                _ => continue,
            };
            want.push((kind.to_owned(), c.key().to_owned()));
        }
    }
    let got: Vec<(String, String)> = distinct(&col.snapshot())
        .into_iter()
        .filter(|r| r.topic.contains("/event/device-"))
        .map(|r| {
            let kind = r.topic.rsplit('/').next().unwrap().to_owned();
            (kind, r.json()["key"].as_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(got, want, "every device event, once, in order");
    assert_eq!(
        distinct(&col.on("/event/scan-started")).len(),
        6,
        "every scan-started"
    );

    // Final state: the retained records equal the agent's inventory.
    let retained: BTreeMap<String, serde_json::Value> = tokio::task::spawn_blocking(move || {
        let r = broker.retained(&format!("{PREFIX}/device/+"));
        drop(broker);
        r
    })
    .await
    .unwrap()
    .into_iter()
    .map(|(_, p)| {
        let v: serde_json::Value = serde_json::from_str(&p).unwrap();
        (v["key"].as_str().unwrap().to_owned(), v)
    })
    .collect();
    let store = Store::open(state.path(), 1 << 20).unwrap();
    assert_eq!(store.figures().unwrap().depth, 0);
    let entries = store.inventory().unwrap();
    assert_eq!(retained.len(), entries.len());
    for e in &entries {
        let v = &retained[&e.device.key];
        assert_eq!(v["scan_id"], e.scan_id.as_str());
        assert_eq!(v["ip"], e.device.ip.as_str());
        assert_eq!(
            v["reported"]["firmware"],
            e.device.reported.firmware.clone().unwrap()
        );
    }
    assert_eq!(retained[&camera(3, "").key]["ip"], "10.99.0.3");
    assert_eq!(retained[&camera(2, "").key]["reported"]["firmware"], "2.0");
}

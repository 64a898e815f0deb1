//! Against Mosquitto (mutual TLS, the ACL from deploy/mosquitto/): after each scan the retained
//! `device/+` topics equal the agent's inventory; events say what changed; the birth message
//! marks the agent online and a clean stop offline.

mod support;

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use camaudit::queue::Store;
use support::broker::{Broker, Options};
use support::collector::Collector;
use support::devices::{camera, report};
use support::scripted::Scripted;
use support::{DEPLOY_ACL, agent, eventually};

const PREFIX: &str = "camaudit/v1/school-042/gw-01";

fn envelope_ok(v: &serde_json::Value) {
    for f in ["schema", "msg_id", "agent", "site", "boot_id", "seq", "ts"] {
        assert!(v.get(f).is_some(), "missing {f} in {v}");
    }
    assert_eq!(v["agent"], "gw-01");
    assert_eq!(v["site"], "school-042");
    let id = uuid::Uuid::parse_str(v["msg_id"].as_str().unwrap()).unwrap();
    assert_eq!(id.get_version_num(), 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retained_device_topics_equal_the_inventory_after_a_scan() {
    let broker = Broker::start(Options {
        tls: true,
        require_certificate: true,
        acl: Some(DEPLOY_ACL.into()),
        persistence: false,
    });
    let col = Collector::start(&broker, "ingest", &format!("{PREFIX}/#")).await;
    let state = tempfile::tempdir().unwrap();
    let cfg = agent::load(
        &agent::config_text(&broker, state.path(), "school-042", "gw-01", "1s", ""),
        state.path(),
    );
    // Scan 1: cameras 1-5. Scan 2: camera 2 has new firmware, camera 6 appears, camera 5 is
    // missed. Scan 3: camera 5 missed again (absent_after = 2): lost.
    let scan1: Vec<_> = (1..=5).map(|n| camera(n, "V5.5.0")).collect();
    let mut scan2: Vec<_> = (1..=4).map(|n| camera(n, "V5.5.0")).collect();
    scan2[1] = camera(2, "V5.7.3");
    scan2.push(camera(6, "V5.5.0"));
    let scan3 = scan2.clone();
    let scripted = Scripted::new(
        vec![report(scan1), report(scan2), report(scan3)],
        Duration::from_millis(50),
    );
    let running = agent::spawn(cfg, scripted);
    eventually(30, "three scan-finished events", || {
        col.on("/event/scan-finished").len() >= 3
    })
    .await;
    // The queue drains, then the status carries the final counts.
    eventually(15, "status with 5 present, 1 absent", || {
        col.on("/status").iter().any(|r| {
            let v = r.json();
            v["inventory"]["present"] == 5 && v["inventory"]["absent"] == 1
        })
    })
    .await;

    let retained = tokio::task::spawn_blocking({
        let args = broker.sub_args();
        move || {
            let out = std::process::Command::new("mosquitto_sub")
                .args(args)
                .args([
                    "-t",
                    &format!("{PREFIX}/device/+"),
                    "--retained-only",
                    "-W",
                    "3",
                    "-F",
                    "%t\t%p",
                ])
                .output()
                .unwrap();
            String::from_utf8_lossy(&out.stdout).into_owned()
        }
    })
    .await
    .unwrap();
    let mut by_key: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    for line in retained.lines() {
        let (topic, payload) = line.split_once('\t').unwrap();
        let v: serde_json::Value = serde_json::from_str(payload).unwrap();
        envelope_ok(&v);
        assert_eq!(v["schema"], "camaudit.device/1");
        let key = v["key"].as_str().unwrap().to_owned();
        assert_eq!(topic, format!("{PREFIX}/device/{key}"));
        by_key.insert(key, v);
    }
    running.stop().await;

    // The agent's own inventory, as committed in its state directory.
    let store = Store::open(state.path(), 1 << 20).unwrap();
    let inventory = store.inventory().unwrap();
    assert_eq!(store.figures().unwrap().depth, 0, "queue drained");
    drop(store);
    assert_eq!(inventory.len(), 6);
    let keys: Vec<&String> = by_key.keys().collect();
    let inv_keys: Vec<&String> = inventory.iter().map(|e| &e.device.key).collect();
    assert_eq!(keys, inv_keys, "retained topics = inventory keys");
    for e in &inventory {
        let v = &by_key[&e.device.key];
        let state = if e.state == camaudit::payload::Presence::Present {
            "present"
        } else {
            "absent"
        };
        assert_eq!(v["state"], state, "{}", e.device.key);
        assert_eq!(
            v["reported"]["firmware"],
            e.device.reported.firmware.clone().unwrap()
        );
        assert_eq!(v["scan_id"], e.scan_id.as_str());
        assert_eq!(v["ip"], e.device.ip.as_str());
    }
    let cam2 = camera(2, "").key;
    let cam5 = camera(5, "").key;
    assert_eq!(by_key[&cam2]["reported"]["firmware"], "V5.7.3");
    assert_eq!(by_key[&cam5]["state"], "absent");

    // Events: six devices new, camera 2 changed firmware, camera 5 lost.
    let events = col.snapshot();
    let kinds = |t: &str| -> Vec<String> {
        let mut seen = HashSet::new();
        events
            .iter()
            .filter(|r| r.topic == format!("{PREFIX}/event/{t}"))
            .filter(|r| seen.insert(r.json()["msg_id"].as_str().unwrap().to_owned()))
            .map(|r| r.json()["key"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(kinds("device-new").len(), 6);
    assert_eq!(kinds("device-changed"), vec![cam2.clone()]);
    assert_eq!(kinds("device-lost"), vec![cam5.clone()]);
    let changed = events
        .iter()
        .find(|r| r.topic.ends_with("/event/device-changed"))
        .unwrap()
        .json();
    assert_eq!(changed["changes"][0]["field"], "firmware");
    assert_eq!(changed["changes"][0]["old"], "V5.5.0");
    assert_eq!(changed["changes"][0]["new"], "V5.7.3");
    for r in &events {
        if !r.payload.is_empty() {
            envelope_ok(&r.json());
        }
    }
    let finished: Vec<_> = events
        .iter()
        .filter(|r| r.topic.ends_with("/event/scan-finished"))
        .map(|r| r.json())
        .collect();
    let last = finished.last().unwrap();
    assert_eq!(last["inventory"]["present"], 5);
    assert_eq!(last["inventory"]["absent"], 1);
    assert_eq!(
        last["inventory"]["digest"],
        camaudit::payload::key_digest(inventory.iter().map(|e| e.device.key.as_str()))
    );
    // Heartbeats flowed with the sysinfo figures.
    let hb = col.on("/heartbeat");
    assert!(!hb.is_empty());
    let h = hb.last().unwrap().json();
    assert!(h["rss_bytes"].as_u64().unwrap() > 0, "{h}");
    assert!(h["memory_total_bytes"].as_u64().unwrap() > 0);
    assert!(h.get("queue").is_some() && h.get("uptime_s").is_some() && h.get("load").is_some());
    // Birth, then goodbye.
    let status: Vec<_> = col.on("/status").iter().map(|r| r.json()).collect();
    assert_eq!(status.first().unwrap()["state"], "online");
    let bye = status.last().unwrap();
    assert_eq!(bye["state"], "offline");
    assert_eq!(bye["reason"], "shutdown");
    // Queued messages arrive in the order they were made (status and heartbeats are not
    // queued: they take a number when sent), and no number is used twice.
    let seqs: Vec<u64> = events
        .iter()
        .filter(|r| r.topic.contains("/event/") || r.topic.contains("/device/"))
        .map(|r| r.json()["seq"].as_u64().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    let all: Vec<(String, u64)> = events
        .iter()
        .filter(|r| !r.payload.is_empty())
        .map(|r| {
            (
                r.json()["msg_id"].as_str().unwrap().to_owned(),
                r.json()["seq"].as_u64().unwrap(),
            )
        })
        .collect();
    let distinct_seq: HashSet<u64> = all.iter().map(|(_, s)| *s).collect();
    let distinct_id: HashSet<&String> = all.iter().map(|(m, _)| m).collect();
    assert_eq!(distinct_seq.len(), distinct_id.len());
    drop(broker);
}

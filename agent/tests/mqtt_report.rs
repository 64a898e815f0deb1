//! Against Mosquitto with default settings: 5,000 retained device records from 100 agents.
//! `camaudit report` reports all 5,000, and names exactly the agents whose snapshot does not
//! match the counts and key digest they published.

mod support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use camaudit::payload::{
    AgentState, DEVICE_SCHEMA, DeviceMessage, InventoryCounts, Origin, Presence, STATUS_SCHEMA,
    StatusMessage, key_digest,
};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use support::broker::{Broker, Options};
use support::devices::camera;

const SITES: u32 = 10;
const AGENTS_PER_SITE: u32 = 10;
const DEVICES_PER_AGENT: u32 = 50;

/// (site, agent) whose status claims one device more than it published.
const SHORT: (&str, &str) = ("site-07", "gw-73");
/// (site, agent) whose status digest is over other keys.
const WRONG_DIGEST: (&str, &str) = ("site-02", "gw-25");

async fn populate(broker: &Broker) -> usize {
    let mut o = MqttOptions::new("populate", "127.0.0.1", broker.port);
    o.set_inflight(100).set_max_packet_size(1 << 20, 1 << 20);
    let (client, mut el) = AsyncClient::new(o, 200);
    let mut messages: Vec<(String, Vec<u8>)> = Vec::new();
    let mut n = 0u32;
    for s in 0..SITES {
        let site = format!("site-{s:02}");
        for a in 0..AGENTS_PER_SITE {
            let agent = format!("gw-{s}{a}");
            let origin = Origin {
                agent: agent.clone(),
                site: site.clone(),
                boot_id: uuid::Uuid::now_v7().to_string(),
            };
            let base = format!("camaudit/v1/{site}/{agent}");
            let mut keys = Vec::new();
            let mut restricted = 0;
            for i in 0..DEVICES_PER_AGENT {
                n += 1;
                let d = camera(n, "V5.5.0");
                restricted += usize::from(d.policy.restricted);
                keys.push(d.key.clone());
                let m = DeviceMessage {
                    envelope: origin.envelope(
                        DEVICE_SCHEMA,
                        u64::from(i) + 1,
                        "2026-11-29T10:00:00Z",
                    ),
                    device: d,
                    state: Presence::Present,
                    scan_id: "scan-1".into(),
                };
                messages.push((
                    format!("{base}/device/{}", m.device.key),
                    serde_json::to_vec(&m).unwrap(),
                ));
            }
            let mut counted = keys.clone();
            if (site.as_str(), agent.as_str()) == SHORT {
                counted.push("ffffffffffff".into());
            }
            let mut digest = key_digest(counted.iter().map(String::as_str));
            if (site.as_str(), agent.as_str()) == WRONG_DIGEST {
                digest = key_digest(["not", "these"]);
            }
            let status = StatusMessage {
                envelope: origin.envelope(STATUS_SCHEMA, 100, "2026-11-29T10:00:01Z"),
                state: AgentState::Online,
                reason: None,
                version: "test".into(),
                inventory: Some(InventoryCounts {
                    present: counted.len(),
                    absent: 0,
                    restricted,
                    digest,
                }),
                degraded: false,
            };
            messages.push((
                format!("{base}/status"),
                serde_json::to_vec(&status).unwrap(),
            ));
        }
    }
    let total = messages.len();
    let sender = tokio::spawn(async move {
        for (t, p) in messages {
            client.publish(t, QoS::AtLeastOnce, true, p).await.unwrap();
        }
        client
    });
    let mut acked = 0;
    tokio::time::timeout(Duration::from_secs(120), async {
        while acked < total {
            if let Event::Incoming(Packet::PubAck(_)) = el.poll().await.expect("populate link") {
                acked += 1;
            }
        }
    })
    .await
    .expect("all retained records acknowledged");
    let _client = sender.await.unwrap();
    total
}

fn report(broker: &Broker, format: &str) -> (String, Duration) {
    let t = Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_camaudit"))
        .args([
            "report",
            "--broker",
            &broker.url(),
            "--format",
            format,
            "--settle",
            "1s",
        ])
        .output()
        .expect("camaudit report");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (String::from_utf8(out.stdout).unwrap(), t.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_reads_5000_retained_records_from_100_agents() {
    let broker = Broker::start(Options::default());
    let published = populate(&broker).await;
    assert_eq!(published, 5_100);
    let broker = std::sync::Arc::new(broker);

    let b = broker.clone();
    let (json, took) = tokio::task::spawn_blocking(move || report(&b, "json"))
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["schema"], "camaudit.report/1");
    let devices = v["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 5_000, "every retained record reported");
    let keys: BTreeSet<&str> = devices.iter().map(|d| d["key"].as_str().unwrap()).collect();
    assert_eq!(keys.len(), 5_000);
    assert_eq!(v["agents"].as_array().unwrap().len(), 100);
    let incomplete: BTreeSet<(String, String)> = v["incomplete"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["site"].as_str().unwrap().to_owned(),
                a["agent"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want: BTreeSet<(String, String)> = [SHORT, WRONG_DIGEST]
        .iter()
        .map(|(s, a)| ((*s).to_owned(), (*a).to_owned()))
        .collect();
    assert_eq!(
        incomplete, want,
        "exactly the agents whose snapshot does not match"
    );
    let sites = v["sites"].as_array().unwrap();
    assert_eq!(sites.len(), 10);
    let restricted: u64 = sites
        .iter()
        .map(|s| s["restricted"].as_u64().unwrap())
        .sum();
    assert_eq!(
        restricted,
        (1..=5000u64).filter(|n| n % 3 == 0).count() as u64
    );
    assert!(
        sites
            .iter()
            .all(|s| s["devices"] == 500 && s["agents"] == 10)
    );
    eprintln!("camaudit report: 5,000 records from 100 agents in {took:?} (json)");

    let b = broker.clone();
    let (table, _) = tokio::task::spawn_blocking(move || report(&b, "table"))
        .await
        .unwrap();
    assert!(
        table.contains("5000 devices from 100 agents"),
        "{}",
        &table[table.len().saturating_sub(500)..]
    );
    assert!(table.contains("INCOMPLETE site-07/gw-73: received 50 of 51 device records"));
    assert!(table.contains("INCOMPLETE site-02/gw-25"));

    let b = broker.clone();
    let (csv, _) = tokio::task::spawn_blocking(move || report(&b, "csv"))
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 5_001);
    assert!(lines[0].starts_with("site,agent,ip,mac,maker,brand,rebrand,restricted,lists"));
}

//! Ingest against a real Mosquitto: a simulated estate of 100 agents over months, published
//! with duplicates, reordering and a broker restart, gives exactly the planned burn-down; a
//! 5,000-device retained snapshot on default settings is complete or reported incomplete.

mod support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use camaudit_central::config::Config;
use camaudit_central::ingest;
use camaudit_central::ledger::Options;
use camaudit_central::sim::{self, Message};
use camaudit_central::state::Status;
use camaudit_central::store::Store;
use camaudit_central::store::sqlite::SqliteStore;
use camaudit_central::time::Ts;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use support::{Broker, TempDir};

fn config(broker: &Broker, db: &str, client: &str, extra: &str) -> Config {
    Config::parse(
        "test",
        &format!(
            "[mqtt]\nurl = \"{}\"\nclient_id = \"{client}\"\nkeep_alive = \"5s\"\n[snapshot]\nsettle = \"1s\"\n{extra}\n[store]\ndb = \"{db}\"\n",
            broker.url()
        ),
    )
    .unwrap()
}

/// A publisher that counts the broker's acknowledgements.
struct Publisher {
    client: AsyncClient,
    acked: tokio::sync::watch::Receiver<u64>,
    sent: u64,
    task: tokio::task::JoinHandle<()>,
}

impl Publisher {
    fn connect(port: u16, id: &str) -> Self {
        let mut o = MqttOptions::new(id, "127.0.0.1", port);
        o.set_keep_alive(Duration::from_secs(5))
            .set_inflight(200)
            .set_max_packet_size(1 << 20, 1 << 20);
        let (client, mut ev) = AsyncClient::new(o, 1000);
        let (tx, acked) = tokio::sync::watch::channel(0u64);
        let task = tokio::spawn(async move {
            let mut n = 0u64;
            let deadline = Instant::now() + Duration::from_secs(600);
            while Instant::now() < deadline {
                match ev.poll().await {
                    Ok(Event::Incoming(Packet::PubAck(_))) => {
                        n += 1;
                        let _ = tx.send(n);
                    }
                    Ok(_) => {}
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        });
        Self {
            client,
            acked,
            sent: 0,
            task,
        }
    }

    async fn publish(&mut self, m: &Message) {
        self.client
            .publish(
                m.topic.clone(),
                QoS::AtLeastOnce,
                m.retain,
                m.payload.clone(),
            )
            .await
            .unwrap();
        self.sent += 1;
    }

    /// Waits until the broker acknowledged everything sent.
    async fn flush(&mut self) {
        let start = Instant::now();
        while *self.acked.borrow() < self.sent {
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "broker acknowledged {} of {}",
                *self.acked.borrow(),
                self.sent
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn close(self) {
        let _ = self.client.disconnect().await;
        self.task.abort();
    }
}

async fn wait_for(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "timed out waiting for {what} after {secs} s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_agents_over_months_give_the_planned_burn_down() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("camaudit_central=info")
        .with_test_writer()
        .try_init();
    let settings = include_str!("../deploy/mosquitto-central.conf").replace("persistence true", "");
    let mut broker = Broker::start(&settings);
    let dir = TempDir::new("fleet");
    let db = dir.path().join("central.db").display().to_string();
    let fleet = sim::plan(100, 8, 14, 2026);
    let weeks = sim::messages(&fleet, "camaudit");
    let unique: HashSet<String> = weeks
        .iter()
        .flat_map(|(_, m)| m)
        .map(|m| {
            serde_json::from_slice::<serde_json::Value>(&m.payload).unwrap()["msg_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let mut store = SqliteStore::open(std::path::Path::new(&db)).unwrap();
    for a in fleet.actions() {
        store.append_action(&a).unwrap();
    }
    let handle = ingest::start(config(&broker, &db, "central-fleet", ""), Box::new(store));
    wait_for("central to connect", 20, || handle.progress().connects >= 1).await;
    let mut publisher = Publisher::connect(broker.port, "sim-agents");
    let restart_after = fleet.weeks / 2;
    let started = Instant::now();
    // Agents announce themselves first: central subscribes each site's records once it knows it.
    for (_, msgs) in weeks.iter().take(1) {
        for m in msgs
            .iter()
            .filter(|m| m.topic.ends_with("/status"))
            .step_by(2)
        {
            publisher.publish(m).await;
        }
    }
    publisher.flush().await;
    wait_for("central to subscribe every site", 60, || {
        handle.progress().sites_subscribed >= fleet.sites.len()
    })
    .await;
    for (w, msgs) in &weeks {
        // Odd weeks arrive in reverse order; every fifth message is delivered twice.
        let ordered: Vec<&Message> = if w % 2 == 1 {
            msgs.iter().rev().collect()
        } else {
            msgs.iter().collect()
        };
        for (i, m) in ordered.iter().enumerate() {
            publisher.publish(m).await;
            if i % 5 == 0 {
                publisher.publish(m).await;
            }
        }
        publisher.flush().await;
        if *w == restart_after {
            // Let central drain what the broker holds for it, then restart the broker.
            let want = count_until(&weeks, *w);
            wait_for("central to store the first half", 120, || {
                let p = handle.progress();
                if Instant::now().duration_since(started).as_millis() % 5000 < 50 {
                    eprintln!("stored {} of {want}; received {}", p.stored, p.received);
                }
                p.stored as usize >= want
            })
            .await;
            publisher.close().await;
            broker.restart();
            wait_for("central to reconnect", 30, || {
                handle.progress().connects >= 2
            })
            .await;
            publisher = Publisher::connect(broker.port, "sim-agents");
        }
    }
    publisher.close().await;
    wait_for("central to store every message", 180, || {
        handle.progress().stored as usize >= unique.len()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let p = handle.stop().await.unwrap();
    assert_eq!(p.stored as usize, unique.len(), "each message stored once");
    assert!(p.duplicates > 0, "duplicates were delivered and dropped");
    assert_eq!(p.rejected, 0);
    let mut store = SqliteStore::open(std::path::Path::new(&db)).unwrap();
    let end = fleet.end_of(fleet.weeks - 1);
    let estate = camaudit_central::build(&mut store, Options::new(end)).unwrap();
    for w in 0..fleet.weeks {
        let point = camaudit_central::burndown::at(&estate.series, fleet.end_of(w)).unwrap();
        let got: Vec<(Status, u32)> = Status::ALL.iter().map(|s| (*s, point.count(*s))).collect();
        let want: Vec<(Status, u32)> = Status::ALL
            .iter()
            .map(|s| (*s, fleet.expected(w)[s.index()]))
            .collect();
        assert_eq!(got, want, "week {w}");
    }
    assert!(estate.warnings.is_empty(), "{:?}", estate.warnings);
    assert!(
        estate.agents.iter().all(|a| a.completeness == "complete"),
        "every agent's records held"
    );
}

/// Unique messages in weeks `0..=w`.
fn count_until(weeks: &[(u32, Vec<Message>)], w: u32) -> usize {
    weeks
        .iter()
        .filter(|(x, _)| *x <= w)
        .map(|(_, m)| m.len())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5000_device_retained_snapshot_is_complete_or_reported_incomplete() {
    let broker = Broker::start("");
    let fleet = sim::plan(1, 5000, 12, 5);
    let site = fleet.sites.first().unwrap();
    let mut agent = sim::SimAgent::new("camaudit", site, fleet.start);
    let seen: Vec<_> = site.devices.iter().map(|d| &d.record).collect();
    let mut msgs = agent.scan(fleet.scan_at(0), &seen);
    msgs.push(agent.status(Ts(fleet.scan_at(0).0 + 601)));
    let mut publisher = Publisher::connect(broker.port, "big-agent");
    for m in msgs.iter().filter(|m| m.retain) {
        publisher.publish(m).await;
    }
    publisher.flush().await;
    publisher.close().await;
    for (qos, tag) in [(1, "qos1"), (0, "qos0")] {
        let dir = TempDir::new(tag);
        let db = dir.path().join("c.db").display().to_string();
        let cfg = config(
            &broker,
            &db,
            &format!("central-{tag}"),
            &format!("qos = {qos}"),
        );
        let store = SqliteStore::open(std::path::Path::new(&db)).unwrap();
        let handle = ingest::start(cfg, Box::new(store));
        wait_for("the snapshot", 120, || handle.progress().snapshot_done).await;
        let p = handle.stop().await.unwrap();
        let check = p
            .snapshot
            .iter()
            .find(|c| c.agent == site.agent)
            .expect("a check for the agent");
        let mut store = SqliteStore::open(std::path::Path::new(&db)).unwrap();
        let mut keys = HashSet::new();
        store
            .facts(None, &mut |f| {
                if let camaudit_central::fact::Body::Device { key, .. } = &f.body {
                    keys.insert(key.clone());
                }
            })
            .unwrap();
        eprintln!(
            "snapshot at QoS {qos}: {} — {} of {:?} received, {} stored",
            check.verdict,
            check.received,
            check.expected,
            keys.len()
        );
        assert_eq!(check.expected, Some(5000));
        assert_eq!(
            check.received,
            keys.len(),
            "the check counts what was stored"
        );
        match check.verdict {
            "complete" => assert_eq!(keys.len(), 5000),
            "incomplete" => assert!(keys.len() < 5000),
            other => panic!("verdict {other}"),
        }
        let estate =
            camaudit_central::build(&mut store, Options::new(Ts(fleet.scan_at(0).0 + 86_400)))
                .unwrap();
        let row = estate
            .agents
            .iter()
            .find(|a| a.agent == site.agent)
            .unwrap();
        assert_eq!(row.completeness, check.verdict, "the report says the same");
        assert_eq!(row.reported_records, Some(5000));
    }
}

//! The scale benchmark: N sites x M devices published by simulated agents to a private
//! Mosquitto (central's recommended settings), ingested by central into SQLite, then reported.
//! Prints the measured times, RSS and database size.
//!
//! ```text
//! CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
//!   cargo run --release -p camaudit-central --example scale -- 10000 50
//! ```
//!
//! `CAMAUDIT_BENCH_DB=FILE` keeps the database, for timing `camaudit-central report` on it.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use camaudit_central::config::Config;
use camaudit_central::ledger::Options;
use camaudit_central::report::html::{self, Detail};
use camaudit_central::sim;
use camaudit_central::store::Store;
use camaudit_central::store::conformance::TempDir;
use camaudit_central::store::sqlite::SqliteStore;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sites = args.first().copied().unwrap_or(10_000);
    let per_site = args.get(1).copied().unwrap_or(50);
    let dir = TempDir::new("scale");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let conf = dir.path().join("mosquitto.conf");
    std::fs::write(
        &conf,
        format!(
            "listener {port} 127.0.0.1\nallow_anonymous true\nuser root\n{}",
            include_str!("../deploy/mosquitto-central.conf").replace("persistence true", "")
        ),
    )
    .unwrap();
    let mut broker = Command::new("mosquitto")
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("mosquitto (apt-get install -y mosquitto)");
    std::thread::sleep(Duration::from_millis(500));

    let t = Instant::now();
    let fleet = sim::plan(sites, per_site, 12, 1);
    let mut agents: Vec<sim::SimAgent> = fleet
        .sites
        .iter()
        .map(|s| sim::SimAgent::new("camaudit", s, fleet.start))
        .collect();
    let mut msgs = Vec::new();
    for (s, a) in fleet.sites.iter().zip(agents.iter_mut()) {
        msgs.push(a.status(fleet.start));
        let seen: Vec<_> = s.devices.iter().map(|d| &d.record).collect();
        msgs.extend(a.scan(fleet.scan_at(0), &seen));
        msgs.push(a.status(camaudit_central::time::Ts(fleet.scan_at(0).0 + 601)));
    }
    println!(
        "simulated {sites} sites x {per_site} devices: {} messages in {:.1} s",
        msgs.len(),
        t.elapsed().as_secs_f64()
    );

    let db = dir.path().join("central.db");
    let cfg = Config::parse("bench", &format!("[mqtt]\nurl = \"mqtt://127.0.0.1:{port}\"\nclient_id = \"central-bench\"\n[snapshot]\nsettle = \"2s\"\n[store]\ndb = \"{}\"\n", db.display())).unwrap();
    let store = SqliteStore::open(&db).unwrap();
    let handle = camaudit_central::ingest::start(cfg, Box::new(store));
    while handle.progress().connects == 0 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut o = MqttOptions::new("agents", "127.0.0.1", port);
    o.set_inflight(500)
        .set_max_packet_size(1 << 20, 1 << 20)
        .set_keep_alive(Duration::from_secs(30));
    let (client, mut ev) = AsyncClient::new(o, 10_000);
    let (tx, acked) = tokio::sync::watch::channel(0usize);
    tokio::spawn(async move {
        let mut n = 0;
        loop {
            match ev.poll().await {
                Ok(Event::Incoming(Packet::PubAck(_))) => {
                    n += 1;
                    let _ = tx.send(n);
                }
                Ok(_) => {}
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    });
    // Statuses first, so central knows every site before the scans arrive.
    let t = Instant::now();
    let (status, rest): (Vec<_>, Vec<_>) = msgs.iter().partition(|m| m.topic.ends_with("/status"));
    for m in status.iter().step_by(2) {
        client
            .publish(m.topic.clone(), QoS::AtLeastOnce, true, m.payload.clone())
            .await
            .unwrap();
    }
    while handle.progress().sites_subscribed < sites {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "central subscribed {sites} sites in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let mut sent = status.len().div_ceil(2);
    for m in rest.iter().chain(status.iter().skip(1).step_by(2)) {
        client
            .publish(
                m.topic.clone(),
                QoS::AtLeastOnce,
                m.retain,
                m.payload.clone(),
            )
            .await
            .unwrap();
        sent += 1;
    }
    while *acked.borrow() < sent {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let published = t.elapsed().as_secs_f64();
    while (handle.progress().stored as usize) < msgs.len() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ingested = t.elapsed().as_secs_f64();
    let p = handle.stop().await.unwrap();
    println!(
        "published {sent} messages in {published:.1} s; central stored {} ({:.0} msg/s) in {ingested:.1} s; duplicates {}; RSS high-water {:.0} MB",
        p.stored,
        p.stored as f64 / ingested,
        p.duplicates,
        rss_mb()
    );
    let size = std::fs::metadata(&db).map_or(0, |m| m.len())
        + std::fs::metadata(dir.path().join("central.db-wal")).map_or(0, |m| m.len());
    println!("database {:.0} MB", size as f64 / 1e6);

    let t = Instant::now();
    let mut s = SqliteStore::open(&db).unwrap();
    for a in fleet.actions() {
        s.append_action(&a).unwrap();
    }
    println!(
        "recorded {} programme actions in {:.1} s",
        fleet.actions().len(),
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let estate = camaudit_central::build(
        &mut s,
        Options::new(camaudit_central::time::Ts(fleet.scan_at(0).0 + 86_400)),
    )
    .unwrap();
    let built = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let page = html::render(&estate, &Detail::default());
    let rendered = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let xlsx = camaudit_central::report::xlsx::render(&estate).unwrap();
    let xlsx_s = t.elapsed().as_secs_f64();
    println!(
        "report: replay {built:.1} s ({} devices, {} sites), HTML {rendered:.1} s ({:.1} MB), XLSX {xlsx_s:.1} s ({:.1} MB); RSS high-water {:.0} MB",
        estate.devices.len(),
        estate.sites.len(),
        page.len() as f64 / 1e6,
        xlsx.len() as f64 / 1e6,
        rss_mb()
    );
    let _ = broker.kill();
    let _ = broker.wait();
    drop(s);
    if let Some(keep) = std::env::var_os("CAMAUDIT_BENCH_DB") {
        std::fs::copy(&db, &keep).unwrap();
        println!("database kept at {}", std::path::Path::new(&keep).display());
    }
}

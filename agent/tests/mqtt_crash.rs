//! Against Mosquitto: the agent is killed with SIGKILL at random points (deterministic seed)
//! while it scans and publishes, 20 times, and restarted. Nothing queued is lost; re-sends
//! carry the same msg_id and bytes; the queue file always reopens; the final retained state
//! equals the agent's inventory.
//!
//! The agent runs in a child process: this test binary re-executed with `--ignored --exact
//! child_agent`, running the agent library with a scan source that changes the estate on every
//! scan.

mod support;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use camaudit::config::{self, Overrides};
use camaudit::net::interfaces::Interface;
use camaudit::queue::Store;
use camaudit::run::scanner::Scanner;
use camaudit::scope::Scope;
use camaudit_protocol::record::ScanReport;
use support::broker::{Broker, Options, signal};
use support::collector::{Collector, Received};
use support::devices::{camera, report};
use support::{Rng, agent};

const PREFIX: &str = "camaudit/v1/site-k/gw-k";
const KILLS: usize = 20;
const SEED: u64 = 0x5eed_2026;

/// Scan k (k counts across restarts, kept in a file): cameras k-40..=k, each with firmware
/// `k - j`, so every scan adds one camera, changes forty, and drops one.
struct Churn {
    counter: PathBuf,
}

impl Scanner for Churn {
    async fn scan(&self, _only: Option<std::net::Ipv4Addr>) -> Result<ScanReport, String> {
        let k: u32 = std::fs::read_to_string(&self.counter)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0)
            + 1;
        // Atomically: a SIGKILL mid-write must not reset the count.
        let tmp = self.counter.with_extension("tmp");
        std::fs::write(&tmp, k.to_string()).map_err(|e| e.to_string())?;
        std::fs::rename(&tmp, &self.counter).map_err(|e| e.to_string())?;
        let devices = (k.saturating_sub(40).max(1)..=k)
            .map(|j| camera(j, &format!("fw-{}", k - j)))
            .collect();
        Ok(report(devices))
    }
    fn scope(&self) -> Scope {
        Scope::new([])
    }
    fn interfaces(&self) -> Vec<Interface> {
        Vec::new()
    }
}

/// The agent process (only when re-executed by the test below).
#[test]
#[ignore = "run by agent_survives_sigkill_while_publishing as its child process"]
fn child_agent() {
    let Ok(dir) = std::env::var("CAMAUDIT_TEST_CHILD_DIR") else {
        return;
    };
    let dir = PathBuf::from(dir);
    let cfg = config::load(&dir.join("config.toml"), true, &Overrides::from_env()).expect("config");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let (tx, rx) = tokio::sync::watch::channel(false);
        tokio::spawn(camaudit::run::shutdown::on_signal(tx));
        let scanner = Churn {
            counter: dir.join("scan-counter"),
        };
        camaudit::run::run(&cfg, scanner, rx).await.expect("agent");
    });
}

fn spawn_child(dir: &Path, interval: &str) -> Child {
    Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--ignored",
            "--exact",
            "child_agent",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("CAMAUDIT_TEST_CHILD_DIR", dir)
        .env("CAMAUDIT_SCAN_INTERVAL", interval)
        .env("RUST_LOG", "off")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child agent")
}

/// A queued message as the test saw it in the queue file.
#[derive(Clone, Debug)]
struct Seen {
    bytes: Vec<u8>,
    topic: String,
    seq: u64,
    state: bool,
}

/// Every queued message by msg_id.
fn queued(state: &Path) -> Vec<(String, Seen)> {
    let store = Store::open(state, 64 << 20).expect("the queue reopens after SIGKILL");
    store
        .pending()
        .expect("readable queue")
        .into_iter()
        .filter(|q| !q.message.payload.is_empty())
        .map(|q| {
            let v: serde_json::Value = serde_json::from_slice(&q.message.payload).expect("json");
            let seen = Seen {
                topic: q.message.topic.clone(),
                seq: v["seq"].as_u64().expect("seq"),
                state: q.message.state_key.is_some(),
                bytes: q.message.payload,
            };
            (v["msg_id"].as_str().expect("msg_id").to_owned(), seen)
        })
        .collect()
}

fn by_msg_id(all: &[Received]) -> HashMap<String, Vec<u8>> {
    let mut out: HashMap<String, Vec<u8>> = HashMap::new();
    for r in all.iter().filter(|r| !r.payload.is_empty()) {
        let id = r.json()["msg_id"].as_str().expect("msg_id").to_owned();
        if let Some(p) = out.get(&id) {
            assert_eq!(p, &r.payload, "duplicate {id} carries other bytes");
        }
        out.insert(id, r.payload.clone());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_survives_sigkill_while_publishing() {
    let broker = Broker::start(Options::default());
    let col = Collector::start(&broker, "ingest-crash", &format!("{PREFIX}/#")).await;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    std::fs::write(
        dir.path().join("config.toml"),
        agent::config_text(&broker, &state, "site-k", "gw-k", "150ms", ""),
    )
    .unwrap();
    let mut rng = Rng::new(SEED);
    let mut ever_queued: HashMap<String, Seen> = HashMap::new();
    let mut killed_with_queue = 0;
    for i in 0..KILLS {
        let before = col.snapshot().len();
        let mut child = spawn_child(dir.path(), "150ms");
        if i % 2 == 0 {
            // Mid-stream: after this many of its messages reached the broker.
            let n = usize::try_from(rng.range(1, 80)).unwrap();
            let end = tokio::time::Instant::now() + Duration::from_secs(5);
            while col.snapshot().len() < before + n && tokio::time::Instant::now() < end {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        } else {
            tokio::time::sleep(Duration::from_millis(rng.range(50, 1500))).await;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "child {i} exited by itself"
        );
        signal(child.id(), libc::SIGKILL);
        let status = child.wait().unwrap();
        assert!(!status.success(), "child {i} was not killed");
        let q = queued(&state);
        if !q.is_empty() {
            killed_with_queue += 1;
        }
        ever_queued.extend(q);
    }
    // Final run: no further scans after the one at start; let the queue drain.
    let mut child = spawn_child(dir.path(), "1h");
    let mut last = usize::MAX;
    let mut quiet = 0;
    for _ in 0..120 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let n = col
            .snapshot()
            .iter()
            .filter(|r| !r.topic.ends_with("/heartbeat"))
            .count();
        quiet = if n == last { quiet + 1 } else { 0 };
        last = n;
        if quiet >= 4 {
            break;
        }
    }
    signal(child.id(), libc::SIGTERM);
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "SIGTERM exit: {status}");

    let store = Store::open(&state, 64 << 20).unwrap();
    assert_eq!(store.figures().unwrap().depth, 0, "queue drained");
    let inventory = store.inventory().unwrap();
    drop(store);
    let all = col.snapshot();
    let got = by_msg_id(&all);
    // Highest seq received per topic: a queued device record may be superseded (latest wins)
    // by a newer record for the same device before it is sent.
    let mut newest: HashMap<&str, u64> = HashMap::new();
    for r in all.iter().filter(|r| !r.payload.is_empty()) {
        let seq = r.json()["seq"].as_u64().unwrap();
        let e = newest.entry(r.topic.as_str()).or_insert(0);
        *e = (*e).max(seq);
    }
    let mut superseded = 0;
    let mut lost = Vec::new();
    for (id, q) in &ever_queued {
        match got.get(id) {
            Some(bytes) => assert_eq!(bytes, &q.bytes, "{id} arrived with other bytes"),
            None if q.state && newest.get(q.topic.as_str()).is_some_and(|s| *s > q.seq) => {
                superseded += 1;
            }
            None => lost.push((id, &q.topic)),
        }
    }
    assert!(
        lost.is_empty(),
        "{} queued messages never arrived: {lost:?}",
        lost.len()
    );
    assert!(
        killed_with_queue >= 5,
        "only {killed_with_queue} kills found a non-empty queue"
    );

    // Every device in the inventory was announced, and the retained state is the inventory.
    let new_keys: HashSet<String> = got
        .values()
        .filter_map(|p| serde_json::from_slice::<serde_json::Value>(p).ok())
        .filter(|v| v["type"] == "device-new")
        .map(|v| v["key"].as_str().unwrap().to_owned())
        .collect();
    for e in &inventory {
        assert!(
            new_keys.contains(&e.device.key),
            "no device-new for {}",
            e.device.key
        );
    }
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
    assert_eq!(retained.len(), inventory.len());
    for e in &inventory {
        let v = &retained[&e.device.key];
        assert_eq!(
            v["reported"]["firmware"],
            e.device.reported.firmware.clone().unwrap()
        );
        assert_eq!(v["scan_id"], e.scan_id.as_str());
    }
    let counter = std::fs::read_to_string(dir.path().join("scan-counter")).unwrap();
    eprintln!(
        "sigkill test: {KILLS} kills (seed {SEED:#x}), {killed_with_queue} with a non-empty queue, \
         {} queued messages tracked ({superseded} device records superseded by newer ones), \
         {} distinct received, {counter} scans, {} devices",
        ever_queued.len(),
        got.len(),
        inventory.len()
    );
}

//! Against Mosquitto, the `camaudit run` binary itself: the birth message marks the agent
//! online, the last will marks it offline when it dies (SIGKILL), SIGTERM finishes cleanly
//! with an offline status and exit 0; and its idle RSS is measured.

mod support;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use support::broker::{Broker, Options, signal};
use support::collector::Collector;
use support::{agent, eventually};

const PREFIX: &str = "camaudit/v1/site-l/gw-l";

fn spawn(config: &std::path::Path, log: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_camaudit"))
        .args(["run", "--config"])
        .arg(config)
        .env("RUST_LOG", "info")
        // Symbolising a backtrace (a panic in a scan task, e.g. a stub on this branch) maps the
        // debug info and would dominate the figure.
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .expect("spawn camaudit run")
}

fn statuses(col: &Collector) -> Vec<serde_json::Value> {
    col.on("/status").iter().map(|r| r.json()).collect()
}

fn rss_kib(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

async fn setup() -> (Broker, Collector, tempfile::TempDir) {
    let broker = Broker::start(Options::default());
    let col = Collector::start(&broker, "ingest-life", &format!("{PREFIX}/#")).await;
    let dir = tempfile::tempdir().unwrap();
    let text = agent::config_text(
        &broker,
        &dir.path().join("state"),
        "site-l",
        "gw-l",
        "6h",
        "",
    );
    std::fs::write(dir.path().join("config.toml"), text).unwrap();
    (broker, col, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn birth_online_last_will_offline_then_online_again() {
    let (_broker, col, dir) = setup().await;
    let cfg = dir.path().join("config.toml");
    let mut child = spawn(&cfg, &dir.path().join("run1.log"));
    eventually(20, "birth", || {
        statuses(&col).iter().any(|s| s["state"] == "online")
    })
    .await;
    let first = statuses(&col).last().unwrap().clone();
    assert_eq!(first["state"], "online");
    assert!(first["inventory"].is_object(), "{first}");
    signal(child.id(), libc::SIGKILL);
    child.wait().unwrap();
    eventually(20, "last will", || {
        statuses(&col)
            .last()
            .is_some_and(|s| s["state"] == "offline")
    })
    .await;
    let will = statuses(&col).last().unwrap().clone();
    assert_eq!(will["reason"], "lwt");
    assert_eq!(will["boot_id"], first["boot_id"]);

    let mut child = spawn(&cfg, &dir.path().join("run2.log"));
    eventually(20, "second birth", || {
        statuses(&col)
            .last()
            .is_some_and(|s| s["state"] == "online")
    })
    .await;
    let again = statuses(&col).last().unwrap().clone();
    assert_ne!(again["boot_id"], first["boot_id"]);
    assert!(
        again["seq"].as_u64() > will["seq"].as_u64(),
        "seq goes on across restarts"
    );
    signal(child.id(), libc::SIGKILL);
    child.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_cleanly_and_idle_rss_is_small() {
    let (_broker, col, dir) = setup().await;
    let mut child = spawn(&dir.path().join("config.toml"), &dir.path().join("run.log"));
    eventually(20, "birth and the first scan", || {
        statuses(&col).iter().any(|s| s["state"] == "online")
            && !col.on("/event/scan-finished").is_empty()
    })
    .await;
    // Idle: a few heartbeats later.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rss = rss_kib(child.id());
    let hb = col.on("/heartbeat").last().unwrap().json();
    eprintln!(
        "idle RSS of `camaudit run` (debug build): {rss} KiB; heartbeat rss_bytes {}",
        hb["rss_bytes"]
    );
    assert!(rss < 32 * 1024, "idle RSS {rss} KiB");
    signal(child.id(), libc::SIGTERM);
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "exit status after SIGTERM: {status}");
    let bye = statuses(&col).last().unwrap().clone();
    assert_eq!(bye["state"], "offline");
    assert_eq!(bye["reason"], "shutdown");
    let log = std::fs::read_to_string(dir.path().join("run.log")).unwrap();
    assert!(log.contains("SIGTERM"), "{log}");
    assert!(log.contains("camaudit agent stopped"), "{log}");
}

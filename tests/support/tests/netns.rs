//! The simulator on a simulated LAN (root only): cameras in one network namespace answering a
//! multicast Probe sent from another. Skips with a message when not root. Traffic stays inside
//! the namespaces the test creates; they are deleted even when an assertion fails.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use camaudit_test_support::netns::{Lan, LanError, Side, leftover_namespaces, namespaces};
use camaudit_test_support::probe::ProbeReport;
use camaudit_test_support::stats::StatsSnapshot;
use camaudit_test_support::{FleetOptions, FleetSpec};

const SIM: &str = env!("CARGO_BIN_EXE_camaudit-sim");

/// A scratch directory removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("camaudit-sim-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Self(dir)
    }

    fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn lan_or_skip(hosts: usize) -> Option<Lan> {
    match Lan::new(hosts) {
        Ok(lan) => Some(lan),
        Err(LanError::Skip(reason)) => {
            println!("skipped: {reason}");
            None
        }
        Err(e) => panic!("building the LAN: {e}"),
    }
}

fn wait_for(path: &Path, lan: &mut Lan, pid: u32, limit: Duration) {
    let start = Instant::now();
    while !path.exists() {
        assert!(
            start.elapsed() < limit,
            "simulator not ready after {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
        if let Ok(Some(status)) = lan.try_wait(pid) {
            panic!("simulator exited before it was ready: {status}");
        }
    }
}

/// Runs `count` cameras in the camera namespace and one multicast Probe from the scanner side.
fn multicast_round(
    count: usize,
    max_delay: Duration,
) -> Option<(FleetSpec, ProbeReport, StatsSnapshot, Duration)> {
    let mut lan = lan_or_skip(count)?;
    for note in lan.notes() {
        println!("note: {note}");
    }
    let scratch = Scratch::new(&format!("mc{count}"));
    let opts = FleetOptions {
        max_delay,
        auth_ratio: 0.2,
        ..FleetOptions::default()
    };
    let spec = FleetSpec::generate(count, lan.camera_base(), 4242, &opts).unwrap();
    assert_eq!(
        spec.cameras.iter().map(|c| c.ip).collect::<Vec<_>>(),
        lan.camera_addrs()
    );
    std::fs::write(scratch.path("fleet.json"), spec.to_json().unwrap()).unwrap();
    let ready = scratch.path("ready");
    let stats_file = scratch.path("stats.json");
    let mut sim = Command::new(SIM);
    sim.arg("--fleet")
        .arg(scratch.path("fleet.json"))
        .args([
            "--mode",
            "multicast",
            "--http-port",
            "80",
            "--duration",
            "60s",
        ])
        .arg("--ready-file")
        .arg(&ready)
        .arg("--stats")
        .arg(&stats_file);
    let started = Instant::now();
    let pid = lan
        .spawn_in(Side::Cameras, &sim)
        .expect("spawn simulator")
        .id();
    wait_for(&ready, &mut lan, pid, Duration::from_secs(20));
    let ready_after = started.elapsed();

    let mut probe = Command::new(SIM);
    probe.args([
        "probe",
        "--iface-addr",
        &lan.scanner_addr().to_string(),
        "--wait",
        "3s",
    ]);
    let out = lan.output_in(Side::Scanner, &probe).expect("run probe");
    assert!(
        out.status.success(),
        "probe failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: ProbeReport = serde_json::from_slice(&out.stdout).expect("probe JSON report");

    // A unicast Probe to one camera reaches that camera only (its own <ip>:3702 socket).
    let one = spec.cameras[count / 2].ip;
    let mut unicast = Command::new(SIM);
    unicast.args([
        "probe",
        "--iface-addr",
        &lan.scanner_addr().to_string(),
        "--wait",
        "1s",
    ]);
    unicast.args(["--target", &one.to_string()]);
    let out = lan
        .output_in(Side::Scanner, &unicast)
        .expect("run unicast probe");
    let direct: ProbeReport = serde_json::from_slice(&out.stdout).expect("unicast report");
    assert_eq!(direct.responders.into_iter().collect::<Vec<_>>(), [one]);
    assert_eq!((direct.matches, direct.foreign_source_port), (1, 0));

    // SIGTERM lets the simulator write its counters; it is our own child, by pid.
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !stats_file.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(50));
    let stats: StatsSnapshot =
        serde_json::from_str(&std::fs::read_to_string(&stats_file).expect("stats written"))
            .expect("stats JSON");
    let ours = [
        lan.namespace(Side::Scanner).to_owned(),
        lan.namespace(Side::Cameras).to_owned(),
    ];
    assert!(ours.iter().all(|ns| namespaces().contains(ns)));
    drop(lan);
    let left: Vec<_> = namespaces()
        .into_iter()
        .filter(|ns| ours.contains(ns))
        .collect();
    assert!(left.is_empty(), "namespaces left after drop: {left:?}");
    Some((spec, report, stats, ready_after))
}

#[test]
fn a_panicking_test_leaves_no_namespace() {
    let Some(probe) = lan_or_skip(3) else { return };
    let names = [
        probe.namespace(Side::Scanner).to_owned(),
        probe.namespace(Side::Cameras).to_owned(),
    ];
    drop(probe);
    let result = std::panic::catch_unwind(|| {
        let lan = Lan::new(3).expect("second LAN");
        let held = [
            lan.namespace(Side::Scanner).to_owned(),
            lan.namespace(Side::Cameras).to_owned(),
        ];
        assert!(held.iter().all(|ns| namespaces().contains(ns)));
        panic!("{}", held.join(","));
    });
    let message = result.expect_err("the closure panics");
    let held = message
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    for ns in held.split(',').chain(names.iter().map(String::as_str)) {
        assert!(!namespaces().iter().any(|n| n == ns), "{ns} survived");
    }
    let _ = leftover_namespaces();
}

#[test]
fn fifty_cameras_answer_one_multicast_probe() {
    let Some((spec, report, stats, ready_after)) = multicast_round(50, Duration::from_millis(400))
    else {
        return;
    };
    println!(
        "50 cameras: ready after {ready_after:?}; {} matches, last after {:?} ms",
        report.matches, report.last_reply_ms
    );
    let expected: BTreeSet<Ipv4Addr> = spec.cameras.iter().map(|c| c.ip).collect();
    assert_eq!(report.matches, 50);
    assert_eq!(report.distinct_responders, 50);
    assert_eq!(report.distinct_endpoints, 50);
    assert_eq!(report.responders, expected);
    assert_eq!(report.foreign_source_port, 0, "replies come from port 3702");
    assert_eq!(report.rcvbuf_errors, Some(0));
    assert_eq!(
        stats.datagrams, 2,
        "one multicast and one unicast datagram, each seen once"
    );
    assert_eq!((stats.probes, stats.replies), (51, 51));
}

#[test]
fn thousand_cameras_answer_within_max_delay() {
    let max_delay = Duration::from_millis(500);
    let Some((_, report, stats, ready_after)) = multicast_round(1000, max_delay) else {
        return;
    };
    println!(
        "1000 cameras: process ready after {ready_after:?}; {} matches, last after {:?} ms; \
         rcvbuf errors {:?}",
        report.matches, report.last_reply_ms, report.rcvbuf_errors
    );
    assert_eq!(report.distinct_responders, 1000);
    assert_eq!(report.rcvbuf_errors, Some(0));
    assert_eq!(stats.replies, 1001);
    // Scheduling slack on a shared two-core machine; the delays themselves are ≤ max_delay.
    let last = Duration::from_millis(report.last_reply_ms.unwrap_or(u64::MAX));
    assert!(
        last < max_delay + Duration::from_millis(1500),
        "last reply after {last:?}"
    );
}

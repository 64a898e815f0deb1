//! `camaudit scan` by real multicast on a simulated camera LAN (root only): the simulator runs
//! in one network namespace, the scanner in another, joined by a veth pair. Skips with a message
//! when not root. Traffic stays inside the namespaces the test creates; they are deleted even
//! when an assertion fails.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use camaudit_test_support::creds::write_credentials;
use camaudit_test_support::netns::{Lan, LanError, Side};
use camaudit_test_support::{FleetOptions, FleetSpec};
use serde_json::Value;

const CAMAUDIT: &str = env!("CARGO_BIN_EXE_camaudit");

/// `camaudit-sim` is built next to `camaudit` by `cargo test --workspace`.
fn sim_binary() -> PathBuf {
    let p = Path::new(CAMAUDIT).with_file_name("camaudit-sim");
    assert!(
        p.exists(),
        "{} missing: run `cargo build -p camaudit-test-support`",
        p.display()
    );
    p
}

struct Scratch(PathBuf);
impl Scratch {
    fn new(name: &str) -> Self {
        let d = std::env::temp_dir().join(format!("camaudit-netns-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Self(d)
    }
}
impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn rcvbuf_errors(lan: &Lan) -> u64 {
    let out = lan
        .output_in(Side::Scanner, Command::new("cat").arg("/proc/net/snmp"))
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines().filter(|l| l.starts_with("Udp:"));
    let (Some(names), Some(values)) = (lines.next(), lines.next()) else {
        return 0;
    };
    let i = names
        .split_whitespace()
        .position(|n| n == "RcvbufErrors")
        .unwrap();
    values.split_whitespace().nth(i).unwrap().parse().unwrap()
}

#[test]
fn multicast_scan_finds_and_identifies_the_fleet() {
    let n = 60;
    let mut lan = match Lan::new(n) {
        Ok(l) => l,
        Err(LanError::Skip(reason)) => {
            println!("skipped: {reason}");
            return;
        }
        Err(e) => panic!("building the LAN: {e}"),
    };
    let scratch = Scratch::new("mc");
    let spec = FleetSpec::generate(n, lan.camera_base(), 42, &FleetOptions::default()).unwrap();
    let fleet_file = scratch.0.join("fleet.json");
    std::fs::write(&fleet_file, spec.to_json().unwrap()).unwrap();
    let creds = write_credentials(&spec, &scratch.0.join("creds"), &[]).unwrap();
    let ready = scratch.0.join("ready");
    let mut sim = Command::new(sim_binary());
    sim.args([
        "--mode",
        "multicast",
        "--http-port",
        "80",
        "--duration",
        "60s",
        "--fleet",
    ])
    .arg(&fleet_file)
    .arg("--ready-file")
    .arg(&ready);
    let pid = lan.spawn_in(Side::Cameras, &sim).unwrap().id();
    let t0 = Instant::now();
    while !ready.exists() {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "simulator not ready"
        );
        if let Ok(Some(st)) = lan.try_wait(pid) {
            panic!("simulator exited: {st}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let drops_before = rcvbuf_errors(&lan);
    let out_file = scratch.0.join("scan.json");
    let mut scan = Command::new(CAMAUDIT);
    scan.args([
        "scan",
        "-i",
        lan.interface(Side::Scanner),
        "--wait",
        "1s",
        "--format",
        "json",
    ])
    .arg("--credentials")
    .arg(&creds)
    .arg("-o")
    .arg(&out_file);
    let out = lan.output_in(Side::Scanner, &scan).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "scan failed: {stderr}");
    let report: Value = serde_json::from_slice(&std::fs::read(&out_file).unwrap()).unwrap();
    assert_eq!(report["schema"], "camaudit.scan/1");
    assert_eq!(report["interfaces"][0], lan.interface(Side::Scanner));
    let devices = report["devices"].as_array().unwrap();
    assert_eq!(
        devices.len(),
        n,
        "found {} of {n}; stderr: {stderr}",
        devices.len()
    );
    for cam in &spec.cameras {
        let ip = cam.ip.to_string();
        let d = devices
            .iter()
            .find(|d| d["ip"] == ip.as_str())
            .unwrap_or_else(|| panic!("{ip} missing"));
        let r = &d["reported"];
        let id = &cam.identity;
        assert_eq!(r["manufacturer"], id.manufacturer.as_str(), "{ip}");
        assert_eq!(r["model"], id.model.as_str(), "{ip}");
        assert_eq!(r["firmware"], id.firmware.as_str(), "{ip}");
        assert_eq!(r["serial"], id.serial.as_str(), "{ip}");
        assert_eq!(d["mac"], id.mac_string().as_str(), "{ip}");
        assert_eq!(d["discovered_by"][0], "ws-discovery");
    }
    assert_eq!(report["summary"]["devices"], n);
    assert_eq!(
        rcvbuf_errors(&lan),
        drops_before,
        "kernel dropped discovery replies"
    );
}

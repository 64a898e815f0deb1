//! Black-box `camaudit scan` and `camaudit probe` against the camera simulator on loopback
//! addresses (no root needed): every output format, `-o`, exit statuses, the probe view.

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

use camaudit_test_support::creds::write_credentials;
use camaudit_test_support::{AuthMode, Fleet, FleetOptions, FleetSpec, Mode, RunningFleet};
use serde_json::Value;

fn camaudit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_camaudit"))
        .args(args)
        .env_remove("CAMAUDIT_PASSWORD")
        .env_remove("RUST_LOG")
        .output()
        .expect("run camaudit")
}

struct Setup {
    _rt: tokio::runtime::Runtime,
    _fleet: RunningFleet,
    spec: FleetSpec,
    dir: PathBuf,
    net: String,
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A 16-camera fleet on its own loopback /24 (`third` keeps tests apart).
fn setup(third: u8) -> Setup {
    let second = 150 + (std::process::id() % 50) as u8;
    let base = Ipv4Addr::new(127, second, third, 10);
    let opts = FleetOptions {
        auth_ratio: 0.3,
        max_delay: Duration::from_millis(200),
        ..FleetOptions::default()
    };
    let spec = FleetSpec::generate(16, base, u64::from(third), &opts).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let fleet = rt
        .block_on(Fleet::start(
            spec.clone(),
            Mode::Loopback {
                ws_port: 3702,
                http_port: 0,
            },
        ))
        .unwrap();
    let dir = std::env::temp_dir().join(format!("camaudit-scancli-{}-{third}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Setup {
        _rt: rt,
        _fleet: fleet,
        spec,
        dir,
        net: format!("127.{second}.{third}.0/24"),
    }
}

/// `camaudit scan` of the setup's range with credentials, in `format`, to stdout.
fn scan(s: &Setup, creds: &str, format: &str) -> Output {
    camaudit(&[
        "scan",
        "--target",
        &s.net,
        "--wait",
        "500ms",
        "--credentials",
        creds,
        "--format",
        format,
    ])
}

#[test]
fn every_output_format_carries_the_same_devices() {
    let s = setup(1);
    let creds = write_credentials(&s.spec, &s.dir.join("c"), &[]).unwrap();
    let creds = creds.to_str().unwrap();
    let json_file = s.dir.join("scan.json");
    let o = camaudit(&[
        "scan",
        "--target",
        &s.net,
        "--wait",
        "500ms",
        "--credentials",
        creds,
        "--format",
        "json",
        "-o",
        json_file.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stdout.is_empty(), "-o writes the file, not stdout");
    let report: Value = serde_json::from_slice(&std::fs::read(&json_file).unwrap()).unwrap();
    let n = s.spec.cameras.len();
    assert_eq!(report["devices"].as_array().unwrap().len(), n);
    assert_eq!(report["summary"]["devices"], n);
    assert!(report["scan_id"].as_str().unwrap().len() == 36);
    for d in report["devices"].as_array().unwrap() {
        assert!(
            d["attribution"]["evidence"]
                .as_array()
                .is_some_and(|e| !e.is_empty()),
            "{d}"
        );
        assert_ne!(d["access"]["auth"], "failed", "{d}");
    }

    let o = scan(&s, creds, "csv");
    assert!(o.status.success());
    let csv = String::from_utf8(o.stdout).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "site,agent,ip,mac,maker,brand,rebrand,restricted,lists,confidence,manufacturer,model,firmware,serial,discovered_by,auth"
    );
    assert_eq!(csv.lines().filter(|l| !l.starts_with('#')).count(), n + 1);
    assert!(
        csv.lines()
            .last()
            .unwrap()
            .starts_with(&format!("# summary: devices={n} "))
    );

    let o = scan(&s, creds, "ndjson");
    assert!(o.status.success());
    let lines: Vec<Value> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), n + 1);
    assert!(
        lines[..n]
            .iter()
            .all(|l| l["type"] == "device" && l["ip"].is_string())
    );
    assert_eq!(lines[n]["type"], "summary");
    assert_eq!(lines[n]["summary"]["devices"], n);

    let o = scan(&s, creds, "table");
    assert!(o.status.success());
    let table = String::from_utf8(o.stdout).unwrap();
    for cam in &s.spec.cameras {
        assert!(table.contains(&cam.ip.to_string()), "{table}");
    }
    assert!(table.contains(&format!("{n} devices")));
}

#[test]
fn fail_on_restricted_exits_3_and_missing_credentials_are_reported() {
    let s = setup(2);
    let o = camaudit(&[
        "scan",
        "--target",
        &s.net,
        "--wait",
        "500ms",
        "--format",
        "json",
        "--fail-on",
        "restricted",
    ]);
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    let restricted = report["summary"]["restricted"].as_u64().unwrap();
    assert_eq!(o.status.code(), Some(if restricted > 0 { 3 } else { 0 }));
    // Without credentials, every camera that needs them is `failed`, with an error saying why.
    for cam in s.spec.cameras.iter().filter(|c| c.auth != AuthMode::None) {
        let d = report["devices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["ip"] == cam.ip.to_string().as_str())
            .unwrap();
        assert_eq!(d["access"]["auth"], "failed", "{d}");
        assert!(
            d["access"]["errors"][0]
                .as_str()
                .unwrap()
                .contains("credentials"),
            "{d}"
        );
    }
}

#[test]
fn probe_shows_one_device_with_its_evidence() {
    let s = setup(3);
    let cam = s
        .spec
        .cameras
        .iter()
        .find(|c| c.auth == AuthMode::None)
        .unwrap();
    let ip = cam.ip.to_string();
    let o = camaudit(&["probe", &ip, "--format", "table"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains(&format!("Device {ip}")), "{text}");
    assert!(text.contains(&cam.identity.serial), "{text}");
    assert!(text.contains(&cam.identity.model), "{text}");
    assert!(text.contains("Attribution: maker"), "{text}");
    assert!(text.contains("Policy:"), "{text}");
    let o = camaudit(&["probe", &ip, "--format", "json"]);
    let d: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(d["reported"]["serial"], cam.identity.serial.as_str());
    assert_eq!(d["mac"], cam.identity.mac_string().as_str());
    // A host that answers nothing: the record says so, the command still completes.
    let o = camaudit(&[
        "probe",
        &format!("127.{}.3.250", 150 + std::process::id() % 50),
        "--wait",
        "200ms",
        "--timeout",
        "300ms",
        "--format",
        "json",
    ]);
    assert!(o.status.success());
    let d: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(!d["access"]["errors"].as_array().unwrap().is_empty());
}

//! End to end against Mosquitto and the camera simulator: `camaudit run` scans the simulated
//! fleet (loopback targets), and the retained `device/+` topics carry every camera with the
//! identity the simulator reports.

mod support;

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::process::{Command, Stdio};
use std::time::Duration;

use camaudit_test_support::{Fleet, FleetOptions, FleetSpec, Mode};
use support::broker::{Broker, Options, signal};
use support::{agent, eventually};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retained_devices_match_the_simulated_fleet() {
    let broker = Broker::start(Options::default());
    let second = 200 + (std::process::id() % 50) as u8;
    let base = Ipv4Addr::new(127, second, 7, 10);
    let opts = FleetOptions {
        auth_ratio: 0.0,
        max_delay: Duration::from_millis(200),
        ..FleetOptions::default()
    };
    let spec = FleetSpec::generate(12, base, 3, &opts).unwrap();
    let _fleet = Fleet::start(
        spec.clone(),
        Mode::Loopback {
            ws_port: 3702,
            http_port: 0,
        },
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let text = agent::config_text(
        &broker,
        &dir.path().join("state"),
        "site-e",
        "gw-e",
        "6h",
        "",
    )
    .replace(
        "targets = [\"127.0.0.1\"]",
        &format!("targets = [\"127.{second}.7.0/24\"]\nwait = \"700ms\""),
    );
    let config = dir.path().join("config.toml");
    std::fs::write(&config, text).unwrap();
    let log = dir.path().join("agent.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_camaudit"))
        .args(["run", "--config"])
        .arg(&config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let filter = "camaudit/v1/site-e/gw-e/device/+";
    eventually(30, "every camera retained", || {
        broker.retained(filter).len() == spec.cameras.len()
    })
    .await;
    signal(child.id(), 15);
    let _ = child.wait();

    let retained: HashMap<String, serde_json::Value> = broker
        .retained(filter)
        .into_iter()
        .map(|(t, p)| {
            (
                t.rsplit('/').next().unwrap().to_owned(),
                serde_json::from_str(&p).unwrap(),
            )
        })
        .collect();
    for cam in &spec.cameras {
        let key: String = cam
            .identity
            .mac
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let d = retained.get(&key).unwrap_or_else(|| {
            panic!(
                "{key} not retained; log: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            )
        });
        assert_eq!(d["state"], "present");
        assert_eq!(d["ip"], cam.ip.to_string().as_str());
        assert_eq!(d["reported"]["serial"], cam.identity.serial.as_str());
        assert_eq!(d["reported"]["model"], cam.identity.model.as_str());
        assert_eq!(d["reported"]["firmware"], cam.identity.firmware.as_str());
        assert_eq!(d["site"], "site-e");
        assert!(d["msg_id"].is_string() && d["seq"].is_u64() && d["scan_id"].is_string());
        assert!(
            d["attribution"]["evidence"]
                .as_array()
                .is_some_and(|e| !e.is_empty())
        );
    }
}

//! Against Mosquitto: remote `cmd/scan` is off by default; when enabled, a request runs a scan
//! and is answered on `cmd-result/<request_id>`.

mod support;

use std::time::Duration;

use camaudit::config::BrokerUrl;
use camaudit::mqtt::rumqtt::RumqttLink;
use camaudit::mqtt::{Connection, Link, LinkEvent, Publish, Qos};
use support::broker::{Broker, Options};
use support::collector::Collector;
use support::devices::{camera, report};
use support::scripted::Scripted;
use support::{agent, eventually};

async fn ops(broker: &Broker) -> RumqttLink {
    let mut link = RumqttLink::start(&Connection {
        url: BrokerUrl::parse(&broker.url()).unwrap(),
        client_id: "ops".into(),
        ca_file: None,
        client_cert: None,
        username: None,
        password: None,
        keep_alive: Duration::from_secs(5),
        reconnect_min: Duration::from_millis(100),
        reconnect_max: Duration::from_millis(500),
        last_will: None,
    })
    .unwrap();
    tokio::time::timeout(Duration::from_secs(10), async {
        while !matches!(link.next().await, Some(LinkEvent::Connected)) {}
    })
    .await
    .expect("ops connects");
    link
}

async fn request_scan(link: &mut RumqttLink, topic: &str, id: &str) {
    link.publish(Publish {
        topic: topic.into(),
        payload: format!("{{\"request_id\":\"{id}\"}}").into_bytes(),
        qos: Qos::AtLeastOnce,
        retain: false,
    })
    .unwrap();
    tokio::time::timeout(Duration::from_secs(10), async {
        while !matches!(link.next().await, Some(LinkEvent::Acked { .. })) {}
    })
    .await
    .expect("command acknowledged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_command_is_answered_when_enabled_and_ignored_by_default() {
    let broker = Broker::start(Options::default());
    let col = Collector::start(&broker, "ingest-cmd", "camaudit/v1/site-c/#").await;
    let mut ops = ops(&broker).await;
    let reports = || {
        vec![
            report(vec![camera(1, "1.0")]),
            report(vec![camera(1, "1.0"), camera(2, "1.0")]),
        ]
    };

    let on_dir = tempfile::tempdir().unwrap();
    let on = agent::spawn(
        agent::load(
            &agent::config_text(
                &broker,
                on_dir.path(),
                "site-c",
                "gw-on",
                "6h",
                "commands = true\n",
            ),
            on_dir.path(),
        ),
        Scripted::new(reports(), Duration::ZERO),
    );
    let off_dir = tempfile::tempdir().unwrap();
    let off = agent::spawn(
        agent::load(
            &agent::config_text(&broker, off_dir.path(), "site-c", "gw-off", "6h", ""),
            off_dir.path(),
        ),
        Scripted::new(reports(), Duration::ZERO),
    );
    eventually(20, "both agents' first scans", || {
        col.on("/event/scan-finished").len() >= 2
    })
    .await;
    // Let the SUBACK land.
    tokio::time::sleep(Duration::from_millis(500)).await;
    request_scan(&mut ops, "camaudit/v1/site-c/gw-on/cmd/scan", "r-42").await;
    request_scan(&mut ops, "camaudit/v1/site-c/gw-off/cmd/scan", "r-43").await;
    eventually(20, "the answer", || {
        !col.on("/gw-on/cmd-result/r-42").is_empty()
    })
    .await;
    let answer = col.on("/gw-on/cmd-result/r-42")[0].json();
    assert_eq!(answer["accepted"], true);
    assert_eq!(answer["request_id"], "r-42");
    let scan_id = answer["scan_id"].as_str().unwrap().to_owned();
    eventually(20, "the commanded scan", || {
        col.on("/gw-on/event/scan-finished")
            .iter()
            .any(|r| r.json()["scan_id"] == scan_id.as_str())
    })
    .await;
    let started = col
        .on("/gw-on/event/scan-started")
        .into_iter()
        .map(|r| r.json())
        .find(|v| v["scan_id"] == scan_id.as_str())
        .unwrap();
    assert_eq!(started["trigger"], "command");
    assert_eq!(col.on("/gw-on/event/device-new").len(), 2);

    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        col.on("/gw-off/cmd-result/r-43").is_empty(),
        "commands are off by default"
    );
    assert_eq!(col.on("/gw-off/event/scan-started").len(), 1);
    on.stop().await;
    off.stop().await;
}

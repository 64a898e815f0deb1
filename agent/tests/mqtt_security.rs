//! Against Mosquitto with the shipped ACL (deploy/mosquitto/acl) and mutual TLS: a client
//! without a certificate from the estate's CA is refused, and an agent cannot publish outside
//! its own `<site>/<agent>` subtree.

mod support;

use std::time::Duration;

use camaudit::config::BrokerUrl;
use camaudit::mqtt::rumqtt::RumqttLink;
use camaudit::mqtt::{Connection, Link, LinkEvent, Publish, Qos};
use support::broker::{Broker, Options};
use support::collector::Collector;
use support::{DEPLOY_ACL, eventually};

fn connection(
    broker: &Broker,
    id: &str,
    cert: Option<(std::path::PathBuf, std::path::PathBuf)>,
) -> Connection {
    Connection {
        url: BrokerUrl::parse(&broker.url()).unwrap(),
        client_id: id.into(),
        ca_file: broker.pki.as_ref().map(|p| p.ca.clone()),
        client_cert: cert,
        username: None,
        password: None,
        keep_alive: Duration::from_secs(5),
        reconnect_min: Duration::from_millis(100),
        reconnect_max: Duration::from_millis(500),
        last_will: None,
    }
}

/// Events seen within `secs`: (connected count, last disconnect reason).
async fn try_connect(link: &mut RumqttLink, secs: u64) -> (usize, Option<String>) {
    let mut connected = 0;
    let mut reason = None;
    let _ = tokio::time::timeout(Duration::from_secs(secs), async {
        while let Some(ev) = link.next().await {
            match ev {
                LinkEvent::Connected => {
                    connected += 1;
                    return;
                }
                LinkEvent::Disconnected { reason: r } => reason = Some(r),
                _ => {}
            }
        }
    })
    .await;
    (connected, reason)
}

fn tls_broker() -> Broker {
    Broker::start(Options {
        tls: true,
        require_certificate: true,
        acl: Some(DEPLOY_ACL.into()),
        persistence: false,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_refuses_clients_without_a_valid_certificate() {
    let broker = tls_broker();
    let pki = broker.pki.as_ref().unwrap();
    let mut good =
        RumqttLink::start(&connection(&broker, "gw-01", Some(pki.client("gw-01")))).unwrap();
    assert_eq!(
        try_connect(&mut good, 10).await.0,
        1,
        "a valid certificate connects"
    );

    let mut none = RumqttLink::start(&connection(&broker, "gw-02", None)).unwrap();
    let (n, reason) = try_connect(&mut none, 3).await;
    assert_eq!(n, 0, "no client certificate must be refused");
    assert!(reason.is_some());

    let mut rogue = RumqttLink::start(&connection(
        &broker,
        "gw-03",
        Some(pki.rogue_client("gw-03")),
    ))
    .unwrap();
    let (n, reason) = try_connect(&mut rogue, 3).await;
    assert_eq!(n, 0, "a certificate from another CA must be refused");
    assert!(reason.is_some());

    // And the agent refuses a broker its CA did not sign.
    let other = tempfile::tempdir().unwrap();
    let other_pki = support::certs::Pki::generate(other.path());
    let mut c = connection(&broker, "gw-04", Some(pki.client("gw-04")));
    c.ca_file = Some(other_pki.ca.clone());
    let mut wrong_ca = RumqttLink::start(&c).unwrap();
    let (n, reason) = try_connect(&mut wrong_ca, 3).await;
    assert_eq!(n, 0, "an untrusted broker certificate must be refused");
    assert!(
        reason.unwrap().to_lowercase().contains("certificate"),
        "reason names the certificate"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acl_keeps_an_agent_inside_its_own_subtree() {
    let broker = tls_broker();
    let col = Collector::start(&broker, "ingest", "#").await;
    let pki = broker.pki.as_ref().unwrap();
    let mut link =
        RumqttLink::start(&connection(&broker, "gw-01", Some(pki.client("gw-01")))).unwrap();
    assert_eq!(try_connect(&mut link, 10).await.0, 1);
    let topics = [
        ("camaudit/v1/school-042/gw-01/device/aaaaaaaaaaaa", true),
        ("camaudit/v1/school-042/gw-02/device/bbbbbbbbbbbb", false),
        ("camaudit/v1/school-042/gw-010/event/device-new", false),
        ("camaudit/v1/school-042/gw-01/cmd-result/r1", true),
        ("camaudit/v2/school-042/gw-01/status", false),
        ("other/topic", false),
    ];
    for (t, _) in topics {
        link.publish(Publish {
            topic: t.into(),
            payload: b"{}".to_vec(),
            qos: Qos::AtLeastOnce,
            retain: false,
        })
        .unwrap();
    }
    // Mosquitto acknowledges refused publishes too (MQTT 3.1.1 has no refusal code); wait for
    // every PUBACK, then for the allowed ones to arrive.
    let mut acks = 0;
    tokio::time::timeout(Duration::from_secs(10), async {
        while acks < topics.len() {
            if let Some(LinkEvent::Acked { .. }) = link.next().await {
                acks += 1;
            }
        }
    })
    .await
    .expect("all PUBACKs");
    let allowed: Vec<&str> = topics
        .iter()
        .filter(|(_, ok)| *ok)
        .map(|(t, _)| *t)
        .collect();
    eventually(10, "allowed publishes delivered", || {
        col.snapshot().len() >= allowed.len()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut got: Vec<String> = col.snapshot().into_iter().map(|r| r.topic).collect();
    got.sort();
    let mut want: Vec<String> = allowed.iter().map(|s| (*s).to_owned()).collect();
    want.sort();
    assert_eq!(got, want);
}

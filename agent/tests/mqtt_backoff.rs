//! Reconnect backoff: against a loopback listener that accepts and hangs up at once (a broker
//! refusing everyone), the agent's link tries at most once per backoff step, never spins.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use camaudit::config::BrokerUrl;
use camaudit::mqtt::rumqtt::RumqttLink;
use camaudit::mqtt::{Connection, Link, LinkEvent};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnects_back_off_exponentially() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        for s in listener.incoming() {
            count.fetch_add(1, Ordering::SeqCst);
            drop(s);
        }
    });
    let mut link = RumqttLink::start(&Connection {
        url: BrokerUrl::parse(&format!("mqtt://127.0.0.1:{port}")).unwrap(),
        client_id: "gw-backoff".into(),
        ca_file: None,
        client_cert: None,
        username: None,
        password: None,
        keep_alive: Duration::from_secs(5),
        reconnect_min: Duration::from_millis(200),
        reconnect_max: Duration::from_millis(800),
        last_will: None,
    })
    .unwrap();
    let mut failures = 0;
    let _ = tokio::time::timeout(Duration::from_secs(4), async {
        while let Some(ev) = link.next().await {
            assert_ne!(ev, LinkEvent::Connected);
            if matches!(ev, LinkEvent::Disconnected { .. }) {
                failures += 1;
            }
        }
    })
    .await;
    let n = accepted.load(Ordering::SeqCst);
    // Delays (equal jitter): 100-200, 200-400, 400-800, then 400-800 ms each: in 4 s at most
    // about 9 attempts; a spinning client would make thousands.
    assert!((3..=12).contains(&n), "{n} connection attempts in 4 s");
    assert!(
        failures >= 3 && failures <= n + 1,
        "{failures} failures for {n} attempts"
    );
}

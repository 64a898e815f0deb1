//! A subscriber that records everything it receives, with a persistent session (clean session
//! off, QoS 1) so messages published while it is disconnected reach it afterwards. Built on
//! rumqttc directly, not on the agent's own link code.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS, TlsConfiguration, Transport};

use super::broker::Broker;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    pub topic: String,
    pub payload: Vec<u8>,
    pub retain: bool,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.payload).unwrap_or(serde_json::Value::Null)
    }
}

pub struct Collector {
    pub got: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Collector {
    /// Subscribes to `filter` as client `id` (TLS with the `ingest` certificate when the broker
    /// has a PKI).
    pub async fn start(broker: &Broker, id: &str, filter: &str) -> Self {
        let mut o = MqttOptions::new(id, "127.0.0.1", broker.port);
        o.set_clean_session(false)
            .set_keep_alive(Duration::from_secs(5))
            .set_max_packet_size(1 << 20, 1 << 20);
        if let Some(p) = &broker.pki {
            let (cert, key) = p.client("ingest");
            let cfg = camaudit::mqtt::tls::client_config(&p.ca, Some((&cert, &key))).expect("tls");
            o.set_transport(Transport::tls_with_config(TlsConfiguration::Rustls(cfg)));
        }
        let (client, mut el) = AsyncClient::new(o, 64);
        let got = Arc::new(Mutex::new(Vec::new()));
        let g = got.clone();
        let filter = filter.to_owned();
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let mut ready_tx = Some(ready_tx);
        let task = tokio::spawn(async move {
            loop {
                match el.poll().await {
                    Ok(Event::Incoming(Packet::ConnAck(_))) => {
                        let _ = client.subscribe(filter.clone(), QoS::AtLeastOnce).await;
                    }
                    Ok(Event::Incoming(Packet::SubAck(_))) => {
                        if let Some(t) = ready_tx.take() {
                            let _ = t.send(());
                        }
                    }
                    Ok(Event::Incoming(Packet::Publish(p))) => {
                        g.lock().expect("lock").push(Received {
                            topic: p.topic,
                            payload: p.payload.to_vec(),
                            retain: p.retain,
                        });
                    }
                    Ok(_) => {}
                    Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
                }
            }
        });
        tokio::time::timeout(Duration::from_secs(10), ready_rx)
            .await
            .expect("collector subscribed within 10s")
            .expect("collector task alive");
        Self { got, task }
    }

    pub fn snapshot(&self) -> Vec<Received> {
        self.got.lock().expect("lock").clone()
    }

    /// Messages whose topic ends with `suffix`.
    pub fn on(&self, suffix: &str) -> Vec<Received> {
        self.snapshot()
            .into_iter()
            .filter(|r| r.topic.ends_with(suffix))
            .collect()
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        self.task.abort();
    }
}

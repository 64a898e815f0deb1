//! [`Link`] over rumqttc 0.25 (MQTT 3.1.1): one task drives the event loop, reconnects with
//! backoff, and reports what happened on the wire in order.
//!
//! `MqttOptions`' `Debug` prints the password: it is never logged.

use rumqttc::{
    AsyncClient, ClientError, Event, EventLoop, LastWill, MqttOptions, Outgoing, Packet, QoS,
    TlsConfiguration, Transport,
};
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, warn};

use super::backoff::{Backoff, unit_random};
use super::{Connection, Link, LinkError, LinkEvent, Publish, Qos, Will, tls};

/// Incoming packets larger than this close the connection (a retained device record is
/// 1–2 KB; commands are tiny).
const MAX_PACKET: usize = 256 * 1024;

/// A running MQTT connection.
pub struct RumqttLink {
    client: AsyncClient,
    events: mpsc::Receiver<(LinkEvent, Option<oneshot::Sender<()>>)>,
    resume: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl RumqttLink {
    /// Starts connecting (in the background) with `c`.
    pub fn start(c: &Connection) -> Result<Self, LinkError> {
        let mut o = MqttOptions::new(c.client_id.clone(), c.url.host.clone(), c.url.port);
        o.set_keep_alive(c.keep_alive)
            .set_clean_session(true)
            .set_max_packet_size(MAX_PACKET, MAX_PACKET)
            .set_inflight(16);
        if let Some(u) = &c.username {
            let pw = c
                .password
                .as_ref()
                .map(|p| p.expose().to_owned())
                .unwrap_or_default();
            o.set_credentials(u.clone(), pw);
        }
        if c.url.tls {
            let Some(ca) = &c.ca_file else {
                return Err(LinkError::Option {
                    option: "ca_file",
                    reason: "mqtts:// needs the broker's CA file".into(),
                });
            };
            let client = c
                .client_cert
                .as_ref()
                .map(|(c, k)| (c.as_path(), k.as_path()));
            let cfg = tls::client_config(ca, client)?;
            o.set_transport(Transport::tls_with_config(TlsConfiguration::Rustls(cfg)));
        }
        let (client, mut eventloop) = AsyncClient::new(o, 32);
        let timeout = c.keep_alive.as_secs().clamp(5, 30);
        eventloop.network_options.set_connection_timeout(timeout);
        let (tx, events) = mpsc::channel(256);
        let backoff = Backoff::new(c.reconnect_min, c.reconnect_max);
        let task = tokio::spawn(drive(eventloop, tx, backoff, c.last_will.clone()));
        Ok(Self {
            client,
            events,
            resume: None,
            task,
        })
    }
}

impl Drop for RumqttLink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn qos(q: Qos) -> QoS {
    match q {
        Qos::AtMostOnce => QoS::AtMostOnce,
        Qos::AtLeastOnce => QoS::AtLeastOnce,
    }
}

fn client_err(e: ClientError) -> LinkError {
    match e {
        ClientError::TryRequest(_) => LinkError::Busy,
        ClientError::Request(_) => LinkError::Closed,
    }
}

impl Link for RumqttLink {
    fn publish(&mut self, p: Publish) -> Result<(), LinkError> {
        self.client
            .try_publish(p.topic, qos(p.qos), p.retain, p.payload)
            .map_err(client_err)
    }

    fn subscribe(&mut self, filter: &str, q: Qos) -> Result<(), LinkError> {
        self.client
            .try_subscribe(filter, qos(q))
            .map_err(client_err)
    }

    fn unsubscribe(&mut self, filter: &str) -> Result<(), LinkError> {
        self.client.try_unsubscribe(filter).map_err(client_err)
    }

    fn disconnect(&mut self) -> Result<(), LinkError> {
        self.client.try_disconnect().map_err(client_err)
    }

    async fn next(&mut self) -> Option<LinkEvent> {
        if let Some(r) = self.resume.take() {
            let _ = r.send(());
        }
        let (ev, resume) = self.events.recv().await?;
        self.resume = resume;
        Some(ev)
    }
}

type Tx = mpsc::Sender<(LinkEvent, Option<oneshot::Sender<()>>)>;

fn arm_will(el: &mut EventLoop, will: Option<&Will>) {
    if let Some(p) = will.and_then(|w| (w.0)()) {
        el.mqtt_options
            .set_last_will(LastWill::new(p.topic, p.payload, qos(p.qos), p.retain));
    }
}

async fn drive(mut el: EventLoop, tx: Tx, mut backoff: Backoff, will: Option<Will>) {
    arm_will(&mut el, will.as_ref());
    loop {
        let ev = match el.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                backoff.reset();
                LinkEvent::Connected
            }
            Ok(Event::Outgoing(Outgoing::Publish(pkid))) if pkid != 0 => LinkEvent::Sent { pkid },
            Ok(Event::Incoming(Packet::PubAck(a))) => LinkEvent::Acked { pkid: a.pkid },
            Ok(Event::Incoming(Packet::SubAck(a))) => {
                if a.return_codes
                    .iter()
                    .any(|c| matches!(c, rumqttc::SubscribeReasonCode::Failure))
                {
                    warn!("the broker refused a subscription (ACL?)");
                }
                LinkEvent::Subscribed
            }
            Ok(Event::Incoming(Packet::Publish(p))) => LinkEvent::Message {
                topic: p.topic,
                payload: p.payload.to_vec(),
                retain: p.retain,
            },
            Ok(Event::Outgoing(Outgoing::Disconnect)) => {
                let _ = tx
                    .send((
                        LinkEvent::Disconnected {
                            reason: "disconnected by the agent".into(),
                        },
                        None,
                    ))
                    .await;
                return;
            }
            Ok(_) => continue,
            Err(e) => {
                let (resume_tx, resume_rx) = oneshot::channel();
                let reason = e.to_string();
                debug!(%reason, "MQTT connection lost");
                if tx
                    .send((LinkEvent::Disconnected { reason }, Some(resume_tx)))
                    .await
                    .is_err()
                {
                    return;
                }
                // Wait until the receiver has seen the disconnect: after that it publishes
                // nothing until the next Connected, so whatever it published before is in the
                // request channel now and is dropped here rather than leaking into the next
                // session (where its PUBACK would be taken for another message's).
                if resume_rx.await.is_err() {
                    return;
                }
                el.clean();
                el.pending.clear();
                tokio::time::sleep(backoff.next_delay(unit_random())).await;
                arm_will(&mut el, will.as_ref());
                continue;
            }
        };
        if tx.send((ev, None)).await.is_err() {
            return;
        }
    }
}

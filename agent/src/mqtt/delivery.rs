//! The delivery loop: birth message, then the durable queue one QoS 1 message at a time
//! (removed only on its PUBACK), status updates when the queue is drained, heartbeats, remote
//! commands, and a clean goodbye on shutdown.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tracing::{debug, info, warn};

use super::{Link, LinkEvent, Publish, Qos};
use crate::payload::{AgentState, STATUS_SCHEMA, StatusMessage};
use crate::queue::QueueError;
use crate::run::heartbeat::Probe;
use crate::run::shared::Shared;

/// Largest command payload read.
const MAX_COMMAND: usize = 4096;
/// How long shutdown waits for the message in flight and the goodbye to be acknowledged.
const GOODBYE_WAIT: Duration = Duration::from_secs(3);

/// A remote scan request (`cmd/scan`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanRequest {
    pub request_id: String,
}

/// Settings of the loop.
#[derive(Clone, Debug)]
pub struct Settings {
    pub heartbeat: Duration,
    /// Subscribe to `cmd/scan` and forward requests here.
    pub commands: Option<mpsc::Sender<ScanRequest>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Queued(u64),
    Status,
    Goodbye,
}

#[derive(Debug)]
struct Inflight {
    kind: Kind,
    pkid: Option<u16>,
}

struct Loop<L> {
    link: L,
    shared: Arc<Shared>,
    settings: Settings,
    connected: bool,
    birth_due: bool,
    status_dirty: bool,
    inflight: Option<Inflight>,
    probe: Probe,
}

/// Runs until `shutdown` turns true, then says goodbye and disconnects.
pub async fn run<L: Link>(
    link: L,
    shared: Arc<Shared>,
    settings: Settings,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut counts = shared.counts.subscribe();
    let mut l = Loop {
        link,
        shared,
        settings,
        connected: false,
        birth_due: true,
        status_dirty: false,
        inflight: None,
        probe: Probe::new(),
    };
    let mut beat = tokio::time::interval(l.settings.heartbeat);
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    beat.tick().await;
    loop {
        tokio::select! {
            ev = l.link.next() => match ev {
                Some(ev) => l.on_event(ev),
                None => break,
            },
            () = l.shared.wake.notified() => l.pump(),
            Ok(()) = counts.changed() => {
                l.status_dirty = true;
                l.pump();
            }
            _ = beat.tick() => {
                l.heartbeat();
                // Also retries a publish the client's request queue refused earlier.
                l.pump();
            }
            () = crate::run::stopped(&mut shutdown) => {
                l.goodbye().await;
                break;
            }
        }
    }
    if let Err(e) = l.shared.store.sync() {
        warn!(error = %e, "could not sync the queue at exit");
    }
}

impl<L: Link> Loop<L> {
    fn on_event(&mut self, ev: LinkEvent) {
        match ev {
            LinkEvent::Connected => {
                info!("connected to the MQTT broker");
                self.connected = true;
                self.birth_due = true;
                self.inflight = None;
                if let (Some(_), Some(t)) = (&self.settings.commands, &self.shared.topics) {
                    let filter = t.cmd("scan");
                    if let Err(e) = self.link.subscribe(&filter, Qos::AtLeastOnce) {
                        warn!(error = %e, "cannot subscribe to {filter}");
                    }
                }
                self.pump();
            }
            LinkEvent::Sent { pkid } => {
                if let Some(f) = &mut self.inflight {
                    f.pkid.get_or_insert(pkid);
                }
            }
            LinkEvent::Acked { pkid } => self.on_ack(pkid),
            LinkEvent::Message {
                topic,
                payload,
                retain,
            } => self.on_message(&topic, &payload, retain),
            LinkEvent::Disconnected { reason } => {
                if self.connected {
                    warn!(%reason, "MQTT connection lost; queued messages wait on disk");
                    self.shared.reconnects.fetch_add(1, Ordering::Relaxed);
                } else {
                    debug!(%reason, "MQTT connection attempt failed");
                }
                self.connected = false;
                self.inflight = None;
            }
            _ => {}
        }
    }

    fn on_ack(&mut self, pkid: u16) {
        let Some(f) = &self.inflight else { return };
        if f.pkid != Some(pkid) {
            debug!(pkid, "PUBACK for a packet not in flight");
            return;
        }
        if let Kind::Queued(seq) = f.kind
            && let Err(e) = self.shared.store.ack(seq)
        {
            warn!(error = %e, seq, "cannot remove an acknowledged message from the queue");
        }
        self.inflight = None;
        self.pump();
    }

    /// Publishes the next message if the link is free.
    fn pump(&mut self) {
        if !self.connected || self.inflight.is_some() {
            return;
        }
        if self.birth_due {
            self.birth_due = false;
            self.status_dirty = false;
            self.send_status(AgentState::Online, None, Kind::Status);
            return;
        }
        match self.shared.store.head() {
            Ok(Some(q)) => {
                let p = Publish {
                    topic: q.message.topic,
                    payload: q.message.payload,
                    qos: Qos::AtLeastOnce,
                    retain: q.message.retain,
                };
                self.send(p, Kind::Queued(q.seq));
            }
            Ok(None) if self.status_dirty => {
                self.status_dirty = false;
                self.send_status(AgentState::Online, None, Kind::Status);
            }
            Ok(None) => {}
            Err(QueueError::Record { seq, source, .. }) => {
                warn!(seq, error = %source, "dropping a damaged queue record");
                if self.shared.store.discard(seq).is_ok() {
                    self.pump();
                }
            }
            Err(e) => warn!(error = %e, "cannot read the queue"),
        }
    }

    fn send(&mut self, p: Publish, kind: Kind) {
        match self.link.publish(p) {
            Ok(()) => self.inflight = Some(Inflight { kind, pkid: None }),
            Err(e) => debug!(error = %e, "publish not accepted; retried on the next wake-up"),
        }
    }

    fn status(&self, state: AgentState, reason: Option<&str>) -> Option<Publish> {
        let topics = self.shared.topics.as_ref()?;
        let seq = self.shared.store.next_seq().ok()?;
        let m = StatusMessage {
            envelope: self.shared.origin.envelope(STATUS_SCHEMA, seq, &now()),
            state,
            reason: reason.map(str::to_owned),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            inventory: Some(self.shared.counts.borrow().clone()),
            degraded: self.shared.is_degraded(),
        };
        Some(Publish {
            topic: topics.status(),
            payload: serde_json::to_vec(&m).ok()?,
            qos: Qos::AtLeastOnce,
            retain: true,
        })
    }

    fn send_status(&mut self, state: AgentState, reason: Option<&str>, kind: Kind) {
        if let Some(p) = self.status(state, reason) {
            self.send(p, kind);
        }
    }

    fn heartbeat(&mut self) {
        if !self.connected {
            return;
        }
        let Some(topics) = &self.shared.topics else {
            return;
        };
        let Ok(seq) = self.shared.store.next_seq() else {
            return;
        };
        let hb = self.probe.heartbeat(&self.shared, seq, &now());
        let Ok(payload) = serde_json::to_vec(&hb) else {
            return;
        };
        let p = Publish {
            topic: topics.heartbeat(),
            payload,
            qos: Qos::AtMostOnce,
            retain: false,
        };
        if let Err(e) = self.link.publish(p) {
            debug!(error = %e, "heartbeat dropped");
        }
    }

    fn on_message(&mut self, topic: &str, payload: &[u8], retain: bool) {
        let (Some(tx), Some(t)) = (&self.settings.commands, &self.shared.topics) else {
            return;
        };
        if topic != t.cmd("scan") {
            return;
        }
        // A retained command would run again on every reconnect.
        if retain || payload.len() > MAX_COMMAND {
            warn!(
                topic,
                retain,
                len = payload.len(),
                "ignoring a retained or oversized command"
            );
            return;
        }
        let Some(request_id) = request_id(payload) else {
            warn!(
                topic,
                "ignoring a command without a valid request_id ([A-Za-z0-9-], 1-64)"
            );
            return;
        };
        if tx
            .try_send(ScanRequest {
                request_id: request_id.clone(),
            })
            .is_err()
        {
            warn!(%request_id, "a scan request is already waiting; ignoring this one");
        }
    }

    async fn goodbye(&mut self) {
        if !self.connected {
            return;
        }
        let deadline = tokio::time::Instant::now() + GOODBYE_WAIT;
        // Let the message in flight finish so it is not sent twice.
        while self.inflight.is_some() && self.connected {
            match tokio::time::timeout_at(deadline, self.link.next()).await {
                Ok(Some(LinkEvent::Acked { pkid })) => {
                    let Some(f) = &self.inflight else { break };
                    if f.pkid == Some(pkid) {
                        if let Kind::Queued(seq) = f.kind {
                            let _ = self.shared.store.ack(seq);
                        }
                        self.inflight = None;
                    }
                }
                Ok(Some(ev)) => self.on_event_quiet(ev),
                _ => return,
            }
        }
        self.inflight = None;
        self.send_status(AgentState::Offline, Some("shutdown"), Kind::Goodbye);
        while self.inflight.is_some() && self.connected {
            match tokio::time::timeout_at(deadline, self.link.next()).await {
                Ok(Some(LinkEvent::Acked { .. })) => self.inflight = None,
                Ok(Some(ev)) => self.on_event_quiet(ev),
                _ => break,
            }
        }
        let _ = self.link.disconnect();
        let _ = tokio::time::timeout_at(deadline, async {
            while let Some(ev) = self.link.next().await {
                if matches!(ev, LinkEvent::Disconnected { .. }) {
                    break;
                }
            }
        })
        .await;
    }

    /// Events during shutdown: track the connection and packet ids, start nothing new.
    fn on_event_quiet(&mut self, ev: LinkEvent) {
        match ev {
            LinkEvent::Sent { pkid } => {
                if let Some(f) = &mut self.inflight {
                    f.pkid.get_or_insert(pkid);
                }
            }
            LinkEvent::Disconnected { .. } | LinkEvent::Connected => self.connected = false,
            _ => {}
        }
    }
}

fn request_id(payload: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(payload).ok()?;
    let id = v.get("request_id")?.as_str()?;
    let ok = !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    ok.then(|| id.to_owned())
}

pub(crate) fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_checked() {
        assert_eq!(
            request_id(br#"{"request_id":"r-1"}"#).as_deref(),
            Some("r-1")
        );
        for bad in [
            &br#"{"request_id":"a/b"}"#[..],
            br#"{"request_id":"+"}"#,
            br#"{"request_id":""}"#,
            br#"{"id":"x"}"#,
            b"not json",
        ] {
            assert!(
                request_id(bad).is_none(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}

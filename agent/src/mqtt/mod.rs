//! MQTT: the topic tree, the small [`Link`] interface the agent talks to, its rumqttc
//! implementation ([`rumqtt`]), TLS ([`tls`]), reconnect backoff ([`backoff`]) and the delivery
//! loop that moves the durable queue to the broker ([`delivery`]).
//!
//! Delivery does not rely on the client library for anything durable: rumqttc keeps unsent
//! publishes in memory only and drops in-flight ones on a clean-session reconnect. The agent
//! publishes one QoS 1 message at a time (stop-and-wait) and removes it from its own queue
//! when the PUBACK for that packet id arrives.

pub mod backoff;
pub mod delivery;
pub mod rumqtt;
pub mod tls;

use std::future::Future;

use crate::config::BrokerUrl;
use crate::credentials::Secret;

/// Delivery guarantee of one publish.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Qos {
    AtMostOnce,
    AtLeastOnce,
}

/// One message to publish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Publish {
    pub topic: String,
    pub payload: Vec<u8>,
    pub qos: Qos,
    pub retain: bool,
}

/// What the link reports, in the order it happened on the connection.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkEvent {
    /// CONNACK accepted: a new session (nothing of the previous one survives).
    Connected,
    /// A QoS 1 publish left with this packet id.
    Sent { pkid: u16 },
    /// The broker acknowledged the QoS 1 publish with this packet id.
    Acked { pkid: u16 },
    /// The broker acknowledged a subscription.
    Subscribed,
    /// A message on a subscribed topic.
    Message {
        topic: String,
        payload: Vec<u8>,
        retain: bool,
    },
    /// The connection is gone; every publish not yet acknowledged is forgotten by the link.
    /// The link reconnects (after a backoff) once the receiver asks for the next event, so a
    /// publish made before the receiver saw this event cannot leak into the next session.
    Disconnected { reason: String },
}

/// Why a request could not be handed to the link.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    #[error("the MQTT client's request queue is full")]
    Busy,
    #[error("the MQTT connection task has stopped")]
    Closed,
    #[error("MQTT TLS setup: {0}")]
    Tls(#[from] tls::TlsError),
    #[error("MQTT option {option}: {reason}")]
    Option {
        option: &'static str,
        reason: String,
    },
}

/// The agent's view of an MQTT connection.
pub trait Link: Send {
    /// Queues a publish without waiting; only call between `Connected` and `Disconnected`.
    fn publish(&mut self, p: Publish) -> Result<(), LinkError>;
    fn subscribe(&mut self, filter: &str, qos: Qos) -> Result<(), LinkError>;
    fn unsubscribe(&mut self, filter: &str) -> Result<(), LinkError>;
    /// Sends DISCONNECT (the last will is not published).
    fn disconnect(&mut self) -> Result<(), LinkError>;
    /// The next event; `None` once the link has stopped.
    fn next(&mut self) -> impl Future<Output = Option<LinkEvent>> + Send;
}

/// How to reach and log in to the broker.
#[derive(Clone, Debug)]
pub struct Connection {
    pub url: BrokerUrl,
    pub client_id: String,
    pub ca_file: Option<std::path::PathBuf>,
    pub client_cert: Option<(std::path::PathBuf, std::path::PathBuf)>,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub keep_alive: std::time::Duration,
    pub reconnect_min: std::time::Duration,
    pub reconnect_max: std::time::Duration,
    /// Published by the broker when the connection dies without DISCONNECT; made afresh for
    /// every connection attempt so each will has its own msg_id and seq.
    pub last_will: Option<Will>,
}

/// Makes the last will of the next connection.
#[derive(Clone)]
pub struct Will(pub std::sync::Arc<dyn Fn() -> Option<Publish> + Send + Sync>);

impl std::fmt::Debug for Will {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Will(..)")
    }
}

/// The topic tree of one agent: `<prefix>/v1/<site>/<agent>/…`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topics {
    base: String,
}

impl Topics {
    pub fn new(prefix: &str, site: &str, agent: &str) -> Self {
        Self {
            base: format!("{prefix}/v1/{site}/{agent}"),
        }
    }
    pub fn status(&self) -> String {
        format!("{}/status", self.base)
    }
    pub fn heartbeat(&self) -> String {
        format!("{}/heartbeat", self.base)
    }
    pub fn device(&self, key: &str) -> String {
        format!("{}/device/{key}", self.base)
    }
    pub fn event(&self, kind: crate::payload::EventType) -> String {
        format!("{}/event/{}", self.base, kind.as_str())
    }
    pub fn cmd(&self, name: &str) -> String {
        format!("{}/cmd/{name}", self.base)
    }
    pub fn cmd_result(&self, request_id: &str) -> String {
        format!("{}/cmd-result/{request_id}", self.base)
    }
}

/// A device key is a topic level: it must not contain MQTT wildcards or separators. Keys are
/// `[0-9a-f]{12}` or `ip-<addr>`; anything else is escaped so it cannot leave its subtree.
pub fn topic_level(key: &str) -> String {
    key.chars()
        .map(|c| match c {
            '/' | '+' | '#' | '\0' => '_',
            ':' => '-',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::EventType;

    #[test]
    fn topics_follow_design_section_4() {
        let t = Topics::new("camaudit", "school-042", "gw-01");
        assert_eq!(t.status(), "camaudit/v1/school-042/gw-01/status");
        assert_eq!(
            t.device("4419b6a1b2c3"),
            "camaudit/v1/school-042/gw-01/device/4419b6a1b2c3"
        );
        assert_eq!(
            t.event(EventType::DeviceLost),
            "camaudit/v1/school-042/gw-01/event/device-lost"
        );
        assert_eq!(
            t.cmd_result("r1"),
            "camaudit/v1/school-042/gw-01/cmd-result/r1"
        );
        assert_eq!(topic_level("ip-10.0.0.1"), "ip-10.0.0.1");
        assert_eq!(topic_level("ip-fe80::1"), "ip-fe80--1");
        assert_eq!(topic_level("a/+/#"), "a____");
    }
}

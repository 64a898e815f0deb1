//! One MQTT message (topic and payload bytes) into a [`Fact`]. Pure.
//!
//! Payloads come from agents over the network: the size is capped, the JSON must match the
//! DESIGN.md section 4 shapes, and the envelope's site and agent must be the ones in the topic
//! (the broker's ACL binds an agent to its topic subtree, not to what it writes in a payload).

use std::sync::Arc;

use crate::fact::{Body, DeviceEvent, Fact};
use crate::payload::{
    DeviceMessage, Envelope, EventMessage, EventType, HeartbeatMessage, StatusMessage,
};
use crate::time::Ts;

/// Larger than any device record the agent writes (1–2 KB) by a wide margin.
pub const MAX_PAYLOAD: usize = 256 * 1024;

/// What a message is, by its topic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topic<'a> {
    pub site: &'a str,
    pub agent: &'a str,
    pub kind: TopicKind<'a>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TopicKind<'a> {
    Status,
    Heartbeat,
    Device(&'a str),
    Event(&'a str),
    /// `cmd`, `cmd-result` and anything newer: not central's business.
    Other,
}

/// A parsed message: a fact to store, or a heartbeat (kept only as the latest per agent).
#[derive(Clone, Debug, PartialEq)]
pub enum Parsed {
    Fact(Box<Fact>),
    Heartbeat(Box<HeartbeatMessage>),
    Ignored,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    #[error("topic {topic:?} is not under {prefix}/v1/<site>/<agent>/…")]
    Topic { topic: String, prefix: String },
    #[error("{topic}: payload of {len} bytes is over the {max}-byte cap")]
    TooLarge {
        topic: String,
        len: usize,
        max: usize,
    },
    #[error("{topic}: payload is not a valid {what} message: {source}")]
    Json {
        topic: String,
        what: &'static str,
        source: serde_json::Error,
    },
    #[error("{topic}: payload claims site/agent {claimed:?}, the topic says otherwise")]
    Mismatch { topic: String, claimed: String },
    #[error("{topic}: bad timestamp {ts:?}")]
    Time { topic: String, ts: String },
    #[error("{topic}: payload key {key:?} does not match the topic")]
    Key { topic: String, key: String },
}

/// Splits `<prefix>/v1/<site>/<agent>/<kind>[/<rest>]`.
pub fn topic<'a>(prefix: &str, topic: &'a str) -> Option<Topic<'a>> {
    let rest = topic.strip_prefix(prefix)?.strip_prefix("/v1/")?;
    let mut parts = rest.splitn(4, '/');
    let site = parts.next().filter(|s| !s.is_empty())?;
    let agent = parts.next().filter(|s| !s.is_empty())?;
    let kind = match (parts.next()?, parts.next()) {
        ("status", None) => TopicKind::Status,
        ("heartbeat", None) => TopicKind::Heartbeat,
        ("device", Some(k)) if !k.is_empty() && !k.contains('/') => TopicKind::Device(k),
        ("event", Some(e)) if !e.contains('/') => TopicKind::Event(e),
        _ => TopicKind::Other,
    };
    Some(Topic { site, agent, kind })
}

/// Parses one message received at `received_at`.
pub fn message(
    prefix: &str,
    topic_name: &str,
    payload: &[u8],
    received_at: Ts,
) -> Result<Parsed, ParseError> {
    let Some(t) = topic(prefix, topic_name) else {
        return Err(ParseError::Topic {
            topic: topic_name.chars().take(200).collect(),
            prefix: prefix.to_owned(),
        });
    };
    if payload.len() > MAX_PAYLOAD {
        return Err(ParseError::TooLarge {
            topic: topic_name.to_owned(),
            len: payload.len(),
            max: MAX_PAYLOAD,
        });
    }
    let json = |what: &'static str| {
        move |source| ParseError::Json {
            topic: topic_name.to_owned(),
            what,
            source,
        }
    };
    match t.kind {
        TopicKind::Device(level) if payload.is_empty() => Ok(Parsed::Fact(Box::new(Fact {
            msg_id: format!("forgotten:{topic_name}:{}", received_at.0),
            site: t.site.to_owned(),
            agent: t.agent.to_owned(),
            boot_id: String::new(),
            seq: 0,
            ts: received_at,
            received_at,
            body: Body::Forgotten {
                key: level.to_owned(),
            },
            record: None,
        }))),
        TopicKind::Device(level) => {
            let m: DeviceMessage = serde_json::from_slice(payload).map_err(json("device"))?;
            if level != m.device.key && level != topic_level(&m.device.key) {
                return Err(ParseError::Key {
                    topic: topic_name.to_owned(),
                    key: m.device.key.chars().take(64).collect(),
                });
            }
            let body = Body::Device {
                key: m.device.key.clone(),
                state: m.state,
                scan_id: m.scan_id,
                last_seen: m.device.last_seen.clone(),
            };
            fact(
                topic_name,
                &t,
                m.envelope,
                received_at,
                body,
                Some(m.device),
            )
        }
        TopicKind::Event(_) => {
            let m: EventMessage = serde_json::from_slice(payload).map_err(json("event"))?;
            event(topic_name, &t, m, received_at)
        }
        TopicKind::Status => {
            let m: StatusMessage = serde_json::from_slice(payload).map_err(json("status"))?;
            let body = Body::Status {
                state: m.state,
                reason: m.reason,
                version: m.version,
                inventory: m.inventory,
            };
            fact(topic_name, &t, m.envelope, received_at, body, None)
        }
        TopicKind::Heartbeat => {
            let m: HeartbeatMessage = serde_json::from_slice(payload).map_err(json("heartbeat"))?;
            check_origin(topic_name, &t, &m.envelope)?;
            Ok(Parsed::Heartbeat(Box::new(m)))
        }
        TopicKind::Other => Ok(Parsed::Ignored),
    }
}

fn event(
    topic_name: &str,
    t: &Topic<'_>,
    m: EventMessage,
    received_at: Ts,
) -> Result<Parsed, ParseError> {
    let at = |s: Option<String>| -> Result<Option<Ts>, ParseError> {
        s.map(|s| {
            Ts::parse(&s).map_err(|_| ParseError::Time {
                topic: topic_name.to_owned(),
                ts: s.chars().take(64).collect(),
            })
        })
        .transpose()
    };
    let device_event = |event| -> Result<Body, ParseError> {
        let key = m
            .key
            .clone()
            .or_else(|| m.device.as_ref().map(|d| d.key.clone()))
            .ok_or_else(|| ParseError::Key {
                topic: topic_name.to_owned(),
                key: String::new(),
            })?;
        Ok(Body::DeviceEvent {
            event,
            key,
            scan_id: m.scan_id.clone(),
            changes: m.changes.clone(),
        })
    };
    let body = match m.kind {
        EventType::ScanStarted => Body::ScanStarted {
            scan_id: m.scan_id.clone(),
            trigger: m.trigger,
        },
        EventType::ScanFinished => Body::ScanFinished {
            scan_id: m.scan_id.clone(),
            trigger: m.trigger,
            started_at: at(m.started_at.clone())?,
            finished_at: at(m.finished_at.clone())?,
            error: m.error.clone(),
            summary: m.summary.clone(),
            inventory: m.inventory.clone(),
        },
        EventType::DeviceNew => device_event(DeviceEvent::New)?,
        EventType::DeviceChanged => device_event(DeviceEvent::Changed)?,
        EventType::DeviceLost => device_event(DeviceEvent::Lost)?,
    };
    let record = m.device.map(|d| *d);
    fact(topic_name, t, m.envelope, received_at, body, record)
}

fn check_origin(topic_name: &str, t: &Topic<'_>, e: &Envelope) -> Result<(), ParseError> {
    if e.site != t.site || e.agent != t.agent {
        return Err(ParseError::Mismatch {
            topic: topic_name.to_owned(),
            claimed: format!("{}/{}", e.site, e.agent)
                .chars()
                .take(200)
                .collect(),
        });
    }
    Ok(())
}

fn fact(
    topic_name: &str,
    t: &Topic<'_>,
    e: Envelope,
    received_at: Ts,
    body: Body,
    record: Option<camaudit_protocol::record::Device>,
) -> Result<Parsed, ParseError> {
    check_origin(topic_name, t, &e)?;
    let ts = Ts::parse(&e.ts).map_err(|_| ParseError::Time {
        topic: topic_name.to_owned(),
        ts: e.ts.chars().take(64).collect(),
    })?;
    Ok(Parsed::Fact(Box::new(Fact {
        msg_id: e.msg_id,
        site: e.site,
        agent: e.agent,
        boot_id: e.boot_id,
        seq: e.seq,
        ts,
        received_at,
        body,
        record: record.map(Arc::new),
    })))
}

/// A device key as a topic level: `[a-z0-9-]` only (an `ip-10.20.0.31` key has dots).
pub fn topic_level(key: &str) -> String {
    key.chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '-' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '-',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/fixtures/payloads/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn topics() {
        type Want<'a> = Option<(&'a str, &'a str, TopicKind<'a>)>;
        let cases: [(&str, Want<'_>); 8] = [
            (
                "camaudit/v1/s1/gw/status",
                Some(("s1", "gw", TopicKind::Status)),
            ),
            (
                "camaudit/v1/s1/gw/heartbeat",
                Some(("s1", "gw", TopicKind::Heartbeat)),
            ),
            (
                "camaudit/v1/s1/gw/device/abc",
                Some(("s1", "gw", TopicKind::Device("abc"))),
            ),
            (
                "camaudit/v1/s1/gw/event/scan-finished",
                Some(("s1", "gw", TopicKind::Event("scan-finished"))),
            ),
            (
                "camaudit/v1/s1/gw/cmd-result/x",
                Some(("s1", "gw", TopicKind::Other)),
            ),
            (
                "camaudit/v1/s1/gw/device/a/b",
                Some(("s1", "gw", TopicKind::Other)),
            ),
            ("other/v1/s1/gw/status", None),
            ("camaudit/v1//gw/status", None),
        ];
        for (input, want) in cases {
            let got = topic("camaudit", input).map(|t| (t.site, t.agent, t.kind));
            assert_eq!(got, want, "{input}");
        }
    }

    #[test]
    fn agent_payloads_become_facts() {
        let t0 = Ts(1);
        let cases = [
            (
                "camaudit/v1/school-042/gw-01/device/4419b6a1b2c3",
                "device.json",
                "device",
            ),
            (
                "camaudit/v1/school-042/gw-01/event/device-new",
                "device-new.json",
                "device-event",
            ),
            (
                "camaudit/v1/school-042/gw-01/event/scan-finished",
                "scan-finished.json",
                "scan-finished",
            ),
            (
                "camaudit/v1/school-042/gw-01/status",
                "status.json",
                "status",
            ),
        ];
        for (topic_name, file, kind) in cases {
            let Parsed::Fact(f) = message("camaudit", topic_name, &fixture(file), t0).unwrap()
            else {
                panic!("{file}: not a fact");
            };
            assert_eq!(f.body.kind(), kind, "{file}");
            assert_eq!((f.site.as_str(), f.agent.as_str()), ("school-042", "gw-01"));
            assert_eq!(f.received_at, t0);
            assert!(f.ts > Ts(1_795_000_000), "{file}: {:?}", f.ts);
        }
        let hb = message(
            "camaudit",
            "camaudit/v1/school-042/gw-01/heartbeat",
            &fixture("heartbeat.json"),
            t0,
        )
        .unwrap();
        assert!(matches!(hb, Parsed::Heartbeat(_)));
    }

    #[test]
    fn refuses_bad_messages() {
        let dev = fixture("device.json");
        let cases: [(&str, Vec<u8>); 5] = [
            (
                "camaudit/v1/other-site/gw-01/device/4419b6a1b2c3",
                dev.clone(),
            ),
            (
                "camaudit/v1/school-042/gw-01/device/ffffffffffff",
                dev.clone(),
            ),
            ("camaudit/v1/school-042/gw-01/status", b"{not json".to_vec()),
            (
                "camaudit/v1/school-042/gw-01/status",
                vec![b' '; MAX_PAYLOAD + 1],
            ),
            ("elsewhere/x", dev),
        ];
        for (topic_name, payload) in cases {
            assert!(
                message("camaudit", topic_name, &payload, Ts(0)).is_err(),
                "{topic_name}"
            );
        }
    }

    #[test]
    fn empty_retained_device_means_forgotten() {
        let Parsed::Fact(f) = message("camaudit", "camaudit/v1/s/a/device/k1", b"", Ts(5)).unwrap()
        else {
            panic!()
        };
        assert_eq!(f.body, Body::Forgotten { key: "k1".into() });
    }
}

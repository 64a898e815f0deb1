//! The MQTT payloads of DESIGN.md section 4, as central reads them: the envelope every message
//! carries, and the device, event and status bodies.
//!
//! The shapes are the agent's (`camaudit::payload`): the device body is
//! [`camaudit_protocol::record::Device`] flattened beside the envelope, plus `state` and
//! `scan_id`. Central keeps its own copy so that it never links the agent; a test reads payloads
//! the agent's types produced (`fixtures/payloads/`) to keep the two in step.

use camaudit_protocol::record::{Device, Summary};
use serde::{Deserialize, Serialize};

pub const DEVICE_SCHEMA: &str = "camaudit.device/1";
pub const EVENT_SCHEMA: &str = "camaudit.event/1";
pub const STATUS_SCHEMA: &str = "camaudit.status/1";
pub const HEARTBEAT_SCHEMA: &str = "camaudit.heartbeat/1";

/// Fields every payload carries, so consumers can deduplicate at-least-once delivery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub schema: String,
    /// UUID v7; a re-sent message keeps it.
    pub msg_id: String,
    pub agent: String,
    pub site: String,
    /// UUID v7 drawn at agent process start, so boots sort in time order.
    pub boot_id: String,
    /// Per agent, increasing across restarts.
    pub seq: u64,
    /// RFC 3339 UTC, when the message was made.
    pub ts: String,
}

/// Whether a device answered the agent's last scans.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Presence {
    Present,
    Absent,
}

/// The retained `device/<key>` message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeviceMessage {
    #[serde(flatten)]
    pub envelope: Envelope,
    #[serde(flatten)]
    pub device: Device,
    pub state: Presence,
    /// The scan that last observed the device.
    pub scan_id: String,
}

/// The agent's own view of its inventory (`status`, `event/scan-finished`, `heartbeat`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryCounts {
    pub present: usize,
    pub absent: usize,
    pub restricted: usize,
    /// Hex SHA-256 of the sorted device keys joined by `\n`: every key with a retained record.
    pub digest: String,
}

impl InventoryCounts {
    /// Every retained device topic the agent owns.
    pub fn total(&self) -> usize {
        self.present.saturating_add(self.absent)
    }
}

/// The digest of [`InventoryCounts::digest`] over `keys` (any order).
pub fn key_digest<'a>(keys: impl IntoIterator<Item = &'a str>) -> String {
    use sha2::Digest;
    let mut keys: Vec<&str> = keys.into_iter().collect();
    keys.sort_unstable();
    let mut h = sha2::Sha256::new();
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            h.update(b"\n");
        }
        h.update(k.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Event types of `event/<type>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventType {
    ScanStarted,
    ScanFinished,
    DeviceNew,
    DeviceChanged,
    DeviceLost,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ScanStarted => "scan-started",
            Self::ScanFinished => "scan-finished",
            Self::DeviceNew => "device-new",
            Self::DeviceChanged => "device-changed",
            Self::DeviceLost => "device-lost",
        }
    }
}

/// One changed field of a device, for `device-changed`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// What started a scan. Only `schedule` and `command` scans cover the agent's whole scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trigger {
    Schedule,
    Hello,
    Command,
}

/// The body of an `event/<type>` message; fields not relevant to the type are absent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventMessage {
    #[serde(flatten)]
    pub envelope: Envelope,
    #[serde(rename = "type")]
    pub kind: EventType,
    pub scan_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<Trigger>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<Box<Device>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<FieldChange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<Summary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory: Option<InventoryCounts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl EventMessage {
    /// An event with only the envelope, type and scan id set.
    pub fn new(envelope: Envelope, kind: EventType, scan_id: &str) -> Self {
        Self {
            envelope,
            kind,
            scan_id: scan_id.to_owned(),
            trigger: None,
            key: None,
            device: None,
            changes: Vec::new(),
            summary: None,
            inventory: None,
            started_at: None,
            finished_at: None,
            error: None,
        }
    }
}

/// Agent presence on the retained `status` topic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AgentState {
    Online,
    Offline,
}

/// The retained `status` message: birth, last will, goodbye, inventory updates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatusMessage {
    #[serde(flatten)]
    pub envelope: Envelope,
    pub state: AgentState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory: Option<InventoryCounts>,
    #[serde(default)]
    pub degraded: bool,
}

/// The parts of a `heartbeat` central keeps (the message carries more: load, memory, queue).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HeartbeatMessage {
    #[serde(flatten)]
    pub envelope: Envelope,
    pub version: String,
    #[serde(default)]
    pub uptime_s: u64,
    #[serde(default)]
    pub inventory: Option<InventoryCounts>,
    #[serde(default)]
    pub degraded: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/fixtures/payloads/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// Payloads serialised by the agent's own payload types (see fixtures/payloads/SOURCES.md).
    #[test]
    fn reads_what_the_agent_writes() {
        let d: DeviceMessage = serde_json::from_slice(&fixture("device.json")).unwrap();
        assert_eq!(d.envelope.schema, DEVICE_SCHEMA);
        assert_eq!(d.device.key, "4419b6a1b2c3");
        assert_eq!(d.state, Presence::Present);
        assert_eq!(d.device.attribution.maker.as_deref(), Some("Hikvision"));
        let f: EventMessage = serde_json::from_slice(&fixture("scan-finished.json")).unwrap();
        assert_eq!(f.kind, EventType::ScanFinished);
        let inv = f.inventory.unwrap();
        assert_eq!((inv.present, inv.absent, inv.restricted), (1, 0, 1));
        assert_eq!(inv.digest, key_digest(["4419b6a1b2c3"]));
        assert_eq!(f.summary.unwrap().devices, 1);
        let s: StatusMessage = serde_json::from_slice(&fixture("status.json")).unwrap();
        assert_eq!(s.state, AgentState::Offline);
        let n: EventMessage = serde_json::from_slice(&fixture("device-new.json")).unwrap();
        assert_eq!(n.device.unwrap().key, "4419b6a1b2c3");
        let h: HeartbeatMessage = serde_json::from_slice(&fixture("heartbeat.json")).unwrap();
        assert_eq!(h.envelope.schema, HEARTBEAT_SCHEMA);
    }

    #[test]
    fn key_digest_is_order_free_and_separates_keys() {
        assert_eq!(key_digest(["b", "a"]), key_digest(["a", "b"]));
        assert_ne!(key_digest(["a", "b"]), key_digest(["ab"]));
        assert_eq!(
            key_digest([]),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}

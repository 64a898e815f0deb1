//! The MQTT payloads of DESIGN.md section 4: the envelope every message carries, and the device,
//! event, status, heartbeat and command-result bodies. Serialisation only; no I/O.
//!
//! The device body is [`camaudit_protocol::record::Device`] flattened beside the envelope, plus
//! `state` and `scan_id`, so a retained device message is the scan record's device with the
//! envelope fields added.

use camaudit_protocol::record::{Device, Summary};
use serde::{Deserialize, Serialize};

pub const DEVICE_SCHEMA: &str = "camaudit.device/1";
pub const EVENT_SCHEMA: &str = "camaudit.event/1";
pub const STATUS_SCHEMA: &str = "camaudit.status/1";
pub const HEARTBEAT_SCHEMA: &str = "camaudit.heartbeat/1";
pub const CMD_RESULT_SCHEMA: &str = "camaudit.cmd-result/1";

/// Fields every payload carries, so consumers can deduplicate at-least-once delivery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub schema: String,
    /// UUID v7; a re-sent message keeps it.
    pub msg_id: String,
    pub agent: String,
    pub site: String,
    /// UUID v7 drawn at process start.
    pub boot_id: String,
    /// Per agent, increasing across restarts (kept in the state directory).
    pub seq: u64,
    /// RFC 3339 UTC, when the message was made.
    pub ts: String,
}

/// Who is speaking: the parts of the envelope fixed for a process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub agent: String,
    pub site: String,
    pub boot_id: String,
}

impl Origin {
    /// An envelope for a message of `schema` with sequence number `seq`, made at `ts`.
    pub fn envelope(&self, schema: &str, seq: u64, ts: &str) -> Envelope {
        Envelope {
            schema: schema.to_owned(),
            msg_id: uuid::Uuid::now_v7().to_string(),
            agent: self.agent.clone(),
            site: self.site.clone(),
            boot_id: self.boot_id.clone(),
            seq,
            ts: ts.to_owned(),
        }
    }
}

/// Whether a device answered the last scans.
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

/// The agent's own view of its inventory, carried by `status` and `event/scan-finished` so a
/// consumer can check a retained snapshot against it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryCounts {
    pub present: usize,
    pub absent: usize,
    pub restricted: usize,
    /// Hex SHA-256 of the sorted device keys joined by `\n` (present and absent: every key that
    /// has a retained `device/<key>` message).
    pub digest: String,
}

impl InventoryCounts {
    /// Every retained device topic the agent owns.
    pub fn total(&self) -> usize {
        self.present + self.absent
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
    /// The topic level.
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
    /// `ip`, `mac`, `firmware`, `manufacturer`, `model`, `serial`, `hardware_id`, `endpoint`,
    /// `maker` or `state`.
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// What started a scan.
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

/// The retained `status` message: birth, last will, graceful goodbye, and inventory updates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatusMessage {
    #[serde(flatten)]
    pub envelope: Envelope,
    pub state: AgentState,
    /// `lwt` or `shutdown` when offline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory: Option<InventoryCounts>,
    /// True when the durable queue cannot be written (disk full, I/O error).
    #[serde(default)]
    pub degraded: bool,
}

/// Durable queue figures, for the heartbeat.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueFigures {
    /// Messages waiting for the broker's acknowledgement.
    pub depth: u64,
    /// Their payload bytes.
    pub bytes: u64,
    /// Events dropped, oldest first, because the queue was full (since the queue was created).
    pub dropped_total: u64,
}

/// The last scan, for the heartbeat.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastScan {
    pub scan_id: String,
    pub finished_at: String,
    pub duration_ms: u64,
    pub devices: usize,
}

/// The `heartbeat` message (QoS 0, never queued).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HeartbeatMessage {
    #[serde(flatten)]
    pub envelope: Envelope,
    pub version: String,
    /// Seconds since the agent started.
    pub uptime_s: u64,
    /// Host load averages (1, 5, 15 min).
    pub load: [f64; 3],
    pub memory_used_bytes: u64,
    pub memory_total_bytes: u64,
    /// The agent's resident set size.
    pub rss_bytes: u64,
    /// Free space of the file system holding the state directory.
    pub state_dir_free_bytes: Option<u64>,
    pub queue: QueueFigures,
    pub reconnects: u64,
    pub last_scan: Option<LastScan>,
    pub inventory: InventoryCounts,
    pub degraded: bool,
}

/// The `cmd-result/<id>` message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CmdResultMessage {
    #[serde(flatten)]
    pub envelope: Envelope,
    pub request_id: String,
    pub command: String,
    pub accepted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use camaudit_protocol::mac::Mac;
    use camaudit_protocol::record::{Access, Attribution, Method, Policy, Reported};

    use super::*;

    fn origin() -> Origin {
        Origin {
            agent: "gw-01".into(),
            site: "school-042".into(),
            boot_id: "0193a1f4-0000-7000-8000-000000000000".into(),
        }
    }

    #[test]
    fn device_message_is_the_device_record_plus_envelope() {
        let device = Device {
            key: "4419b6a1b2c3".into(),
            ip: "10.20.0.31".into(),
            mac: Some(Mac::parse("44:19:b6:a1:b2:c3").unwrap()),
            mac_source: Some("neighbour".into()),
            endpoint: None,
            xaddrs: vec![],
            discovered_by: vec![Method::WsDiscovery],
            reported: Reported {
                firmware: Some("V5.5.0 build 170725".into()),
                ..Reported::default()
            },
            attribution: Attribution::default(),
            policy: Policy::default(),
            access: Access::default(),
            first_seen: "2026-11-29T00:00:00Z".into(),
            last_seen: "2026-11-29T06:00:00Z".into(),
        };
        let m = DeviceMessage {
            envelope: origin().envelope(DEVICE_SCHEMA, 7, "2026-11-29T06:00:01Z"),
            device: device.clone(),
            state: Presence::Present,
            scan_id: "s1".into(),
        };
        let v = serde_json::to_value(&m).unwrap();
        for f in ["schema", "msg_id", "agent", "site", "boot_id", "seq", "ts"] {
            assert!(v.get(f).is_some(), "missing {f}");
        }
        assert_eq!(v["schema"], DEVICE_SCHEMA);
        assert_eq!(v["seq"], 7);
        assert_eq!(v["key"], "4419b6a1b2c3");
        assert_eq!(v["mac"], "44:19:b6:a1:b2:c3");
        assert_eq!(v["reported"]["firmware"], "V5.5.0 build 170725");
        assert_eq!(v["state"], "present");
        let msg_id = uuid::Uuid::parse_str(v["msg_id"].as_str().unwrap()).unwrap();
        assert_eq!(msg_id.get_version_num(), 7);
        let back: DeviceMessage = serde_json::from_value(v).unwrap();
        assert_eq!(back.device, device);
        assert_eq!(back, m);
    }

    #[test]
    fn key_digest_ignores_order_and_separates_keys() {
        let a = key_digest(["b", "a"]);
        assert_eq!(a, key_digest(["a", "b"]));
        assert_ne!(a, key_digest(["ab"]));
        // sha256("") — the empty inventory.
        assert_eq!(
            key_digest([]),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn event_omits_fields_of_other_types() {
        let e = EventMessage::new(
            origin().envelope(EVENT_SCHEMA, 1, "t"),
            EventType::DeviceLost,
            "s",
        );
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["type"], "device-lost");
        assert!(v.get("changes").is_none());
        assert!(v.get("device").is_none());
        assert_eq!(EventType::DeviceLost.as_str(), "device-lost");
    }
}

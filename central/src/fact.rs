//! Facts: what the agents told central, one per MQTT message, as the store keeps them.
//!
//! Facts are append-only and identified by the payload's `msg_id`, so at-least-once delivery,
//! a broker restart or a re-sent retained snapshot adds nothing twice. Device records are kept
//! content-addressed (the record without `last_seen`, which changes every scan).

use std::sync::Arc;

use camaudit_protocol::record::{Device, Summary};
use serde::{Deserialize, Serialize};

use crate::payload::{AgentState, FieldChange, InventoryCounts, Presence, Trigger};
use crate::time::Ts;

/// One message from one agent.
#[derive(Clone, Debug, PartialEq)]
pub struct Fact {
    pub msg_id: String,
    pub site: String,
    pub agent: String,
    pub boot_id: String,
    pub seq: u64,
    /// When the agent made the message (the payload's `ts`).
    pub ts: Ts,
    /// When central received it.
    pub received_at: Ts,
    pub body: Body,
    /// The device record the message carried, if any.
    pub record: Option<Arc<Device>>,
}

/// What a fact says. The device record travels beside it in [`Fact::record`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Body {
    /// The retained `device/<key>` record.
    Device {
        key: String,
        state: Presence,
        scan_id: String,
        last_seen: String,
    },
    /// `device-new`, `device-changed` or `device-lost`.
    DeviceEvent {
        event: DeviceEvent,
        key: String,
        scan_id: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        changes: Vec<FieldChange>,
    },
    ScanStarted {
        scan_id: String,
        trigger: Option<Trigger>,
    },
    ScanFinished {
        scan_id: String,
        trigger: Option<Trigger>,
        started_at: Option<Ts>,
        finished_at: Option<Ts>,
        error: Option<String>,
        summary: Option<Summary>,
        inventory: Option<InventoryCounts>,
    },
    Status {
        state: AgentState,
        reason: Option<String>,
        version: String,
        inventory: Option<InventoryCounts>,
    },
    /// An empty retained `device/<key>` message: the agent forgot the device.
    Forgotten { key: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeviceEvent {
    New,
    Changed,
    Lost,
}

impl Body {
    /// The short name stored in the `kind` column.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Device { .. } => "device",
            Self::DeviceEvent { .. } => "device-event",
            Self::ScanStarted { .. } => "scan-started",
            Self::ScanFinished { .. } => "scan-finished",
            Self::Status { .. } => "status",
            Self::Forgotten { .. } => "forgotten",
        }
    }

    pub fn device_key(&self) -> Option<&str> {
        match self {
            Self::Device { key, .. } | Self::DeviceEvent { key, .. } | Self::Forgotten { key } => {
                Some(key)
            }
            _ => None,
        }
    }

    pub fn scan_id(&self) -> Option<&str> {
        match self {
            Self::Device { scan_id, .. }
            | Self::DeviceEvent { scan_id, .. }
            | Self::ScanStarted { scan_id, .. }
            | Self::ScanFinished { scan_id, .. } => Some(scan_id),
            _ => None,
        }
    }
}

/// The content address of a record and the JSON stored under it (`last_seen` emptied).
pub fn record_address(d: &Device) -> (String, String) {
    use sha2::Digest;
    let mut stable = d.clone();
    stable.last_seen.clear();
    let json = serde_json::to_string(&stable).unwrap_or_default();
    let hash = sha2::Sha256::digest(json.as_bytes());
    let hex: String = hash.iter().take(16).map(|b| format!("{b:02x}")).collect();
    (hex, json)
}

/// The record read back from the store, with the fact's own `last_seen` put back.
pub fn record_restore(json: &str, body: &Body) -> Result<Device, serde_json::Error> {
    let mut d: Device = serde_json::from_str(json)?;
    if let Body::Device { last_seen, .. } = body {
        d.last_seen.clone_from(last_seen);
    }
    Ok(d)
}

/// The total order facts are replayed in: time, then agent, then the agent's own order.
pub fn replay_order(a: &Fact, b: &Fact) -> std::cmp::Ordering {
    (a.ts, &a.agent, &a.boot_id, a.seq, &a.msg_id)
        .cmp(&(b.ts, &b.agent, &b.boot_id, b.seq, &b.msg_id))
}
